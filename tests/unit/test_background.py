"""The background worker: jobs in order, and a job given with a key runs once however
often it is given while it waits (the due-work tick hands roster imports over each tick)."""

from __future__ import annotations

import threading

from bot.background import Background


def test_a_job_given_again_with_its_key_while_it_waits_runs_once() -> None:
    background, gate, ran = Background(), threading.Event(), []
    background.submit(gate.wait)  # holds the worker, so the next ones wait

    first = background.submit(lambda: ran.append("first"), key="roster-import:1")
    again = background.submit(lambda: ran.append("again"), key="roster-import:1")
    other = background.submit(lambda: ran.append("other"), key="roster-import:2")
    gate.set()

    assert (first, again, other) == (True, False, True)
    assert background.wait_idle(5) and ran == ["first", "other"]


def test_once_a_keyed_job_is_done_its_key_may_be_given_again() -> None:
    background, ran = Background(), []
    background.submit(lambda: ran.append(1), key="k")
    assert background.wait_idle(5)

    assert background.submit(lambda: ran.append(2), key="k")
    assert background.wait_idle(5) and ran == [1, 2]


def test_a_job_that_raises_is_logged_and_the_next_one_runs() -> None:
    background, ran = Background(), []

    background.submit(lambda: 1 / 0, key="bad")
    background.submit(lambda: ran.append("next"))

    assert background.wait_idle(5) and ran == ["next"]
    assert background.submit(lambda: None, key="bad")  # its key was freed too
    assert background.wait_idle(None)
