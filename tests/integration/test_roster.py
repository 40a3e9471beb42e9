"""Roster import: people by email (role, topics, team, manager, cohort) or by Slack id, from
`mentorbot roster import` or a CSV a coordinator gives the bot in Slack. Each row that
cannot be imported is named by its line; the same file twice changes nothing; emails are
never stored; matching keeps managers and teammates apart."""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import pty
import struct
import subprocess
import termios
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot import roster_uploads
from bot.db.base import Base
from bot.db.enums import EnrollmentRole, EnrollmentStatus, RosterImportStatus
from bot.db.models import AuditEntry, Enrollment, Person, Program, RosterImport, Topic
from bot.roster import SlackDirectory, import_roster
from bot.roster_uploads import SharedFile
from bot.views.roster import RosterIds, home_section
from bot.workers import this_host
from tests.integration.cast import enroll
from tests.integration.conftest import BOT_TOKEN, COORDINATOR, TEAM, Rig
from tests.integration.processes import in_process
from tests.integration.test_cli import MENTORBOT, _env
from tests.integration.test_find import cards, open_find
from tests.integration.test_leave import where_found

ANA, BOSS, GRAND_BOSS, OTHER = "U0ANA0001", "U0BOS0001", "U0GRA0001", "U0OTH0001"
CARA, GUEST = "U0CAR0001", "U0GUE0001"

EMAIL_ROSTER = (
    "Email,Role,Topics,Team,Manager Email\n"
    "ana@example.com,mentee,NLP; MLOps,Search,boss@example.com\n"
    "boss@example.com,mentor,Leadership|NLP,Search,grand@example.com\n"
    "cara@example.com,both,,Platform,\n"
)


def people(rig: Rig) -> None:
    """The workspace's directory: each person with an email, as HR knows them."""
    for user, name, email, tz in (
        (ANA, "Ana Lopez", "ana@example.com", "Europe/Madrid"),
        (BOSS, "Bo Sterling", "boss@example.com", "Europe/London"),
        (GRAND_BOSS, "Grace Anders", "grand@example.com", "America/New_York"),
        (CARA, "Cara Dunn", "cara@example.com", "Asia/Tokyo"),
        (OTHER, "Otto Hall", "otto@example.com", "UTC"),
    ):
        rig.emulator.add_user(
            user, name=name.split()[0].lower(), real_name=name, tz=tz, email=email
        )
    rig.emulator.add_user(GUEST, real_name="Gus Guest", email="gus@example.com", is_restricted=True)


