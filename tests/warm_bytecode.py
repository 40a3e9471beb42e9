"""Compiled bytecode written once, by the run's first process, before xdist's workers start.

From a fresh clone (CI) nothing is cached: every worker compiles the whole bot, and
pytest rewrites the asserts of all 126 test modules and conftests, each worker for itself
and all at once, so none finds what another wrote (6-9 CPU seconds a worker here). The
controller, which collects nothing itself, writes both caches first, while
tests/prepared.py's makers use the other core; the workers then read them. Collecting
the whole suite from a fresh cache (`-k` matching nothing): 33 -> 26 CPU s. With the
caches already written this only compares each file's stamp (tens of milliseconds).

The rewritten modules are written with pytest's own functions, as its import hook does;
they are internal, so a pytest that moved them only loses the head start (the workers
rewrite for themselves, as before).
"""

from __future__ import annotations

import compileall
import contextlib
import re
import sys
from pathlib import Path

import pytest

PACKAGES = ("bot", "handlers", "scheduling", "tests")
# Test modules and conftests: pytest rewrites them into pycs of its own instead.
REWRITTEN = re.compile(r"[/\\](test_[^/\\]*|conftest)\.py$")


def warm(config: pytest.Config) -> None:
    if sys.dont_write_bytecode:  # nowhere to write it (see _share_compiled_modules)
        return
    root = config.rootpath
    for package in PACKAGES:
        compileall.compile_dir(root / package, quiet=1, rx=REWRITTEN)
    if config.getoption("assertmode", "rewrite") == "rewrite":
        # pytest's internals moved: the workers rewrite for themselves, as before.
        with contextlib.suppress(ImportError, AttributeError, KeyError, TypeError):
            _rewrite_test_modules(config, _given(config))


def _given(config: pytest.Config) -> list[Path]:
    """The Python files under the paths the run was given (every worker collects them all)."""
    invoked_from = config.invocation_params.dir
    files: set[Path] = set()
    for arg in config.args or ["tests"]:
        path = (invoked_from / arg.split("::")[0]).resolve()
        files.update(path.rglob("*.py") if path.is_dir() else [path])
    return sorted(files)


def _rewrite_test_modules(config: pytest.Config, files: list[Path]) -> None:
    from _pytest.assertion import rewrite
    from _pytest.assertion.rewrite import assertstate_key
    from _pytest.pathlib import fnmatch_ex

    state = config.stash[assertstate_key]
    patterns = config.getini("python_files")
    for path in files:
        wanted = path.name == "conftest.py" or any(fnmatch_ex(p, path) for p in patterns)
        if not wanted or not path.is_file():
            continue
        cache_dir = rewrite.get_cache_dir(path)
        pyc = cache_dir / (path.name[:-3] + rewrite.PYC_TAIL)
        if rewrite._read_pyc(path, pyc) is not None or not rewrite.try_makedirs(cache_dir):
            continue
        source_hash, code = rewrite._rewrite_test(path, config)
        rewrite._write_pyc(state, code, source_hash, pyc)
