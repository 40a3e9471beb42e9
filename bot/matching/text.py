"""How close a mentee's goals are to what a mentor knows: TF-IDF cosine, made robust.

People describe the same move in different words ("backend work into ML engineering" /
"moved from web development to ML"), so plain word TF-IDF misses most good pairs. Three
small, explainable steps close the gap, all in the default install (scikit-learn):

1. Light normalisation: lower case, punctuation out, English stop words out, and a
   crude suffix stemmer so "moved"/"moving"/"move" and "engineering"/"engineer" agree.
2. A short domain expansion table (`EXPANSIONS`): when a text says "ML" it also says
   "machine learning"; "backend" and "web development" both also say "software
   engineering"; "move from X into Y" also says "career change". Each row is a concept
   the program's topic list cares about; the table is meant to be read and extended.
3. Two TF-IDF spaces, fitted on the mentors' texts (so IDF measures what sets a mentor
   apart): words (stemmed unigrams + bigrams) and character n-grams (char_wb 3-5, which
   catch spelling variants the stemmer misses; n-grams in over 20% of mentor texts are
   dropped as the stop words they are). The similarity is 0.6 x the word cosine + 0.4 x
   the character cosine, computed as one sparse dot product.

A heavier semantic model can replace all of this behind `TextModel` (an optional extra;
nothing here downloads one): it only has to turn texts into L2-normalised rows.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Protocol

import numpy as np
import scipy.sparse as sp

# (pattern over normalised text, concept words appended when it matches).
# Appending (not replacing) keeps the person's own words in play as well.
EXPANSIONS: tuple[tuple[str, str], ...] = (
    (r"\bml\b", "machine learning"),
    (r"\bai\b|\bgenai\b", "artificial intelligence"),
    (r"\bnlp\b", "natural language processing"),
    (r"\bllms?\b|\blanguage models?\b|\bchatbots?\b|\btransformers?\b", "nlp language models"),
    (
        r"\bimages?\b|\bimaging\b|\bvision\b|\bobject detection\b|\bsegmentation\b",
        "computer vision",
    ),
    (r"\brl\b|\breinforcement\b|\bbandits?\b", "reinforcement learning"),
    (
        r"\bback ?end\b|\bfront ?end\b|\bfull ?stack\b|\bweb (?:development|developer|dev)\b"
        r"|\bsoftware (?:engineer\w*|develop\w*)\b|\bswe\b|\bapis?\b|\bmicroservices?\b",
        "software engineering",
    ),
    (r"\bmlops\b|\bml ops\b|\bdeploy\w*|\bserving\b|\bml platform\b|\bpipelines?\b", "mlops"),
    (r"\bdata scien\w*|\banalytics\b|\bstatistic\w*|\bexperiments?\b", "data science"),
    (r"\bmanag\w*|\bleading\b|\bleaders?\b|\bleadership\b|\bhiring\b|\bteam lead\b", "leadership"),
    (r"\bproduct manag\w*|\bpms?\b|\broadmaps?\b", "product management"),
    (r"\bethic\w*|\bfairness\b|\bbias\b|\bresponsible\b|\bsafety\b", "ai ethics fairness"),
    (
        r"\binterview\w*|\bjob (?:search|hunt\w*)|\bresumes?\b|\bcv\b|\boffers?\b",
        "interviewing job search",
    ),
    (r"\bresearch\w*|\bpapers?\b|\bphd\b|\bpublish\w*", "research"),
    (
        r"\b(?:move|moved|moving|switch\w*|transition\w*|pivot\w*)\b.{0,60}?\b(?:into|to)\b"
        r"|\bcareer chang\w*|\bchang\w* careers?\b|\bbreak(?:ing)? into\b",
        "career change",
    ),
)
_COMPILED = tuple((re.compile(p), words) for p, words in EXPANSIONS)

# Words that say nothing about what a person knows or wants, on top of sklearn's list.
_OWN_STOP_WORDS: frozenset[str] = frozenset({
    "want", "wants", "help", "helping", "happy", "like", "looking", "love", "really",
    "learn", "get", "getting", "would", "others", "people", "things", "thing", "work",
    "working", "good", "better", "way", "ways", "also", "able", "year", "years", "just",
    "hope", "interested", "glad", "share",
})  # fmt: skip


@functools.cache
def stop_words() -> frozenset[str]:
    # scikit-learn costs ~0.6 s to import: loaded when text is first read, not at start-up.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | _OWN_STOP_WORDS


_NON_WORD = re.compile(r"[^a-z0-9+#]+")
# Two passes, longest suffix first; a strip must leave at least 3 letters. Inflections go
# first so "engineers" -> "engineer" before the derivational pass looks at it.
_INFLECTIONS = ("ings", "ing", "ies", "es", "ed", "s")
_DERIVATIONS = ("ation", "ment", "er")


def normalise(text: str) -> str:
    """Lower-cased words with punctuation out and the expansion concepts appended."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _NON_WORD.sub(" ", text.replace("-", " ")).strip()
    extra = [words for pattern, words in _COMPILED if pattern.search(text)]
    return " ".join([text, *extra]) if extra else text


