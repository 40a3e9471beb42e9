"""The fast scoring paths a round uses give the very numbers of the plain ones.

A round scores blocks through `block_points` (sparse rules struck out by coordinates,
mentor text dense); suggestions, reasons and the exact yardstick go through
`score_block` + `acceptable_points`. Any difference of one point would make the
certificate prove the wrong thing, so they are compared exactly, not approximately.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bot.matching import Pool, Weights, graph
from bot.matching.graph import acceptable_points, block_points, block_scores, top_per_row
from bot.matching.scoring import dense_text_t, history_matrix, score_block, to_points
from tests.unit.matching.test_round import random_people


@pytest.mark.parametrize("allow_repeats", [False, True])
@pytest.mark.parametrize(
    "weights", [Weights(), Weights(text=0, capacity=0), Weights(topics=0, min_score=0)]
)
def test_block_points_equal_the_plain_acceptable_points(
    weights: Weights, allow_repeats: bool
) -> None:
    mentees, mentors = random_people(3, 50, 30)
    pool = Pool(mentors)
    batch = pool.encode(mentees)
    past = history_matrix({(m.key, p.key) for m in mentees[:10] for p in mentors[:5]}, batch, pool)
    plain = acceptable_points(
        score_block(batch, slice(0, 50), pool, weights, past), pool, allow_repeats
    )
    for rows in (slice(0, 50), slice(7, 31), np.array([3, 4, 40])):
        fast = block_points(batch, rows, pool, weights, past, allow_repeats)
        assert fast.dtype == np.int32
        assert np.array_equal(fast, plain[rows])
        # A round's dense mentor text: the very same float32 scores.
        dense = block_scores(batch, rows, pool, weights, past, allow_repeats, dense_text_t(pool))
        sparse = block_scores(batch, rows, pool, weights, past, allow_repeats)
        assert np.array_equal(dense, sparse)
    cols = np.array([1, 5, 6, 29])
    some = block_points(batch, slice(0, 50), pool.columns(cols), weights, past, allow_repeats)
    assert np.array_equal(some, plain[:, cols])


def test_dense_mentor_text_gives_the_same_cosines_as_sparse() -> None:
    mentees, mentors = random_people(5, 40, 25)
    pool = Pool(mentors)
    batch = pool.encode(mentees)
    assert sp.issparse(pool.text_t) and isinstance(dense_text_t(pool), np.ndarray)
    dense = batch.text @ dense_text_t(pool)
    sparse = (batch.text @ pool.text_t).toarray()
    assert np.array_equal(dense, sparse)


def scores_and_points(seed: int, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """float32 scores, -1 for unacceptable pairs; several scores round to each point."""
    rng = np.random.default_rng(seed)
    score = rng.integers(0, 40, size=shape) / 1000 + rng.integers(0, 3, size=shape) / 1e5
    score = score.astype(np.float32)
    score[rng.random(shape) < 0.3] = -1
    points = to_points(score)
    points[points <= 0] = -1
    return score, points


def test_top_per_row_keeps_the_best_and_bounds_the_rest() -> None:
    score, points = scores_and_points(1, (30, 40))
    best, dropped = top_per_row(score, 100, 5)
    for i in range(30):
        row = points[i]
        ranked = sorted((int(p) for p in row if p > 0), reverse=True)
        mine = best.rows == 100 + i
        kept_points = best.points[mine].tolist()
        assert kept_points == ranked[:5]  # best first
        assert kept_points == [row[c] for c in best.cols[mine]]
        assert dropped[i] == (ranked[5] if len(ranked) > 5 else 0)


def pairs_of(edges: graph.Edges) -> list[tuple[int, int]]:
    return list(zip(edges.rows.tolist(), edges.cols.tolist(), strict=True))


@pytest.mark.parametrize("cells", [400, 3000, 10**6])  # many small blocks .. one block
@pytest.mark.parametrize("threads", [1, 2])
def test_the_graph_keeps_the_exact_best_pairs_and_bounds_every_other(
    monkeypatch: pytest.MonkeyPatch, cells: int, threads: int
) -> None:
    monkeypatch.setattr(graph, "BLOCK_CELLS", cells)
    monkeypatch.setattr(graph, "MIN_BLOCK_ROWS", 4)
    monkeypatch.setattr(graph, "THREADS", threads)
    mentees, mentors = random_people(11, 120, 40)
    pool = Pool(mentors)
    batch = pool.encode(mentees)
    weights = Weights()
    past = history_matrix(set(), batch, pool)
    k, deep = 2, 2 * graph.RESERVE_FACTOR
    points = block_points(batch, slice(0, 120), pool, weights, past, False).astype(np.int64)
    built = graph.build_graph(batch, pool, weights, k=k, history=past, allow_repeats=False)
    ids = {pair for e in (built.edges, built.reserve) for pair in pairs_of(e)}
    in_graph = set(pairs_of(built.edges))
    for e in (built.edges, built.reserve):
        assert np.array_equal(e.points, points[e.rows, e.cols])
    for i in range(120):  # each row's k best (ties: lower column) are in the graph
        ranked = sorted(
            (c for c in range(40) if points[i, c] > 0), key=lambda c: (-points[i, c], c)
        )
        assert {(i, c) for c in ranked[:k]} <= in_graph
    for j in range(40):  # each column's k best (ties: lower row) too
        ranked = sorted(
            (r for r in range(120) if points[r, j] > 0), key=lambda r: (-points[r, j], r)
        )
        assert {(r, j) for r in ranked[:k]} <= in_graph
        assert {(r, j) for r in ranked[:deep]} <= ids
    rows, cols = np.nonzero(points > 0)
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        if (r, c) not in ids:  # left out: its bounds must cover it (the certificate needs it)
            assert points[r, c] <= min(built.dropped_row[r], built.dropped_col[c])
    reference = graph.build_graph(batch, pool, weights, k=k, history=past, allow_repeats=False)
    assert np.array_equal(reference.edges.rows, built.edges.rows)
    assert np.array_equal(reference.edges.cols, built.edges.cols)
