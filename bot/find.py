"""Self-serve matching: the mentors who fit a mentee, with reasons, spreading the load.

A mentor's free slots are "spoken for" by the requests waiting on her and by the
other mentees who were recently shown her as their top pick; once those reach her
free slots she is shown below mentors who still have room, so the first people to
search do not drain the best mentors for everyone else.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit, keys, outbox
from bot.db.enums import (
    OPEN_MENTORSHIP_STATUSES,
    OPEN_REQUEST_STATUSES,
    EndReason,
    EnrollmentStatus,
    RequestStatus,
)
from bot.db.models import Enrollment, Mentorship, MentorshipRequest, Person, Program
from bot.db.models import SuggestionImpression as Impression
from bot.enrollment import enrollment_in, enrollment_of
from bot.keys import Kind
from bot.limits import MAX_CHOICES, QUERY_MAX
from bot.matchmaking import PoolCache, ProgramPeople, suggest_in
from bot.notices import notify
from bot.people import find_person
from bot.profile import MENTEE_ROLES, MENTOR_ROLES
from bot.requests import Choice, open_chain
from bot.views.find import (
    MentorCard,
    SuggestionsState,
    mentor_available_message,
    unavailable_notice,
)

if TYPE_CHECKING:  # the matcher loads with the first search, not at start-up
    from bot.matching import Suggestion

PAGE_SIZE = 3
# The query's share of private_metadata (Slack allows 3,000 characters in all), counted
# as JSON encodes it: an emoji is 12 characters there ("\\ud83d\\ude00").
QUERY_METADATA_MAX = 2000
MAX_ID = 2**63 - 1  # row ids; a bigger number in a payload is forged


class FindError(Exception):
    """Why this person cannot search now; str(error) is for them."""


class PickRefused(FindError):
    """A payload asked for something the modal never offered (a forged pick or search).

    str(error) is the polite word for the person; `why` is for the log and the audit.
    """

    def __init__(self, why: str, subject: object = None) -> None:
        super().__init__(
            "Sorry, we couldn't do that: it isn't one of the choices we offered you. "
            "Please choose from the suggestions."
        )
        self.why = why
        self.subject = subject


class PicksUnavailable(FindError):
    """Picks who could take someone when shown, but cannot now (paused, full or left).

    str(error) says who and why; `fresh` is the search without them, to show again.
    """

    def __init__(self, spec: Search, gone: list[tuple[Person, str]]) -> None:
        super().__init__(unavailable_notice([(p.slack_user_id, why) for p, why in gone]))
        self.fresh = without(spec, [p for p, _ in gone])


def clip_query(text: str) -> str:
    """The query cut so the search state always fits in a modal's private_metadata."""
    text = text.strip()[:QUERY_MAX]
    size, kept = 2, []  # the quotes
    for char in text:
        size += len(json.dumps(char)) - 2
        if size > QUERY_METADATA_MAX:
            break
        kept.append(char)
    return "".join(kept).strip()


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
    def from_metadata(cls, text: str | None) -> Search:
        """The state a modal carried; PickRefused when it is not one we could have written."""
        try:
            data = json.loads(text or "")
            spec = cls(
                _row_id(data["p"]),
                tuple(_row_id(k) for k in data["k"]),
                clip_query(str(data["q"])),
                _row_id(data["o"], lowest=0),
            )
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            raise PickRefused(f"unreadable search state: {exc!r}"[:200]) from None
        if len(spec.picks) > MAX_CHOICES or len(set(spec.picks)) != len(spec.picks):
            raise PickRefused("more picks than the modal allows")
        return spec


