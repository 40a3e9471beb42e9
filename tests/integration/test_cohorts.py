"""Cohorts: coordinators create, edit and list them, add people and move people out;
several can be open at once, and a newcomer chooses one in the join form; a cohort's end
date is the end of term of its pairs.

Everything goes through the real HTTP endpoint and the emulator. People are put into a
cohort directly (`enroll_in`) when the test is about what comes after joining.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot import mentorships
from bot.db.enums import EndReason, EnrollmentRole, EnrollmentStatus, MentorshipStatus
from bot.db.models import AuditEntry, Enrollment, Mentorship, OutboxMessage, Person, Program
from bot.emulator import validate_blocks, validate_view
from bot.enrollment import save_profile
from bot.people import SlackProfile, upsert_person
from bot.profile import Profile
from bot.programs import program_named
from bot.views.cohorts import CohortIds as Ids
from bot.views.enrollment import EnrollmentIds
from bot.views.find import FindIds
from tests.integration.conftest import COORDINATOR, TEAM, Rig

ANA, BEN, CARA, DEV = "U0ANA0001", "U0BEN0001", "U0CARA001", "U0DEV0001"
GOALS = "I want to move from backend work into ML engineering within a year."
TODAY = datetime.now(UTC).date()


@pytest.fixture(autouse=True)
def people(rig: Rig) -> None:
    for user, tz in ((ANA, "Europe/Paris"), (BEN, "Europe/Paris"), (CARA, "UTC"), (DEV, "UTC")):
        rig.emulator.add_user(user, name=user.lower(), real_name=user[2:5].title(), tz=tz)


# --- driving the forms ---------------------------------------------------------------------


def cohort_values(**fields: Any) -> dict[str, dict[str, Any]]:
    """What the coordinator types or picks; the other fields keep what the form shows."""
    blocks = {
        "name": (Ids.NAME_BLOCK, Ids.NAME_ACTION),
        "objective": (Ids.OBJECTIVE_BLOCK, Ids.OBJECTIVE_ACTION),
        "other": (Ids.OTHER_BLOCK, Ids.OTHER_ACTION),
        "starts": (Ids.STARTS_BLOCK, Ids.STARTS_ACTION),
        "ends": (Ids.ENDS_BLOCK, Ids.ENDS_ACTION),
        "cadence": (Ids.CADENCE_BLOCK, Ids.CADENCE_ACTION),
        "enrollment": (Ids.ENROLLMENT_BLOCK, Ids.ENROLLMENT_ACTION),
        "channel": (Ids.CHANNEL_BLOCK, Ids.CHANNEL_ACTION),
        "topics": (Ids.TOPICS_BLOCK, Ids.TOPICS_ACTION),
    }
    return {blocks[name][0]: {blocks[name][1]: value} for name, value in fields.items()}


def open_form(rig: Rig, text: str = "cohort", user: str = COORDINATOR) -> dict[str, Any]:
    rig.emulator.clear()
    response = rig.slack.slash_command(user, text)
    assert response.status == 200 and response.in_time
    [opened] = rig.emulator.wait_for("views.open", predicate=lambda c: c.ok)
    view = opened.args["view"]
    assert validate_view(view) == []
    return view


def create(rig: Rig, name: str, **fields: Any) -> int:
    """Create a cohort through `/mentor cohort`; its id."""
    open_form(rig)
    fields.setdefault("objective", "skills")
    response = rig.slack.view_submission(COORDINATOR, values=cohort_values(name=name, **fields))
    assert response.json["response_action"] == "update", response.json
    return cohort(rig, name).id


def cohort(rig: Rig, name: str) -> Program:
    with rig.runtime.deps.sessions() as session:
        found = program_named(session, TEAM, name)
        assert found is not None
        found.topics  # noqa: B018 (loaded while the session is open)
        return found


def members(rig: Rig, name: str, **values: Any) -> Any:
    open_form(rig, f"cohort members {name}")
    chosen = {
        Ids.ADD_BLOCK: {Ids.ADD_ACTION: values.get("add", [])},
        Ids.REMOVE_BLOCK: {Ids.REMOVE_ACTION: values.get("remove", [])},
    }
    if "role" in values:
        chosen[Ids.ROLE_BLOCK] = {Ids.ROLE_ACTION: values["role"]}
    return rig.slack.view_submission(COORDINATOR, values=chosen)


def enroll_in(rig: Rig, name: str, user: str, role: EnrollmentRole, topics: tuple[str, ...] = ()):
    now = datetime.now(UTC)
    with rig.runtime.deps.uow() as uow:
        program = program_named(uow.session, TEAM, name)
        assert program is not None
        person = upsert_person(
            uow.session, TEAM, SlackProfile(user, display_name=user[2:5], tz="Europe/Paris")
        )
        profile = Profile(role=role, topics=topics, goals=GOALS, timezone="Europe/Paris")
        save_profile(uow.session, program=program, person=person, profile=profile, now=now)


def pair_in(rig: Rig, name: str, mentor: str, mentee: str, kickoff: datetime) -> int:
    with rig.runtime.deps.uow() as uow:
        program = program_named(uow.session, TEAM, name)
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        assert program is not None
        pair = mentorships.start(
            uow.session, program, people[mentor], people[mentee], score=None, reasons=[],
            now=kickoff, default_tz="UTC")  # fmt: skip
        assert pair is not None
        return pair.id


def enrollment_of(rig: Rig, user: str) -> Enrollment | None:
    with rig.runtime.deps.sessions() as session:
        return session.scalar(
            select(Enrollment)
            .join(Person)
            .where(Person.slack_user_id == user)
            .order_by(Enrollment.id.desc())
            .limit(1)
        )


def queued_to(rig: Rig, user: str) -> list[OutboxMessage]:
    return [m for m in rig.outbox() if m.payload.get("channel") == user]


def audited(rig: Rig, action: str) -> list[AuditEntry]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def next_workday_noon() -> datetime:
    """12:00 UTC on the next weekday: inside everyone's working hours here."""
    day = TODAY + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


