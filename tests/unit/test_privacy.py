"""Recognising a person in message JSON, as rendering leaves their words."""

from __future__ import annotations

from bot.privacy import Traces, _renamed, normalize

ANA = Traces(
    user_id="U0ANA0001",
    names=(normalize("Ana Lima"),),
    title=normalize("Data & ML lead"),
    words=(normalize("I want to move from backend work into ML engineering & grow fast")[:40],),
)


def test_an_escaped_excerpt_of_their_goals_is_recognised() -> None:
    shown = {
        "blocks": [
            {
                "text": {
                    "text": "*Their goals*\nI want to move from backend\n"
                    "work into ML engineering &amp; grow…"
                }
            }
        ]
    }
    assert ANA.concerns(shown)


def test_their_id_counts_only_as_a_whole_id() -> None:
    assert ANA.concerns({"channel": "U0ANA0001"})
    assert ANA.concerns({"text": "Say hi to <@U0ANA0001>"})
    assert not ANA.concerns({"text": "Say hi to <@U0ANA00012>"})


def test_a_name_counts_only_as_whole_words_and_an_escaped_title_is_found() -> None:
    assert ANA.concerns({"text": "ana lima can't take you on"})
    assert not ANA.concerns({"text": "Banana limações"})
    assert ANA.concerns({"text": "Data &amp; ML lead"})


def test_a_pending_message_to_someone_else_gets_the_mention_instead_of_the_name() -> None:
    renamed = _renamed({"channel": "U0BEN0001", "text": "Ana Lima can't take you on."}, ANA)
    assert renamed == {"channel": "U0BEN0001", "text": "<@U0ANA0001> can't take you on."}
