"""Start-up serves first: building the app loads none of the matcher's numeric libraries;
`warm()` loads them after, and binds every name the matcher exports to what it names."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(code: str, *modules: str) -> dict[str, bool]:
    """Which of `modules` a fresh interpreter has loaded after running `code`."""
    probe = f"import sys; {code}; print(*(m in sys.modules for m in {modules!r}))"
    printed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    return dict(zip(modules, (word == "True" for word in printed), strict=True))


def test_loading_the_bot_and_its_listeners_imports_no_numeric_library() -> None:
    start = "import bot.app, bot.cli, handlers, scheduling.scheduler"
    numeric = ("sklearn", "scipy", "numpy", "matplotlib")

    assert _loaded_after(start, *numeric) == dict.fromkeys(numeric, False)


def test_warming_the_matcher_imports_what_the_first_search_needs() -> None:
    loaded = _loaded_after(
        "import bot.matching; bot.matching.warm()", "scipy.sparse.csgraph", "sklearn", "numba"
    )
    # numba is for rounds of millions of pairs: a web process that never runs one never
    # carries it. The text model computes its TF-IDF without scikit-learn (~1 s to load).
    assert loaded == {"scipy.sparse.csgraph": True, "sklearn": False, "numba": False}


def test_after_warming_every_exported_name_is_what_it_names_not_a_module() -> None:
    # `suggest` is both a submodule and the function it exports.
    probe = (
        "import types, bot.matching as m; m.warm(); "
        "print([n for n in m.__all__ if isinstance(getattr(m, n), types.ModuleType)])"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"


def test_a_server_loads_the_compiled_round_only_for_a_program_big_enough_to_use_it() -> None:
    compiled = ("numba", "bot.matching.kernel", "bot.matching.kept", "bot.matching.flow")
    small = "import bot.cli as c; c._warm_compiled_if_needed(1_999_999)"
    big = "import bot.cli as c; c._warm_compiled_if_needed(2_000_000)"

    assert _loaded_after(small, *compiled) == dict.fromkeys(compiled, False)
    assert _loaded_after(big, *compiled) == dict.fromkeys(compiled, True)
