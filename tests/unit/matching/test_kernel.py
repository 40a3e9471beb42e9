"""The compiled scoring pass gives the very graph the numpy pass gives: same edges, same
points, same reserve and bounds, whatever the instance (so the round, its certificate and
every explanation agree with `score_block`, which exact_round and suggest use)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given

from bot.matching import Pool, Weights, solve_round
from bot.matching.graph import CandidateGraph, build_graph, compiled_scoring
from bot.matching.reasons import explain
from bot.matching.scoring import history_matrix
from tests.unit.matching.test_properties import SETTINGS, Instance, instances
from tests.unit.matching.test_round import random_people

pytest.importorskip("numba")
pytestmark = pytest.mark.usefixtures("compiled")


def both_passes(
    mentees: list, mentors: list, history: frozenset, allow_repeats: bool, k: int, weights: Weights
) -> tuple[CandidateGraph, CandidateGraph]:
    pool = Pool(mentors)
    batch = pool.encode(mentees)
    past = history_matrix(history, batch, pool)
    graphs = tuple(
        build_graph(
            batch, pool, weights, k=k, history=past, allow_repeats=allow_repeats, compiled=c
        )
        for c in (True, False)
    )
    return graphs[0], graphs[1]


def assert_same(a: CandidateGraph, b: CandidateGraph) -> None:
    for name in ("edges", "reserve"):
        for part in ("rows", "cols", "points"):
            assert np.array_equal(getattr(getattr(a, name), part), getattr(getattr(b, name), part))
    assert np.array_equal(a.dropped_row, b.dropped_row)
    assert np.array_equal(a.dropped_col, b.dropped_col)


@SETTINGS
@given(instances())
def test_the_kernel_keeps_the_graph_numpy_keeps_on_random_instances(case: Instance) -> None:
    a, b = both_passes(
        case.mentees, case.mentors, case.history, case.allow_repeats, case.k, Weights()
    )
    assert_same(a, b)


@pytest.mark.parametrize(
    "weights",
    [
        Weights(),
        Weights(text=0, capacity=0, min_score=0),
        Weights(topics=0, timezone=1, min_text_similarity=0),
    ],
)
def test_the_kernel_keeps_the_graph_numpy_keeps_on_crowded_rows_and_columns(
    weights: Weights,
) -> None:
    # Many mentees per mentor and a small k: the row and column cuts are exercised.
    mentees, mentors = random_people(3, 400, 60)
    history = frozenset((m.key, b.key) for m, b in zip(mentees[::7], mentors, strict=False))
    a, b = both_passes(mentees, mentors, history, False, 2, weights)
    assert len(a.edges) and len(a.reserve)
    assert_same(a, b)


def test_a_tfidf_pool_uses_the_kernel() -> None:
    mentees, mentors = random_people(1, 5, 5)
    pool = Pool(mentors)
    assert compiled_scoring(pool.encode(mentees), pool)


@pytest.mark.parametrize("seed", range(3))
def test_the_compiled_certificate_finds_the_duals_numpy_finds(seed: int) -> None:
    compiled, numpy = _duals_both_ways(seed)
    assert np.array_equal(compiled[0], numpy[0])
    assert np.array_equal(compiled[1], numpy[1])


def _duals_both_ways(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from bot.matching.certify import _relax_numpy, round_duals
    from bot.matching.kernel import relax
    from bot.matching.solver import max_weight_assignment

    mentees, mentors = random_people(seed, 120, 30)
    pool = Pool(mentors)
    batch = pool.encode(mentees)
    graph = build_graph(batch, pool, Weights(), k=3, history=None, allow_repeats=False)
    capacity = np.where(pool.available, pool.capacity_left, 0)
    assigned = max_weight_assignment(graph.edges, capacity, len(batch))
    assert round_duals(graph.edges, assigned, capacity) is not None
    edges = graph.edges
    used = assigned[edges.rows] == edges.cols
    matched = np.flatnonzero(assigned >= 0)
    own = np.zeros(len(batch), dtype=np.int64)
    own[edges.rows[used]] = edges.points[used]
    arcs = (
        matched,
        assigned[matched],
        own,
        *(a[~used] for a in (edges.rows, edges.cols, edges.points)),
    )
    found = []
    for relaxation in (relax, _relax_numpy):
        mentee = np.where(assigned < 0, 0, 2**60).astype(np.int64)
        load = np.bincount(assigned[matched], minlength=len(pool))
        mentor = np.where(load > 0, 0, 2**60).astype(np.int64)
        assert relaxation(mentee, mentor, arcs, len(batch) + len(pool) + 1)
        found.append((mentee, mentor))
    return found


@pytest.mark.parametrize(("seed", "allow_repeats"), [(0, False), (1, True), (2, False)])
def test_the_compiled_certificate_brings_back_the_pairs_numpy_brings_back(
    seed: int, allow_repeats: bool
) -> None:
    from bot.matching.assign import ADD_PER_ROW, _compiled_improving_pairs, _improving_pairs
    from bot.matching.certify import Duals, round_duals
    from bot.matching.graph import kernel_arguments
    from bot.matching.solver import max_weight_assignment

    mentees, mentors = random_people(seed, 150, 40)
    history = {(m.key, b.key) for m, b in zip(mentees[::5], mentors * 4, strict=False)}
    pool = Pool(mentors)
    batch = pool.encode(mentees)
    past = history_matrix(history, batch, pool)
    weights = Weights()
    graph = build_graph(batch, pool, weights, k=1, history=past, allow_repeats=allow_repeats)
    capacity = np.where(pool.available, pool.capacity_left, 0)
    assigned = max_weight_assignment(graph.edges, capacity, len(batch))
    duals = round_duals(graph.edges, assigned, capacity)
    assert duals is not None
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(batch), 100, replace=False))
    cols = np.sort(rng.choice(len(pool), 25, replace=False))
    args = kernel_arguments(batch, pool, weights, past, allow_repeats)
    # The round's duals, then none at all: every acceptable pair improves, and only each
    # row's ADD_PER_ROW best (ties to the earlier column) come back.
    nothing = Duals(np.zeros(len(batch), np.int64), np.zeros(len(pool), np.int64))
    # And prices all over the points' range: many pairs just above or below their bound.
    scattered = Duals(rng.integers(0, 3000, len(batch)), rng.integers(0, 3000, len(pool)))
    for against in (duals, nothing, scattered):
        numpy_pairs = _improving_pairs(
            batch, rows, pool.columns(cols), weights, past, allow_repeats, against, graph.edges
        )
        kernel_pairs = _compiled_improving_pairs(
            args, pool, rows, cols, against, graph.edges, graph
        )
        assert len(numpy_pairs) > 0
        for part in ("rows", "cols", "points"):
            assert np.array_equal(getattr(numpy_pairs, part), getattr(kernel_pairs, part))
    assert np.bincount(numpy_pairs.rows).max() == ADD_PER_ROW


@pytest.mark.parametrize("seed", [0, 6])
def test_a_compiled_round_gives_each_pair_its_own_reasons_though_earlier_solves_were_explained(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While a solve runs, the reasons of the previous solve's pairs are worked out: the
    # pairs the next solve changes must get their own reasons, not a stale pair's.
    import bot.matching.assign as assign

    solved: list[np.ndarray] = []
    real_solve = assign.solve

    def recording_solve(*args: object, **kwargs: object) -> assign.Solution:
        solution = real_solve(*args, **kwargs)  # type: ignore[arg-type]
        solved.append(solution.assigned.copy())
        return solution

    monkeypatch.setattr(assign, "solve", recording_solve)
    mentees, mentors = random_people(seed, 120, 30)
    pool = Pool(mentors)
    result = solve_round(mentees, pool, k=1, compiled=True)
    changed = sum(int(((b != a) & (b >= 0)).sum()) for a, b in pairwise(solved))
    assert result.stats.certified and len(solved) >= 2 and changed > 0

    # Reasons were written while each later solve ran; after the last one, only for its
    # pairs that no earlier solve had.
    def pairs_of(assigned: np.ndarray) -> set[tuple[int, int]]:
        return {(i, int(assigned[i])) for i in np.flatnonzero(assigned >= 0).tolist()}

    earlier = set().union(*(pairs_of(a) for a in solved[:-1]))
    assert result.stats.explained_late == len(pairs_of(solved[-1]) - earlier)
    assert result.stats.explained_late < len(result.pairs)

    plain = solve_round(mentees, Pool(mentors), k=1, compiled=False)
    assert result.pairs == plain.pairs and result.unmatched == plain.unmatched
    fresh = Pool(mentors)
    batch = fresh.encode(mentees)
    row = {key: at for at, key in enumerate(batch.keys.tolist())}
    col = {key: at for at, key in enumerate(fresh.keys.tolist())}
    for pair in result.pairs:
        alone = explain(batch, [row[pair.mentee_key]], fresh, [col[pair.mentor_key]], Weights())
        assert pair.reasons == alone[0]
