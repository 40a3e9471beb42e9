"""Follow-up and escalation: a pair that stops meeting hears from us kindly, and after a
while the coordinators do, with one-click actions on their App Home.

When a check-in period is decided (the next one opens, or someone presses Skip),
bot/checkins calls `periods_closed`. Counting the pair's run of periods without a
meeting (bot.at_risk):
- at two, each of the two gets ONE kind follow-up in their working hours
  (`keys.once(FOLLOW_UP, pair, first period of the run, person)`), with buttons that
  work at that moment (a 15-minute chat; "We met", "Reschedule", "Need help" on the
  check-in still open);
- at three, the pair is flagged at risk: `mentorships.at_risk_since` set by a
  conditional UPDATE where it is NULL, so of two processes one flags it.
Nothing is sent, and no period counts, while either person is snoozed (bot.at_risk).

The rest needs the coordinators (`MENTORBOT_ADMINS`), which only the due-work job and
the listeners hold, so `run_due` does it each tick, from indexed queries:
- a pair flagged in the last TELL_WINDOW whose coordinators were not told yet: each
  gets a DM (`keys.once(AT_RISK, pair, flag instant, coordinator)`: once per flag);
- a flagged pair that logged a meeting since (or ended) is cleared, guarded on the
  flag read, so one process clears it and says so; a paused one stays listed (with
  "Resume pair") until a coordinator resumes it;
- an ask for help from the last ASK_WINDOW not yet on the coordinators' Homes.
Each change republishes the coordinators' App Homes through the outbox.

The coordinators' actions (nudge again, pause, resume, end and rematch, mark an ask
handled) check the right on the server on every request: a member's forged click is
refused politely, changes nothing, and leaves `refused.followup.*` in the audit log.
Each action is audited (`followup.*`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from bot import audit, keys, mentorships, outbox
from bot.at_risk import Streak, last_meetings, streaks
from bot.cadence import day_label
from bot.config import Settings
from bot.coordinators import coordinators_of, is_coordinator
from bot.db.enums import CheckInStatus, EndReason, MentorshipStatus
from bot.db.models import CheckIn, HelpRequest, Mentorship, OutboxMessage, Person
from bot.home import queue_home_publish
from bot.keys import Kind
from bot.notices import local_day
from bot.people import workday_of
from bot.views.followups import (
    ASK_GONE,
    CHAT_GONE,
    CHAT_NOT_YOURS,
    COORDINATORS_ONLY,
    PAIR_GONE,
    AtRiskAlert,
    EndForm,
    FollowUp,
    Options,
    already_active_text,
    already_handled_text,
    already_paused_text,
    at_risk_alert,
    chat_already_text,
    chat_sent_text,
    chat_suggested_notice,
    ended_for_mentee,
    ended_for_mentor,
    follow_up_message,
    not_active_text,
    nudged_text,
    paused_notice,
    resumed_notice,
)

log = logging.getLogger(__name__)

FOLLOW_UP_AFTER = 2  # periods in a row without a meeting: each of the two hears from us
ESCALATE_AFTER = 3  # ... and the coordinators are told
# How far back the due-work job looks for flags and asks it has not passed on yet: far
# more than any downtime; an older one is still on the coordinators' Home.
TELL_WINDOW = timedelta(days=7)
ASK_WINDOW = timedelta(days=7)
_OPEN = (CheckInStatus.PROMPTED, CheckInStatus.MISSED)  # a check-in that can still be answered


@dataclass(frozen=True)
class Actor:
    team_id: str
    user_id: str


# --- when a period closes (bot/checkins) --------------------------------------------------


def periods_closed(
    session: Session, mentorship_ids: list[int], *, now: datetime, default_tz: str
) -> int:
    """Periods of these pairs were just decided: follow up and flag as their runs say;
    how many people were followed up. Calling it again changes nothing."""
    runs = streaks(session, mentorship_ids)
    sent = 0
    for mentorship_id, run in sorted(runs.items()):
        if run.periods < FOLLOW_UP_AFTER:
            continue
        mentorship = session.get(Mentorship, mentorship_id)
        if mentorship is None or mentorship.status is not MentorshipStatus.ACTIVE:
            continue
        mentor, mentee = _people(session, mentorship)
        if _snoozed(mentor, now) or _snoozed(mentee, now):
            continue  # streaks() already counts nothing then; said twice, as it matters
        sent += _follow_up(session, mentorship, (mentor, mentee), run, now, default_tz)
        if run.periods >= ESCALATE_AFTER:
            _flag(session, mentorship, run, now)
    return sent


def _follow_up(
    session: Session,
    mentorship: Mentorship,
    people: tuple[Person, Person],
    run: Streak,
    now: datetime,
    default_tz: str,
) -> int:
    options = _options(session, mentorship.id)
    sent = 0
    for person, partner in (people, people[::-1]):
        state = FollowUp(partner.slack_user_id, run.periods, options)
        key = keys.once(Kind.FOLLOW_UP, mentorship.id, run.first_period, person.id)
        when = workday_of(person, default_tz).next_open(now)
        sent += _dm(session, mentorship.team_id, person, key, follow_up_message(state), when)
    if sent:
        detail = {"periods": run.periods, "first_period": run.first_period}
        _record(session, mentorship.team_id, None, "followup.sent", mentorship.id, now, detail)
    return sent


def _flag(session: Session, mentorship: Mentorship, run: Streak, now: datetime) -> None:
    flagged = session.execute(
        update(Mentorship)
        .where(
            Mentorship.id == mentorship.id,
            Mentorship.at_risk_since.is_(None),
            Mentorship.status == MentorshipStatus.ACTIVE,
        )
        .values(at_risk_since=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if flagged:
        detail = {"periods": run.periods, "first_period": run.first_period}
        _record(session, mentorship.team_id, None, "followup.at_risk", mentorship.id, now, detail)


def _options(session: Session, mentorship_id: int) -> Options:
    """What a follow-up can offer now: the latest check-in still open, and the one under way."""
    rows = session.execute(
        select(CheckIn.id, CheckIn.status)
        .where(CheckIn.mentorship_id == mentorship_id, CheckIn.status.in_(_OPEN))
        .order_by(CheckIn.period.desc())
        .limit(1)
    ).first()
    if rows is None:
        return Options(mentorship_id)
    checkin_id, status = rows
    current = checkin_id if status is CheckInStatus.PROMPTED else None
    return Options(mentorship_id, open_checkin=checkin_id, current_checkin=current)


# --- "Need help" (bot/checkins) -----------------------------------------------------------


def help_asked(
    session: Session,
    mentorship: Mentorship,
    checkin_id: int,
    asker_id: int,
    text: str,
    now: datetime,
) -> None:
    """Keep the ask for the coordinators' Home (the due-work job puts it there); their
    DMs were sent by the check-in flow. The text is the asker's: /mentor leave forgets it."""
    session.add(
        HelpRequest(
            team_id=mentorship.team_id,
            mentorship_id=mentorship.id,
            checkin_id=checkin_id,
            asker_id=asker_id,
            text=text or None,
            created_at=now,
        )
    )


