"""README.md names every `mentorbot` command and every coordinator's `/mentor` subcommand
the code has, so an operator or a coordinator reading it finds each one."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli import _parser
from bot.commands import SUBCOMMANDS, Audience

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands(parser: argparse.ArgumentParser, prefix: str = "mentorbot") -> list[str]:
    """Every command line the parser takes, nested ones spelled out (`mentorbot db upgrade`)."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _commands(sub, f"{prefix} {name}")
                found += nested or [f"{prefix} {name}"]
    return found


def test_the_readme_names_every_mentorbot_command() -> None:
    commands = _commands(_parser())

    assert {"mentorbot export", "mentorbot roster import", "mentorbot db upgrade"} <= set(commands)
    assert [c for c in commands if f"`{c}" not in README] == []


def test_the_readme_names_every_coordinators_subcommand() -> None:
    theirs = [s.usage for s in SUBCOMMANDS if s.audience is Audience.COORDINATORS]

    assert len(theirs) >= 8
    assert [usage for usage in theirs if f"`{usage.split(' [')[0]}" not in README] == []
