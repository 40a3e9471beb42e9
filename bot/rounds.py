"""Coordinator matching rounds: the algorithm proposes the whole cohort, a person approves.

A proposal is stored (pairs with scores and reasons, and who stays unmatched and
why) so the coordinator can look it over, drop pairs, and approve; only approval
starts mentorships and sends intros.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import announcements, audit, keys, mentorships, outbox
from bot.config import Settings
from bot.coordinators import is_coordinator
from bot.db.enums import OPEN_MENTORSHIP_STATUSES, OPEN_REQUEST_STATUSES, RoundStatus
from bot.db.models import (
    MatchRound,
    MatchRoundPair,
    Mentorship,
    MentorshipRequest,
    Person,
    Program,
)
from bot.keys import Kind
from bot.matchmaking import PoolCache, ProgramPeople, solve_in, suggest_in
from bot.notices import notify, refuse
from bot.programs import current_program, program_named, program_names
from bot.transitions import move
from bot.views.rounds import Preview, Proposal, ProposedPair, Unmatched, approved_text

if TYPE_CHECKING:  # the matcher loads with the first search, not at start-up
    from bot.matching import Candidate, Pool, Round, Suggestion


class RoundError(Exception):
    """A round action that cannot be done; str(error) is for the coordinator."""


class UnknownCohort(Exception):
    """`/mentor match NAME` named no cohort of the workspace."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name, self.known = name, known


class CohortError(Exception):
    """The terminal's `--cohort` / `--team` pick no one cohort; str(error) is for the operator."""


@dataclass(frozen=True)
class Cohort:
    program_id: int
    name: str


@dataclass(frozen=True)
class RoundAction:
    """Someone acting on a proposal's modal, as the payload says (nothing checked yet)."""

    team_id: str
    actor: str
    round_id: int | None  # from the view's private_metadata; None when unreadable
    subject: str  # that private_metadata as sent, clipped, for the audit of a refusal


@dataclass(frozen=True)
class Approved:
    started: int
    skipped: list[str]  # mentor names who filled up since the proposal


def cohort_mentees(
    session: Session, program: Program, mentees: dict[int, Candidate]
) -> list[Candidate]:
    """Who the round is for: mentees with no mentor and no request waiting on one."""
    busy = set(
        session.scalars(
            select(Mentorship.mentee_id).where(
                Mentorship.program_id == program.id,
                Mentorship.status.in_(OPEN_MENTORSHIP_STATUSES),
            )
        )
    ) | set(
        session.scalars(
            select(MentorshipRequest.mentee_id).where(
                MentorshipRequest.program_id == program.id,
                MentorshipRequest.status.in_(OPEN_REQUEST_STATUSES),
            )
        )
    )
    return [c for key, c in sorted(mentees.items()) if key not in busy]


def solve(session: Session, pools: PoolCache, program: Program, now: datetime) -> Round:
    people, pool = pools.get(session, program, now)
    return solve_in(
        program,
        cohort_mentees(session, program, people.mentees),
        pool,
        history=people.history,
        parted=people.parted,
    )


def propose(
    session: Session, pools: PoolCache, program: Program, *, coordinator: str, now: datetime
) -> MatchRound:
    result = solve(session, pools, program, now)
    stats = result.stats
    proposal = MatchRound(
        team_id=program.team_id,
        program_id=program.id,
        created_by=coordinator,
        status=RoundStatus.PROPOSED,
        created_at=now,
        stats={
            "pairs": len(result.pairs),
            "unmatched": len(result.unmatched),
            "total_score": result.total_points / 10_000,
            "seconds": round(stats.seconds, 3),
            "certified_optimal": stats.certified,
            "solver": stats.solver,
        },
    )
    session.add(proposal)
    session.flush()
    session.add_all(
        MatchRoundPair(
            round_id=proposal.id,
            mentee_id=pair.mentee_key,
            mentor_id=pair.mentor_key,
            score=pair.score,
            reasons=list(pair.reasons),
        )
        for pair in result.pairs
    )
    session.add_all(
        MatchRoundPair(round_id=proposal.id, mentee_id=u.mentee_key, unmatched_reason=u.reason)
        for u in result.unmatched
    )
    audit.record(
        session,
        team_id=program.team_id,
        actor=coordinator,
        action="round.proposed",
        subject_type="match_round",
        subject_id=proposal.id,
        now=now,
        detail=proposal.stats,
    )
    return proposal


