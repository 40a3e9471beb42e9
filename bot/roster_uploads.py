"""A roster a coordinator gives the bot in Slack: a CSV dropped into the bot's DM, or
chosen in the "Import a roster" modal of their App Home. Same import, same report as
`mentorbot roster import` (bot.roster), sent by DM.

Only coordinators: checked here on every request, whatever the entry point (the button
shows to coordinators only, but anyone can send its payload or drop a file in the DM).
A member is answered politely, nothing is read, and the refusal is audited and logged.

The listener only answers ("importing it now") and hands the import to `deps.background`:
looking people up waits on Slack's rate limits (Tier 3, about 50 a minute), which no
listener may do. The file is read from Slack with the bot token (`files.info`, then its
url_private): only from Slack's own hosts, or the configured API host, so a forged file
address cannot take the token elsewhere.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import audit, keys
from bot.config import Settings
from bot.coordinators import is_coordinator
from bot.deps import Deps
from bot.keys import Kind
from bot.notices import dm, file_dm, notify
from bot.roster import RosterError, RosterReport, SlackDirectory, import_roster
from bot.slack import make_patient_client
from bot.views.roster import (
    CHOOSE_CSV,
    COORDINATORS_ONLY,
    COULD_NOT_READ,
    FILE_NOT_OPENED,
    IMPORTING,
    MAX_FILE_BYTES,
    NOT_CSV,
    TOO_BIG,
    Counts,
    RosterIds,
    report_message,
)
from bot.views.text import escape

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_S = 20
SLACK_FILE_HOSTS = ("files.slack.com",)


@dataclass(frozen=True)
class SharedFile:
    """A file as a payload describes it (the id is what counts: files.info says the rest)."""

    id: str
    name: str
    filetype: str = ""
    size: int = 0

    @property
    def is_csv(self) -> bool:
        return self.filetype.lower() == "csv" or self.name.lower().endswith(".csv")


@dataclass(frozen=True)
class Upload:
    """One import to run in the background."""

    team_id: str
    user_id: str
    file_id: str
    name: str
    via: str  # "dm" (dropped in the bot's DM) or "home" (the modal)
    at: datetime


class UnreadableFile(Exception):
    """The file cannot be read as a roster; str says why, for the coordinator."""


# --- answering at once --------------------------------------------------------------------


def may_import(
    session: Session, settings: Settings, *, team_id: str, user_id: str, how: str, now: datetime
) -> bool:
    """True for a coordinator; for anyone else the refusal is audited and logged (the
    caller answers them)."""
    if is_coordinator(session, settings, team_id, user_id):
        return True
    audit.refused(
        session,
        team_id=team_id,
        actor=user_id,
        action="roster.import",
        subject_type="roster",
        subject_id=None,
        now=now,
        why=f"not a coordinator ({how})",
    )
    return False


def refuse_by_dm(
    session: Session, *, team_id: str, user_id: str, now: datetime, text: str = COORDINATORS_ONLY
) -> None:
    notify(
        session,
        team_id=team_id,
        user_id=user_id,
        text=text,
        key=keys.each(Kind.REFUSED, user_id, at=now),
        now=now,
    )


def files_shared(
    session: Session,
    settings: Settings,
    *,
    team_id: str,
    user_id: str,
    files: list[SharedFile],
    now: datetime,
) -> list[Upload]:
    """Files dropped into the bot's DM: the CSVs to import (each acknowledged by DM)."""
    if not may_import(session, settings, team_id=team_id, user_id=user_id, how="dm", now=now):
        refuse_by_dm(session, team_id=team_id, user_id=user_id, now=now, text=FILE_NOT_OPENED)
        return []
    uploads = []
    for shared in files:
        if not shared.is_csv:
            _tell(
                session, team_id, user_id, shared.id, NOT_CSV.format(name=escape(shared.name)), now
            )
        elif shared.size > MAX_FILE_BYTES:
            _tell(
                session, team_id, user_id, shared.id, TOO_BIG.format(name=escape(shared.name)), now
            )
        else:
            uploads.append(accept(session, team_id, user_id, shared, via="dm", now=now))
    return uploads


def submitted(
    session: Session,
    settings: Settings,
    *,
    team_id: str,
    user_id: str,
    files: list[SharedFile],
    now: datetime,
) -> Upload | dict[str, str]:
    """The modal's submission: the import to run, or the error to show beside the field."""
    if not may_import(session, settings, team_id=team_id, user_id=user_id, how="modal", now=now):
        return {RosterIds.FILE_BLOCK: COORDINATORS_ONLY}
    if len(files) != 1 or not files[0].is_csv:
        return {RosterIds.FILE_BLOCK: CHOOSE_CSV}
    if files[0].size > MAX_FILE_BYTES:
        return {RosterIds.FILE_BLOCK: "That file is over 2 MB, more than a roster needs."}
    return accept(session, team_id, user_id, files[0], via="home", now=now)


def accept(
    session: Session, team_id: str, user_id: str, shared: SharedFile, *, via: str, now: datetime
) -> Upload:
    """Say the import has begun; returns it, for the caller to hand to the background."""
    _tell(session, team_id, user_id, shared.id, IMPORTING.format(name=escape(shared.name)), now)
    return Upload(team_id, user_id, shared.id, shared.name, via, now)


