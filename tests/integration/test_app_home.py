"""The App Home tab: a welcome view with a way in, published through the outbox."""

from __future__ import annotations

from bot.db.enums import OutboxStatus
from bot.emulator import validate_view
from bot.views.home import HomeIds
from tests.integration.conftest import COORDINATOR, Rig


def _action_ids(view: dict) -> list[str]:
    return [
        element["action_id"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_opening_home_publishes_a_welcome_with_a_join_button(rig: Rig) -> None:
    response = rig.slack.app_home_opened("U0MEMBER1")
    assert response.status == 200
    rig.wait_queued(1)

    report = rig.run_due()

    assert report.delivered.sent == 1
    publish = rig.emulator.last("views.publish")
    assert publish.args["user_id"] == "U0MEMBER1"
    assert publish.args["view"]["type"] == "home"
    assert HomeIds.JOIN in _action_ids(publish.args["view"])
    assert validate_view(publish.args["view"]) == []


def test_coordinators_see_that_they_coordinate(rig: Rig) -> None:
    rig.slack.app_home_opened(COORDINATOR)
    rig.wait_queued(1)
    rig.run_due()

    blocks = rig.emulator.last("views.publish").args["view"]["blocks"]
    assert any(block.get("block_id") == "home.coordinator" for block in blocks)


def test_a_retried_event_does_not_publish_twice(rig: Rig) -> None:
    opened = {"type": "app_home_opened", "user": "U0MEMBER1", "tab": "home"}
    first = rig.slack.event(opened, event_id="Ev0001")
    rig.wait_queued(1)
    retry = rig.slack.event(opened, event_id="Ev0001", retry_num=1, retry_reason="http_timeout")
    rig.run_due()
    rig.run_due()

    assert (first.status, retry.status) == (200, 200)
    assert len(rig.emulator.calls("views.publish")) == 1
    assert [m.status for m in rig.outbox()] == [OutboxStatus.SENT]


def test_opening_the_messages_tab_publishes_nothing(rig: Rig) -> None:
    rig.slack.app_home_opened("U0MEMBER1", tab="messages")
    rig.slack.app_home_opened("U0MEMBER1", tab="home")  # processed after the first
    rig.wait_queued(1)
    rig.run_due()

    assert len(rig.emulator.calls("views.publish")) == 1


def test_the_join_button_opens_a_modal_within_the_trigger_window(rig: Rig) -> None:
    rig.emulator.add_user("U0MEMBER1", name="member")
    rig.slack.app_home_opened("U0MEMBER1")
    rig.wait_queued(1)
    rig.run_due()

    response = rig.slack.block_action("U0MEMBER1", action_id=HomeIds.JOIN)

    assert response.status == 200
    opened = rig.emulator.wait_for("views.open")[0]
    assert opened.ok
    assert opened.args["view"]["type"] == "modal"
