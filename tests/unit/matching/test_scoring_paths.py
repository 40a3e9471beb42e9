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

from bot.matching import Pool, Weights
from bot.matching.graph import acceptable_points, block_points, top_per_column, top_per_row
from bot.matching.scoring import dense_text_t, history_matrix, score_block
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


def test_top_per_row_keeps_the_best_and_bounds_the_rest() -> None:
    rng = np.random.default_rng(1)
    points = rng.integers(-1, 50, size=(30, 40)).astype(np.int32)
    for key_type in (np.int32, np.int64):
        best, dropped = top_per_row(points, 100, 5, key_type)
        for i in range(30):
            row = points[i]
            # Best first, ties toward the lower column, only positive points.
            want = sorted((c for c in range(40) if row[c] > 0), key=lambda c: (-row[c], c))
            mine = best.cols[best.rows == 100 + i].tolist()
            assert mine == want[:5]
            assert dropped[i] == (row[want[5]] if len(want) > 5 else 0)


def test_top_per_column_keeps_each_columns_best_rows() -> None:
    rng = np.random.default_rng(2)
    points = rng.integers(-1, 50, size=(30, 8)).astype(np.int32)
    n = 1000
    keys = top_per_column(points, 10, n, 4, np.int32)
    for j in range(8):
        col = points[:, j]
        want = sorted(((col[i], -(10 + i)) for i in range(30) if col[i] > 0), reverse=True)[:4]
        got = sorted(((k // n, -(n - 1 - k % n)) for k in keys[j] if k >= 0), reverse=True)
        assert got == want