# --- creating and editing -------------------------------------------------------------------


def test_a_cohort_is_created_from_the_command_with_each_error_beside_its_field(rig: Rig) -> None:
    create(rig, "Spring 2030")
    view = open_form(rig)
    assert view["callback_id"] == Ids.CALLBACK and view["title"]["text"] == "New cohort"

    wrong = rig.slack.view_submission(
        COORDINATOR,
        values=cohort_values(
            name="  spring   2030 ", objective="other", starts="2030-09-01", ends="2030-03-01"
        ),
    )

    assert wrong.json["response_action"] == "errors"
    errors = wrong.json["errors"]
    assert set(errors) == {Ids.NAME_BLOCK, Ids.OTHER_BLOCK, Ids.ENDS_BLOCK}
    assert "already a cohort called" in errors[Ids.NAME_BLOCK]
    assert "after the start (1 September 2030)" in errors[Ids.ENDS_BLOCK]

    saved = rig.slack.view_submission(
        COORDINATOR,
        values=cohort_values(
            name="Autumn 2030", objective="other", other="Returners after a career break",
            starts="2030-09-01", ends="2031-02-28", cadence="monthly", enrollment="closed",
            channel="C0COHORTS", topics="Returning to work\n  Confidence   \n\nNLP",
        ),
    )  # fmt: skip

    assert saved.json["response_action"] == "update"
    assert "*Autumn 2030* is created" in json.dumps(saved.json["view"])
    autumn = cohort(rig, "Autumn 2030")
    assert (autumn.objective, autumn.starts_on, autumn.ends_on) == (
        "Returners after a career break", date(2030, 9, 1), date(2031, 2, 28)
    )  # fmt: skip
    assert (autumn.default_cadence.value, autumn.enrollment_open) == ("monthly", False)
    assert autumn.announcement_channel_id == "C0COHORTS"
    assert sorted(t.label for t in autumn.topics) == ["Confidence", "NLP", "Returning to work"]
    [entry] = audited(rig, "cohort.created")[1:]
    assert entry.actor_slack_id == COORDINATOR and entry.subject_id == str(autumn.id)