# --- the due-work job ---------------------------------------------------------------------


@dataclass(frozen=True)
class Passed:
    """What one run of the due-work job passed on to the coordinators."""

    told: int = 0  # pairs the coordinators were told of
    cleared: int = 0  # pairs off the at-risk list
    asks: int = 0  # asks for help put on the coordinators' Homes


def run_due(session: Session, settings: Settings, now: datetime) -> Passed:
    """Tell the coordinators what changed, clear pairs that met again; idempotent."""
    recovered = exists().where(
        CheckIn.mentorship_id == Mentorship.id,
        CheckIn.status == CheckInStatus.MET,
        CheckIn.responded_at >= Mentorship.at_risk_since,
    )
    # Sorted here, not in SQL: SQLite would rather walk every pair in id order than read
    # the few flagged ones from the at_risk_since index.
    flagged = sorted(
        session.execute(
            select(
                Mentorship.id,
                Mentorship.team_id,
                Mentorship.at_risk_since,
                Mentorship.status,
                recovered,
            ).where(Mentorship.at_risk_since.is_not(None))
        ).all(),
        key=lambda row: row[0],
    )
    told = cleared = 0
    for mentorship_id, team_id, since, status, met in flagged:
        if status is MentorshipStatus.ENDED or (met and status is MentorshipStatus.ACTIVE):
            cleared += _clear(session, settings, mentorship_id, team_id, since, met, now)
        elif status is MentorshipStatus.PAUSED:
            continue  # listed, with "Resume pair", until resumed: the pause notice says so
        elif since >= now - TELL_WINDOW:
            told += _tell(session, settings, mentorship_id, since, now)
    asks = session.execute(
        select(HelpRequest.id, HelpRequest.team_id).where(
            HelpRequest.handled_at.is_(None), HelpRequest.created_at >= now - ASK_WINDOW
        )
    ).all()
    shown = sum(_republish(session, settings, team, f"ask:{ask}", now) for ask, team in asks)
    report = Passed(told, cleared, shown)
    if told or cleared:
        log.info("at-risk pairs: told coordinators of %d, cleared %d", told, cleared)
    return report


