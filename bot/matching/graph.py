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
    Block,
    Mentors,
    dense_text_t,
    score_and_related,
    to_points,
)
from bot.matching.weights import Weights

BLOCK_ROWS = 1024  # ~20 MB per float32 array at 5,000 mentors
# build_graph's blocks: about this many pairs each (~24 MB per float32 array), so memory
# stays flat from 5,000 to 25,000 mentors and beyond.
BLOCK_CELLS = 6_000_000
MIN_BLOCK_ROWS, MAX_BLOCK_ROWS = 64, 4096
MERGE_WIDTH = 8  # column tops are merged once this many blocks' worth have piled up
THREADS = min(2, os.cpu_count() or 1)
RESERVE_FACTOR = 4

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
) -> np.ndarray:
    """float32 scores of `rows` x mentors, -1 where the pair may not be proposed (rules,
    floors, full), without dense masks: the rare pairs the sparse rules forbid are struck
    out by their coordinates. Points are `to_points` of these (see block_points)."""
    score, related = score_and_related(batch, rows, pool, weights)
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


def build_graph(
    batch: MenteeBatch,
    pool: Pool,
    weights: Weights,
    *,
    k: int,
    history: sp.csr_matrix | None,
    allow_repeats: bool,
    timer: Timer | None = None,
) -> CandidateGraph:
    """The candidate graph, the reserve and the bounds, in one scoring pass over all pairs.

    `timer`, if given, is credited with the thread-seconds spent scoring and selecting.
    """
    n, m = len(batch), len(pool)
    deep = RESERVE_FACTOR * k
    key_type = _key_type(n, m)
    dense_text_t(pool)  # built once here, not raced for by the threads

    def work(rows: slice) -> tuple[Edges, np.ndarray, np.ndarray]:
        started = time.perf_counter()
        score = block_scores(batch, rows, pool, weights, history, allow_repeats)
        scored = time.perf_counter()
        best, dropped = top_per_row(score, rows.start, deep)
        top = top_per_column(score, rows.start, n, deep + 1, key_type)
        if timer is not None:
            timer.add("scoring", scored - started)
            timer.add("candidates", time.perf_counter() - scored)
        return best, dropped, top

    row_best, dropped_row = [], []
    col_keys: list[np.ndarray] = []
    width = 0
    for best, dropped, keys in map_blocks(work, n, block_rows(m)) if m else ():
        row_best.append(best)
        dropped_row.append(dropped)
        col_keys.append(keys)
        width += keys.shape[1]
        if width > MERGE_WIDTH * (deep + 1):
            col_keys = [_best_per_column(col_keys, deep + 1)]
            width = col_keys[0].shape[1]
    started = time.perf_counter()
    by_row = Edges.concat(row_best)
    merged = _best_per_column(col_keys, deep + 1) if col_keys else np.zeros((m, 0), key_type)
    by_col, rank_in_col, dropped_col = _column_edges(merged, n, m, deep)
    rank_in_row = _rank_within(by_row.rows)
    chosen = union(
        Edges.concat([by_row.select(rank_in_row < k), by_col.select(rank_in_col < k)]), m
    )
    everything = union(Edges.concat([by_row, by_col]), m)
    in_graph = np.isin(everything.rows * m + everything.cols, chosen.rows * m + chosen.cols)
    graph = CandidateGraph(
        edges=chosen,
        reserve=everything.select(~in_graph),
        dropped_row=np.concatenate(dropped_row) if dropped_row else np.zeros(n, np.int64),
        dropped_col=dropped_col,
        k=min(k, m),
    )
    if timer is not None:
        timer.add("candidates", time.perf_counter() - started)
    return graph


def _key_type(n: int, m: int) -> type[np.integer]:
    # Column keys are points * n + tie-break: int32 while they fit (half the bytes to
    # merge), int64 beyond ~200,000 mentees.
    return np.int32 if (POINTS + 1) * (n + 1) < 2**31 else np.int64


# The smallest positive float32: a threshold at or below 0 lets only acceptable pairs in.
_TINY = np.nextafter(np.float32(0), np.float32(1))


def top_per_row(score: np.ndarray, first_row: int, keep: int) -> tuple[Edges, np.ndarray]:
    """Each row's `keep` best acceptable pairs, best first (ties: lower column first),
    and the best points of a pair left out (0 when none).

    Points only grow with the score, so the row's `keep + 1`-th best score is a threshold
    no left-out pair beats: points are made and sorted only for the few at or above it.
    """
    n, m = score.shape
    take = min(keep + 1, m)
    if take < m:
        threshold = np.partition(score, m - take, axis=1)[:, m - take]
        rows, cols = np.nonzero(score >= np.maximum(threshold, _TINY)[:, None])
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


def top_per_column(
    score: np.ndarray, first_row: int, n: int, keep: int, key_type: type[np.integer] = np.int64
) -> np.ndarray:
    """Per mentor column (a row of the result), the `keep` best acceptable entries of this
    block as sortable keys (points * n + (n - 1 - row): on equal points the lower row
    wins), -1 padded. Every entry left out has no more points than each one kept."""
    height, m = score.shape
    by_mentor = np.ascontiguousarray(score.T)  # partitioned along rows: far faster
    if height > keep:
        threshold = np.partition(by_mentor, height - keep, axis=1)[:, height - keep]
        cols, rows = np.nonzero(by_mentor >= np.maximum(threshold, _TINY)[:, None])
    else:
        cols, rows = np.nonzero(by_mentor > 0)
    points = _points(by_mentor[cols, rows])
    key = points * n + (n - 1 - first_row - rows)
    key[points <= 0] = -1
    order = np.lexsort((-key, cols))
    cols, key = cols[order], key[order]
    rank = _rank_within(cols)
    top = rank < keep
    out = np.full((m, min(keep, height)), -1, dtype=key_type)
    out[cols[top], rank[top]] = key[top]
    return out


def _best_per_column(parts: list[np.ndarray], keep: int) -> np.ndarray:
    both = np.hstack(parts) if len(parts) > 1 else parts[0]
    width = both.shape[1]
    if width <= keep:
        return both
    return np.partition(both, width - keep, axis=1)[:, width - keep :]


def _column_edges(
    keys: np.ndarray, n: int, m: int, keep: int
) -> tuple[Edges, np.ndarray, np.ndarray]:
    """Each column's `keep` best pairs, their rank in the column, and the best left out."""
    keys = -np.sort(-keys.astype(np.int64), axis=1)  # best first for every mentor
    kept, rest = keys[:, :keep], keys[:, keep:]
    dropped = np.maximum(rest.max(axis=1) // n, 0) if rest.shape[1] else np.zeros(m, np.int64)
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
