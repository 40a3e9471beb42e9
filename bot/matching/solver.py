"""The exact solver: the best assignment on a candidate graph under mentor capacities.

Two solvers, the same optimum (points are integers, score x 10,000: exact, not up to
float noise):

**Compiled (flow.py), for rounds of graph.COMPILED_MIN_PAIRS pairs or more**, which load
numba for their scoring pass anyway: successive shortest augmenting paths on the
capacitated graph itself (no slot copies), Dijkstra on integer reduced costs.

- Units are routed from the scarcer side: mentees when there are at least as many
  places, else mentors' places (one unit per place). Routing the side that overflows
  makes the last searches cross the whole graph for the last free places: at 20,000
  mentees x 5,000 mentors (12,657 places), by mentee 4.2 s CPU, by mentor 0.33 s.
- Its final potentials are optimal LP duals (u, v >= 0, objective = the total): the
  certificate gets the extreme duals from them by one Dijkstra (certify.py).
- Warm start: solve_round's later passes only add pairs, so the last optimum and the
  certificate's duals are kept and only mentees whose duals miss a new pair are routed
  again (0.47 s CPU where a cold solve by mentee takes 4.2 s at 20,000 x 5,000). By
  mentor, a freed mentor frees every mentee it had and each search has to go through
  the sink (2.0 s, against 0.33 s cold): those passes are solved cold.

**scipy's sparse Jonker-Volgenant for smaller rounds** (LAPJVsp,
`scipy.sparse.csgraph.min_weight_full_bipartite_matching`), so a small round or a test
never loads numba (~1-3 s): a min-weight *full* bipartite matching where

- each mentor becomes as many "slots" as they have free places (never more than the
  mentees who could pick them), every slot carrying the mentor's edges;
- every node of the smaller side gets one private "nobody" partner, so a full matching
  always exists and leaving a slot empty or a mentee unmatched is allowed;
- costs are `top + 1 - points` (a real pair) and `top + 1` (nobody): all positive, as the
  function requires, and minimising them maximises the total points.

The smaller side is the one matched in full (rows): with 20,000 mentees and 13,000 slots,
slots as rows solve in ~0.8 s where mentees as rows take ~4.5 s.

Why not OR-Tools' min-cost flow (SimpleMinCostFlow)? Just as exact, 0.33 s on the
20,000 x 5,000 bench graph, but ortools pulls pandas, protobuf and absl (~170 MB
installed) into the default install; the compiled solver is as fast with numba, already
a dependency. bench/matching.py times them all on one graph.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bot.matching.certify import Duals
from bot.matching.graph import Edges


@dataclass(frozen=True, eq=False)
class Solution:
    assigned: np.ndarray  # int64 mentor column per mentee row, -1: unmatched
    # The compiled solver's optimal duals (u, v >= 0, feasible on every pair given, their
    # objective the total): the certificate starts from them, the next solve too.
    duals: Duals | None = None


def compiled_solver() -> bool:
    """Whether numba is there for the compiled solver (flow.py)."""
    try:
        import bot.matching.flow  # noqa: F401
    except ImportError:
        return False
    return True


def solve(
    edges: Edges,
    capacity: np.ndarray,
    n: int,
    *,
    compiled: bool = False,
    warm: Solution | None = None,
    by_mentee: bool | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Solution:
    """The best assignment on `edges`: scipy's LAPJVsp, or the compiled solver (which
    also gives optimal duals and starts from `warm`, an optimum on a subset of `edges`
    with optimal duals). `by_mentee`: route mentees (True) or places (False); None: the
    scarcer side. `meanwhile`: Python work for this thread while the compiled solver
    routes on another (it holds no GIL there); run first with scipy's."""
    if not compiled:
        if meanwhile is not None:
            meanwhile()
        return Solution(max_weight_assignment(edges, capacity, n))
    return _solve_compiled(edges, capacity, n, warm, by_mentee, meanwhile)


