"""HTTP mode: a small ASGI app under uvicorn.

Bolt's own adapters call the synchronous App inside the event loop, which would
serialise every request; here each dispatch runs in a worker thread so one slow
request never holds up the others' acknowledgements.

Before Bolt sees a request, the gate below checks, in order, what costs least: the
signature headers (no body read yet), the body's size (read in chunks, never more
than MAX_BODY_BYTES), the signature itself, that the signature is new, and that the
body parses. Each refusal is one short log line and a short JSON answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import anyio
import uvicorn
from alembic.runtime.migration import MigrationContext
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import events, metrics
from bot.db.migrate import head_revision
from bot.deps import utcnow

EVENTS_PATH = "/slack/events"
DISPATCH_THREADS = 64
# Slack's payloads are small (a view holds at most 100 blocks): 1 MiB is ample.
MAX_BODY_BYTES = 1024 * 1024
# Slack's window: a signed request older or newer than this is refused (and so can be forgotten).
SIGNATURE_WINDOW_S = 5 * 60
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII and bounded: int() raises past 4,300 digits

log = logging.getLogger("mentorbot.http")


class Refused(Exception):
    """A request turned away before Bolt parses it: the status, and why (for the log)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# What the caller is told; the reason stays in our log. 401 says no more than Bolt's own.
_ANSWERS = {
    400: "malformed request",
    401: "invalid request",
    # 409, not 401: the signature is genuine, so this is not a forgery but a copy of a
    # request already acted on; an operator reading the log should be able to tell them
    # apart. Not 200: a replay must never look accepted. Slack itself only resends as an
    # Events API retry, which is signed anew (a new timestamp) and so never lands here.
    409: "request already received",
    413: "request body too large",
    503: "try again shortly",
}


