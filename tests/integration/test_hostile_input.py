"""Hostile or unlucky input gets a clear answer, stores nothing bad and logs no traceback.

A lone surrogate or a NUL byte cannot be stored (PostgreSQL refuses both, SQLite keeps
the NUL), odd digits slip past `str.isdigit()`, and a huge number in `private_metadata`
overflows the database's integer: each must end in a sentence or a field error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import Enrollment, Program, Topic
from bot.programs import current_program
from bot.views.enrollment import EnrollmentIds as Ids
from tests.integration.conftest import COORDINATOR, TEAM, Rig
from tests.integration.test_enrollment import (
    ANA,
    GOALS,
    enrollment_row,
    open_join_form,
    topic_options,
    values,
)

LONE_SURROGATE = "\ud800"
NUL = "\x00"


@pytest.fixture(autouse=True)
def people(rig: Rig) -> None:
    rig.emulator.add_user(ANA, name="ana", real_name="Ana Lima", tz="Europe/Lisbon")


@pytest.fixture
def no_traceback(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails the test if anything logged an exception or an error while it ran."""
    caplog.set_level(logging.INFO)
    yield
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert bad == [], [r.getMessage() for r in bad]


def submit_form(rig: Rig, *, view: dict[str, Any] | None = None, **fields: Any) -> Any:
    shown = view or open_join_form(rig, ANA)
    fields.setdefault("goals", GOALS)
    fields["topics"] = topic_options(shown, "NLP")
    return rig.slack.view_submission(ANA, view=shown, values=values(**fields))


def stored_texts(rig: Rig) -> list[str]:
    """Every enrollment text and topic label, to look for what must not be there."""
    with rig.runtime.deps.sessions() as session:
        enrollments = session.scalars(select(Enrollment)).all()
        labels = session.scalars(select(Topic.label)).all()
        return [*labels, *(t for e in enrollments for t in (e.goals, e.bio) if t)]


def expiry_hours(rig: Rig) -> int:
    with rig.runtime.deps.sessions() as session:
        return current_program(session, TEAM, datetime.now(UTC)).request_expiry_hours


# --- the enrollment form -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "block", "typed"),
    [
        ("goals", Ids.GOALS_BLOCK, GOALS + LONE_SURROGATE),
        ("bio", Ids.BIO_BLOCK, f"Ten years of {LONE_SURROGATE} backend work"),
        ("timezone", Ids.TIMEZONE_BLOCK, "Europe/Paris" + LONE_SURROGATE),
    ],
)
def test_a_lone_surrogate_in_a_form_field_is_refused_beside_that_field(
    rig: Rig, no_traceback: None, field: str, block: str, typed: str
) -> None:
    response = submit_form(rig, **{field: typed})

    body = response.json
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [block]
    assert "retype" in body["errors"][block]
    assert enrollment_row(rig, ANA) is None
    assert rig.outbox() == []


def test_nul_bytes_in_form_text_are_left_out_of_what_is_stored(
    rig: Rig, no_traceback: None
) -> None:
    response = submit_form(rig, goals=GOALS.replace(" ", NUL + " ", 2), bio=f"Ba{NUL}ckend")

    assert response.status == 200 and not response.text
    row = enrollment_row(rig, ANA)
    assert row is not None and (row.goals, row.bio) == (GOALS, "Backend")


@pytest.mark.parametrize(
    "metadata",
    ["9" * 40, str(2**31), "²", "٣", "-1", "1e3", " 1"],
    ids=["40 digits", "past int4", "superscript", "arabic-indic", "negative", "float", "space"],
)
def test_form_metadata_naming_no_real_program_falls_back_to_the_current_one(
    rig: Rig, no_traceback: None, metadata: str
) -> None:
    view = {**open_join_form(rig, ANA), "private_metadata": metadata}

    response = submit_form(rig, view=view)

    assert response.status == 200 and not response.text
    row = enrollment_row(rig, ANA)
    with rig.runtime.deps.sessions() as session:
        [program_id] = session.scalars(select(Program.id)).all()
    assert row is not None and row.program_id == program_id


# --- /mentor topics add ----------------------------------------------------------------------


def test_a_topic_with_nul_bytes_is_stored_without_them(rig: Rig, no_traceback: None) -> None:
    answer = rig.slack.slash_command(COORDINATOR, f"topics add Speech{NUL} recognition{NUL}")

    assert "Added *Speech recognition*" in answer.json["text"]
    assert "Speech recognition" in stored_texts(rig)
    assert not any(NUL in text for text in stored_texts(rig))


def test_a_topic_of_nothing_but_nul_bytes_is_asked_for_again(rig: Rig, no_traceback: None) -> None:
    answer = rig.slack.slash_command(COORDINATOR, f"topics add {NUL}{NUL}")

    assert "Give the topic a name" in answer.json["text"]
    assert not any(NUL in text for text in stored_texts(rig))


# --- /mentor expiry ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["²", "٣", "1" * 5000, "0", "15", "-2", "3.5", "+3", "1_0", "٣٣٣٣"],
    ids=[
        "superscript",
        "arabic-indic",
        "5000 digits",
        "zero",
        "too many",
        "negative",
        "fraction",
        "plus",
        "underscore",
        "many arabic-indic",
    ],
)
def test_expiry_that_is_not_a_whole_number_of_days_in_range_gets_the_rule(
    rig: Rig, no_traceback: None, typed: str
) -> None:
    answer = rig.slack.slash_command(COORDINATOR, f"expiry {typed}")

    assert answer.status == 200
    assert "Give a whole number of days from 1 to 14" in answer.json["text"]
    assert expiry_hours(rig) == 3 * 24


def test_expiry_takes_a_number_with_spaces_around_it(rig: Rig, no_traceback: None) -> None:
    answer = rig.slack.slash_command(COORDINATOR, "expiry  14 ")

    assert "14 day(s)" in answer.json["text"]
    assert expiry_hours(rig) == 14 * 24
