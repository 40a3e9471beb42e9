"""The compiled solver (flow.py through solver.solve) gives the optimum scipy gives, with
optimal duals, on small random graphs of every awkward kind: tied points, mentors
without places, mentees without pairs, more places than candidates, mentors scarce
(routed by mentor) or plentiful (routed by mentee); and from a warm start too."""

from __future__ import annotations

import threading
from functools import partial

import numpy as np
import pytest

from bot.matching import Pool
from bot.matching.certify import Duals, round_duals
from bot.matching.graph import Edges
from bot.matching.solver import Solution, max_weight_assignment, solve
from tests.unit.matching.test_round import random_people

pytest.importorskip("numba")
pytestmark = pytest.mark.usefixtures("compiled")


def total(edges: Edges, assigned: np.ndarray) -> int:
    return int(edges.points[assigned[edges.rows] == edges.cols].sum())


def random_graph(
    rng: np.random.Generator, n: int, m: int, density: float, top: int
) -> tuple[Edges, np.ndarray]:
    """Distinct pairs with points in 1..top (a small top: many ties), capacities 0..3."""
    rows, cols = np.nonzero(rng.random((n, m)) < density)
    points = rng.integers(1, top + 1, len(rows))
    capacity = rng.integers(0, 4, m)
    return Edges(rows.astype(np.int64), cols.astype(np.int64), points), capacity


def assert_optimal(edges: Edges, capacity: np.ndarray, n: int, solution: Solution) -> None:
    """A feasible assignment whose total is scipy's, with duals that prove it."""
    assigned = solution.assigned
    matched = assigned[assigned >= 0]
    assert np.all(np.bincount(matched, minlength=len(capacity)) <= capacity)
    assert (assigned[edges.rows] == edges.cols).sum() == len(matched)  # pairs of the graph
    best = total(edges, max_weight_assignment(edges, capacity, n))
    assert total(edges, assigned) == best
    duals = solution.duals
    assert duals is not None
    assert np.all(duals.mentee >= 0) and np.all(duals.mentor >= 0)
    assert duals.feasible_on(edges)
    assert duals.objective(capacity) == best


