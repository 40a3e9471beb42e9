"""api.test, auth.test and team.info: who the app is, and in which workspace."""

from __future__ import annotations

from bot.emulator.calls import JsonDict, Request
from bot.emulator.workspace import Workspace


def api_test(ws: Workspace, req: Request) -> JsonDict:
    args = {k: v for k, v in req.args.items() if k != "error"}
    if req.args.get("error"):
        return {"ok": False, "error": str(req.args["error"]), "args": args}
    return {"ok": True, "args": args}


def auth_test(ws: Workspace, req: Request) -> JsonDict:
    return {
        "ok": True,
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.bot_name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def team_info(ws: Workspace, req: Request) -> JsonDict:
    return {
        "ok": True,
        "team": {
            "id": ws.team_id,
            "name": ws.team_name,
            "domain": ws.team_domain,
            "email_domain": "",
            "icon": {"image_default": True},
        },
    }
