"""Coordinator rounds: the algorithm proposes the whole cohort; a person approves."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from bot.db.enums import EnrollmentRole, MentorshipStatus, RoundStatus
from bot.db.models import MatchRound, MatchRoundPair, Mentorship, Person
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
    from tests.integration.processes import in_process
    from tests.integration.test_cli import _mentorbot

    env = {"DATABASE_URL": rig.settings.database_url}
    printed = _mentorbot(  # the operator's own process
        "match", "--cohort", "Mentorship program", "--dry-run", cwd=tmp_path, **env
    )
    # The refusals: the command's main() in this process.
    refused = in_process("match", "--cohort", "Mentorship program", cwd=tmp_path, **env)
    missing = in_process("match", "--cohort", "No such cohort", "--dry-run", cwd=tmp_path, **env)

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


def test_a_swap_that_breaks_a_hard_rule_is_refused_and_explained(rig: Rig) -> None:
    view = open_round(rig)
    first, second = (int(b["accessory"]["value"]) for b in pair_blocks(view))
    with rig.runtime.deps.sessions() as session:
        pairs = {p.id: p for p in session.scalars(select(MatchRoundPair))}
        before = {key: p.mentor_id for key, p in pairs.items()}
        # The first mentee turns out to report to the second pair's mentor.
        mentee = session.get(Person, pairs[first].mentee_id)
        mentee.manager_slack_id = session.get(Person, pairs[second].mentor_id).slack_user_id
        session.commit()

    rig.slack.block_action(COORDINATOR, RoundIds.SWAP_A, value=str(first))
    rig.slack.block_action(COORDINATOR, RoundIds.SWAP_B, value=str(second))
    rig.slack.block_action(COORDINATOR, RoundIds.SWAP)
    rig.settle()

    shown = rig.emulator.top_view(COORDINATOR)
    notice = next(b for b in shown["blocks"] if b.get("block_id") == RoundIds.NOTICE_BLOCK)
    assert notice["elements"][0]["text"].startswith("Not swapped")
    assert "cannot be paired" in notice["elements"][0]["text"]
    with rig.runtime.deps.sessions() as session:
        assert {p.id: p.mentor_id for p in session.scalars(select(MatchRoundPair))} == before
    assert validate_view(shown) == []


def test_swap_needs_two_pairs_chosen(rig: Rig) -> None:
    open_round(rig)

    rig.slack.block_action(COORDINATOR, RoundIds.SWAP)
    rig.settle()

    assert "Choose the two pairs" in str(rig.emulator.top_view(COORDINATOR))


def test_a_swap_the_matcher_accepts_exchanges_the_mentors(rig: Rig) -> None:
    # Two more mentees on the first mentor's topics, and a second mentor for them.
    enroll(rig, "U0EVE0001", EnrollmentRole.MENTEE, topics=("NLP", "MLOps"))
    enroll(
        rig,
        "U0OLA0001",
        EnrollmentRole.MENTOR,
        topics=("NLP", "MLOps"),
        goals="Help people grow.",
        bio="NLP and MLOps in production.",
        capacity=1,
    )
    view = open_round(rig)
    with rig.runtime.deps.sessions() as session:
        nlp_pairs = [
            p
            for p in session.scalars(
                select(MatchRoundPair).where(MatchRoundPair.mentor_id.is_not(None))
            )
            if p.mentor_id in _ids(session, "U0MIA0001", "U0OLA0001")
        ]
    first, second = nlp_pairs[0].id, nlp_pairs[1].id

    rig.slack.block_action(COORDINATOR, RoundIds.SWAP_A, value=str(first))
    rig.slack.block_action(COORDINATOR, RoundIds.SWAP_B, value=str(second))
    rig.slack.block_action(COORDINATOR, RoundIds.SWAP)
    rig.settle()

    with rig.runtime.deps.sessions() as session:
        swapped = {p.id: p.mentor_id for p in session.scalars(select(MatchRoundPair))}
    assert (swapped[first], swapped[second]) == (nlp_pairs[1].mentor_id, nlp_pairs[0].mentor_id)
    assert "Swapped" in str(rig.emulator.top_view(COORDINATOR))
    assert len(pair_blocks(view)) == 3


def _ids(session, *users: str) -> set[int]:
    return set(session.scalars(select(Person.id).where(Person.slack_user_id.in_(users))))
