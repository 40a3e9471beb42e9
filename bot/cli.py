"""`mentorbot` commands (contract.md). Exit 0 on success, non-zero with one line otherwise."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Settings, SettingsError, load_settings
from bot.logs import configure_logging

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime
    from bot.shutdown import Server

log = logging.getLogger("mentorbot")

SHUTDOWN_GRACE_S = 10.0


class CommandError(Exception):
    """A failure the operator can act on; str(error) is the line to print."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentorbot",
        description="A Slack bot that runs a company's mentorship program end to end.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="serve Slack (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT)",
        description="Serve Slack. Upgrades the database first, and runs the scheduler "
        "in-process unless --no-scheduler.",
    )
    run.add_argument("--port", type=int, help="HTTP mode listen port (default: PORT, 3000)")
    run.add_argument("--host", default="0.0.0.0", help="HTTP mode listen address (default: all)")
    run.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run the scheduler here (run `mentorbot scheduler` once elsewhere)",
    )

    commands.add_parser(
        "scheduler",
        help="run only the scheduler (for deployments with several web replicas)",
        description="Run only the scheduler: delivers queued messages and all due work.",
    )

    doctor = commands.add_parser(
        "doctor",
        help="check the settings, the Slack token and its scopes, and the database",
        description="Check that this deployment can serve: the settings, the bot token "
        "(auth.test), its scopes against manifest.yml, the database connection and its "
        "schema revision. One line per check, with a fix for each failure; exit status 1 "
        "if any failed. Changes nothing.",
    )
    doctor.add_argument(
        "--manifest",
        type=Path,
        help="the app's manifest (default: manifest.yml of this checkout)",
    )

    db = commands.add_parser("db", help="database schema commands")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_commands.add_parser("upgrade", help="bring the schema to the newest revision (Alembic)")
    db_copy = db_commands.add_parser(
        "copy",
        help="copy every table into another, empty database (e.g. SQLite to PostgreSQL)",
        description="Copy every table of the configured database (DATABASE_URL, upgraded "
        "first) into the database at --to: its schema is made with Alembic, then the rows "
        "are copied parents first in one transaction, id counters carried over, and the "
        "row counts of every table compared. Refuses a target that holds rows. Stop the "
        "bot first, so nothing changes while it copies.",
    )
    db_copy.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the target database, e.g. postgresql://user@host/mentorbot",
    )

    run_due = commands.add_parser(
        "run-due",
        help="run, once, all scheduled work due as of an instant, and exit",
        description="Run, once, everything due as of --as-of (default: now); the same "
        "code path the scheduler runs. It does not wait for the scheduler lease: each piece "
        "of due work is done once however many processes run it, so it is safe beside a "
        "running scheduler.",
    )
    run_due.add_argument(
        "--as-of",
        type=_instant,
        help="ISO-8601 instant, e.g. 2026-12-01T09:00:00Z (default: now)",
    )
    match = commands.add_parser(
        "match",
        help="compute a cohort's matching round and print it (approve rounds in Slack)",
        description="Compute the optimal matching round for a cohort and print the proposal: "
        "pairs with scores and reasons, and who stays unmatched and why.",
    )
    match.add_argument(
        "--cohort",
        help="the program (cohort) name, any case (default: the only one; the first is "
        "called 'Mentorship program')",
    )
    match.add_argument("--team", help="Slack team id, when several workspaces share the database")
    match.add_argument(
        "--dry-run",
        action="store_true",
        help="print the proposal only (required: rounds are approved in Slack with /mentor match)",
    )
    export = commands.add_parser(
        "export",
        help="write a cohort's pairs and their health as CSV",
        description="Write one CSV row per pair of a cohort: started, meetings, last met, "
        "average rating, goals done, at risk. Cells a spreadsheet would run as formulas "
        "start with an apostrophe.",
    )
    export.add_argument("--cohort", help="the cohort's name, any case (default: the only one)")
    export.add_argument("--team", help="Slack team id, when several workspaces share the database")
    export.add_argument("--output", help="write to this file (default: standard output)")
    demo = commands.add_parser(
        "demo",
        help="the whole program offline: the real bot against a local Slack emulator",
        description="Run the real endpoint, handlers and scheduler job against a local Slack "
        "Web API emulator, with no workspace and no tokens: a dozen people join, are paired "
        "and go through eight weeks of check-ins; print what each person sees.",
    )
    demo.add_argument(
        "--seed", type=int, default=1, help="chooses the dates and who does what (default: 1)"
    )
    demo.add_argument(
        "--database",
        metavar="URL",
        help="an empty database to keep the state in, for a look afterwards "
        "(default: a temporary SQLite file)",
    )
    demo.add_argument(
        "--html", metavar="FILE", help="also write the story as one self-contained HTML page"
    )

    roster = commands.add_parser(
        "roster",
        help="import people (role, topics, cohort), who reports to whom, and teams",
    )
    roster_commands = roster.add_subparsers(dest="roster_command", required=True, metavar="ROSTER")
    roster_import = roster_commands.add_parser(
        "import",
        help="apply a CSV of email, role, topics, team, manager_email, cohort "
        "(or slack_user_id, manager_slack_id, team)",
        description="Apply a CSV whose header row names its columns: email (required), role "
        "(mentee, mentor or both), topics (separated by ; or |), team, manager_email and "
        "cohort (a cohort's name; empty: the current one). People and managers are found in "
        "Slack by email (users.lookupByEmail, with SLACK_BOT_TOKEN); emails are not stored. "
        "The older form slack_user_id, manager_slack_id, team works too. Each row that cannot "
        "be imported is reported with its line number and why; importing the same file again "
        "changes nothing. Matching never pairs people in the same reporting line or team.",
    )
    roster_import.add_argument("file", help="the CSV file ('-' for standard input)")
    roster_import.add_argument(
        "--team",
        help="Slack team id (default: the one workspace in the database, else the bot "
        "token's, asked of Slack)",
    )
    return parser


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO-8601 instant such as 2026-12-01T09:00:00Z, got {value!r}"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        # The demo brings its own settings: a broken environment must not stop it.
        from bot.demo import run_demo

        return run_demo(
            seed=args.seed,
            database_url=args.database,
            html=Path(args.html) if args.html else None,
        )
    if args.command == "doctor":
        # A broken setting is one of the things the doctor reports, not a reason to stop.
        return _doctor(args.manifest)
    try:
        settings = load_settings()
        configure_logging(
            settings.log_format,
            getattr(logging, settings.log_level.upper()),
            secrets=settings.secret_values,
        )
        return _dispatch(args, settings)
    except (SettingsError, CommandError) as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, SettingsError) else 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db" and args.db_command == "copy":
        return _db_copy(settings, args.to)
    if args.command == "db":
        _upgrade(settings)
        print(f"database at {settings.database_url_for_display} is at the newest revision")
        return 0
    if args.command == "run-due":
        return _run_due(settings, args.as_of or datetime.now(UTC))
    if args.command == "scheduler":
        return _scheduler(settings)
    if args.command == "roster":
        return _roster_import(settings, args.file, team=args.team)
    if args.command == "match":
        return _match(settings, cohort=args.cohort, team=args.team, dry_run=args.dry_run)
    if args.command == "export":
        return _export(settings, cohort=args.cohort, team=args.team, output=args.output)
    return _run(settings, port=args.port, host=args.host, with_scheduler=not args.no_scheduler)