def pairs_of(session: Session, proposal: MatchRound) -> list[MatchRoundPair]:
    return list(
        session.scalars(
            select(MatchRoundPair)
            .where(MatchRoundPair.round_id == proposal.id)
            .order_by(
                MatchRoundPair.mentor_id.is_(None), MatchRoundPair.score.desc(), MatchRoundPair.id
            )
        )
    )


def drop_pair(session: Session, proposal: MatchRound, pair_id: int) -> None:
    _still_open(proposal)
    pair = session.get(MatchRoundPair, pair_id)
    if pair is None or pair.round_id != proposal.id or pair.mentor_id is None:
        raise RoundError("That pair is not part of this proposal.")
    pair.dropped = True


def swap_mentors(
    session: Session,
    pools: PoolCache,
    proposal: MatchRound,
    first_id: int,
    second_id: int,
    now: datetime,
) -> str:
    """Exchange the mentors of two proposed pairs if both new pairs are acceptable.

    The matcher re-checks each new pair (hard rules, score floors) and explains it,
    so a swap can never create a pair a round would refuse. Returns what happened.
    """
    _still_open(proposal)
    first, second = session.get(MatchRoundPair, first_id), session.get(MatchRoundPair, second_id)
    if (
        first is None
        or second is None
        or first.id == second.id
        or {first.round_id, second.round_id} != {proposal.id}
        or first.mentor_id is None
        or second.mentor_id is None
    ):
        raise RoundError("Choose two different pairs of this proposal to swap.")
    program = session.get(Program, proposal.program_id)
    assert program is not None
    people, pool = pools.get(session, program, now)
    names = {key: p.display_name for key, p in people_of_round(session, proposal).items()}
    wanted = [(first.mentee_id, second.mentor_id), (second.mentee_id, first.mentor_id)]
    verdicts = [_check_pair(people, pool, program, mentee, mentor) for mentee, mentor in wanted]
    refused = [
        f"{names[mentee]} and {names[mentor]} cannot be paired"
        for (mentee, mentor), verdict in zip(wanted, verdicts, strict=True)
        if verdict is None
    ]
    if refused:
        raise RoundError("Not swapped: " + "; ".join(refused) + ".")
    first_new, second_new = verdicts
    assert first_new is not None and second_new is not None
    first.mentor_id, second.mentor_id = second.mentor_id, first.mentor_id
    first.score, first.reasons = first_new.score, list(first_new.reasons)
    second.score, second.reasons = second_new.score, list(second_new.reasons)
    return (
        f"Swapped: {names[first.mentee_id]} with {names[first.mentor_id]}, "
        f"{names[second.mentee_id]} with {names[second.mentor_id]}."
    )


def _check_pair(
    people: ProgramPeople, pool: Pool, program: Program, mentee_key: int, mentor_key: int
) -> Suggestion | None:
    """The matcher's verdict on one pair: its score and reasons, or None if not allowed."""
    mentee = people.mentees.get(mentee_key)
    if mentee is None or mentor_key not in pool.index:
        return None
    # Within a round the mentor's slot is already counted, so judge the pair as if free.
    page = suggest_in(
        program,
        mentee,
        pool.with_availability(capacity_left={mentor_key: 1}),
        1,
        exclude=set(people.mentors) - {mentor_key},
        history=people.history,
        parted=people.parted,
    )
    return page.items[0] if page.items else None


