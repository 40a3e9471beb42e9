"""Slow things a run makes once, started in the background when the run starts.

`one_worker_at_a_time` (conftest) lets one xdist worker make a thing while the others wait
for it. Two things take long and are needed only later in a run: the demo's two tellings
(half a minute of CPU) and numba's compiled matching code (twenty seconds from a clean
checkout). The run's first process (xdist's controller, or the only one under -n0) starts
their makers before any test runs, each holding its thing's lock until it is done, so
they use the cores while the early tests wait on processes, sockets and databases; a
fixture that needs the thing takes the lock after them and finds it made (or, if its
maker failed, makes it itself).

    python -m tests.prepared NAME DIRECTORY    # what the background maker runs
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

DONE = "done"


def _tell_the_demo(where: Path) -> None:
    from tests.integration.demo_telling import tell_twice

    tell_twice(where)


def _compile_matching(where: Path) -> None:
    from tests.unit.matching.compile import compile_all

    compile_all()


# name -> (the tests that need it, relative to the root; how to make it in a directory)
MAKERS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "demo": ("tests/integration/test_demo.py", _tell_the_demo),
    "numba": ("tests/unit/matching", _compile_matching),
}


def make(name: str, where: Path) -> None:
    """Make `name` in `where` unless it is there; the caller holds its lock."""
    if (where / DONE).exists():
        return
    MAKERS[name][1](where)
    (where / DONE).touch()


def start_in_background(base: Path, name: str, root: Path) -> None:
    """Take `name`'s lock in `base` and hand it to a background maker, which holds it until
    it exits (a flock belongs to the open file, which the child shares)."""
    where = base / name
    where.mkdir(exist_ok=True)
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open(where / "background.log", "w") as log:
            subprocess.Popen(
                [sys.executable, "-m", "tests.prepared", name, str(where)],
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(lock.fileno(),),
            )


def needed(name: str, root: Path, invoked_from: Path, args: list[str]) -> bool:
    """Whether the paths this run was given hold the tests that need `name`."""
    target = (root / MAKERS[name][0]).resolve()
    for arg in args or ["tests"]:
        path = (invoked_from / arg.split("::")[0]).resolve()
        if path == target or path in target.parents or target in path.parents:
            return True
    return False


if __name__ == "__main__":
    name, where = sys.argv[1], Path(sys.argv[2])
    try:
        make(name, where)
    except Exception:  # the fixture makes it itself; the log says why this did not
        import traceback

        traceback.print_exc()
        sys.exit(1)
