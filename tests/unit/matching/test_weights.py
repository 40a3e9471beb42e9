"""Weights: one place, sane defaults, and overrides that fail loudly."""

from __future__ import annotations

import json

import pytest

from bot.matching import Pool, Weights, suggest
from tests.unit.matching import mentor, person


def test_defaults_are_a_weighted_mean_with_floors() -> None:
    weights = Weights()
    assert weights.total == pytest.approx(1.0)
    assert 0 < weights.min_score < 1


def test_overrides_from_json_replace_only_the_named_weights() -> None:
    weights = Weights.from_overrides(json.loads('{"text": 0.5, "timezone": 0}'))
    assert weights.text == 0.5 and weights.timezone == 0
    assert weights.topics == Weights().topics
    assert Weights.from_overrides(None) == Weights() == Weights.from_overrides({})


def test_unknown_keys_are_named() -> None:
    with pytest.raises(ValueError, match=r"unknown weight.*tpoics.*zone"):
        Weights.from_overrides({"tpoics": 1, "zone": 2, "text": 1})


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.3", True, None])
def test_negative_or_non_numeric_weights_are_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="cadence"):
        Weights.from_overrides({"cadence": bad})


def test_all_parts_at_zero_is_rejected() -> None:
    zero = dict.fromkeys(
        ("topics", "text", "experience", "timezone", "capacity", "meeting_format", "cadence"), 0
    )
    with pytest.raises(ValueError, match="positive"):
        Weights.from_overrides(zero)


def test_direct_construction_validates_too() -> None:
    with pytest.raises(ValueError, match="topics"):
        Weights(topics=-1)


def test_a_programs_weights_change_the_order() -> None:
    near_peer = mentor(10, experience=3, utc_offset_minutes=0)
    far_senior = mentor(11, experience=5, utc_offset_minutes=540)
    pool = Pool([near_peer, far_senior])
    mentee = person(1, experience=3)
    assert suggest(mentee, pool).items[0].mentor_key == 10
    async_program = Weights.from_overrides({"timezone": 0})
    assert suggest(mentee, pool, weights=async_program).items[0].mentor_key == 11
