"""Every compiled path of a round, run once on a round small enough to take no time itself
(scoring, the solver routed both ways, the certificate's relax and rescoring): numba
compiles them into its cache beside the source, or loads them from it."""

from __future__ import annotations

import pytest


def compile_all() -> None:
    import bot.matching.assign as assign
    import bot.matching.certify as certify
    import bot.matching.graph as graph
    from bot.matching import Pool, solve_round
    from tests.unit.matching.test_round import random_people

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assign, "COMPILED_MIN_PAIRS", 0)
        patch.setattr(graph, "COMPILED_MIN_PAIRS", 0)
        patch.setattr(certify, "COMPILED_MIN_EDGES", 0)
        for seed, n, m in ((0, 60, 20), (2, 20, 40)):
            mentees, mentors = random_people(seed, n, m)
            solve_round(mentees, Pool(mentors), k=1)
