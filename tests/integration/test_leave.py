"""Leaving: slots freed exactly once, open requests closed, and nothing of the person kept."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select, update

from bot.db.base import Base
from bot.db.enums import (
    EnrollmentRole,
    EnrollmentStatus,
    MentorshipStatus,
    RequestStatus,
    RosterImportStatus,
)
from bot.db.models import Enrollment, Mentorship, MentorshipRequest, Person, RosterImport
from bot.integrity import slot_mismatches
from bot.mentorships import start as start_mentorship
from bot.programs import current_program
from bot.requests import Answer, Choice, accept, open_chain
from bot.views.checkins import CheckinIds
from bot.views.enrollment import EnrollmentIds
from bot.views.goals import GoalIds
from bot.views.requests import RequestIds
from bot.views.term import TermIds
from tests.integration import cast
from tests.integration.conftest import COORDINATOR, TEAM, Rig
from tests.integration.test_enrollment import join
from tests.integration.test_term import answers

MIA = "U0MIA0001"  # mentors


def pair(rig: Rig, mentor: str, mentee: str) -> None:
    now = datetime.now(UTC)
    with rig.runtime.deps.sessions() as session:
        program = current_program(session, TEAM, now)
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        made = start_mentorship(
            session,
            program,
            people[mentor],
            people[mentee],
            score=None,
            reasons=[],
            now=now,
            default_tz=rig.settings.timezone,
        )
        assert made is not None
        session.commit()


def leave_view(rig: Rig, user: str) -> dict[str, Any]:
    rig.slack.slash_command(user, "leave")
    [opened] = rig.emulator.wait_for(
        "views.open",
        predicate=lambda c: c.args["view"]["callback_id"] == EnrollmentIds.LEAVE_CALLBACK,
    )
    rig.emulator.clear()
    return opened.args["view"]


def confirm_twice_at_once(rig: Rig, user: str) -> None:
    """A double submit: two confirmations of the same leave modal arrive together."""
    view = leave_view(rig, user)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit() -> None:
        barrier.wait()
        statuses.append(rig.slack.view_submission(user, view=view).status)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert statuses == [200, 200]


def slots_of(rig: Rig, user: str) -> tuple[int, int]:
    """(the mentor's used-slot count, their open mentorships)."""
    with rig.runtime.deps.sessions() as session:
        person = session.scalar(select(Person).where(Person.slack_user_id == user))
        count = session.scalar(
            select(Enrollment.active_mentee_count).where(Enrollment.person_id == person.id)
        )
        open_pairs = session.scalars(
            select(Mentorship).where(
                Mentorship.mentor_id == person.id,
                Mentorship.status.in_([MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED]),
            )
        ).all()
    return count, len(open_pairs)


def test_a_double_submitted_leave_frees_the_mentors_slot_once(rig: Rig) -> None:
    cast.enroll(rig, MIA, EnrollmentRole.MENTOR, capacity=5, bio="Years of ML work.")
    for round_ in range(5):
        leaver, stayer = f"U0LV{round_:05d}", f"U0ST{round_:05d}"
        cast.enroll(rig, leaver, EnrollmentRole.MENTEE)
        cast.enroll(rig, stayer, EnrollmentRole.MENTEE)
        pair(rig, MIA, leaver)
        pair(rig, MIA, stayer)

        confirm_twice_at_once(rig, leaver)
        rig.settle()

        assert slots_of(rig, MIA) == (1, 1), f"round {round_}"
        with rig.runtime.deps.sessions() as session:
            assert slot_mismatches(session) == []
        confirm_twice_at_once(rig, stayer)
        rig.settle()
        assert slots_of(rig, MIA) == (0, 0)


def test_the_slot_check_names_a_count_that_drifted(rig: Rig) -> None:
    cast.enroll(rig, MIA, EnrollmentRole.MENTOR, capacity=3, bio="Years of ML work.")
    cast.enroll(rig, "U0LV00001", EnrollmentRole.MENTEE)
    pair(rig, MIA, "U0LV00001")
    with rig.runtime.deps.sessions() as session:
        assert slot_mismatches(session) == []
        enrollment = session.scalar(
            select(Enrollment).join(Person).where(Person.slack_user_id == MIA)
        )
        enrollment.active_mentee_count = 2
        session.commit()
        [drift] = slot_mismatches(session)
    assert (drift.slack_user_id, drift.counted, drift.open_mentorships) == (MIA, 2, 1)
    assert enrollment.status is EnrollmentStatus.ACTIVE


# --- privacy -------------------------------------------------------------------------------

ZEP, BAR, CYD = "U0ZEP0001", "U0BAR0001", "U0CYD0001"
# Made-up words, so a hit anywhere can only be the person's own data.
ZEP_TRACES = {
    "name": "Zephyrine Quillfeather",
    "display name": "zephyquill",
    "title": "Principal Xylophone Archivist",
    "goals": "I want to master quasicrystal tessellation and grow into staff engineering.",
    "note": "Could we talk about my gribblewick side project every two weeks?",
    "decline reason": "Zephyrine would do better with someone who knows frobnitzery.",
    "survey comment": "Our snorkelwhistle sessions were the highlight of my quarter.",
    "goal": "Publish the snorkelwhistle benchmark before summer",
    "help": "Our zorblatt planning keeps slipping, and I don't know how to restart it.",
}
BAR_TRACES = {
    "name": "Barnabus Wolfsbane",
    "display name": "barnawolf",
    "title": "Staff Vellum Cartographer",
    "bio": "I moved from web development to ML, charting the vellumesque archipelago.",
    "survey comment": "Zephyrine grew fast; the quibblethorn pairing deserves a second term.",
    "goal": "Pair weekly on the plumbobulator evaluation harness",
}


def ask(rig: Rig, mentee: str, mentor: str, note: str) -> None:
    now = datetime.now(UTC)
    with rig.runtime.deps.sessions() as session:
        program = current_program(session, TEAM, now)
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        choice = Choice(people[mentor], 0.7, ("You both care about NLP",))
        open_chain(
            session, program=program, mentee=people[mentee], choices=[choice], note=note, now=now
        )
        session.commit()


def decline(rig: Rig, mentor: str, reason: str) -> None:
    rig.slack.block_action(mentor, RequestIds.DECLINE)
    rig.emulator.wait_for(
        "views.open",
        predicate=lambda c: c.args["view"]["callback_id"] == RequestIds.DECLINE_CALLBACK,
    )
    rig.slack.view_submission(
        mentor, values={RequestIds.REASON_BLOCK: {RequestIds.REASON_ACTION: reason}}
    )
    rig.settle()


def run_round(rig: Rig) -> None:
    rig.slack.slash_command(COORDINATOR, "match")
    rig.emulator.wait_for("views.update")
    rig.run_due()  # the CSV
    rig.slack.view_submission(COORDINATOR)  # approve
    rig.settle()


def set_goals(rig: Rig, user: str, *titles: str) -> None:
    """`user` sets their pair's goals through the intro's "Set our goals" form."""
    [intro] = [m for m in rig.emulator.messages_for(user) if GoalIds.INTRO_BLOCK in str(m)]
    rig.slack.block_action(user, GoalIds.OPEN, message=intro)
    rig.settle()
    values = {GoalIds.TITLE_BLOCKS[n]: {GoalIds.TITLE_ACTION: t} for n, t in enumerate(titles)}
    answer = rig.slack.view_submission(user, values=values)
    assert answer.status == 200 and not answer.text.strip()


def leave_now(rig: Rig, user: str) -> None:
    leave_view(rig, user)
    assert rig.slack.view_submission(user).status == 200
    rig.settle()


def end_of_term(rig: Rig, comments: dict[str, str]) -> None:
    """The pairs' term ended yesterday: each person answers the survey (carry on), with a
    comment for the coordinators."""
    with rig.runtime.deps.uow() as uow:
        uow.session.execute(update(Mentorship).values(term_ends_on=date.today() - timedelta(1)))
    later = datetime.now(UTC) + timedelta(days=4)  # each asked in their working hours
    rig.run_due()
    rig.run_due(later)
    for user, comment in comments.items():
        [survey] = [m for m in rig.emulator.messages_for(user) if TermIds.SURVEY_BLOCK in str(m)]
        rig.slack.block_action(user, TermIds.OPEN, message=survey)
        rig.settle()
        rig.slack.view_submission(user, values=answers(choice="continue", comment=comment))
    rig.run_due(later)


def ask_for_help(rig: Rig, user: str, text: str) -> None:
    """Their first check-in comes; they press "Need help" on it and write `text`."""
    now = datetime.now(UTC)
    rig.run_due(now + timedelta(days=20))
    rig.run_due(now + timedelta(days=24))  # in their working hours by then
    [prompt] = [m for m in rig.emulator.messages_for(user) if CheckinIds.HELP in str(m)]
    rig.slack.block_action(user, CheckinIds.HELP, message=prompt)
    rig.settle()
    typed = {CheckinIds.HELP_BLOCK: {CheckinIds.HELP_ACTION: text}}
    assert rig.slack.view_submission(user, values=typed).status == 200
    rig.run_due()


def where_found(rig: Rig, words: list[str]) -> dict[str, list[str]]:
    """Each word -> the table.column values that hold it, over every text and JSON column."""
    found: dict[str, list[str]] = {word: [] for word in words}
    with rig.runtime.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                is_json = isinstance(column.type, sa.JSON)
                if not (is_json or isinstance(column.type, sa.String | sa.Text)):
                    continue
                for (value,) in connection.execute(select(sa.cast(column, sa.Text))):
                    if value is None:
                        continue
                    if is_json:  # SQLite keeps JSON \u-escaped; compare what it says
                        value = json.dumps(json.loads(value), ensure_ascii=False)
                    for word in words:
                        if word.casefold() in value.casefold():
                            found[word].append(f"{table.name}.{column.name}")
    return {word: where for word, where in found.items() if where}


def distinctive(traces: dict[str, str]) -> list[str]:
    """Each trace whole, and its made-up or rare words (which survive excerpts and quotes)."""
    rare = ["Zephyrine", "Quillfeather", "Xylophone", "quasicrystal", "gribblewick", "frobnitzery"]
    rare += ["snorkelwhistle", "Barnabus", "Wolfsbane", "Vellum Cartographer", "vellumesque"]
    rare += ["quibblethorn", "plumbobulator"]
    rare += ["zorblatt"]
    joined = " ".join(traces.values())
    return list(traces.values()) + [w for w in rare if w in joined]


def test_after_leave_no_table_holds_anything_the_leavers_wrote_or_that_describes_them(
    rig: Rig,
) -> None:
    rig.emulator.add_user(
        ZEP,
        name=ZEP_TRACES["display name"],
        real_name=ZEP_TRACES["name"],
        title=ZEP_TRACES["title"],
    )
    rig.emulator.add_user(
        BAR,
        name=BAR_TRACES["display name"],
        real_name=BAR_TRACES["name"],
        title=BAR_TRACES["title"],
    )
    join(rig, ZEP, goals=ZEP_TRACES["goals"], topics=["NLP", "MLOps"])
    join(rig, BAR, role="mentor", bio=BAR_TRACES["bio"], topics=["NLP", "MLOps"])
    cast.enroll(rig, CYD, EnrollmentRole.MENTOR, topics=("Computer vision",), bio="Vision work.")
    rig.run_due()
    ask(rig, ZEP, CYD, ZEP_TRACES["note"])  # the request DM, and the "on its way" DM
    rig.run_due()
    decline(rig, CYD, ZEP_TRACES["decline reason"])  # the answer DM
    rig.run_due()
    run_round(rig)  # the round CSV, then the intro of the pair it proposed
    rig.run_due()
    set_goals(rig, ZEP, ZEP_TRACES["goal"])  # the goals, and each partner's notice DM
    set_goals(rig, BAR, ZEP_TRACES["goal"], BAR_TRACES["goal"])
    rig.run_due()
    end_of_term(rig, {ZEP: ZEP_TRACES["survey comment"], BAR: BAR_TRACES["survey comment"]})
    ask_for_help(rig, ZEP, ZEP_TRACES["help"])  # the coordinator's DM, and their Home
    for stats in ("stats export", "stats chart"):  # the pairs' CSV (names), a chart (a PNG)
        rig.slack.slash_command(COORDINATOR, stats)
        rig.settle()
    rig.run_due()
    [export] = [m for m in rig.outbox() if str(m.payload.get("filename")).startswith("pairs-")]
    assert ZEP in export.payload["content"] and BAR in export.payload["content"]
    words = distinctive(ZEP_TRACES) + distinctive(BAR_TRACES)
    before = where_found(rig, words)
    assert set(before) == set(words), f"not stored to begin with: {set(words) - set(before)}"
    assert any("outbox_messages.payload" in where for where in before.values())
    for goal in (ZEP_TRACES["goal"], BAR_TRACES["goal"]):  # quoted in the partner's notice
        assert "outbox_messages.payload" in before[goal]

    leave_now(rig, ZEP)
    leave_now(rig, BAR)
    rig.run_due()

    assert where_found(rig, words) == {}
    *_, told = [c.args for c in rig.emulator.calls("chat.postMessage") if c.args["channel"] == ZEP]
    assert "deleted" in told["text"]


# --- open requests ------------------------------------------------------------------------


def requests_now(rig: Rig) -> list[tuple[str, RequestStatus]]:
    with rig.runtime.deps.sessions() as session:
        mentors = {p.id: p.slack_user_id for p in session.scalars(select(Person))}
        found = session.scalars(select(MentorshipRequest).order_by(MentorshipRequest.id))
        return [(mentors[r.mentor_id], r.status) for r in found]


def test_a_mentee_who_left_cannot_be_accepted_and_the_mentors_dm_says_so(rig: Rig) -> None:
    cast.enroll(rig, ZEP, EnrollmentRole.MENTEE)
    cast.enroll(rig, BAR, EnrollmentRole.MENTOR, bio="Years of ML work.")
    cast.enroll(rig, CYD, EnrollmentRole.MENTOR, bio="Vision work.")
    ask_chain(rig, ZEP, BAR, CYD)
    rig.run_due()  # the request DM reaches BAR

    leave_now(rig, ZEP)
    rig.run_due()
    with rig.runtime.deps.sessions() as session:  # a click from a stale copy of the DM
        first = session.scalar(select(MentorshipRequest.id).order_by(MentorshipRequest.id))
        late = accept(
            session,
            first,
            actor_user_id=BAR,
            now=datetime.now(UTC),
            default_tz=rig.settings.timezone,
        )
        session.commit()
    assert late.answer is Answer.ALREADY_ANSWERED

    assert requests_now(rig) == [(BAR, RequestStatus.CANCELLED), (CYD, RequestStatus.CANCELLED)]
    with rig.runtime.deps.sessions() as session:
        assert session.scalars(select(Mentorship)).all() == []
    [rewritten] = rig.emulator.calls("chat.update")
    assert f"<@{ZEP}> has left" in rewritten.args["text"]
    assert RequestIds.ACCEPT not in json.dumps(rewritten.args.get("blocks"))


def test_a_mentor_who_left_is_skipped_and_the_mentees_next_choice_is_asked(rig: Rig) -> None:
    cast.enroll(rig, ZEP, EnrollmentRole.MENTEE)
    cast.enroll(rig, BAR, EnrollmentRole.MENTOR, bio="Years of ML work.")
    cast.enroll(rig, CYD, EnrollmentRole.MENTOR, bio="Vision work.")
    ask_chain(rig, ZEP, BAR, CYD)
    rig.run_due()
    rig.emulator.clear()

    leave_now(rig, BAR)
    rig.run_due()

    assert requests_now(rig) == [(BAR, RequestStatus.CANCELLED), (CYD, RequestStatus.PENDING)]
    [to_zep] = [c.args for c in rig.emulator.calls("chat.postMessage") if c.args["channel"] == ZEP]
    assert f"<@{BAR}> has left" in to_zep["text"] and f"<@{CYD}>" in to_zep["text"]
    [to_cyd] = [c.args for c in rig.emulator.calls("chat.postMessage") if c.args["channel"] == CYD]
    assert RequestIds.ACCEPT in json.dumps(to_cyd["blocks"])


def ask_chain(rig: Rig, mentee: str, *mentors: str) -> None:
    now = datetime.now(UTC)
    with rig.runtime.deps.sessions() as session:
        program = current_program(session, TEAM, now)
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        choices = [Choice(people[m]) for m in mentors]
        open_chain(
            session, program=program, mentee=people[mentee], choices=choices, note=None, now=now
        )
        session.commit()


def roster_imports_by(rig: Rig, user: str) -> list[RosterImportStatus]:
    with rig.runtime.deps.sessions() as session:
        return list(
            session.scalars(
                select(RosterImport.status)
                .where(RosterImport.requested_by == user)
                .order_by(RosterImport.id)
            )
        )


def test_a_coordinator_who_leaves_keeps_no_finished_roster_import_but_one_in_flight_finishes(
    rig: Rig,
) -> None:
    rig.emulator.add_user(BAR, name="bar", real_name="Bar Coordinates")  # also coordinates
    assert join(rig, BAR, role="mentor").status == 200
    with rig.runtime.deps.sessions() as session:
        for status, name in (
            (RosterImportStatus.DONE, "engineering-q3-ana-rivera.csv"),
            (RosterImportStatus.FAILED, "people.csv"),
            (RosterImportStatus.RUNNING, "design.csv"),
        ):
            session.add(
                RosterImport(
                    team_id=TEAM,
                    requested_by=BAR,
                    file_id=f"F{len(name)}",
                    file_name=name,
                    via="dm",
                    status=status,
                    claimed_by="host:1:x" if status is RosterImportStatus.RUNNING else None,
                )
            )
        session.commit()

    leave_now(rig, BAR)

    assert roster_imports_by(rig, BAR) == [RosterImportStatus.RUNNING]
