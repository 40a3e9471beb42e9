"""One call to the emulator: the request a method reads, the reply it makes, the record kept.

Every part of the emulator speaks this small vocabulary: a Web API method reads a
:class:`Request` and returns a JSON body or raises :class:`SlackError`; the pipeline turns
that into a :class:`Reply` and records a :class:`Call` in the :class:`CallLog` tests read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]
JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request the emulator answered, as recorded for tests."""

    method: str  # API method, or "response_url" / "upload" / "ack"
    args: JsonDict  # parsed arguments; JSON-string args (blocks, view, ...) decoded
    token: str | None
    at: float  # arrival time on the emulator's clock
    status: int = 200  # HTTP status answered
    response: JsonDict = field(default_factory=dict)
    fault: str | None = None  # "ratelimited", "rate_limiter", "http_error", "error" when injected
    delay: float = 0.0  # seconds of injected latency
    warnings: tuple[str, ...] = ()  # emulator lint that Slack would not reject

    @property
    def ok(self) -> bool:
        if not self.response:  # a plain-text answer (an upload URL's): the status says it
            return self.status == 200
        return self.status == 200 and self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        return self.response.get("error")


class ManualClock:
    """A clock tests move by hand (pass as ``clock=``); thread-safe."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, now: float) -> None:
        with self._lock:
            self._now = now


@dataclass
class Request:
    """What a method handler reads: its arguments, and where it notes lint for the record."""

    method: str
    args: JsonDict
    token: str | None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Reply:
    status: int
    body: JsonDict | str | bytes
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None  # why the answer is not the method's own (see Call.fault)


class SlackError(Exception):
    """Raised by method handlers; becomes ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.body: JsonDict = {"ok": False, "error": error, **extra}


def invalid_arguments(*messages: str) -> SlackError:
    return SlackError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {m}" for m in messages]}
    )


def flag(value: Any) -> bool:
    """Slack's truthiness for form values ("1", "true") and JSON booleans."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


class CallLog:
    """The calls answered so far; thread-safe, and waitable from tests."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._changed = threading.Condition()

    def record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def calls(self, method: str | None = None) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        with self._changed:
            self._calls.clear()

    def wait_for(
        self,
        method: str | None,
        count: int,
        timeout: float,
        predicate: Callable[[Call], bool] | None,
    ) -> list[Call]:
        deadline = time.monotonic() + timeout

        def matching() -> list[Call]:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method) and (predicate is None or predicate(c))
            ]

        with self._changed:
            while len(found := matching()) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{c.method}:{c.status}:{c.error or 'ok'}" for c in self._calls]
                    raise TimeoutError(
                        f"waited {timeout}s for {count} {method or 'any'} call(s), "
                        f"got {len(found)}; recorded: {seen}"
                    )
                self._changed.wait(remaining)
            return found
