"""Forgetting a person who leaves: every word they wrote or that describes them, in every table.

Domain tables point at people by id, so rows about the person are found by foreign
key and their text columns blanked. Outbox payloads and audit details are JSON
written for Slack or for people, so they are searched, by two tests, either enough:

1. The person's Slack user id anywhere in the JSON (a channel, `users`, a `<@U…>`
   mention, the id column of a round CSV). The house rule names people by mention,
   and an id is plain ASCII that no escaping or excerpting changes, so this finds
   exactly the rows that address or name them that way.
2. The person's own strings, compared after undoing what rendering does (mrkdwn
   escaping, collapsed whitespace, excerpts cut with "…"): names and title as whole
   words, and the opening characters of each longer text they wrote or that was
   written about them (goals, bio, request notes, decline reasons, check-in notes,
   asks for help, feedback, goals of their pairs, and the quotes matching reasons take
   from profiles). This finds messages that name people by display name (request-sent,
   answers) or quote them (reasons, the round CSV).

Recording on each outbox row whom it is about would need every sender, now and in
every future kind of message, to say so; matching needs nothing from senders. The
price is a rare false match on a common name: it blanks a delivered body early
(harmless: bodies are blanked after the retention anyway) or puts the leaver's
mention in place of that name in a pending message.

What happens to a matching outbox row: delivered (or given up) rows keep their key
and result (idempotency; `chat.update` of request DMs) but lose their body; pending
rows addressed to the person, or carrying their words, are dropped; pending rows to
others that only name them get their mention instead of the name.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.db.enums import OutboxStatus, RosterImportStatus, RoundStatus
from bot.db.models import (
    AuditEntry,
    CheckIn,
    CheckInNote,
    Enrollment,
    Feedback,
    Goal,
    HelpRequest,
    MatchRound,
    MatchRoundPair,
    Mentorship,
    MentorshipRequest,
    OutboxMessage,
    Person,
    RosterImport,
    SuggestionImpression,
)
from bot.outbox import FILE_BYTES

WORDS_PREFIX = 40  # excerpts keep at least the first 70 characters of a text
WORDS_MIN = 8  # shorter texts ("Busy") would match everyone's messages
NAME_MIN = 2
DELIVERED = (OutboxStatus.SENT, OutboxStatus.FAILED)
_QUOTE = re.compile(r"“([^”]+)”")


def normalize(text: str) -> str:
    """What a text reads as in any message: unescaped, one line, case-folded."""
    return " ".join(html.unescape(text).split()).casefold()


@dataclass(frozen=True)
class Traces:
    """What identifies a person in free text; collected before their rows are blanked."""

    user_id: str
    names: tuple[str, ...]  # normalized display and real name
    title: str  # normalized, "" if none
    words: tuple[str, ...]  # normalized openings of longer texts by or about them

    def mentioned_in(self, raw: str) -> bool:
        return (
            re.search(rf"(?<![A-Za-z0-9]){re.escape(self.user_id)}(?![A-Za-z0-9])", raw) is not None
        )

    def words_in(self, text: str) -> bool:
        return any(words in text for words in self.words)

    def named_in(self, text: str) -> bool:
        return any(_whole(name).search(text) for name in self.names) or (
            bool(self.title) and self.title in text
        )

    def addressed_to(self, payload: dict[str, Any]) -> bool:
        recipients = [payload.get(k) for k in ("channel", "user", "user_id")]
        return self.user_id in recipients or self.user_id in (payload.get("users") or [])

    def concerns(self, value: Any) -> bool:
        text = " ".join(normalize(s) for s in _strings(value))
        return self.mentioned_in(json.dumps(value)) or self.words_in(text) or self.named_in(text)


def traces_of(session: Session, person: Person, enrollment: Enrollment) -> Traces:
    """Everything by which the person can be recognised in text, from every table."""
    pair_ids = _pairs_of(session, person)
    texts: list[str | None] = [enrollment.goals, enrollment.bio]
    for note, reason, reasons in session.execute(
        select(
            MentorshipRequest.note, MentorshipRequest.decline_reason, MentorshipRequest.reasons
        ).where(_involves(MentorshipRequest, person))
    ):
        texts += [note, reason, *_quotes(reasons)]
    for (reasons,) in session.execute(
        select(Mentorship.match_reasons).where(Mentorship.id.in_(pair_ids))
    ):
        texts += _quotes(reasons)
    for (reasons,) in session.execute(
        select(MatchRoundPair.reasons).where(_involves(MatchRoundPair, person))
    ):
        texts += _quotes(reasons)
    for notes, thanks in session.execute(
        select(CheckIn.notes, CheckIn.thanks).where(CheckIn.mentorship_id.in_(pair_ids))
    ):
        texts += [notes, thanks]
    texts += session.scalars(
        select(CheckInNote.body).where(CheckInNote.checkin_id.in_(_checkins_of(pair_ids)))
    )
    texts += session.scalars(select(HelpRequest.text).where(_asked(person, pair_ids)))
    texts += session.scalars(select(Feedback.comment).where(Feedback.mentorship_id.in_(pair_ids)))
    for title, detail in session.execute(
        select(Goal.title, Goal.detail).where(Goal.mentorship_id.in_(pair_ids))
    ):
        texts += [title, detail]
    names = {normalize(n) for n in (person.display_name, person.real_name) if n}
    return Traces(
        user_id=person.slack_user_id,
        names=tuple(sorted(n for n in names if len(n) >= NAME_MIN)),
        title=normalize(person.title or ""),
        words=tuple(
            sorted(
                {
                    w[:WORDS_PREFIX]
                    for w in map(normalize, filter(None, texts))
                    if len(w) >= WORDS_MIN
                }
            )
        ),
    )


def forget(session: Session, person: Person, traces: Traces) -> None:
    """Blank or remove every row that holds the person's words, in every table."""
    pair_ids = _pairs_of(session, person)
    session.execute(
        delete(Goal).where(Goal.mentorship_id.in_(pair_ids) | (Goal.created_by_id == person.id))
    )
    session.execute(
        update(CheckIn)
        .where(CheckIn.mentorship_id.in_(pair_ids) | (CheckIn.responded_by_id == person.id))
        .values(notes=None, thanks=None)
    )
    session.execute(
        delete(CheckInNote).where(
            CheckInNote.checkin_id.in_(_checkins_of(pair_ids))
            | (CheckInNote.person_id == person.id)
        )
    )
    session.execute(update(HelpRequest).where(_asked(person, pair_ids)).values(text=None))
    session.execute(
        update(Feedback)
        .where(Feedback.mentorship_id.in_(pair_ids) | (Feedback.author_id == person.id))
        .values(comment=None)
    )
    session.execute(update(Mentorship).where(Mentorship.id.in_(pair_ids)).values(match_reasons=[]))
    session.execute(
        update(MentorshipRequest)
        .where(_involves(MentorshipRequest, person))
        .values(note=None, decline_reason=None, reasons=None)
    )
    _forget_round_pairs(session, person)
    session.execute(delete(SuggestionImpression).where(_involves(SuggestionImpression, person)))
    _forget_audit(session, person, traces)
    _forget_roster_imports(session, person)
    forget_in_outbox(session, person, traces)


