"""Coordinator rounds: the globally best assignment under capacities and the hard rules.

`solve_round`:

1. scores every pair in row blocks and keeps a sparse candidate graph: each mentee's k
   best acceptable mentors and each mentor's k best mentees, plus a scored reserve of
   the next best pairs and bounds on everything else (graph.py);
2. solves that graph exactly (solver.py: integer points, scipy's sparse LAPJV);
3. proves the answer optimal over *all* pairs with LP duality (certify.py): reserve
   pairs are checked exactly, the rest by their bounds, and only where a bound is not
   enough are those few rows x columns scored again. A pair that would improve the round
   is added and the graph solved again.

So k is a speed knob, not a quality one: the result is the exact optimum whenever
`stats.certified` is true, which is every time unless MAX_ITERATIONS runs out (then the
best round found is returned, still feasible, and says so).

Deterministic: mentees and mentors are ordered by key, ties in score break toward the
lower key, and the solver is deterministic for the same graph.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from functools import partial

import numpy as np
import scipy.sparse as sp

from bot.matching.candidates import Candidate
from bot.matching.certify import Duals, round_duals
from bot.matching.graph import (
    COMPILED_MIN_PAIRS,
    CandidateGraph,
    Edges,
    Timer,
    block_points,
    build_graph,
    compiled_scoring,
    inverted_lists,
    kernel_arguments,
    map_blocks,
    union,
)
from bot.matching.pool import Columns, MenteeBatch, Pool
from bot.matching.reasons import Explained, explain_known
from bot.matching.results import Pair, Round, RoundStats, Unmatched
from bot.matching.scoring import POINTS, history_matrix
from bot.matching.solver import Solution, compiled_solver, solve
from bot.matching.unmatched import TAKEN, unmatched_reasons
from bot.matching.weights import Weights

DEFAULT_K = 24  # bench/matching.py: at 20,000 x 5,000 the certificate adds < 0.2% pairs
MAX_ITERATIONS = 10
ADD_PER_ROW = 8  # most-improving left-out pairs brought back per mentee and pass
# bench/matching.py at 20,000 x 5,000: 400 brings ~3% more edges into the second solve,
# and it is the last (3 solves without, each ~0.6 s: the solver is a round's biggest step).
NEAR_POINTS = 400
STEPS = ("encode", "scoring", "candidates", "solve", "certificate", "reasons")

History = Collection[tuple[int, int]]


def solve_round(
    mentees: Sequence[Candidate],
    pool: Pool,
    *,
    k: int = DEFAULT_K,
    allow_repeats: bool = False,
    history: History = (),
    weights: Weights | None = None,
    compiled: bool | None = None,
) -> Round:
    """The optimal round: maximum total score, each mentee at most one mentor, no mentor
    over `capacity_left`, no pair breaking a hard rule or below the floors.

    `history` holds past (mentee_key, mentor_key) pairs, excluded unless
    `allow_repeats`. Mentees without an acceptable mentor are listed with a reason.
    `compiled`: the compiled scoring, solver and certificate (numba) when True, numpy and
    scipy's when False; None picks by size (COMPILED_MIN_PAIRS pairs or more: compiled).
    """
    if k < 1:
        raise ValueError("k must be >= 1")
    started = time.perf_counter()
    timer = Timer()
    weights = weights or Weights()
    batch = pool.encode(mentees)
    past = history_matrix(set(history), batch, pool)
    timer.add("encode", time.perf_counter() - started)
    building = time.perf_counter()
    if compiled is None:
        compiled = len(batch) * len(pool) >= COMPILED_MIN_PAIRS
    graph = build_graph(
        batch,
        pool,
        weights,
        k=k,
        history=past,
        allow_repeats=allow_repeats,
        timer=timer,
        compiled=compiled and compiled_scoring(batch, pool),
    )
    _share_wall(timer, ("scoring", "candidates"), time.perf_counter() - building)
    capacity = np.where(pool.available, pool.capacity_left, 0)
    edges = graph.edges
    # Rounds big enough to load numba for get its solver (and its duals, and warm starts);
    # small ones keep scipy's.
    compiled = compiled and compiled_solver()
    # The left-out pairs the certificate scores again: in the compiled kernel too.
    compiled_scoring_here = compiled and compiled_scoring(batch, pool)
    kernel_args = graph.kernel_args
    certified, added, iterations = False, 0, 0
    solution: Solution | None = None
    explained: Explained = {}
    while iterations < MAX_ITERATIONS:
        iterations += 1
        # The compiled solver runs without the GIL, so this thread meanwhile does the
        # Python work the round needs whatever the solver finds: the quotable sentences
        # of every mentor with a place, then the reasons of the last solve's pairs (most
        # of them are the next solve's too: RoundStats.explained_late counts the others).
        meanwhile: Callable[[], object] | None = None
        if compiled:
            meanwhile = (
                partial(pool.sentence_vectors, np.flatnonzero(capacity > 0))
                if solution is None
                else partial(explain_known, batch, solution.assigned, pool, weights, explained)
            )
        step = time.perf_counter()
        solution = solve(
            edges, capacity, len(batch), compiled=compiled, warm=solution, meanwhile=meanwhile
        )
        timer.add("solve", time.perf_counter() - step)  # with what ran meanwhile
        assigned = solution.assigned
        step = time.perf_counter()
        extreme = round_duals(edges, assigned, capacity, solution.duals)
        if extreme is None:
            timer.add("certificate", time.perf_counter() - step)
            break
        duals, rows, cols = _fewest_suspects(
            [extreme, solution.duals], edges, capacity, graph.dropped_row, graph.dropped_col
        )
        # Pairs left out but scored: checked exactly. Pairs never kept: bounded, and
        # only where the bound is not enough are they scored again.
        reserve = graph.reserve
        slack = reserve.points - duals.mentee[reserve.rows] - duals.mentor[reserve.cols]
        more = reserve.select(slack > 0)
        if len(rows) and compiled_scoring_here:
            if kernel_args is None:
                kernel_args = kernel_arguments(batch, pool, weights, past, allow_repeats)
            found = _compiled_improving_pairs(kernel_args, pool, rows, cols, duals, edges, graph)
            more = Edges.concat([more, found])
        elif len(rows):
            found = _improving_pairs(
                batch, rows, pool.columns(cols), weights, past, allow_repeats, duals, edges
            )
            more = Edges.concat([more, found])
        timer.add("certificate", time.perf_counter() - step)
        if not len(more):
            certified = True
            break
        # The next solve starts from this optimum and the duals with the largest
        # surpluses: the fewest mentees have a new pair they do not cover.
        solution = Solution(assigned, extreme)
        # Reserve pairs within NEAR_POINTS of improving come along: the next solve moves
        # the duals, and those are the pairs that would fail its certificate.
        more = Edges.concat([more, reserve.select((slack <= 0) & (slack > -NEAR_POINTS))])
        before = len(edges)
        edges = union(Edges.concat([edges, more]), len(pool))
        added += len(edges) - before
    stats = RoundStats(
        solver="optimal",
        seconds=0.0,
        mentees=len(batch),
        mentors=len(pool),
        k=graph.k,
        edges=len(edges),
        certified=certified,
        iterations=iterations,
        added_edges=added,
    )
    return finish_round(
        batch, pool, weights, past, allow_repeats, edges, assigned, stats, started, timer,
        explained,
    )  # fmt: skip


def _share_wall(timer: Timer, steps: tuple[str, ...], wall: float) -> None:
    """Turn the thread-seconds of parallel steps into their shares of the wall time."""
    spent = sum(timer.seconds.get(step, 0.0) for step in steps)
    for step in steps:
        if spent > 0:
            timer.seconds[step] = wall * timer.seconds.get(step, 0.0) / spent


def _fewest_suspects(
    candidates: list[Duals | None],
    edges: Edges,
    capacity: np.ndarray,
    dropped_row: np.ndarray,
    dropped_col: np.ndarray,
) -> tuple[Duals, np.ndarray, np.ndarray]:
    """Of optimal duals (the first is proven; the others count if they prove the same
    total), those leaving the fewest left-out pairs to score again, and those rows and
    columns. The certificate's duals have the largest mentee surpluses, which clear the
    rows of matched mentees; when mentors are scarce most rows are unmatched mentees
    (no surplus) and columns clear on prices instead: the compiled solver's duals, routed
    by mentor, have the largest prices (bench/matching.py at 20,000 x 5,000: 1.4 million
    pairs to score again instead of 2.4 million)."""
    proven = candidates[0]
    assert proven is not None
    total = proven.objective(capacity)
    best: tuple[Duals, np.ndarray, np.ndarray] | None = None
    for duals in candidates:
        if duals is None or (
            duals is not proven
            and not (duals.objective(capacity) == total and duals.feasible_on(edges))
        ):
            continue
        rows, cols = _suspects(duals, dropped_row, dropped_col)
        if best is None or len(rows) * len(cols) < len(best[1]) * len(best[2]):
            best = (duals, rows, cols)
    assert best is not None
    return best


def _suspects(
    duals: Duals, dropped_row: np.ndarray, dropped_col: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mentee rows and mentor columns between which a left-out pair might beat its duals.

    A left-out pair has points <= min(dropped_row_i, dropped_col_j); it is cleared when
    that bound is <= u_i + v_j. Most rows clear on u_i alone (mentors plentiful) or most
    columns on v_j alone (mentors scarce); the rest is checked on the bounds, no scoring.
    """
    u, v = duals.mentee, duals.mentor
    rows = np.flatnonzero(u < dropped_row)
    cols = np.flatnonzero(v < dropped_col)
    if not len(rows) or not len(cols):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    u_rows, bound_rows = u[rows].astype(np.int64), dropped_row[rows].astype(np.int64)
    v_cols, bound_cols = v[cols].astype(np.int64), dropped_col[cols].astype(np.int64)
    row_hit = _open_to_any(u_rows, bound_rows, v_cols, bound_cols)
    col_hit = _open_to_any(v_cols, bound_cols, u_rows, bound_rows)
    return rows[row_hit], cols[col_hit]


