"""People turned into arrays once, so every score after that is a vectorised numpy call.

`Pool` holds the mentors (sorted by key, so results never depend on input order) with
their codes, topic matrix and text vectors; `Pool.encode` turns mentees into a
`MenteeBatch` in the same coordinates (same topic columns, same user-id codes, same text
space). Building a Pool fits the text model, so build it once per program and reuse it.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from bot.db.enums import Cadence, MeetingFormat
from bot.matching import splice
from bot.matching.candidates import Candidate, keys_unique
from bot.matching.text import Matrix, TextModel, TextModelFactory, sentences, tfidf_model

CADENCES: tuple[Cadence, ...] = tuple(Cadence)
FORMATS: tuple[MeetingFormat, ...] = tuple(MeetingFormat)
_CADENCE_CODE = {c: i for i, c in enumerate(CADENCES)}
_FORMAT_CODE = {f: i for i, f in enumerate(FORMATS)}
NONE_CODE = -1  # the field is empty (no team, no manager)
UNKNOWN_CODE = -2  # a mentee's value no mentor has: can never equal a mentor's code


@functools.lru_cache(maxsize=1 << 12)  # a program lists a few dozen topics
def topic_label(topic: str) -> str:
    """Topics compare case- and space-insensitively ("nlp " is "NLP")."""
    return " ".join(topic.split()).casefold()


def mentor_document(person: Candidate) -> str:
    """What a mentor knows, as text: their topics, then their own description."""
    topics = ". ".join(sorted(person.topics))
    return f"{topics}. {person.text}" if topics else person.text


class Pool:
    """The mentors of one program, precomputed for vectorised scoring.

    Safe to share between threads: scoring only reads it, and the quote cache only ever
    gains whole entries. When only availability changes (a slot taken, a pause), use
    `with_availability` instead of rebuilding: it skips refitting the text model.
    """

    def __init__(
        self, mentors: Iterable[Candidate], *, text_model: TextModelFactory = tfidf_model
    ) -> None:
        people = sorted(mentors, key=lambda p: p.key)
        keys_unique(people)
        documents = [mentor_document(p) for p in people]
        model = text_model(documents)
        self._build(people, model, model.encode(documents))

    def _build(self, people: list[Candidate], model: TextModel, vectors: Matrix) -> None:
        """Every array from `people` (sorted by key) and their already encoded texts."""
        self.mentors: tuple[Candidate, ...] = tuple(people)
        self.keys = np.array([p.key for p in people], dtype=np.int64)
        self.index: dict[int, int] = {p.key: j for j, p in enumerate(people)}

        # One code space for every user id a mentor row mentions (own id and managers'),
        # so "is this mentee my manager" is an integer comparison.
        self.user_codes: dict[str, int] = {}
        for p in people:
            for uid in (p.user_id, *p.reporting_line):
                self.user_codes.setdefault(uid, len(self.user_codes))
        self.user = np.array([self.user_codes[p.user_id] for p in people], dtype=np.int32)
        self.chain = _chains([p.reporting_line for p in people], self.user_codes)
        self._index_users()

        self.team_codes: dict[str, int] = {}
        for p in people:
            if p.team is not None:
                self.team_codes.setdefault(p.team, len(self.team_codes))
        self.team = np.array(
            [NONE_CODE if p.team is None else self.team_codes[p.team] for p in people],
            dtype=np.int32,
        )

        self.rank, self.offset, self.cadence, self.format = _profile_codes(people)
        self.capacity_left = np.array([p.capacity_left for p in people], dtype=np.int64)
        self.paused = np.array([p.paused or p.left for p in people], dtype=bool)
        self.available = ~self.paused & (self.capacity_left > 0)
        self._index_profiles()

        sets = {p.topics for p in people}  # few distinct sets: label each once
        labels = sorted({topic_label(t) for topics in sets for t in topics})
        self.topic_columns: dict[str, int] = {t: c for c, t in enumerate(labels)}
        self.topics, self.topic_count = self._topic_matrix(people)

        self.text_model: TextModel = model
        self._set_text(vectors)
        # Mentor row -> (their sentences, the matrix encoding them, its first row of theirs).
        self._sentences: dict[int, tuple[tuple[str, ...], Matrix | None, int]] = {}

    def _index_users(self) -> None:
        # user code -> mentor rows with that user id / with that user in their chain.
        self._rows_of_user = _rows_by_code(self.user[:, None], len(self.user_codes))
        self._reports_of_user = _rows_by_code(self.chain, len(self.user_codes))

    def _index_profiles(self) -> None:
        # Distinct (rank, offset, format, cadence): scoring.py scores these once, not per pair.
        # One int64 per row ordered as the rows are (rank first), so a 1-D unique sorts
        # them as a row-wise unique would, in a fraction of the time.
        key = (
            (self.rank.astype(np.int64) * 4096 + (self.offset.astype(np.int64) + 2048)) * 4
            + self.format
        ) * 4 + self.cadence
        distinct, profile_of = np.unique(key, return_inverse=True)
        self.profiles = (
            np.stack(
                [
                    distinct // (4096 * 16),
                    (distinct // 16) % 4096 - 2048,
                    (distinct // 4) % 4,
                    distinct % 4,
                ],
                axis=1,
            )
            .astype(np.int32)
            .reshape(len(distinct), 4)
        )
        self.profile_of = profile_of.ravel()

    def _set_text(self, vectors: Matrix) -> None:
        # Row-wise for explaining single pairs; transposed for multiplying mentee blocks.
        if sp.issparse(vectors):
            self.text: sp.csr_matrix | np.ndarray = sp.csr_matrix(vectors, dtype=np.float32)
            self.text_t: sp.csr_matrix | np.ndarray = self.text.T.tocsr()
        else:
            self.text = np.ascontiguousarray(vectors, dtype=np.float32)
            self.text_t = np.ascontiguousarray(self.text.T)

    # Scoring reads these through the same names on a Pool and on Columns (a subset).
    cols: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.mentors)

    def with_availability(
        self,
        capacity_left: Mapping[int, int] | None = None,
        paused: Mapping[int, bool] | None = None,
    ) -> Pool:
        """A copy with some mentors' free slots or pause changed (by mentor key); the
        text model, codes and topics are shared, so this costs a few array copies."""
        changed = copy.copy(self)
        mentors = list(self.mentors)
        capacity = self.capacity_left.copy()
        stopped = self.paused.copy()
        for key, value in (capacity_left or {}).items():
            j = self.index[key]
            mentors[j] = replace(mentors[j], capacity_left=value)
            capacity[j] = mentors[j].capacity_left
        for key, value in (paused or {}).items():
            j = self.index[key]
            mentors[j] = replace(mentors[j], paused=value)
            stopped[j] = value or mentors[j].left
        changed.mentors = tuple(mentors)
        changed.capacity_left, changed.paused = capacity, stopped
        changed.available = ~stopped & (capacity > 0)
        return changed

    def with_changes(self, mentors: Iterable[Candidate]) -> Pool:
        """A copy in which these mentors (by key) replace their rows, or join the pool.

        The text model is not refitted: a changed text is encoded with the fitted one
        (the vocabulary and IDF of the last full build; a word no mentor used then counts
        only through the character n-grams it shares with known words). A mentor who
        leaves is passed with `left=True`: the row stays, never available, until the next
        full build. Changing existing rows touches only the arrays that differ (a few
        copies of length m); a new key re-derives the arrays but encodes only new texts.
        The copy shares everything unchanged, so a reader of the old Pool is unaffected.
        """
        fresh = {p.key: p for p in mentors}
        keys_unique(list(fresh.values()))
        if not fresh:
            return self
        if any(key not in self.index for key in fresh):
            return self._with_joined(fresh)
        changed = copy.copy(self)
        rows = sorted((self.index[key], person) for key, person in fresh.items())
        js = np.array([j for j, _ in rows], dtype=np.int64)
        before = [self.mentors[j] for j, _ in rows]
        after = [person for _, person in rows]
        mentors = list(self.mentors)
        for j, person in rows:
            mentors[j] = person
        changed.mentors = tuple(mentors)

        if any(a.user_id != b.user_id or a.reporting_line != b.reporting_line
               for a, b in zip(before, after, strict=True)):  # fmt: skip
            changed._recode_users(js, after)
        if any(a.team != b.team for a, b in zip(before, after, strict=True)):
            changed.team_codes = dict(self.team_codes)
            changed.team = self.team.copy()
            for j, p in rows:
                if p.team is not None:
                    changed.team_codes.setdefault(p.team, len(changed.team_codes))
                changed.team[j] = NONE_CODE if p.team is None else changed.team_codes[p.team]
        profile = [(p.experience, p.utc_offset_minutes, p.cadence, p.meeting_format)
                   for p in (*before, *after)]  # fmt: skip
        if profile[: len(rows)] != profile[len(rows) :]:
            changed.rank, changed.offset = self.rank.copy(), self.offset.copy()
            changed.cadence, changed.format = self.cadence.copy(), self.format.copy()
            changed.rank[js] = [p.experience for p in after]
            changed.offset[js] = [p.utc_offset_minutes for p in after]
            changed.cadence[js] = [_CADENCE_CODE[p.cadence] for p in after]
            changed.format[js] = [_FORMAT_CODE[p.meeting_format] for p in after]
            changed._index_profiles()
        changed.capacity_left = self.capacity_left.copy()
        changed.capacity_left[js] = [p.capacity_left for p in after]
        changed.paused = self.paused.copy()
        changed.paused[js] = [p.paused or p.left for p in after]
        changed.available = ~changed.paused & (changed.capacity_left > 0)
        if any(a.topics != b.topics for a, b in zip(before, after, strict=True)):
            changed._retopic(js, after)
        documents = [mentor_document(p) for p in after]
        if documents != [mentor_document(p) for p in before]:
            changed._replace_text(js, self.text_model.encode(documents))
        if any(a.text != b.text for a, b in zip(before, after, strict=True)):
            gone = set(js.tolist())
            changed._sentences = {c: v for c, v in self._sentences.items() if c not in gone}
        return changed

    def _replace_text(self, js: np.ndarray, encoded: Matrix) -> None:
        """Rows `js` of the text vectors replaced, in both layouts, by splicing the stored
        entries (bot/matching/splice.py): no merge or transpose of the whole matrix, and
        every stored value exactly what a fresh build would hold (a score must not depend
        on how the pool came to be)."""
        if not sp.issparse(self.text):
            self._set_text(_replace_rows(self.text, js, encoded))
            return
        new = splice.canonical(encoded, np.float32)
        old = self.text[js]
        self.text = splice.replace_rows(self.text, js, new)
        self.text_t = splice.replace_columns(self.text_t, js, old, new)

    def _recode_users(self, js: np.ndarray, people: list[Candidate]) -> None:
        """New user codes for changed rows (codes only grow: an unused one matches no row)."""
        self.user_codes = dict(self.user_codes)
        for p in people:
            for uid in (p.user_id, *p.reporting_line):
                self.user_codes.setdefault(uid, len(self.user_codes))
        self.user = self.user.copy()
        self.user[js] = [self.user_codes[p.user_id] for p in people]
        depth = max(self.chain.shape[1], *(len(p.reporting_line) for p in people))
        chain = np.full((len(self.user), depth), NONE_CODE, dtype=np.int32)
        chain[:, : self.chain.shape[1]] = self.chain
        for j, p in zip(js.tolist(), people, strict=True):
            chain[j] = NONE_CODE
            for d, uid in enumerate(p.reporting_line):
                chain[j, d] = self.user_codes[uid]
        self.chain = chain
        self._index_users()

    def _retopic(self, js: np.ndarray, people: list[Candidate]) -> None:
        """Changed rows' topics; a label new to the pool gets a column at the end (column
        order does not matter to scoring, and a column nobody lists any more is zero)."""
        self.topic_columns = dict(self.topic_columns)
        width = self.topics.shape[1] if self.topic_columns else 0
        for p in people:
            for label in sorted({topic_label(t) for t in p.topics}):
                self.topic_columns.setdefault(label, len(self.topic_columns))
        grown = max(len(self.topic_columns), 1)
        topics = np.zeros((len(self.user), grown), dtype=np.float32)
        topics[:, :width] = self.topics[:, :width]
        rows, count = self._topic_matrix(people)
        topics[js] = rows
        self.topics = topics
        self.topic_count = self.topic_count.copy()
        self.topic_count[js] = count

    def _with_joined(self, fresh: dict[int, Candidate]) -> Pool:
        """The arrays re-derived for a changed set of mentors; only new texts encoded."""
        people = sorted(
            [fresh.pop(p.key, p) for p in self.mentors] + list(fresh.values()),
            key=lambda p: p.key,
        )
        documents = [mentor_document(p) for p in people]
        old = [self.index.get(p.key) for p in people]
        reuse = [
            j is not None and documents[i] == mentor_document(self.mentors[j])
            for i, j in enumerate(old)
        ]
        new = [i for i, kept in enumerate(reuse) if not kept]
        encoded = self.text_model.encode([documents[i] for i in new])
        # Row i of the result: an old row of self.text, or row n of the newly encoded.
        source = np.array(
            [old[i] if kept else len(self) + new.index(i) for i, kept in enumerate(reuse)],
            dtype=np.int64,
        )
        if sp.issparse(self.text):
            vectors: Matrix = sp.vstack([self.text, encoded], format="csr")[source]
        else:
            vectors = np.vstack([self.text, np.asarray(encoded)])[source]
        joined = copy.copy(self)
        joined._build(people, self.text_model, vectors)
        kept_sentences = {
            self.mentors[j].key: v
            for j, v in self._sentences.items()
            if self.mentors[j].key in joined.index
            and joined.mentors[joined.index[self.mentors[j].key]].text == self.mentors[j].text
        }
        joined._sentences = {joined.index[k]: v for k, v in kept_sentences.items()}
        return joined

    def columns(self, cols: np.ndarray) -> Columns:
        """The scoring arrays of some mentors only: checking a few columns for every
        mentee costs rows x len(cols), not rows x every mentor."""
        cols = np.asarray(cols, dtype=np.int64)
        return Columns(
            cols=cols,
            topics=self.topics[cols],
            topic_count=self.topic_count[cols],
            text_t=self.text_t[:, cols],
            profiles=self.profiles,
            profile_of=self.profile_of[cols],
            capacity_left=self.capacity_left[cols],
            team=self.team[cols],
            available=self.available[cols],
        )

    def sentence_vectors(self, cols: np.ndarray) -> tuple[np.ndarray, list[str], Matrix | None]:
        """The listed mentors' sentences (to quote the most relevant): for each sentence,
        the position in `cols` of the mentor it is from, its text, and its text vector
        (rows of one matrix; None when there is no sentence).

        Encoded once per mentor in one call for all missing ones, then cached: a round
        explains thousands of pairs and self-serve shows the same mentors again and again.
        """
        cols = np.asarray(cols, dtype=np.int64)
        listed = cols.tolist()
        missing = [c for c in dict.fromkeys(listed) if c not in self._sentences]
        if missing:
            split = [sentences(self.mentors[c].text) for c in missing]
            flat = [s for group in split for s in group]
            encoded = self.text_model.encode(flat) if flat else None
            start = 0
            for col, group in zip(missing, split, strict=True):
                # A mentor's rows stay in the matrix encoded with them: (block, first row).
                self._sentences[col] = (group, encoded, start)
                start += len(group)
        entries = [self._sentences[c] for c in listed]
        sizes = np.fromiter((len(e[0]) for e in entries), dtype=np.int64, count=len(entries))
        texts = [s for group, _, _ in entries for s in group]
        if not texts:
            return np.zeros(0, dtype=np.int64), [], None
        owned = [(block, first, len(group)) for group, block, first in entries if group]
        if not sp.issparse(owned[0][0]):
            vectors: Matrix = np.vstack([b[first : first + n] for b, first, n in owned])
        else:
            # A CSR of those rows from slices of each block's arrays: no scipy indexing
            # per mentor (a round quotes thousands of them).
            data, indices, lengths = [], [], []
            for block, first, n in owned:
                ptr = block.indptr[first : first + n + 1]
                data.append(block.data[ptr[0] : ptr[-1]])
                indices.append(block.indices[ptr[0] : ptr[-1]])
                lengths.append(ptr - ptr[0])
            # Each mentor's row starts, shifted past the entries of the mentors before.
            shift = np.cumsum([0] + [len(d) for d in data[:-1]])
            indptr = np.concatenate(
                [lengths[0][:1]] + [s + ptr[1:] for s, ptr in zip(shift, lengths, strict=True)]
            )
            vectors = sp.csr_matrix(
                (np.concatenate(data), np.concatenate(indices), indptr),
                shape=(len(texts), owned[0][0].shape[1]),
            )
        return np.repeat(np.arange(len(entries)), sizes), texts, vectors

    def _topic_matrix(self, people: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray]:
        """0/1 rows over this pool's topic columns, and each person's own topic count."""
        # People share a few topic sets: each distinct set is labelled once, then gathered.
        distinct: dict[frozenset[str], int] = {}
        which = np.fromiter(
            (distinct.setdefault(p.topics, len(distinct)) for p in people),
            dtype=np.int64,
            count=len(people),
        )
        matrix = np.zeros((len(distinct), max(len(self.topic_columns), 1)), dtype=np.float32)
        count = np.zeros(len(distinct), dtype=np.float32)
        for i, topics in enumerate(distinct):
            labels = {topic_label(t) for t in topics}
            count[i] = len(labels)  # topics no mentor lists still count against the overlap
            for label in labels:
                column = self.topic_columns.get(label)
                if column is not None:
                    matrix[i, column] = 1.0
        return matrix[which], count[which]

    def encode(
        self, mentees: Iterable[Candidate], *, texts: Sequence[str] | None = None
    ) -> MenteeBatch:
        """Mentees in this pool's coordinates, sorted by key; `texts` replaces their goals."""
        people = list(mentees)
        if texts is not None and len(texts) != len(people):
            raise ValueError("texts must match mentees one to one")
        keys = np.fromiter((p.key for p in people), dtype=np.int64, count=len(people))
        order = np.argsort(keys, kind="stable").tolist()
        people = [people[i] for i in order]
        keys_unique(people)
        goals = [p.text for p in people] if texts is None else [texts[i] for i in order]
        n = len(people)
        codes = self.user_codes
        user = np.array([codes.get(p.user_id, UNKNOWN_CODE) for p in people], dtype=np.int32)
        team = np.array(
            [
                NONE_CODE if p.team is None else self.team_codes.get(p.team, UNKNOWN_CODE)
                for p in people
            ],
            dtype=np.int32,
        )
        topics, topic_count = self._topic_matrix(people)
        # Pairs that can never be proposed whatever their score, as sparse (mentee, mentor).
        everyone = np.arange(n, dtype=np.int64)
        self_rows, self_cols = _pairs(everyone, user, self._rows_of_user)
        # The mentee manages this mentor, or this mentor manages the mentee.
        managed_rows, managed_cols = _pairs(everyone, user, self._reports_of_user)
        above = [
            (i, codes.get(uid, UNKNOWN_CODE))
            for i, p in enumerate(people)
            for uid in p.reporting_line
        ]
        over = np.array(above, dtype=np.int64).reshape(len(above), 2)
        managing_rows, managing_cols = _pairs(over[:, 0], over[:, 1], self._rows_of_user)
        line_rows = np.concatenate([managed_rows, managing_rows])
        line_cols = np.concatenate([managed_cols, managing_cols])
        rank, offset, cadence, format_ = _profile_codes(people)
        m = len(self)
        return MenteeBatch(
            people=tuple(people),
            goals=tuple(goals),
            keys=keys[order],
            user=user,
            team=team,
            rank=rank,
            offset=offset,
            cadence=cadence,
            format=format_,
            topics=topics,
            topic_count=topic_count,
            text=self.text_model.encode(goals),
            same_person=_mask(self_rows, self_cols, (n, m)),
            reporting_line=_mask(line_rows, line_cols, (n, m)),
        )


