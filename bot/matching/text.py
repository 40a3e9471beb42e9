"""How close a mentee's goals are to what a mentor knows: TF-IDF cosine, made robust.

People describe the same move in different words ("backend work into ML engineering" /
"moved from web development to ML"), so plain word TF-IDF misses most good pairs. Three
small, explainable steps close the gap, in numpy and scipy alone:

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
   the character cosine, computed as one sparse dot product. The spaces are
   scikit-learn's `TfidfVectorizer(sublinear_tf=True, dtype=float32)`, value for value,
   computed here over every text at once (`_Analysed`): fitting and encoding thousands of
   texts cut each distinct word once, not each text, and import no scikit-learn (~1 s).

A heavier semantic model can replace all of this behind `TextModel` (an optional extra;
nothing here downloads one): it only has to turn texts into L2-normalised rows.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from typing import Any, Protocol

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

# scikit-learn's ENGLISH_STOP_WORDS (1.5 to 1.9), copied so that reading text does not
# import scikit-learn (~1 s); tests/unit/matching/test_text.py checks the copy.
_ENGLISH = """
a about above across after afterwards again against all almost alone along already also
although always am among amongst amoungst amount an and another any anyhow anyone anything
anyway anywhere are around as at back be became because become becomes becoming been before
beforehand behind being below beside besides between beyond bill both bottom but by call can
cannot cant co con could couldnt cry de describe detail do done down due during each eg
eight either eleven else elsewhere empty enough etc even ever every everyone everything
everywhere except few fifteen fifty fill find fire first five for former formerly forty
found four from front full further get give go had has hasnt have he hence her here
hereafter hereby herein hereupon hers herself him himself his how however hundred i ie if in
inc indeed interest into is it its itself keep last latter latterly least less ltd made many
may me meanwhile might mill mine more moreover most mostly move much must my myself name
namely neither never nevertheless next nine no nobody none noone nor not nothing now nowhere
of off often on once one only onto or other others otherwise our ours ourselves out over own
part per perhaps please put rather re same see seem seemed seeming seems serious several she
should show side since sincere six sixty so some somehow someone something sometime
sometimes somewhere still such system take ten than that the their them themselves then
thence there thereafter thereby therefore therein thereupon these they thick thin third this
those though three through throughout thru thus to together too top toward towards twelve
twenty two un under until up upon us very via was we well were what whatever when whence
whenever where whereafter whereas whereby wherein whereupon wherever whether which while
whither who whoever whole whom whose why will with within without would yet you your yours
yourself yourselves
"""
ENGLISH_STOP_WORDS: frozenset[str] = frozenset(_ENGLISH.split())

# Words that say nothing about what a person knows or wants, on top of the list above.
_OWN_STOP_WORDS: frozenset[str] = frozenset({
    "want", "wants", "help", "helping", "happy", "like", "looking", "love", "really",
    "learn", "get", "getting", "would", "others", "people", "things", "thing", "work",
    "working", "good", "better", "way", "ways", "also", "able", "year", "years", "just",
    "hope", "interested", "glad", "share",
})  # fmt: skip
_STOP_WORDS = ENGLISH_STOP_WORDS | _OWN_STOP_WORDS


def stop_words() -> frozenset[str]:
    """Words dropped from every text before it is scored."""
    return _STOP_WORDS


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


# What `normalise` keeps: [a-z0-9+#]; every other byte of the ASCII-encoded text is a
# space (a non-ASCII character encodes as "?", which is one too). Byte 0 separates texts.
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789+#")
_TO_SPACE = bytes(ord("\n") if b == 0 else b if b in _WORD_BYTES else ord(" ") for b in range(256))
_SPACES = re.compile(rb"  +")


def normalise_all(texts: Sequence[str]) -> list[str]:
    """`normalise` of each text, a few passes over all of them rather than a dozen
    regular-expression scans per text: the expansions only search the texts that hold
    one of the words their pattern cannot match without (`_needles`)."""
    folded = [unicodedata.normalize("NFKC", t).casefold() for t in texts]
    joined = "\0".join(folded)
    if len(texts) < 2 or joined.count("\0") != len(texts) - 1:  # a text holds a NUL
        return [normalise(t) for t in texts]
    cleaned = _SPACES.sub(b" ", joined.encode("ascii", "replace").translate(_TO_SPACE))
    cleaned = cleaned.replace(b" \n", b"\n").replace(b"\n ", b"\n").strip(b" ")
    corpus = cleaned.decode("ascii")
    docs = corpus.split("\n")
    starts = np.fromiter(
        itertools.accumulate((len(d) + 1 for d in docs), initial=0), np.int64, len(docs) + 1
    )
    extra: dict[int, list[str]] = {}
    for (pattern, words), needles in zip(_COMPILED, _NEEDLES, strict=True):
        if needles is None:
            candidates: Iterable[int] = range(len(docs))
        else:
            at = [i for n in needles for i in _first_in_each(corpus, n)]
            candidates = np.unique(np.searchsorted(starts, at, side="right") - 1).tolist()
        for d in candidates:
            if pattern.search(docs[d]):
                extra.setdefault(d, []).append(words)
    for d, words in extra.items():
        docs[d] = " ".join([docs[d], *words])
    return docs


def _first_in_each(corpus: str, needle: str) -> list[int]:
    """Where `needle` first occurs in each line of `corpus` holding it: str.find, then
    on from the next line."""
    found: list[int] = []
    find, end = corpus.find, len(corpus)
    at = find(needle)
    while at >= 0:
        found.append(at)
        at = find(needle, (find("\n", at) + 1) or end)
    return found


def _needles(pattern: str) -> tuple[str, ...] | None:
    """Literal strings one of which every match of `pattern` contains (None when the
    pattern's parse shows none)."""
    try:
        # Private modules: without them, every text is searched.
        from re import _constants as c
        from re import _parser
    except ImportError:  # pragma: no cover
        return None

    def required(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
        options: list[set[str]] = []
        run = ""
        for op, av in items:
            if op is c.LITERAL:
                run += chr(av)
                continue
            if op is c.AT:  # zero width: the literals either side are adjacent
                continue
            if run:
                options.append({run})
            run = ""
            inner: set[str] | None = None
            if op is c.SUBPATTERN and not av[1]:
                inner = required(av[3])
            elif op is c.BRANCH:
                alternatives = [required(alt) for alt in av[1]]
                if all(alternatives):
                    inner = set().union(*alternatives)  # type: ignore[arg-type]
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
                inner = required(av[2])
            if inner:
                options.append(inner)
        if run:
            options.append({run})
        return max(options, key=lambda o: min(map(len, o)), default=None)

    try:
        parsed = _parser.parse(pattern)
        found = None if parsed.state.flags & re.IGNORECASE else required(parsed)
    except Exception:  # pragma: no cover - an unexpected parse: search every text
        return None
    if not found or not all(found):
        return None
    return tuple(sorted(found))


_NEEDLES = tuple(_needles(p) for p, _ in EXPANSIONS)


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
    return [w for w in normalise(text).split() if len(w) > 1 and w not in _STOP_WORDS]


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
        self._scale = (np.float32(np.sqrt(word_share)), np.float32(np.sqrt(1 - word_share)))
        texts = list(corpus)
        seen = _Analysed(texts)
        # Texts without a content word are left out of the fit (they would count in the
        # IDF's document total); an empty or stop-word-only corpus leaves no vocabulary:
        # fit on a placeholder so encode() still works and simply finds nothing in common.
        fitted = int(np.count_nonzero(seen.lengths))
        fit_on = seen if fitted else _Analysed(["placeholder"])
        n_fit = max(fitted, 1)
        self._words, words = _Space.fit(fit_on.word_features(), n_fit, high=float(n_fit))
        grams = fit_on.char_features()
        counts = grams.counts()
        try:
            high = _max_df(len(texts), self.CHAR_MAX_DF)
            self._chars, chars = _Space.fit(grams, n_fit, high=high, counts=counts)
        except ValueError:  # every n-gram is ubiquitous (near-identical texts): keep them
            self._chars, chars = _Space.fit(grams, n_fit, high=float(n_fit), counts=counts)
        # The corpus is usually encoded right after the fit (a Pool's mentors): keep its
        # rows from the fit rather than cutting every text into features twice.
        self._corpus: tuple[list[str], sp.csr_matrix] | None = None
        if fitted:
            self._corpus = (texts, self._mix(words, chars))

    def encode(self, texts: Sequence[str]) -> sp.csr_matrix:
        if not texts:
            width = len(self._words.vocabulary) + len(self._chars.vocabulary)
            return sp.csr_matrix((0, width), dtype=np.float32)
        if self._corpus is not None:
            corpus, rows = self._corpus
            self._corpus = None  # once: not worth holding on to after that
            if len(texts) == len(corpus) and list(texts) == corpus:
                return rows
        # Each distinct text once: empty goals, copied bios and templates repeat.
        first: dict[str, int] = {}
        inverse = np.fromiter(
            (first.setdefault(t, len(first)) for t in texts), dtype=np.int64, count=len(texts)
        )
        seen = _Analysed(list(first))
        rows = self._mix(
            self._words.transform(seen.word_features()),
            self._chars.transform(seen.char_features()),
        )
        return rows[inverse]  # back in the callers' order

    def _mix(self, words: sp.csr_matrix, chars: sp.csr_matrix) -> sp.csr_matrix:
        # Side by side, each block unit-norm and scaled: a dot product is the mixed cosine.
        return sp.hstack(
            [words * self._scale[0], chars * self._scale[1]], format="csr", dtype=np.float32
        )


class _Counts:
    """How often each of one space's features occurs in each text. Local feature ids
    are numbered in the order scikit-learn's analyzer first emits them over the texts
    (a fit sums norms in that order). `counts(column)` gives the texts x features counts
    as canonical CSR, local feature f in column `column[f]` of `width` (dropped where
    -1)."""

    def __init__(
        self,
        terms: list[str],
        n_docs: int,
        rows: np.ndarray,
        features: np.ndarray,
        expand: sp.csr_matrix | None = None,
    ) -> None:
        # Occurrences (rows[i], features[i]); with `expand`, features[i] is an item
        # (a word) that stands for its row of `expand` (its n-grams, counted).
        self.terms, self.n_docs = terms, n_docs
        self.rows, self.features, self.expand = rows, features, expand

    def counts(self, column: np.ndarray | None = None, width: int = 0) -> sp.csr_matrix:
        width = len(self.terms) if column is None else width
        if self.expand is None:
            features, rows = self.features, self.rows
            if column is not None:
                features = column[features] if len(features) else features
                rows, features = rows[features >= 0], features[features >= 0]
            return _count(rows, features, (self.n_docs, width))
        expand = self.expand
        if column is not None:
            expand = _relabel(expand, column, width)
        items = _count(self.rows, self.features, (self.n_docs, expand.shape[0]))
        out = sp.csr_matrix(items @ expand)
        out.sum_duplicates()
        return out


def _count(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """A canonical float32 CSR counting each (row, col) pair (counts are exact)."""
    out = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    out.sum_duplicates()
    return out


def _relabel(matrix: sp.csr_matrix, column: np.ndarray, width: int) -> sp.csr_matrix:
    """`matrix` with column c moved to `column[c]`, dropped where that is -1 (rows keep
    their entries' order; the result's indices are sorted only if `column` is monotone)."""
    cols = column[matrix.indices] if len(matrix.indices) else matrix.indices
    dropped = np.flatnonzero(cols < 0)
    if not len(dropped):
        return sp.csr_matrix(
            (matrix.data.copy(), cols.astype(np.int32), matrix.indptr.copy()),
            shape=(matrix.shape[0], width),
        )
    # Each row starts earlier by the entries dropped before it.
    indptr = matrix.indptr - np.searchsorted(dropped, matrix.indptr)
    kept = np.ones(len(cols), dtype=bool)
    kept[dropped] = False
    return sp.csr_matrix(
        (matrix.data[kept], cols[kept].astype(np.int32), indptr), shape=(matrix.shape[0], width)
    )


class _Space:
    """One fitted TF-IDF space, as scikit-learn's TfidfVectorizer(sublinear_tf=True,
    dtype=float32) fits and applies it: columns in alphabetical order of the terms,
    smooth IDF, 1 + log(count), rows L2-normalised with the same float32/float64 steps
    (sklearn's `normalize` adds a row's squares in float64, in stored order)."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.idf = idf

    @classmethod
    def fit(
        cls, found: _Counts, n_docs: int, *, high: float, counts: sp.csr_matrix | None = None
    ) -> tuple[_Space, sp.csr_matrix]:
        """The space of these texts' features, dropping those in more than `high` texts
        (ValueError when none is left), and the texts' own rows in it."""
        local = found.counts() if counts is None else counts
        n_terms = len(found.terms)
        df = np.bincount(local.indices, minlength=n_terms)
        kept = np.flatnonzero(df <= high)
        if not len(kept):
            raise ValueError("After pruning, no terms remain.")
        names = [found.terms[i] for i in kept.tolist()]
        alphabetical = sorted(range(len(names)), key=names.__getitem__)
        column = np.full(n_terms, -1, dtype=np.int64)
        column[kept[alphabetical]] = np.arange(len(kept))
        idf = df[kept[alphabetical]].astype(np.float32)
        idf += 1.0  # smooth_idf: one more document holding every term
        smooth = np.full_like(idf, fill_value=n_docs + 1, dtype=np.float32)
        smooth /= idf
        np.log(smooth, out=smooth)
        smooth += 1.0
        space = cls({names[i]: c for c, i in enumerate(alphabetical)}, smooth)
        # A fitted row's entries sit in the order its features were first seen in the
        # corpus (sklearn numbers them so before sorting the vocabulary): its norm is
        # summed in that order, then the entries are put in column order.
        rows = _relabel(local, column, len(kept))
        space._weigh(rows)
        rows.has_sorted_indices = False
        rows.sort_indices()
        return space, rows

    def transform(self, found: _Counts) -> sp.csr_matrix:
        lookup = self.vocabulary.get
        column = np.array([lookup(t, -1) for t in found.terms], dtype=np.int64)
        rows = found.counts(column, len(self.idf))
        self._weigh(rows)
        return rows

    def _weigh(self, rows: sp.csr_matrix) -> None:
        """Counts into L2-normalised TF-IDF, in place, summing norms in stored order."""
        data = rows.data
        np.log(data, out=data)
        data += 1.0
        data *= self.idf[rows.indices]
        _normalise_rows(data, rows.indptr)


def _normalise_rows(data: np.ndarray, indptr: np.ndarray) -> None:
    """Each row's float32 `data` divided by its L2 norm, in place, as sklearn does it:
    float32 squares added one by one in float64, in stored order, then a float64
    division rounded to float32."""
    squares = np.square(data).astype(np.float64)
    lengths = np.diff(indptr)
    # numpy's sum adds pairwise, its cumulative sum one by one: per row when there are
    # few rows (a search, an edit); else a row's k-th square is added to its total at
    # step k, over the rows that long (longest first, so they are a prefix).
    longest = np.argsort(-lengths, kind="stable")
    starts, shorter = indptr[:-1][longest], -lengths[longest]
    if len(lengths) <= (-shorter[0] if len(shorter) else 0):
        bounds = indptr.tolist()
        total = np.array(
            [np.cumsum(squares[a:b])[-1] if b > a else 0.0 for a, b in itertools.pairwise(bounds)]
        )[longest]
    else:
        total = np.zeros(len(lengths))
        for k in range(int(-shorter[0]) if len(shorter) else 0):
            live = int(np.searchsorted(shorter, -k, side="left"))
            total[:live] += squares[starts[:live] + k]
    norm = np.empty_like(total)
    norm[longest] = np.sqrt(total)
    scale = np.repeat(norm, lengths)
    nonzero = scale != 0
    data[nonzero] = (data[nonzero].astype(np.float64) / scale[nonzero]).astype(np.float32)


class _Analysed:
    """Texts cut into their content words (`content_words`) all at once: token t is
    distinct word `word[t]` of text `doc[t]`, words numbered in order of first use.
    Each distinct word is stemmed and cut into character n-grams once, however many
    texts use it."""

    def __init__(self, texts: Sequence[str]) -> None:
        docs = normalise_all(texts)
        self.n_docs = len(docs)
        # Normalised texts are single-spaced: one split of them all, no list per text.
        lengths = np.fromiter(
            (d.count(" ") + 1 if d else 0 for d in docs), dtype=np.int64, count=len(docs)
        )
        tokens = " ".join(docs).split()
        if len(tokens) != lengths.sum():  # pragma: no cover - normalise() spaces words once
            raise AssertionError("normalised texts must be single-spaced")
        # Each token's word as the position where that word first occurs (a loop in C),
        # then renumbered densely: the numbers keep the order of first use.
        first_at: dict[str, int] = {}
        seen = np.fromiter(
            map(first_at.setdefault, tokens, itertools.count()), dtype=np.int64, count=len(tokens)
        )
        firsts, ids = np.unique(seen, return_inverse=True)
        ids = ids.ravel()
        distinct = [tokens[i] for i in firsts.tolist()]
        stop = _STOP_WORDS
        keep = np.fromiter((len(w) > 1 and w not in stop for w in distinct), bool, len(distinct))
        self.words = [w for w, k in zip(distinct, keep.tolist(), strict=True) if k]
        content = keep[ids] if len(ids) else np.zeros(0, dtype=bool)
        self.word = (np.cumsum(keep) - 1)[ids[content]] if len(ids) else ids
        self.doc = np.repeat(np.arange(self.n_docs, dtype=np.int64), lengths)[content]
        self.lengths = np.bincount(self.doc, minlength=self.n_docs)  # content words per text

    def word_features(self) -> _Counts:
        """Stemmed unigrams, then the text's adjacent bigrams (`_word_features_of`)."""
        stems: dict[str, int] = {}
        stem_of = np.array(
            [stems.setdefault(stem(w), len(stems)) for w in self.words], dtype=np.int64
        )
        unigram = stem_of[self.word]
        after = np.flatnonzero(self.doc[1:] == self.doc[:-1])  # token t and t + 1 pair up
        n_stems = len(stems)
        pair = unigram[after] * n_stems + unigram[after + 1]
        # Every occurrence in stream order: a text's unigrams, then its bigrams.
        start = np.concatenate([[0], np.cumsum(self.lengths)])[self.doc]
        t = np.arange(len(self.word), dtype=np.int64)
        stream = np.concatenate([start + t, start[after] + self.lengths[self.doc[after]] + after])
        key = np.concatenate([unigram, n_stems + pair])  # unigram s, or n_stems + a*S + b
        order = np.argsort(stream, kind="stable")
        distinct, first, local = np.unique(key[order], return_index=True, return_inverse=True)
        # Local ids in first-seen order.
        rank = np.empty(len(distinct), dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(len(distinct))
        names = list(stems)
        terms: list[str] = [""] * len(distinct)
        for k, r in zip(distinct.tolist(), rank.tolist(), strict=True):
            if k < n_stems:
                terms[r] = names[k]
            else:
                a, b = divmod(k - n_stems, n_stems)
                terms[r] = f"{names[a]} {names[b]}"
        doc = np.concatenate([self.doc, self.doc[after]])[order]
        return _Counts(terms, self.n_docs, doc, rank[local.ravel()])

    def char_features(self) -> _Counts:
        """Each word's character 3-5-grams, words in order (`_char_features_of`): the
        texts' word counts times each word's gram counts, one sparse product."""
        grams: dict[str, int] = {}
        cut = [_char_grams(w) for w in self.words]
        # Numbered over the words in order of first use: the grams' first-seen order.
        flat = np.array(
            [grams.setdefault(g, len(grams)) for parts in cut for g in parts], dtype=np.int64
        )
        per_word = np.fromiter(map(len, cut), dtype=np.int64, count=len(cut))
        of_word = _count(np.repeat(np.arange(len(cut)), per_word), flat, (len(cut), len(grams)))
        return _Counts(list(grams), self.n_docs, self.doc, self.word, of_word)


# What each space counts for one text's content words, text by text: the definition
# `_Analysed` computes for all texts at once (and the tests' scikit-learn reference).
def _char_features_of(words: list[str]) -> list[str]:
    """Character 3-5-grams of each word padded with spaces: scikit-learn's "char_wb"
    analyzer on the joined words, feature for feature."""
    return [gram for word in words for gram in _char_grams(word)]


def _word_features_of(words: list[str]) -> list[str]:
    """Stemmed unigrams plus adjacent bigrams (bigrams keep "machine learning" specific)."""
    stems = [stem(w) for w in words]
    return stems + [f"{a} {b}" for a, b in pairwise(stems)]


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