class SlackGate:
    """Admits only requests Slack signed, once each, with a body Bolt can parse."""

    def __init__(
        self, signing_secret: str, engine: Engine, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret = signing_secret.encode()
        self._verifier = SignatureVerifier(signing_secret)
        self._engine = engine
        self._clock = clock

    def signature_headers(self, request: Request) -> tuple[str, str]:
        """The timestamp and signature, well-formed and in Slack's window; else 401."""
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not (timestamp and signature):
            raise Refused(401, "signature headers missing")
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            raise Refused(401, "signature headers malformed")
        if abs(self._clock() - int(timestamp)) > SIGNATURE_WINDOW_S:
            raise Refused(401, "timestamp outside Slack's 5-minute window")
        return timestamp, signature

    @staticmethod
    async def body(request: Request) -> bytes:
        """The body, read in chunks and never held beyond MAX_BODY_BYTES; else 413."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise Refused(413, f"declared body of {int(declared)} bytes")
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise Refused(413, f"body over {MAX_BODY_BYTES} bytes")
                chunks.append(chunk)
        except ClientDisconnect:
            raise Refused(400, "client went away mid-body") from None
        return b"".join(chunks)

    def check_signature(self, body: bytes, timestamp: str, signature: str) -> None:
        if not self._signed(body, timestamp, signature):
            raise Refused(401, "signature does not match")

    def _signed(self, body: bytes, timestamp: str, signature: str) -> bool:
        try:
            return self._verifier.is_valid(body.decode("utf-8"), timestamp, signature)
        except UnicodeDecodeError:
            # Slack signs raw bytes; a signed body that is not UTF-8 is malformed (400),
            # an unsigned one is refused (401), so check it without decoding.
            base = b"v0:" + timestamp.encode() + b":" + body
            expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
            return hmac.compare_digest(expected, signature)

    def first_sight(self, signature: str) -> None:
        """Record the signature; 409 when it was seen before (a replay).

        Kept in the database, not in memory, so a replay sent to another web process
        is refused too. Rows outlive the window and are pruned with old event ids.
        """
        try:
            with Session(self._engine) as session:
                new = events.first_sight_of_signature(
                    session, signature=signature, now=datetime.fromtimestamp(self._clock(), UTC)
                )
                session.commit()
        except SQLAlchemyError as exc:
            raise Refused(503, f"database unavailable ({type(exc).__name__})") from None
        if not new:
            raise Refused(409, "signature seen before (a replay)")

    @staticmethod
    def parse(request: Request, body: bytes) -> BoltRequest:
        """Bolt's request, or 400 when the signed body is not a Slack payload."""
        try:
            # Bolt parses in the constructor; a list, a number or null as the payload
            # fails there with AttributeError or TypeError rather than ValueError.
            bolt_request = to_bolt_request(request, body)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise Refused(400, f"signed body does not parse ({type(exc).__name__})") from None
        problem = shape_problem(bolt_request.body)
        if problem:
            raise Refused(400, f"signed body is not shaped like Slack's: {problem}")
        return bolt_request

    async def admit(self, request: Request, limiter: anyio.CapacityLimiter) -> BoltRequest:
        timestamp, signature = self.signature_headers(request)
        body = await self.body(request)
        self.check_signature(body, timestamp, signature)
        await anyio.to_thread.run_sync(self.first_sight, signature, limiter=limiter)
        return self.parse(request, body)


# Fields Bolt's own middleware reads before any listener runs; Slack always sends them
# as objects, and anything else makes Bolt fail with a 500 and a traceback.
_OBJECT_FIELDS = ("event", "team", "user", "view", "container", "channel", "message")


def shape_problem(body: dict[str, Any]) -> str | None:
    """What makes a parsed body unlike any Slack payload, or None (a shallow check)."""
    for name in _OBJECT_FIELDS:
        # None is allowed: Slack sends "team": null for org-wide installs.
        if body.get(name) is not None and not isinstance(body[name], dict):
            return f"{name} is not an object"
    if not isinstance(body.get("type", ""), str):
        return "type is not a string"
    view = body.get("view", {})
    if not isinstance(view.get("type", ""), str) or not isinstance(
        view.get("callback_id", ""), str
    ):
        return "view is not a view"
    if "command" in body and not (body.get("user_id") and body.get("team_id")):
        return "a slash command without its user or team"
    actions = body.get("actions", [])
    if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
        return "actions are not a list of objects"
    return None


def _refusal(request: Request, refused: Refused) -> Response:
    client = request.client.host if request.client else "?"
    log.warning("refused %s from %s: %s", refused.status, client, refused.reason)
    return JSONResponse({"error": _ANSWERS[refused.status]}, status_code=refused.status)


def build_asgi(
    bolt_app: App,
    engine: Engine,
    *,
    signing_secret: str,
    clock: Callable[[], datetime] = utcnow,
    lease_holder: metrics.LeaseHolder = metrics.scheduler_lease_holder,
) -> Starlette:
    limiter = anyio.CapacityLimiter(DISPATCH_THREADS)
    gate = SlackGate(signing_secret, engine)
    registry = metrics.registry_for(engine, clock, lease_holder)
    head = head_revision()

    async def slack_events(request: Request) -> Response:
        received = time.perf_counter()
        try:
            bolt_request = await gate.admit(request, limiter)
        except Refused as refused:
            return _refusal(request, refused)
        bolt_request.context[metrics.RECEIVED_AT] = received
        bolt_response = await anyio.to_thread.run_sync(
            bolt_app.dispatch, bolt_request, limiter=limiter
        )
        return to_starlette_response(bolt_response)

    def database_answers() -> bool:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def oauth_step(request: Request) -> Response:
        """Bolt's OAuth flow (installs in several workspaces): the install link, and
        where Slack sends the installer back with a code to exchange for a token."""
        flow = bolt_app.oauth_flow
        assert flow is not None  # routed only when there is one
        step = flow.handle_installation if request.url.path == flow.install_path else None
        bolt_request = to_bolt_request(request, b"")
        bolt_response = await anyio.to_thread.run_sync(
            step or flow.handle_callback, bolt_request, limiter=limiter
        )
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        ok = await anyio.to_thread.run_sync(database_answers, limiter=limiter)
        return JSONResponse({"ok": ok}, status_code=200 if ok else 503)

    async def readyz(request: Request) -> Response:
        problem = await anyio.to_thread.run_sync(not_ready_because, engine, head, limiter=limiter)
        if problem:
            return JSONResponse({"ready": False, "reason": problem}, status_code=503)
        return JSONResponse({"ready": True, "revision": head})

    async def metrics_page(request: Request) -> Response:
        # Collecting reads the database (the outbox, due work): a worker thread does it.
        page = await anyio.to_thread.run_sync(generate_latest, registry, limiter=limiter)
        return Response(page, media_type=CONTENT_TYPE_LATEST)

    routes = [
        Route(EVENTS_PATH, slack_events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]
    if bolt_app.oauth_flow is not None:
        flow = bolt_app.oauth_flow
        routes += [
            Route(flow.install_path, oauth_step, methods=["GET"]),
            Route(flow.redirect_uri_path, oauth_step, methods=["GET"]),
        ]
    return Starlette(routes=routes)


def not_ready_because(engine: Engine, head: str) -> str | None:
    """Why this process should not be sent traffic yet, or None: the database must
    answer and its schema be at the newest revision this code knows."""
    try:
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
    except Exception as exc:
        return f"database unreachable ({type(exc).__name__})"
    if revision != head:
        return (
            f"database schema at {revision or 'no revision'}, this code needs {head}: "
            "run `mentorbot db upgrade`"
        )
    return None


def uvicorn_server(asgi: Starlette, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        asgi, host=host, port=port, log_config=None, access_log=False, lifespan="off"
    )
    return uvicorn.Server(config)


@contextlib.contextmanager
def serving_in_thread(asgi: Starlette, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve in a background thread (tests, the demo); yields the base URL.

    uvicorn leaves signal handling alone off the main thread, as wanted here.
    """
    server = uvicorn_server(asgi, host, port)
    thread = threading.Thread(target=server.run, name="http", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the HTTP server did not start")
        thread.join(0.01)
    bound = server.servers[0].sockets[0].getsockname()
    try:
        yield f"http://{bound[0]}:{bound[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