def test_a_cohort_is_edited_by_name_or_by_picking_it_in_the_form(rig: Rig) -> None:
    spring = create(rig, "Spring 2030", topics="NLP\nMLOps")
    create(rig, "Autumn 2030")

    view = open_form(rig, "cohort edit SPRING 2030")
    assert view["private_metadata"] == str(spring)
    [name] = [b for b in view["blocks"] if b.get("block_id") == Ids.NAME_BLOCK]
    assert name["element"]["initial_value"] == "Spring 2030"
    saved = rig.slack.view_submission(
        COORDINATOR,
        values=cohort_values(name="Spring 2030 (ML)", enrollment="closed", topics="nlp\nVision"),
    )

    assert saved.json["response_action"] == "update"
    edited = cohort(rig, "Spring 2030 (ML)")
    assert (edited.id, edited.enrollment_open) == (spring, False)
    assert sorted(t.label for t in edited.topics) == ["Vision", "nlp"]  # NLP renamed in place
    [entry] = audited(rig, "cohort.updated")
    assert entry.detail["changed"] == ["name", "enrollment_open"]
    assert (entry.detail["topics_added"], entry.detail["topics_removed"]) == (1, 1)

    open_form(rig)  # a new one, then "Edit a cohort instead"
    rig.slack.block_action(COORDINATOR, Ids.PICK, value=str(spring))
    [redrawn] = rig.emulator.wait_for("views.update", predicate=lambda c: c.ok)
    assert redrawn.args["view"]["private_metadata"] == str(spring)
    assert rig.emulator.top_view(COORDINATOR)["title"]["text"] == "Edit cohort"

    unknown = rig.slack.slash_command(COORDINATOR, "cohort edit Winter")
    assert "no cohort called “Winter”" in unknown.json["text"]
    assert "*Spring 2030 (ML)*, *Autumn 2030*" in unknown.json["text"]


def test_the_list_shows_each_cohort_with_its_counts(rig: Rig) -> None:
    create(rig, "Spring 2030", starts="2030-03-01", ends="2030-08-31")
    create(rig, "Autumn 2030", enrollment="closed")
    enroll_in(rig, "Spring 2030", ANA, EnrollmentRole.MENTEE)
    enroll_in(rig, "Spring 2030", DEV, EnrollmentRole.MENTEE)
    enroll_in(rig, "Spring 2030", BEN, EnrollmentRole.MENTOR)
    enroll_in(rig, "Spring 2030", CARA, EnrollmentRole.BOTH)
    pair_in(rig, "Spring 2030", BEN, ANA, datetime.now(UTC))

    answer = rig.slack.slash_command(COORDINATOR, "cohort list").json

    assert answer["response_type"] == "ephemeral"
    lines = answer["text"].splitlines()
    assert lines[1] == ("• *Spring 2030*: enrollment open, 1 March 2030 to 31 August 2030, Skills")
    assert lines[2].strip() == "2 mentors, 3 mentees, 1 active pair, 2 waiting for a mentor"
    assert lines[3] == "• *Autumn 2030*: enrollment closed, Skills"
    assert lines[4].strip() == "0 mentors, 0 mentees, 0 active pairs, 0 waiting for a mentor"


def test_the_coordinators_home_shows_the_cohorts_and_its_buttons_open_the_forms(rig: Rig) -> None:
    create(rig, "Spring 2030")
    rig.run_due()  # the Home the save queued

    home = rig.emulator.home_view(COORDINATOR)
    assert home is not None and validate_view(home) == []
    assert "*Spring 2030* (open): 0 mentors, 0 mentees, 0 pairs, 0 waiting" in json.dumps(home)
    rig.emulator.clear()
    rig.slack.block_action(COORDINATOR, Ids.HOME_MEMBERS)
    [opened] = rig.emulator.wait_for("views.open", predicate=lambda c: c.ok)
    assert opened.args["view"]["callback_id"] == Ids.MEMBERS_CALLBACK
    rig.slack.view_closed(COORDINATOR)
    rig.emulator.clear()
    rig.slack.block_action(COORDINATOR, Ids.HOME_COHORT, view=home)
    [opened] = rig.emulator.wait_for("views.open", predicate=lambda c: c.ok)
    assert opened.args["view"]["callback_id"] == Ids.CALLBACK


# --- joining when several cohorts are open ----------------------------------------------------


