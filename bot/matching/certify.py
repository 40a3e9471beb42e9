"""A proof that a round solved on the top-k graph is optimal on the *full* graph.

The round is a linear program (max-weight b-matching; its constraint matrix is totally
unimodular, so the LP optimum is the integer optimum). Its dual gives every mentee a
surplus u >= 0 and every mentor a price v >= 0 with u_i + v_j >= points_ij on every pair;
when the dual objective sum(u) + sum(capacity * v) equals the round's total, the round is
optimal over every pair, including the ones the top-k graph left out.

The duals come from the solved graph's residual network: shortest distances from the
sink. Those distances give the *largest* mentee surpluses and the *smallest* prices;
either extreme is a valid certificate, and this one clears the rows of mentees who got a
good match at once (assign._suspects). Two ways to the same unique distances:

- the compiled solver's own optimal duals are potentials under which every arc of that
  network costs >= 0, so one Dijkstra on those reduced costs finds them (flow.py; at
  20,000 x 5,000 ~0.03 s). Its duals are not used as they are: routed by mentor they are
  the other extreme (smallest surpluses), which clears far fewer rows;
- otherwise Bellman-Ford (an optimum has no negative cycle), each pass one numpy sweep
  over the edges, or a compiled loop for big graphs. The round's own total must equal the dual
objective, which also catches a wrong solver answer. assign.py then checks the pairs
the graph left out: the scored reserve exactly, everything else through its bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.matching.graph import Edges

_INF = np.int64(2**60)
COMPILED_MIN_EDGES = 50_000  # graphs this big relax in compiled code (kernel.relax)


@dataclass(frozen=True, eq=False)
class Duals:
    mentee: np.ndarray  # int64 surplus u_i >= 0
    mentor: np.ndarray  # int64 price v_j >= 0

    def objective(self, capacity: np.ndarray) -> int:
        return int(self.mentee.sum() + (capacity * self.mentor).sum())

    def feasible_on(self, edges: Edges) -> bool:
        return bool(np.all(self.mentee[edges.rows] + self.mentor[edges.cols] >= edges.points))


def _relax_numpy(
    dist_mentee: np.ndarray, dist_mentor: np.ndarray, arcs: tuple, passes: int
) -> bool:
    """Bellman-Ford from the sink, one numpy sweep over the arcs per pass, in place;
    False if it has not settled after `passes` (a negative cycle: not an optimum)."""
    matched, mentor_of, own_points, free_rows, free_cols, free_points = arcs
    for _ in range(passes):
        via_mentor = dist_mentor[mentor_of] + own_points[matched]
        new_mentee = dist_mentee.copy()
        new_mentee[matched] = np.minimum(dist_mentee[matched], via_mentor)
        reach = new_mentee[free_rows] < _INF
        new_mentor = dist_mentor.copy()
        np.minimum.at(
            new_mentor, free_cols[reach], new_mentee[free_rows[reach]] - free_points[reach]
        )
        if np.array_equal(new_mentee, dist_mentee) and np.array_equal(new_mentor, dist_mentor):
            return True
        dist_mentee[:], dist_mentor[:] = new_mentee, new_mentor
    return False


def _shortest_distances(
    dist_mentee: np.ndarray, dist_mentor: np.ndarray, arcs: tuple, passes: int
) -> bool:
    """Compiled when numba is there: the same distances (they are unique), far sooner.
    A small round keeps to numpy rather than load numba for it (graph.COMPILED_MIN_PAIRS)."""
    if len(arcs[3]) < COMPILED_MIN_EDGES:
        return _relax_numpy(dist_mentee, dist_mentor, arcs, passes)
    try:
        from bot.matching.kernel import relax
    except ImportError:  # numba is a dependency; the numpy sweeps serve a bare install
        return _relax_numpy(dist_mentee, dist_mentor, arcs, passes)
    return relax(dist_mentee, dist_mentor, arcs, passes)


def _potentials(duals: Duals, edges: Edges, assigned: np.ndarray, used: np.ndarray) -> bool:
    """Whether `duals` make every reduced cost of the sink's network >= 0: u, v >= 0,
    u_i + v_j >= points on every pair and = on the assigned ones, u = 0 if unmatched."""
    u, v = duals.mentee, duals.mentor
    if len(u) != len(assigned) or np.any(u < 0) or np.any(v < 0) or np.any(u[assigned < 0]):
        return False
    slack = u[edges.rows] + v[edges.cols] - edges.points
    return bool(np.all(slack >= 0) and not np.any(slack[used]))


def _dijkstra(edges: Edges, assigned: np.ndarray, duals: Duals) -> tuple[np.ndarray, np.ndarray]:
    from bot.matching.flow import sink_distances  # the compiled solver gave the duals

    by_row = np.argsort(edges.rows, kind="stable")
    cols, points = edges.cols[by_row].astype(np.int64), edges.points[by_row].astype(np.int64)
    counts = np.bincount(edges.rows, minlength=len(assigned))
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    u, v = (a.astype(np.int64) for a in (duals.mentee, duals.mentor))
    return sink_distances((ptr, cols, points), assigned.astype(np.int64), u, v)


def round_duals(
    edges: Edges, assigned: np.ndarray, capacity: np.ndarray, start: Duals | None = None
) -> Duals | None:
    """Optimal duals for an optimal assignment on `edges`; None if the check fails.

    Residual network of the flow source -> mentee -> mentor -> sink (plus mentee -> sink
    "unmatched"), with a pair's cost = -points. Distances E from the sink:
    sink -> mentor with mentees (0), sink -> unmatched mentee (0), mentor -> its mentee
    (+points), mentee -> mentor on an unused pair (-points). Then u = E(mentee) and
    v = -E(mentor), clipped at 0 for mentors the sink does not reach.

    `start`: optimal duals already known (the compiled solver's); then the distances
    come from one Dijkstra on their reduced costs, not Bellman-Ford.
    """
    n, m = len(assigned), len(capacity)
    matched = np.flatnonzero(assigned >= 0)
    mentor_of = assigned[matched]
    load = np.bincount(mentor_of, minlength=m)
    used = assigned[edges.rows] == edges.cols
    if used.sum() != len(matched):
        return None  # an assigned pair is missing from the graph
    own_points = np.zeros(n, dtype=np.int64)
    own_points[edges.rows[used]] = edges.points[used]
    free_rows, free_cols, free_points = edges.rows[~used], edges.cols[~used], edges.points[~used]

    dist_mentor = np.where(load > 0, 0, _INF).astype(np.int64)
    dist_mentee = np.where(assigned < 0, 0, _INF).astype(np.int64)
    arcs = (matched, mentor_of, own_points, free_rows, free_cols, free_points)
    if start is not None and _potentials(start, edges, assigned, used):
        dist_mentee, dist_mentor = _dijkstra(edges, assigned, start)
    # At most n + m + 1 passes over every arc without a negative cycle.
    elif not _shortest_distances(dist_mentee, dist_mentor, arcs, n + m + 1):
        return None
    if np.any(dist_mentee >= _INF) or np.any(dist_mentee < 0):
        return None
    duals = Duals(dist_mentee, np.where(dist_mentor < _INF, np.maximum(-dist_mentor, 0), 0))
    total = int(own_points.sum())
    if not duals.feasible_on(edges) or duals.objective(capacity) != total:
        return None
    return duals
