"""A person's name from users.info: their display name or real name, never the user name."""

from __future__ import annotations

from typing import Any

from bot.people import SlackProfile


def users_info(display_name: str = "", real_name: str = "") -> dict[str, Any]:
    return {
        "id": "U0BEN0001",
        "name": "ben",  # the raw user name (the handle), which nobody should be called by
        "real_name": real_name,
        "profile": {"display_name": display_name, "real_name": real_name},
    }


def test_the_display_name_comes_first() -> None:
    profile = SlackProfile.from_users_info(users_info("Benji", "Ben Okafor"))
    assert profile.display_name == "Benji"


def test_without_a_display_name_the_real_name_is_used() -> None:
    assert SlackProfile.from_users_info(users_info("", "Ben Okafor")).display_name == "Ben Okafor"


def test_with_neither_the_user_name_is_not_used() -> None:
    profile = SlackProfile.from_users_info(users_info())
    assert profile.display_name == "U0BEN0001"  # an id, as for a roster row never seen