def _doctor(manifest: Path | None) -> int:
    from bot.doctor import run_checks

    checks = run_checks(load_settings, manifest)
    for check in checks:
        print(check.line())
    failed = sum(not check.ok for check in checks)
    print(f"{failed} check(s) failed" if failed else "all checks passed")
    return 1 if failed else 0


def _db_copy(settings: Settings, to: str) -> int:
    from sqlalchemy.engine import make_url

    from bot.db.copy import CopyError, copy_database
    from bot.db.engine import normalize_url

    try:
        where = normalize_url(to).render_as_string(hide_password=True)
    except ValueError as exc:
        raise CommandError(f"--to: {exc}") from exc
    _upgrade(settings)

    def progress(table: str, rows: int) -> None:
        print(f"  {table}: {rows} row(s)")

    print(f"copying {settings.database_url_for_display} to {where}")
    try:
        report = copy_database(settings.database_url, to, on_table=progress)
    except CopyError as exc:
        raise CommandError(f"nothing copied: {exc}") from exc
    except Exception as exc:
        password = make_url(to).password
        line = (str(exc).splitlines() or [""])[0]
        if password:
            line = line.replace(str(password), "***")
        raise CommandError(f"nothing copied: {type(exc).__name__}: {line}") from exc
    print(
        f"copied {report.total} row(s) in {len(report.rows)} tables; every table's count "
        f"matches; point DATABASE_URL at {where} to use it"
    )
    return 0