@dataclass(frozen=True, eq=False)
class Columns:
    """Some mentors' scoring arrays (`cols`: their columns in the Pool)."""

    cols: np.ndarray
    topics: np.ndarray
    topic_count: np.ndarray
    text_t: sp.csr_matrix | np.ndarray
    profiles: np.ndarray
    profile_of: np.ndarray
    capacity_left: np.ndarray
    team: np.ndarray
    available: np.ndarray

    def __len__(self) -> int:
        return len(self.cols)


@dataclass(frozen=True, eq=False)
class MenteeBatch:
    """Mentees encoded against one Pool (rows sorted by key)."""

    people: tuple[Candidate, ...]
    goals: tuple[str, ...]  # the text scored: their goals, or this search's query
    keys: np.ndarray
    user: np.ndarray
    team: np.ndarray
    rank: np.ndarray
    offset: np.ndarray
    cadence: np.ndarray
    format: np.ndarray
    topics: np.ndarray
    topic_count: np.ndarray
    text: sp.csr_matrix | np.ndarray
    same_person: sp.csr_matrix  # bool (mentee, mentor): the same user id
    reporting_line: sp.csr_matrix  # bool: one manages the other (any level known)

    def __len__(self) -> int:
        return len(self.people)


def _rows_by_code(codes: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """For each code, the rows of `codes` (rows x depth, -1 padded) that contain it: code
    c's rows are `rows[bounds[c]:bounds[c + 1]]`, as (bounds, rows)."""
    rows, depth = np.nonzero(codes >= 0)
    # One sort of (code, row) pairs, deduplicated, then a slice per code.
    pairs = np.unique(codes[rows, depth].astype(np.int64) * max(len(codes), 1) + rows)
    values, rows = np.divmod(pairs, max(len(codes), 1))
    return np.searchsorted(values, np.arange(n_codes + 1)), rows


def _pairs(
    items: np.ndarray, codes: np.ndarray, index: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(item, row) for every row `index` lists under the item's code (a negative code, or
    one the index does not know, lists none)."""
    bounds, rows = index
    known = (codes >= 0) & (codes < len(bounds) - 1)
    items, codes = items[known], codes[known]
    start = bounds[codes]
    n = bounds[codes + 1] - start
    within = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return np.repeat(items, n).astype(np.int64), rows[np.repeat(start, n) + within]


def _chains(lines: Sequence[tuple[str, ...]], codes: Mapping[str, int]) -> np.ndarray:
    """Reporting lines as user codes, one row per person, NONE_CODE padded."""
    depth = max(1, max(map(len, lines), default=0))
    flat = [codes[uid] for line in lines for uid in line]
    chain = np.full((len(lines), depth), NONE_CODE, dtype=np.int32)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    row = np.repeat(np.arange(len(lines)), lengths)
    chain[row, np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)] = flat
    return chain


def _profile_codes(
    people: Sequence[Candidate],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rank, UTC offset, cadence and format codes of each person."""
    return (
        np.array([p.experience for p in people], dtype=np.int8),
        np.array([p.utc_offset_minutes for p in people], dtype=np.int16),
        np.array([_CADENCE_CODE[p.cadence] for p in people], dtype=np.int8),
        np.array([_FORMAT_CODE[p.meeting_format] for p in people], dtype=np.int8),
    )


def _mask(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    data = np.ones(len(rows), dtype=bool)
    mask = sp.csr_matrix((data, (rows, cols)), shape=shape)
    mask.sum_duplicates()
    return mask


def _replace_rows(matrix: np.ndarray, rows: np.ndarray, values: Matrix) -> np.ndarray:
    """A dense `matrix` with `rows` replaced by the rows of `values`, as a new array."""
    out = np.array(matrix, copy=True)
    out[rows] = np.asarray(values.toarray() if sp.issparse(values) else values)
    return out