def _tell(
    session: Session, settings: Settings, mentorship_id: int, since: datetime, now: datetime
) -> int:
    """DM each coordinator not told yet of this flag; 1 when someone was."""
    mentorship = session.get(Mentorship, mentorship_id)
    assert mentorship is not None
    team = mentorship.team_id
    wanted = {
        c: keys.once(Kind.AT_RISK, mentorship_id, since.isoformat(), c)
        for c in coordinators_of(session, settings, team)
    }
    missing = sorted(c for c in wanted if wanted[c] not in _queued(session, wanted.values()))
    if not missing:
        return 0
    mentor, mentee = _people(session, mentorship)
    run = streaks(session, [mentorship_id], mind_snooze=False).get(mentorship_id)
    alert = AtRiskAlert(
        mentor_user_id=mentor.slack_user_id,
        mentee_user_id=mentee.slack_user_id,
        periods=run.periods if run else ESCALATE_AFTER,
        last_met=last_meetings(session, [mentorship_id]).get(mentorship_id),
        started=mentorship.started_at.date(),
    )
    message = at_risk_alert(alert)
    told = [c for c in missing if _dm_to(session, team, c, wanted[c], message, now)]
    if not told:
        return 0
    detail = {"coordinators": told, "periods": alert.periods}
    _record(session, team, None, "followup.escalated", mentorship_id, now, detail)
    _republish(session, settings, team, f"at-risk:{mentorship_id}:{since.isoformat()}", now)
    return 1


