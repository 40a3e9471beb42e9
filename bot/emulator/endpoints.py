"""What the emulator answers at each of its URLs, and the pipeline every answer goes through.

Every call, in order: a hold (it waits until released), injected latency, then an
injected fault or the real answer (unknown method, malformed arguments, auth, rate
limits, then the method itself), recorded in the call log. The same pipeline serves
response URLs and file uploads; :meth:`Endpoints.ack` applies and records what the bot
put in its HTTP acks.
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from bot.emulator.calls import Call, CallLog, JsonDict, Reply, Request, SlackError
from bot.emulator.faults import Faults, RateLimiter
from bot.emulator.installs import Installs
from bot.emulator.methods import METHODS
from bot.emulator.methods.chat import post_reply
from bot.emulator.methods.views import apply_response_action, close_view
from bot.emulator.workspace import Workspace

# oauth.v2.access is authenticated by the app's client id and secret, not a token.
NO_AUTH_METHODS = frozenset({"api.test", "oauth.v2.access"})
# Methods that take an app-level token (xapp-) and no other; every other method refuses one.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


class Endpoints:
    """Slack's side of each request: the Web API, response URLs, uploads and downloads.

    A call acts in the workspace its token belongs to (``installs``: every workspace of
    the emulator); one without a token of any, in the first workspace.
    """

    def __init__(
        self,
        workspace: Workspace,
        log: CallLog,
        faults: Faults,
        limiter: RateLimiter | None,
        installs: Installs,
    ) -> None:
        self._ws = workspace
        self._log = log
        self._faults = faults
        self._limiter = limiter
        self._installs = installs

    def _ws_for(self, token: str | None) -> Workspace:
        return self._installs.owner_of(token) or self._ws

    def _ws_holding(self, found: Callable[[Workspace], bool]) -> Workspace:
        """The workspace where a response URL or an upload was made (ids are unique
        across workspaces), or the first one."""
        for ws in list(self._installs.workspaces.values()):
            if found(ws):
                return ws
        return self._ws

    # --- URLs ---------------------------------------------------------------------------

    def web_api(
        self, method: str, args: JsonDict, token: str | None, parse_error: SlackError | None
    ) -> Reply:
        """``/api/<method>``, with its arguments as read from the request (or why not)."""
        ws = self._ws_for(token)
        return self._answer(
            method, args, token, lambda req: self._method_reply(req, parse_error, ws), ws
        )

    def authorize(self, query: str, cookie: str) -> Reply:
        """``/oauth/v2/authorize``: the install page, where the signed-in person clicks
        "Allow" (see :mod:`bot.emulator.installs`); recorded as ``oauth.authorize``."""
        args = {k: v[-1] for k, v in parse_qs(query).items()}
        return self._answer(
            "oauth.authorize", args, None, lambda _: self._installs.authorize(query, cookie)
        )

    def response_url(self, hook_id: str, raw: bytes) -> Reply:
        """``/response/<id>``: a response URL handed to the bot with an interaction."""
        body: Any = None
        try:
            body = json.loads(raw or b"{}")
        except ValueError:  # Slack also accepts a form with a JSON payload field
            form = parse_qs(raw.decode("utf-8", "replace"))
            with contextlib.suppress(ValueError, KeyError):
                body = json.loads(form["payload"][-1])
        args = body if isinstance(body, dict) else {"raw": raw.decode("utf-8", "replace")}
        ws = self._ws_holding(lambda w: hook_id in w.response_urls)
        return self._answer(
            "response_url", args, None, lambda _: self._response_url_reply(ws, hook_id, body), ws
        )

    def upload(self, file_id: str, raw: bytes) -> Reply:
        """The upload URL handed out by files.getUploadURLExternal receives the bytes."""

        ws = self._ws_holding(lambda w: file_id in w.files)

        def store(_: Request) -> Reply:
            upload = ws.files.get(file_id)
            if upload is None or upload.completed:
                return Reply(404, "file not found")
            if len(raw) != upload.length:  # the length files.getUploadURLExternal was told
                return Reply(400, f"expected {upload.length} bytes, got {len(raw)}")
            upload.content = raw
            return Reply(200, f"OK - {len(raw)}")

        return self._answer("upload", {"file_id": file_id, "bytes": len(raw)}, None, store, ws)

    def download(self, file_id: str, token: str | None) -> Reply:
        """A file's url_private: its bytes, for a request with a token of the app.

        Slack answers a request without one with its sign-in page, not the file: here a
        403 says the same plainly. Recorded as a ``download`` call.
        """

        ws = self._ws_for(token)

        def serve(req: Request) -> Reply:
            if req.token not in ws.tokens:
                return Reply(403, {"ok": False, "error": "not_authed"})
            upload = ws.files.get(file_id)
            if upload is None or not upload.completed or upload.content is None:
                return Reply(404, "file not found")
            return Reply(200, upload.content)

        return self._answer("download", {"file_id": file_id}, token, serve, ws)

    # --- acks (reported by the driver, not served) --------------------------------------

    def ack(
        self,
        payload_type: str,
        user_id: str,
        body: Any,
        channel_id: str | None,
        view_id: str | None,
        ws: Workspace | None = None,
    ) -> Call | None:
        """Apply the bot's ack body as Slack would; see ``SlackEmulator.record_ack``."""
        ws = ws or self._ws
        if isinstance(body, str) and body.strip():
            body = {"text": body}
        with ws.lock:
            if not body:
                if payload_type == "view_submission":
                    close_view(ws, user_id, view_id)
                return None
            try:
                if payload_type == "view_submission":
                    apply_response_action(ws, user_id, view_id, body)
                elif payload_type == "slash_command" and channel_id:
                    post_reply(ws, body, user_id, channel_id, None, via="ack")
                response: JsonDict = {"ok": True}
            except SlackError as e:
                response = e.body
            call = Call(
                method="ack",
                args={"type": payload_type, "user_id": user_id, "body": copy.deepcopy(body)},
                token=None,
                at=ws.clock(),
                response=response,
            )
            self._log.record(call)
            return call

    # --- the pipeline -------------------------------------------------------------------

    def _answer(
        self,
        method: str,
        args: JsonDict,
        token: str | None,
        respond: Callable[[Request], Reply],
        ws: Workspace | None = None,
    ) -> Reply:
        """Answer one call: injected latency and faults first, then ``respond``; record it."""
        ws = ws or self._ws
        arrival = ws.clock()
        self._faults.wait_if_held(method)
        delay = self._faults.delay(method)
        if delay:
            time.sleep(delay)
        with ws.lock:
            req = Request(method, args, token)
            reply = self._faults.reply(method) or respond(req)
            self._log.record(
                Call(
                    method=method,
                    args=copy.deepcopy(args),
                    token=token,
                    at=arrival,
                    status=reply.status,
                    response=copy.deepcopy(reply.body) if isinstance(reply.body, dict) else {},
                    fault=reply.fault,
                    delay=delay,
                    warnings=tuple(req.warnings),
                )
            )
        return reply

    def _method_reply(self, req: Request, parse_error: SlackError | None, ws: Workspace) -> Reply:
        handler = METHODS.get(req.method)
        if handler is None:
            return Reply(200, {"ok": False, "error": "unknown_method", "req_method": req.method})
        if parse_error is not None:
            return Reply(200, parse_error.body)
        if req.method not in NO_AUTH_METHODS:
            refused = self._token_refused(req, ws)
            if refused is not None:
                return Reply(200, {"ok": False, "error": refused})
        # As Slack does, every answer to a valid token names the scopes it was granted.
        granted = {"x-oauth-scopes": ",".join(sorted(ws.scopes))} if req.token in ws.tokens else {}
        if self._limiter is not None:
            limited = self._limiter.reply(req.method, req.token or "", req.args)
            if limited is not None:
                return limited
        try:
            return Reply(200, handler(ws, req), headers=granted)
        except SlackError as e:
            return Reply(200, e.body, headers=granted)

    def _token_refused(self, req: Request, ws: Workspace) -> str | None:
        """Slack's error for a missing, unknown or wrong kind of token, else None."""
        if not req.token:
            return "not_authed"
        app_token = req.token in ws.app_tokens
        if not app_token and req.token not in ws.tokens:
            return "invalid_auth"
        if app_token != (req.method in APP_TOKEN_METHODS):
            return "not_allowed_token_type"
        return None

    def _response_url_reply(self, ws: Workspace, hook_id: str, body: Any) -> Reply:
        hook = ws.response_urls.get(hook_id)
        if hook is None:
            return Reply(404, {"ok": False, "error": "invalid_url"})
        if ws.clock() - hook.created > ws.response_url_ttl:
            return Reply(404, {"ok": False, "error": "expired_url"})
        if hook.uses >= ws.response_url_max_uses:
            return Reply(404, {"ok": False, "error": "used_url"})
        if not isinstance(body, dict):
            return Reply(400, {"ok": False, "error": "invalid_payload"})
        hook.uses += 1
        try:
            post_reply(ws, body, hook.user_id, hook.channel_id, hook.message_ts, via="response_url")
        except SlackError as e:
            return Reply(400, e.body)
        return Reply(200, {"ok": True})
