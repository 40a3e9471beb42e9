"""A pool updated in place scores exactly as a pool built afresh with the same text model."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from bot.db.enums import Cadence, MeetingFormat
from bot.matching import Candidate, Pool, solve_round, splice, suggest
from bot.matching.pool import mentor_document
from tests.unit.matching import mentor, person

TOPICS = ("NLP", "Research", "MLOps", "Leadership", "Data science")
TEXTS = (
    "I build NLP systems with large language models and retrieval",
    "ten years of research in computer vision and medical imaging",
    "I run model serving and monitoring on Kubernetes",
    "I manage a team of data scientists and love coaching new leads",
    "statistics, experiment design and causal inference for product teams",
)


def mentors(n: int, seed: int = 3) -> list[Candidate]:
    rng = random.Random(seed)
    return [
        mentor(
            100 + j,
            topics=frozenset(rng.sample(TOPICS, rng.randint(1, 3))),
            text=rng.choice(TEXTS),
            experience=rng.randint(3, 6),
            utc_offset_minutes=rng.choice((-300, 0, 60, 330)),
            team=f"team-{rng.randint(0, 3)}",
            manager_user_id=f"U{100 + rng.randint(0, n - 1)}",
            capacity_left=rng.randint(0, 3),
        )
        for j in range(n)
    ]


MENTEES = [
    person(i, topics=frozenset({t}), text=text, experience=2, team="team-1")
    for i, (t, text) in enumerate(
        [
            ("NLP", "I want to build retrieval systems with language models"),
            ("Leadership", "learn to manage my first team"),
            ("MLOps", "deploy models on Kubernetes and monitor drift"),
            ("Research", "publish my first paper on medical imaging"),
        ]
    )
]


def same_model_rebuild(changed: Pool) -> Pool:
    """The pool a full build would give if the text model were the one already fitted."""
    return Pool(changed.mentors, text_model=lambda _documents: changed.text_model)


def assert_scores_alike(changed: Pool, fresh: Pool) -> None:
    assert [p.key for p in changed.mentors] == [p.key for p in fresh.mentors]
    for mentee in MENTEES:
        a = suggest(mentee, changed, k=len(changed))
        b = suggest(mentee, fresh, k=len(fresh))
        assert [(s.mentor_key, s.score, s.reasons, s.crowded) for s in a.items] == [
            (s.mentor_key, s.score, s.reasons, s.crowded) for s in b.items
        ]
        assert a.total == b.total
    assert np.array_equal(changed.available, fresh.available)
    rounds = [solve_round(MENTEES, p) for p in (changed, fresh)]
    assert [(x.mentee_key, x.mentor_key, x.score) for x in rounds[0].pairs] == [
        (x.mentee_key, x.mentor_key, x.score) for x in rounds[1].pairs
    ]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: replace(p, paused=True), id="pause"),
        pytest.param(lambda p: replace(p, paused=False, capacity_left=2), id="resume"),
        pytest.param(lambda p: replace(p, left=True), id="leave"),
        pytest.param(lambda p: replace(p, capacity_left=0), id="slot-taken"),
        pytest.param(lambda p: replace(p, capacity_left=p.capacity_left + 1), id="slot-freed"),
        pytest.param(
            lambda p: replace(p, topics=frozenset({"Reinforcement learning", "NLP"})),
            id="new-topic",
        ),
        pytest.param(
            lambda p: replace(p, text="I deploy language models on Kubernetes for retrieval"),
            id="text",
        ),
        pytest.param(
            lambda p: replace(
                p,
                experience=6,
                utc_offset_minutes=-480,
                cadence=Cadence.MONTHLY,
                meeting_format=MeetingFormat.CHAT,
            ),
            id="profile",
        ),
        pytest.param(lambda p: replace(p, team="team-new", manager_user_id="U0"), id="org"),
    ],
)
def test_changing_some_mentors_scores_as_a_fresh_pool_would(change) -> None:  # type: ignore[no-untyped-def]
    pool = Pool(mentors(40))
    for _ in range(3):  # changes on top of changes
        picked = random.Random(len(pool)).sample(pool.mentors, 3)
        pool = pool.with_changes(change(p) for p in picked)
        assert_scores_alike(pool, same_model_rebuild(pool))


def test_a_change_leaves_the_pool_it_came_from_untouched() -> None:
    pool = Pool(mentors(20))
    before = [suggest(m, pool, k=20) for m in MENTEES]
    target = pool.mentors[0]
    changed = pool.with_changes(
        [replace(target, paused=True, topics=frozenset({"Leadership"}), text="coaching leads")]
    )
    assert not changed.available[0]
    assert [suggest(m, pool, k=20) for m in MENTEES] == before


def test_a_left_mentor_is_never_suggested_nor_proposed() -> None:
    pool = Pool(mentors(20))
    best = suggest(MENTEES[0], pool).items[0].mentor_key
    changed = pool.with_changes([replace(pool.mentors[pool.index[best]], left=True)])
    assert best not in [s.mentor_key for s in suggest(MENTEES[0], changed, k=20).items]
    assert best not in {p.mentor_key for p in solve_round(MENTEES, changed).pairs}


def test_a_new_mentor_joins_in_key_order_and_only_her_text_is_encoded() -> None:
    pool = Pool(mentors(20))
    newcomer = mentor(50, topics=frozenset({"NLP"}), text="retrieval systems with language models")
    changed = pool.with_changes([newcomer])
    assert list(changed.keys) == sorted([*pool.keys, 50])
    assert changed.text_model is pool.text_model
    assert_scores_alike(changed, same_model_rebuild(changed))
    # Nobody else's text row moved or changed.
    for key in pool.keys:
        old, new = pool.text[pool.index[int(key)]], changed.text[changed.index[int(key)]]
        assert (old != new).nnz == 0


def test_a_word_the_fitted_model_never_saw_counts_only_through_shared_letters() -> None:
    pool = Pool(mentors(20))
    target = pool.mentors[0]
    changed = pool.with_changes([replace(target, topics=frozenset(), text="zyxwvu qqqqq")])
    assert mentor_document(changed.mentors[0]) == "zyxwvu qqqqq"
    assert changed.text[0].nnz == 0  # no known word nor known n-gram: nothing to match on
    known = pool.with_changes([replace(target, topics=frozenset(), text="retrievalish")])
    assert known.text[0].nnz > 0  # an unseen word still shares n-grams with "retrieval"


def test_no_change_is_the_same_pool() -> None:
    pool = Pool(mentors(5))
    assert pool.with_changes([]) is pool


@pytest.mark.parametrize("transpose_from", [64, 1], ids=["spliced", "transposed"])
@pytest.mark.parametrize("rows", [[0], [3, 4, 17], list(range(0, 40, 2))])
def test_both_text_layouts_hold_exactly_what_a_fresh_build_holds(
    rows: list[int], transpose_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(splice, "TRANSPOSE_FROM", transpose_from)
    pool = Pool(mentors(40))
    texts = ["", "zyxwvu", "retrieval systems and language models", *TEXTS]
    changed = pool.with_changes(
        replace(pool.mentors[j], topics=frozenset(), text=texts[n % len(texts)])
        for n, j in enumerate(rows)
    )
    fresh = same_model_rebuild(changed)
    for mine, theirs in [(changed.text, fresh.text), (changed.text_t, fresh.text_t)]:
        assert mine.has_sorted_indices
        for part in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(mine, part), getattr(theirs, part)), part