def _clear(
    session: Session,
    settings: Settings,
    mentorship_id: int,
    team_id: str,
    since: datetime,
    met: bool,
    now: datetime,
) -> int:
    """Off the at-risk list: they met again (or the pair ended). Guarded on the flag read."""
    cleared = session.execute(
        update(Mentorship)
        .where(Mentorship.id == mentorship_id, Mentorship.at_risk_since == since)
        .values(at_risk_since=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not cleared:
        return 0
    action = "followup.recovered" if met else "followup.closed"
    _record(session, team_id, None, action, mentorship_id, now, {"since": since.isoformat()})
    _republish(session, settings, team_id, f"cleared:{mentorship_id}:{since.isoformat()}", now)
    return 1


# --- the coordinators' actions (their App Home) -------------------------------------------


def nudge(
    session: Session, settings: Settings, actor: Actor, mentorship_id: int | None, *, now: datetime
) -> None:
    """A fresh kind DM to both, in their working hours (after a snooze, if any)."""
    mentorship = _coordinators_pair(session, settings, actor, "nudge", mentorship_id, now)
    if mentorship is None:
        return
    if mentorship.status is not MentorshipStatus.ACTIVE:
        gone = mentorship.status is MentorshipStatus.ENDED
        _tell_actor(session, actor, PAIR_GONE if gone else not_active_text("nudge them"), now)
        return
    mentor, mentee = _people(session, mentorship)
    run = streaks(session, [mentorship.id], mind_snooze=False).get(mentorship.id)
    options = _options(session, mentorship.id)
    for person, partner in ((mentor, mentee), (mentee, mentor)):
        state = FollowUp(
            partner.slack_user_id, run.periods if run else 0, options, nudged_by=actor.user_id
        )
        workday = workday_of(person, settings.timezone)
        when = workday.next_open(max(now, person.snoozed_until or now))
        key = keys.each(Kind.NUDGE, mentorship.id, person.id, at=now)
        _dm(session, mentorship.team_id, person, key, follow_up_message(state), when)
    _record(session, actor.team_id, actor.user_id, "followup.nudged", mentorship.id, now, {})
    text = nudged_text(mentor.slack_user_id, mentee.slack_user_id)
    for person in (mentor, mentee):
        if _snoozed(person, now):
            assert person.snoozed_until is not None
            text += (
                f" <@{person.slack_user_id}> is taking a break until "
                f"{local_day(person.snoozed_until, person.tz)}, so theirs waits until then."
            )
    _tell_actor(session, actor, text, now)


def pause(
    session: Session, settings: Settings, actor: Actor, mentorship_id: int | None, *, now: datetime
) -> None:
    """No check-ins (nor follow-ups) while paused; the two are told, the Homes redrawn."""
    mentorship = _coordinators_pair(session, settings, actor, "pause", mentorship_id, now)
    if mentorship is None:
        return
    if not mentorships.pause(session, mentorship):
        session.refresh(mentorship)
        gone = mentorship.status is MentorshipStatus.ENDED
        _tell_actor(session, actor, PAIR_GONE if gone else already_paused_text(), now)
        return
    _withdraw_waiting(session, mentorship)
    _tell_pair(session, settings, mentorship, actor, paused_notice, Kind.PAIR_PAUSED, now)
    _record(session, actor.team_id, actor.user_id, "followup.paused", mentorship.id, now, {})
    _republish(session, settings, actor.team_id, f"paused:{mentorship.id}:{now.isoformat()}", now)


def resume(
    session: Session, settings: Settings, actor: Actor, mentorship_id: int | None, *, now: datetime
) -> None:
    mentorship = _coordinators_pair(session, settings, actor, "resume", mentorship_id, now)
    if mentorship is None:
        return
    next_day = mentorships.resume(session, mentorship, now=now, default_tz=settings.timezone)
    if next_day is None:
        session.refresh(mentorship)
        gone = mentorship.status is MentorshipStatus.ENDED
        _tell_actor(session, actor, PAIR_GONE if gone else already_active_text(), now)
        return

    def resumed(*, partner_user_id: str, by_user_id: str) -> str:
        said = resumed_notice(partner_user_id=partner_user_id, by_user_id=by_user_id)
        return f"{said} Your next check-in is on {day_label(next_day)}."

    _tell_pair(session, settings, mentorship, actor, resumed, Kind.PAIR_PAUSED, now)
    _record(session, actor.team_id, actor.user_id, "followup.resumed", mentorship.id, now, {})
    _republish(session, settings, actor.team_id, f"resumed:{mentorship.id}:{now.isoformat()}", now)


def end_form(
    session: Session, settings: Settings, actor: Actor, mentorship_id: int | None, *, now: datetime
) -> EndForm | None:
    """The confirmation "End and rematch" opens; None (and why, by DM) when it can't."""
    mentorship = _coordinators_pair(session, settings, actor, "end", mentorship_id, now)
    if mentorship is None:
        return None
    if mentorship.status is MentorshipStatus.ENDED:
        _tell_actor(session, actor, PAIR_GONE, now)
        return None
    mentor, mentee = _people(session, mentorship)
    return EndForm(mentorship.id, mentor.slack_user_id, mentee.slack_user_id)


def end_pair(
    session: Session, settings: Settings, actor: Actor, mentorship_id: int | None, *, now: datetime
) -> str | None:
    """End the pair (the confirmation was submitted): both told kindly, the mentor's slot
    freed, the mentee offered "Find a mentor". None when done; else why not, for the modal."""
    mentorship = _coordinators_pair(session, settings, actor, "end", mentorship_id, now, tell=False)
    if mentorship is None:
        return (
            COORDINATORS_ONLY
            if not is_coordinator(session, settings, actor.team_id, actor.user_id)
            else PAIR_GONE
        )
    if not mentorships.end(session, mentorship, reason=EndReason.ENDED_BY_ADMIN, now=now):
        return PAIR_GONE
    session.execute(
        update(Mentorship)
        .where(Mentorship.id == mentorship.id)
        .values(at_risk_since=None)
        .execution_options(synchronize_session="fetch")
    )
    _withdraw_waiting(session, mentorship)
    mentor, mentee = _people(session, mentorship)
    team = mentorship.team_id
    for person, message in (
        (mentor, ended_for_mentor(mentee.slack_user_id)),
        (mentee, ended_for_mentee(mentor.slack_user_id)),
    ):
        key = keys.once(Kind.PAIR_ENDED, mentorship.id, person.id)
        _dm(
            session,
            team,
            person,
            key,
            message,
            workday_of(person, settings.timezone).next_open(now),
        )
    detail = {"reason": EndReason.ENDED_BY_ADMIN.value}
    _record(session, team, actor.user_id, "followup.ended", mentorship.id, now, detail)
    _republish(session, settings, team, f"ended:{mentorship.id}", now)
    return None


def mark_handled(
    session: Session, settings: Settings, actor: Actor, request_id: int | None, *, now: datetime
) -> None:
    """Take an ask for help off the list, once: a guarded UPDATE where handled_at IS NULL."""
    if not _allowed(session, settings, actor, "handled", request_id, now, subject="help_request"):
        return
    ask = session.get(HelpRequest, request_id) if request_id is not None else None
    if ask is None or ask.team_id != actor.team_id:
        _refuse(session, actor, "handled", request_id, now, "no such ask", subject="help_request")
        _tell_actor(session, actor, ASK_GONE, now)
        return
    handled = session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == ask.id, HelpRequest.handled_at.is_(None))
        .values(handled_at=now, handled_by=actor.user_id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not handled:
        session.refresh(ask)
        _tell_actor(session, actor, already_handled_text(ask.handled_by), now)
        return
    audit.record(
        session,
        team_id=actor.team_id,
        actor=actor.user_id,
        action="followup.help_handled",
        subject_type="help_request",
        subject_id=ask.id,
        now=now,
        detail={"mentorship": ask.mentorship_id},
    )
    _republish(session, settings, actor.team_id, f"handled:{ask.id}", now)


# --- "Suggest a 15-minute chat" (one of the pair, from a follow-up) -----------------------


def suggest_chat(
    session: Session, actor: Actor, mentorship_id: int | None, *, now: datetime, default_tz: str
) -> str:
    """Tell the partner, in their working hours, once per check-in period; the answer for
    the person who clicked."""
    mentorship = session.get(Mentorship, mentorship_id) if mentorship_id is not None else None
    people = _people(session, mentorship) if mentorship is not None else ()
    me = next((p for p in people if p.slack_user_id == actor.user_id), None)
    if mentorship is None or me is None or mentorship.team_id != actor.team_id:
        _refuse(session, actor, "chat", mentorship_id, now, "not one of this pair")
        return CHAT_NOT_YOURS
    if mentorship.status is not MentorshipStatus.ACTIVE:
        return CHAT_GONE
    partner = people[1] if me is people[0] else people[0]
    period = session.scalar(
        select(CheckIn.period)
        .where(CheckIn.mentorship_id == mentorship.id)
        .order_by(CheckIn.period.desc())
        .limit(1)
    )
    key = keys.once(Kind.CHAT_SUGGESTED, mentorship.id, period or 0, me.id)
    told = outbox.enqueue(
        session,
        team_id=mentorship.team_id,
        key=key,
        method="chat.postMessage",
        payload={
            "channel": partner.slack_user_id,
            "text": chat_suggested_notice(by_user_id=me.slack_user_id),
        },
        not_before=workday_of(partner, default_tz).next_open(now),
    )
    if not told:
        return chat_already_text(partner.slack_user_id)
    _record(session, mentorship.team_id, me.slack_user_id, "followup.chat", mentorship.id, now, {})
    return chat_sent_text(partner.slack_user_id)


# --- steps --------------------------------------------------------------------------------


def _coordinators_pair(
    session: Session,
    settings: Settings,
    actor: Actor,
    action: str,
    mentorship_id: int | None,
    now: datetime,
    *,
    tell: bool = True,
) -> Mentorship | None:
    """The pair a coordinator's action is about; None (refused, audited, and with `tell`
    the person told by DM) for a member, or for a pair not in the actor's workspace."""
    if not _allowed(session, settings, actor, action, mentorship_id, now, tell=tell):
        return None
    mentorship = session.get(Mentorship, mentorship_id) if mentorship_id is not None else None
    if mentorship is None or mentorship.team_id != actor.team_id:
        _refuse(session, actor, action, mentorship_id, now, "no such pair")
        if tell:
            _tell_actor(session, actor, PAIR_GONE, now)
        return None
    return mentorship


def _allowed(
    session: Session,
    settings: Settings,
    actor: Actor,
    action: str,
    subject_id: object,
    now: datetime,
    *,
    subject: str = "mentorship",
    tell: bool = True,
) -> bool:
    """Checked on every request: the buttons are only shown to coordinators, but anyone in
    the workspace can forge the payload."""
    if is_coordinator(session, settings, actor.team_id, actor.user_id):
        return True
    _refuse(session, actor, action, subject_id, now, "not a coordinator", subject=subject)
    if tell:
        _tell_actor(session, actor, COORDINATORS_ONLY, now)
    return False


def _refuse(
    session: Session,
    actor: Actor,
    action: str,
    subject_id: object,
    now: datetime,
    why: str,
    *,
    subject: str = "mentorship",
) -> None:
    audit.refused(
        session,
        team_id=actor.team_id,
        actor=actor.user_id,
        action=f"followup.{action}",
        subject_type=subject,
        subject_id=None if subject_id is None else str(subject_id),
        now=now,
        why=why,
    )


def _tell_actor(session: Session, actor: Actor, text: str, now: datetime) -> None:
    """A Home click has no message or modal to answer in: the answer comes by DM."""
    outbox.enqueue(
        session,
        team_id=actor.team_id,
        key=keys.each(Kind.BOARD_NOTICE, actor.user_id, at=now),
        method="chat.postMessage",
        payload={"channel": actor.user_id, "text": text},
        not_before=now,
    )


def _tell_pair(
    session: Session,
    settings: Settings,
    mentorship: Mentorship,
    actor: Actor,
    notice: Any,
    kind: Kind,
    now: datetime,
) -> None:
    mentor, mentee = _people(session, mentorship)
    for person, partner in ((mentor, mentee), (mentee, mentor)):
        outbox.enqueue(
            session,
            team_id=mentorship.team_id,
            key=keys.each(kind, mentorship.id, person.id, at=now),
            method="chat.postMessage",
            payload={
                "channel": person.slack_user_id,
                "text": notice(partner_user_id=partner.slack_user_id, by_user_id=actor.user_id),
            },
            not_before=workday_of(person, settings.timezone).next_open(now),
        )


def _withdraw_waiting(session: Session, mentorship: Mentorship) -> None:
    """A paused or ended pair gets no check-in prompt or follow-up still waiting for
    someone's working hours."""
    two = (mentorship.mentor_id, mentorship.mentee_id)
    periods = session.scalars(
        select(CheckIn.period).where(
            CheckIn.mentorship_id == mentorship.id, CheckIn.status.in_(_OPEN)
        )
    ).all()
    waiting = [
        keys.once(Kind.CHECKIN_PROMPT, mentorship.id, period, person_id)
        for period in periods
        for person_id in two
    ]
    run = streaks(session, [mentorship.id]).get(mentorship.id)
    if run is not None:
        waiting += [keys.once(Kind.FOLLOW_UP, mentorship.id, run.first_period, p) for p in two]
    outbox.withdraw(session, waiting, why="the pair was paused or ended")


def _republish(
    session: Session, settings: Settings, team_id: str, cause: str, now: datetime
) -> int:
    """Queue a fresh App Home for each coordinator not yet shown this change; 1 if any was."""
    coordinators = coordinators_of(session, settings, team_id)
    wanted = {c: keys.once(Kind.HOME, team_id, c, cause) for c in coordinators}
    queued = _queued(session, wanted.values())
    shown = 0
    for coordinator in sorted(c for c in wanted if wanted[c] not in queued):
        shown |= queue_home_publish(
            session, settings, team_id=team_id, user_id=coordinator, cause=cause, now=now
        )
    return int(shown)


def _queued(session: Session, wanted: Any) -> set[str]:
    """Which of these outbox keys exist already: checked first, so a tick writes nothing
    (and renders nothing) for what it did before."""
    wanted = list(wanted)
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(wanted))
        )
    )


