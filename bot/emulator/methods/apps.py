"""apps.connections.open: where an app connects for Socket Mode."""

from __future__ import annotations

import uuid

from bot.emulator.calls import JsonDict, Request, SlackError
from bot.emulator.workspace import Workspace


def apps_connections_open(ws: Workspace, req: Request) -> JsonDict:
    """A websocket URL with a one-time ticket (the caller's app-level token was checked)."""
    if not ws.socket_url:
        # The emulator's own name: this app has Socket Mode turned off (see SlackEmulator).
        raise SlackError("socket_mode_not_enabled")
    ticket = uuid.uuid4().hex
    ws.socket_tickets[ticket] = ws.clock()
    return {"ok": True, "url": f"{ws.socket_url}?ticket={ticket}&app_id={ws.app_id}"}
