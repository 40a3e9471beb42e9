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

An import is a `roster_imports` row from the moment it is accepted, so the report it
promised outlives the process: the worker that runs it claims the row (and renews the
claim while it looks people up); the due-work tick hands back to the background any row
still queued, or whose worker died or stopped renewing (`resume`). Applying the rows,
marking the import done and queuing its report are one transaction, under a key per
import: a resumed import starts again from the file, and the report is sent once.
"""

from __future__ import annotations

import functools
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import audit, installs, keys
from bot.config import Settings
from bot.coordinators import is_coordinator
from bot.db.enums import RosterImportStatus
from bot.db.models import RosterImport
from bot.deps import Deps
from bot.keys import Kind
from bot.notices import dm, file_dm, notify
from bot.roster import RosterError, RosterReport, SlackDirectory, import_roster
from bot.slack import make_patient_client
from bot.transitions import move_all
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
from bot.workers import is_dead_here, worker_id

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_S = 20
SLACK_FILE_HOSTS = ("files.slack.com",)
# A worker renews its claim while it looks people up (a 429's Retry-After is under a
# minute): a claim not renewed for CLAIM_LEASE belongs to a worker gone elsewhere.
CLAIM_LEASE = timedelta(minutes=5)
RENEW_EVERY_S = 30.0
# An import that stopped its process this often is not tried again: the coordinator is told.
MAX_ATTEMPTS = 3
_S = RosterImportStatus
# This process's name on the claims it makes (bot.workers: host, pid, a random part).
WORKER = worker_id()


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
    """One import (a roster_imports row), as the worker running it needs it."""

    id: int
    team_id: str
    user_id: str
    file_id: str
    name: str
    via: str  # "dm" (dropped in the bot's DM) or "home" (the modal)
    attempts: int = 0  # claims so far, this one included

    @classmethod
    def of(cls, row: RosterImport) -> Upload:
        return cls(
            row.id, row.team_id, row.requested_by, row.file_id, row.file_name, row.via, row.attempts
        )


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
    """Record the import and say it has begun; returns it, for the caller to `start`."""
    row = RosterImport(
        team_id=team_id,
        requested_by=user_id,
        file_id=shared.id,
        file_name=shared.name,
        via=via,
        status=_S.QUEUED,
        created_at=now,
    )
    session.add(row)
    session.flush()
    _tell(session, team_id, user_id, shared.id, IMPORTING.format(name=escape(shared.name)), now)
    return Upload.of(row)


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


def start(deps: Deps, import_id: int) -> bool:
    """Hand the import to the background (once: a second hand-off while it waits is a
    no-op); True when handed."""
    job = functools.partial(run, deps, import_id)
    return deps.background.submit(job, key=f"roster-import:{import_id}")


def resume(deps: Deps, now: datetime, is_dead: Callable[[str], bool] = is_dead_here) -> int:
    """Hand to the background every import still queued, or whose worker died or stopped
    renewing its claim (the due-work tick calls this); how many were handed."""
    with deps.sessions() as session:
        rows = session.execute(
            select(
                RosterImport.id,
                RosterImport.status,
                RosterImport.claimed_by,
                RosterImport.claimed_at,
            )
            .where(RosterImport.status.in_([_S.QUEUED, _S.RUNNING]))
            .order_by(RosterImport.id)
        ).all()
    unfinished = [
        row.id
        for row in rows
        if row.status is _S.QUEUED or _lapsed(row.claimed_by, row.claimed_at, now, is_dead)
    ]
    return sum(start(deps, import_id) for import_id in unfinished)


def _lapsed(
    holder: str | None, claimed_at: datetime | None, now: datetime, is_dead: Callable[[str], bool]
) -> bool:
    if holder is None or claimed_at is None:
        return True
    return claimed_at < now - CLAIM_LEASE or is_dead(holder)


def claim(
    session: Session,
    import_id: int,
    *,
    now: datetime,
    worker: str = WORKER,
    is_dead: Callable[[str], bool] = is_dead_here,
) -> Upload | None:
    """Take the import for `worker`: queued, or running under a claim that lapsed. None
    when it is finished or another live worker has it."""
    row = session.get(RosterImport, import_id)
    if row is None or row.status not in (_S.QUEUED, _S.RUNNING):
        return None
    if row.status is _S.RUNNING and not _lapsed(row.claimed_by, row.claimed_at, now, is_dead):
        return None
    # The holder in the WHERE makes two workers taking over the same dead claim race
    # for one UPDATE: the loser moves nothing.
    held = (
        RosterImport.claimed_by.is_(None)
        if row.claimed_by is None
        else RosterImport.claimed_by == row.claimed_by
    )
    taken = move_all(
        session,
        RosterImport,
        (RosterImport.id == import_id) & held,
        source=row.status,
        target=_S.RUNNING,
        claimed_by=worker,
        claimed_at=now,
        attempts=RosterImport.attempts + 1,
    )
    if not taken:
        return None
    session.refresh(row)
    return Upload.of(row)


class LostClaim(Exception):
    """Another worker took the import over (ours looked dead): ours stops, changing nothing."""


def run(deps: Deps, import_id: int, worker: str = WORKER) -> RosterReport | None:
    """Claim the import, read the file from Slack, import it and queue the report (or why
    it could not be), the last two in one transaction. None when there was nothing to do."""
    with deps.uow() as uow:
        upload = claim(uow.session, import_id, now=deps.clock(), worker=worker)
    if upload is None:
        return None
    if upload.attempts > MAX_ATTEMPTS:
        why = f"it was interrupted {MAX_ATTEMPTS} times, so I stopped trying"
        _could_not(deps, upload, worker, why)
        return None
    # Outside any request: the workspace's own token (bot/installs.py).
    client = installs.client_for(make_patient_client(deps.settings), deps.installs, upload.team_id)
    if client is None:
        _could_not(deps, upload, worker, installs.NOT_INSTALLED)
        return None
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
            on_lookup=_renewing(deps, upload, worker),
            then=functools.partial(mark_done, upload=upload, worker=worker, clock=deps.clock),
        )
    except LostClaim:
        log.info("roster import %s was taken over by another worker", upload.id)
        return None
    except (UnreadableFile, RosterError) as exc:
        _could_not(deps, upload, worker, str(exc))
        return None
    except (SlackApiError, OSError) as exc:  # Slack down or unreachable past the retries
        log.warning("roster import of %s: Slack did not answer (%r)", upload.file_id, exc)
        _could_not(deps, upload, worker, "Slack didn't answer in time. Please try again in a while")
        return None
    except Exception:  # a bug: the coordinator still hears back, as promised
        log.exception("roster import of %s failed", upload.file_id)
        _could_not(deps, upload, worker, "something went wrong on our side (it has been logged)")
        return None
    return report


def _renewing(deps: Deps, upload: Upload, worker: str) -> Callable[[int, int], None]:
    """After each lookup: renew the claim now and then, and stop if it was taken over."""
    renewed = [time.monotonic()]

    def renew(done: int, total: int) -> None:
        if time.monotonic() - renewed[0] < RENEW_EVERY_S:
            return
        renewed[0] = time.monotonic()
        with deps.uow() as uow:
            held = uow.session.execute(
                update(RosterImport)
                .where(
                    RosterImport.id == upload.id,
                    RosterImport.status == _S.RUNNING,
                    RosterImport.claimed_by == worker,
                )
                .values(claimed_at=deps.clock())
            ).rowcount
        if not held:
            raise LostClaim(upload.id)

    return renew


def _finish(
    session: Session,
    upload: Upload,
    worker: str,
    target: RosterImportStatus,
    report: dict[str, Any],
    now: datetime,
) -> None:
    """Mark the import finished, only while this worker holds it (else LostClaim, and the
    caller's transaction, the import's rows with it, is rolled back)."""
    moved = move_all(
        session,
        RosterImport,
        (RosterImport.id == upload.id) & (RosterImport.claimed_by == worker),
        source=_S.RUNNING,
        target=target,
        report=report,
        finished_at=now,
    )
    if not moved:
        raise LostClaim(upload.id)


def mark_done(
    session: Session,
    report: RosterReport,
    *,
    upload: Upload,
    worker: str,
    clock: Callable[[], datetime],
) -> None:
    """In the import's own transaction: the import is done and its report queued."""
    now = clock()
    _finish(session, upload, worker, _S.DONE, report.counts(), now)
    _report(session, upload, report, now)


