"""Why a mentee was left unmatched, in words they and the coordinator can act on."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bot.matching.graph import map_blocks
from bot.matching.pool import MenteeBatch, Pool
from bot.matching.scoring import score_block
from bot.matching.weights import Weights

NO_FIT = "No mentor shares your topics or goals yet"
WEAK_FIT = "The mentors who share your topics are too far off in level, hours or habits"
OWN_TEAM = "The only mentors who fit are in your own team or reporting line"
ONLY_SELF = "The only mentor who fits is you"
REPEATS = "You have already been matched with every mentor who fits"
ALL_FULL = "All mentors who fit are full or paused right now"
TAKEN = "All mentors who fit were filled by closer matches this round"
REASONS = (NO_FIT, WEAK_FIT, OWN_TEAM, REPEATS, ONLY_SELF, ALL_FULL, TAKEN)  # by precedence


def unmatched_reasons(
    batch: MenteeBatch,
    rows: np.ndarray,
    pool: Pool,
    weights: Weights,
    history: sp.csr_matrix | None,
    allow_repeats: bool,
) -> list[str]:
    """One reason per listed mentee row, by the first thing that rules every fit out."""

    def work(part: slice) -> list[str]:
        block = score_block(batch, rows[part], pool, weights, history)
        fits = block.relevant
        team_or_line = block.same_team | block.reporting_line
        allowed = fits & ~block.forbidden
        if not allow_repeats:
            allowed &= ~block.repeat
        open_ = allowed & pool.available[None, :]
        # The first of these that holds, per row (np.select takes the first true one).
        no_pair = ~allowed.any(axis=1)
        which = np.select(
            [
                ~block.related.any(axis=1),
                ~fits.any(axis=1),
                no_pair & (fits & team_or_line).any(axis=1),
                no_pair & (fits & block.repeat & ~block.forbidden).any(axis=1),
                no_pair,
                ~open_.any(axis=1),
            ],
            list(range(6)),
            default=6,
        )
        return [REASONS[w] for w in which.tolist()]

    return [reason for part in map_blocks(work, len(rows)) for reason in part]
