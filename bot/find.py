"""Self-serve matching: the mentors who fit a mentee, with reasons, spreading the load.

A mentor's free slots are "spoken for" by the requests waiting on her and by the
other mentees who were recently shown her as their top pick; once those reach her
free slots she is shown below mentors who still have room, so the first people to
search do not drain the best mentors for everyone else.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.db.enums import (
    OPEN_MENTORSHIP_STATUSES,
    OPEN_REQUEST_STATUSES,
    EnrollmentStatus,
    RequestStatus,
)
from bot.db.models import Enrollment, Mentorship, MentorshipRequest, Person, Program
from bot.db.models import SuggestionImpression as Impression
from bot.matching import Suggestion, Weights, suggest
from bot.matchmaking import MENTEE_ROLES, PoolCache, ProgramPeople
from bot.mentorship_requests import Choice
from bot.views.matching import MAX_PICKS, MentorCard, SuggestionsState, mentor_available_message

PAGE_SIZE = 3


class FindError(Exception):
    """Why this person cannot search now; str(error) is for them."""


@dataclass(frozen=True)
class Search:
    """What the suggestions modal carries between clicks (in its private_metadata)."""

    program_id: int
    picks: tuple[int, ...] = ()  # mentor person ids, in order of preference
    query: str = ""
    offset: int = 0

    def to_metadata(self) -> str:
        return json.dumps(
            {"p": self.program_id, "k": list(self.picks), "q": self.query, "o": self.offset}
        )

    @classmethod
    def from_metadata(cls, text: str) -> Search:
        data = json.loads(text)
        return cls(int(data["p"]), tuple(int(k) for k in data["k"]), str(data["q"]), int(data["o"]))


MENTOR_ONLY = (
    "Your profile says you'd like to mentor. To look for a mentor too, choose "
    '"Both" in `/mentor profile`.'
)


def check_can_search(session: Session, program: Program, mentee: Person) -> None:
    """A quick check before any matching work: is this person looking for a mentor?"""
    role = session.scalar(
        select(Enrollment.role).where(
            Enrollment.program_id == program.id,
            Enrollment.person_id == mentee.id,
            Enrollment.status != EnrollmentStatus.LEFT,
        )
    )
    if role not in MENTEE_ROLES:
        raise FindError(MENTOR_ONLY)


def search(
    session: Session,
    pools: PoolCache,
    program: Program,
    mentee: Person,
    spec: Search,
    now: datetime,
) -> SuggestionsState:
    people, pool = pools.get(session, program, now)
    candidate = people.mentees.get(mentee.id)
    if candidate is None:
        raise FindError(MENTOR_ONLY)
    page = suggest(
        candidate,
        pool,
        PAGE_SIZE,
        offset=spec.offset,
        exclude=_not_again(session, mentee.id),
        shown_counts=_spoken_for(session, program, people, mentee.id, now),
        query=spec.query or None,
        history=people.history,
        allow_repeats=program.allow_repeat_pairs,
        weights=Weights.from_overrides(program.match_weights),
    )
    if spec.offset == 0:
        _remember_shown(session, program, mentee, page.items, now)
    nobody_fits = page.total == 0 and not spec.query
    if nobody_fits:
        enrollment = session.scalar(
            select(Enrollment).where(
                Enrollment.program_id == program.id, Enrollment.person_id == mentee.id
            )
        )
        if enrollment is not None and enrollment.waiting_since is None:
            enrollment.waiting_since = now
    return SuggestionsState(
        cards=tuple(_card(session, people, item.mentor_key, item) for item in page.items),
        picks=chosen_cards(session, pools, program, spec, now),
        query=spec.query,
        offset=spec.offset,
        has_more=spec.offset + len(page.items) < page.total,
        nobody_fits=nobody_fits,
    )


def choices_for(
    session: Session,
    pools: PoolCache,
    program: Program,
    mentee: Person,
    spec: Search,
    now: datetime,
) -> list[Choice]:
    """The mentee's picks, in order, each with the score and reasons the search showed."""
    people, pool = pools.get(session, program, now)
    candidate = people.mentees.get(mentee.id)
    explained: dict[int, Suggestion] = {}
    if candidate is not None:
        others = set(people.mentors) - set(spec.picks)
        page = suggest(
            candidate,
            pool,
            len(spec.picks),
            exclude=others,
            query=spec.query or None,
            history=people.history,
            allow_repeats=program.allow_repeat_pairs,
            weights=Weights.from_overrides(program.match_weights),
        )
        explained = {item.mentor_key: item for item in page.items}
    choices = []
    for key in spec.picks:
        mentor = session.get(Person, key)
        if mentor is None:
            raise FindError("One of your choices has left the program; please choose again.")
        found = explained.get(key)
        choices.append(
            Choice(mentor, found.score if found else None, found.reasons if found else ())
        )
    return choices


