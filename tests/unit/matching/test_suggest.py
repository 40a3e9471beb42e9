"""Self-serve suggestions: best first, paged, searchable, and spread across mentors."""

from __future__ import annotations

import random

from bot.matching import Pool, suggest
from tests.unit.matching import mentor, person

MENTEE = person(1, text="Get better at NLP with language models", experience=2)


def pool_of_five() -> Pool:
    # Same topic for all; seniority and time zone make a clear order: 10 best ... 14 worst.
    return Pool(
        [mentor(10 + i, experience=5 - (i % 2), utc_offset_minutes=60 * i) for i in range(5)]
    )


def test_best_first_with_scores_and_reasons() -> None:
    page = suggest(MENTEE, pool_of_five())
    assert len(page.items) == 3
    scores = [s.score for s in page.items]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert page.items[0].mentor_key == 10
    assert all(s.reasons for s in page.items)


def test_see_more_pages_through_everyone_once() -> None:
    pool = pool_of_five()
    pages = [suggest(MENTEE, pool, k=2, offset=offset) for offset in (0, 2, 4)]
    keys = [s.mentor_key for page in pages for s in page.items]
    assert sorted(keys) == [10, 11, 12, 13, 14] and len(set(keys)) == 5
    assert [p.has_more for p in pages] == [True, True, False]
    assert {p.total for p in pages} == {5}


def test_load_spreading_demotes_a_mentor_whose_free_slots_are_spoken_for() -> None:
    pool = pool_of_five()  # every mentor has 2 free slots
    assert suggest(MENTEE, pool, shown_counts={10: 1}).items[0].mentor_key == 10
    page = suggest(MENTEE, pool, k=5, shown_counts={10: 2, 11: 5})
    keys = [s.mentor_key for s in page.items]
    assert keys[:3] == [12, 13, 14]  # room first, by score
    assert keys[3:] == [10, 11]  # crowded: still shown, after, by score
    assert [s.crowded for s in page.items] == [False, False, False, True, True]


def test_exclude_leaves_mentors_out() -> None:
    page = suggest(MENTEE, pool_of_five(), k=5, exclude={10, 12, 999})
    assert [s.mentor_key for s in page.items] == [11, 13, 14]


def test_a_query_replaces_or_augments_the_goals_for_this_search() -> None:
    topics = frozenset({"Research"})
    pool = Pool(
        [
            mentor(10, topics=topics, text="I publish computer vision papers on medical images"),
            mentor(11, topics=topics, text="I publish NLP papers on language models"),
        ]
    )
    mentee = person(1, topics=topics, text="Publish my first NLP paper on language models")
    assert suggest(mentee, pool).items[0].mentor_key == 11
    searched = suggest(mentee, pool, query="computer vision and medical imaging")
    assert searched.items[0].mentor_key == 10
    both = suggest(mentee, pool, query="medical images", query_mode="augment")
    assert {s.mentor_key for s in both.items} == {10, 11}


def test_same_input_same_answer_whatever_the_order() -> None:
    mentors = [mentor(10 + i, experience=4, utc_offset_minutes=60 * (i % 3)) for i in range(8)]
    first = suggest(MENTEE, Pool(mentors), k=8)
    random.Random(3).shuffle(mentors)
    again = suggest(MENTEE, Pool(mentors), k=8)
    assert first == again
    # Equal scores break toward the lower key.
    assert [s.mentor_key for s in first.items][:3] == [10, 13, 16]


def test_nobody_acceptable_is_an_empty_page() -> None:
    page = suggest(person(1, topics={"Leadership"}, text="manage people"), pool_of_five())
    assert page.items == () and page.total == 0 and not page.has_more


def test_availability_changes_without_rebuilding_the_pool() -> None:
    pool = pool_of_five()
    changed = pool.with_availability(capacity_left={10: 0}, paused={11: True})
    assert [s.mentor_key for s in suggest(MENTEE, changed, k=5).items] == [12, 13, 14]
    assert suggest(MENTEE, pool).items[0].mentor_key == 10  # the original is untouched
    assert changed.text_model is pool.text_model
    back = changed.with_availability(capacity_left={10: 2}, paused={11: False})
    assert suggest(MENTEE, back, k=5) == suggest(MENTEE, pool, k=5)
