"""The round's scoring pass as one compiled loop: every pair scored, only the best kept.

numpy scores a block of pairs in some twenty whole-array passes (each part, each rule,
then a partition per row and per column), ~100 ns of CPU per pair: 10 s for a
20,000 x 5,000 round, minutes at 100,000 x 25,000. This kernel (numba, compiled once and
cached on disk) walks one mentee at a time and, for that mentee:

1. adds up its text cosines and shared topics against every mentor through inverted
   lists (feature -> mentors having it; topic -> mentors listing it), so the work is
   proportional to the features the two sides share, not features x mentors;
2. scores every mentor with scoring.py's float32 operations in scoring.py's order
   (profile table + topics + text + capacity), applies the rules, and turns the score
   into integer points (`to_points`): the very points numpy gives, bit for bit
   (tests/unit/matching/test_kernel.py holds it to that);
3. keeps the mentee's `keep_row + 1` best pairs and offers each pair to its mentor's
   running best `keep_col` (a threshold per mentor turns most pairs away at once).

The certificate's rescoring (assign._compiled_improving_pairs) uses the same arithmetic
on the few mentors it suspects (`improving_rows`): their own inverted lists, the same
float32 sums per pair, so the same points as numpy's blocks at ~1/10 of the CPU.

Keys make every choice exact and order-free: a row key is points * m + (m - 1 - col), a
column key points * n + (n - 1 - row), so ties on points go to the lower index, and the
threads (each taking chunks of rows as it goes, with its own column buffers) merge to
the same result whichever thread took which rows.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# A buffer holds this many times what it keeps before it is sorted and cut.
SLACK = 2
POINTS = 10_000  # scoring.POINTS (a score of 1), the largest points a pair can have
BIN_SHIFT = 4  # a row's histogram bins are 16 points wide


@njit(cache=True, nogil=True)
def _cut(buffer: np.ndarray, count: int, keep: int) -> tuple[int, int]:
    """Keep the `keep` largest of buffer[:count] at its front (ascending); return the new
    count and the smallest kept key (what a newcomer has to beat)."""
    ordered = np.sort(buffer[:count])
    start = count - keep
    buffer[:keep] = ordered[start:]
    return keep, ordered[start]


@njit(cache=True, nogil=True)
def _gather(
    ptr: np.ndarray,
    idx: np.ndarray,
    val: np.ndarray,
    inverted: tuple,
    i: int,
    out: np.ndarray,
) -> None:
    """out[j] = sum over row i's entries (f, a), in stored order, of a * inv[f, j]: the
    very float32 sums of scipy's csr x csr and csr x dense products.

    inverted: (offsets, indices, values, dense_of, dense). A feature most mentors have
    (dense_of[f] >= 0) is added as its dense row, every mentor at once (vectorized; ~2x
    faster on common words): the mentors without it get a * 0 = +0, which changes no
    float32 sum, so the sums stay scipy's bit for bit."""
    inv_ptr, inv_idx, inv_val, dense_of, dense = inverted
    out[:] = 0
    for p in range(ptr[i], ptr[i + 1]):
        a = val[p]
        f = idx[p]
        d = dense_of[f]
        if d >= 0:
            row = dense[d]
            for j in range(len(out)):
                out[j] += a * row[j]
        else:
            for q in range(inv_ptr[f], inv_ptr[f + 1]):
                out[inv_idx[q]] += a * inv_val[q]


@njit(cache=True, nogil=True)
def _score_row(
    i: int, cosine: np.ndarray, shared: np.ndarray, scoring: tuple, points: np.ndarray
) -> None:
    """Row i's points against every mentor, 0 where a rule or floor rules the pair out.

    scoring.score_and_related's float32 operations in its order: profile table, then
    + topics, + text, + capacity. No branch on the pair (their outcomes are coin flips to
    a CPU); factors (float32): topic weight, text weight, TEXT_FULL, min text similarity,
    min score, 1; use (bool): topics, text, capacity weighted at all. `scoring` holds
    the per-person arrays and tables (graph.kernel_arguments lists them).
    """
    (root_mentee, root_mentor, profile_mentee, profile_mentor, table, bonus) = scoring[:6]
    team_mentee, team_mentor, available, factors, use = scoring[6:]
    w_topics, w_text, text_full = factors[0], factors[1], factors[2]
    min_text, min_score, one = factors[3], factors[4], factors[5]
    use_topics, use_text, use_bonus = use[0], use[1], use[2]
    own_profile = table[profile_mentee[i]]
    own_root = root_mentee[i]
    own_team = team_mentee[i]
    for j in range(len(points)):
        cos = cosine[j]
        score = own_profile[profile_mentor[j]]
        if use_topics:
            score += shared[j] * own_root * root_mentor[j] * w_topics
        if use_text:
            score += min(cos / text_full, one) * w_text
        if use_bonus:
            score += bonus[j]
        ok = (shared[j] > 0) | (cos >= min_text)
        ok &= score >= min_score
        ok &= available[j]
        ok &= (own_team < 0) | (own_team != team_mentor[j])
        value = np.int64(np.rint(np.float64(score) * 10000.0))
        points[j] = value if ok else 0