def chosen_cards(
    session: Session, pools: PoolCache, program: Program, spec: Search, now: datetime
) -> tuple[MentorCard, ...]:
    """The mentee's picks as cards, in order (no scoring: the note modal only names them)."""
    people, _ = pools.get(session, program, now)
    return tuple(_card(session, people, key, None) for key in spec.picks)


def with_pick(spec: Search, mentor_id: int) -> Search:
    if mentor_id in spec.picks or len(spec.picks) >= MAX_PICKS:
        return spec
    return Search(spec.program_id, (*spec.picks, mentor_id), spec.query, spec.offset)


def without_pick(spec: Search, mentor_id: int) -> Search:
    picks = tuple(k for k in spec.picks if k != mentor_id)
    return Search(spec.program_id, picks, spec.query, spec.offset)


def _card(
    session: Session, people: ProgramPeople, key: int, found: Suggestion | None
) -> MentorCard:
    mentor = people.mentors.get(key)
    person = session.get(Person, key)
    assert person is not None
    return MentorCard(
        person_id=key,
        user_id=person.slack_user_id,
        name=person.display_name or person.slack_user_id,
        title=person.title,
        topics=tuple(sorted(mentor.topics)) if mentor else (),
        reasons=found.reasons if found else (),
        score=found.score if found else 0.0,
        about=mentor.text if mentor else "",
        has_room=not found.crowded if found else True,
    )


def _not_again(session: Session, mentee_id: int) -> set[int]:
    """Mentors not to suggest: current ones, those already asked, and those who said no."""
    current = session.scalars(
        select(Mentorship.mentor_id).where(
            Mentorship.mentee_id == mentee_id, Mentorship.status.in_(OPEN_MENTORSHIP_STATUSES)
        )
    )
    asked = session.scalars(
        select(MentorshipRequest.mentor_id).where(
            MentorshipRequest.mentee_id == mentee_id,
            MentorshipRequest.status.in_([*OPEN_REQUEST_STATUSES, RequestStatus.DECLINED]),
        )
    )
    return set(current) | set(asked)


def _spoken_for(
    session: Session, program: Program, people: ProgramPeople, mentee_id: int, now: datetime
) -> Counter[int]:
    window = now - timedelta(hours=program.request_expiry_hours)
    shown = session.execute(
        select(Impression.mentor_id, Impression.mentee_id)
        .where(
            Impression.program_id == program.id,
            Impression.rank == 1,
            Impression.shown_at >= window,
            Impression.mentee_id != mentee_id,
        )
        .distinct()
    ).all()
    counts = Counter(people.pending_asks)
    counts.update(mentor for mentor, _ in shown)
    return counts


def _remember_shown(
    session: Session, program: Program, mentee: Person, items: tuple[Suggestion, ...], now: datetime
) -> None:
    for rank, item in enumerate(items, start=1):
        session.add(
            Impression(
                program_id=program.id,
                mentee_id=mentee.id,
                mentor_id=item.mentor_key,
                rank=rank,
                shown_at=now,
            )
        )


def notify_waiting(session: Session, pools: PoolCache, now: datetime) -> int:
    """Tell waiting mentees, once, that a mentor who fits them now has room.

    Runs on every scheduler tick, so it only looks again at a program whose people
    changed since its last look (someone joined, a slot freed, a profile changed).
    """
    told = 0
    waiting = session.scalars(
        select(Enrollment).where(Enrollment.waiting_since.is_not(None)).order_by(Enrollment.id)
    ).all()
    programs = {e.program_id for e in waiting}
    for program_id in sorted(programs):
        program = session.get(Program, program_id)
        assert program is not None
        if not pools.changed_since_last_look(session, program, "waiting-list"):
            continue
        people, pool = pools.get(session, program, now)
        for enrollment in (e for e in waiting if e.program_id == program_id):
            candidate = people.mentees.get(enrollment.person_id)
            if candidate is None:
                continue
            page = suggest(
                candidate,
                pool,
                1,
                exclude=_not_again(session, enrollment.person_id),
                shown_counts=people.pending_asks,
                history=people.history,
                allow_repeats=program.allow_repeat_pairs,
                weights=Weights.from_overrides(program.match_weights),
            )
            if not page.items or page.items[0].crowded:
                continue
            text, blocks = mentor_available_message()
            assert enrollment.waiting_since is not None
            outbox.enqueue(
                session,
                team_id=program.team_id,
                key=f"available:{enrollment.id}:{enrollment.waiting_since.isoformat()}",
                method="chat.postMessage",
                payload={
                    "channel": enrollment.person.slack_user_id,
                    "text": text,
                    "blocks": [block.to_dict() for block in blocks],
                },
                not_before=now,
            )
            enrollment.waiting_since = None
            told += 1
    return told