def approve(
    session: Session, proposal: MatchRound, *, coordinator: str, now: datetime, default_tz: str
) -> Approved:
    """Start every kept pair; a mentor who filled up since the proposal is skipped.

    The round moves to APPROVED first, guarded: of two coordinators approving at once,
    one starts the pairs and the other is told it was already approved.
    """
    _still_open(proposal)
    approved = move(
        session,
        MatchRound,
        proposal.id,
        source=RoundStatus.PROPOSED,
        target=RoundStatus.APPROVED,
        decided_at=now,
    )
    if not approved:
        session.refresh(proposal)
        _still_open(proposal)
    program = session.get(Program, proposal.program_id)
    assert program is not None
    started, skipped = 0, []
    for pair in pairs_of(session, proposal):
        if pair.mentor_id is None or pair.dropped:
            continue
        mentor, mentee = session.get(Person, pair.mentor_id), session.get(Person, pair.mentee_id)
        assert mentor is not None and mentee is not None
        mentorship = mentorships.start(
            session,
            program,
            mentor,
            mentee,
            score=pair.score,
            reasons=list(pair.reasons or []),
            now=now,
            default_tz=default_tz,
        )
        if mentorship is None:
            skipped.append(mentor.display_name)
        else:
            started += 1
    announcements.round_approved(session, program.id, now)  # the cohort's kickoff, if any
    audit.record(
        session,
        team_id=program.team_id,
        actor=coordinator,
        action="round.approved",
        subject_type="match_round",
        subject_id=proposal.id,
        now=now,
        detail={"started": started, "skipped": len(skipped)},
    )
    return Approved(started=started, skipped=skipped)


def as_csv(session: Session, proposal: MatchRound) -> str:
    """The whole proposal, one row per mentee, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["mentee", "mentee_slack_id", "mentor", "mentor_slack_id", "score", "why", "status"]
    )
    people = people_of_round(session, proposal)
    for pair in pairs_of(session, proposal):
        mentee = people[pair.mentee_id]
        mentor = people[pair.mentor_id] if pair.mentor_id else None
        writer.writerow(
            [
                mentee.display_name,
                mentee.slack_user_id,
                mentor.display_name if mentor else "",
                mentor.slack_user_id if mentor else "",
                f"{pair.score:.3f}" if pair.score is not None else "",
                " | ".join(pair.reasons or []) if mentor else (pair.unmatched_reason or ""),
                "dropped" if pair.dropped else ("proposed" if mentor else "unmatched"),
            ]
        )
    return out.getvalue()


def people_of_round(session: Session, proposal: MatchRound) -> dict[int, Person]:
    """Every mentee and mentor a round names, in one query (rounds run to 20,000 pairs)."""
    mentioned = (MatchRoundPair.mentee_id == Person.id) | (MatchRoundPair.mentor_id == Person.id)
    return {
        person.id: person
        for person in session.scalars(
            select(Person)
            .join(MatchRoundPair, mentioned)
            .where(MatchRoundPair.round_id == proposal.id)
            .distinct()
        )
    }


def proposal_view_state(
    session: Session, proposal: MatchRound, notice: str | None = None
) -> Proposal:
    program = session.get(Program, proposal.program_id)
    assert program is not None
    people = people_of_round(session, proposal)
    pairs, unmatched = [], []
    for pair in pairs_of(session, proposal):
        mentee = people[pair.mentee_id]
        if pair.mentor_id is None:
            unmatched.append(Unmatched(mentee.slack_user_id, pair.unmatched_reason or ""))
            continue
        mentor = people[pair.mentor_id]
        pairs.append(
            ProposedPair(
                pair_id=pair.id,
                mentee_user_id=mentee.slack_user_id,
                mentor_user_id=mentor.slack_user_id,
                score=pair.score or 0.0,
                reasons=tuple(pair.reasons or ()),
                dropped=pair.dropped,
                mentee_name=mentee.display_name,
                mentor_name=mentor.display_name,
            )
        )
    stats = proposal.stats or {}
    return Proposal(
        round_id=proposal.id,
        program_name=program.name,
        pairs=tuple(pairs),
        unmatched=tuple(unmatched),
        total_score=float(stats.get("total_score", 0.0)),
        seconds=float(stats.get("seconds", 0.0)),
        certified=bool(stats.get("certified_optimal", False)),
        notice=notice,
    )


def queue_csv(session: Session, proposal: MatchRound, now: datetime) -> None:
    """Send the coordinator the whole proposal as a CSV file, by DM."""
    outbox.enqueue(
        session,
        team_id=proposal.team_id,
        key=keys.once(Kind.ROUND_CSV, proposal.id),
        method=outbox.FILE_DM,
        payload={
            "user": proposal.created_by,
            "filename": f"matching-round-{proposal.id}.csv",
            "title": f"Matching round {proposal.id}",
            "comment": "Every proposed pair and who stays unmatched, with the reasons.",
            "content": as_csv(session, proposal),
        },
        not_before=now,
    )


def _still_open(proposal: MatchRound) -> None:
    if proposal.status is not RoundStatus.PROPOSED:
        raise RoundError(f"This round was already {proposal.status.value}.")


COORDINATORS_ONLY = (
    "Sorry, changing a matching round is for program coordinators, so nothing was changed. "
    "If you think you should be one, ask your program's coordinator."
)


ROUND_GONE = "Sorry, I couldn't find that matching round, so nothing was changed."


def refuse_member(
    session: Session, *, team_id: str, actor: str, action: str, round_id: str, now: datetime
) -> None:
    """A member reached a coordinator's round action (a forged payload): say no, change nothing."""
    refuse(
        session,
        team_id=team_id,
        user_id=actor,
        action=f"round.{action}",
        subject_type="match_round",
        subject_id=round_id,
        why="not a coordinator",
        answer=COORDINATORS_ONLY,
        now=now,
    )


