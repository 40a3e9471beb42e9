"""End of term: a survey to both of a pair when their term ends, and what it decides.

Ana (mentee, Paris) and Ben (mentor, Los Angeles) are paired directly; Cara mentors too
and plays the stranger. Where only the clock matters the dates are pinned: kicked off on
Monday 4 March 2030, their term ends on Wednesday 4 September 2030, when 10:00 in Paris
is 08:00 UTC and 10:00 in Los Angeles is 17:00 UTC. Where people click, the pair was
kicked off 200 days before today (the listeners read the real clock).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select, update

from bot import mentorships
from bot.db.enums import EndReason, EnrollmentRole, FeedbackKind, MentorshipStatus
from bot.db.models import AuditEntry, Enrollment, Feedback, Mentorship, Person, Program
from bot.emulator import validate_blocks, validate_view
from bot.integrity import slot_mismatches
from bot.programs import current_program
from bot.runtime import build_runtime
from bot.views.find import FindIds
from bot.views.term import TermIds
from scheduling.due import run_due
from tests.integration import cast
from tests.integration.conftest import COORDINATOR, TEAM, Rig, rig_settings

ANA, BEN, CARA = "U0ANA0001", "U0BEN0001", "U0CARA001"
PARIS, LOS_ANGELES = "Europe/Paris", "America/Los_Angeles"
KICKOFF = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # a Monday
TERM_ENDS = date(2030, 9, 4)
ANA_TEN = datetime(2030, 9, 4, 8, 0, tzinfo=UTC)  # 10:00 in Paris (summer time)
BEN_TEN = datetime(2030, 9, 4, 17, 0, tzinfo=UTC)  # 10:00 in Los Angeles (summer time)
SECRET = "Zorblax felt distant lately; please check on the pairing quietly."


@pytest.fixture(autouse=True)
def cast_of_three(rig: Rig) -> None:
    cast.enroll(rig, ANA, EnrollmentRole.MENTEE, tz=PARIS)
    cast.enroll(rig, BEN, EnrollmentRole.MENTOR, tz=LOS_ANGELES, goals="", bio="ML lead.")
    cast.enroll(rig, CARA, EnrollmentRole.MENTOR, tz=PARIS, goals="", bio="Data lead.")
    rig.run_due()  # welcomes out of the way
    rig.emulator.clear()


def pair(rig: Rig, kickoff: datetime = KICKOFF, *, program_ends: date | None = None) -> int:
    """Ben mentors Ana from `kickoff`; their intro is delivered and forgotten."""
    with rig.runtime.deps.uow() as uow:
        session = uow.session
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        program = current_program(session, TEAM, kickoff)
        program.ends_on = program_ends
        mentorship = mentorships.start(
            session,
            program,
            people[BEN],
            people[ANA],
            score=None,
            reasons=[],
            now=kickoff,
            default_tz="UTC",
        )
        assert mentorship is not None
        mentorship_id = mentorship.id
    rig.run_due(kickoff)
    rig.emulator.clear()
    return mentorship_id


def the_pair(rig: Rig) -> Mentorship:
    with rig.runtime.deps.sessions() as session:
        [mentorship] = session.scalars(select(Mentorship))
        return mentorship


def surveys(rig: Rig, user: str) -> list[Any]:
    """Survey DMs Slack accepted for `user`."""
    return [
        call
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok and call.args["channel"] == user and TermIds.SURVEY_BLOCK in str(call.args)
    ]


def dms(rig: Rig, user: str, block_id: str) -> list[dict[str, Any]]:
    """DMs Slack accepted for `user` that carry a block `block_id`."""
    return [
        call.args
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok
        and call.args["channel"] == user
        and any(b.get("block_id") == block_id for b in call.args.get("blocks") or [])
    ]


def seen(rig: Rig, user: str, block_id: str = TermIds.SURVEY_BLOCK) -> dict[str, Any]:
    [message] = [m for m in rig.emulator.messages_for(user) if block_id in str(m)]
    return message


def at_once(*actions: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = actions[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


# --- when the survey goes out -------------------------------------------------------------


def test_a_term_ends_at_the_programs_end_date_or_six_months_after_the_start(rig: Rig) -> None:
    pair(rig)
    assert the_pair(rig).term_ends_on == TERM_ENDS  # no end date: six months

    with rig.runtime.deps.uow() as uow:
        uow.session.execute(
            update(Mentorship).values(status=MentorshipStatus.ENDED, ended_at=KICKOFF)
        )
    pair(rig, program_ends=date(2030, 12, 18))
    with rig.runtime.deps.sessions() as session:
        ends = session.scalars(select(Mentorship.term_ends_on).order_by(Mentorship.id)).all()
    assert ends == [TERM_ENDS, date(2030, 12, 18)]

    # A pair from before terms were kept gets its end day from the next due-work run.
    with rig.runtime.deps.uow() as uow:
        uow.session.execute(update(Mentorship).values(term_ends_on=None))
        uow.session.execute(update(Program).values(ends_on=date(2030, 1, 1)))  # passed
    rig.run_due(KICKOFF + timedelta(days=1))
    with rig.runtime.deps.sessions() as session:
        ends = session.scalars(select(Mentorship.term_ends_on).order_by(Mentorship.id)).all()
    assert ends == [TERM_ENDS, TERM_ENDS]


def test_the_survey_reaches_each_person_once_in_their_own_morning_of_the_last_day(
    rig: Rig, db_url: str
) -> None:
    pair(rig)
    other = build_runtime(rig_settings(rig.emulator, db_url))
    try:
        early = rig.run_due(ANA_TEN - timedelta(minutes=1))
        assert early.term_surveys == 1  # claimed; each DM waits for its own morning
        assert surveys(rig, ANA) == [] and surveys(rig, BEN) == []
        rig.run_due(ANA_TEN)
        rig.run_due(ANA_TEN)
        assert len(surveys(rig, ANA)) == 1 and surveys(rig, BEN) == []  # 01:00 for Ben
        reports = at_once(lambda: run_due(rig.runtime, BEN_TEN), lambda: run_due(other, BEN_TEN))
    finally:
        other.close()

    assert sum(r.term_surveys for r in reports) == 0
    assert len(surveys(rig, ANA)) == 1 and len(surveys(rig, BEN)) == 1
    for call, partner in ((surveys(rig, ANA)[0], BEN), (surveys(rig, BEN)[0], ANA)):
        assert validate_blocks(call.args["blocks"], surface="message") == []
        assert (
            f"<@{partner}>" in call.args["text"] and "(Wednesday 4 September)" in call.args["text"]
        )
        shown = str(call.args["blocks"])
        assert "Thank you" in shown and "Share how it went" in shown
    assert the_pair(rig).term_asked_at == ANA_TEN


# --- answering ----------------------------------------------------------------------------


@pytest.fixture
def asked(rig: Rig) -> datetime:
    """A pair kicked off 200 days ago, both asked how their term went; the instant after."""
    now = datetime.now(UTC)
    pair(rig, kickoff=now - timedelta(days=200))
    rig.run_due(now)
    later = now + timedelta(days=4)  # each inside their working hours by then
    rig.run_due(later)
    assert len(surveys(rig, ANA)) == 1 and len(surveys(rig, BEN)) == 1
    return later


def open_survey(rig: Rig, user: str) -> dict[str, Any]:
    rig.slack.block_action(user, TermIds.OPEN, message=seen(rig, user))
    rig.settle()
    view = rig.emulator.top_view(user)
    assert view is not None and view["callback_id"] == TermIds.SURVEY_CALLBACK
    return view


def answers(
    choice: str | None = "continue",
    useful: str | None = "4",
    fit: str | None = "5",
    comment: str = "",
) -> dict[str, dict[str, Any]]:
    """The survey's fields as chosen; None leaves one untouched."""
    values: dict[str, dict[str, Any]] = {
        TermIds.COMMENT_BLOCK: {TermIds.COMMENT_ACTION: comment},
    }
    for block, action, value in (
        (TermIds.USEFUL_BLOCK, TermIds.USEFUL_ACTION, useful),
        (TermIds.FIT_BLOCK, TermIds.FIT_ACTION, fit),
        (TermIds.CHOICE_BLOCK, TermIds.CHOICE_ACTION, choice),
    ):
        if value is not None:
            values[block] = {action: value}
    return values