def _upgrade(settings: Settings) -> None:
    from bot.db.migrate import upgrade

    try:
        upgrade(settings.database_url)
    except Exception as exc:
        raise CommandError(
            f"could not upgrade the database at {settings.database_url_for_display}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc


def _run_due(settings: Settings, as_of: datetime) -> int:
    from bot.runtime import build_runtime
    from scheduling.due import run_due

    _upgrade(settings)
    runtime = build_runtime(settings)
    try:
        report = run_due(runtime, as_of)
        runtime.deps.background.wait_idle(None)  # a roster import it resumed, to its end
    finally:
        runtime.close()
    print(f"due work as of {as_of.isoformat()}: {report.summary()}")
    return 0


def _match(settings: Settings, *, cohort: str | None, team: str | None, dry_run: bool) -> int:
    from bot.rounds import CohortError, preview_round
    from bot.runtime import build_runtime
    from bot.views.rounds import round_text

    if not dry_run:
        raise CommandError(
            "rounds are approved in Slack: run /mentor match there, or add --dry-run to preview"
        )
    _upgrade(settings)
    runtime = build_runtime(settings)
    deps = runtime.deps
    try:
        with deps.uow() as uow:  # a dry run stores nothing
            preview = preview_round(
                uow.session, deps.pools, cohort=cohort, team=team, now=deps.clock()
            )
    except CohortError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        runtime.close()
    print(round_text(preview))
    return 0


def _export(settings: Settings, *, cohort: str | None, team: str | None, output: str | None) -> int:
    from bot.runtime import build_runtime
    from bot.stats import CohortError, export_for_terminal

    _upgrade(settings)
    runtime = build_runtime(settings)
    try:
        with runtime.deps.uow() as uow:  # reads only
            export = export_for_terminal(uow.session, cohort=cohort, team=team)
    except CohortError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        runtime.close()
    if output is None:
        sys.stdout.write(export.csv)
        return 0
    try:
        Path(output).write_text(export.csv, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
    print(f"wrote {export.pairs} pairs of {export.cohort!r} to {output}", file=sys.stderr)
    return 0


def _roster_import(settings: Settings, path: str, *, team: str | None) -> int:
    from bot.installs import client_for
    from bot.roster import RosterError, SlackDirectory, import_roster, workspaces
    from bot.runtime import build_runtime
    from bot.slack import make_patient_client

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"cannot read {path}: it is not UTF-8 text") from exc
    _upgrade(settings)
    runtime = build_runtime(settings)
    try:
        if team is None:
            with runtime.deps.uow() as uow:
                teams = workspaces(uow.session)
            if len(teams) > 1:
                raise CommandError(f"add --team: several workspaces use mentorbot ({teams})")
            team = teams[0] if teams else _team_from_slack(settings)
        # The email form asks Slack (with that workspace's token when installs come
        # through OAuth); a 429 waits for its Retry-After, then goes on.
        client = (
            client_for(make_patient_client(settings), runtime.deps.installs, team)
            if settings.slack_bot_token or settings.oauth
            else None
        )
        directory = SlackDirectory(client) if client is not None else None
        with _progress_bar() as on_lookup:
            report = import_roster(
                runtime.deps.uow,
                team_id=team,
                text=text,
                directory=directory,
                actor=None,
                via="cli",
                now=runtime.deps.clock(),
                on_lookup=on_lookup,
            )
    except RosterError as exc:
        raise CommandError(f"nothing imported: {exc}") from exc
    except OSError as exc:
        raise CommandError(
            f"nothing imported: could not reach Slack at {settings.slack_api_url}: {_reason(exc)}"
        ) from exc
    finally:
        runtime.close()
    print(
        f"roster for {team}: {report.updated} updated, {report.added} added, "
        f"{report.unchanged} unchanged, {report.skipped} skipped"
    )
    if report.ignored_columns:
        print(f"  ignored column(s) {', '.join(report.ignored_columns)}")
    for problem in report.problems:
        print(f"  skipped {problem}")
    return 1 if report.problems and not report.imported else 0


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar of the Slack lookups, on a terminal only (not in a pipe or a log)."""
    if not sys.stdout.isatty():
        yield None
        return
    from tqdm import tqdm

    bars: list[tqdm[Any]] = []

    def step(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, desc="looking up", unit="email", file=sys.stdout))
        bars[0].update(1)

    try:
        yield step
    finally:
        for bar in bars:
            bar.close()


def _team_from_slack(settings: Settings) -> str:
    """The bot token's workspace, from `auth.test`: before anyone used the bot,
    the database cannot say which workspace this is."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    if settings.slack_bot_token is None:
        raise CommandError(
            "add --team, or set SLACK_BOT_TOKEN so mentorbot can ask Slack which workspace "
            "this is (nobody has used mentorbot in Slack yet)"
        )
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=10,
    )
    try:
        with _slack_sdk_quiet():
            return str(client.auth_test()["team_id"])
    except SlackApiError as exc:
        raise CommandError(
            f"Slack did not accept SLACK_BOT_TOKEN at {settings.slack_api_url} "
            f"({exc.response.get('error')}); or add --team"
        ) from exc
    except OSError as exc:
        raise CommandError(
            f"could not reach Slack at {settings.slack_api_url}: {_reason(exc)}; or add --team"
        ) from exc