# The services the Slack layer calls, one per action: each checks who acts, on the server.


def find_cohort(session: Session, team_id: str, name: str, now: datetime) -> Cohort:
    """The cohort `/mentor match [name]` means: the one named (any case), else the current one.

    Raises UnknownCohort (with the workspace's cohorts) for a name that matches none.
    """
    if not name:
        program = current_program(session, team_id, now)
    else:
        found = program_named(session, team_id, name)
        if found is None:
            raise UnknownCohort(name, program_names(session, team_id))
        program = found
    return Cohort(program_id=program.id, name=program.name)


def propose_round(
    session: Session, pools: PoolCache, cohort: Cohort, *, coordinator: str, now: datetime
) -> Proposal:
    """Solve the cohort's round, store it, send its CSV; the proposal as the modal shows it."""
    program = session.get(Program, cohort.program_id)
    assert program is not None
    proposal = propose(session, pools, program, coordinator=coordinator, now=now)
    queue_csv(session, proposal, now)
    return proposal_view_state(session, proposal)


def drop_from_round(
    session: Session, settings: Settings, act: RoundAction, pair_id: int | None, now: datetime
) -> Proposal | None:
    """A coordinator drops one pair; the proposal to redraw, or None when there is nothing to."""

    def drop(proposal: MatchRound) -> str | None:
        drop_pair(session, proposal, pair_id or 0)
        _audit_edit(session, act, proposal, "round.dropped", now, {"pair": pair_id})
        return None

    return _edit(session, settings, act, "drop", drop, now)


def swap_in_round(
    session: Session,
    settings: Settings,
    pools: PoolCache,
    act: RoundAction,
    picks: tuple[int | None, int | None],
    now: datetime,
) -> Proposal | None:
    """A coordinator swaps the mentors of the two picked pairs (None: not picked)."""

    def swap(proposal: MatchRound) -> str:
        first, second = picks
        if first is None or second is None:
            raise RoundError("Choose the two pairs whose mentors to swap.")
        said = swap_mentors(session, pools, proposal, first, second, now)
        detail = {"pair": first, "with_pair": second}
        _audit_edit(session, act, proposal, "round.swapped", now, detail)
        return said

    return _edit(session, settings, act, "swap", swap, now)


def approve_round(
    session: Session, settings: Settings, act: RoundAction, now: datetime
) -> str | None:
    """A coordinator approves: the kept pairs start, and the coordinator gets the outcome by DM.

    Returns the DM's text, or None when a member was refused or the round is unknown.
    """
    if _refused(session, settings, act, "approve", now):
        return None
    proposal = _round_of(session, act, "approve", now)
    if proposal is None:
        return None
    try:
        with session.begin_nested():  # a refused approval leaves no half-started round
            result = approve(
                session, proposal, coordinator=act.actor, now=now, default_tz=settings.timezone
            )
        text = approved_text(result.started, result.skipped)
        key = keys.once(Kind.ROUND_OUTCOME, proposal.id, "approved")
    except RoundError as exc:
        text = str(exc)
        key = keys.each(Kind.ROUND_OUTCOME, proposal.id, "refused", at=now)
    notify(session, team_id=proposal.team_id, user_id=act.actor, text=text, key=key, now=now)
    return text


