"""Scores for blocks of (mentee, mentor) pairs: every part vectorised over a whole block.

Each part is in 0..1 and the score is their weighted mean (weights.py), so a score reads
the same in every program. The hard rules are masks next to the score, never folded into
it, so callers can tell *why* a pair is out (the unmatched reasons need that).

Scores are float32, computed element by element from the pair's own values, so a pair
scores the same whichever block it is computed in; `to_points` turns them into exact
integers for the solvers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bot.matching.pool import Columns, MenteeBatch, Pool
from bot.matching.weights import PART_NAMES, Weights

Mentors = Pool | Columns  # every mentor, or some columns of them

# Text cosine at which the text part is full: a short goal and a bio rarely agree more.
TEXT_FULL = 0.5
# Experience part by gap (mentor rank - mentee rank), index gap + 5: a mentor one to three
# levels ahead is best; a peer is some use; a junior "mentor" none; a huge gap a bit less.
EXPERIENCE_BY_GAP = np.array(
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.85, 1.0, 0.9, 0.7, 0.55], dtype=np.float32
)
WORKDAY_MINUTES = 8 * 60  # a 09:00-17:00 day in each person's own time zone
CAPACITY_FULL = 3  # free slots at which the capacity bonus is full
# Preference agreement, indexed by the enums' declaration order (pool.py).
FORMAT_AGREEMENT = np.array(  # video, in person, chat
    [[1.0, 0.5, 0.5], [0.5, 1.0, 0.0], [0.5, 0.0, 1.0]], dtype=np.float32
)
CADENCE_AGREEMENT = np.array(  # weekly, biweekly, monthly
    [[1.0, 0.5, 0.0], [0.5, 1.0, 0.5], [0.0, 0.5, 1.0]], dtype=np.float32
)
POINTS = 10_000  # integer points per unit of score: solvers work on exact integers

Rows = slice | np.ndarray


# --- the parts, on broadcastable arrays (mentee side first) -----------------------------


def topic_part(shared: np.ndarray, count_a: np.ndarray, count_b: np.ndarray) -> np.ndarray:
    """Ochiai overlap |A & B| / sqrt(|A| |B|): listing every topic does not win by default."""
    return np.asarray(shared, np.float32) * _inverse_root(count_a) * _inverse_root(count_b)


def _inverse_root(count: np.ndarray) -> np.ndarray:
    count = np.asarray(count, dtype=np.float32)
    root = np.sqrt(count)
    return np.divide(1, root, out=np.zeros_like(root), where=count > 0)


def text_part(cosine: np.ndarray) -> np.ndarray:
    return np.minimum(np.asarray(cosine, dtype=np.float32) / np.float32(TEXT_FULL), 1)


def experience_part(rank_a: np.ndarray, rank_b: np.ndarray) -> np.ndarray:
    gap = np.asarray(rank_b, dtype=np.int8) - np.asarray(rank_a, dtype=np.int8)
    return EXPERIENCE_BY_GAP[gap + 5]


def overlap_minutes(offset_a: np.ndarray, offset_b: np.ndarray) -> np.ndarray:
    """Shared minutes of two 09:00-17:00 local days, from UTC offsets in minutes."""
    apart = np.abs(np.asarray(offset_a, np.int32) - np.asarray(offset_b, np.int32)) % 1440
    apart = np.minimum(apart, 1440 - apart)  # 23 hours apart is 1 hour apart
    return np.maximum(WORKDAY_MINUTES - apart, 0)


def timezone_part(offset_a: np.ndarray, offset_b: np.ndarray) -> np.ndarray:
    return (overlap_minutes(offset_a, offset_b) / np.float32(WORKDAY_MINUTES)).astype(np.float32)


def capacity_part(capacity_left: np.ndarray) -> np.ndarray:
    return np.minimum(capacity_left, CAPACITY_FULL).astype(np.float32) / np.float32(CAPACITY_FULL)


def format_part(format_a: np.ndarray, format_b: np.ndarray) -> np.ndarray:
    return FORMAT_AGREEMENT[format_a, format_b]


def cadence_part(cadence_a: np.ndarray, cadence_b: np.ndarray) -> np.ndarray:
    return CADENCE_AGREEMENT[cadence_a, cadence_b]


# --- blocks -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Block:
    """Scores and rule masks for some mentee rows against every mentor."""

    score: np.ndarray  # float32 (rows, mentors), the weighted mean of the parts
    related: np.ndarray  # bool: a shared topic or enough text similarity
    relevant: np.ndarray  # bool: related and the score clears `min_score`
    same_person: np.ndarray  # bool
    reporting_line: np.ndarray  # bool: one manages the other
    same_team: np.ndarray  # bool: both name the same team
    repeat: np.ndarray  # bool: they had a mentorship before

    @property
    def forbidden(self) -> np.ndarray:
        """Pairs never proposed whatever the mentor's capacity (repeats aside)."""
        return self.same_person | self.reporting_line | self.same_team