def test_with_two_cohorts_open_the_join_form_asks_which_and_the_enrollment_lands_there(
    rig: Rig,
) -> None:
    create(rig, "Spring 2030", topics="NLP\nMLOps")
    create(rig, "Design guild", objective="leadership", topics="Design\nWriting")
    design = cohort(rig, "Design guild").id

    choice = open_form(rig, "join", user=ANA)
    assert choice["callback_id"] == EnrollmentIds.COHORT_CALLBACK
    [select_block] = [
        b for b in choice["blocks"] if b.get("block_id") == EnrollmentIds.COHORT_BLOCK
    ]
    options = select_block["element"]["options"]
    assert [o["text"]["text"] for o in options] == ["Spring 2030", "Design guild"]
    assert options[1]["description"]["text"] == "Leadership"

    page = rig.slack.view_submission(
        ANA, values={EnrollmentIds.COHORT_BLOCK: {EnrollmentIds.COHORT_ACTION: str(design)}}
    )
    assert page.json["response_action"] == "update"
    form = rig.emulator.top_view(ANA)
    assert form["callback_id"] == EnrollmentIds.CALLBACK and form["private_metadata"] == str(design)
    [topics] = [b for b in form["blocks"] if b.get("block_id") == EnrollmentIds.TOPICS_BLOCK]
    assert [o["value"] for o in topics["element"]["options"]] == ["Design", "Writing"]

    joined = rig.slack.view_submission(
        ANA,
        values={
            EnrollmentIds.TOPICS_BLOCK: {EnrollmentIds.TOPICS_ACTION: ["Writing"]},
            EnrollmentIds.GOALS_BLOCK: {EnrollmentIds.GOALS_ACTION: GOALS},
        },
    )

    assert joined.status == 200 and not joined.text.strip()
    enrollment = enrollment_of(rig, ANA)
    assert enrollment is not None and enrollment.program_id == design
    again = open_form(rig, "profile", user=ANA)  # a member edits their own: no choice
    assert again["callback_id"] == EnrollmentIds.CALLBACK
    assert again["private_metadata"] == str(design)


def test_a_member_of_one_cohort_cannot_join_a_second_by_a_stale_form(rig: Rig) -> None:
    create(rig, "Spring 2030", topics="NLP\nMLOps")
    create(rig, "Design guild", topics="Design")
    spring = cohort(rig, "Spring 2030").id
    open_form(rig, "join", user=ANA)
    rig.slack.view_submission(
        ANA, values={EnrollmentIds.COHORT_BLOCK: {EnrollmentIds.COHORT_ACTION: str(spring)}}
    )
    enroll_in(rig, "Design guild", ANA, EnrollmentRole.MENTEE)  # meanwhile, elsewhere

    # The stale Spring form is checked against the cohort she is in: nothing lands in Spring.
    stale = rig.slack.view_submission(
        ANA, values={EnrollmentIds.TOPICS_BLOCK: {EnrollmentIds.TOPICS_ACTION: ["NLP"]}}
    )

    assert stale.json["response_action"] == "errors"
    assert "no longer on the list" in stale.json["errors"][EnrollmentIds.TOPICS_BLOCK]
    with rig.runtime.deps.sessions() as session:
        rows = session.scalars(select(Enrollment.program_id)).all()
    assert rows == [cohort(rig, "Design guild").id]


def test_when_enrollment_is_closed_join_says_so_kindly_and_members_still_edit(
    rig: Rig,
) -> None:
    create(rig, "Spring 2030", enrollment="closed", topics="NLP")
    enroll_in(rig, "Spring 2030", BEN, EnrollmentRole.MENTOR)
    rig.emulator.clear()

    rig.slack.slash_command(ANA, "join")

    [said] = rig.emulator.wait_for("response_url")
    assert "Enrollment is closed right now" in said.args["text"]
    assert "Thank you for your interest!" in said.args["text"]
    assert rig.emulator.calls("views.open") == []
    assert enrollment_of(rig, ANA) is None
    assert open_form(rig, "profile", user=BEN)["private_metadata"] == str(
        cohort(rig, "Spring 2030").id
    )


# --- members --------------------------------------------------------------------------------