def answer(rig: Rig, user: str, **given: str) -> Any:
    open_survey(rig, user)
    return rig.slack.view_submission(user, values=answers(**given))


def feedback(rig: Rig) -> list[tuple[str, int, int | None, int | None, bool | None, str | None]]:
    with rig.runtime.deps.sessions() as session:
        rows = session.execute(
            select(Person.slack_user_id, Feedback)
            .join(Person, Person.id == Feedback.author_id)
            .order_by(Feedback.id)
        ).all()
    return [
        (user, f.term, f.rating, f.fit, f.continue_term, f.comment)
        for user, f in rows
        if f.kind is FeedbackKind.CLOSING
    ]


def slots_used(rig: Rig, user: str) -> int:
    with rig.runtime.deps.sessions() as session:
        return session.scalar(
            select(Enrollment.active_mentee_count).join(Person).where(Person.slack_user_id == user)
        )


def test_the_survey_modal_asks_two_ratings_a_private_comment_and_what_next(
    rig: Rig, asked: datetime
) -> None:
    view = open_survey(rig, ANA)

    assert validate_view(view) == []
    shown = str(view["blocks"])
    assert "Seen only by the program coordinators, never by your mentor" in shown
    assert "Carry on for another term" in shown and "Close our mentorship here" in shown


