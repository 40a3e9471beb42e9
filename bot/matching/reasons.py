"""Why a pair fits, in words a person can read: computed only for the pairs shown.

Each reason is tied to one part of the score and ranked by what that part contributed,
so the first reason is the one that mattered most. Reasons speak to the mentee ("you")
about the mentor as "they": never by name (the card or message around them names the
mentor with a mention; a stored name may be a raw user name and outlive the person's
leaving), never with a gendered pronoun.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from bot.db.enums import Cadence, ExperienceLevel, MeetingFormat
from bot.matching.candidates import Candidate
from bot.matching.pool import MenteeBatch, Pool, topic_label
from bot.matching.scoring import overlap_minutes, pair_parts
from bot.matching.text import Matrix, shorten
from bot.matching.weights import Weights

MAX_REASONS = 4
MAX_CHARS = 150
QUOTE_CHARS = 70
STRONG_TEXT = 0.3  # quoted sentence's cosine from which "matches your goals" is fair
# The track record is not part of the score; it ranks below any part that really counted.
TRACK_RECORD_STRENGTH = 0.015

LEVELS = tuple(level.value for level in ExperienceLevel)  # by rank - 1
FORMAT_WORDS = {
    MeetingFormat.VIDEO: "video calls",
    MeetingFormat.IN_PERSON: "meeting in person",
    MeetingFormat.CHAT: "chat",
}
CADENCE_WORDS = {
    Cadence.WEEKLY: "every week",
    Cadence.BIWEEKLY: "every two weeks",
    Cadence.MONTHLY: "once a month",
}
STEPS = {1: "one level", 2: "two levels", 3: "three levels", 4: "four levels", 5: "five levels"}


def explain(
    batch: MenteeBatch,
    rows: Sequence[int] | np.ndarray,
    pool: Pool,
    cols: Sequence[int] | np.ndarray,
    weights: Weights,
) -> list[tuple[str, ...]]:
    """Reasons for each listed (mentee row, mentor column) pair, strongest first."""
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    if not len(rows):
        return []
    parts, cosine = pair_parts(batch, rows, pool, cols)
    floor = weights.min_text_similarity
    quotes = _quotes(batch, rows, pool, cols, cosine >= floor, floor)
    # Per part, every pair's weighted share at once; per pair only the words are Python.
    shares = {
        name: (v.astype(np.float64) * weights_share(weights, name)).tolist()
        for name, v in parts.items()
    }
    overlaps = overlap_minutes(batch.offset[rows], pool.offset[cols]).tolist()
    out = []
    for p, (row, col) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        share = {name: values[p] for name, values in shares.items()}
        mentee, mentor = batch.people[row], pool.mentors[col]
        out.append(_reasons(mentee, mentor, share, *quotes[p], overlaps[p]))
    return out


def weights_share(weights: Weights, name: str) -> float:
    return getattr(weights, name) / weights.total


def _quotes(
    batch: MenteeBatch,
    rows: np.ndarray,
    pool: Pool,
    cols: np.ndarray,
    wanted: np.ndarray,
    floor: float,
) -> list[tuple[str, float]]:
    """For each wanted pair, the mentor's own sentence closest to the mentee's goals, if
    that sentence is itself similar enough (`floor`): a mentor's topic labels can make the
    texts similar while no sentence of theirs is, and a quote must not claim otherwise.

    One sparse row-wise product over every (pair, sentence), not one product per pair:
    a round quotes thousands of mentors.
    """
    quotes: list[tuple[str, float]] = [("", 0.0)] * len(rows)
    picks = np.flatnonzero(wanted)
    cached = pool.sentence_vectors(cols[picks])
    owner: list[int] = []
    vectors: list[Matrix] = []
    texts: list[str] = []
    for p in picks.tolist():
        found, encoded = cached[int(cols[p])]
        if found and encoded is not None:
            owner += [p] * len(found)
            vectors.append(encoded)
            texts += found
    if not owner:
        return quotes
    goals = batch.text[rows[owner]]
    if sp.issparse(vectors[0]):
        sims = np.asarray(sp.vstack(vectors).multiply(goals).sum(axis=1)).ravel()
    else:
        sims = np.einsum("ij,ij->i", np.vstack(vectors), goals)
    owners = np.asarray(owner)
    # Best sentence per pair: order by (pair, -similarity, position), first of each pair.
    order = np.lexsort((np.arange(len(owners)), -sims, owners))
    first = order[np.r_[True, owners[order][1:] != owners[order][:-1]]]
    for at in first.tolist():
        if sims[at] >= floor:
            quotes[owner[at]] = (shorten(texts[at], QUOTE_CHARS), float(sims[at]))
    return quotes


def _reasons(
    mentee: Candidate,
    mentor: Candidate,
    share: dict[str, float],
    quote: str,
    similarity: float,
    overlap: int,
) -> tuple[str, ...]:
    found: list[tuple[float, str]] = []

    shared = _shared_topics(mentee, mentor)
    if shared:
        found.append((share["topics"], f"You both care about {_join(shared)}"))
    if quote:
        strong = similarity >= STRONG_TEXT
        lead = "Their experience matches your goals" if strong else "Related to your goals"
        found.append((share["text"], f"{lead}: “{quote}”"))

    gap = mentor.experience - mentee.experience
    level = LEVELS[mentor.experience - 1]
    if gap > 0:
        text = f"They are at {level} level, {STEPS[gap]} ahead of you"
        found.append((share["experience"], text))
    elif gap == 0 and share["experience"] > 0:
        found.append((share["experience"], f"They are at your level ({level}): a peer's view"))

    if overlap > 0:
        apart = 8 * 60 - overlap
        if apart == 0:
            text = "Same time zone: your whole working day overlaps"
        else:
            verb = "overlaps" if overlap == 60 else "overlap"
            text = f"{_hours(apart, 'hour')} apart: {_hours(overlap, 'working hour')} {verb}"
        found.append((share["timezone"], text))

    same_format = mentee.meeting_format == mentor.meeting_format
    same_cadence = mentee.cadence == mentor.cadence
    if same_format or same_cadence:
        strength = share["meeting_format"] * same_format + share["cadence"] * same_cadence
        if same_format and same_cadence:
            text = f"Both prefer {FORMAT_WORDS[mentor.meeting_format]} {_cadence(mentor)}"
        elif same_format:
            text = f"Both prefer {FORMAT_WORDS[mentor.meeting_format]}"
        else:
            text = f"Both like to meet {_cadence(mentor)}"
        found.append((strength, text))

    if mentor.mentees_mentored > 0:
        n = mentor.mentees_mentored
        text = f"They have mentored {n} {'person' if n == 1 else 'people'} before"
        on_topic = _topic_record(mentor, shared)
        if on_topic:
            text += f", {on_topic[1]} on {on_topic[0]}"
        found.append((TRACK_RECORD_STRENGTH, text))

    # Strongest first; on equal strength keep the order above (stable sort).
    found.sort(key=lambda item: -item[0])
    kept = [text for strength, text in found if strength > 0][:MAX_REASONS]
    return tuple(shorten(text, MAX_CHARS) for text in kept)


def _shared_topics(mentee: Candidate, mentor: Candidate) -> list[str]:
    theirs = {topic_label(t) for t in mentor.topics}
    return sorted((t for t in mentee.topics if topic_label(t) in theirs), key=topic_label)


def _topic_record(mentor: Candidate, shared: list[str]) -> tuple[str, int] | None:
    """The shared topic this mentor has mentored most on, if any."""
    wanted = {topic_label(t): t for t in shared}
    best = [
        (n, wanted[topic_label(t)]) for t, n in mentor.topic_history if topic_label(t) in wanted
    ]
    best = [b for b in best if b[0] > 0]
    if not best:
        return None
    n, topic = max(best, key=lambda b: (b[0], topic_label(b[1])))
    return topic, n


def _join(items: list[str], most: int = 3) -> str:
    if len(items) > most:
        items = [*items[:most], f"{len(items) - most} more"]
    if len(items) == 1:
        return items[0]
    if any(" and " in item for item in items):  # "Interviewing and job search"
        return "; ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _hours(minutes: int, unit: str) -> str:
    hours = minutes / 60
    amount = f"{hours:.0f}" if hours == int(hours) else f"{hours:.1f}".rstrip("0")
    return f"{amount} {unit}" + ("" if hours == 1 else "s")


def _cadence(mentor: Candidate) -> str:
    return CADENCE_WORDS[mentor.cadence]
