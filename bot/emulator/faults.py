"""Everything that makes the emulator answer worse than a healthy Slack would.

- Injected faults: the public API (:class:`FaultInjection`, part of ``SlackEmulator``),
  the faults it stores (:class:`Fault`) and the answer each one gives (:meth:`Faults.reply`).
  A new kind of fault goes here only: a ``Fault.kind``, a method on ``FaultInjection``
  and its answer in ``Faults.reply`` (or its delay in ``Faults.delay``, or its gate in
  ``Faults.wait_if_held``).
- Slack's rate limits, when enabled: tiers per method; chat.postMessage per channel and
  across the workspace.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.emulator.calls import Clock, JsonDict, Reply

# --------------------------------------------------------------------------------------
# Injected faults
# --------------------------------------------------------------------------------------


@dataclass
class Fault:
    kind: Literal["ratelimit", "status", "error", "slow", "hold"]
    method: str | None
    remaining: int | None  # None: until reset_faults()
    retry_after: int = 1
    status: int = 500
    error: str = ""
    seconds: float = 0.0
    passes: int = 0  # hold: matching calls let through before the first one is held
    gate: threading.Event = field(default_factory=threading.Event)  # hold: set = open
    after: int = 0  # matching calls answered normally before this fault starts

    def take(self, method: str) -> bool:
        if self.method not in (None, method) or self.remaining == 0:
            return False
        if self.after > 0:
            self.after -= 1
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True


class Faults:
    """Injected faults, each consumed by the calls it matches; thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._waiting = 0  # calls held at a gate right now

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def reset(self) -> None:
        with self._lock:
            for fault in self._faults:
                fault.gate.set()  # nothing stays held once its fault is gone
            self._faults.clear()

    def delay(self, method: str) -> float:
        """Seconds to wait before answering ``method`` (every matching slow fault adds up)."""
        with self._lock:
            return sum(f.seconds for f in self._faults if f.kind == "slow" and f.take(method))

    def wait_if_held(self, method: str) -> None:
        """Block a call of ``method`` while a hold matches it (see ``FaultInjection.hold``)."""
        with self._lock:
            holds = (f.gate for f in self._faults if f.kind == "hold" and _holds(f, method))
            gate = next(holds, None)
            if gate is None:
                return
            self._waiting += 1
        try:
            gate.wait()
        finally:
            with self._lock:
                self._waiting -= 1

    @property
    def waiting(self) -> int:
        with self._lock:
            return self._waiting

    def release(self) -> None:
        with self._lock:
            for fault in self._faults:
                if fault.kind == "hold":
                    fault.gate.set()
            self._faults = [f for f in self._faults if f.kind != "hold"]

    def reply(self, method: str) -> Reply | None:
        """The injected answer for ``method``, if a fault matches."""
        with self._lock:
            fault = next(
                (f for f in self._faults if f.kind not in ("slow", "hold") and f.take(method)),
                None,
            )
        if fault is None:
            return None
        if fault.kind == "ratelimit":
            body = {"ok": False, "error": "ratelimited"}
            headers = {"Retry-After": str(fault.retry_after)}
            return Reply(429, body, headers, fault="ratelimited")
        if fault.kind == "error":
            return Reply(200, {"ok": False, "error": fault.error}, fault="error")
        error = "service_unavailable" if fault.status == 503 else "internal_error"
        return Reply(fault.status, {"ok": False, "error": error}, fault="http_error")


def _holds(fault: Fault, method: str) -> bool:
    """Whether a hold keeps this call waiting (its first ``passes`` matching calls go by)."""
    if fault.gate.is_set() or fault.method not in (None, method):
        return False
    if fault.passes > 0:
        fault.passes -= 1
        return False
    return True


