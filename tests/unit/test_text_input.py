"""One rule for text and numbers a person typed: what is stored, what is refused."""

from __future__ import annotations

import pytest

from bot.text_input import MAX_ID, UnreadableText, clean_text, row_id, whole_number


def test_nul_bytes_are_dropped_and_everything_else_is_kept() -> None:
    assert clean_text("a\x00b \x00🚀 é\n") == "ab 🚀 é\n"


@pytest.mark.parametrize("text", ["\ud800", "ok \udfff", "\ude00\ud83d"])
def test_a_lone_surrogate_asks_the_person_to_retype(text: str) -> None:
    with pytest.raises(UnreadableText, match="retype"):
        clean_text(text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        *[("3", 3), (" 14 ", 14), ("007", 7), ("²", None), ("٣", None), ("1" * 5000, None)],
        *[("-1", None), ("+1", None), ("1_0", None), ("1.0", None), ("", None)],
    ],
)
def test_whole_numbers_are_ascii_digits_only(text: str, number: int | None) -> None:
    assert whole_number(text) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        *[("12", 12), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("9" * 40, None)],
        *[("0", None), ("²", None), (" 1", None), (None, None), (12, None)],
    ],
)
def test_an_id_from_the_client_names_a_row_only_within_the_databases_integer(
    text: object, number: int | None
) -> None:
    assert row_id(text) == number
