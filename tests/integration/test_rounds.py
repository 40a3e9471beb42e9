"""Coordinator rounds: the algorithm proposes the whole cohort; a person approves."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from bot.db.enums import EnrollmentRole, MentorshipStatus, RoundStatus
from bot.db.models import MatchRound, Mentorship
from bot.emulator import validate_view
from bot.views.rounds import RoundIds
from tests.integration.cast import enroll
from tests.integration.conftest import COORDINATOR, Rig

MENTEES = ["U0ANA0001", "U0BEA0001", "U0CAT0001", "U0DAN0001"]
MENTORS = ["U0MIA0001", "U0NED0001"]


@pytest.fixture(autouse=True)
def cohort(rig: Rig) -> None:
    topics = [("NLP", "MLOps"), ("Computer vision", "Research")]
    for i, user in enumerate(MENTEES):
        enroll(rig, user, EnrollmentRole.MENTEE, topics=topics[i % 2])
    for i, user in enumerate(MENTORS):
        enroll(
            rig,
            user,
            EnrollmentRole.MENTOR,
            topics=topics[i % 2],
            goals="Help people grow.",
            bio="Years of ML engineering and research.",
            capacity=1,
        )
    rig.run_due()
    rig.emulator.clear()


def open_round(rig: Rig) -> dict:
    rig.slack.slash_command(COORDINATOR, "match")
    [opened] = rig.emulator.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == RoundIds.WORKING_CALLBACK
    [updated] = rig.emulator.wait_for("views.update")
    assert updated.ok, updated.response
    return updated.args["view"]


def pair_blocks(view: dict) -> list[dict]:
    return [b for b in view["blocks"] if b.get("block_id", "").startswith("round.pair.")]


def test_a_round_proposes_pairs_within_capacity_and_says_who_stays_unmatched(rig: Rig) -> None:
    view = open_round(rig)

    assert validate_view(view) == []
    assert view["callback_id"] == RoundIds.CALLBACK
    assert len(pair_blocks(view)) == 2  # two mentors with one slot each
    unmatched = next(b for b in view["blocks"] if b.get("block_id") == RoundIds.UNMATCHED_BLOCK)
    assert unmatched["text"]["text"].count("<@") == 2
    assert mentorships(rig) == []  # nothing starts before approval


def test_the_whole_proposal_arrives_as_a_csv_by_dm(rig: Rig) -> None:
    open_round(rig)
    rig.run_due()

    [upload] = rig.emulator.files()
    rows = list(csv.DictReader(io.StringIO(upload.content.decode())))
    assert len(rows) == len(MENTEES)
    assert sorted(r["status"] for r in rows) == ["proposed", "proposed", "unmatched", "unmatched"]


def test_approving_starts_the_kept_pairs_and_introduces_each(rig: Rig) -> None:
    view = open_round(rig)
    drop = pair_blocks(view)[0]["accessory"]
    rig.slack.block_action(COORDINATOR, RoundIds.DROP, value=drop["value"])
    rig.settle()
    after_drop = rig.emulator.top_view(COORDINATOR)
    assert "dropped" in str(after_drop)

    rig.slack.view_submission(COORDINATOR)
    rig.run_due()

    [started] = mentorships(rig)
    assert started.status is MentorshipStatus.ACTIVE
    assert len(rig.emulator.calls("conversations.open")) >= 1
    summary = [
        c for c in rig.emulator.calls("chat.postMessage") if c.args["channel"] == COORDINATOR
    ]
    assert "1 new mentorship" in summary[-1].args["text"]
    with rig.runtime.deps.sessions() as session:
        assert session.scalar(select(MatchRound.status)) is RoundStatus.APPROVED


def test_a_round_cannot_be_approved_twice(rig: Rig) -> None:
    view = open_round(rig)
    rig.slack.view_submission(COORDINATOR, view=view)
    rig.settle()
    rig.slack.view_submission(COORDINATOR, view=view)
    rig.run_due()

    assert len(mentorships(rig)) == 2
    texts = [c.args["text"] for c in rig.emulator.calls("chat.postMessage")]
    assert any("already approved" in t for t in texts)


def test_someone_who_is_not_a_coordinator_cannot_run_a_round(rig: Rig) -> None:
    response = rig.slack.slash_command(MENTEES[0], "match")

    assert "for program coordinators" in response.json["text"]
    assert rig.emulator.calls("views.open") == []


def mentorships(rig: Rig) -> list[Mentorship]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(Mentorship)))


def test_the_terminal_dry_run_prints_the_same_proposal_and_changes_nothing(
    rig: Rig, tmp_path
) -> None:
    from tests.integration.test_cli import _mentorbot

    env = {"DATABASE_URL": rig.settings.database_url}
    printed = _mentorbot(
        "match", "--cohort", "Mentorship program", "--dry-run", cwd=tmp_path, **env
    )
    refused = _mentorbot("match", "--cohort", "Mentorship program", cwd=tmp_path, **env)
    missing = _mentorbot("match", "--cohort", "No such cohort", "--dry-run", cwd=tmp_path, **env)

    assert printed.returncode == 0, printed.stderr
    assert "2 pair(s), 2 unmatched" in printed.stdout
    assert "proven optimal" in printed.stdout
    assert refused.returncode == 1 and "/mentor match" in refused.stderr
    assert missing.returncode == 1 and "no cohort named" in missing.stderr
    assert mentorships(rig) == []
    with rig.runtime.deps.sessions() as session:
        assert session.scalar(select(MatchRound)) is None


def test_a_round_can_name_its_cohort_and_an_unknown_one_is_explained(rig: Rig) -> None:
    unknown = rig.slack.slash_command(COORDINATOR, "match Spring 2031").json
    rig.slack.slash_command(COORDINATOR, "match  mentorship PROGRAM ")
    [updated] = rig.emulator.wait_for("views.update")

    assert "no cohort named *Spring 2031*" in unknown["text"]
    assert "Mentorship program" in unknown["text"]
    assert len(pair_blocks(updated.args["view"])) == 2
