"""views.*: modals and Home tabs, checked and built the way Slack does.

Modal stacks are per person, root first, at most :data:`MAX_MODAL_STACK` deep. The
view helpers also apply what the bot answers to a view submission in its ack
(:func:`apply_response_action`).
"""

from __future__ import annotations

import copy

from bot.emulator.blockkit import MAX_VIEW_BYTES, validate_view, view_size
from bot.emulator.calls import JsonDict, Request, SlackError, flag, invalid_arguments
from bot.emulator.workspace import Workspace

MAX_MODAL_STACK = 3  # views.open + two views.push

# --- Web API methods -------------------------------------------------------------------


def views_open(ws: Workspace, req: Request) -> JsonDict:
    view = checked_view(ws, req, "modal")
    trigger = ws.check_trigger(req.args.get("trigger_id") or req.args.get("interactivity_pointer"))
    trigger.used = True
    user_id = trigger.user_id or ""
    close_view(ws, user_id, clear=True)  # a new modal replaces whatever was open
    built = new_view(ws, view)
    ws.stacks[user_id] = [built]
    return {"ok": True, "view": copy.deepcopy(built)}


def views_push(ws: Workspace, req: Request) -> JsonDict:
    view = checked_view(ws, req, "modal")
    trigger = ws.check_trigger(req.args.get("trigger_id") or req.args.get("interactivity_pointer"))
    stack = ws.stacks.get(trigger.user_id or "")
    if not stack:
        raise invalid_arguments("no modal is open to push onto [json-pointer:/view]")
    if len(stack) >= MAX_MODAL_STACK:
        raise SlackError("push_limit_reached")
    trigger.used = True
    built = new_view(ws, view, root_view_id=stack[0]["id"], previous_view_id=stack[-1]["id"])
    stack.append(built)
    return {"ok": True, "view": copy.deepcopy(built)}


def views_update(ws: Workspace, req: Request) -> JsonDict:
    view_id, external_id = req.args.get("view_id"), req.args.get("external_id")
    if not view_id and not external_id:
        raise invalid_arguments("must provide either view_id or external_id")
    found = find_view(ws, str(view_id or ws.external_ids.get(str(external_id), "")))
    if found is None:
        raise SlackError("not_found")
    user_id, stack, current = found
    if req.args.get("hash") and req.args["hash"] != current["hash"]:
        raise SlackError("hash_conflict")
    view = checked_view(ws, req, current["type"], replacing=current)
    updated = replacement(ws, current, view)
    if stack is None:
        ws.homes[user_id] = updated
    else:
        stack[stack.index(current)] = updated
    return {"ok": True, "view": copy.deepcopy(updated)}


def views_publish(ws: Workspace, req: Request) -> JsonDict:
    user_id = req.args.get("user_id")
    if not user_id:
        raise invalid_arguments("missing required field: user_id")
    if ws.strict and user_id not in ws.users:
        raise SlackError("user_not_found")
    current = ws.homes.get(user_id)
    if current and req.args.get("hash") and req.args["hash"] != current["hash"]:
        raise SlackError("hash_conflict")
    view = checked_view(ws, req, "home", replacing=current)
    built = replacement(ws, current, view) if current else new_view(ws, view)
    ws.homes[user_id] = built
    return {"ok": True, "view": copy.deepcopy(built)}


# --- views -------------------------------------------------------------------------------


def checked_view(
    ws: Workspace, req: Request, expected: str, replacing: JsonDict | None = None
) -> JsonDict:
    """The request's view if Slack would accept it (``replacing``: the view it updates)."""
    view = req.args.get("view")
    if view is None:
        raise invalid_arguments("missing required field: view")
    if not isinstance(view, dict):
        raise invalid_arguments("must be a JSON object [json-pointer:/view]")
    if view.get("type") != expected:
        raise invalid_arguments(f"must be `{expected}` [json-pointer:/view/type]")
    if view_size(view) > MAX_VIEW_BYTES:
        raise SlackError("view_too_large")
    errors = validate_view(view)
    if errors:
        raise invalid_arguments(*errors)
    owner = ws.external_ids.get(view.get("external_id") or "")
    if owner is not None and (replacing is None or owner != replacing["id"]):
        raise SlackError("duplicate_external_id")
    return view