def _open_to_any(
    own: np.ndarray, bound: np.ndarray, other: np.ndarray, other_bound: np.ndarray
) -> np.ndarray:
    """For each a of one side (dual own[a], bound[a]): whether some b of the other side
    has min(bound[a], other_bound[b]) > own[a] + other[b].

    Not pair by pair (100,000 x 25,000: ~1 s a call, six calls a round) but by sorting
    the other side on its bound: those b with other_bound[b] >= bound[a] need
    other[b] < bound[a] - own[a] (their least dual, a suffix minimum), the others need
    other_bound[b] - other[b] > own[a] (a prefix maximum). Exact, O((n + m) log m)."""
    order = np.argsort(other_bound, kind="stable")
    sorted_bound, sorted_dual = other_bound[order], other[order]
    huge = np.iinfo(np.int64).max // 4
    least_dual_from = np.append(np.minimum.accumulate(sorted_dual[::-1])[::-1], huge)
    most_surplus_before = np.insert(np.maximum.accumulate(sorted_bound - sorted_dual), 0, -huge)
    at = np.searchsorted(sorted_bound, bound, side="left")
    return (least_dual_from[at] < bound - own) | (most_surplus_before[at] > own)


def _improving_pairs(
    batch: MenteeBatch,
    rows: np.ndarray,
    mentors: Columns,
    weights: Weights,
    past: sp.csr_matrix,
    allow_repeats: bool,
    duals: Duals,
    edges: Edges,
) -> Edges:
    """Left-out pairs (rows x mentors) with points > u_i + v_j: each would improve the
    round. The most improving few per mentee, so the next solve stays small."""
    kept = sp.csr_matrix(
        (np.ones(len(edges), bool), (edges.rows, edges.cols)),
        shape=(len(batch), len(duals.mentor)),
    )[:, mentors.cols]
    price = duals.mentor[mentors.cols]

    def work(part: slice) -> Edges:
        r = rows[part]
        points = block_points(batch, r, mentors, weights, past, allow_repeats)
        gain = points - duals.mentee[r, None] - price[None, :]
        gain[(points <= 0) | kept[r].toarray()] = 0
        order = np.argsort(-gain, axis=1, kind="stable")[:, :ADD_PER_ROW]
        local, slot = np.nonzero(np.take_along_axis(gain, order, axis=1) > 0)
        at = order[local, slot]
        return Edges(r[local], mentors.cols[at], points[local, at])

    return Edges.concat(list(map_blocks(work, len(rows))))


