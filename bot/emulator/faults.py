"""Everything that makes the emulator answer worse than a healthy Slack would.

- Injected faults: the public API (:class:`FaultInjection`, part of ``SlackEmulator``),
  the faults it stores (:class:`Fault`) and the answer each one gives (:meth:`Faults.reply`).
  A new kind of fault goes here only: a ``Fault.kind``, a method on ``FaultInjection``
  and its answer in ``Faults.reply`` (or its delay in ``Faults.delay``).
- Slack's rate limits, when enabled: tiers per method, chat.postMessage per channel.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.emulator.calls import Clock, JsonDict, Reply

# --------------------------------------------------------------------------------------
# Injected faults
# --------------------------------------------------------------------------------------


@dataclass
class Fault:
    kind: Literal["ratelimit", "status", "error", "slow"]
    method: str | None
    remaining: int | None  # None: until reset_faults()
    retry_after: int = 1
    status: int = 500
    error: str = ""
    seconds: float = 0.0

    def take(self, method: str) -> bool:
        if self.method not in (None, method) or self.remaining == 0:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True


class Faults:
    """Injected faults, each consumed by the calls it matches; thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()

    def delay(self, method: str) -> float:
        """Seconds to wait before answering ``method`` (every matching slow fault adds up)."""
        with self._lock:
            return sum(f.seconds for f in self._faults if f.kind == "slow" and f.take(method))

    def reply(self, method: str) -> Reply | None:
        """The injected answer for ``method``, if a fault matches."""
        with self._lock:
            fault = next((f for f in self._faults if f.kind != "slow" and f.take(method)), None)
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


class FaultInjection:
    """The fault-injection API of ``SlackEmulator`` (which sets ``_faults``)."""

    _faults: Faults

    def rate_limit(
        self, method: str | None = None, retry_after: float = 1, times: int | None = None
    ) -> None:
        """Answer matching calls with HTTP 429 + Retry-After (``times=None``: until reset)."""
        retry_after = max(0, math.ceil(retry_after))  # slack_sdk parses it as an int
        self._faults.add(Fault("ratelimit", method, times, retry_after=retry_after))

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
    "conversations.open": 3,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "team.info": 3,
    "users.info": 4,
    "users.list": 2,
    "users.lookupByEmail": 3,
    "views.open": 4,
    "views.publish": 4,
    "views.push": 4,
    "views.update": 4,
}


@dataclass(frozen=True)
class RateLimits:
    """Slack-like rate limits: per method and token, chat.postMessage per channel."""

    tiers: Mapping[int, Bucket] = field(default_factory=lambda: dict(DEFAULT_TIERS))
    method_tiers: Mapping[str, int] = field(default_factory=lambda: dict(METHOD_TIERS))
    default_tier: int = 3
    # "one message per second per channel", short bursts allowed.
    post_message_per_channel: Bucket = Bucket(60, 5)


class RateLimiter:
    def __init__(self, limits: RateLimits, clock: Clock) -> None:
        self._limits = limits
        self._clock = clock
        self._state: dict[tuple[str, ...], tuple[float, float]] = {}  # key -> (tokens, at)

    def check(self, method: str, token: str, args: JsonDict) -> int | None:
        """Take one call from the bucket; return Retry-After seconds when it is empty."""
        if method == "chat.postMessage":
            key: tuple[str, ...] = (method, token, str(args.get("channel")))
            bucket = self._limits.post_message_per_channel
        else:
            key = (method, token)
            tier = self._limits.method_tiers.get(method, self._limits.default_tier)
            if tier not in self._limits.tiers:
                return None  # a tier left out of the configuration is not limited
            bucket = self._limits.tiers[tier]
        rate = bucket.per_minute / 60.0
        now = self._clock()
        tokens, at = self._state.get(key, (float(bucket.burst), now))
        tokens = min(float(bucket.burst), tokens + max(0.0, now - at) * rate)
        if tokens >= 1.0:
            self._state[key] = (tokens - 1.0, now)
            return None
        self._state[key] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / rate))

    def reply(self, method: str, token: str, args: JsonDict) -> Reply | None:
        """Slack's 429 when this call is over the limit."""
        retry_after = self.check(method, token, args)
        if retry_after is None:
            return None
        body = {"ok": False, "error": "ratelimited"}
        return Reply(429, body, {"Retry-After": str(retry_after)}, fault="rate_limiter")
