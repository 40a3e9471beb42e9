"""Work a listener starts and must not wait for: one daemon thread, one job at a time.

Bolt's listener pool is small (design.md), so work that may wait minutes on Slack's rate
limits (a roster import's lookups, ~50 a minute) runs here instead, after the listener
has answered. Jobs run in the order given; a job that raises is logged and the next one
runs. The thread is a daemon: stopping the process does not wait for a long job (work
that must survive that keeps its own row, as roster imports do, and is resumed).
A job given with a key is not given again while one with that key waits or runs.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from bot import metrics

log = logging.getLogger(__name__)

Job = Callable[[], object]


class Background:
    def __init__(self, name: str = "background") -> None:
        self._name = name
        self._jobs: queue.Queue[tuple[Job, str | None]] = queue.Queue()
        self._pending = 0
        self._keys: set[str] = set()  # of the jobs waiting or running
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, job: Job, key: str | None = None) -> bool:
        """Run `job` in the background; False (and nothing done) when a job with `key`
        is already waiting or running."""
        with self._changed:
            if key is not None:
                if key in self._keys:
                    return False
                self._keys.add(key)
            self._pending += 1
            if self._thread is None:  # started on first use: the CLI never needs one
                self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._thread.start()
        self._jobs.put((job, key))
        return True

    def wait_idle(self, timeout: float | None) -> bool:
        """True once every job given so far has finished (False after `timeout` seconds;
        None waits as long as it takes)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while self._pending:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    def _work(self) -> None:
        while True:
            job, key = self._jobs.get()
            try:
                # Its own job id and summary line; the id of the request that asked
                # for it is on the line that did (see the listener's log).
                with metrics.observed_job(log, _name_of(job)):
                    job()
            except Exception:
                log.exception("background job failed")
            finally:
                with self._changed:
                    self._pending -= 1
                    if key is not None:
                        self._keys.discard(key)
                    self._changed.notify_all()


def _name_of(job: Job) -> str:
    """The job's function, e.g. bot.roster_uploads.run (through a functools.partial)."""
    func = getattr(job, "func", job)
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', 'job')}"
