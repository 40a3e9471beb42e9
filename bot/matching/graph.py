"""The sparse candidate graph a round is solved on, and the reserve that certifies it.

A dense 20,000 x 5,000 score matrix is 400 MB in float32 before any temporaries, so the
scores are computed in blocks of mentee rows (two threads: numpy and scipy's sparse
product release the GIL) and only a few pairs per row and per column are kept:

- the graph: each mentee's k best acceptable mentors and each mentor's k best mentees
  (the mentor side matters when mentors are scarce: their prices are set by the mentees
  competing for them);
- the reserve: the next best pairs on both sides (down to RESERVE_FACTOR x k), with their
  exact points, not given to the solver but checked against the duals (certify.py);
- bounds: per row and per column, the best points of any pair in neither.

A block is scored as float32 with unacceptable pairs at -1 (block_scores), and points
only grow with the score, so each row's and each column's (RESERVE_FACTOR x k + 1)-th
best score is found by one partition and exact integer points are made only for the
pairs at or above it: whatever is below has no more points than anything kept, which is
all the bounds need. Ties are broken by points, then the lower index, for determinism.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

from bot.matching.pool import MenteeBatch, Pool
from bot.matching.scoring import (
    POINTS,
    TEXT_FULL,
    Block,
    Mentors,
    TextT,
    _inverse_root,
    capacity_part,
    dense_text_t,
    profile_table,
    score_and_related,
    to_points,
)
from bot.matching.weights import Weights

BLOCK_ROWS = 1024  # ~20 MB per float32 array at 5,000 mentors
# build_graph's blocks: about this many pairs each (~24 MB per float32 array), so memory
# stays flat from 5,000 to 25,000 mentors and beyond.
BLOCK_CELLS = 6_000_000
MIN_BLOCK_ROWS, MAX_BLOCK_ROWS = 64, 4096
THREADS = min(2, os.cpu_count() or 1)
# The reserve goes down to RESERVE_FACTOR x k on each side. A deeper reserve proves more
# pairs without rescoring them but costs the scoring pass more to keep: 3 against 4, with
# k = 24, took 2.38 s against 2.88 s at 20,000 x 5,000 and 36.5 s against 38.9 s at
# 100,000 x 25,000 (bench/matching.py's data; the same rounds, certified).
RESERVE_FACTOR = 3
# Rounds of at least this many pairs use the compiled kernel: below it numpy takes well
# under a second, less than loading numba into a process that has not yet (~1-3 s).
COMPILED_MIN_PAIRS = 2_000_000
# A feature (a word, a topic) held by at least 1/DENSE_SHARE of the mentors is added up
# as a dense row in the kernel, up to DENSE_BYTES of such rows.
DENSE_SHARE = 16
DENSE_BYTES = 256 << 20
KERNEL_CHUNK_ROWS = 256  # the least a thread takes of the kernel's rows at a time

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Edges:
    """Candidate pairs with their points (score x POINTS, > 0)."""

    rows: np.ndarray  # int64 mentee row
    cols: np.ndarray  # int64 mentor column
    points: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.rows)

    @staticmethod
    def concat(parts: list[Edges]) -> Edges:
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return Edges(empty, empty, empty)
        return Edges(
            np.concatenate([p.rows for p in parts]),
            np.concatenate([p.cols for p in parts]),
            np.concatenate([p.points for p in parts]),
        )

    def select(self, mask: np.ndarray) -> Edges:
        return Edges(self.rows[mask], self.cols[mask], self.points[mask])


class Timer:
    """Seconds per step of a round, added from any thread."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, step: str, seconds: float) -> None:
        with self._lock:
            self.seconds[step] = self.seconds.get(step, 0.0) + seconds


@dataclass(frozen=True, eq=False)
class CandidateGraph:
    edges: Edges  # what the solver sees
    reserve: Edges  # the next best pairs, checked against the duals, not solved on
    dropped_row: np.ndarray  # int64 per mentee: best points of a pair in neither
    dropped_col: np.ndarray  # int64 per mentor: the same, per mentor
    k: int
    # The compiled pass's inputs (kernel_arguments), which the certificate's rescoring
    # takes too; None after the numpy pass.
    kernel_args: tuple[object, ...] | None = None


