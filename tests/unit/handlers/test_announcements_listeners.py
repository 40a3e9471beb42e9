"""The announcement listeners called alone: fields read from a submitted form (forged
values read as nothing), mistakes beside their fields, a preview, forged ids refused and
audited, a member's Cancel and Back, and what Slack's answers about a channel mean;
fake ack/respond, a real database on both dialects, and the Slack emulator."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import time
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.announcements import ChannelAccess
from bot.db.enums import AnnouncementStatus, Audience, EnrollmentRole
from bot.db.models import Announcement, OutboxMessage
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.views.announcements import COORDINATORS_ONLY, GONE, LATER, AnnounceIds
from handlers import announcements as listeners
from handlers.context import DEPS
from tests.unit.handlers.conftest import ANA, BEN, Recorder, body, enroll, refusals, rows

COORDINATOR = "U0COORD01"
IDS = AnnounceIds


@pytest.fixture
def staffed(deps: Deps) -> Deps:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    enroll(deps, BEN, EnrollmentRole.MENTOR, bio="ML lead.")
    settings = deps.settings.model_copy(update={"admins": frozenset({COORDINATOR})})
    return replace(deps, settings=settings)


def state(**fields: dict[str, Any]) -> dict[str, Any]:
    """view.state.values from {block: {action: state}}."""
    return {"values": fields}


def form(metadata: object = None, **values: dict[str, Any]) -> dict[str, Any]:
    return {
        "callback_id": IDS.FORM_CALLBACK,
        "private_metadata": json.dumps(metadata or {}),
        "state": state(**values),
    }


def choice(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def typed(text: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": text}


def mentees_form(text: str = "Hello mentees") -> dict[str, Any]:
    return form(
        **{
            IDS.AUDIENCE_BLOCK: {IDS.AUDIENCE_ACTION: choice("cohort_mentees")},
            IDS.MESSAGE_BLOCK: {IDS.MESSAGE_ACTION: typed(text)},
        }
    )


def test_forged_form_values_read_as_nothing() -> None:
    view = form(
        {"announcement": "9" * 40},
        **{
            IDS.AUDIENCE_BLOCK: {IDS.AUDIENCE_ACTION: choice("everyone_everywhere")},
            IDS.CHANNEL_BLOCK: {IDS.CHANNEL_ACTION: {"selected_conversation": "U0ANA0001"}},
            IDS.WHEN_BLOCK: {IDS.WHEN_ACTION: {"selected_option": {"value": LATER}}},
            IDS.DATE_BLOCK: {IDS.DATE_ACTION: {"selected_date": "2026-02-30"}},
            IDS.TIME_BLOCK: {IDS.TIME_ACTION: {"selected_time": "25:99"}},
            IDS.MESSAGE_BLOCK: {IDS.MESSAGE_ACTION: {"value": ["not", "text"]}},
        },
    )

    read = listeners.read_form(view)

    assert read.announcement_id is None and read.audience is None and read.channel_id is None
    assert read.send_now is False and read.day is None and read.at is None and read.text == ""
    good = listeners.read_form(
        form(**{IDS.TIME_BLOCK: {IDS.TIME_ACTION: {"selected_time": "09:30"}}})
    )
    assert good.at == time(9, 30) and good.send_now is True


def test_a_form_with_mistakes_is_answered_beside_its_fields_and_keeps_nothing(
    staffed: Deps, client: WebClient
) -> None:
    ack = Recorder()
    view = form(
        **{
            IDS.AUDIENCE_BLOCK: {IDS.AUDIENCE_ACTION: choice("channel")},
            IDS.MESSAGE_BLOCK: {IDS.MESSAGE_ACTION: typed("")},
            IDS.WHEN_BLOCK: {IDS.WHEN_ACTION: {"selected_option": {"value": LATER}}},
        }
    )

    listeners.on_form_submitted(
        ack=ack, body=body(COORDINATOR), view=view, client=client, context={DEPS: staffed}
    )

    assert ack.response is not None and ack.response["response_action"] == "errors"
    assert set(ack.response["errors"]) == {
        IDS.CHANNEL_BLOCK,
        IDS.MESSAGE_BLOCK,
        IDS.DATE_BLOCK,
        IDS.TIME_BLOCK,
    }
    assert rows(staffed, Announcement) == []


def test_a_good_form_becomes_a_draft_and_its_preview(staffed: Deps, client: WebClient) -> None:
    ack = Recorder()

    listeners.on_form_submitted(
        ack=ack, body=body(COORDINATOR), view=mentees_form(), client=client, context={DEPS: staffed}
    )

    assert ack.response is not None and ack.response["response_action"] == "update"
    preview = ack.response["view"].to_dict()
    [draft] = rows(staffed, Announcement)
    assert draft.status is AnnouncementStatus.DRAFT and draft.audience is Audience.COHORT_MENTEES
    assert json.loads(preview["private_metadata"]) == {"announcement": draft.id}
    assert "(1 person)" in json.dumps(preview["blocks"])


@pytest.mark.parametrize("forged", ["99999999999", "-1", True, None, "1e3", 424242])
def test_a_forged_announcement_id_on_send_is_refused_and_audited(
    staffed: Deps, client: WebClient, forged: object
) -> None:
    ack = Recorder()
    metadata = json.dumps({"announcement": forged})
    view = {"callback_id": IDS.CONFIRM_CALLBACK, "private_metadata": metadata}

    listeners.on_confirm(
        ack=ack, body=body(COORDINATOR), view=view, client=client, context={DEPS: staffed}
    )

    assert ack.response is not None and ack.response["response_action"] == "update"
    assert GONE in json.dumps(ack.response["view"].to_dict())
    assert refusals(staffed) == ["refused.announcement.confirm"]


def test_a_members_form_is_refused_before_anything_is_read_or_kept(
    staffed: Deps, client: WebClient
) -> None:
    ack = Recorder()

    listeners.on_form_submitted(
        ack=ack, body=body(ANA), view=mentees_form(), client=client, context={DEPS: staffed}
    )

    assert COORDINATORS_ONLY in json.dumps(ack.response["view"].to_dict())  # type: ignore[index]
    assert rows(staffed, Announcement) == []
    assert refusals(staffed) == ["refused.announcement.draft"]


def test_a_members_cancel_and_back_are_refused_politely(staffed: Deps, client: WebClient) -> None:
    respond = Recorder()
    listeners.on_cancel(
        ack=Recorder(),
        body=body(ANA),
        action={"action_id": IDS.CANCEL, "value": "1"},
        respond=respond,
        context={DEPS: staffed},
    )
    listeners.on_back(
        ack=Recorder(),
        body=body(ANA, view={"id": "V1"}),
        action={"action_id": IDS.BACK, "value": "1"},
        client=client,
        context={DEPS: staffed},
    )

    assert respond.response == {
        "text": COORDINATORS_ONLY,
        "response_type": "ephemeral",
        "replace_original": False,
    }
    with staffed.sessions() as session:
        [told] = session.scalars(select(OutboxMessage)).all()[-1:]
    assert told.payload == {"channel": ANA, "text": COORDINATORS_ONLY}
    assert refusals(staffed) == ["refused.announcement.cancel", "refused.announcement.back"]


def test_what_slack_says_about_a_channel_decides_whether_it_can_be_posted_in(
    client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.add_channel("C0PUBLIC01", "general", members=["U0ANA0001"])
    emulator.add_channel("C0SECRET01", "leads", members=["U0ANA0001"], is_private=True)
    emulator.add_channel("C0OURS0001", "program", members=["U0ANA0001", emulator.bot_user_id])
    probe = listeners._probe(client)

    assert probe("C0PUBLIC01").access is ChannelAccess.JOINABLE
    assert probe("C0PUBLIC01").members == 1
    assert probe("C0SECRET01").access is ChannelAccess.NOT_INVITED
    assert probe("C0OURS0001").access is ChannelAccess.IN
    emulator.fail("conversations.info", error="missing_scope")
    assert probe("C0OURS0001").access is ChannelAccess.UNKNOWN


def test_a_time_zone_slack_cannot_give_reads_as_none(client: WebClient) -> None:
    assert listeners._slack_zone(client, "U0NOBODY1")() is None