def _edit(
    session: Session,
    settings: Settings,
    act: RoundAction,
    action: str,
    edit: Callable[[MatchRound], str | None],
    now: datetime,
) -> Proposal | None:
    """Apply a coordinator's edit to the open proposal; the proposal with the edit's outcome."""
    if _refused(session, settings, act, action, now):
        return None
    proposal = _round_of(session, act, action, now)
    if proposal is None:
        return None
    try:
        with session.begin_nested():  # a refused edit changes nothing
            notice = edit(proposal)
    except RoundError as exc:
        notice = str(exc)
    return proposal_view_state(session, proposal, notice)


def _audit_edit(
    session: Session,
    act: RoundAction,
    proposal: MatchRound,
    action: str,
    now: datetime,
    detail: dict[str, object],
) -> None:
    audit.record(
        session,
        team_id=proposal.team_id,
        actor=act.actor,
        action=action,
        subject_type="match_round",
        subject_id=proposal.id,
        now=now,
        detail=detail,
    )


def _round_of(session: Session, act: RoundAction, action: str, now: datetime) -> MatchRound | None:
    """The round a coordinator acts on; None (refused, audited, told) for an id that names
    no round of their own workspace: a coordinator here is not one anywhere else."""
    proposal = session.get(MatchRound, act.round_id) if act.round_id is not None else None
    if proposal is not None and proposal.team_id == act.team_id:
        return proposal
    refuse(
        session,
        team_id=act.team_id,
        user_id=act.actor,
        action=f"round.{action}",
        subject_type="match_round",
        subject_id=act.subject,
        why="no such round in this workspace",
        answer=ROUND_GONE,
        now=now,
    )
    return None


def _refused(
    session: Session, settings: Settings, act: RoundAction, action: str, now: datetime
) -> bool:
    """True (and the member told, the attempt audited) unless a coordinator is acting.

    Every round action checks this here: the modal's buttons are only shown to
    coordinators, but a payload can be forged by anyone in the workspace.
    """
    if is_coordinator(session, settings, act.team_id, act.actor):
        return False
    refuse_member(
        session,
        team_id=act.team_id,
        actor=act.actor,
        action=action,
        round_id=act.subject,
        now=now,
    )
    return True


# The terminal's dry run (`mentorbot match --dry-run`).


def preview_round(
    session: Session, pools: PoolCache, *, cohort: str | None, team: str | None, now: datetime
) -> Preview:
    """The round the cohort would get now, as plain data; nothing is stored."""
    query = select(Program).order_by(Program.team_id, Program.name)
    if team:
        query = query.where(Program.team_id == team)
    program = _pick_cohort(list(session.scalars(query)), cohort)
    result = solve(session, pools, program, now)
    people, _ = pools.get(session, program, now)
    names = {
        c.key: f"{c.name} ({c.user_id})"
        for c in [*people.mentees.values(), *people.mentors.values()]
    }
    return Preview(
        program_name=program.name,
        team_id=program.team_id,
        names=names,
        pairs=tuple((p.mentee_key, p.mentor_key, p.score, tuple(p.reasons)) for p in result.pairs),
        unmatched=tuple((u.mentee_key, u.reason) for u in result.unmatched),
        total_score=result.total_points / 10_000,
        seconds=result.stats.seconds,
        certified=result.stats.certified,
    )


def _pick_cohort(programs: list[Program], name: str | None) -> Program:
    """The cohort `name` names (any case), or the only one when no name is given."""
    several_teams = len({p.team_id for p in programs}) > 1

    def listed(candidates: list[Program]) -> str:
        return ", ".join(
            f"{p.name!r}" + (f" ({p.team_id})" if several_teams else "") for p in candidates
        )

    if not programs:
        raise CohortError("no cohort yet: one is made when someone first uses /mentor in Slack")
    if name is None:
        if len(programs) == 1:
            return programs[0]
        raise CohortError(f"add --cohort NAME; the cohorts are {listed(programs)}")
    named = [p for p in programs if p.name.casefold() == name.strip().casefold()]
    if not named:
        raise CohortError(f"no cohort named {name!r}; the cohorts are {listed(programs)}")
    if len(named) > 1:
        raise CohortError(f"{name!r} exists in several teams ({listed(named)}): add --team")
    return named[0]
