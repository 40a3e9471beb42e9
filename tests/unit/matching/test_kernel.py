"""The compiled scoring pass gives the very graph the numpy pass gives: same edges, same
points, same reserve and bounds, whatever the instance (so the round, its certificate and
every explanation agree with `score_block`, which exact_round and suggest use)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from bot.matching import Pool, Weights
from bot.matching.graph import CandidateGraph, build_graph, compiled_scoring
from bot.matching.scoring import history_matrix
from tests.unit.matching.test_properties import SETTINGS, Instance, instances
from tests.unit.matching.test_round import random_people

pytest.importorskip("numba")


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
