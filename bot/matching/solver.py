"""The exact solver: the best assignment on a candidate graph under mentor capacities.

Max-weight b-matching, solved as a min-weight *full* bipartite matching with scipy's
sparse Jonker-Volgenant (LAPJVsp, `scipy.sparse.csgraph.min_weight_full_bipartite_matching`):

- each mentor becomes as many "slots" as they have free places (never more than the
  mentees who could pick them), every slot carrying the mentor's edges;
- every node of the smaller side gets one private "nobody" partner, so a full matching
  always exists and leaving a slot empty or a mentee unmatched is allowed;
- costs are `top + 1 - points` (a real pair) and `top + 1` (nobody): all positive, as the
  function requires, and minimising them maximises the total points.

The smaller side is the one matched in full (rows): with 20,000 mentees and 13,000 slots,
slots as rows solve in ~0.8 s where mentees as rows take ~4.5 s.

Points are integers (score x 10,000), so the optimum is exact, not up to float noise.
Why not OR-Tools' min-cost flow (SimpleMinCostFlow: source -> mentee -> mentor -> sink,
plus a mentee -> sink bypass)? It is faster on the same graph (0.33 s vs 0.89 s for the
505,000 edges of the 20,000 x 5,000 bench) and just as exact, but ortools pulls pandas,
protobuf and absl (~170 MB installed) into the default install for a step that is ~6% of
a round; the scoring pass dominates. bench/matching.py times both when ortools is found.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bot.matching.graph import Edges


def max_weight_assignment(edges: Edges, capacity: np.ndarray, n: int) -> np.ndarray:
    """Mentor column per mentee row (-1: unmatched) maximising the total points."""
    assigned = np.full(n, -1, dtype=np.int64)
    usable = capacity[edges.cols] > 0
    rows, cols, points = edges.rows[usable], edges.cols[usable], edges.points[usable]
    if n == 0 or not len(rows):
        return assigned
    # Slots per mentor: capacity, but no more than the mentees who list them.
    slots = np.minimum(capacity, np.bincount(cols, minlength=len(capacity)))
    first_slot = np.concatenate([[0], np.cumsum(slots)])
    n_slots = int(first_slot[-1])
    # Repeat each edge once per slot of its mentor.
    reps = slots[cols]
    edge_of = np.repeat(np.arange(len(rows)), reps)
    within = np.arange(len(edge_of)) - np.repeat(np.cumsum(reps) - reps, reps)
    mentee = rows[edge_of]
    slot = first_slot[cols][edge_of] + within
    top = int(points.max())
    cost = top + 1 - points[edge_of]
    if n_slots <= n:  # slots are rows; columns: mentees, then one "nobody" per slot
        shape, nobody = (n_slots, n + n_slots), np.arange(n_slots)
        r, c = np.concatenate([slot, nobody]), np.concatenate([mentee, n + nobody])
    else:  # mentees are rows; columns: slots, then one "nobody" per mentee
        shape, nobody = (n, n_slots + n), np.arange(n)
        r, c = np.concatenate([mentee, nobody]), np.concatenate([slot, n_slots + nobody])
    weights = np.concatenate([cost, np.full(len(nobody), top + 1)]).astype(np.float64)
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching  # see warm()

    row_ind, col_ind = min_weight_full_bipartite_matching(sp.csr_matrix((weights, (r, c)), shape))
    if n_slots <= n:
        slot_ind, mentee_ind = row_ind, col_ind
        real = mentee_ind < n
    else:
        mentee_ind, slot_ind = row_ind, col_ind
        real = slot_ind < n_slots
    # Slot -> mentor column: the last mentor whose first slot is at or before it.
    assigned[mentee_ind[real]] = np.searchsorted(first_slot, slot_ind[real], side="right") - 1
    return assigned