def _solve_compiled(
    edges: Edges,
    capacity: np.ndarray,
    n: int,
    warm: Solution | None,
    by_mentee: bool | None,
    meanwhile: Callable[[], object] | None,
) -> Solution:
    from bot.matching.flow import route

    m = len(capacity)
    capacity = np.asarray(capacity, dtype=np.int64)
    usable = capacity[edges.cols] > 0
    rows, cols, points = (a[usable].astype(np.int64) for a in _arrays(edges))
    places = int(np.minimum(capacity, np.bincount(cols, minlength=m)).sum())
    # Units are routed from the scarcer side (mentees, or mentors' places): the other
    # side then has room near every search, and searches stay short (see the docstring).
    if by_mentee is None:
        by_mentee = n <= places
    if by_mentee:
        left, right, supply, cap = rows, cols, np.ones(n, np.int64), capacity
    else:
        left, right, supply, cap = cols, rows, capacity, np.ones(n, np.int64)
    order = np.lexsort((right, left))
    left, right, points = left[order], right[order], points[order]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(left, minlength=len(supply)))])
    net = (ptr.astype(np.int64), right, left, points, supply, cap)
    # A warm start pays off routing by mentee: the few mentees whose duals miss a new
    # pair are routed again. By mentor, each freed mentor frees all its mentees, the
    # sink owes nothing and every search goes through it: a cold solve is faster there
    # (20,000 x 5,000 bench graphs: 0.33 s CPU cold, 2.0 s warm).
    flow, bypass, pl, pr, f = _start(warm if by_mentee else None, net, by_mentee)
    routing = (net, np.arange(len(supply), dtype=np.int64), flow, bypass, pl, pr, f, 0)
    if meanwhile is None:
        sink = route(*routing)
    else:
        # Only the routing on the worker: numpy steps there would wait for the GIL the
        # Python work holds (a few ms each), and the solve would take longer than alone.
        with ThreadPoolExecutor(1) as worker:
            routed = worker.submit(route, *routing)
            try:
                meanwhile()
            finally:
                sink = routed.result()
    # Potentials relative to the sink's are the LP duals. Below 0 only where nothing is
    # placed (a right node) or every unit bypasses (a left node): 0 breaks no reduced cost.
    y, z = np.maximum(pl - sink, 0), np.maximum(sink - pr, 0)
    if not by_mentee:
        # A mentor's potential also moves when a search reaches it through another of its
        # mentees (or starts from it), so a used pair may end with y + z < points (the
        # flow allows it: the pair is full). A mentee has that one pair: its dual rises
        # to make it tight, which only adds slack to every other arc.
        z[right[flow]] = points[flow] - y[left[flow]]
    mentee, mentor = (left, right) if by_mentee else (right, left)
    assigned = np.full(n, -1, dtype=np.int64)
    assigned[mentee[flow]] = mentor[flow]
    u, v = (y, z) if by_mentee else (z, y)
    # Mentors without places: any price makes their pairs feasible and costs nothing.
    shut = ~usable
    if shut.any():
        np.maximum.at(v, edges.cols[shut], edges.points[shut] - u[edges.rows[shut]])
    return Solution(assigned, Duals(u, v))


def _arrays(edges: Edges) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return edges.rows, edges.cols, edges.points


def _start(warm: Solution | None, net: tuple, by_mentee: bool) -> tuple[np.ndarray, ...]:
    """The flow's state: empty, or the previous optimum on the larger graph.

    A left node with a new pair its duals do not cover (y + z < points) gives back every
    unit it placed, its potential to be raised when it is routed again: a right node it
    leaves has a free place if its dual is 0, else it is left short (a path must refill
    it, or release it and its dual falls).
    """
    right, left, points, supply, cap = net[1:]
    if warm is None or warm.duals is None:
        return (
            np.zeros(len(right), np.bool_),
            np.zeros(len(supply), np.int64),
            np.zeros(len(supply), np.int64),
            np.zeros(len(cap), np.int64),
            np.zeros(len(cap), np.int64),
        )
    u, v = (a.astype(np.int64) for a in (warm.duals.mentee, warm.duals.mentor))
    y, z = (u, v) if by_mentee else (v, u)
    mentee, mentor = (left, right) if by_mentee else (right, left)
    flow = warm.assigned[mentee] == mentor
    broken = ~flow & (y[left] + z[right] < points)
    freed = np.zeros(len(supply), dtype=bool)
    freed[left[broken]] = True
    drop = flow & freed[left]
    placed = np.bincount(left[flow], minlength=len(supply))
    f = np.bincount(right[flow], minlength=len(cap))
    f -= np.bincount(right[drop & (z[right] == 0)], minlength=len(cap))
    bypass = np.where(freed, 0, supply - placed).astype(np.int64)
    return flow & ~drop, bypass, y.copy(), -z, f.astype(np.int64)


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