def _tell(
    session: Session, team_id: str, user_id: str, file_id: str, text: str, now: datetime
) -> None:
    notify(
        session,
        team_id=team_id,
        user_id=user_id,
        text=text,
        key=keys.each(Kind.ROSTER_RECEIVED, user_id, file_id, at=now),
        now=now,
    )


# --- in the background --------------------------------------------------------------------


def run(deps: Deps, upload: Upload) -> RosterReport | None:
    """Read the file from Slack, import it, and DM the report (or why it could not be)."""
    client = make_patient_client(deps.settings)
    try:
        text = fetch(client, deps.settings, upload)
        report = import_roster(
            deps.uow,
            team_id=upload.team_id,
            text=text,
            directory=SlackDirectory(client),
            actor=upload.user_id,
            via=upload.via,
            now=deps.clock(),
        )
    except (UnreadableFile, RosterError) as exc:
        _could_not(deps, upload, str(exc))
        return None
    except (SlackApiError, OSError) as exc:  # Slack down or unreachable past the retries
        log.warning("roster import of %s: Slack did not answer (%r)", upload.file_id, exc)
        _could_not(deps, upload, "Slack didn't answer in time. Please try again in a while")
        return None
    except Exception:  # a bug: the coordinator still hears back, as promised
        log.exception("roster import of %s failed", upload.file_id)
        _could_not(deps, upload, "something went wrong on our side (it has been logged)")
        return None
    with deps.uow() as uow:
        _report(uow.session, upload, report, deps.clock())
    return report


def _could_not(deps: Deps, upload: Upload, why: str) -> None:
    now = deps.clock()
    text = COULD_NOT_READ.format(name=escape(upload.name), why=why)
    with deps.uow() as uow:
        notify(
            uow.session,
            team_id=upload.team_id,
            user_id=upload.user_id,
            text=text,
            key=keys.each(Kind.ROSTER_REPORT, upload.user_id, upload.file_id, at=upload.at),
            now=now,
        )
        audit.record(
            uow.session,
            team_id=upload.team_id,
            actor=upload.user_id,
            action="roster.failed",
            subject_type="roster",
            subject_id=None,
            now=now,
            detail={"via": upload.via},
        )


def _report(session: Session, upload: Upload, report: RosterReport, now: datetime) -> None:
    counts = Counts(report.added, report.updated, report.unchanged, report.skipped)
    notes = []
    if report.ignored_columns:
        notes.append(f"line 1: ignored column(s) {', '.join(report.ignored_columns)}")
    problems = [str(problem) for problem in report.problems]
    text, blocks, whole = report_message(upload.name, counts, problems, notes)
    key = keys.each(Kind.ROSTER_REPORT, upload.user_id, upload.file_id, at=upload.at)
    dm(session, upload.team_id, upload.user_id, key, text, blocks, now)
    if whole is not None:
        file_dm(
            session,
            team_id=upload.team_id,
            user_id=upload.user_id,
            channel=None,
            key=f"{key}:file",
            filename="roster-report.txt",
            title=f"Roster report: {upload.name}",
            content=whole,
            comment="The whole report, every skipped row with its line number.",
            now=now,
        )


# --- reading the file from Slack ----------------------------------------------------------


def fetch(client: WebClient, settings: Settings, upload: Upload) -> str:
    """The file's text, read from Slack with the bot token; raises UnreadableFile."""
    try:
        info: dict[str, Any] = client.files_info(file=upload.file_id)["file"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        raise UnreadableFile(f"Slack wouldn't give me the file ({error})") from exc
    if upload.via == "home" and info.get("user") != upload.user_id:
        # The modal's own upload is theirs; anything else is a payload pointing elsewhere.
        raise UnreadableFile("that file was uploaded by someone else")
    if int(info.get("size") or 0) > MAX_FILE_BYTES:
        raise UnreadableFile("it is over 2 MB, more than a roster needs")
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    if not trusted(url, settings.slack_api_url):
        raise UnreadableFile("Slack gave no address of its own to read it from")
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    opener = urllib.request.build_opener(_SameHostsOnly(settings.slack_api_url))
    try:
        with opener.open(request, timeout=DOWNLOAD_TIMEOUT_S) as answer:
            kind = answer.headers.get("Content-Type", "")
            data = answer.read(MAX_FILE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise UnreadableFile(f"Slack answered {exc.code} when I asked for the file") from exc
    if kind.startswith("text/html"):
        raise UnreadableFile(
            "Slack sent its sign-in page instead of the file: the app needs the files:read "
            "scope (reinstall it from manifest.yml)"
        )
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile("it is over 2 MB, more than a roster needs")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile('it isn\'t UTF-8 text; save it as "CSV UTF-8" and try again') from None


def trusted(url: str, api_url: str) -> bool:
    """Only Slack's file hosts (over https) or the host the Web API is configured at."""
    parts, api = urlsplit(url), urlsplit(api_url)
    if parts.scheme == "https" and parts.hostname in SLACK_FILE_HOSTS:
        return True
    return (parts.scheme, parts.netloc) == (api.scheme, api.netloc) and bool(parts.netloc)


class _SameHostsOnly(urllib.request.HTTPRedirectHandler):
    """urllib forwards the Authorization header on a redirect: only to a trusted host."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not trusted(newurl, self.api_url):
            raise UnreadableFile("Slack sent me elsewhere for the file")
        return super().redirect_request(req, fp, code, msg, headers, newurl)