@njit(cache=True, nogil=True)
def _offer_columns(
    i: int,
    n: int,
    points: np.ndarray,
    keep_col: int,
    col_keys: np.ndarray,
    col_count: np.ndarray,
    col_floor: np.ndarray,
) -> None:
    """Offer row i's pairs to their mentors' running best keep_col keys."""
    cap_col = col_keys.shape[1]
    tail = n - 1 - i
    for j in range(len(points)):
        value = points[j]
        # A select, not a branch: half the pairs score 0, in no order a CPU can predict
        # (a branch here cost ~40% of the loop); a key beating the floor is rare.
        key = value * n + tail if value > 0 else -1
        if key > col_floor[j]:
            at = col_count[j]
            col_keys[j, at] = key
            at += 1
            if at == cap_col:
                at, col_floor[j] = _cut(col_keys[j], at, keep_col)
            col_count[j] = at


@njit(cache=True, nogil=True)
def _keep_row(
    i: int,
    points: np.ndarray,
    counts: np.ndarray,
    buffer: np.ndarray,
    keep_row: int,
    row_cols: np.ndarray,
    row_points: np.ndarray,
    row_count: np.ndarray,
    dropped: np.ndarray,
) -> None:
    """Row i's keep_row best pairs (best first, ties to the lower column) and the points
    of the best one after them: a histogram of points finds the bin the keep_row + 1 best
    start in, and only the pairs from that bin up are sorted."""
    m = len(points)
    counts[:] = 0
    for j in range(m):
        counts[points[j] >> BIN_SHIFT] += 1
    lowest, seen = len(counts) - 1, 0
    while lowest > 0 and seen + counts[lowest] <= keep_row:
        seen += counts[lowest]
        lowest -= 1
    start = max(lowest << BIN_SHIFT, 1)
    count = 0
    for j in range(m):
        if points[j] >= start:
            buffer[count] = points[j] * m + (m - 1 - j)
            count += 1
    ordered = np.sort(buffer[:count])[::-1]
    kept = min(count, keep_row)
    for r in range(kept):
        row_cols[i, r] = m - 1 - ordered[r] % m
        row_points[i, r] = ordered[r] // m
    row_count[i] = kept
    dropped[i] = ordered[keep_row] // m if count > keep_row else 0


@njit(cache=True, nogil=True)
def select_rows(
    order: np.ndarray,
    text_id: np.ndarray,
    n: int,
    text: tuple,
    inverted: tuple,
    topics: tuple,
    by_topic: tuple,
    scoring: tuple,
    banned: tuple,
    keep_row: int,
    keep_col: int,
    rows_out: tuple,
    cols_out: tuple,
) -> None:
    """Score the mentee rows listed in `order` against every mentor; fill the row
    outputs (at the rows' own positions) and this caller's column buffers (keys, count,
    floor). Rows with the same text_id have the same text vector (the same goals): in a
    run of them the cosines are added up once (the order of rows changes no result).

    text: CSR (offsets, indices, values) of the mentees' text; inverted: the mentors'
    text by feature, as _gather takes it; topics: (offsets, indices) of the mentees'
    topics; by_topic: the mentors' topics by topic, as _gather takes it (values 1).
    rows_out: (columns, points, count, dropped); cols_out: (keys, count, floor)."""
    text_ptr, text_idx, text_val = text
    topic_ptr, topic_idx = topics
    banned_ptr, banned_idx = banned
    row_cols, row_points, row_count, dropped = rows_out
    col_keys, col_count, col_floor = cols_out
    m = len(scoring[5])
    cosine = np.zeros(m, dtype=np.float32)
    shared = np.zeros(m, dtype=np.float32)
    points = np.zeros(m, dtype=np.int64)
    counts = np.zeros((POINTS >> BIN_SHIFT) + 2, dtype=np.int64)
    buffer = np.empty(m, dtype=np.int64)
    topic_val = np.ones(len(topic_idx), dtype=np.float32)  # shared topics: exact counts
    for at in range(len(order)):
        i = order[at]
        if at == 0 or text_id[i] != text_id[order[at - 1]]:
            _gather(text_ptr, text_idx, text_val, inverted, i, cosine)
        _gather(topic_ptr, topic_idx, topic_val, by_topic, i, shared)
        _score_row(i, cosine, shared, scoring, points)
        for p in range(banned_ptr[i], banned_ptr[i + 1]):
            points[banned_idx[p]] = 0
        _keep_row(i, points, counts, buffer, keep_row, row_cols, row_points, row_count, dropped)
        _offer_columns(i, n, points, keep_col, col_keys, col_count, col_floor)


