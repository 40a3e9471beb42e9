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
from bot.matching.pool import CADENCES, FORMATS, MenteeBatch, Pool, topic_label
from bot.matching.scoring import overlap_minutes, pair_parts
from bot.matching.text import shorten
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
    """Reasons for each listed (mentee row, mentor column) pair, strongest first.

    Which reasons a pair gets, and their order, is worked out for every pair at once
    (one strength per kind of reason, ranked in numpy); each text depends on a few
    values (a level and a gap, minutes of overlap, two preference codes, two topic
    sets), so it is written once per distinct value and looked up for the rest.
    """
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    if not len(rows):
        return []
    parts, cosine = pair_parts(batch, rows, pool, cols)
    floor = weights.min_text_similarity
    quotes = _quotes(batch, rows, pool, cols, cosine >= floor, floor)
    share = {name: v.astype(np.float64) * weights_share(weights, name) for name, v in parts.items()}
    overlap = overlap_minutes(batch.offset[rows], pool.offset[cols])
    mentor_rank = pool.rank[cols].astype(np.int64)
    gap = mentor_rank - batch.rank[rows].astype(np.int64)
    same_format = batch.format[rows] == pool.format[cols]
    same_cadence = batch.cadence[rows] == pool.cadence[cols]
    mentors = [pool.mentors[c] for c in cols.tolist()]
    topics = _SharedTopics()
    shared = [topics.of(batch.people[r], m) for r, m in zip(rows.tolist(), mentors, strict=True)]

    # Each kind of reason's strength, kinds in the order they keep on equal strength
    # (the sort is stable); -inf where the reason does not apply. Shown when > 0.
    never = -np.inf
    level = (gap > 0) | ((gap == 0) & (share["experience"] > 0))  # ahead, or a useful peer
    kinds = np.stack(
        [
            np.where([s is not None for s in shared], share["topics"], never),
            np.where([bool(q) for q, _ in quotes], share["text"], never),
            np.where(level, share["experience"], never),
            np.where(overlap > 0, share["timezone"], never),
            np.where(
                same_format | same_cadence,
                share["meeting_format"] * same_format + share["cadence"] * same_cadence,
                never,
            ),
            np.where([m.mentees_mentored > 0 for m in mentors], TRACK_RECORD_STRENGTH, never),
        ],
        axis=1,
    )
    kinds[~(kinds > 0)] = never
    order = np.argsort(-kinds, axis=1, kind="stable")[:, :MAX_REASONS]
    counts = (np.take_along_axis(kinds, order, axis=1) > never).sum(axis=1)

    # Texts by code: a level and a gap, minutes of overlap, the mentor's format and
    # cadence with what agrees; each distinct code written once.
    level_code = mentor_rank * 16 + gap + 8
    mentor_habit = pool.format[cols].astype(np.int64) * 4 + pool.cadence[cols]
    habit_code = (mentor_habit * 2 + same_format) * 2 + same_cadence
    levels = {c: _level_words(c // 16, c % 16 - 8) for c in np.unique(level_code[level]).tolist()}
    hours = {m: _overlap_words(m) for m in np.unique(overlap[overlap > 0]).tolist()}
    habits = {c: _habit_words(c) for c in np.unique(habit_code).tolist()}
    records: dict[int, str] = {}
    strong_quotes: dict[str, str] = {}
    related_quotes: dict[str, str] = {}
    level_, hours_, habit_ = level_code.tolist(), overlap.tolist(), habit_code.tolist()
    out = []
    for p, (kept, count) in enumerate(zip(order.tolist(), counts.tolist(), strict=True)):
        found = []
        for kind in kept[:count]:
            if kind == 0:
                found.append(shared[p][0])  # type: ignore[index]
            elif kind == 1:
                quote, similarity = quotes[p]
                strong = similarity >= STRONG_TEXT
                said = strong_quotes if strong else related_quotes
                text = said.get(quote)
                if text is None:
                    text = said[quote] = _quote_words(quote, strong)
                found.append(text)
            elif kind == 2:
                found.append(levels[level_[p]])
            elif kind == 3:
                found.append(hours[hours_[p]])
            elif kind == 4:
                found.append(habits[habit_[p]])
            else:
                mentor = mentors[p]
                if mentor.topic_history:  # rare: only then does the text depend on the pair
                    found.append(_record_words(mentor, shared[p]))
                else:
                    text = records.get(mentor.mentees_mentored)
                    if text is None:
                        text = records[mentor.mentees_mentored] = _record_words(mentor, None)
                    found.append(text)
        out.append(tuple(found))
    return out


# Reasons worked out ahead, by pair (mentee row * mentors + mentor column).
Explained = dict[int, tuple[str, ...]]


def explain_known(
    batch: MenteeBatch, assigned: np.ndarray, pool: Pool, weights: Weights, known: Explained
) -> list[tuple[str, ...]]:
    """The reasons of each assigned pair (matched rows ascending), those not in `known`
    worked out and added to it. A pair's reasons depend on that pair alone."""
    matched = np.flatnonzero(assigned >= 0)
    cols = assigned[matched]
    keys = (matched * len(pool) + cols).tolist()
    missing = np.array([p for p, key in enumerate(keys) if key not in known], dtype=np.int64)
    if len(missing):
        fresh = explain(batch, matched[missing], pool, cols[missing], weights)
        known.update(zip([keys[p] for p in missing.tolist()], fresh, strict=True))
    return [known[key] for key in keys]


def weights_share(weights: Weights, name: str) -> float:
    return getattr(weights, name) / weights.total


Shared = tuple[str, list[str]]  # the reason's text; the topics as the mentee wrote them


class _SharedTopics:
    """The topics a pair shares, worked out once per pair of topic sets."""

    def __init__(self) -> None:
        self.seen: dict[tuple[frozenset[str], frozenset[str]], Shared | None] = {}
        self.plain: dict[frozenset[str], bool] = {}

    def of(self, mentee: Candidate, mentor: Candidate) -> Shared | None:
        topics = mentee.topics
        plain = self.plain.get(topics)
        if plain is None:
            # Two spellings of one label ("NLP", "nlp "): which one shows depends on the
            # set's own order, so such a mentee's pairs are not shared with equal sets.
            plain = self.plain[topics] = len({topic_label(t) for t in topics}) == len(topics)
        if not plain:
            return _shared(mentee, mentor)
        key = (topics, mentor.topics)
        found = self.seen.get(key, self)
        if found is self:
            found = self.seen[key] = _shared(mentee, mentor)
        return found  # type: ignore[return-value]


def _shared(mentee: Candidate, mentor: Candidate) -> Shared | None:
    shared = _shared_topics(mentee, mentor)
    if not shared:
        return None
    return shorten(f"You both care about {_join(shared)}", MAX_CHARS), shared


def _quote_words(quote: str, strong: bool) -> str:
    lead = "Their experience matches your goals" if strong else "Related to your goals"
    return shorten(f"{lead}: “{quote}”", MAX_CHARS)


def _level_words(mentor_rank: int, gap: int) -> str:
    level = LEVELS[mentor_rank - 1]
    if gap > 0:
        return shorten(f"They are at {level} level, {STEPS[gap]} ahead of you", MAX_CHARS)
    return shorten(f"They are at your level ({level}): a peer's view", MAX_CHARS)


def _overlap_words(overlap: int) -> str:
    apart = 8 * 60 - overlap
    if apart == 0:
        return shorten("Same time zone: your whole working day overlaps", MAX_CHARS)
    verb = "overlaps" if overlap == 60 else "overlap"
    return shorten(
        f"{_hours(apart, 'hour')} apart: {_hours(overlap, 'working hour')} {verb}", MAX_CHARS
    )


def _habit_words(code: int) -> str:
    """`code` as explain() packs it: ((format * 4 + cadence) * 2 + same format) * 2 +
    same cadence, the mentor's format and cadence codes."""
    rest, same_cadence = divmod(code, 2)
    rest, same_format = divmod(rest, 2)
    format_, cadence = divmod(rest, 4)
    how, when = FORMAT_WORDS[FORMATS[format_]], CADENCE_WORDS[CADENCES[cadence]]
    if same_format and same_cadence:
        return shorten(f"Both prefer {how} {when}", MAX_CHARS)
    if same_format:
        return shorten(f"Both prefer {how}", MAX_CHARS)
    return shorten(f"Both like to meet {when}", MAX_CHARS)


def _record_words(mentor: Candidate, shared: Shared | None) -> str:
    n = mentor.mentees_mentored
    text = f"They have mentored {n} {'person' if n == 1 else 'people'} before"
    on_topic = _topic_record(mentor, shared[1] if shared else [])
    if on_topic:
        text += f", {on_topic[1]} on {on_topic[0]}"
    return shorten(text, MAX_CHARS)


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
    of_pick, texts, vectors = pool.sentence_vectors(cols[picks])
    if not len(texts):
        return quotes
    owners = picks[of_pick]
    goals = batch.text[rows[owners]]
    if sp.issparse(vectors):
        sims = np.asarray(vectors.multiply(goals).sum(axis=1)).ravel()
    else:
        sims = np.einsum("ij,ij->i", vectors, goals)
    # Best sentence per pair: order by (pair, -similarity, position), first of each pair.
    order = np.lexsort((np.arange(len(owners)), -sims, owners))
    first = order[np.r_[True, owners[order][1:] != owners[order][:-1]]]
    for at in first.tolist():
        if sims[at] >= floor:
            quotes[int(owners[at])] = (shorten(texts[at], QUOTE_CHARS), float(sims[at]))
    return quotes


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