def _row_id(value: object, *, lowest: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= MAX_ID:
        raise ValueError(f"not a row id: {str(value)[:40]}")
    return value


MENTOR_ONLY = (
    "Your profile says you'd like to mentor. To look for a mentor too, choose "
    '"Both" in `/mentor profile`.'
)


# --- what the find listeners call, each in one unit of work ---------------------------------


@dataclass(frozen=True)
class Shown:
    """A search, and the suggestions modal's state for it."""

    search: Search
    state: SuggestionsState


@dataclass(frozen=True)
class Picked:
    """Next was pressed with picks: the note modal names them, in order."""

    search: Search
    picks: tuple[MentorCard, ...]


class Edit(StrEnum):
    CHOOSE = "choose"
    UNCHOOSE = "unchoose"
    MORE = "more"
    SEARCH = "search"


@dataclass(frozen=True)
class Click:
    """A click in the suggestions modal, as its payload says."""

    edit: Edit
    mentor_id: int | None = None  # CHOOSE / UNCHOOSE: the button's person id, if readable
    value: object = None  # the button's value as sent, for the audit of a forged one
    query: str = ""  # SEARCH: what the search box holds


def begin(
    session: Session, *, team_id: str, user_id: str, query: str, now: datetime
) -> Search | None:
    """A new search; None when this person never joined (FindError when they only mentor)."""
    enrollment = enrollment_of(session, team_id, user_id, now)
    if enrollment is None:
        return None
    if enrollment.role not in MENTEE_ROLES:
        raise FindError(MENTOR_ONLY)
    return Search(program_id=enrollment.program_id, query=clip_query(query))


def suggestions(
    session: Session,
    pools: PoolCache,
    spec: Search,
    *,
    user_id: str,
    now: datetime,
    notice: str | None = None,
) -> Shown:
    """The suggestions for a search this person is known to own (theirs from `begin`)."""
    program = session.get(Program, spec.program_id)
    assert program is not None
    mentee = find_person(session, program.team_id, user_id)
    assert mentee is not None
    return Shown(spec, _search(session, pools, program, mentee, spec, now, notice))


def clicked(
    session: Session,
    pools: PoolCache,
    *,
    metadata: str | None,
    team_id: str,
    user_id: str,
    click: Click,
    now: datetime,
) -> Shown:
    """The search a modal carries, changed by a click (PickRefused if forged)."""
    spec, program, mentee = _own(session, metadata, team_id, user_id)
    spec = _edited(session, program, mentee, spec, click)
    return Shown(spec, _search(session, pools, program, mentee, spec, now))


def next_step(
    session: Session,
    pools: PoolCache,
    *,
    metadata: str | None,
    team_id: str,
    user_id: str,
    typed_query: str,
    now: datetime,
) -> Shown | Picked:
    """On to the note with the picks, or a search: the submit doubles as "search"
    (Enter in the search box submits), so no picks or a new query means search."""
    spec, program, mentee = _own(session, metadata, team_id, user_id)
    query = clip_query(typed_query)
    if not spec.picks or query != spec.query:
        searched = replace(spec, query=query, offset=0)
        return Shown(searched, _search(session, pools, program, mentee, searched, now))
    return Picked(spec, chosen_cards(session, pools, program, spec, now))


def send(
    session: Session,
    pools: PoolCache,
    *,
    metadata: str | None,
    team_id: str,
    user_id: str,
    note: str,
    now: datetime,
) -> None:
    """Ask the picks in order (`bot.requests.open_chain`); raises FindError or RequestError."""
    spec, program, mentee = _own(session, metadata, team_id, user_id)
    choices = choices_for(session, pools, program, mentee, spec, now)
    open_chain(session, program=program, mentee=mentee, choices=choices, note=note, now=now)


def tell(session: Session, *, team_id: str, user_id: str, text: str, now: datetime) -> None:
    """A DM for someone whose click left no message or modal to answer in (the Home tab)."""
    key = keys.each(Kind.FIND_REPLY, user_id, at=now)
    notify(session, team_id=team_id, user_id=user_id, text=text, key=key, now=now)


def _own(
    session: Session, metadata: str | None, team_id: str, user_id: str
) -> tuple[Search, Program, Person]:
    """The search a modal carries, its program and mentee, if it is this person's own."""
    spec = Search.from_metadata(metadata)
    program, mentee = searcher(session, spec, team_id, user_id)
    return spec, program, mentee


def _edited(
    session: Session, program: Program, mentee: Person, spec: Search, click: Click
) -> Search:
    if click.edit is Edit.CHOOSE:
        if click.mentor_id is None:
            raise PickRefused("an unreadable pick", click.value)
        check_pick(session, program, mentee, click.mentor_id)
        return with_pick(spec, click.mentor_id)
    if click.edit is Edit.UNCHOOSE:
        return without_pick(spec, click.mentor_id or 0)
    if click.edit is Edit.MORE:
        return replace(spec, offset=spec.offset + PAGE_SIZE)
    return replace(spec, query=clip_query(click.query), offset=0)


# --- the search itself ----------------------------------------------------------------------


def searcher(session: Session, spec: Search, team_id: str, user_id: str) -> tuple[Program, Person]:
    """The program and mentee a modal's state speaks of, if it is this person's own."""
    program = session.get(Program, spec.program_id)
    if program is None or program.team_id != team_id:
        raise PickRefused("a program of another workspace, or none", spec.program_id)
    mentee = find_person(session, team_id, user_id)
    if mentee is None:
        raise PickRefused("someone who never joined", spec.program_id)
    return program, mentee


def check_pick(session: Session, program: Program, mentee: Person, mentor_id: int) -> Enrollment:
    """The pick's enrollment, if the modal could have offered them; PickRefused if not.

    Suggestions never include oneself, a non-mentor, a current mentor, someone who
    already said no to this mentee, or a mentor the pair parted from by a rematch: such a
    pick comes from a forged payload.
    """
    enrollment = enrollment_in(session, program.id, mentor_id)
    if mentor_id == mentee.id or enrollment is None or enrollment.role not in MENTOR_ROLES:
        raise PickRefused("a pick who is not a mentor of this program", mentor_id)
    said_no = session.scalar(
        select(MentorshipRequest.id).where(
            MentorshipRequest.mentee_id == mentee.id,
            MentorshipRequest.mentor_id == mentor_id,
            MentorshipRequest.status == RequestStatus.DECLINED,
        )
    )
    if said_no is not None:
        raise PickRefused("a pick who already declined this mentee", mentor_id)
    parted = session.scalar(
        select(Mentorship.id).where(
            Mentorship.mentee_id == mentee.id,
            Mentorship.mentor_id == mentor_id,
            Mentorship.end_reason == EndReason.REMATCHED,
        )
    )
    if parted is not None:
        raise PickRefused("a pick this mentee parted from by a rematch", mentor_id)
    paired = session.scalar(
        select(Mentorship.id).where(
            Mentorship.mentee_id == mentee.id,
            Mentorship.mentor_id == mentor_id,
            Mentorship.status.in_(OPEN_MENTORSHIP_STATUSES),
        )
    )
    if paired is not None:
        raise PickRefused("a pick who already mentors this mentee", mentor_id)
    return enrollment


def _unavailable(enrollment: Enrollment) -> str | None:
    """Why a real mentor cannot be asked right now, or None."""
    if enrollment.status is EnrollmentStatus.LEFT:
        return "left"
    if enrollment.status is EnrollmentStatus.PAUSED:
        return "paused"
    if enrollment.active_mentee_count >= enrollment.capacity:
        return "full"
    return None


def _search(
    session: Session,
    pools: PoolCache,
    program: Program,
    mentee: Person,
    spec: Search,
    now: datetime,
    notice: str | None = None,
) -> SuggestionsState:
    people, pool = pools.get(session, program, now)
    candidate = people.mentees.get(mentee.id)
    if candidate is None:
        raise FindError(MENTOR_ONLY)
    page = suggest_in(
        program,
        candidate,
        pool,
        PAGE_SIZE,
        offset=spec.offset,
        exclude=_not_again(session, mentee.id),
        shown_counts=_spoken_for(session, program, people, mentee.id, now),
        query=spec.query or None,
        history=people.history,
        parted=people.parted,
    )
    if spec.offset == 0:
        _remember_shown(session, program, mentee, page.items, now)
    nobody_fits = page.total == 0 and not spec.query
    if nobody_fits:
        enrollment = enrollment_in(session, program.id, mentee.id)
        if enrollment is not None and enrollment.waiting_since is None:
            enrollment.waiting_since = now
    return SuggestionsState(
        cards=tuple(_card(session, people, item.mentor_key, item) for item in page.items),
        picks=chosen_cards(session, pools, program, spec, now),
        query=spec.query,
        offset=spec.offset,
        has_more=spec.offset + len(page.items) < page.total,
        nobody_fits=nobody_fits,
        notice=notice,
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
        page = suggest_in(
            program,
            candidate,
            pool,
            len(spec.picks),
            exclude=others,
            query=spec.query or None,
            history=people.history,
            parted=people.parted,
        )
        explained = {item.mentor_key: item for item in page.items}
    choices, gone = [], []
    for key in spec.picks:
        enrollment = check_pick(session, program, mentee, key)
        mentor = enrollment.person
        why = _unavailable(enrollment)
        if why is not None:
            gone.append((mentor, why))
        found = explained.get(key)
        choices.append(
            Choice(mentor, found.score if found else None, found.reasons if found else ())
        )
    if gone:
        raise PicksUnavailable(spec, gone)
    return choices


def chosen_cards(
    session: Session, pools: PoolCache, program: Program, spec: Search, now: datetime
) -> tuple[MentorCard, ...]:
    """The mentee's picks as cards, in order (no scoring: the note modal only names them)."""
    people, _ = pools.get(session, program, now)
    return tuple(_card(session, people, key, None) for key in spec.picks)


def with_pick(spec: Search, mentor_id: int) -> Search:
    if mentor_id in spec.picks or len(spec.picks) >= MAX_CHOICES:
        return spec
    return Search(spec.program_id, (*spec.picks, mentor_id), spec.query, spec.offset)


def without(spec: Search, mentors: list[Person]) -> Search:
    """The search with these people taken out of the picks, from the first page again."""
    gone = {m.id for m in mentors}
    return Search(spec.program_id, tuple(k for k in spec.picks if k not in gone), spec.query)


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
    # Sorted here, not in SQL: SQLite would rather walk every enrollment in id order
    # than read the few waiting ones from the waiting_since index.
    waiting = sorted(
        session.scalars(select(Enrollment).where(Enrollment.waiting_since.is_not(None))),
        key=lambda e: e.id,
    )
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
            page = suggest_in(
                program,
                candidate,
                pool,
                1,
                exclude=_not_again(session, enrollment.person_id),
                shown_counts=people.pending_asks,
                history=people.history,
                parted=people.parted,
            )
            if not page.items or page.items[0].crowded:
                continue
            text, blocks = mentor_available_message()
            assert enrollment.waiting_since is not None
            outbox.enqueue(
                session,
                team_id=program.team_id,
                key=keys.each(Kind.MENTOR_AVAILABLE, enrollment.id, at=enrollment.waiting_since),
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


REFUSED_CLICK = (
    "Sorry, we couldn't do that in your mentor search: it isn't one of the choices we "
    "offered you. Nothing was changed; type `/mentor find` to start again."
)


def record_refusal(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    error: PickRefused,
    action: str,
    now: datetime,
    tell: bool,
) -> None:
    """Log and audit a forged find payload; with `tell`, DM the person (no other way back)."""
    audit.refused(
        session,
        team_id=team_id,
        actor=user_id,
        action=f"find.{action}",
        subject_type="person",
        subject_id=None if error.subject is None else str(error.subject),
        now=now,
        why=error.why,
    )
    if tell:
        outbox.enqueue(
            session,
            team_id=team_id,
            key=keys.each(Kind.REFUSED, f"find.{action}", user_id, at=now),
            method="chat.postMessage",
            payload={"channel": user_id, "text": REFUSED_CLICK},
            not_before=now,
        )