def replacement(ws: Workspace, current: JsonDict, view: JsonDict) -> JsonDict:
    """``view`` built to take ``current``'s place (same id; keeps its external_id)."""
    old_external_id = current.get("external_id") or ""
    view = {**view, "external_id": view.get("external_id") or old_external_id}
    if old_external_id != view["external_id"]:
        ws.external_ids.pop(old_external_id, None)
    return new_view(
        ws,
        view,
        view_id=current["id"],
        root_view_id=current["root_view_id"],
        previous_view_id=current["previous_view_id"],
    )


def new_view(
    ws: Workspace,
    view: JsonDict,
    *,
    view_id: str | None = None,
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
) -> JsonDict:
    """``view`` as Slack stores and returns it: ids, hash, state and defaults filled in."""
    view_id = view_id or ws.new_id("V")
    built = copy.deepcopy(view)
    built["blocks"] = ws.with_ids(view.get("blocks", []))
    built.update(
        id=view_id,
        team_id=ws.team_id,
        app_id=ws.app_id,
        app_installed_team_id=ws.team_id,
        bot_id=ws.bot_id,
        private_metadata=view.get("private_metadata", ""),
        callback_id=view.get("callback_id", ""),
        external_id=view.get("external_id", ""),
        state={"values": {}},
        hash=f"{int(ws.clock())}.{ws.rng.getrandbits(32):08x}",
        clear_on_close=flag(view.get("clear_on_close", False)),
        notify_on_close=flag(view.get("notify_on_close", False)),
        root_view_id=root_view_id or view_id,
        previous_view_id=previous_view_id,
    )
    for key in ("title", "submit", "close"):
        built.setdefault(key, None)
    if built["external_id"]:
        ws.external_ids[built["external_id"]] = view_id
    return built


def find_view(ws: Workspace, view_id: str) -> tuple[str, list[JsonDict] | None, JsonDict] | None:
    """(user, stack or None for home, view) for a view id."""
    for user_id, stack in ws.stacks.items():
        for view in stack:
            if view["id"] == view_id:
                return user_id, stack, view
    for user_id, view in ws.homes.items():
        if view["id"] == view_id:
            return user_id, None, view
    return None


def close_view(
    ws: Workspace, user_id: str, view_id: str | None = None, clear: bool = False
) -> None:
    """Close ``view_id`` (and views pushed above it), the top view, or all (``clear``)."""
    stack = ws.stacks.get(user_id, [])
    index = len(stack) - 1
    if view_id is not None:
        index = next((i for i, v in enumerate(stack) if v["id"] == view_id), -1)
    if clear:
        index = 0
    if index < 0:
        return
    for view in stack[index:]:
        ws.external_ids.pop(view.get("external_id") or "", None)
    del stack[index:]


def apply_response_action(ws: Workspace, user_id: str, view_id: str | None, body: JsonDict) -> None:
    """Apply a view submission's ack body (``response_action``) to ``user_id``'s modals."""
    action = body.get("response_action")
    stack = ws.stacks.get(user_id, [])
    current = next((v for v in stack if v["id"] == view_id), stack[-1] if stack else None)
    if current is None:
        raise SlackError("not_found")
    if action == "clear":
        close_view(ws, user_id, clear=True)
    elif action == "errors":
        errors = body.get("errors")
        inputs = {
            b.get("block_id") for b in current["blocks"] if b.get("type") == "input"
        }  # Slack shows errors only next to input blocks
        if not isinstance(errors, dict) or not errors:
            raise invalid_arguments("missing required field: errors")
        unknown = sorted(k for k in errors if k not in inputs)
        if unknown:
            raise invalid_arguments(
                f"errors name blocks that are not input blocks of the view: {unknown}"
            )
    elif action == "update":
        req = Request("response_action", {"view": body.get("view")}, None)
        view = checked_view(ws, req, "modal", replacing=current)
        stack[stack.index(current)] = replacement(ws, current, view)
    elif action == "push":
        req = Request("response_action", {"view": body.get("view")}, None)
        view = checked_view(ws, req, "modal")
        if len(stack) >= MAX_MODAL_STACK:
            raise SlackError("push_limit_reached")
        stack.append(
            new_view(ws, view, root_view_id=stack[0]["id"], previous_view_id=stack[-1]["id"])
        )
    else:
        raise invalid_arguments(f"unsupported response_action: {action!r}")
