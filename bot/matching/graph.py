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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

from bot.matching.pool import MenteeBatch, Pool
from bot.matching.scoring import Block, Mentors, score_block, to_points
from bot.matching.weights import Weights

BLOCK_ROWS = 1024  # ~20 MB per float32 array at 5,000 mentors
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


def blocks(n: int, size: int = BLOCK_ROWS) -> list[slice]:
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


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
) -> CandidateGraph:
    n, m = len(batch), len(pool)
    deep = RESERVE_FACTOR * k

    def work(rows: slice) -> tuple[Edges, np.ndarray, np.ndarray]:
        block = score_block(batch, rows, pool, weights, history)
        points = acceptable_points(block, pool, allow_repeats)
        best, dropped = top_per_row(points, rows.start, deep)
        return best, dropped, top_per_column(points, rows.start, n, deep + 1)

    row_best, dropped_row = [], []
    col_keys = np.full((0, m), -1, dtype=np.int64)
    for best, dropped, keys in map_blocks(work, n) if m else ():
        row_best.append(best)
        dropped_row.append(dropped)
        col_keys = _merge_columns(col_keys, keys, deep + 1)
    by_row = Edges.concat(row_best)
    by_col, rank_in_col, dropped_col = _column_edges(col_keys, n, m, deep)
    rank_in_row = _rank_within(by_row.rows)
    chosen = union(
        Edges.concat([by_row.select(rank_in_row < k), by_col.select(rank_in_col < k)]), m
    )
    everything = union(Edges.concat([by_row, by_col]), m)
    in_graph = np.isin(everything.rows * m + everything.cols, chosen.rows * m + chosen.cols)
    return CandidateGraph(
        edges=chosen,
        reserve=everything.select(~in_graph),
        dropped_row=np.concatenate(dropped_row) if dropped_row else np.zeros(n, np.int64),
        dropped_col=dropped_col,
        k=min(k, m),
    )


def top_per_row(points: np.ndarray, first_row: int, keep: int) -> tuple[Edges, np.ndarray]:
    """Each row's `keep` best positive entries, best first (ties: lower column first),
    and the best entry left out (0 when none)."""
    n, m = points.shape
    # One sortable key per entry: points, then lower column first on equal points.
    key = points * m + (m - 1 - np.arange(m, dtype=np.int64))[None, :]
    take = min(keep + 1, m)
    if take < m:
        top = np.argpartition(-key, take - 1, axis=1)[:, :take]
    else:
        top = np.broadcast_to(np.arange(m), (n, m))
    order = np.argsort(-np.take_along_axis(key, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    top_points = np.take_along_axis(points, top, axis=1)
    dropped = np.zeros(n, dtype=np.int64)
    if top.shape[1] > keep:
        dropped = np.maximum(top_points[:, keep], 0)
        top, top_points = top[:, :keep], top_points[:, :keep]
    good = top_points > 0
    rows = np.broadcast_to(np.arange(first_row, first_row + n)[:, None], top.shape)
    return Edges(rows[good].astype(np.int64), top[good].astype(np.int64), top_points[good]), dropped


def top_per_column(points: np.ndarray, first_row: int, n: int, keep: int) -> np.ndarray:
    """Per mentor column, the `keep` best entries of this block as sortable keys
    (points * n + (n - 1 - row): on equal points the lower row wins), -1 padded."""
    rows = np.arange(first_row, first_row + len(points), dtype=np.int64)
    key = np.where(points > 0, points * n + (n - 1 - rows)[:, None], -1)
    if len(key) > keep:
        key = np.take_along_axis(key, np.argpartition(-key, keep - 1, axis=0)[:keep], axis=0)
    return key


def _merge_columns(best: np.ndarray, block: np.ndarray, keep: int) -> np.ndarray:
    both = np.vstack([best, block])
    if len(both) <= keep:
        return both
    return np.take_along_axis(both, np.argpartition(-both, keep - 1, axis=0)[:keep], axis=0)


def _column_edges(
    keys: np.ndarray, n: int, m: int, keep: int
) -> tuple[Edges, np.ndarray, np.ndarray]:
    """Each column's `keep` best pairs, their rank in the column, and the best left out."""
    keys = -np.sort(-keys, axis=0)  # best first in every column
    kept, rest = keys[:keep], keys[keep:]
    dropped = np.maximum(rest.max(axis=0) // n, 0) if len(rest) else np.zeros(m, np.int64)
    rank, cols = np.nonzero(kept >= 0)
    key = kept[rank, cols]
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