def acceptable_points(block: Block, pool: Mentors, allow_repeats: bool) -> np.ndarray:
    """Points of every pair, -1 where the pair may not be proposed (rules, floors, full)."""
    ok = block.relevant & ~block.forbidden & pool.available[None, :]
    if not allow_repeats:
        ok &= ~block.repeat
    points = to_points(block.score)
    points[~ok] = -1
    points[points == 0] = -1  # a pair worth nothing is no match
    return points


def block_scores(
    batch: MenteeBatch,
    rows: slice | np.ndarray,
    pool: Mentors,
    weights: Weights,
    history: sp.csr_matrix | None,
    allow_repeats: bool,
    text_t: TextT | None = None,
) -> np.ndarray:
    """float32 scores of `rows` x mentors, -1 where the pair may not be proposed (rules,
    floors, full), without dense masks: the rare pairs the sparse rules forbid are struck
    out by their coordinates. Points are `to_points` of these (see block_points)."""
    score, related = score_and_related(batch, rows, pool, weights, text_t)
    bad = np.logical_not(related, out=related)
    bad |= score < np.float32(weights.min_score)
    team = batch.team[rows]
    same_team = team[:, None] == pool.team[None, :]
    same_team &= (team >= 0)[:, None]
    bad |= same_team
    bad |= ~pool.available[None, :]
    np.putmask(score, bad, -1)
    sparse_rules = [batch.same_person, batch.reporting_line]
    if not allow_repeats and history is not None:
        sparse_rules.append(history)
    for pairs in sparse_rules:
        picked = pairs[rows]
        if pool.cols is not None:
            picked = picked[:, pool.cols]
        r, c = picked.nonzero()
        score[r, c] = -1
    return score


def block_points(
    batch: MenteeBatch,
    rows: slice | np.ndarray,
    pool: Mentors,
    weights: Weights,
    history: sp.csr_matrix | None,
    allow_repeats: bool,
) -> np.ndarray:
    """`acceptable_points(score_block(...))`, as int32, through `block_scores`."""
    points = _points(block_scores(batch, rows, pool, weights, history, allow_repeats))
    np.putmask(points, points <= 0, -1)  # a pair worth nothing is no match
    return points.astype(np.int32)


def _points(score: np.ndarray) -> np.ndarray:
    # to_points, in place: the float32 score times POINTS is exact in float64.
    wide = score.astype(np.float64)
    wide *= POINTS
    np.rint(wide, out=wide)
    return wide.astype(np.int64)