def test_people_added_by_a_coordinator_are_enrolled_welcomed_and_pointed_at_their_profile(
    rig: Rig,
) -> None:
    create(rig, "Spring 2030", topics="NLP")
    create(rig, "Design guild", topics="Design")
    enroll_in(rig, "Design guild", CARA, EnrollmentRole.MENTEE)
    enroll_in(rig, "Spring 2030", DEV, EnrollmentRole.MENTEE)
    rig.run_due()
    rig.emulator.clear()

    answer = members(rig, "spring 2030", add=[ANA, BEN, CARA, DEV], role="mentor")

    assert answer.status == 200 and not answer.text.strip()
    for user in (ANA, BEN):
        added = enrollment_of(rig, user)
        assert added is not None and added.role is EnrollmentRole.MENTOR
        assert added.program_id == cohort(rig, "Spring 2030").id and added.capacity == 2
    assert enrollment_of(rig, CARA).program_id == cohort(rig, "Design guild").id  # untouched
    [welcome] = queued_to(rig, ANA)
    assert "has added you to *Spring 2030*" in json.dumps(welcome.payload)
    assert Ids.PROFILE in json.dumps(welcome.payload)
    [summary] = [m for m in queued_to(rig, COORDINATOR) if "Members of" in m.payload["text"]]
    text = summary.payload["text"]
    assert f"Added as mentors: <@{ANA}>, <@{BEN}>" in text
    assert f"Already in this cohort: <@{DEV}>" in text
    assert f"<@{CARA}> is in *Design guild*, so was not added" in text
    assert len(audited(rig, "cohort.member_added")) == 2

    rig.run_due(next_workday_noon())
    [delivered] = [
        c for c in rig.emulator.calls("chat.postMessage") if c.ok and c.args["channel"] == ANA
    ]
    assert validate_blocks(delivered.args["blocks"]) == []
    rig.emulator.clear()
    rig.slack.block_action(ANA, Ids.PROFILE)
    [opened] = rig.emulator.wait_for("views.open", predicate=lambda c: c.ok)
    assert opened.args["view"]["title"]["text"] == "Your profile"


def test_moving_a_mentee_out_ends_her_pair_tells_everyone_and_frees_the_mentors_slot(
    rig: Rig,
) -> None:
    create(rig, "Spring 2030", topics="NLP")
    enroll_in(rig, "Spring 2030", ANA, EnrollmentRole.MENTEE, topics=("NLP",))
    enroll_in(rig, "Spring 2030", BEN, EnrollmentRole.MENTOR)
    pair = pair_in(rig, "Spring 2030", BEN, ANA, datetime.now(UTC) - timedelta(days=20))
    assert enrollment_of(rig, BEN).active_mentee_count == 1
    rig.run_due()
    rig.emulator.clear()

    members(rig, "Spring 2030", remove=[ANA])

    with rig.runtime.deps.sessions() as session:
        ended = session.get(Mentorship, pair)
        assert ended.status is MentorshipStatus.ENDED
        assert ended.end_reason == EndReason.ENDED_BY_ADMIN.value
    ana, ben = enrollment_of(rig, ANA), enrollment_of(rig, BEN)
    assert ana.status is EnrollmentStatus.LEFT and ana.goals is None
    assert ben.active_mentee_count == 0  # the slot is free
    [to_ben] = [m for m in queued_to(rig, BEN) if "has ended" in m.payload["text"]]
    assert "your mentee slot is free again" in to_ben.payload["text"]
    [to_ana] = [m for m in queued_to(rig, ANA) if "moved you out" in m.payload["text"]]
    assert f"Your mentorship with <@{BEN}> has ended" in to_ana.payload["text"]
    [summary] = [m for m in queued_to(rig, COORDINATOR) if "Members of" in m.payload["text"]]
    assert f"Moved out: <@{ANA}>" in summary.payload["text"]
    assert f"1 mentorship ended: <@{ANA}> with <@{BEN}>" in summary.payload["text"]
    [entry] = audited(rig, "cohort.member_removed")
    assert entry.detail["pairs_ended"] == 1

    rig.run_due(next_workday_noon())
    for user in (ANA, BEN):
        [told] = [
            c for c in rig.emulator.calls("chat.postMessage")
            if c.ok and c.args["channel"] == user and Ids.TOLD_BLOCK in json.dumps(c.args)
        ]  # fmt: skip
        assert validate_blocks(told.args["blocks"]) == []


def test_moving_a_mentor_out_offers_the_mentee_a_new_match(rig: Rig) -> None:
    create(rig, "Spring 2030", topics="NLP")
    enroll_in(rig, "Spring 2030", ANA, EnrollmentRole.MENTEE, topics=("NLP",))
    enroll_in(rig, "Spring 2030", BEN, EnrollmentRole.MENTOR)
    pair_in(rig, "Spring 2030", BEN, ANA, datetime.now(UTC) - timedelta(days=20))

    members(rig, "Spring 2030", remove=[BEN, DEV])

    [to_ana] = [m for m in queued_to(rig, ANA) if "has ended" in m.payload["text"]]
    assert "a coordinator moved them out of *Spring 2030*" in json.dumps(to_ana.payload)
    assert FindIds.FIND_AGAIN in json.dumps(to_ana.payload)
    assert enrollment_of(rig, ANA).status is EnrollmentStatus.ACTIVE
    [summary] = [m for m in queued_to(rig, COORDINATOR) if "Members of" in m.payload["text"]]
    assert f"Not in this cohort, so nothing to do: <@{DEV}>" in summary.payload["text"]