def _compiled_improving_pairs(
    args: tuple[object, ...],
    pool: Pool,
    rows: np.ndarray,
    cols: np.ndarray,
    duals: Duals,
    edges: Edges,
    graph: CandidateGraph,
) -> Edges:
    """_improving_pairs by the compiled kernel (the same points, bit for bit, and the
    same pairs): ~10x less CPU per pair than numpy, which at 100,000 x 25,000 scored
    300-400 million suspect pairs per pass in ~45 s. Of those it scores only the pairs
    whose bound is open or that are in the reserve (graph's bounds and reserve)."""
    from bot.matching.kernel import improving_rows

    # Not every mentor's inverted lists but the suspect mentors' own (positions in
    # cols): a row's cosines then cost what it shares with them.
    text, _, topics, _, scoring, banned = args
    inverted_arrays = inverted_lists(sp.csr_matrix(pool.text_t[:, cols]))
    by_topic_arrays = inverted_lists(sp.csr_matrix(pool.topics[cols].T))
    n = len(duals.mentee)
    kept = _by_row(edges, n)
    reserve = _by_row(graph.reserve, n)
    cols = cols.astype(np.int64)
    u, v = duals.mentee[rows].astype(np.int64), duals.mentor[cols].astype(np.int64)
    col_bound = graph.dropped_col[cols].astype(np.int64)

    def work(part: slice) -> Edges:
        r = rows[part].astype(np.int64)
        out = (
            np.zeros((len(r), ADD_PER_ROW), np.int64),
            np.zeros((len(r), ADD_PER_ROW), np.int64),
            np.zeros(len(r), np.int64),
        )
        bounds = (graph.dropped_row[r].astype(np.int64), col_bound)
        improving_rows(
            r, cols, text, inverted_arrays, topics, by_topic_arrays, scoring, banned, kept,
            (u[part], v), ADD_PER_ROW, out, bounds, reserve,
        )  # fmt: skip
        local, slot = np.nonzero(np.arange(ADD_PER_ROW)[None, :] < out[2][:, None])
        return Edges(r[local], cols[out[0][local, slot]], out[1][local, slot])

    return Edges.concat(list(map_blocks(work, len(rows))))