def _forget_roster_imports(session: Session, person: Person) -> None:
    """A coordinator's finished roster imports go (their file names may say anything).

    One still in flight is left to its worker, which holds its row: deleting it under
    the worker would lose the report it owes."""
    session.execute(
        delete(RosterImport).where(
            RosterImport.team_id == person.team_id,
            RosterImport.requested_by == person.slack_user_id,
            RosterImport.status.in_((RosterImportStatus.DONE, RosterImportStatus.FAILED)),
        )
    )


def forget_in_outbox(session: Session, person: Person, traces: Traces) -> None:
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.payload).where(
            OutboxMessage.team_id == person.team_id,
            OutboxMessage.created_at >= person.created_at,
            cast(OutboxMessage.payload, Text) != "{}",
        )
    ).all()
    blank, drop, renamed = [], [], {}
    for row_id, status, payload in rows:
        if not traces.concerns(payload):
            continue
        if status in DELIVERED:
            blank.append(row_id)
        elif traces.addressed_to(payload) or traces.words_in(_text(payload)):
            drop.append(row_id)
        else:
            renamed[row_id] = _renamed(payload, traces)
    if blank:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(blank)).values(payload={}))
    if drop:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(drop)))
    for row_id, payload in renamed.items():
        if payload is None:
            session.execute(delete(OutboxMessage).where(OutboxMessage.id == row_id))
        else:
            session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(payload=payload)
            )


