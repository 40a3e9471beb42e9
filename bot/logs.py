"""Logging set-up: text or JSON lines, each carrying the request (or job) it belongs to,
with Slack secrets and people's words kept out.

- Every record gets `request_id`, `team` and `user` from a context variable that
  `bound()` sets for a request or a job (listener threads inherit it: see
  bot.app.ListenerPool), so one grep for an id finds everything a request did.
- `summary()` writes the one line per request or job: what, duration, outcome.
- Tokens (by shape) and the configured secrets (by value) are replaced by `***` in
  every line; slack_sdk's and Bolt's DEBUG lines are dropped, because they carry
  whole request and response bodies: what people typed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

# Tokens look like xoxb-..., xoxp-..., xapp-1-...; a library's debug line must not leak one.
_TOKEN = re.compile(r"\b(xox[abposre]|xapp)-[A-Za-z0-9-]+")

# Libraries whose DEBUG lines print payloads (message text, modal values).
_BODY_LOGGERS = ("slack_sdk", "slack_bolt", "mentorbot.bolt")

# The structured fields a summary line carries (JSON keys; text shows them in the message).
SUMMARY_FIELDS = ("kind", "what", "duration_ms", "outcome")


@dataclass
class LogContext:
    """Who and what the current request or job is about."""

    request_id: str = ""
    team: str = ""
    user: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


_current: ContextVar[LogContext | None] = ContextVar("mentorbot_log_context", default=None)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def current() -> LogContext | None:
    return _current.get()


@contextlib.contextmanager
def bound(request_id: str, *, team: str = "", user: str = "") -> Iterator[LogContext]:
    """Every record logged in this block (and in threads it hands work to) names it."""
    context = LogContext(request_id=request_id, team=team, user=user)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def summary(
    logger: logging.Logger,
    *,
    kind: str,
    what: str,
    started: float,
    outcome: str,
    level: int = logging.INFO,
) -> float:
    """Log the one line of a request or job; returns its duration in seconds.

    `started` is a time.perf_counter() reading.
    """
    duration = time.perf_counter() - started
    millis = round(duration * 1000, 1)
    logger.log(
        level,
        "%s %s: %s in %.1f ms",
        kind,
        what,
        outcome,
        millis,
        extra={"kind": kind, "what": what, "duration_ms": millis, "outcome": outcome},
    )
    return duration


@dataclass
class Job:
    """A job being run under `job()`: set `outcome`, or `quiet` when it found nothing to do."""

    name: str
    outcome: str = "ok"
    quiet: bool = False
    seconds: float = 0.0  # set when it ends


@contextlib.contextmanager
def job(logger: logging.Logger, name: str) -> Iterator[Job]:
    """One job run: its own id for every line it logs, and its summary line at the end.

    A run that found nothing to do (`quiet`) logs its line at DEBUG: the scheduler
    ticks every 2 seconds and an idle tick is not news. A failure is logged and raised.
    """
    running = Job(name)
    started = time.perf_counter()
    with bound(new_id("j")):
        try:
            yield running
        except Exception as exc:
            running.seconds = summary(
                logger,
                kind="job",
                what=name,
                started=started,
                outcome=f"failed ({type(exc).__name__})",
                level=logging.ERROR,
            )
            raise
        level = logging.DEBUG if running.quiet else logging.INFO
        running.seconds = summary(
            logger, kind="job", what=name, started=started, outcome=running.outcome, level=level
        )


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return _TOKEN.sub(lambda m: f"{m.group(1)}-***", text)


class ContextFilter(logging.Filter):
    """Puts the current request's id, team and user on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        record.request_id = context.request_id if context else ""
        record.team = context.team if context else ""
        record.user = context.user if context else ""
        record.context = (
            " ".join(part for part in (context.request_id, context.team, context.user) if part)
            if context
            else ""
        )
        record.context = f"[{record.context}] " if record.context else ""
        return True


class RedactingFilter(logging.Filter):
    """Drops the libraries' body-carrying DEBUG lines; masks tokens and secrets in the rest."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO and record.name.startswith(_BODY_LOGGERS):
            return False
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Cache the formatted traceback, cleaned: a formatter reuses exc_text.
            record.exc_text = redact(
                logging.Formatter().formatException(record.exc_info), self.secrets
            )
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "team", "user", *SUMMARY_FIELDS):
            value = getattr(record, name, "")
            if value not in ("", None):
                entry[name] = value
        if record.exc_info:
            entry["exc"] = record.exc_text or redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(context)s%(message)s"


def configure_logging(
    fmt: Literal["text", "json"],
    level: int = logging.INFO,
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """One handler on the root logger, to `stream` (standard error by default).

    `secrets`: values never to print (the tokens and signing secret in use).
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler logs every tick at INFO; that is noise at a short interval. Alembic
    # announces each of its plugins at INFO on every command.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    return handler
