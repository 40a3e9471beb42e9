"""The layering of design.md, checked on the real import graph so it cannot drift.

- Only the composition root (bot.app, bot.cli, the bot.demo package) imports handlers/ and
  scheduling/.
- bot/matching is pure: nothing of storage (beyond the plain vocabulary in bot.db.enums),
  of Slack, or of the rest of the bot.
- The Slack emulator imports nothing of the bot, so it stays an independent check on it.
"""

from __future__ import annotations

import subprocess
import sys

import grimp
import pytest

COMPOSITION_ROOT = ("bot.app", "bot.cli", "bot.demo")
SLACK_AND_STORAGE = ("sqlalchemy", "alembic", "slack_sdk", "slack_bolt")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("bot", "handlers", "scheduling", include_external_packages=True)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _imports(graph: grimp.ImportGraph, package: str) -> list[tuple[str, str]]:
    """Every direct import made by `package` or its descendants."""
    modules = {package} | graph.find_descendants(package)
    return sorted(
        (importer, imported)
        for importer in modules
        for imported in graph.find_modules_directly_imported_by(importer)
    )


def test_only_the_composition_root_imports_handlers_and_scheduling(graph) -> None:
    offenders = [
        (importer, imported)
        for importer, imported in _imports(graph, "bot")
        if not any(_within(importer, root) for root in COMPOSITION_ROOT)
        and (_within(imported, "handlers") or _within(imported, "scheduling"))
    ]
    assert offenders == []


def test_the_matching_engine_imports_nothing_of_storage_slack_or_the_bot(graph) -> None:
    offenders = [
        (importer, imported)
        for importer, imported in _imports(graph, "bot.matching")
        if imported.split(".")[0] in SLACK_AND_STORAGE
        or (
            _within(imported, "bot")
            and not _within(imported, "bot.matching")
            and imported != "bot.db.enums"
        )
    ]
    assert offenders == []


def test_the_vocabulary_the_matching_engine_uses_is_plain_python(graph) -> None:
    assert [
        imported
        for imported in graph.find_modules_directly_imported_by("bot.db.enums")
        if imported.split(".")[0] not in ("enum", "__future__")
    ] == []


def test_the_slack_emulator_imports_nothing_of_the_bot(graph) -> None:
    offenders = [
        (importer, imported)
        for importer, imported in _imports(graph, "bot.emulator")
        if _within(imported, "bot") and not _within(imported, "bot.emulator")
    ]
    assert offenders == []


def test_the_bot_package_itself_imports_nothing_at_import_time(graph) -> None:
    # `import bot.emulator` (the tests, the demo) must not drag in the whole bot with it.
    assert graph.find_modules_directly_imported_by("bot") == set()


def test_importing_the_matching_engine_loads_no_storage_or_slack_library() -> None:
    # grimp sees direct imports; this sees what Python actually loads (package __init__s too).
    code = (
        "import sys, bot.matching; "
        f"print(sorted(m for m in {SLACK_AND_STORAGE!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