def text_cosine(
    batch: MenteeBatch, rows: Rows, pool: Mentors, text_t: TextT | None = None
) -> np.ndarray:
    """Text cosines of `rows` x mentors; `text_t` is the mentors' text (dense_text_t)."""
    product = batch.text[rows] @ (pool.text_t if text_t is None else text_t)
    dense = product.toarray() if sp.issparse(product) else np.asarray(product)
    return dense.astype(np.float32, copy=False)


TextT = sp.csr_matrix | np.ndarray
# Above this many bytes the mentors' text stays sparse for a round.
DENSE_TEXT_BYTES = 1 << 30


def dense_text_t(pool: Pool) -> TextT:
    """The mentors' text vectors as a dense (features x mentors) array, for a round.

    Mentee blocks against every mentor are ~80% non-zero, so a sparse x dense product
    (no output index to build) is about twice as fast as sparse x sparse, and gives the
    very same float32 sums: both add a_ik * b_kj over the mentee's features in order.
    Made per round and let go after it: a pool held for searches stays sparse.
    """
    text_t = pool.text_t
    if not sp.issparse(text_t) or text_t.shape[0] * text_t.shape[1] * 4 > DENSE_TEXT_BYTES:
        return text_t
    return np.ascontiguousarray(text_t.toarray(), dtype=np.float32)


def shared_topics(batch: MenteeBatch, rows: Rows, pool: Mentors) -> np.ndarray:
    # 0/1 matrices: the float32 product is an exact count.
    return batch.topics[rows] @ pool.topics.T


def _profile_score(batch: MenteeBatch, rows: Rows, pool: Mentors, weights: Weights) -> np.ndarray:
    """Weighted experience + time zone + format + cadence for `rows` x all mentors.

    These depend only on a few small codes, so they are computed once per distinct
    (mentee profile, mentor profile) and gathered: far cheaper than per pair.
    """
    table, inverse = profile_table(batch, rows, pool, weights)
    return table[inverse][:, pool.profile_of]


def profile_table(
    batch: MenteeBatch, rows: Rows, pool: Mentors, weights: Weights
) -> tuple[np.ndarray, np.ndarray]:
    """The weighted profile parts per (distinct mentee profile, mentor profile), float32,
    and each row's mentee profile: `table[inverse[i], pool.profile_of[j]]` is pair (i, j)'s."""
    mentee = np.stack(
        [batch.rank[rows], batch.offset[rows], batch.format[rows], batch.cadence[rows]], axis=1
    ).astype(np.int32)
    profiles, inverse = np.unique(mentee, axis=0, return_inverse=True)
    a = profiles[:, None, :]
    b = pool.profiles[None, :, :]
    table = np.zeros((len(profiles), len(pool.profiles)), dtype=np.float32)
    for name, part in (
        ("experience", lambda: experience_part(a[..., 0], b[..., 0])),
        ("timezone", lambda: timezone_part(a[..., 1], b[..., 1])),
        ("meeting_format", lambda: format_part(a[..., 2], b[..., 2])),
        ("cadence", lambda: cadence_part(a[..., 3], b[..., 3])),
    ):
        weight = getattr(weights, name)
        if weight:
            table += part() * np.float32(weight / weights.total)
    return table, inverse.ravel()