def _by_row(edges: Edges, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's mentor columns in `edges`, as CSR (offsets, columns)."""
    by_row = np.argsort(edges.rows, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(edges.rows, minlength=n))])
    return ptr.astype(np.int64), edges.cols[by_row].astype(np.int64)


def finish_round(
    batch: MenteeBatch,
    pool: Pool,
    weights: Weights,
    past: sp.csr_matrix,
    allow_repeats: bool,
    edges: Edges,
    assigned: np.ndarray,
    stats: RoundStats,
    started: float,
    timer: Timer | None = None,
    explained: Explained | None = None,
) -> Round:
    """Pairs with their points and reasons, unmatched mentees with theirs."""
    finishing = time.perf_counter()
    matched = np.flatnonzero(assigned >= 0)
    cols = assigned[matched]
    # Each assigned pair's points: the first edge joining a row to its assigned column
    # (one pass over the edges; matched rows ascend as np.unique returns them).
    chosen = np.flatnonzero(assigned[edges.rows] == edges.cols)
    _, first = np.unique(edges.rows[chosen], return_index=True)
    points = edges.points[chosen[first]]
    known = {} if explained is None else explained
    ahead = len(known)
    reasons = explain_known(batch, assigned, pool, weights, known)
    # Plain ints from whole arrays: indexing numpy arrays per pair costs more than the rest.
    pairs = tuple(
        Pair(mentee, mentor, p / POINTS, why)
        for mentee, mentor, p, why in zip(
            batch.keys[matched].tolist(),
            pool.keys[cols].tolist(),
            points.tolist(),
            reasons,
            strict=True,
        )
    )
    lonely = np.flatnonzero(assigned < 0)
    # A mentee left out while holding an acceptable pair lost it to closer matches (the
    # solver would have taken any free slot); only the others need their row looked at.
    had_pair = np.zeros(len(batch), dtype=bool)
    had_pair[edges.rows] = True
    why_not = [TAKEN] * len(lonely)
    look = np.flatnonzero(~had_pair[lonely])
    for at, reason in zip(
        look,
        unmatched_reasons(batch, lonely[look], pool, weights, past, allow_repeats),
        strict=True,
    ):
        why_not[at] = reason
    unmatched = tuple(
        Unmatched(key, reason)
        for key, reason in zip(batch.keys[lonely].tolist(), why_not, strict=True)
    )
    if timer is not None:
        timer.add("reasons", time.perf_counter() - finishing)
        # In the order a round takes them, wherever a step was first timed.
        spent = sorted(timer.seconds.items(), key=lambda item: STEPS.index(item[0]))
        steps = tuple((step, round(seconds, 3)) for step, seconds in spent)
        stats = replace(stats, steps=steps)
    late = len(known) - ahead
    stats = replace(stats, seconds=round(time.perf_counter() - started, 3), explained_late=late)
    return Round(pairs, unmatched, int(points.sum()), stats)
