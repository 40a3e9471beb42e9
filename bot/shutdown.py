"""Graceful shutdown: SIGTERM (every deploy) and Ctrl+C stop the process cleanly.

uvicorn installs its own handlers and, once it has stopped serving, raises the
signal again, which kills the process before our cleanup runs: listeners still
at work after their ack, the scheduler's current send, and the outbox rows it
claimed. Here the signals only *ask* to stop; the command then drains, puts
back what it did not send, and exits 0.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Generator, Iterator
from types import FrameType
from typing import Protocol

import uvicorn
from slack_bolt import App

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# How long uvicorn lets requests in flight finish once it stops taking new ones.
REQUEST_GRACE_S = 10

Handler = Callable[[int, FrameType | None], None]


class Server(Protocol):
    started: bool  # True once requests are being answered

    def run(self) -> None:
        """Serve until `handle_exit`, then return once requests in flight are done."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None: ...


@contextlib.contextmanager
def stop_signals(handler: Handler) -> Iterator[None]:
    """Route SIGTERM and SIGINT to `handler` until the block ends (main thread only).

    The handlers stay for the whole block, cleanup included, so a second SIGTERM
    cannot cut the cleanup short (the supervisor's SIGKILL still can).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def stop_requested() -> Iterator[threading.Event]:
    """An Event set by SIGTERM or SIGINT while the block runs."""
    requested = threading.Event()
    with stop_signals(lambda _sig, _frame: requested.set()):
        yield requested


class GracefulServer(uvicorn.Server):
    """uvicorn without its own signal handling: the caller routes signals to
    `handle_exit` (see `stop_signals`) and cleans up after `run()` returns."""

    def __init__(self, config: uvicorn.Config) -> None:
        config.timeout_graceful_shutdown = REQUEST_GRACE_S
        super().__init__(config)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # neither installs handlers nor re-raises the signal afterwards


# A hang-up or a close frame is noticed at once (bot/socket_client.py); pings are for a
# connection that goes silent, given up after four unanswered ones: every 5 s (slack_sdk's
# own default; Bolt's handler says 10) that is 20-25 s, not 40-50.
SOCKET_PING_INTERVAL_S = 5.0


class SocketModeServer:
    """Socket Mode until a stop signal: then the websocket is closed and `run` returns."""

    def __init__(self, app: App, app_token: str) -> None:
        from bot.socket_client import HangUpAwareHandler

        logger = logging.getLogger("mentorbot.socket")
        if not any(isinstance(f, _LostAckNote) for f in logger.filters):
            logger.addFilter(_LostAckNote())
        self._handler = HangUpAwareHandler(
            app, app_token, logger=logger, ping_interval=SOCKET_PING_INTERVAL_S
        )
        self._stop = threading.Event()
        self.started = False

    def run(self) -> None:
        try:
            self._handler.connect()  # apps.connections.open, then the websocket
        except BaseException:
            self._handler.close()  # its threads would keep the process alive
            raise
        self.started = True
        self._stop.wait()
        self._handler.close()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._stop.set()


class _LostAckNote(logging.Filter):
    """One line, not a traceback, for an acknowledgement lost with its connection.

    slack_sdk logs it with the whole stack; it is routine when Slack drops a connection
    mid-envelope, and Slack sends an unacknowledged event again on the new connection.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from slack_sdk.errors import SlackClientNotConnectedError

        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, SlackClientNotConnectedError):
            record.msg = "an acknowledgement was lost with its connection (%s)"
            record.args = (exc,)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True