class FaultInjection:
    """The fault-injection API of ``SlackEmulator`` (which sets ``_faults``)."""

    _faults: Faults

    def rate_limit(
        self,
        method: str | None = None,
        retry_after: float = 1,
        times: int | None = None,
        after: int = 0,
    ) -> None:
        """Answer matching calls with HTTP 429 + Retry-After (``times=None``: until reset),
        once ``after`` matching calls went through (a limit hit in the middle of a batch)."""
        retry_after = max(0, math.ceil(retry_after))  # slack_sdk parses it as an int
        self._faults.add(Fault("ratelimit", method, times, retry_after=retry_after, after=after))

    def fail(
        self,
        method: str | None = None,
        status: int = 500,
        times: int | None = 1,
        error: str | None = None,
    ) -> None:
        """Answer with HTTP ``status``, or with HTTP 200 ``{"ok": false, "error": error}``."""
        if error:
            self._faults.add(Fault("error", method, times, error=error))
        else:
            self._faults.add(Fault("status", method, times, status=status))

    def slow(
        self, method: str | None = None, seconds: float = 2.0, times: int | None = None
    ) -> None:
        """Delay matching calls by ``seconds`` (real time) before answering."""
        self._faults.add(Fault("slow", method, times, seconds=seconds))

    def hold(self, method: str | None = None, after: int = 0) -> None:
        """Keep matching calls waiting, neither answered nor recorded, until ``release_held()``
        (or ``reset_faults()``); the first ``after`` of them go through.

        A test can then act while a call is certainly in flight (``held_calls()``), e.g.
        kill the caller: once released, the call is answered and recorded as Slack would
        have done for a request it received from a client that died waiting.
        """
        self._faults.add(Fault("hold", method, None, passes=after))

    def held_calls(self) -> int:
        """How many calls are waiting at a hold right now."""
        return self._faults.waiting

    def wait_held(self, count: int = 1, timeout: float = 10.0) -> None:
        """Block until ``count`` calls are waiting at a hold; AssertionError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self._faults.waiting < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self._faults.waiting} call(s) held, expected {count}")
            time.sleep(0.005)

    def release_held(self) -> None:
        """Let every held call through, and stop holding."""
        self._faults.release()

    def reset_faults(self) -> None:
        self._faults.reset()


# --------------------------------------------------------------------------------------
# Slack's rate limits
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """A token bucket: ``per_minute`` steady rate, up to ``burst`` calls at once."""

    per_minute: float
    burst: int


# Slack's published tiers are "N+ per minute"; bursts are our guess at "sporadic bursts".
DEFAULT_TIERS: Mapping[int, Bucket] = {
    1: Bucket(1, 3),
    2: Bucket(20, 20),
    3: Bucket(50, 50),
    4: Bucket(100, 100),
}
METHOD_TIERS: Mapping[str, int] = {
    "api.test": 4,
    "auth.test": 4,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "conversations.info": 3,
    "conversations.join": 3,
    "conversations.open": 3,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "files.info": 4,
    "team.info": 3,
    "users.info": 4,
    "users.list": 2,
    "users.lookupByEmail": 3,
    "views.open": 4,
    "views.publish": 4,
    "views.push": 4,
    "views.update": 4,
}


# chat.postMessage across all channels of a workspace. Slack's method page: "It will
# generally allow an app to post 1 message per second to a specific channel. There are
# limits governing your app's relationship with the entire workspace above that, limiting
# posting to several hundred messages per minute. Generous burst behavior is also granted."
# (https://api.slack.com/methods/chat.postMessage, "Rate limiting"). Slack gives no exact
# figure: 300 a minute is the low end of "several hundred", and a minute's worth of burst
# is what this module already grants the tier that Slack calls "generous burst behavior".
POST_MESSAGE_WORKSPACE = Bucket(300, 300)


@dataclass(frozen=True)
class RateLimits:
    """Slack-like rate limits: per method and token; chat.postMessage per channel and
    per workspace (None: not limited)."""

    tiers: Mapping[int, Bucket] = field(default_factory=lambda: dict(DEFAULT_TIERS))
    method_tiers: Mapping[str, int] = field(default_factory=lambda: dict(METHOD_TIERS))
    default_tier: int = 3
    # "one message per second per channel", short bursts allowed.
    post_message_per_channel: Bucket = Bucket(60, 5)
    post_message_workspace: Bucket | None = POST_MESSAGE_WORKSPACE


class RateLimiter:
    def __init__(self, limits: RateLimits, clock: Clock) -> None:
        self._limits = limits
        self._clock = clock
        self._state: dict[tuple[str, ...], tuple[float, float]] = {}  # key -> (tokens, at)

    def check(self, method: str, token: str, args: JsonDict) -> int | None:
        """Take one call from each bucket it counts against; when one is empty, take
        nothing and return the Retry-After seconds."""
        now = self._clock()
        filled = [
            (key, bucket, self._fill(key, bucket, now))
            for key, bucket in self._buckets(method, token, args).items()
        ]
        # Seconds until each empty bucket holds a whole token again.
        waits = [(1.0 - tokens) * 60.0 / b.per_minute for _, b, tokens in filled if tokens < 1.0]
        spend = 0.0 if waits else 1.0
        for key, _, tokens in filled:
            self._state[key] = (tokens - spend, now)
        return max(1, math.ceil(max(waits))) if waits else None

    def _buckets(self, method: str, token: str, args: JsonDict) -> dict[tuple[str, ...], Bucket]:
        limits = self._limits
        if method == "chat.postMessage":
            found = {(method, token, str(args.get("channel"))): limits.post_message_per_channel}
            if limits.post_message_workspace is not None:
                found[(method, token)] = limits.post_message_workspace
            return found
        tier = limits.method_tiers.get(method, limits.default_tier)
        if tier not in limits.tiers:
            return {}  # a tier left out of the configuration is not limited
        return {(method, token): limits.tiers[tier]}

    def _fill(self, key: tuple[str, ...], bucket: Bucket, now: float) -> float:
        """The tokens in this bucket now: what was left, plus what the rate added since."""
        tokens, at = self._state.get(key, (float(bucket.burst), now))
        return min(float(bucket.burst), tokens + max(0.0, now - at) * bucket.per_minute / 60.0)

    def reply(self, method: str, token: str, args: JsonDict) -> Reply | None:
        """Slack's 429 when this call is over the limit."""
        retry_after = self.check(method, token, args)
        if retry_after is None:
            return None
        body = {"ok": False, "error": "ratelimited"}
        return Reply(429, body, {"Retry-After": str(retry_after)}, fault="rate_limiter")