def blocks(n: int, size: int = BLOCK_ROWS) -> list[slice]:
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def block_rows(m: int) -> int:
    """Mentee rows per scoring block: about BLOCK_CELLS pairs, whatever the pool size."""
    return max(MIN_BLOCK_ROWS, min(MAX_BLOCK_ROWS, BLOCK_CELLS // max(m, 1)))


def map_blocks(work: Callable[[slice], T], n: int, size: int = BLOCK_ROWS) -> Iterator[T]:
    """`work` over row blocks, results in block order (deterministic whatever the threads)."""
    chunks = blocks(n, size)
    if THREADS == 1 or len(chunks) <= 1:
        yield from map(work, chunks)
        return
    with ThreadPoolExecutor(THREADS) as executor:
        yield from executor.map(work, chunks)


def on_each_thread(work: Callable[[], T]) -> list[T]:
    """`work` run once on each of THREADS threads (work that shares its input itself)."""
    if THREADS == 1:
        return [work()]
    with ThreadPoolExecutor(THREADS) as executor:
        return list(executor.map(lambda _: work(), range(THREADS)))


def build_graph(
    batch: MenteeBatch,
    pool: Pool,
    weights: Weights,
    *,
    k: int,
    history: sp.csr_matrix | None,
    allow_repeats: bool,
    timer: Timer | None = None,
    compiled: bool | None = None,
) -> CandidateGraph:
    """The candidate graph, the reserve and the bounds, in one scoring pass over all pairs.

    The pass is the compiled kernel (kernel.py) when the text vectors are sparse (the
    TF-IDF model) and numba is installed, numpy blocks otherwise: the same points, the
    same graph. `timer`, if given, is credited with the time spent scoring (and, in the
    kernel, keeping the best pairs as it goes) and building the graph. `compiled`
    forces one pass or the other (None: the kernel for COMPILED_MIN_PAIRS or more).
    """
    n, m = len(batch), len(pool)
    deep = RESERVE_FACTOR * k
    if compiled is None:
        compiled = n * m >= COMPILED_MIN_PAIRS and compiled_scoring(batch, pool)
    scope = Scope(batch, pool, weights, history, allow_repeats)
    by_row, dropped_row, merged, args = (_kernel_pass if m and n and compiled else _numpy_pass)(
        scope, deep, timer
    )
    started = time.perf_counter()
    by_col, rank_in_col, dropped_col = _column_edges(merged, n, m, deep)
    kept = _kept_compiled if m and n and compiled else _kept
    edges, reserve = kept(by_row, by_col, rank_in_col, n, m, k)
    graph = CandidateGraph(
        edges=edges,
        reserve=reserve,
        dropped_row=dropped_row,
        dropped_col=dropped_col,
        k=min(k, m),
        kernel_args=args,
    )
    if timer is not None:
        timer.add("candidates", time.perf_counter() - started)
    return graph


def _kept(
    by_row: Edges, by_col: Edges, rank_in_col: np.ndarray, n: int, m: int, k: int
) -> tuple[Edges, Edges]:
    """The graph and the reserve: every pair kept by its row or its column, once,
    ordered by row then column, in the graph when its row or its column ranks it among
    the k best (by_row comes grouped by row, best first)."""
    rank_in_row = _rank_within(by_row.rows)
    # One sort of every kept pair: a pair is in the graph when its row or its column
    # ranks it among the k best, in the reserve otherwise.
    everything = Edges.concat([by_row, by_col])
    ids = everything.rows * m + everything.cols
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    first = np.r_[True, ids[1:] != ids[:-1]] if len(ids) else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    in_graph = np.concatenate([rank_in_row < k, rank_in_col < k])[order]
    in_graph = np.logical_or.reduceat(in_graph, starts) if len(ids) else in_graph
    everything = everything.select(order[starts])
    return everything.select(in_graph), everything.select(~in_graph)


def _kept_compiled(
    by_row: Edges, by_col: Edges, rank_in_col: np.ndarray, n: int, m: int, k: int
) -> tuple[Edges, Edges]:
    """_kept in compiled loops (kept.py): the same pairs, order and split."""
    from bot.matching.kept import kept_pairs

    graph, reserve = kept_pairs(
        (by_row.rows, by_row.cols, by_row.points),
        _rank_within(by_row.rows),
        (by_col.rows, by_col.cols, by_col.points),
        rank_in_col.astype(np.int64),
        n,
        m,
        k,
    )
    return Edges(*graph), Edges(*reserve)


def compiled_scoring(batch: MenteeBatch, pool: Mentors) -> bool:
    """Whether the round can use the compiled kernel: numba is installed and both sides'
    text is sparse (a dense text model's products are BLAS sums, in another order)."""
    if not (sp.issparse(batch.text) and sp.issparse(pool.text_t)):
        return False
    try:
        import bot.matching.kernel  # noqa: F401
    except ImportError:
        return False
    return True


# Row edges, dropped per row, column keys, and the kernel's arguments (None: numpy's pass).
Pass = tuple[Edges, np.ndarray, np.ndarray, tuple[object, ...] | None]


@dataclass(frozen=True, eq=False)
class Scope:
    """What a scoring pass scores: these mentees against this pool, under these rules."""

    batch: MenteeBatch
    pool: Pool
    weights: Weights
    history: sp.csr_matrix | None
    allow_repeats: bool


def _kernel_pass(scope: Scope, deep: int, timer: Timer | None) -> Pass:
    from bot.matching.kernel import SLACK, select_rows

    started = time.perf_counter()
    batch, pool = scope.batch, scope.pool
    n, m = len(batch), len(pool)
    args = kernel_arguments(batch, pool, scope.weights, scope.history, scope.allow_repeats)
    row_cols = np.zeros((n, deep), dtype=np.int64)
    row_points = np.zeros((n, deep), dtype=np.int64)
    row_count = np.zeros(n, dtype=np.int64)
    dropped = np.zeros(n, dtype=np.int64)
    keep_col = deep + 1

    # Mentees with the same goals have the same text vector: scored next to each other,
    # their cosines are added up once (templates and empty goals repeat).
    _, text_id = np.unique(np.asarray(batch.goals, dtype=object), return_inverse=True)
    text_id = text_id.ravel().astype(np.int64)
    order = np.argsort(text_id, kind="stable")

    # Rows differ in cost (a run of same goals gathers its cosines once), so a thread
    # takes the next chunk of rows when it is done with one rather than half of them.
    chunks = iter(blocks(n, max(KERNEL_CHUNK_ROWS, -(-n // (8 * THREADS)))))
    claim = threading.Lock()

    def work() -> np.ndarray:
        # This thread's column buffers: each column's best keys of the rows it scored,
        # merged exactly below whichever thread took which chunk.
        keys = np.full((m, SLACK * keep_col), -1, dtype=np.int64)
        count = np.zeros(m, dtype=np.int64)
        floor = np.full(m, -1, dtype=np.int64)
        rows_out = (row_cols, row_points, row_count, dropped)
        cols_out = (keys, count, floor)
        while True:
            with claim:
                rows = next(chunks, None)
            if rows is None:
                break
            select_rows(order[rows], text_id, n, *args, deep, keep_col, rows_out, cols_out)
        keys[np.arange(keys.shape[1])[None, :] >= count[:, None]] = -1
        return keys

    columns = np.concatenate(on_each_thread(work), axis=1)
    merged = -np.sort(-columns, axis=1)[:, :keep_col]
    kept = np.arange(deep)[None, :] < row_count[:, None]
    rows = np.nonzero(kept)[0]
    by_row = Edges(rows, row_cols[kept], row_points[kept])
    if timer is not None:
        timer.add("scoring", time.perf_counter() - started)
    return by_row, dropped, merged, args


def kernel_arguments(
    batch: MenteeBatch,
    pool: Pool,
    weights: Weights,
    history: sp.csr_matrix | None,
    allow_repeats: bool,
) -> tuple[object, ...]:
    """select_rows' inputs from the batch and pool: CSR arrays, tables and factors."""
    text = sp.csr_matrix(batch.text, dtype=np.float32)
    inverted = sp.csr_matrix(pool.text_t, dtype=np.float32)
    topics = sp.csr_matrix(batch.topics)
    by_topic = sp.csr_matrix(pool.topics.T)
    table, profile_mentee = profile_table(batch, slice(None), pool, weights)
    banned = batch.same_person + batch.reporting_line
    if not allow_repeats and history is not None:
        banned = banned + history
    banned = sp.csr_matrix(banned, dtype=bool)
    banned.sort_indices()
    share = np.float32
    bonus = capacity_part(pool.capacity_left) * share(weights.capacity / weights.total)
    factors = np.array(
        [
            share(weights.topics / weights.total),
            share(weights.text / weights.total),
            TEXT_FULL,
            weights.min_text_similarity,
            weights.min_score,
            1,
        ],
        dtype=np.float32,
    )
    use = np.array([bool(weights.topics), bool(weights.text), bool(weights.capacity)])
    wide, narrow = np.int64, np.int32  # offsets, and indices (half the bytes to stream)

    def csr(matrix: sp.csr_matrix, values: bool = True) -> tuple[np.ndarray, ...]:
        arrays = (matrix.indptr.astype(wide), matrix.indices.astype(narrow))
        return (*arrays, matrix.data) if values else arrays

    scoring = (
        _inverse_root(batch.topic_count), _inverse_root(pool.topic_count),
        profile_mentee.astype(narrow), pool.profile_of.astype(narrow),
        np.ascontiguousarray(table, dtype=np.float32), bonus.astype(np.float32),
        batch.team.astype(narrow), pool.team.astype(narrow), pool.available.astype(bool),
        factors, use,
    )  # fmt: skip
    return (
        csr(text), inverted_lists(inverted), csr(topics, False), inverted_lists(by_topic),
        scoring, csr(banned, False),
    )  # fmt: skip


def inverted_lists(by_feature: sp.csr_matrix) -> tuple[np.ndarray, ...]:
    """kernel._gather's view of a features x mentors matrix: its CSR arrays, and a dense
    row for each feature held by at least 1/DENSE_SHARE of the mentors (the longest
    lists first, at most DENSE_BYTES of them), which the kernel adds as a whole row."""
    by_feature = sp.csr_matrix(by_feature, dtype=np.float32)
    features, m = by_feature.shape
    lengths = np.diff(by_feature.indptr)
    longest = np.argsort(-lengths, kind="stable")
    fits = DENSE_BYTES // max(4 * m, 1)
    dense_features = np.sort(longest[:fits][lengths[longest[:fits]] * DENSE_SHARE >= max(m, 1)])
    dense_of = np.full(features, -1, dtype=np.int64)
    dense_of[dense_features] = np.arange(len(dense_features))
    dense = by_feature[dense_features].toarray() if len(dense_features) else None
    return (
        by_feature.indptr.astype(np.int64),
        by_feature.indices.astype(np.int32),
        by_feature.data,
        dense_of,
        dense if dense is not None else np.zeros((0, m), dtype=np.float32),
    )


def _numpy_pass(scope: Scope, deep: int, timer: Timer | None) -> Pass:
    """Blocks of rows scored in numpy; each row's and column's best pairs kept."""
    batch, pool, weights, history = scope.batch, scope.pool, scope.weights, scope.history
    allow_repeats = scope.allow_repeats
    n, m = len(batch), len(pool)
    key_type = _key_type(n, m)
    text_t = dense_text_t(pool)

    # Each mentor's deep + 1 best keys so far (-1 padded, best first), and the score a
    # pair must reach to join them: blocks after the first are checked against that
    # floor with one comparison, and only the few pairs above it are kept and merged.
    merged = np.full((m, deep + 1), -1, dtype=key_type)
    floor: list[np.ndarray | None] = [None]  # read by the threads, replaced whole

    def work(rows: slice) -> tuple[Edges, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        started = time.perf_counter()
        score = block_scores(batch, rows, pool, weights, history, allow_repeats, text_t)
        scored = time.perf_counter()
        best, dropped = top_per_row(score, rows.start, deep)
        top = column_candidates(score, rows.start, n, deep + 1, floor[0])
        if timer is not None:
            timer.add("scoring", scored - started)
            timer.add("candidates", time.perf_counter() - scored)
        return best, dropped, top

    row_best, dropped_row = [], []
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    waiting = 0
    for best, dropped, top in map_blocks(work, n, block_rows(m)) if m else ():
        row_best.append(best)
        dropped_row.append(dropped)
        pending.append(top)
        waiting += len(top[0])
        if floor[0] is None or waiting > merged.size:
            merged = _merge_columns(merged, pending, n)
            floor[0] = _column_floor(merged, n)
            pending, waiting = [], 0
    merged = _merge_columns(merged, pending, n)
    dropped_all = np.concatenate(dropped_row) if dropped_row else np.zeros(n, np.int64)
    return Edges.concat(row_best), dropped_all, merged, None


def _key_type(n: int, m: int) -> type[np.integer]:
    # Column keys are points * n + tie-break: int32 while they fit (half the bytes to
    # merge), int64 beyond ~200,000 mentees.
    return np.int32 if (POINTS + 1) * (n + 1) < 2**31 else np.int64


# The smallest positive float32: a threshold at or below 0 lets only acceptable pairs in.
_TINY = np.nextafter(np.float32(0), np.float32(1))


def top_per_row(score: np.ndarray, first_row: int, keep: int) -> tuple[Edges, np.ndarray]:
    """Each row's `keep` best acceptable pairs, best first (ties: lower column first),
    and the best points of a pair left out (0 when none).

    Points only grow with the score, so no pair scoring below the points of the row's
    `keep + 1`-th best score can be kept: points are made and sorted only for the few
    at or above that, and ties on points go to the lower column, whatever their scores.
    """
    n, m = score.shape
    take = min(keep + 1, m)
    if take < m:
        threshold = np.partition(score, m - take, axis=1)[:, m - take]
        rows, cols = np.nonzero(score >= _points_floor(_points(threshold))[:, None])
    else:
        rows, cols = np.nonzero(score > 0)
    points = _points(score[rows, cols])
    order = np.lexsort((cols, -points, rows))  # by row, best first, lower column first
    rows, cols, points = rows[order], cols[order], points[order]
    rank = _rank_within(rows)
    dropped = np.zeros(n, dtype=np.int64)
    last = rank == keep
    dropped[rows[last]] = np.maximum(points[last], 0)
    good = (rank < keep) & (points > 0)
    rows, cols = rows[good].astype(np.int64) + first_row, cols[good].astype(np.int64)
    return Edges(rows, cols, points[good]), dropped


def column_candidates(
    score: np.ndarray, first_row: int, n: int, keep: int, floor: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(mentor column, sortable key) of this block's pairs that may be among a column's
    `keep` best: key = points * n + (n - 1 - row), so on equal points the lower row wins.

    With a `floor` (per column, from the blocks merged so far), the pairs scoring at or
    above it; without one, the pairs with at least the points of the column's `keep`-th
    best in this block. Every pair left out has fewer points than `keep` pairs in its
    column, so the merge finds each column's exact best keys whichever way a block went
    (that way depends on the threads' timing; the result must not).
    """
    height = len(score)
    if floor is not None:
        rows, cols = np.nonzero(score >= floor[None, :])
    else:
        by_mentor = np.ascontiguousarray(score.T)  # partitioned along rows: far faster
        if height > keep:
            threshold = np.partition(by_mentor, height - keep, axis=1)[:, height - keep]
            cols, rows = np.nonzero(by_mentor >= _points_floor(_points(threshold))[:, None])
        else:
            cols, rows = np.nonzero(by_mentor > 0)
        score = by_mentor.T
    points = _points(score[rows, cols])
    good = points > 0
    rows, cols = rows[good], cols[good].astype(np.int64)
    return cols, points[good] * n + (n - 1 - first_row - rows)


def _merge_columns(
    merged: np.ndarray, parts: list[tuple[np.ndarray, np.ndarray]], n: int
) -> np.ndarray:
    """Each column's best keys among `merged` and the candidates, best first."""
    if not parts:
        return merged
    m, keep = merged.shape
    old_cols, at = np.nonzero(merged >= 0)
    cols = np.concatenate([old_cols, *(c for c, _ in parts)])
    keys = np.concatenate([merged[old_cols, at].astype(np.int64), *(k for _, k in parts)])
    order = np.lexsort((-keys, cols))
    cols, keys = cols[order], keys[order]
    rank = _rank_within(cols)
    top = rank < keep
    out = np.full((m, keep), -1, dtype=merged.dtype)
    out[cols[top], rank[top]] = keys[top]
    return out


def _column_floor(merged: np.ndarray, n: int) -> np.ndarray:
    """Per column, the score below which a pair has fewer points than every one of the
    column's kept keys (any positive score while fewer than `keep` are kept)."""
    last = merged[:, -1].astype(np.int64)  # the worst kept key, -1 while not full
    return _points_floor(np.where(last >= 0, last // n, 0))


def _points_floor(points: np.ndarray) -> np.ndarray:
    """The float32 score from which a pair may have `points` or more (for points <= 0:
    any positive score): every score below it rounds to fewer points. So a selection
    at or above it keeps every pair tied on points, and the tie-break decides exactly."""
    # score < (p - 0.5) / POINTS rounds to at most p - 1 points; one float32 step lower
    # keeps that true whatever the rounding of the division.
    bound = ((np.asarray(points, np.float64) - 0.5) / POINTS).astype(np.float32)
    floor = np.nextafter(bound, np.float32(-np.inf))
    return np.where(points > 0, np.maximum(floor, _TINY), _TINY).astype(np.float32)


def _column_edges(
    keys: np.ndarray, n: int, m: int, keep: int
) -> tuple[Edges, np.ndarray, np.ndarray]:
    """Each column's `keep` best pairs, their rank in the column, and the best left out."""
    keys = -np.sort(-keys.astype(np.int64), axis=1)  # best first for every mentor
    kept, rest = keys[:, :keep], keys[:, keep:]
    dropped = (
        np.maximum(rest.max(axis=1) // max(n, 1), 0) if rest.shape[1] else np.zeros(m, np.int64)
    )
    cols, rank = np.nonzero(kept >= 0)
    key = kept[cols, rank]
    points, rows = key // n, n - 1 - key % n
    return Edges(rows, cols.astype(np.int64), points), rank, dropped


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2... within each run of equal values (rows come grouped, best first)."""
    if not len(groups):
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(groups[1:] != groups[:-1]) + 1]
    return np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))


def union(edges: Edges, m: int) -> Edges:
    """Distinct pairs, ordered by mentee row then mentor column (deterministic)."""
    ids, first = np.unique(edges.rows * m + edges.cols, return_index=True)
    return Edges(ids // m, ids % m, edges.points[first])
