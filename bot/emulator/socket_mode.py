"""Slack's Socket Mode, served by the emulator: a websocket the app connects to.

The app asks ``apps.connections.open`` (with its app-level ``xapp-`` token) for a URL
with a one-time ticket, opens a websocket there and is greeted with ``hello``. Slack
then sends each slash command, interaction and event as an *envelope*::

    {"envelope_id": "...", "type": "slash_commands" | "interactive" | "events_api",
     "payload": {...}, "accepts_response_payload": true | false,
     "retry_attempt": 0, "retry_reason": ""}            # the last two: events only

and the app acknowledges it on the socket with ``{"envelope_id": "...", "payload": ...}``
within 3 seconds (the payload plays the part of an HTTP ack's body). What Slack does
beyond that, done here too:

- it may ask the app to reconnect: ``{"type": "disconnect", "reason": "refresh_requested"}``
  (or ``warning``, ``link_disabled``), and closes the old connection once a new one is
  open (or after a grace period);
- an app may hold several connections; an envelope goes to one of them (here: the newest);
- an Events API envelope that is not acknowledged in time is sent again, on whatever
  connection is open then, with ``retry_attempt`` + 1 and ``retry_reason`` "timeout";
  Slack waits a minute, then five, between tries: here ``retry_delays`` (short);
  a slash command or an interaction is sent once (the person sees an error).

Built on the ``websockets`` package's threaded server, imported only when Socket Mode is
started, so the emulator's plain HTTP use needs nothing more.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit

from bot.emulator.calls import JsonDict
from bot.emulator.workspace import Workspace

if TYPE_CHECKING:
    from websockets.http11 import Request as WsRequest
    from websockets.http11 import Response as WsResponse
    from websockets.sync.server import Server, ServerConnection

log = logging.getLogger(__name__)

EnvelopeType = Literal["slash_commands", "interactive", "events_api"]
DisconnectReason = Literal["refresh_requested", "warning", "link_disabled"]

ACK_TIMEOUT = 3.0  # Slack's: an envelope is acknowledged within 3 seconds or it failed
# Slack retries an event immediately, after 1 minute and after 5; scaled down here.
RETRY_DELAYS = (0.0, 1.0, 2.0)
REFRESH_GRACE = 10.0  # how long an old connection stays open after a disconnect message
TICKET_TTL = 60.0  # a URL from apps.connections.open is good for a short while, once
LINK_PATH = "/link/"


@dataclass(frozen=True)
class Ack:
    """One acknowledgement the app sent on the socket."""

    envelope_id: str
    payload: Any  # None when the app sent none
    connection: int  # which connection it came on (1 = the first ever opened)
    at: float  # monotonic


@dataclass
class Envelope:
    """One thing sent to the app, with every try and every acknowledgement of it."""

    envelope_id: str
    type: EnvelopeType
    payload: JsonDict
    accepts_response_payload: bool
    tries: list[tuple[int | None, float]] = field(default_factory=list)  # (connection, at)
    acks: list[Ack] = field(default_factory=list)

    @property
    def acked(self) -> bool:
        return bool(self.acks)


@dataclass(frozen=True)
class Delivery:
    """What came of sending one envelope: the ack (if any) and how long it took."""

    envelope_id: str
    acked: bool
    payload: Any  # the ack's payload: the body an HTTP ack would have had
    elapsed: float  # seconds from the last try to its ack (or to giving up)
    attempts: int

    @property
    def in_time(self) -> bool:
        return self.acked and self.elapsed <= ACK_TIMEOUT


@dataclass
class _Link:
    """One open websocket connection of the app."""

    number: int
    conn: ServerConnection
    opened: float
    closed: threading.Event = field(default_factory=threading.Event)
    closing: bool = False  # the emulator is closing it: no more envelopes go there
    lost: bool = False  # dropped with an envelope on the wire: what it answers never arrives


class SocketMode:
    """The emulator's Socket Mode side: the websocket server, envelopes and acks.

    Thread-safe. ``deliver()`` blocks until the envelope is acknowledged or given up on.
    Faults: ``disconnect()`` (a ``disconnect`` message), ``close()`` (a close frame),
    ``abort()`` (the TCP connection ends without one: FIN, or RST with ``reset``),
    ``drop_next()`` (one of those right after the next envelope goes out, before the app
    can answer it).
    """

    def __init__(
        self,
        workspace: Workspace,
        host: str = "127.0.0.1",
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        ack_timeout: float = ACK_TIMEOUT,
        refresh_grace: float = REFRESH_GRACE,
    ) -> None:
        self._ws = workspace
        self._host = host
        self.retry_delays = tuple(retry_delays)
        self.ack_timeout = ack_timeout
        self.refresh_grace = refresh_grace
        self._changed = threading.Condition()
        self._links: dict[int, _Link] = {}  # open ones
        self._numbers = itertools.count(1)
        self._opened = 0
        self._envelopes: dict[str, Envelope] = {}
        self._strays: list[Any] = []  # what the app sent that acknowledges nothing
        self._refused: list[str] = []  # why handshakes were refused
        self._drop_next: Callable[[_Link], None] | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> str:
        """Listen on a free port; returns the URL apps.connections.open hands out."""
        from websockets.sync.server import serve

        self._server = serve(
            self._serve,
            self._host,
            0,
            process_request=self._check_ticket,
            compression=None,  # slack_sdk's built-in client does not negotiate it
            ping_interval=None,  # the app pings (slack_sdk does, every few seconds)
            close_timeout=1,
            server_header="SlackEmulator/1.0",
        )
        host, port = self._server.socket.getsockname()[:2]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="slack-emulator-socket", daemon=True
        )
        self._thread.start()
        return f"ws://{host}:{port}{LINK_PATH}"

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
        if thread is not None:
            thread.join(timeout=5)

    # --- what happened ---------------------------------------------------------------

    @property
    def connections(self) -> int:
        """How many connections are open now."""
        with self._changed:
            return len(self._links)

    @property
    def connections_opened(self) -> int:
        """How many connections were ever opened (a reconnect adds one)."""
        with self._changed:
            return self._opened

    def wait_connections_opened(self, count: int, timeout: float = 30.0) -> bool:
        """Block until ``count`` connections have ever been opened (and one is open)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._opened >= count and bool(self._links), timeout
            )

    def wait_open(self, count: int, timeout: float = 30.0) -> bool:
        """Block until exactly ``count`` connections are open."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._links) == count, timeout)

    def envelopes(self) -> list[Envelope]:
        """Everything sent to the app, oldest first."""
        with self._changed:
            return list(self._envelopes.values())

    def strays(self) -> list[Any]:
        """Messages from the app that acknowledged no envelope (malformed, unknown ids)."""
        with self._changed:
            return list(self._strays)

    def refused(self) -> list[str]:
        """Why websocket handshakes were refused (bad or used tickets)."""
        with self._changed:
            return list(self._refused)

    # --- sending envelopes -----------------------------------------------------------

    def deliver(
        self,
        envelope_type: EnvelopeType,
        payload: JsonDict,
        *,
        accepts_response_payload: bool,
        retry_attempt: int = 0,
        connect_timeout: float = 30.0,
    ) -> Delivery:
        """Send ``payload`` in an envelope and wait for the app's acknowledgement.

        Events are tried again while unacknowledged (``retry_delays``); others once.
        ``retry_attempt`` starts the count higher, as for an event Slack already retried.
        ``connect_timeout``: how long to wait for the app to be connected at all.
        """
        envelope = Envelope(
            envelope_id=str(uuid.uuid4()),
            type=envelope_type,
            payload=payload,
            accepts_response_payload=accepts_response_payload,
        )
        with self._changed:
            self._envelopes[envelope.envelope_id] = envelope
        retries = self.retry_delays if envelope_type == "events_api" else ()
        elapsed = 0.0
        for attempt, delay in enumerate((0.0, *retries)):
            time.sleep(delay)
            sent_at = self._send(envelope, retry_attempt + attempt, connect_timeout)
            if sent_at is None:
                continue
            with self._changed:
                self._changed.wait_for(lambda: envelope.acked, self.ack_timeout)
                if envelope.acked:
                    ack = envelope.acks[0]
                    return Delivery(
                        envelope.envelope_id,
                        True,
                        ack.payload,
                        max(0.0, ack.at - sent_at),
                        len(envelope.tries),
                    )
            elapsed = time.monotonic() - sent_at
        return Delivery(envelope.envelope_id, False, None, elapsed, len(envelope.tries))

    def _send(self, envelope: Envelope, retry_attempt: int, connect_timeout: float) -> float | None:
        """One try: on the newest open connection; the time it went out, or None."""
        with self._changed:
            self._changed.wait_for(lambda: bool(self._usable()), connect_timeout)
            usable = self._usable()
            link = usable[-1] if usable else None
            if envelope.acked:  # a late ack of an earlier try arrived meanwhile
                return time.monotonic()
            envelope.tries.append((link.number if link else None, time.monotonic()))
            drop, self._drop_next = self._drop_next, None
            if drop is not None and link is not None:
                # However fast the app answers, the connection is gone before it arrives.
                link.lost = True
        if link is None:
            return None
        message: JsonDict = {
            "envelope_id": envelope.envelope_id,
            "payload": envelope.payload,
            "type": envelope.type,
            "accepts_response_payload": envelope.accepts_response_payload,
        }
        if envelope.type == "events_api":
            message["retry_attempt"] = retry_attempt
            message["retry_reason"] = "timeout" if retry_attempt else ""
        sent_at = time.monotonic()
        try:
            link.conn.send(json.dumps(message))
        except Exception:  # the connection died under us: as good as unanswered
            log.debug("envelope %s not sent on connection %d", envelope.envelope_id, link.number)
        if drop is not None:
            drop(link)
        return sent_at

    # --- faults --------------------------------------------------------------------------

    def disconnect(
        self, reason: DisconnectReason = "refresh_requested", grace: float | None = None
    ) -> None:
        """Ask the app to reconnect, as Slack does before it refreshes a connection.

        The connections open now are closed once a newer one is open, or after ``grace``
        seconds (``refresh_grace``) if the app never reconnects.
        """
        with self._changed:
            old = list(self._links.values())
            newest = max(self._links, default=0)
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "emulator"}}
        )
        for link in old:
            with contextlib.suppress(Exception):
                link.conn.send(message)
        wait = self.refresh_grace if grace is None else grace

        def close_old() -> None:
            with self._changed:
                self._changed.wait_for(lambda: max(self._links, default=0) > newest, wait)
            for link in old:
                with contextlib.suppress(Exception):
                    link.conn.close(1001, "refreshed")

        threading.Thread(target=close_old, name="socket-refresh", daemon=True).start()

    def close(self, code: int = 1001, reason: str = "going away") -> None:
        """Close every connection with a close frame, as a Slack server going down does."""
        for link in self._open_links():
            self._close_link(link, code, reason)

    def abort(self, *, reset: bool = False) -> None:
        """End every connection's TCP stream without a close frame (a server or proxy dying).

        The app reads the end of the stream (a FIN), or with ``reset`` a TCP reset (RST),
        as a load balancer dropping the connection sends.
        """
        for link in self._open_links():
            self._abort_link(link, reset=reset)

    def drop_next(self, how: Literal["close", "abort"] = "close") -> None:
        """Drop the connection right after the next envelope is sent on it."""
        with self._changed:
            if how == "close":
                self._drop_next = lambda link: self._close_link(link, 1001, "going away")
            else:
                self._drop_next = self._abort_link

    def _open_links(self) -> list[_Link]:
        with self._changed:
            return list(self._links.values())

    def _usable(self) -> list[_Link]:
        """Open connections not being closed, oldest first (call with the lock held)."""
        return [link for _, link in sorted(self._links.items()) if not link.closing]

    @staticmethod
    def _close_link(link: _Link, code: int, reason: str) -> None:
        link.closing = True

        # Closing waits for the app's answer (up to close_timeout): not on the caller's time.
        def close() -> None:
            with contextlib.suppress(Exception):
                link.conn.close(code, reason)

        threading.Thread(target=close, name="socket-close", daemon=True).start()

    @staticmethod
    def _abort_link(link: _Link, *, reset: bool = False) -> None:
        link.closing = True
        with contextlib.suppress(Exception):
            if reset:  # closed at once with a zero linger time: RST, and no FIN before it
                sock = link.conn.socket
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
            link.conn.close_socket()

    # --- the server side of each connection ---------------------------------------------

    def _check_ticket(self, conn: ServerConnection, request: WsRequest) -> WsResponse | None:
        """The handshake: only a ticket apps.connections.open handed out, once, in time."""
        query = parse_qs(urlsplit(request.path).query)
        ticket = (query.get("ticket") or [""])[-1]
        with self._ws.lock:
            issued = self._ws.socket_tickets.pop(ticket, None)
        if issued is None or self._ws.clock() - issued > TICKET_TTL:
            with self._changed:
                self._refused.append("unknown ticket" if issued is None else "expired ticket")
            return conn.respond(401, "invalid ticket\n")
        return None

    def _serve(self, conn: ServerConnection) -> None:
        link = _Link(next(self._numbers), conn, time.monotonic())
        with self._changed:
            self._links[link.number] = link
            self._opened += 1
            count = len(self._links)
            self._changed.notify_all()
        try:
            conn.send(json.dumps(self._hello(count)))
            for raw in conn:
                self._receive(link, raw)
        except Exception as exc:  # a dropped connection ends here; anything else is logged
            from websockets.exceptions import ConnectionClosed

            if not isinstance(exc, ConnectionClosed):
                log.exception("Socket Mode connection %d failed", link.number)
        finally:
            with self._changed:
                self._links.pop(link.number, None)
                link.closed.set()
                self._changed.notify_all()

    def _hello(self, connections: int) -> JsonDict:
        return {
            "type": "hello",
            "num_connections": connections,
            "debug_info": {
                "host": "emulator",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self._ws.app_id},
        }

    def _receive(self, link: _Link, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = raw
        with self._changed:
            envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
            envelope = self._envelopes.get(envelope_id) if isinstance(envelope_id, str) else None
            if envelope is None:
                self._strays.append(message)
                return
            assert isinstance(message, dict)
            if link.lost:
                return
            envelope.acks.append(
                Ack(envelope.envelope_id, message.get("payload"), link.number, time.monotonic())
            )
            self._changed.notify_all()