def test_each_missing_answer_gets_an_error_beside_its_field_and_nothing_is_kept(
    rig: Rig, asked: datetime
) -> None:
    open_survey(rig, ANA)

    empty = rig.slack.view_submission(ANA, values=answers(choice=None, useful=None, fit=None))
    nine = {"type": "static_select", "selected_option": {"value": "9"}}
    forged = rig.slack.view_submission(
        ANA,
        values=answers(choice=None, fit="5")
        | {TermIds.USEFUL_BLOCK: {TermIds.USEFUL_ACTION: nine}},
    )

    assert empty.json["response_action"] == "errors"
    assert set(empty.json["errors"]) == {
        TermIds.USEFUL_BLOCK,
        TermIds.FIT_BLOCK,
        TermIds.CHOICE_BLOCK,
    }
    assert "1 to 5" in empty.json["errors"][TermIds.FIT_BLOCK]
    assert set(forged.json["errors"]) == {TermIds.USEFUL_BLOCK, TermIds.CHOICE_BLOCK}
    assert feedback(rig) == []
    assert the_pair(rig).status is MentorshipStatus.ACTIVE


def test_closing_by_one_ends_the_pair_frees_the_slot_and_offers_the_mentee_a_new_search(
    rig: Rig, asked: datetime
) -> None:
    assert slots_used(rig, BEN) == 1
    closed = answer(rig, BEN, choice="end", useful="3", fit="2")
    rig.run_due(asked + timedelta(days=2))

    assert closed.status == 200 and not closed.text.strip()  # the modal closes
    mentorship = the_pair(rig)
    assert mentorship.status is MentorshipStatus.ENDED
    assert mentorship.end_reason == EndReason.COMPLETED.value
    assert mentorship.next_checkin_at is None  # no more check-in prompts
    assert slots_used(rig, BEN) == 0
    [to_ben] = dms(rig, BEN, TermIds.ENDED_BLOCK)
    assert "Thank you for everything" in to_ben["text"] and "slot is free" in to_ben["text"]
    [to_ana] = dms(rig, ANA, TermIds.ENDED_BLOCK)
    assert f"<@{BEN}> chose to close your mentorship" in to_ana["text"]
    assert "Thank you for the time and care" in to_ana["text"]
    assert validate_blocks(to_ana["blocks"], surface="message") == []
    actions = json.dumps(to_ana["blocks"])
    assert FindIds.FIND_AGAIN in actions and TermIds.OPEN in actions  # she hasn't answered

    # Her "Find a mentor" opens the search; her late answer is kept, without a choice.
    ended_notice = seen(rig, ANA, TermIds.ENDED_BLOCK)
    rig.slack.block_action(ANA, FindIds.FIND_AGAIN, message=ended_notice)
    rig.settle()
    titles = [c.args["view"]["title"]["text"] for c in rig.emulator.calls("views.open")]
    assert "Find a mentor" in titles
    rig.slack.block_action(ANA, TermIds.OPEN, message=ended_notice)
    rig.settle()
    view = rig.emulator.top_view(ANA)
    assert view is not None and TermIds.CHOICE_BLOCK not in str(view["blocks"])
    late = rig.slack.view_submission(ANA, values=answers(choice=None))
    assert "answers are kept" in str(late.json["view"])
    assert feedback(rig) == [(BEN, 1, 3, 2, False, None), (ANA, 1, 4, 5, None, None)]