# --- the end date drives the end of term ------------------------------------------------------


def test_moving_the_end_date_moves_the_end_of_term_of_pairs_not_yet_asked(rig: Rig) -> None:
    first_end, new_end = TODAY + timedelta(days=40), TODAY + timedelta(days=70)
    create(rig, "Spring 2030", ends=first_end.isoformat(), topics="NLP")
    create(rig, "Design guild", ends=first_end.isoformat(), topics="Design")
    for user, role in ((ANA, EnrollmentRole.MENTEE), (BEN, EnrollmentRole.MENTOR)):
        enroll_in(rig, "Spring 2030", user, role)
    for user, role in ((CARA, EnrollmentRole.MENTEE), (DEV, EnrollmentRole.MENTOR)):
        enroll_in(rig, "Design guild", user, role)
    kickoff = datetime.now(UTC) - timedelta(days=30)
    ours = pair_in(rig, "Spring 2030", BEN, ANA, kickoff)
    theirs = pair_in(rig, "Design guild", DEV, CARA, kickoff)
    with rig.runtime.deps.sessions() as session:
        assert session.get(Mentorship, ours).term_ends_on == first_end

    open_form(rig, "cohort edit Spring 2030")
    saved = rig.slack.view_submission(COORDINATOR, values=cohort_values(ends=new_end.isoformat()))

    assert "The end of term of 1 pair now falls on" in json.dumps(saved.json["view"])
    with rig.runtime.deps.sessions() as session:
        assert session.get(Mentorship, ours).term_ends_on == new_end
        assert session.get(Mentorship, theirs).term_ends_on == first_end  # another cohort
    [entry] = audited(rig, "cohort.updated")
    assert entry.detail["terms_moved"] == 1

    rig.run_due(datetime.combine(first_end, datetime.min.time(), UTC) + timedelta(hours=12))
    with rig.runtime.deps.sessions() as session:
        assert session.get(Mentorship, ours).term_asked_at is None  # not at the old end
        assert session.get(Mentorship, theirs).term_asked_at is not None


def test_a_pair_already_surveyed_keeps_its_term_when_the_end_date_moves(rig: Rig) -> None:
    first_end = TODAY + timedelta(days=40)
    create(rig, "Spring 2030", ends=first_end.isoformat(), topics="NLP")
    enroll_in(rig, "Spring 2030", ANA, EnrollmentRole.MENTEE)
    enroll_in(rig, "Spring 2030", BEN, EnrollmentRole.MENTOR)
    pair = pair_in(rig, "Spring 2030", BEN, ANA, datetime.now(UTC) - timedelta(days=30))
    with rig.runtime.deps.uow() as uow:
        uow.session.execute(
            update(Mentorship).where(Mentorship.id == pair).values(term_asked_at=datetime.now(UTC))
        )

    open_form(rig, "cohort edit Spring 2030")
    later = (first_end + timedelta(days=30)).isoformat()
    saved = rig.slack.view_submission(COORDINATOR, values=cohort_values(ends=later))

    assert saved.json["response_action"] == "update"
    with rig.runtime.deps.sessions() as session:
        assert session.get(Mentorship, pair).term_ends_on == first_end


# --- rights ---------------------------------------------------------------------------------


def test_a_coordinator_payload_naming_another_workspaces_cohort_is_refused(rig: Rig) -> None:
    spring = create(rig, "Spring 2030", topics="NLP")
    open_form(rig, "cohort members Spring 2030")
    view = rig.emulator.top_view(COORDINATOR) | {"private_metadata": str(spring + 99)}

    rig.slack.view_submission(
        COORDINATOR, view=view, values={Ids.ADD_BLOCK: {Ids.ADD_ACTION: [ANA]}}
    )

    rig.settle()
    assert enrollment_of(rig, ANA) is None
    [refused] = audited(rig, "refused.cohort.members")
    assert refused.detail["why"] == "no such cohort"
    assert any("isn't in this workspace" in m.payload["text"] for m in queued_to(rig, COORDINATOR))
