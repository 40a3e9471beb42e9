"""The compiled matching code, compiled once per run (tests/prepared.py): in the background
from the run's start, or by the first worker that needs it while the others wait; then
every worker loads it from numba's cache instead of compiling it again."""

from __future__ import annotations

import pytest

from tests import prepared
from tests.conftest import one_worker_at_a_time


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> None:
    pytest.importorskip("numba")
    with one_worker_at_a_time(tmp_path_factory, "numba") as where:
        prepared.make("numba", where)