def test_both_closing_at_once_end_the_pair_once(rig: Rig, asked: datetime) -> None:
    open_survey(rig, ANA)
    open_survey(rig, BEN)

    at_once(
        lambda: rig.slack.view_submission(ANA, values=answers(choice="end")),
        lambda: rig.slack.view_submission(BEN, values=answers(choice="end")),
    )
    rig.run_due(asked + timedelta(days=2))

    assert the_pair(rig).status is MentorshipStatus.ENDED
    assert slots_used(rig, BEN) == 0
    with rig.runtime.deps.sessions() as session:
        assert slot_mismatches(session) == []
        ended = session.scalars(select(AuditEntry).where(AuditEntry.action == "term.ended")).all()
    assert len(ended) == 1
    assert len(dms(rig, ANA, TermIds.ENDED_BLOCK)) == 1
    assert len(dms(rig, BEN, TermIds.ENDED_BLOCK)) == 1


def test_both_carrying_on_at_once_roll_the_term_over_once(rig: Rig, asked: datetime) -> None:
    open_survey(rig, ANA)
    open_survey(rig, BEN)

    answered = at_once(
        lambda: rig.slack.view_submission(ANA, values=answers(choice="continue")),
        lambda: rig.slack.view_submission(BEN, values=answers(choice="continue")),
    )
    rig.run_due(asked + timedelta(days=2))

    assert the_pair(rig).term == 2
    kept = [a for a in answered if a.json and "answers are kept" in str(a.json)]
    assert len(kept) == 1  # the first waits; the second, seeing hers, rolls it over
    with rig.runtime.deps.sessions() as session:
        renewals = session.scalars(select(AuditEntry).where(AuditEntry.action == "term.renewed"))
        assert len(renewals.all()) == 1
    assert (
        len(dms(rig, ANA, TermIds.RENEWED_BLOCK)) == len(dms(rig, BEN, TermIds.RENEWED_BLOCK)) == 1
    )


def test_carrying_on_by_both_rolls_the_term_over_and_tells_both(rig: Rig, asked: datetime) -> None:
    ends = the_pair(rig).term_ends_on
    assert ends is not None

    first = answer(rig, ANA, choice="continue", useful="3")
    again = answer(rig, ANA, choice="continue", useful="5")  # a second answer replaces hers
    assert "answers are kept" in str(first.json["view"]) and f"<@{BEN}>" in str(again.json["view"])
    assert the_pair(rig).term == 1
    answer(rig, BEN, choice="continue")
    rig.run_due(asked + timedelta(days=2))

    mentorship = the_pair(rig)
    assert (mentorship.term, mentorship.term_asked_at) == (2, None)
    assert mentorship.term_ends_on == ends + relativedelta(months=6)
    assert mentorship.status is MentorshipStatus.ACTIVE
    for user, partner in ((ANA, BEN), (BEN, ANA)):
        [told] = dms(rig, user, TermIds.RENEWED_BLOCK)
        assert f"You and <@{partner}> both chose to carry on: here's to term 2!" in told["text"]
    assert [(user, term, rating) for user, term, rating, *_ in feedback(rig)] == [
        (ANA, 1, 5),
        (BEN, 1, 4),
    ]
    # The old survey is closed now.
    rig.slack.block_action(ANA, TermIds.OPEN, message=seen(rig, ANA))
    rig.settle()
    assert any("survey has closed" in str(c.args) for c in rig.emulator.calls("response_url"))


