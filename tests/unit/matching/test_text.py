"""Goal/expertise similarity: a mentee's words find the mentor who lived their goal."""

from __future__ import annotations

import numpy as np
import pytest

from bot.matching import Pool, TfidfTextModel, solve_round, suggest
from bot.matching.text import normalise, sentences, shorten, stem
from tests.unit.matching import mentor, person

GOAL = "I want to move from backend work into ML engineering"
CAREER_CHANGER = "moved from web development to ML, happy to help others do it"
UNRELATED = ("computer vision research on medical images", "leading data teams and hiring")


def cosines(goal: str, texts: list[str]) -> np.ndarray:
    model = TfidfTextModel(texts)
    return (model.encode(texts) @ model.encode([goal]).T).toarray().ravel()


def test_backend_to_ml_goal_finds_the_career_changer_without_a_shared_keyword() -> None:
    sims = cosines(GOAL, [UNRELATED[0], CAREER_CHANGER, UNRELATED[1]])
    assert int(np.argmax(sims)) == 1
    assert sims[1] > 3 * max(sims[0], sims[2])


def test_backend_to_ml_goal_ranks_the_career_changer_first_in_suggestions() -> None:
    # Same topics, level and time zone for all three: only the text can decide.
    topics = frozenset({"Machine learning engineering"})
    pool = Pool(
        [
            mentor(10, text=UNRELATED[0], topics=topics),
            mentor(11, text=CAREER_CHANGER, topics=topics),
            mentor(12, text=UNRELATED[1], topics=topics),
        ]
    )
    page = suggest(person(1, text=GOAL, topics=topics), pool)
    assert page.items[0].mentor_key == 11
    assert any("moved from web development to ML" in r for r in page.items[0].reasons)


def test_the_expansion_table_says_what_abbreviations_and_moves_mean() -> None:
    text = normalise(GOAL)
    assert "machine learning" in text
    assert "software engineering" in text  # backend
    assert "career change" in text  # move from X into Y
    assert "software engineering" in normalise(CAREER_CHANGER)  # web development


def test_the_stemmer_is_consistent_across_a_words_forms() -> None:
    assert len({stem(w) for w in ("move", "moved", "moving")}) == 1
    assert len({stem(w) for w in ("engineer", "engineers", "engineering")}) == 1
    assert len({stem(w) for w in ("manage", "manager", "management", "managing")}) == 1
    assert stem("career") == "career"  # not "car"


@pytest.mark.parametrize("corpus", [[], ["", "the and of"]])
def test_a_corpus_without_words_still_encodes_and_finds_nothing(corpus: list[str]) -> None:
    model = TfidfTextModel(corpus)
    vectors = model.encode(["anything at all", ""])
    assert vectors.shape[0] == 2
    assert (vectors @ vectors.T).toarray()[0, 1] == 0


def test_sentences_and_shorten_keep_quotes_short_and_whole_words() -> None:
    assert sentences("First one. Second one!  Third") == ("First one", "Second one", "Third")
    cut = shorten("a " * 10 + "wordthatwouldbesplit", 25)
    assert len(cut) <= 25 and cut.endswith("…") and "wordthat" not in cut


class KeywordModel:
    """A stand-in for a sentence-embedding model: dense, L2-normalised rows."""

    WORDS = ("ml", "vision", "hiring", "web", "backend")

    def __init__(self, corpus: list[str]) -> None:
        self.fitted_on = len(corpus)

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = np.array(
            [[t.lower().count(w) for w in self.WORDS] for t in texts], dtype=np.float32
        ).reshape(len(texts), len(self.WORDS))
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def test_any_text_model_plugs_in_behind_the_seam() -> None:
    topics = frozenset({"Machine learning engineering"})
    pool = Pool(
        [
            mentor(10, text=UNRELATED[0], topics=topics),
            mentor(11, text=CAREER_CHANGER, topics=topics),
        ],
        text_model=KeywordModel,
    )
    mentee = person(1, text=GOAL, topics=topics)
    page = suggest(mentee, pool)
    assert page.items[0].mentor_key == 11
    assert any("web development" in r for r in page.items[0].reasons)
    assert solve_round([mentee], pool).mentor_of(1) == 11


def test_many_identical_mentor_texts_still_fit() -> None:
    # Every character n-gram is in every text: the ubiquity filter must not empty the space.
    model = TfidfTextModel(["NLP."] * 60)
    assert (model.encode(["NLP"]) @ model.encode(["NLP."]).T).toarray()[0, 0] > 0.99


def test_encoding_many_texts_gives_each_the_rows_it_gets_alone() -> None:
    # Texts are encoded once per distinct text; rows must still come back in input order.
    model = TfidfTextModel([CAREER_CHANGER, *UNRELATED])
    texts = ["publish research papers", GOAL, "", GOAL, "ML hiring"]
    together = model.encode(texts).toarray()
    alone = np.vstack([model.encode([t]).toarray() for t in texts])
    assert np.array_equal(together, alone)
    distinct = ["publish research papers", GOAL, "ML hiring"]  # not in sorted order
    assert np.array_equal(model.encode(distinct).toarray(), alone[[0, 1, 4]])