def _could_not(deps: Deps, upload: Upload, worker: str, why: str) -> None:
    now = deps.clock()
    text = COULD_NOT_READ.format(name=escape(upload.name), why=why)
    try:
        with deps.uow() as uow:
            _finish(uow.session, upload, worker, _S.FAILED, {"why": why}, now)
            notify(
                uow.session,
                team_id=upload.team_id,
                user_id=upload.user_id,
                text=text,
                key=keys.once(Kind.ROSTER_REPORT, upload.id),
                now=now,
            )
            audit.record(
                uow.session,
                team_id=upload.team_id,
                actor=upload.user_id,
                action="roster.failed",
                subject_type="roster",
                subject_id=str(upload.id),
                now=now,
                detail={"via": upload.via},
            )
    except LostClaim:
        log.info("roster import %s was taken over by another worker", upload.id)


def _report(session: Session, upload: Upload, report: RosterReport, now: datetime) -> None:
    counts = Counts(report.added, report.updated, report.unchanged, report.skipped)
    notes = []
    if report.ignored_columns:
        notes.append(f"line 1: ignored column(s) {', '.join(report.ignored_columns)}")
    problems = [str(problem) for problem in report.problems]
    text, blocks, whole = report_message(upload.name, counts, problems, notes)
    key = keys.once(Kind.ROSTER_REPORT, upload.id)
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
    """The file's text, read from Slack with the client's bot token; raises UnreadableFile."""
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
    token = client.token or ""  # the workspace's own bot token (bot/installs.py)
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
