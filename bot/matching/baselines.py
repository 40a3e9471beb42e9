"""Two yardsticks for `solve_round`: the greedy rule people would write first, and the
textbook exact solver for instances small enough to hold every pair densely."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from bot.matching.assign import DEFAULT_K, History, finish_round
from bot.matching.candidates import Candidate
from bot.matching.graph import Edges, acceptable_points, build_graph
from bot.matching.pool import Pool
from bot.matching.results import Round, RoundStats
from bot.matching.scoring import history_matrix, score_block
from bot.matching.weights import Weights

EXACT_MAX_CELLS = 20_000_000  # mentees x (slots + mentees): about 160 MB of costs


def greedy_round(
    mentees: Sequence[Candidate],
    pool: Pool,
    *,
    k: int = DEFAULT_K,
    allow_repeats: bool = False,
    history: History = (),
    weights: Weights | None = None,
) -> Round:
    """Best pair first: take the highest-scoring acceptable pair whose mentee is free and
    whose mentor has room, repeat. Runs on the same top-k candidates as `solve_round`."""
    started = time.perf_counter()
    weights = weights or Weights()
    batch = pool.encode(mentees)
    past = history_matrix(set(history), batch, pool)
    graph = build_graph(batch, pool, weights, k=k, history=past, allow_repeats=allow_repeats)
    edges = graph.edges
    room = np.where(pool.available, pool.capacity_left, 0).tolist()
    assigned = np.full(len(batch), -1, dtype=np.int64)
    order = np.lexsort((edges.cols, edges.rows, -edges.points))  # ties: lower keys first
    rows, cols = edges.rows[order].tolist(), edges.cols[order].tolist()
    for row, col in zip(rows, cols, strict=True):
        if assigned[row] < 0 and room[col] > 0:
            assigned[row] = col
            room[col] -= 1
    stats = RoundStats("greedy", 0.0, len(batch), len(pool), graph.k, len(edges), False, 1, 0)
    return finish_round(batch, pool, weights, past, allow_repeats, edges, assigned, stats, started)


def exact_round(
    mentees: Sequence[Candidate],
    pool: Pool,
    *,
    allow_repeats: bool = False,
    history: History = (),
    weights: Weights | None = None,
) -> Round:
    """The optimum by brute force: every pair, dense, `linear_sum_assignment` over one
    column per free mentor slot plus one "unmatched" column per mentee. Small instances
    only (ValueError beyond EXACT_MAX_CELLS)."""
    started = time.perf_counter()
    weights = weights or Weights()
    batch = pool.encode(mentees)
    past = history_matrix(set(history), batch, pool)
    n, m = len(batch), len(pool)
    capacity = np.where(pool.available, pool.capacity_left, 0)
    slots = np.repeat(np.arange(m), capacity)
    if n * (len(slots) + n) > EXACT_MAX_CELLS:
        raise ValueError("exact_round is for small instances; use solve_round")
    points = (
        acceptable_points(score_block(batch, slice(0, n), pool, weights, past), pool, allow_repeats)
        if n and m
        else np.full((n, m), -1, dtype=np.int64)
    )
    # Minimise: -points on a real slot, +1 on a forbidden one (worse than unmatched, 0).
    cost = np.where(points[:, slots] > 0, -points[:, slots], 1)
    cost = np.hstack([cost, np.zeros((n, n), dtype=np.int64)])
    row_ind, col_ind = linear_sum_assignment(cost)
    assigned = np.full(n, -1, dtype=np.int64)
    real = col_ind < len(slots)
    real &= cost[row_ind, col_ind] < 0
    assigned[row_ind[real]] = slots[col_ind[real]]
    rows, cols = np.nonzero(points > 0)
    edges = Edges(rows.astype(np.int64), cols.astype(np.int64), points[rows, cols])
    stats = RoundStats("exact", 0.0, n, m, 0, len(edges), True, 1, 0)
    return finish_round(batch, pool, weights, past, allow_repeats, edges, assigned, stats, started)
