"""A stand-in for `bot.matching.Pool` that holds each pool until the test opens the gate:
for tests of what a search does while a program's pool is being built."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from bot import matching
from bot.matching import Candidate


class Gate:
    """Stands in for bot.matching.Pool: counts the pools made, holds each until opened."""

    def __init__(self, *, fail_first: bool = False) -> None:
        self.real = matching.Pool
        self.made = 0
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.fail_first = fail_first

    def __call__(self, mentors: Sequence[Candidate]) -> Any:
        self.made += 1
        self.entered.set()
        assert self.opened.wait(30), "the gate was never opened"
        if self.fail_first and self.made == 1:
            raise RuntimeError("the text model could not be fitted")
        return self.real(mentors)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate()
    monkeypatch.setattr(matching, "Pool", gate)
    yield gate
    gate.opened.set()  # no thread of a failed test stays blocked


@pytest.fixture
def failing_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """The gate whose first pool fails (the text model could not be fitted)."""
    gate = Gate(fail_first=True)
    monkeypatch.setattr(matching, "Pool", gate)
    yield gate
    gate.opened.set()