def _scheduler(settings: Settings) -> int:
    from bot.runtime import build_runtime
    from bot.shutdown import stop_requested
    from scheduling import scheduler as clock

    if settings.slack_bot_token is None:
        raise SettingsError(
            "SLACK_BOT_TOKEN is required to deliver messages: set it to the bot token (xoxb-...)"
        )
    _upgrade(settings)
    runtime = build_runtime(settings)
    with stop_requested() as stopping:
        try:
            scheduler = clock.start_in_background(runtime)
            log.info("scheduler started against %s", settings.database_url_for_display)
            stopping.wait()
            log.info("stopping: finishing the current send")
            clock.stop(runtime, scheduler)
        finally:
            runtime.close()
    log.info("scheduler stopped")
    return 0


def _run(settings: Settings, *, port: int | None, host: str, with_scheduler: bool) -> int:
    from bot.runtime import build_runtime
    from bot.shutdown import stop_signals
    from scheduling import scheduler as clock

    settings.require_for_serving()
    _upgrade(settings)
    runtime = build_runtime(settings)
    try:
        app = _build_app(runtime)
        server = _server(app, runtime, host, port if port is not None else settings.port)
        _warm_once_serving(server, runtime)
        scheduler = clock.start_in_background(runtime) if with_scheduler else None
        # SIGTERM / Ctrl+C: stop taking requests, finish those in flight, then clean up.
        with stop_signals(server.handle_exit):
            try:
                _serve(server, settings)
            finally:
                # Listeners that already acknowledged finish their work (views.open...) first.
                pool = app.listener_runner.listener_executor
                if not pool.wait_idle(SHUTDOWN_GRACE_S):  # type: ignore[attr-defined]
                    log.warning("stopping with listeners at work after %ss", SHUTDOWN_GRACE_S)
                if scheduler is not None:
                    clock.stop(runtime, scheduler)
    finally:
        runtime.close()
    log.info("stopped")
    return 0


