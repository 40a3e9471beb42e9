"""Start-up serves first: building the app loads no scikit-learn; `warm()` loads it after."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(code: str) -> str:
    probe = f"import sys; {code}; print('sklearn' in sys.modules)"
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_loading_the_bot_and_its_listeners_does_not_import_scikit_learn() -> None:
    assert _loaded_after("import bot.app, bot.cli, handlers, scheduling.scheduler") == "False"


def test_warming_the_matcher_imports_what_the_first_search_needs() -> None:
    assert _loaded_after("import bot.matching; bot.matching.warm()") == "True"
