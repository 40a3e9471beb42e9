"""HTTP for the emulator: a threaded server on loopback that reads requests as Slack does.

It routes each URL to :class:`~bot.emulator.endpoints.Endpoints`, reads a Web API
call's arguments and token the way Slack does, and writes the reply. An emulator bug
answers 500 ``emulator_error`` (and is logged) rather than looking like a network failure.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import socket
import threading
from email.message import Message as HeaderMap
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

from bot.emulator.calls import JsonDict, Reply, SlackError
from bot.emulator.endpoints import Endpoints

log = logging.getLogger(__name__)

# Arguments Slack accepts as JSON-encoded strings in form bodies.
JSON_ARGS = ("blocks", "view", "attachments", "files", "metadata")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # tests fire dozens of concurrent requests
    allow_reuse_address = True
    # How often the idle serving loop wakes to look for stop(). At 0.01 s each emulator
    # alive cost 1% of a core doing nothing (the suite keeps one up per test, and one per
    # module for a world staged once); stop() wakes the loop itself instead of waiting.
    POLL_S = 0.5

    def __init__(self, address: tuple[str, int], endpoints: Endpoints) -> None:
        super().__init__(address, _Handler)
        self.endpoints = endpoints

    def serve(self) -> None:
        self.serve_forever(poll_interval=self.POLL_S)

    def stop(self) -> None:
        """shutdown() and close, without waiting out POLL_S: connections made to the server
        until its loop has ended wake the loop (each is handled as an empty request)."""
        stopper = threading.Thread(target=self.shutdown, name="emulator-stop", daemon=True)
        stopper.start()
        while stopper.is_alive():
            with contextlib.suppress(OSError):
                socket.create_connection(self.server_address[:2], timeout=1).close()
            stopper.join(0.01)
        self.server_close()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: Server
    server_version = "SlackEmulator/1.0"

    def do_POST(self) -> None:
        _serve(self)

    def do_GET(self) -> None:
        _serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def _serve(handler: _Handler) -> None:
    url = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length > 0 else b""
    try:
        reply = _route(handler.server.endpoints, url, handler.headers, raw)
    except Exception as e:  # an emulator bug must not look like a network failure
        log.exception("SlackEmulator failed on %s", handler.path)
        reply = Reply(500, {"ok": False, "error": "emulator_error", "detail": repr(e)})
    _write(handler, reply)


def _route(endpoints: Endpoints, url: SplitResult, headers: HeaderMap, raw: bytes) -> Reply:
    parts = url.path.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "api":
        return _web_api(endpoints, parts[1], url.query, headers, raw)
    if len(parts) == 2 and parts[0] == "response":
        return endpoints.response_url(parts[1], raw)
    if len(parts) == 2 and parts[0] == "upload":
        return endpoints.upload(parts[1], raw)
    if len(parts) in (3, 4) and parts[0] == "files":  # url_private, url_private_download
        return endpoints.download(parts[1], _bearer(headers))
    if url.path == "/oauth/v2/authorize":  # the install page (bot.emulator.installs)
        return endpoints.authorize(url.query, headers.get("Cookie", ""))
    return Reply(404, {"ok": False, "error": "not_found"})


def _web_api(
    endpoints: Endpoints, method: str, query: str, headers: HeaderMap, raw: bytes
) -> Reply:
    parse_error: SlackError | None = None
    try:
        args = parse_args(query, headers, raw)
    except SlackError as e:
        args, parse_error = {}, e
    body_token = args.pop("token", None)  # Slack also takes the token as a parameter
    for name, value in _basic(headers).items():  # oauth.v2.access: the app's credentials
        args.setdefault(name, value)
    return endpoints.web_api(method, args, _bearer(headers) or body_token, parse_error)


def _bearer(headers: HeaderMap) -> str | None:
    auth = headers.get("Authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def _basic(headers: HeaderMap) -> dict[str, str]:
    """client_id and client_secret sent as HTTP Basic auth, as slack_sdk sends them."""
    auth = headers.get("Authorization", "")
    if not auth.lower().startswith("basic "):
        return {}
    try:
        pair = base64.b64decode(auth[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return {}
    client_id, _, secret = pair.partition(":")
    return {"client_id": client_id, "client_secret": secret}


def parse_args(query: str, headers: HeaderMap, raw: bytes) -> JsonDict:
    """Merge query string and body (JSON or form) the way Slack reads arguments."""
    args: JsonDict = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not raw:
        return args
    content_type = headers.get_content_type()
    if content_type == "application/json":
        try:
            body = json.loads(raw)
        except ValueError as e:
            raise SlackError("invalid_json") from e
        if not isinstance(body, dict):
            raise SlackError("invalid_json")
        args.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "text/plain"):
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        args.update({k: v[-1] for k, v in form.items()})
    else:
        raise SlackError("invalid_form_data")
    for key in JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            # Undecodable JSON stays a string; the method answers with its own format error.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


def _write(handler: _Handler, reply: Reply) -> None:
    if isinstance(reply.body, bytes):
        payload, content_type = reply.body, "application/octet-stream"
    elif isinstance(reply.body, str):
        payload, content_type = reply.body.encode(), "text/plain; charset=utf-8"
    else:
        payload, content_type = (
            json.dumps(reply.body).encode(),
            "application/json; charset=utf-8",
        )
    try:
        handler.send_response(reply.status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        log.debug("client went away before the reply to %s", handler.path)
