"""files.*: Slack's two-step external upload, files.info, and a file as the API describes it.

Between the two calls the bot POSTs the bytes to the upload URL handed out by
files.getUploadURLExternal (served by :mod:`bot.emulator.endpoints`), and those bytes
must be exactly the ``length`` it declared. Checked as Slack does:

- getUploadURLExternal needs a ``filename`` and a whole positive ``length`` (Slack's
  ``missing_argument`` is its answer to a length of 0);
- completeUploadExternal needs ``files`` whose every id was handed out and uploaded to,
  and completes each once; a file it never completes is not shared anywhere;
- its ``channel_id`` (and each of the older ``channels``) must be a conversation id,
  not a user id (Slack's own wording of that refusal), and a conversation the bot is
  in: a DM it opened, a group DM it belongs to, a channel that lists it among its
  members (or, unless ``strict``, one nobody declared).
"""

from __future__ import annotations

import copy
import re

from bot.emulator.calls import JsonDict, Request, SlackError, invalid_arguments
from bot.emulator.workspace import Channel, Message, UploadedFile, Workspace

MIMETYPES = {
    "csv": "text/csv",
    "txt": "text/plain",
    "json": "application/json",
    "ics": "text/calendar",
    "png": "image/png",
}
CONVERSATION_ID = re.compile(r"^[CGDZ][A-Z0-9]{8,}$")


def files_get_upload_url_external(ws: Workspace, req: Request) -> JsonDict:
    filename, length = req.args.get("filename"), req.args.get("length")
    missing = [k for k, v in (("filename", filename), ("length", length)) if v in (None, "")]
    if missing:
        raise invalid_arguments(*(f"missing required field: {k}" for k in missing))
    if not str(filename).strip():
        raise invalid_arguments("must be a non-empty string [json-pointer:/filename]")
    try:
        size = int(str(length))
    except ValueError:
        raise invalid_arguments("must be an integer [json-pointer:/length]") from None
    if size <= 0:
        raise SlackError("missing_argument")
    file_id = ws.new_id("F")
    ws.files[file_id] = UploadedFile(
        id=file_id,
        filename=str(filename),
        length=size,
        alt_txt=req.args.get("alt_txt"),
        snippet_type=req.args.get("snippet_type"),
        created=int(ws.clock()),
    )
    return {"ok": True, "upload_url": f"{ws.base_url}/upload/{file_id}", "file_id": file_id}


def files_complete_upload_external(ws: Workspace, req: Request) -> JsonDict:
    files = req.args.get("files")
    if not isinstance(files, list) or not files:
        raise invalid_arguments("missing required field: files")
    uploads = []
    for entry in files:
        upload = ws.files.get(entry.get("id", "")) if isinstance(entry, dict) else None
        if upload is None or upload.content is None or upload.completed:
            raise SlackError("file_not_found")
        uploads.append((upload, entry))
    channels = [c for c in str(req.args.get("channels") or "").split(",") if c]
    if req.args.get("channel_id"):
        channels.insert(0, str(req.args["channel_id"]))
    resolved = [_shareable(ws, c).id for c in channels]
    for upload, entry in uploads:
        upload.title = entry.get("title") or upload.filename
        upload.channels = resolved
        upload.initial_comment = req.args.get("initial_comment")
        upload.thread_ts = req.args.get("thread_ts")
        upload.completed = True
    described = [file_json(ws, u) for u, _ in uploads]
    for channel_id in resolved:
        message = Message(
            channel=channel_id,
            ts=ws.next_ts(),
            text=str(req.args.get("initial_comment") or ""),
            thread_ts=req.args.get("thread_ts"),
            files=copy.deepcopy(described),
        )
        ws.messages[(channel_id, message.ts)] = message
    return {"ok": True, "files": described}


def _shareable(ws: Workspace, channel_id: str) -> Channel:
    """The conversation a file may be shared to: an id (never a user's), with the bot in it."""
    if not CONVERSATION_ID.match(channel_id):
        raise invalid_arguments(
            f"input must match regex pattern: {CONVERSATION_ID.pattern} [json-pointer:/channel_id]"
        )
    channel = ws.channels.get(channel_id)
    if channel is None:
        if ws.strict or channel_id[0] not in "CG":
            raise SlackError("channel_not_found")
        return ws.resolve_channel(channel_id)  # an undeclared channel, as chat.* allows
    if channel.is_im:
        return channel  # only a DM the bot opened exists here
    if ws.bot_user_id not in channel.members and (channel.members or ws.strict):
        raise SlackError("not_in_channel")
    return channel


def files_info(ws: Workspace, req: Request) -> JsonDict:
    """Tier 4: a file the app can see, by id (what a shared file's event only points at)."""
    file_id = req.args.get("file")
    if not file_id:
        raise invalid_arguments("missing required field: file")
    upload = ws.files.get(str(file_id))
    if upload is None or not upload.completed:
        raise SlackError("file_not_found")
    return {"ok": True, "file": file_json(ws, upload)}


def file_json(ws: Workspace, upload: UploadedFile) -> JsonDict:
    extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    return {
        "id": upload.id,
        "created": upload.created,
        "name": upload.filename,
        "title": upload.title,
        "mimetype": MIMETYPES.get(extension, "application/octet-stream"),
        "filetype": extension or "binary",
        "user": upload.user or ws.bot_user_id,
        "size": len(upload.content or b""),
        "channels": [c for c in upload.channels if c[0] == "C"],
        "groups": [c for c in upload.channels if c[0] == "G"],
        "ims": [c for c in upload.channels if c[0] == "D"],
        "url_private": f"{ws.base_url}/files/{upload.id}/{upload.filename}",
        "url_private_download": f"{ws.base_url}/files/{upload.id}/download/{upload.filename}",
    }
