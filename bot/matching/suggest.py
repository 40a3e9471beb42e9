"""Self-serve: the few best mentors for one mentee right now, with reasons, page by page.

Load spreading. If every mentee who asks were shown the same top mentor, the first few
would fill her slots and everyone after would be shown someone who cannot say yes. So
the caller passes `shown_counts`: for each mentor, how many open top-pick impressions
and pending requests she already has (a mentor_key -> count mapping the caller keeps,
e.g. suggestions shown in the last days that were not acted on, plus requests awaiting
an answer). A mentor whose count has reached her free slots is *crowded*: still shown
(never hidden: she may still be the right person, and requests do expire), but after
every mentor who still has room. Within each group the order is by score.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal

import numpy as np

from bot.matching.candidates import Candidate
from bot.matching.graph import acceptable_points
from bot.matching.pool import Pool
from bot.matching.reasons import explain
from bot.matching.results import Suggestion, SuggestionPage
from bot.matching.scoring import POINTS, history_matrix, score_block
from bot.matching.weights import Weights


def suggest(
    mentee: Candidate,
    pool: Pool,
    k: int = 3,
    *,
    offset: int = 0,
    exclude: Collection[int] = (),
    shown_counts: Mapping[int, int] | None = None,
    query: str | None = None,
    query_mode: Literal["replace", "augment"] = "replace",
    history: Collection[tuple[int, int]] = (),
    allow_repeats: bool = False,
    weights: Weights | None = None,
) -> SuggestionPage:
    """The `k` best acceptable mentors for `mentee`, from `offset` ("see more").

    `exclude`: mentor keys to leave out (already asked, declined, current mentors).
    `query`: free text searched instead of (`replace`) or on top of (`augment`) the
    mentee's goals. `history`: past (mentee_key, mentor_key) pairs, left out unless
    `allow_repeats`. The same hard rules and floors as a round apply.
    """
    if k < 1 or offset < 0:
        raise ValueError("k must be >= 1 and offset >= 0")
    weights = weights or Weights()
    text = mentee.text
    if query and query.strip():
        text = query if query_mode == "replace" else f"{mentee.text}\n{query}"
    batch = pool.encode([mentee], texts=[text])
    past = history_matrix({h for h in history if h[0] == mentee.key}, batch, pool)
    block = score_block(batch, slice(0, 1), pool, weights, past)
    points = acceptable_points(block, pool, allow_repeats)[0]
    for key in exclude:
        col = pool.index.get(key)
        if col is not None:
            points[col] = -1
    cols = np.flatnonzero(points > 0)
    spoken_for = np.zeros(len(pool), dtype=np.int64)
    for key, count in (shown_counts or {}).items():
        col = pool.index.get(key)
        if col is not None:
            spoken_for[col] = count
    crowded = spoken_for[cols] >= pool.capacity_left[cols]
    # Room first, then best score, then lower key: stable for the same input.
    order = np.lexsort((pool.keys[cols], -points[cols], crowded))
    cols, crowded = cols[order], crowded[order]
    page, page_crowded = cols[offset : offset + k], crowded[offset : offset + k]
    reasons = explain(batch, np.zeros(len(page), dtype=np.int64), pool, page, weights)
    items = tuple(
        Suggestion(
            mentor_key=int(pool.keys[c]),
            user_id=pool.mentors[c].user_id,
            name=pool.mentors[c].name,
            score=int(points[c]) / POINTS,
            reasons=why,
            crowded=bool(busy),
        )
        for c, busy, why in zip(page, page_crowded, reasons, strict=True)
    )
    return SuggestionPage(items=items, offset=offset, total=len(cols))
