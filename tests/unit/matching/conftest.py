"""The compiled matching code, compiled once per run.

numba caches what it compiles beside the source (`cache=True`): one xdist worker compiles
the kernel and the solver (some twenty seconds of CPU from a clean checkout) while the
others wait for it, then they all load it from the cache, instead of each compiling it.
"""

from __future__ import annotations

import pytest

from tests.conftest import one_worker_at_a_time


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> None:
    pytest.importorskip("numba")
    import bot.matching.assign as assign
    import bot.matching.certify as certify
    import bot.matching.graph as graph
    from bot.matching import Pool, solve_round
    from tests.unit.matching.test_round import random_people

    with one_worker_at_a_time(tmp_path_factory, "numba"), pytest.MonkeyPatch.context() as patch:
        # Every compiled path of a round, on a round small enough to take no time itself:
        # scoring, the solver routed both ways, the certificate's relax and rescoring.
        patch.setattr(assign, "COMPILED_MIN_PAIRS", 0)
        patch.setattr(graph, "COMPILED_MIN_PAIRS", 0)
        patch.setattr(certify, "COMPILED_MIN_EDGES", 0)
        for seed, n, m in ((0, 60, 20), (2, 20, 40)):
            mentees, mentors = random_people(seed, n, m)
            solve_round(mentees, Pool(mentors), k=1)