@functools.lru_cache(maxsize=1 << 16)  # words repeat: thousands of texts, a few thousand words
def stem(word: str) -> str:
    """A deliberately crude stemmer: consistent across a word's forms, not linguistic."""
    word = _strip(word, _INFLECTIONS)
    if not word.endswith("eer"):  # engineer, career: the "er" is not a suffix
        word = _strip(word, _DERIVATIONS)
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _strip(word: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> list[str]:
    """The normalised words that carry meaning (stop words and 1-letter tokens out)."""
    return [w for w in normalise(text).split() if len(w) > 1 and w not in stop_words()]


Matrix = sp.csr_matrix | np.ndarray


class TextModel(Protocol):
    """Turns texts into rows whose dot product is their similarity in 0..1.

    Rows are L2-normalised (or a weighted mix of normalised blocks, as TF-IDF does
    here), so `encode(a) @ encode(b).T` is a cosine. A sentence-embedding model behind
    an optional extra only has to implement this.
    """

    def encode(self, texts: Sequence[str]) -> Matrix: ...


# Builds a model from the mentors' texts (the corpus IDF is measured on).
TextModelFactory = Callable[[Sequence[str]], TextModel]


class TfidfTextModel:
    """Word + character n-gram TF-IDF, mixed as `word_share` * word cosine + the rest."""

    # Character n-grams in more than this share of mentor texts ("ing", " th") say
    # nothing about a person, only make unrelated texts look alike, and make the product
    # dense and slow: the same reasoning as stop words, one level down. Ubiquity is only
    # measured on a corpus big enough to show it (see `_max_df`).
    CHAR_MAX_DF = 0.2

    def __init__(self, corpus: Sequence[str], *, word_share: float = 0.6) -> None:
        if not 0 <= word_share <= 1:
            raise ValueError("word_share must be in 0..1")
        self.word_share = word_share
        from sklearn.feature_extraction.text import TfidfVectorizer  # see stop_words()

        # Both analyzers read the same normalised words, computed once per text in encode().
        self._words = TfidfVectorizer(
            analyzer=_word_features_of, sublinear_tf=True, dtype=np.float32
        )
        # scikit-learn's "char_wb" 3-5 n-grams, made per distinct word and cached (see
        # `_char_features_of`): the same features, without re-cutting common words.
        self._chars = TfidfVectorizer(
            analyzer=_char_features_of,
            sublinear_tf=True,
            max_df=_max_df(len(corpus), self.CHAR_MAX_DF),
            dtype=np.float32,
        )
        self._scale = (np.float32(np.sqrt(word_share)), np.float32(np.sqrt(1 - word_share)))
        # An empty or stop-word-only corpus leaves no vocabulary: fit on a placeholder so
        # encode() still works and simply finds nothing in common.
        texts = list(corpus)
        all_docs = [content_words(t) for t in texts]
        kept = [i for i, words in enumerate(all_docs) if words]
        docs = [all_docs[i] for i in kept] or [["placeholder"]]
        words = self._words.fit_transform(docs)
        try:
            chars = self._chars.fit_transform(docs)
        except ValueError:  # every n-gram is ubiquitous (near-identical texts): keep them
            chars = self._chars.set_params(max_df=1.0).fit_transform(docs)
        # The corpus is usually encoded right after the fit (a Pool's mentors): keep its
        # rows from the fit rather than cutting every text into features twice.
        self._corpus: tuple[list[str], sp.csr_matrix] | None = None
        if kept:
            place = sp.csr_matrix(
                (np.ones(len(kept), np.float32), (kept, np.arange(len(kept)))),
                shape=(len(texts), len(kept)),
            )
            rows = place @ self._mix(words, chars)
            rows.sort_indices()  # as encode() gives them: sums run in feature order
            self._corpus = (texts, rows)

    def encode(self, texts: Sequence[str]) -> sp.csr_matrix:
        if not texts:  # sklearn refuses zero documents
            width = len(self._words.vocabulary_) + len(self._chars.vocabulary_)
            return sp.csr_matrix((0, width), dtype=np.float32)
        if self._corpus is not None:
            corpus, rows = self._corpus
            self._corpus = None  # once: not worth holding on to after that
            if len(texts) == len(corpus) and list(texts) == corpus:
                return rows
        # Each distinct text once: empty goals, copied bios and templates repeat.
        distinct, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        docs = [content_words(t) for t in distinct]
        rows = self._mix(self._words.transform(docs), self._chars.transform(docs))
        return rows[inverse.ravel()]  # back in the callers' order

    def _mix(self, words: sp.csr_matrix, chars: sp.csr_matrix) -> sp.csr_matrix:
        # Side by side, each block unit-norm and scaled: a dot product is the mixed cosine.
        return sp.hstack(
            [words * self._scale[0], chars * self._scale[1]], format="csr", dtype=np.float32
        )


def _word_features_of(words: list[str]) -> list[str]:
    """Stemmed unigrams plus adjacent bigrams (bigrams keep "machine learning" specific)."""
    stems = [stem(w) for w in words]
    return stems + [f"{a} {b}" for a, b in pairwise(stems)]


def _char_features_of(words: list[str]) -> list[str]:
    """Character 3-5-grams of each word padded with spaces: scikit-learn's "char_wb"
    analyzer on the joined words, feature for feature."""
    return [gram for word in words for gram in _char_grams(word)]


@functools.lru_cache(maxsize=1 << 16)
def _char_grams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    grams: list[str] = []
    for n in range(3, 6):
        if len(padded) <= n:  # a short word counts once, whole (as char_wb does)
            grams.append(padded)
            break
        grams.extend(padded[start : start + n] for start in range(len(padded) - n + 1))
    return tuple(grams)


def _max_df(n_docs: int, share: float) -> int:
    # As a count, never below 20 documents: a 3-mentor pool keeps every n-gram.
    return max(20, int(share * n_docs))


def tfidf_model(corpus: Sequence[str]) -> TfidfTextModel:
    """The default `TextModelFactory`."""
    return TfidfTextModel(corpus)


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def sentences(text: str) -> tuple[str, ...]:
    """The text's sentences (what a reason may quote), without their closing mark."""
    parts = (s.strip().rstrip(".!?;").strip() for s in _SENTENCE_END.split(text))
    return tuple(p for p in parts if p)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(",;:-") + "…"