def _renamed(payload: dict[str, Any], traces: Traces) -> dict[str, Any] | None:
    """The payload with the person's name as their mention and no title; None if that fails."""
    mention = f"<@{traces.user_id}>"

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            for name in traces.names:
                for shown in {name, html.escape(name, quote=False)}:
                    value = re.sub(_whole(shown).pattern, mention, value, flags=re.IGNORECASE)
            if traces.title:
                value = re.sub(re.escape(traces.title), "", value, flags=re.IGNORECASE)
            return value
        if isinstance(value, dict):
            return {k: v if k == FILE_BYTES else swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    swapped = swap(payload)
    still = traces.named_in(_text(swapped)) or traces.words_in(_text(swapped))
    return None if still else swapped


def _forget_round_pairs(session: Session, person: Person) -> None:
    session.execute(
        update(MatchRoundPair)
        .where(_involves(MatchRoundPair, person))
        .values(reasons=None, unmatched_reason=None)
    )
    # A proposal not yet approved must not pair someone who has left.
    proposed = select(MatchRound.id).where(MatchRound.status == RoundStatus.PROPOSED)
    session.execute(
        update(MatchRoundPair)
        .where(_involves(MatchRoundPair, person), MatchRoundPair.round_id.in_(proposed))
        .values(dropped=True)
    )


def _forget_audit(session: Session, person: Person, traces: Traces) -> None:
    by_or_about = or_(
        AuditEntry.actor_slack_id == person.slack_user_id,
        AuditEntry.subject_id == person.slack_user_id,
    )
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.team_id == person.team_id, by_or_about)
        .values(detail=None)
    )
    rows = session.execute(
        select(AuditEntry.id, AuditEntry.detail).where(
            AuditEntry.team_id == person.team_id,
            AuditEntry.created_at >= person.created_at,
            AuditEntry.detail.is_not(None),
        )
    ).all()
    about = [row_id for row_id, detail in rows if traces.concerns(detail)]
    if about:
        session.execute(update(AuditEntry).where(AuditEntry.id.in_(about)).values(detail=None))


def _pairs_of(session: Session, person: Person) -> list[int]:
    return list(session.scalars(select(Mentorship.id).where(_involves(Mentorship, person))))


def _checkins_of(pair_ids: list[int]) -> Any:
    return select(CheckIn.id).where(CheckIn.mentorship_id.in_(pair_ids))


def _asked(person: Person, pair_ids: list[int]) -> Any:
    """Asks for help by them, or about a pair of theirs (their partner's words about them)."""
    return HelpRequest.mentorship_id.in_(pair_ids) | (HelpRequest.asker_id == person.id)


def _involves(model: Any, person: Person) -> Any:
    return (model.mentor_id == person.id) | (model.mentee_id == person.id)


def _quotes(reasons: Iterable[str] | None) -> list[str]:
    """What matching reasons quote from a profile, without the excerpt's "…"."""
    found = []
    for reason in reasons or []:
        for quote in _QUOTE.findall(reason):
            found += [part for part in quote.split("…") if part.strip()]
    return found


def _whole(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


def _text(value: Any) -> str:
    return " ".join(normalize(s) for s in _strings(value))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != FILE_BYTES:  # a file's bytes (base64) are no one's words
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