def test_carrying_on_while_the_other_stays_silent_rolls_over_after_fourteen_days(
    rig: Rig, asked: datetime
) -> None:
    kept = answer(rig, ANA, choice="continue")
    survey_sent = the_pair(rig).term_asked_at
    assert survey_sent is not None
    last_day = (survey_sent + timedelta(days=13)).astimezone(ZoneInfo(PARIS))
    assert f"haven't answered by {last_day:%A} {last_day.day} {last_day:%B}" in str(kept.json)

    rig.run_due(survey_sent + timedelta(days=14) - timedelta(minutes=1))
    assert the_pair(rig).term == 1
    report = rig.run_due(survey_sent + timedelta(days=14))
    rig.run_due(survey_sent + timedelta(days=18))  # each told in their working hours

    assert report.renewed_terms == 1
    mentorship = the_pair(rig)
    assert (mentorship.term, mentorship.status) == (2, MentorshipStatus.ACTIVE)
    for user, partner in ((ANA, BEN), (BEN, ANA)):
        [told] = dms(rig, user, TermIds.RENEWED_BLOCK)
        assert f"Your mentorship with <@{partner}> carries on into term 2" in told["text"]


def test_a_survey_answer_for_another_pairs_mentorship_is_refused_and_changes_nothing(
    rig: Rig, asked: datetime
) -> None:
    mentorship = the_pair(rig)
    bens = seen(rig, BEN)
    forged_view = {
        "type": "modal",
        "callback_id": TermIds.SURVEY_CALLBACK,
        "title": {"type": "plain_text", "text": "How did it go?"},
        "private_metadata": json.dumps({"mentorship": mentorship.id, "term": 1}),
        "blocks": open_survey(rig, ANA)["blocks"],
    }

    rig.slack.block_action(CARA, TermIds.OPEN, message=bens)
    refused = rig.slack.view_submission(CARA, view=forged_view, values=answers(choice="end"))
    rig.settle()

    assert "belongs to another pair" in str(refused.json["view"])
    assert the_pair(rig).status is MentorshipStatus.ACTIVE and feedback(rig) == []
    assert [c.args["view"]["callback_id"] for c in rig.emulator.calls("views.open")] == [
        TermIds.SURVEY_CALLBACK  # Ana's own
    ]
    assert any("another pair" in str(c.args) for c in rig.emulator.calls("response_url"))
    with rig.runtime.deps.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("refused.term%"))
        ).all()
    assert sorted(actions) == ["refused.term.answer", "refused.term.survey"]


def test_the_comment_reaches_the_coordinators_and_never_the_partner(
    rig: Rig, asked: datetime
) -> None:
    answer(rig, ANA, choice="continue", comment=SECRET)
    answer(rig, BEN, choice="end", comment="Happy to have helped.")
    rig.run_due(asked + timedelta(days=2))
    rig.slack.app_home_opened(BEN)
    rig.slack.app_home_opened(COORDINATOR)
    rig.settle()
    rig.run_due(asked + timedelta(days=2, minutes=1))

    sent = [c for c in rig.emulator.calls() if c.method != "views.open"]  # her own form
    assert sent and not any("Zorblax" in json.dumps(c.args) for c in sent)
    assert [comment for *_, comment in feedback(rig)] == [SECRET, "Happy to have helped."]
    with rig.runtime.deps.sessions() as session:
        [entry] = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "term.answer", AuditEntry.actor_slack_id == ANA
            )
        )
    assert entry.detail["comment"] == SECRET and entry.detail["choice"] == "continue"
    home = rig.emulator.home_view(COORDINATOR)
    assert home is not None
    [counts] = [b for b in home["blocks"] if b.get("block_id") == TermIds.HOME_BLOCK]
    assert "2 (1 to carry on, 1 to close)" in counts["text"]["text"]