@njit(cache=True, nogil=True)
def relax(dist_mentee: np.ndarray, dist_mentor: np.ndarray, arcs: tuple, passes: int) -> bool:
    """certify.py's Bellman-Ford from the sink, in place, each pass updating as it goes
    (the same shortest distances as its numpy sweeps, in fewer passes); False if it has
    not settled after `passes` (a negative cycle: the assignment is not optimal)."""
    matched, mentor_of, own_points, free_rows, free_cols, free_points = arcs
    infinity = np.int64(2**60)
    for _ in range(passes):
        changed = False
        for t in range(len(matched)):
            i = matched[t]
            d = dist_mentor[mentor_of[t]]
            if d < infinity and d + own_points[i] < dist_mentee[i]:
                dist_mentee[i] = d + own_points[i]
                changed = True
        for e in range(len(free_rows)):
            d = dist_mentee[free_rows[e]]
            if d < infinity and d - free_points[e] < dist_mentor[free_cols[e]]:
                dist_mentor[free_cols[e]] = d - free_points[e]
                changed = True
        if not changed:
            return True
    return False


@njit(cache=True, nogil=True)
def _score_cols(
    i: int, cols: np.ndarray, cosine: np.ndarray, shared: np.ndarray, scoring: tuple,
    points: np.ndarray,
) -> None:  # fmt: skip
    """_score_row for the mentors in `cols` only (cosine, shared and points[t] for
    cols[t]): the same float32 operations in the same order, so the same points.
    Written out rather than shared with _score_row through an inlined per-pair helper:
    that helper, tried, made the scoring pass 2-3x slower (the row's lookups were no
    longer hoisted out of the loop); tests/unit/matching/test_kernel.py holds the two
    to the same points."""
    (root_mentee, root_mentor, profile_mentee, profile_mentor, table, bonus) = scoring[:6]
    team_mentee, team_mentor, available, factors, use = scoring[6:]
    w_topics, w_text, text_full = factors[0], factors[1], factors[2]
    min_text, min_score, one = factors[3], factors[4], factors[5]
    use_topics, use_text, use_bonus = use[0], use[1], use[2]
    own_profile = table[profile_mentee[i]]
    own_root = root_mentee[i]
    own_team = team_mentee[i]
    for t in range(len(cols)):
        j = cols[t]
        cos = cosine[t]
        score = own_profile[profile_mentor[j]]
        if use_topics:
            score += shared[t] * own_root * root_mentor[j] * w_topics
        if use_text:
            score += min(cos / text_full, one) * w_text
        if use_bonus:
            score += bonus[j]
        ok = (shared[t] > 0) | (cos >= min_text)
        ok &= score >= min_score
        ok &= available[j]
        ok &= (own_team < 0) | (own_team != team_mentor[j])
        value = np.int64(np.rint(np.float64(score) * 10000.0))
        points[t] = value if ok else 0