def _dm(
    session: Session,
    team_id: str,
    person: Person,
    key: str,
    message: tuple[str, list[Any]],
    when: datetime,
) -> bool:
    return _dm_to(session, team_id, person.slack_user_id, key, message, when)


def _dm_to(
    session: Session,
    team_id: str,
    user_id: str,
    key: str,
    message: tuple[str, list[Any]],
    when: datetime,
) -> bool:
    text, blocks = message
    return outbox.enqueue(
        session,
        team_id=team_id,
        key=key,
        method="chat.postMessage",
        payload={"channel": user_id, "text": text, "blocks": [b.to_dict() for b in blocks]},
        not_before=when,
    )


def _people(session: Session, mentorship: Mentorship) -> tuple[Person, Person]:
    mentor = session.get(Person, mentorship.mentor_id)
    mentee = session.get(Person, mentorship.mentee_id)
    assert mentor is not None and mentee is not None
    return mentor, mentee


def _snoozed(person: Person, now: datetime) -> bool:
    return person.snoozed_until is not None and person.snoozed_until > now


def _record(
    session: Session,
    team_id: str,
    actor: str | None,
    action: str,
    mentorship_id: int,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    audit.record(
        session,
        team_id=team_id,
        actor=actor,
        action=action,
        subject_type="mentorship",
        subject_id=mentorship_id,
        now=now,
        detail=detail,
    )