def _serve(server: Server, settings: Settings) -> None:
    """`server.run()`; Slack refusing the app-level token (Socket Mode) is one clear line."""
    from slack_sdk.errors import SlackApiError

    if not settings.socket_mode:
        server.run()
        return
    try:
        server.run()  # apps.connections.open first: the token and Slack's reach are tried
    except SlackApiError as exc:
        raise CommandError(
            f"Slack did not accept SLACK_APP_TOKEN at {settings.slack_api_url} "
            f"({exc.response.get('error')}): it must be an app-level token with "
            "the connections:write scope"
        ) from exc
    except OSError as exc:
        raise CommandError(
            f"could not reach Slack at {settings.slack_api_url}: {_reason(exc)}"
        ) from exc


def _warm_once_serving(server: Server, runtime: Runtime) -> None:
    """Serve first: once requests are answered, a background thread loads the matcher's
    heavy imports (~0.7 s), then builds the pools of the open programs (seconds at tens of
    thousands of mentors), so neither start-up nor the first `/mentor find` waits for
    them; a search that comes meanwhile waits for that build (bot/matchmaking.PoolCache).
    A failure is logged, and that program's next search builds its pool."""
    deps = runtime.deps

    def warm() -> None:
        while not server.started:
            time.sleep(0.05)
        from bot.matching import warm

        began = time.perf_counter()
        try:
            warm()
            log.info("matcher warmed in the background in %.2f s", time.perf_counter() - began)
        except Exception:
            log.exception("warming the matcher failed; the first search loads it")
        deps.pools.build_open_programs(runtime.engine, deps.clock)
        _warm_compiled_if_needed(deps.pools.largest_round())

    threading.Thread(target=warm, name="warm-matcher", daemon=True).start()


def _warm_compiled_if_needed(pairs: int) -> None:
    """A program whose round would use the compiled code (COMPILED_MIN_PAIRS pairs or more)
    gets it loaded now, not while its coordinator waits for the first round; a smaller
    one never loads numba (~100 MiB)."""
    from bot.matching import warm_compiled
    from bot.matching.graph import COMPILED_MIN_PAIRS

    if pairs < COMPILED_MIN_PAIRS:
        return
    began = time.perf_counter()
    try:
        warm_compiled()
        log.info("compiled matching code loaded in %.2f s", time.perf_counter() - began)
    except Exception:
        log.exception("loading the compiled matching code failed; the first big round loads it")


def _server(app: App, runtime: Runtime, host: str, port: int) -> Server:
    from bot.shutdown import GracefulServer, SocketModeServer

    settings = runtime.deps.settings
    if settings.slack_app_token is not None:
        log.info("serving Slack over Socket Mode")
        return SocketModeServer(app, settings.slack_app_token.get_secret_value())
    from bot.server import build_asgi, uvicorn_server

    log.info("serving Slack over HTTP on %s:%d", host, port)
    secret = settings.slack_signing_secret
    assert secret is not None  # require_for_serving() saw to it in HTTP mode
    asgi = build_asgi(app, runtime.engine, signing_secret=secret.get_secret_value())
    return GracefulServer(uvicorn_server(asgi, host, port).config)


def _build_app(runtime: Runtime) -> App:
    from slack_bolt.error import BoltError

    from bot.app import build_app

    url = runtime.deps.settings.slack_api_url
    try:
        with _slack_sdk_quiet():
            return build_app(runtime.deps, stores=runtime.stores)
    except BoltError as exc:
        raise CommandError(f"Slack did not accept SLACK_BOT_TOKEN at {url} ({exc})") from exc
    except OSError as exc:  # refused, unresolvable, timed out: urllib's errors are OSErrors
        raise CommandError(f"could not reach Slack at {url}: {_reason(exc)}") from exc


@contextlib.contextmanager
def _slack_sdk_quiet() -> Iterator[None]:
    """A start-up check reports its failure in our one line; slack_sdk's own lines
    about each failed try would only bury it."""
    sdk = logging.getLogger("slack_sdk")
    level = sdk.level
    sdk.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        sdk.setLevel(level)


def _reason(exc: OSError) -> str:
    reason = getattr(exc, "reason", None) or exc  # URLError wraps the socket error
    return str(getattr(reason, "strerror", None) or reason)