def import_cli(rig: Rig, csv: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`mentorbot roster import` (its `main`, in this process; a real process shows the
    progress bar below, and tests/integration/test_cli.py starts one too)."""
    roster = tmp_path / "roster.csv"
    roster.write_text(csv)
    return in_process(
        "roster",
        "import",
        str(roster),
        cwd=tmp_path,
        DATABASE_URL=rig.settings.database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=rig.emulator.api_url,
        **env,
    )


def enrollments(rig: Rig) -> dict[str, tuple[str, int, list[str]]]:
    """Slack id -> (role, capacity, topics) in the current program."""
    with rig.runtime.deps.sessions() as session:
        return {
            e.person.slack_user_id: (e.role.value, e.capacity, sorted(t.label for t in e.topics))
            for e in session.scalars(select(Enrollment))
        }


def org(rig: Rig) -> dict[str, tuple[str | None, str | None, str | None]]:
    """Slack id -> (manager, team, time zone)."""
    with rig.runtime.deps.sessions() as session:
        return {
            p.slack_user_id: (p.manager_slack_id, p.org_team, p.tz)
            for p in session.scalars(select(Person))
        }


def audit_details(rig: Rig, action: str) -> list[dict[str, Any]]:
    with rig.runtime.deps.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return [{"actor": a.actor_slack_id, **a.detail} for a in rows]


def everything(rig: Rig) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the audit trail (each import adds its entry)."""
    with rig.runtime.deps.sessions() as session:
        return {
            table.name: sorted(map(repr, session.execute(select(table)).all()))
            for table in Base.metadata.sorted_tables
            if table.name != "audit_entries"
        }


# --- the command line ---------------------------------------------------------------------


def test_the_email_form_enrolls_people_found_in_slack_with_roles_topics_teams_and_managers(
    rig: Rig, tmp_path: Path
) -> None:
    people(rig)

    result = import_cli(rig, EMAIL_ROSTER, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"roster for {TEAM}: 0 updated, 3 added, 0 unchanged, 0 skipped\n"
    assert enrollments(rig) == {
        ANA: ("mentee", 0, ["MLOps", "NLP"]),
        BOSS: ("mentor", 2, ["Leadership", "NLP"]),
        CARA: ("both", 2, []),
    }
    assert org(rig) == {
        ANA: (BOSS, "Search", "Europe/Madrid"),  # the zone from Slack's profile
        BOSS: (GRAND_BOSS, "Search", "Europe/London"),
        CARA: (None, "Platform", "Asia/Tokyo"),
    }
    assert where_found(rig, ["@example.com"]) == {}  # no email is kept anywhere
    assert audit_details(rig, "roster.imported") == [
        {"actor": None, "via": "cli", "form": "emails", "added": 3, "updated": 0}
        | {"unchanged": 0, "skipped": 0}
    ]
    assert len(rig.emulator.calls("users.lookupByEmail")) == 4  # three people and Grace


@pytest.mark.parametrize(
    "csv",
    [
        pytest.param(EMAIL_ROSTER, id="email form"),
        pytest.param(
            f"slack_user_id,manager_slack_id,team\n{ANA},{BOSS},Search\n{BOSS},,Search\n",
            id="slack id form",
        ),
    ],
)
def test_importing_the_same_file_twice_changes_nothing(rig: Rig, tmp_path: Path, csv: str) -> None:
    people(rig)
    first = import_cli(rig, csv, tmp_path)
    after_first = everything(rig)

    second = import_cli(rig, csv, tmp_path)

    rows = csv.count("\n") - 1
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert f"0 updated, {rows} added" in first.stdout
    assert f"0 updated, 0 added, {rows} unchanged, 0 skipped" in second.stdout
    assert everything(rig) == after_first


def test_each_row_that_cannot_be_imported_is_reported_with_its_line_number_and_why(
    rig: Rig, tmp_path: Path
) -> None:
    enroll(rig, OTHER, EnrollmentRole.MENTOR, topics=("NLP",), bio="NLP lead.")
    people(rig)
    with rig.runtime.deps.sessions() as session:
        spring = Program(team_id=TEAM, name="Spring 2027", created_by="U0COORD1")
        spring.topics = [Topic(label="NLP")]
        session.add(spring)
        session.commit()
    csv = (
        "email,role,topics,team,manager_email,cohort\n"
        "ana@example.com,mentee,NLP,Search,boss@example.com,\n"  # 2: fine
        "zed@example.com,mentee,NLP,,,\n"  # 3: nobody in Slack
        "ana@example.com,mentee,MLOps,,,\n"  # 4: the same person again
        "cara@example.com,boss,,,,\n"  # 5: no such role
        "cara@example.com,mentee,Cooking;NLP,,,\n"  # 6: no such topic
        "cara@example.com,mentor,,,,Autumn\n"  # 7: no such cohort
        "boss@example.com,mentor,,,nobody@example.com,\n"  # 8: an unknown manager
        "gus@example.com,mentee,,,,\n"  # 9: a guest
        "otto@example.com,mentee,,,,\n"  # 10: mentors no one, may become a mentee
        "not an email,mentee,,,,\n"  # 11
        "cara@example.com,mentor,NLP,,,spring 2027\n"  # 12: fine, in the other cohort
    )

    result = import_cli(rig, csv, tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"roster for {TEAM}: 1 updated, 2 added, 0 unchanged, 8 skipped"
    assert lines[1:] == [
        "  skipped line 3: no Slack account uses z…@example.com",
        "  skipped line 4: duplicate row (the same person as line 2)",
        "  skipped line 5: unknown role 'boss' (use mentee, mentor, both)",
        "  skipped line 6: unknown topic 'Cooking' in Mentorship program (known: "
        "Machine learning engineering, Data science, Research, NLP, Computer vision, "
        "Reinforcement learning, MLOps, AI ethics and fairness, AI product management, "
        "Career change into AI, Leadership, Interviewing and job search)",
        "  skipped line 7: unknown cohort 'Autumn' (cohorts: Mentorship program, Spring 2027)",
        "  skipped line 8: manager: no Slack account uses n…@example.com",
        "  skipped line 9: that is a guest account, and guests can't join the program",
        "  skipped line 11: the email cell does not hold an email address",
    ]
    assert "zed@example.com" not in result.stdout + result.stderr
    with rig.runtime.deps.sessions() as session:
        cara = session.scalars(
            select(Enrollment).join(Person).where(Person.slack_user_id == CARA)
        ).one()
        assert cara.program.name == "Spring 2027"
    assert enrollments(rig)[OTHER] == ("mentee", 0, ["NLP"])  # the topics they had


def test_a_header_that_names_neither_form_imports_nothing_and_fails(
    rig: Rig, tmp_path: Path
) -> None:
    result = import_cli(rig, "name,team\nAna,Search\n", tmp_path)

    assert result.returncode == 1
    assert "line 1: the header row names no `email` column" in result.stdout


def test_when_slack_refuses_the_lookups_nothing_is_imported_and_the_command_says_why(
    rig: Rig, tmp_path: Path
) -> None:
    people(rig)
    rig.emulator.fail("users.lookupByEmail", error="missing_scope", times=None)

    result = import_cli(rig, EMAIL_ROSTER, tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "mentorbot: nothing imported: Slack refused to look people up by email (missing_scope)"
    )
    assert enrollments(rig) == {}


def test_a_429_mid_import_waits_for_its_retry_after_and_the_import_carries_on(
    rig: Rig, tmp_path: Path
) -> None:
    people(rig)
    rig.emulator.rate_limit("users.lookupByEmail", retry_after=1, times=1, after=2)

    result = import_cli(rig, EMAIL_ROSTER, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "3 added, 0 unchanged, 0 skipped" in result.stdout
    lookups = rig.emulator.calls("users.lookupByEmail")
    assert [c.status for c in lookups] == [200, 200, 429, 200, 200]
    assert lookups[3].args == lookups[2].args  # the same person asked again...
    assert lookups[3].at - lookups[2].at >= 1  # ...once Retry-After had passed
    assert "@example.com" not in result.stderr  # the retry is logged, the address is not


def test_a_progress_bar_shows_on_a_terminal(rig: Rig, tmp_path: Path) -> None:
    people(rig)
    roster = tmp_path / "roster.csv"
    roster.write_text(EMAIL_ROSTER)
    env = _env(
        DATABASE_URL=rig.settings.database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=rig.emulator.api_url,
    )
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # rows, cols
    with subprocess.Popen(
        [MENTORBOT, "roster", "import", str(roster)],
        cwd=tmp_path,
        env=env,
        stdout=follower,
        stderr=subprocess.PIPE,
    ) as process:
        os.close(follower)
        shown = _read_all(leader)
        process.wait(timeout=60)

    assert process.returncode == 0
    assert "looking up" in shown and "4/4" in shown
    assert "roster for T0001: 0 updated, 3 added" in shown


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


def test_managers_and_teammates_from_the_roster_are_never_suggested(
    rig: Rig, tmp_path: Path
) -> None:
    enroll(rig, ANA, EnrollmentRole.MENTEE, topics=("NLP",))
    for mentor in (BOSS, GRAND_BOSS, OTHER):
        enroll(rig, mentor, EnrollmentRole.MENTOR, topics=("NLP",), bio="NLP in production.")
    before = open_find(rig)
    assert set(cards(before)) == {BOSS, GRAND_BOSS, OTHER}

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "slack_user_id,manager_slack_id,team\n"
        f"{ANA},{BOSS},Search\n"
        f"{BOSS},{GRAND_BOSS},Search\n"
        f"{OTHER},,Search\n"
        "not-an-id,,Search\n"
    )
    result = in_process(
        "roster", "import", str(roster), cwd=tmp_path, DATABASE_URL=rig.settings.database_url
    )
    rig.emulator.clear()
    after = open_find(rig)

    assert result.returncode == 0, result.stderr
    assert "3 updated" in result.stdout and "line 5" in result.stdout
    assert cards(after) == []  # direct manager, skip-level manager, same team
    with rig.runtime.deps.sessions() as session:
        statuses = set(session.scalars(select(Enrollment.status)))
    assert statuses == {EnrollmentStatus.ACTIVE}


# --- in Slack -----------------------------------------------------------------------------


def imported(rig: Rig) -> list[str]:
    """Wait for the background import, deliver what it queued; the coordinator's DMs."""
    rig.settle()
    assert rig.runtime.deps.background.wait_idle(10), "the import is still running"
    rig.run_due()
    return [m["text"] for m in rig.emulator.messages_for(COORDINATOR)]


def test_a_coordinator_drops_a_csv_into_the_bots_dm_and_gets_the_report_there(
    rig: Rig,
) -> None:
    people(rig)
    csv = EMAIL_ROSTER + "zed@example.com,mentee,,,\n"
    shared = rig.emulator.add_file(COORDINATOR, "roster.csv", csv, share_in_dm=True)

    response = rig.slack.file_share(COORDINATOR, [shared])
    dms = imported(rig)

    assert response.status == 200
    assert dms == [
        ":inbox_tray: Got *roster.csv*. I'm importing it now and will send you the report "
        "here when it's done (a big file takes a while: Slack lets me look up about 50 people "
        "a minute).",
        "Roster *roster.csv* imported: 3 added, 0 updated, 0 unchanged, 1 skipped.\n"
        "• line 5: no Slack account uses z…@example.com",
    ]
    assert enrollments(rig) == {
        ANA: ("mentee", 0, ["MLOps", "NLP"]),
        BOSS: ("mentor", 2, ["Leadership", "NLP"]),
        CARA: ("both", 2, []),
    }
    [download] = rig.emulator.calls("download")
    assert (download.status, download.token) == (200, BOT_TOKEN)
    addresses = ["ana@example.com", "boss@example.com", "grand@example.com", "zed@example.com"]
    assert where_found(rig, addresses) == {}  # the outbox and the audit trail included
    assert audit_details(rig, "roster.imported") == [
        {"actor": COORDINATOR, "via": "dm", "form": "emails", "added": 3, "updated": 0}
        | {"unchanged": 0, "skipped": 1}
    ]


def test_a_coordinator_imports_from_the_app_home_with_a_file_in_a_modal(rig: Rig) -> None:
    people(rig)
    rig.slack.app_home_opened(COORDINATOR)
    rig.run_due()
    assert RosterIds.IMPORT in str(rig.emulator.home_view(COORDINATOR))

    rig.slack.block_action(COORDINATOR, RosterIds.IMPORT)
    rig.settle()
    modal = rig.emulator.top_view(COORDINATOR)
    assert modal is not None and modal["callback_id"] == RosterIds.MODAL_CALLBACK
    a_photo = rig.emulator.add_file(COORDINATOR, "team.png", b"\x89PNG")
    wrong = rig.slack.view_submission(COORDINATOR, values=_picked(a_photo))
    picked = rig.emulator.add_file(COORDINATOR, "people.csv", EMAIL_ROSTER)
    right = rig.slack.view_submission(COORDINATOR, values=_picked(picked))
    dms = imported(rig)

    assert wrong.json == {
        "response_action": "errors",
        "errors": {RosterIds.FILE_BLOCK: "Choose one CSV file (.csv)."},
    }
    assert right.status == 200 and rig.emulator.top_view(COORDINATOR) is None
    assert dms[-1] == "Roster *people.csv* imported: 3 added, 0 updated, 0 unchanged, 0 skipped."
    assert set(enrollments(rig)) == {ANA, BOSS, CARA}
    assert [a["via"] for a in audit_details(rig, "roster.imported")] == ["home"]


def test_a_modal_naming_someone_elses_file_reads_nothing(rig: Rig) -> None:
    people(rig)
    anas = rig.emulator.add_file(ANA, "private.csv", EMAIL_ROSTER)
    home = {"id": "V1", "type": "home", "blocks": [b.to_dict() for b in home_section()]}
    rig.slack.block_action(COORDINATOR, RosterIds.IMPORT, view=home)
    rig.settle()

    rig.slack.view_submission(COORDINATOR, values=_picked(anas))
    dms = imported(rig)

    assert dms[-1] == (
        "Sorry, I couldn't import *private.csv*: that file was uploaded by someone else. "
        "Nothing was changed."
    )
    assert rig.emulator.calls("download") == [] and enrollments(rig) == {}
    assert [a["via"] for a in audit_details(rig, "roster.failed")] == ["home"]


def _picked(file: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {RosterIds.FILE_BLOCK: {RosterIds.FILE_ACTION: [file]}}


def test_a_long_report_is_clipped_in_the_dm_and_sent_whole_as_a_file(rig: Rig) -> None:
    people(rig)
    unknown = "".join(f"nobody{n}@example.com,mentee,,,\n" for n in range(30))
    shared = rig.emulator.add_file(COORDINATOR, "big.csv", EMAIL_ROSTER + unknown, share_in_dm=True)

    rig.slack.file_share(COORDINATOR, [shared])
    [report] = [text for text in imported(rig) if text.startswith("Roster")]

    assert report.startswith(
        "Roster *big.csv* imported: 3 added, 0 updated, 0 unchanged, 30 skipped."
    )
    assert report.count("\n• line ") == 15
    assert report.endswith("…and 15 more: the whole report is in the file below.")
    [whole] = [f for f in rig.emulator.files_for(COORDINATOR) if f.filename == "roster-report.txt"]
    assert whole.content is not None
    text = whole.content.decode()
    assert [line for line in text.splitlines() if line.startswith("line ")] == [
        f"line {n + 5}: no Slack account uses n…@example.com" for n in range(30)
    ]


def test_a_file_that_is_not_a_csv_is_left_alone_and_the_coordinator_told_why(rig: Rig) -> None:
    shared = rig.emulator.add_file(COORDINATOR, "org.xlsx", b"PK\x03\x04", share_in_dm=True)

    rig.slack.file_share(COORDINATOR, [shared])
    [dm] = imported(rig)

    assert dm.startswith(
        "I can only import a roster from a CSV file (`.csv`), so I left *org.xlsx*"
    )
    assert rig.emulator.calls("files.info") == rig.emulator.calls("download") == []


def test_a_member_who_drops_a_file_is_answered_politely_and_nothing_is_read(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    people(rig)
    shared = rig.emulator.add_file(ANA, "roster.csv", EMAIL_ROSTER, share_in_dm=True)
    caplog.set_level(logging.WARNING)

    rig.slack.file_share(ANA, [shared])
    rig.settle()
    rig.run_due()

    [answer] = [m["text"] for m in rig.emulator.messages_for(ANA)]
    assert answer.startswith("Sorry, only program coordinators can import a roster")
    assert "/mentor help" in answer
    assert rig.emulator.calls("files.info") == rig.emulator.calls("download") == []
    assert enrollments(rig) == {}
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")] == [
        f"refused roster.import by {ANA} on roster -: not a coordinator (dm)"
    ]


# --- an import outlives the process that started it -----------------------------------------


def _dead_worker() -> str:
    """The worker id of a process that ran here and is gone (killed mid-import)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return f"{this_host()}:{process.pid}:abc123"


def stranded(
    rig: Rig,
    *,
    status: RosterImportStatus,
    claimed_by: str | None = None,
    claimed_at: datetime | None = None,
    attempts: int = 0,
) -> int:
    """A roster import as a process left it when it died: the coordinator was told it
    began (that DM is in the outbox), the file is in Slack, the report never came."""
    people(rig)
    shared = rig.emulator.add_file(COORDINATOR, "roster.csv", EMAIL_ROSTER, share_in_dm=True)
    now = datetime.now(UTC)
    file = SharedFile(shared["id"], "roster.csv", "csv", len(EMAIL_ROSTER))
    with rig.runtime.deps.uow() as uow:
        upload = roster_uploads.accept(uow.session, TEAM, COORDINATOR, file, via="dm", now=now)
        uow.session.execute(
            update(RosterImport)
            .where(RosterImport.id == upload.id)
            .values(status=status, claimed_by=claimed_by, claimed_at=claimed_at, attempts=attempts)
        )
    return upload.id


def ticks(rig: Rig, count: int = 3) -> list[str]:
    """Run the due work `count` times, letting what it hands to the background finish
    each time; the coordinator's DMs."""
    for _ in range(count):
        rig.run_due()
        assert rig.runtime.deps.background.wait_idle(20), "the import is still running"
    rig.run_due()
    return [m["text"] for m in rig.emulator.messages_for(COORDINATOR)]


def roster_import(rig: Rig, import_id: int) -> tuple[str, int, dict[str, Any] | None]:
    with rig.runtime.deps.sessions() as session:
        row = session.get(RosterImport, import_id)
        assert row is not None
        return row.status.value, row.attempts, row.report


REPORT = "Roster *roster.csv* imported: 3 added, 0 updated, 0 unchanged, 0 skipped."


def test_an_import_whose_process_died_mid_import_is_resumed_and_its_report_arrives_once(
    rig: Rig,
) -> None:
    import_id = stranded(
        rig,
        status=RosterImportStatus.RUNNING,
        claimed_by=_dead_worker(),
        claimed_at=datetime.now(UTC),
        attempts=1,
    )

    dms = ticks(rig)

    assert [dm for dm in dms if dm.startswith("Roster")] == [REPORT]
    assert set(enrollments(rig)) == {ANA, BOSS, CARA}
    assert roster_import(rig, import_id) == (
        "done",
        2,
        {"added": 3, "updated": 0, "unchanged": 0, "skipped": 0},
    )
    assert len(audit_details(rig, "roster.imported")) == 1
    assert len(rig.emulator.calls("download")) == 1
    assert where_found(rig, ["@example.com"]) == {}  # the row keeps no email either


def test_an_import_accepted_just_before_its_process_died_is_started_by_the_next_tick(
    rig: Rig,
) -> None:
    import_id = stranded(rig, status=RosterImportStatus.QUEUED)

    dms = ticks(rig)

    assert [dm for dm in dms if dm.startswith("Roster")] == [REPORT]
    assert roster_import(rig, import_id)[:2] == ("done", 1)


def test_an_import_a_live_worker_holds_is_left_to_it_until_its_claim_lapses(rig: Rig) -> None:
    elsewhere = "another-host:4242:abc123"  # alive as far as this host can tell
    import_id = stranded(
        rig,
        status=RosterImportStatus.RUNNING,
        claimed_by=elsewhere,
        claimed_at=datetime.now(UTC),
        attempts=1,
    )

    held = ticks(rig, count=1)
    read_while_held = len(rig.emulator.calls("files.info"))
    with rig.runtime.deps.uow() as uow:  # its worker stopped renewing six minutes ago
        uow.session.execute(
            update(RosterImport).values(claimed_at=datetime.now(UTC) - timedelta(minutes=6))
        )
    after_the_lease = ticks(rig)

    assert [dm for dm in held if dm.startswith("Roster")] == [] and read_while_held == 0
    assert [dm for dm in after_the_lease if dm.startswith("Roster")] == [REPORT]
    assert len(rig.emulator.calls("download")) == 1
    assert roster_import(rig, import_id)[:2] == ("done", 2)


def test_an_import_interrupted_three_times_is_given_up_and_the_coordinator_told_once(
    rig: Rig,
) -> None:
    import_id = stranded(
        rig,
        status=RosterImportStatus.RUNNING,
        claimed_by=_dead_worker(),
        claimed_at=datetime.now(UTC),
        attempts=3,
    )

    dms = ticks(rig)

    assert [dm for dm in dms if dm.startswith("Sorry")] == [
        "Sorry, I couldn't import *roster.csv*: it was interrupted 3 times, so I stopped "
        "trying. Nothing was changed."
    ]
    assert enrollments(rig) == {} and rig.emulator.calls("files.info") == []
    assert roster_import(rig, import_id)[0] == "failed"


def test_an_import_run_again_after_it_finished_changes_nothing_and_reports_nothing(
    rig: Rig,
) -> None:
    import_id = stranded(rig, status=RosterImportStatus.QUEUED)
    first = roster_uploads.run(rig.runtime.deps, import_id)
    after_first = everything(rig)

    again = roster_uploads.run(rig.runtime.deps, import_id)  # a late second hand-off
    after_again = everything(rig)
    dms = ticks(rig)

    assert first is not None and first.added == 3 and again is None
    assert after_again == after_first
    assert [dm for dm in dms if dm.startswith("Roster")] == [REPORT]
    assert len(audit_details(rig, "roster.imported")) == 1


def test_an_import_whose_claim_another_worker_took_over_changes_nothing(rig: Rig) -> None:
    """Ours looked dead to another process, which took the import over: when ours gets to
    the end, its rows roll back with the report, so the other's run is the only one."""
    import_id = stranded(rig, status=RosterImportStatus.QUEUED)
    with rig.runtime.deps.uow() as uow:
        upload = roster_uploads.claim(uow.session, import_id, now=datetime.now(UTC))
    assert upload is not None
    with rig.runtime.deps.uow() as uow:
        uow.session.execute(update(RosterImport).values(claimed_by="another-host:1:abc123"))
    before = everything(rig)

    with pytest.raises(roster_uploads.LostClaim):
        import_roster(
            rig.runtime.deps.uow,
            team_id=TEAM,
            text=EMAIL_ROSTER,
            directory=SlackDirectory(rig.runtime.sender.client),
            actor=COORDINATOR,
            via="dm",
            now=datetime.now(UTC),
            then=functools.partial(
                roster_uploads.mark_done,
                upload=upload,
                worker=roster_uploads.WORKER,
                clock=rig.runtime.deps.clock,
            ),
        )

    assert everything(rig) == before
    assert audit_details(rig, "roster.imported") == []