def score_and_related(
    batch: MenteeBatch, rows: Rows, pool: Mentors, weights: Weights, text_t: TextT | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The float32 score of `rows` x mentors, and whether each pair is related at all
    (a shared topic or enough text similarity), worked in place on few temporaries."""
    # Topics and text are always computed: relevance is judged on them even at weight 0.
    shared = shared_topics(batch, rows, pool)
    text_cos = text_cosine(batch, rows, pool, text_t)
    related = shared > 0
    related |= text_cos >= np.float32(weights.min_text_similarity)
    score = _profile_score(batch, rows, pool, weights)
    # The same operations, in the same order, as topic_part / text_part (so pair_parts
    # explains the very numbers scored), but in place on the block's own arrays.
    if weights.topics:
        shared *= _inverse_root(batch.topic_count[rows])[:, None]
        shared *= _inverse_root(pool.topic_count)[None, :]
        shared *= np.float32(weights.topics / weights.total)
        score += shared
    if weights.text:
        text_cos /= np.float32(TEXT_FULL)
        np.minimum(text_cos, 1, out=text_cos)
        text_cos *= np.float32(weights.text / weights.total)
        score += text_cos
    if weights.capacity:
        bonus = capacity_part(pool.capacity_left) * np.float32(weights.capacity / weights.total)
        score += bonus[None, :]
    return score, related


def score_block(
    batch: MenteeBatch,
    rows: Rows,
    pool: Mentors,
    weights: Weights,
    history: sp.csr_matrix | None = None,
) -> Block:
    """Score `rows` of the batch against every mentor; `history` marks past pairs."""
    score, related = score_and_related(batch, rows, pool, weights)
    relevant = related & (score >= np.float32(weights.min_score))
    team = batch.team[rows, None]
    n, m = score.shape

    def mask(pairs: sp.csr_matrix | None) -> np.ndarray:
        if pairs is None:
            return np.zeros((n, m), dtype=bool)
        picked = pairs[rows]
        return (picked if pool.cols is None else picked[:, pool.cols]).toarray()

    return Block(
        score=score,
        related=related,
        relevant=relevant,
        same_person=mask(batch.same_person),
        reporting_line=mask(batch.reporting_line),
        same_team=(team == pool.team[None, :]) & (team >= 0),
        repeat=mask(history),
    )


def pair_parts(
    batch: MenteeBatch, rows: np.ndarray, pool: Pool, cols: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every part of the listed pairs' scores (for explaining them), and their text cosine.

    Vectorised over a list of (row, col) pairs: a round explains thousands at once.
    """
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    shared = np.einsum("ij,ij->i", batch.topics[rows], pool.topics[cols])
    a, b = batch.text[rows], pool.text[cols]
    if sp.issparse(a):
        cosine = np.asarray(a.multiply(b).sum(axis=1), dtype=np.float32).ravel()
    else:
        cosine = np.einsum("ij,ij->i", a, b).astype(np.float32)
    values = {
        "topics": topic_part(shared, batch.topic_count[rows], pool.topic_count[cols]),
        "text": text_part(cosine),
        "experience": experience_part(batch.rank[rows], pool.rank[cols]),
        "timezone": timezone_part(batch.offset[rows], pool.offset[cols]),
        "capacity": capacity_part(pool.capacity_left[cols]),
        "meeting_format": format_part(batch.format[rows], pool.format[cols]),
        "cadence": cadence_part(batch.cadence[rows], pool.cadence[cols]),
    }
    return {name: values[name] for name in PART_NAMES}, cosine


def to_points(score: np.ndarray) -> np.ndarray:
    """Scores as exact integers (x POINTS): min-cost flow and totals compare exactly."""
    return np.rint(np.asarray(score, dtype=np.float64) * POINTS).astype(np.int64)


def history_matrix(
    history: set[tuple[int, int]] | frozenset[tuple[int, int]] | None,
    batch: MenteeBatch,
    pool: Pool,
) -> sp.csr_matrix:
    """Past (mentee_key, mentor_key) pairs as a sparse bool matrix in batch x pool rows."""
    row_of = {int(k): i for i, k in enumerate(batch.keys)}
    pairs = [
        (row_of[a], pool.index[b]) for a, b in history or () if a in row_of and b in pool.index
    ]
    rows = np.array([p[0] for p in pairs], dtype=np.int64)
    cols = np.array([p[1] for p in pairs], dtype=np.int64)
    shape = (len(batch), len(pool))
    return sp.csr_matrix((np.ones(len(pairs), bool), (rows, cols)), shape=shape)