@njit(cache=True, nogil=True)
def improving_rows(
    rows: np.ndarray, cols: np.ndarray, text: tuple, inverted: tuple, topics: tuple,
    by_topic: tuple, scoring: tuple, banned: tuple, kept: tuple, duals: tuple, add: int,
    out: tuple, bounds: tuple, reserve: tuple,
) -> None:  # fmt: skip
    """assign._improving_pairs in one pass: each of `rows` scored against the mentors
    in `cols` only, and its `add` pairs of largest gain = points - u_i - v_j > 0 (ties:
    the earlier column), leaving out pairs already kept (CSR by row) and banned ones.

    Only the pairs that can have a gain are scored: a pair neither side kept has at most
    min(bound of its row, bound of its column) points (bounds: per position in rows,
    per position in cols), so it needs that bound above u_i + v_j (about 1 suspect pair
    in 10); a pair in the reserve (CSR by row, mentor columns) is scored whatever its
    bound. The others are left at 0 points: they gain nothing either way.

    inverted, by_topic: those of the mentors in `cols` only (indices: positions in
    cols), so a row's cosines cost what it shares with them, not with every mentor.
    duals = (u per row, v per column); out = (columns, points, count), per position in
    `rows`, `add` wide (columns as positions in `cols`)."""
    text_ptr, text_idx, text_val = text
    topic_ptr, topic_idx = topics
    banned_ptr, banned_idx = banned
    kept_ptr, kept_idx = kept
    reserve_ptr, reserve_idx = reserve
    row_bound, col_bound = bounds
    u, v = duals
    out_cols, out_points, out_count = out
    m = len(scoring[5])
    cosine = np.zeros(len(cols), dtype=np.float32)
    shared = np.zeros(len(cols), dtype=np.float32)
    topic_val = np.ones(len(topic_idx), dtype=np.float32)
    points = np.zeros(len(cols), dtype=np.int64)
    at = np.full(m, -1, dtype=np.int64)  # a mentor's position in cols
    for t in range(len(cols)):
        at[cols[t]] = t
    best_gain = np.zeros(add, dtype=np.int64)
    # This row's pairs to score (positions in cols; one in both lists is scored twice,
    # to the same points) and their mentors, cosines, topics and points.
    size = len(cols) + np.max(np.diff(reserve_ptr)) if len(reserve_ptr) > 1 else len(cols)
    chosen = np.empty(size, dtype=np.int64)
    chosen_cols = np.empty(size, dtype=np.int64)
    chosen_cosine = np.empty(size, dtype=np.float32)
    chosen_shared = np.empty(size, dtype=np.float32)
    chosen_points = np.empty(size, dtype=np.int64)
    for r in range(len(rows)):
        i = rows[r]
        _gather(text_ptr, text_idx, text_val, inverted, i, cosine)
        _gather(topic_ptr, topic_idx, topic_val, by_topic, i, shared)
        count = 0
        most = row_bound[r] - u[r]  # an open pair needs v_j < this, and bound_j - v_j > u_i
        for t in range(len(cols)):
            if v[t] < most and col_bound[t] - v[t] > u[r]:
                chosen[count] = t
                count += 1
        for p in range(reserve_ptr[i], reserve_ptr[i + 1]):
            if at[reserve_idx[p]] >= 0:
                chosen[count] = at[reserve_idx[p]]
                count += 1
        for c in range(count):
            t = chosen[c]
            chosen_cols[c], chosen_cosine[c], chosen_shared[c] = cols[t], cosine[t], shared[t]
        _score_cols(
            i, chosen_cols[:count], chosen_cosine[:count], chosen_shared[:count], scoring,
            chosen_points[:count],
        )  # fmt: skip
        points[:] = 0
        for c in range(count):
            points[chosen[c]] = chosen_points[c]
        for p in range(banned_ptr[i], banned_ptr[i + 1]):
            if at[banned_idx[p]] >= 0:
                points[at[banned_idx[p]]] = 0
        for p in range(kept_ptr[i], kept_ptr[i + 1]):
            if at[kept_idx[p]] >= 0:
                points[at[kept_idx[p]]] = 0
        out_count[r] = _best_gains(points, u[r], v, add, best_gain, out_cols[r], out_points[r])


@njit(cache=True, nogil=True)
def _best_gains(
    points: np.ndarray, u: int, v: np.ndarray, add: int, best_gain: np.ndarray,
    out_cols: np.ndarray, out_points: np.ndarray,
) -> int:  # fmt: skip
    """The `add` positions of largest gain points - u - v > 0, best first, ties to the
    earlier position; returns how many."""
    count = 0
    for t in range(len(points)):
        # A select, not a branch on points (0 for about half the pairs, unpredictably);
        # a pair with a gain is rare.
        gain = points[t] - u - v[t] if points[t] > 0 else 0
        if gain <= 0 or (count == add and gain <= best_gain[add - 1]):
            continue
        # Insert after every kept gain >= this one: ties keep the earlier column.
        place = min(count, add - 1)
        while place > 0 and best_gain[place - 1] < gain:
            best_gain[place] = best_gain[place - 1]
            out_cols[place] = out_cols[place - 1]
            out_points[place] = out_points[place - 1]
            place -= 1
        best_gain[place] = gain
        out_cols[place] = t
        out_points[place] = points[t]
        count = min(count + 1, add)
    return count
