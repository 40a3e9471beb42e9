"""Keeping each person's App Home current: read their state, render, queue the publish.

The meeting log (last met, meetings so far) and the thank-you notes are counted in SQL:
one grouped query for all of a person's pairs, one for the newest notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import announcements, at_risk, goals, keys, outbox, stats, term
from bot.config import Settings
from bot.coordinators import is_coordinator
from bot.db.enums import CheckInStatus
from bot.db.models import CheckIn, Mentorship, Person
from bot.enrollment import active_mentorships, enrollment_of, profile_of
from bot.keys import Kind
from bot.programs import cohort_panel
from bot.views.cohorts import CohortPanel
from bot.views.home import THANKS_SHOWN, HomeState, Partner, Thanks, home_view
from bot.views.snooze import last_day
from bot.views.stats import ProgramHealth


def home_state(
    session: Session, settings: Settings, *, team_id: str, user_id: str, now: datetime
) -> HomeState:
    coordinates = is_coordinator(session, settings, team_id, user_id)
    term_answers = term.answer_counts(session, team_id) if coordinates else None
    board = at_risk.board(session, team_id) if coordinates else None
    health = stats.home_health(session, settings, team_id, now) if coordinates else None
    cohorts = _with_counts(cohort_panel(session, team_id), health) if health else None
    waiting = tuple(announcements.pending(session, team_id)) if coordinates else None
    enrollment = enrollment_of(session, team_id, user_id, now)
    if enrollment is None:
        return HomeState(
            user_id=user_id,
            is_coordinator=coordinates,
            term_answers=term_answers,
            board=board,
            cohorts=cohorts,
            health=health,
            announcements=waiting,
        )
    person = enrollment.person
    pairs = active_mentorships(session, person)
    met = meetings_by_pair(session, [m.id for m in pairs])
    partners = tuple(_partner(m, person, *met.get(m.id, (None, 0))) for m in pairs)
    notes, notes_count = thanks_for(session, person)
    away = person.snoozed_until
    return HomeState(
        user_id=user_id,
        is_coordinator=coordinates,
        profile=profile_of(enrollment, settings.timezone),
        status=enrollment.status,
        partners=partners,
        mentees_now=enrollment.active_mentee_count,
        thanks=notes,
        thanks_count=notes_count,
        term_answers=term_answers,
        pair_goals=goals.pairs_of(session, person),
        board=board,
        snoozed_until=(
            last_day(away, person.tz or settings.timezone) if away and away > now else None
        ),
        cohorts=cohorts,
        health=health,
        announcements=waiting,
    )


def _with_counts(panel: CohortPanel, health: ProgramHealth) -> CohortPanel:
    """Each cohort's line with its numbers from program health (names are unique in a
    workspace), so the two sections of the Home agree."""
    by_name = {cohort.name: cohort for cohort in health.cohorts}
    lines = []
    for line in panel.lines:
        numbers = by_name.get(line.name)
        if numbers is not None:
            line = replace(
                line,
                mentors=numbers.mentors,
                mentees=numbers.mentees,
                pairs=numbers.running + numbers.paused,
                waiting=numbers.waiting,
            )
        lines.append(line)
    return replace(panel, lines=tuple(lines))


def _partner(mentorship: Mentorship, me: Person, last_met: date | None, meetings: int) -> Partner:
    mine = mentorship.mentee_id == me.id  # they mentor me
    other = mentorship.mentor if mine else mentorship.mentee
    return Partner(
        user_id=other.slack_user_id,
        is_my_mentor=mine,
        last_met=last_met,
        meetings=meetings,
        mentorship_id=mentorship.id,
        cadence=mentorship.cadence,
        name=other.display_name or other.slack_user_id,
    )


def meetings_by_pair(
    session: Session, mentorship_ids: Sequence[int]
) -> dict[int, tuple[date | None, int]]:
    """{pair: (the day they last met, meetings logged)} for the pairs that logged any."""
    if not mentorship_ids:
        return {}
    rows = session.execute(
        select(CheckIn.mentorship_id, func.max(CheckIn.met_on), func.count(CheckIn.id))
        .where(CheckIn.mentorship_id.in_(mentorship_ids), CheckIn.status == CheckInStatus.MET)
        .group_by(CheckIn.mentorship_id)
    )
    return {pair: (last, count) for pair, last, count in rows}


def thanks_for(session: Session, mentor: Person) -> tuple[tuple[Thanks, ...], int]:
    """The newest thank-you notes the mentor's mentees left (any of their pairs, past ones
    too), and how many there are in all."""
    left = (
        CheckIn.status == CheckInStatus.MET,
        CheckIn.thanks.is_not(None),
        CheckIn.thanks != "",
        Mentorship.mentor_id == mentor.id,
    )
    total = session.scalar(
        select(func.count(CheckIn.id))
        .join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
        .where(*left)
    )
    if not total:
        return (), 0
    rows = session.execute(
        select(Person.slack_user_id, CheckIn.thanks, CheckIn.met_on)
        .join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
        .join(Person, Person.id == Mentorship.mentee_id)
        .where(*left)
        .order_by(CheckIn.responded_at.desc(), CheckIn.id.desc())
        .limit(THANKS_SHOWN)
    )
    notes = tuple(
        Thanks(from_user_id=user_id, text=text or "", met_on=met_on)
        for user_id, text, met_on in rows
    )
    return notes, total


def queue_home_publish(
    session: Session, settings: Settings, *, team_id: str, user_id: str, cause: str, now: datetime
) -> bool:
    """Queue a views.publish of this person's Home; `cause` makes the key unique per trigger."""
    state = home_state(session, settings, team_id=team_id, user_id=user_id, now=now)
    return outbox.enqueue(
        session,
        team_id=team_id,
        key=keys.once(Kind.HOME, team_id, user_id, cause),
        method="views.publish",
        payload={"user_id": user_id, "view": home_view(state).to_dict()},
        not_before=now,
    )


def refresh_pair(
    session: Session, settings: Settings, mentorship: Mentorship, *, cause: str, now: datetime
) -> None:
    """Queue a fresh Home for both of a pair (a meeting logged, their cadence changed), so
    neither has to reopen the tab to see it; `cause` names the change, once per pair."""
    for person_id in (mentorship.mentor_id, mentorship.mentee_id):
        person = session.get(Person, person_id)
        assert person is not None
        queue_home_publish(
            session,
            settings,
            team_id=mentorship.team_id,
            user_id=person.slack_user_id,
            cause=f"{cause}:{mentorship.id}",
            now=now,
        )