def instances(seed: int, count: int) -> list[tuple[Edges, np.ndarray, int]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n, m = int(rng.integers(1, 14)), int(rng.integers(1, 7))
        density = float(rng.choice([0.15, 0.5, 1.0]))
        top = int(rng.choice([1, 3, 10_000]))
        edges, capacity = random_graph(rng, n, m, density, top)
        out.append((edges, capacity, n))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_the_compiled_solver_finds_scipys_optimum_with_duals_that_prove_it(seed: int) -> None:
    cases = instances(seed, 150)
    by_mentor = 0
    for edges, capacity, n in cases:
        assert_optimal(edges, capacity, n, solve(edges, capacity, n, compiled=True))
        places = np.minimum(capacity, np.bincount(edges.cols, minlength=len(capacity))).sum()
        by_mentor += n > places
    # Both ways of routing were chosen.
    assert 0 < by_mentor < len(cases)


@pytest.mark.parametrize("by_mentee", [True, False])
def test_either_way_of_routing_finds_the_optimum_on_any_graph(by_mentee: bool) -> None:
    for edges, capacity, n in instances(7, 200):
        solution = solve(edges, capacity, n, compiled=True, by_mentee=by_mentee)
        assert_optimal(edges, capacity, n, solution)


def test_awkward_graphs_mentors_without_places_mentees_without_pairs_ties() -> None:
    # Mentor 0 has no place but the best pairs; mentee 3 has no pair; mentor 2 has more
    # places than candidates; every pair is worth the same.
    edges = Edges(
        np.array([0, 0, 1, 1, 2, 2, 4]),
        np.array([0, 1, 0, 2, 0, 2, 1]),
        np.array([9, 5, 9, 5, 9, 5, 5]),
    )
    capacity = np.array([0, 1, 5])
    solution = solve(edges, capacity, 5, compiled=True)
    assert_optimal(edges, capacity, 5, solution)
    assert solution.assigned[3] == -1 and not np.any(solution.assigned == 0)
    ties = Edges(edges.rows, edges.cols, np.ones(len(edges), dtype=np.int64))
    assert_optimal(ties, capacity, 5, solve(ties, capacity, 5, compiled=True))


def test_an_empty_graph_leaves_everyone_unmatched() -> None:
    empty = Edges(*(np.zeros(0, dtype=np.int64) for _ in range(3)))
    solution = solve(empty, np.array([2, 1]), 3, compiled=True)
    assert np.array_equal(solution.assigned, [-1, -1, -1])
    assert solution.duals is not None and solution.duals.objective(np.array([2, 1])) == 0


def test_the_same_graph_gives_the_same_assignment() -> None:
    rng = np.random.default_rng(11)
    for n, m in ((40, 8), (12, 10)):  # routed by mentor, then by mentee
        edges, capacity = random_graph(rng, n, m, 0.6, 3)
        first = solve(edges, capacity, n, compiled=True)
        again = solve(edges, capacity, n, compiled=True)
        assert np.array_equal(first.assigned, again.assigned)


@pytest.mark.parametrize(("seed", "by_mentee"), [(0, None), (1, None), (2, True), (3, True)])
def test_a_warm_start_on_more_pairs_reaches_the_optimum_of_the_larger_graph(
    seed: int, by_mentee: bool | None
) -> None:
    # Routed by mentee even where mentors are scarce: mentors left short by the freed
    # mentees are refilled or released through the sink.
    rng = np.random.default_rng(100 + seed)
    for _ in range(120):
        n, m = int(rng.integers(1, 14)), int(rng.integers(1, 7))
        edges, capacity = random_graph(rng, n, m, 0.4, int(rng.choice([3, 10_000])))
        first = solve(edges, capacity, n, compiled=True)
        duals = round_duals(edges, first.assigned, capacity, first.duals)
        assert duals is not None
        # More pairs, the old ones unchanged (as a round's later passes add them).
        kept = np.zeros((n, m), dtype=np.int64)
        kept[edges.rows, edges.cols] = edges.points
        extra = (rng.random((n, m)) < 0.3) & (kept == 0)
        kept[extra] = rng.integers(1, 10_001, int(extra.sum()))
        rows, cols = np.nonzero(kept)
        larger = Edges(rows.astype(np.int64), cols.astype(np.int64), kept[rows, cols])
        warm = Solution(first.assigned, duals)
        again = solve(larger, capacity, n, compiled=True, warm=warm, by_mentee=by_mentee)
        assert_optimal(larger, capacity, n, again)


@pytest.mark.parametrize("compiled", [True, False])
def test_work_given_to_do_meanwhile_runs_once_and_changes_nothing_of_the_solution(
    compiled: bool,
) -> None:
    rng = np.random.default_rng(31)
    for n, m in ((40, 8), (12, 10)):  # routed by mentor, then by mentee
        edges, capacity = random_graph(rng, n, m, 0.6, 10_000)
        ran: list[int] = []
        alone = solve(edges, capacity, n, compiled=compiled)
        along = solve(edges, capacity, n, compiled=compiled, meanwhile=partial(ran.append, 1))
        assert ran == [1]
        assert np.array_equal(alone.assigned, along.assigned)
        if compiled:
            assert along.duals is not None and alone.duals is not None
            assert np.array_equal(alone.duals.mentee, along.duals.mentee)
            assert np.array_equal(alone.duals.mentor, along.duals.mentor)


def test_an_error_in_the_work_done_meanwhile_reaches_the_caller_once_the_solver_is_done() -> None:
    edges, capacity = random_graph(np.random.default_rng(32), 40, 8, 0.6, 10_000)

    def failing() -> None:
        raise LookupError("a mentor's sentences could not be read")

    before = set(threading.enumerate())
    with pytest.raises(LookupError, match="sentences"):
        solve(edges, capacity, 40, compiled=True, meanwhile=failing)
    # The solver's worker was waited for: no thread of it runs on.
    assert set(threading.enumerate()) <= before


@pytest.mark.parametrize("seed", range(3))
def test_the_certificate_from_the_solvers_duals_is_bellman_fords(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    for _ in range(60):
        n, m = int(rng.integers(1, 14)), int(rng.integers(1, 7))
        edges, capacity = random_graph(rng, n, m, 0.5, int(rng.choice([3, 10_000])))
        capacity = np.maximum(capacity, 1)  # as in a round: no pair to a full mentor
        solution = solve(edges, capacity, n, compiled=True)
        fast = round_duals(edges, solution.assigned, capacity, solution.duals)
        slow = round_duals(edges, solution.assigned, capacity)
        assert fast is not None and slow is not None
        assert np.array_equal(fast.mentee, slow.mentee)
        assert np.array_equal(fast.mentor, slow.mentor)


def test_duals_that_do_not_hold_fall_back_to_bellman_ford() -> None:
    edges = Edges(np.array([0, 1]), np.array([0, 0]), np.array([5, 3]))
    capacity = np.array([1])
    assigned = np.array([0, -1])
    wrong = Duals(np.array([0, 0]), np.array([0]))  # infeasible on both pairs
    duals = round_duals(edges, assigned, capacity, wrong)
    assert duals is not None and duals.objective(capacity) == 5


def test_a_round_solved_by_the_compiled_solver_is_the_certified_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.matching.assign as assign
    from bot.matching import exact_round, solve_round

    monkeypatch.setattr(assign, "COMPILED_MIN_PAIRS", 0)
    # Mentors scarce (routed by mentor) and plentiful (by mentee, warm started); a tiny
    # k makes the certificate add pairs and solve again.
    for seed, n, m, k in ((0, 60, 20, 1), (1, 60, 20, 3), (2, 20, 40, 1), (3, 20, 40, 24)):
        mentees, mentors = random_people(seed, n, m)
        pool = Pool(mentors)
        result = solve_round(mentees, pool, k=k)
        assert result.stats.certified
        assert result.total_points == exact_round(mentees, pool).total_points


def test_the_round_scores_again_behind_the_duals_that_leave_fewest_suspects_if_proven() -> None:
    from bot.matching.assign import _fewest_suspects

    edges = Edges(np.array([0, 1]), np.array([0, 0]), np.array([5, 3]))
    capacity = np.array([1])
    proven = round_duals(edges, np.array([0, -1]), capacity)
    assert proven is not None
    # Left-out pairs may be worth up to 4 for mentee 1 and mentor 0.
    dropped_row, dropped_col = np.array([0, 4]), np.array([4])
    # Higher price, lower surplus: the same total, and mentor 0's column clears.
    pricier = Duals(np.array([0, 0]), np.array([5]))
    free = Duals(np.array([0, 0]), np.array([0]))  # clears everything, proves nothing
    for candidates in ([proven, pricier], [proven, free, pricier]):
        duals, rows, cols = _fewest_suspects(candidates, edges, capacity, dropped_row, dropped_col)
        assert duals is pricier and not len(rows) and not len(cols)
    duals, rows, cols = _fewest_suspects([proven, free], edges, capacity, dropped_row, dropped_col)
    assert duals is proven and list(rows) == [1] and list(cols) == [0]


@pytest.mark.parametrize("seed", range(4))
def test_the_suspects_are_the_rows_and_columns_of_every_pair_its_bound_leaves_open(
    seed: int,
) -> None:
    from bot.matching.assign import _suspects

    # Pair by pair, by the definition: a left-out pair may have up to
    # min(dropped_row_i, dropped_col_j) points; it is open when that beats u_i + v_j.
    rng = np.random.default_rng(300 + seed)
    for _ in range(200):
        n, m = int(rng.integers(1, 30)), int(rng.integers(1, 12))
        top = int(rng.choice([5, 10_000]))  # ties on every side, or hardly any
        u, v = rng.integers(0, top, n), rng.integers(0, top, m)
        dropped_row, dropped_col = rng.integers(0, top, n), rng.integers(0, top, m)
        bound = np.minimum(dropped_row[:, None], dropped_col[None, :])
        open_ = (bound > u[:, None] + v[None, :]) & (u < dropped_row)[:, None]
        open_ &= (v < dropped_col)[None, :]
        rows, cols = _suspects(Duals(u, v), dropped_row, dropped_col)
        assert list(rows) == list(np.flatnonzero(open_.any(axis=1)))
        assert list(cols) == list(np.flatnonzero(open_.any(axis=0)))


def test_warming_the_compiled_round_solves_a_small_round_through_every_compiled_part() -> None:
    from bot.matching import warm_compiled
    from bot.matching.solver import compiled_solver

    assert compiled_solver()
    warm_compiled()  # raises if any compiled part fails on its tiny round
