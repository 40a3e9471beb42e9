"""HTTP mode: a small ASGI app under uvicorn.

Bolt's own adapters call the synchronous App inside the event loop, which would
serialise every request; here each dispatch runs in a worker thread so one slow
request never holds up the others' acknowledgements.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import anyio
import uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

EVENTS_PATH = "/slack/events"
DISPATCH_THREADS = 64


def build_asgi(bolt_app: App, engine: Engine) -> Starlette:
    limiter = anyio.CapacityLimiter(DISPATCH_THREADS)

    async def slack_events(request: Request) -> Response:
        bolt_request = to_bolt_request(request, await request.body())
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

    async def healthz(request: Request) -> Response:
        ok = await anyio.to_thread.run_sync(database_answers, limiter=limiter)
        return JSONResponse({"ok": ok}, status_code=200 if ok else 503)

    return Starlette(
        routes=[
            Route(EVENTS_PATH, slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


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
