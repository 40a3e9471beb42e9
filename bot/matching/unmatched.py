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
        out = []
        for i in range(len(fits)):
            if not block.related[i].any():
                out.append(NO_FIT)
            elif not fits[i].any():
                out.append(WEAK_FIT)
            elif not allowed[i].any():
                if (fits[i] & team_or_line[i]).any():
                    out.append(OWN_TEAM)
                elif (fits[i] & block.repeat[i] & ~block.forbidden[i]).any():
                    out.append(REPEATS)
                else:
                    out.append(ONLY_SELF)
            elif not open_[i].any():
                out.append(ALL_FULL)
            else:
                out.append(TAKEN)
        return out

    return [reason for part in map_blocks(work, len(rows)) for reason in part]
