"""Goal/expertise similarity: a mentee's words find the mentor who lived their goal."""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp

from bot.matching import Pool, TfidfTextModel, solve_round, suggest
from bot.matching.text import (
    _COMPILED,
    _NEEDLES,
    ENGLISH_STOP_WORDS,
    _char_features_of,
    _word_features_of,
    content_words,
    normalise,
    normalise_all,
    sentences,
    shorten,
    stem,
    stop_words,
)
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


# --- the TF-IDF spaces are scikit-learn's, computed without it ---------------------------

WORDS = (
    "ml", "ai", "nlp", "llms", "backend", "back end", "web dev", "moving", "into", "to",
    "engineers", "managing", "c++", "c#", "the", "and", "a", "career", "changing", "careers",
    "bandits", "pipelines", "GenAI", "Ünïcödé", "ﬁne-tuning", "Ｆｕｌｌ stack", "x",
)  # fmt: skip
SEPARATORS = (" ", "  ", ". ", ", ", "-", "\n", "\t", "!? ", " — ", "\0")


def odd_texts(n: int, seed: int) -> list[str]:
    """Texts made to trip a tokeniser: repeats, stop words only, odd spacing and
    characters, expansions spanning words, empty ones."""
    rng = random.Random(seed)
    return [
        "".join(rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(rng.randint(0, 25)))
        for _ in range(n)
    ]


def sklearn_rows(corpus: list[str], texts: list[str] | None) -> sp.csr_matrix:
    """What the model's rows were when scikit-learn's TfidfVectorizer computed them: the
    corpus's own rows from the fit, or `texts` encoded after it."""
    text_module = pytest.importorskip("sklearn.feature_extraction.text")
    share = np.float32(np.sqrt(0.6)), np.float32(np.sqrt(0.4))
    docs = [content_words(t) for t in corpus]
    kept = [d for d in docs if d] or [["placeholder"]]
    words = text_module.TfidfVectorizer(
        analyzer=_word_features_of, sublinear_tf=True, dtype=np.float32
    )
    chars = text_module.TfidfVectorizer(
        analyzer=_char_features_of,
        sublinear_tf=True,
        max_df=max(20, int(0.2 * len(corpus))),
        dtype=np.float32,
    )
    fitted_words = words.fit_transform(kept)
    try:
        fitted_chars = chars.fit_transform(kept)
    except ValueError:
        fitted_chars = chars.set_params(max_df=1.0).fit_transform(kept)
    if texts is None:
        rows = sp.hstack([fitted_words * share[0], fitted_chars * share[1]], format="csr")
        place = [i for i, d in enumerate(docs) if d]
        out = sp.lil_matrix((len(corpus), rows.shape[1]), dtype=np.float32)
        out[place] = rows
        return sp.csr_matrix(out)
    encoded = [content_words(t) for t in texts]
    return sp.hstack(
        [words.transform(encoded) * share[0], chars.transform(encoded) * share[1]], format="csr"
    )


def same_bits(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    a, b = sp.csr_matrix(a), sp.csr_matrix(b)
    a.sort_indices()
    b.sort_indices()
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and a.data.dtype == b.data.dtype
        and a.data.tobytes() == b.data.tobytes()
    )


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("size", [3, 40, 300])
def test_fitted_and_encoded_rows_are_scikit_learns_to_the_bit(seed: int, size: int) -> None:
    corpus = odd_texts(size, seed)
    later = odd_texts(50, seed + 100) + corpus[:5]
    model = TfidfTextModel(corpus)
    assert same_bits(model.encode(corpus), sklearn_rows(corpus, None))
    assert same_bits(model.encode(later), sklearn_rows(corpus, later))


def test_near_identical_texts_keep_their_ubiquitous_n_grams_as_scikit_learn_did() -> None:
    corpus = ["NLP."] * 60 + ["NLP!"]
    model = TfidfTextModel(corpus)
    assert same_bits(model.encode(corpus), sklearn_rows(corpus, None))
    assert same_bits(model.encode(["nlp", "x"]), sklearn_rows(corpus, ["nlp", "x"]))


def test_the_stop_words_are_scikit_learns_plus_our_own() -> None:
    text_module = pytest.importorskip("sklearn.feature_extraction.text")
    assert ENGLISH_STOP_WORDS == text_module.ENGLISH_STOP_WORDS
    assert stop_words() > ENGLISH_STOP_WORDS


@pytest.mark.parametrize("seed", range(3))
def test_normalising_many_texts_at_once_gives_each_what_it_gets_alone(seed: int) -> None:
    texts = [*odd_texts(400, seed), "", "\0", "moved from a\0b to ML", "back\0end"]
    assert normalise_all(texts) == [normalise(t) for t in texts]


def test_every_expansion_is_searched_for_only_in_texts_holding_its_literal_words() -> None:
    # A pattern whose literals cannot be worked out is searched in every text: correct,
    # but the slow path a new row of EXPANSIONS should not fall into unnoticed.
    assert all(needles for needles in _NEEDLES)
    for (pattern, _), needles in zip(_COMPILED, _NEEDLES, strict=True):
        for text in odd_texts(300, 9):
            if pattern.search(normalise(text)):
                assert any(n in normalise(text) for n in needles)
