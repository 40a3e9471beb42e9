"""Bolt's Socket Mode handler on slack_sdk's built-in client, told when Slack hangs up.

The built-in client (slack_sdk 3.x) reads its socket in a loop and takes an empty read
for "nothing yet", but on a blocking socket it means the other end closed the TCP
connection. So when a connection ends without a close frame (a Slack server or a proxy
going away), the client spins on the dead socket at full CPU until its pings have failed
five times: about 30 s without Slack, measured (bench/socket_mode.py). And after a close
frame it waits for its monitor's next tick (up to a ping interval) before reconnecting.

Here an empty read ends the connection like a reset does, and a connection that ended
is replaced at once, not at the next ping. Everything else is slack_sdk's own: the
refresh on a ``disconnect`` message (new connection first, then the old one closes), the
pings, and a silent connection given up after four unanswered ones.
"""

from __future__ import annotations

import errno
import logging
import socket
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient


class HungUpError(ConnectionResetError):
    """The server closed the TCP connection without a websocket close frame."""


class _HangUpAware:
    """A socket whose read raises at end of stream instead of returning b"" forever."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def recv(self, size: int, *flags: int) -> bytes:
        data = self._sock.recv(size, *flags)
        if not data and size > 0:
            raise HungUpError(errno.ECONNRESET, "the server ended the connection, no close frame")
        return data

    def __getattr__(self, name: str) -> Any:  # send, close, settimeout...: the socket's own
        return getattr(self._sock, name)


class HangUpAwareClient(SocketModeClient):
    """slack_sdk's built-in Socket Mode client that notices a hang-up and reconnects at once."""

    def _run_current_session(self) -> None:
        session = self.current_session
        if session is None or not session.is_active():
            return
        if session.sock is not None and not isinstance(session.sock, _HangUpAware):
            session.sock = _HangUpAware(session.sock)  # type: ignore[assignment]
        super()._run_current_session()  # returns when this connection has ended
        # A refresh has already put a new connection in its place; anything else ending
        # it (a close frame, a hang-up, a reset) is replaced now, not at the next ping.
        if session is self.current_session and self.auto_reconnect_enabled and not self.closed:
            try:
                self.connect_to_new_endpoint()
            except Exception as exc:  # the monitor tries again at its next tick
                self.logger.warning("could not reconnect yet: %s", exc)


class HangUpAwareHandler(SocketModeHandler):
    """Bolt's Socket Mode handler (its `handle` dispatches to the app) on that client."""

    def __init__(
        self, app: App, app_token: str, *, logger: logging.Logger, ping_interval: float
    ) -> None:
        # Not super().__init__: it would start a stock client's threads only to drop them.
        self.app = app
        self.app_token = app_token
        self.client = HangUpAwareClient(
            app_token=app_token,
            logger=logger,
            web_client=app.client,
            proxy=app.client.proxy,
            ping_interval=ping_interval,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
