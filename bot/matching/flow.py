"""The exact round solver in compiled code: max-weight b-matching by successive shortest
augmenting paths on the capacitated graph itself (solver.py says when and why).

The round is a min-cost flow: source -> mentee (1 unit) -> mentor (cost -points) -> sink
(up to the mentor's capacity), and mentee -> sink ("stays unmatched", cost 0). Node
potentials keep every residual arc's reduced cost >= 0, so each mentee's unit is routed
by Dijkstra on integer reduced costs (int64: exact):

- mentors are the heap's nodes; a mentee is reached only through its mentor (or the sink
  when it is unmatched), at that node's distance, so it is scanned when its mentor is
  settled and never queued;
- a path ends at the first node with a deficit: the sink (the usual case) or, after a
  warm start, a mentor that lost a mentee while its price was positive. A mentor with a
  free slot leads to the sink at no cost, so the search stops as soon as one is reached;
- after a path, settled nodes' potentials move by (distance - path length), mentors' prices
  rise and mentees' surpluses fall by exactly what keeps every reduced cost >= 0.

So prices only rise as far as the competition requires, and the potentials at the end are
optimal LP duals: u_i = potential(mentee) - potential(sink), v_j = potential(sink) -
potential(mentor) (certify.py checks them and derives its certificate from them).

Deterministic: mentees are routed in the order given, the heap orders (distance, whether
the node ends a path, node) as one integer key, and slots fill lowest first.
"""

from __future__ import annotations

import numpy as np
from numba import njit

SOURCE = -2  # pred of the node a search starts from
FROM_SINK = -1  # pred of a node reached from the sink (its flow to the sink shrinks)
INF = np.int64(2**62)

# The tuples the functions share (numba passes them whole, without copies):
#   net    = (ptr, col, row, pts, supply, cap): pairs as CSR by left node
#   slots  = (slot_start, slot_edge, slot_of): each right node's used pairs
#   state  = (flow, bypass, pl, pr, f, load, sent): the flow and the potentials
#   right  = (dist, done, pred, touched): the search over right nodes
#   left   = (dist, done, pred, touched): the search over left nodes
#   search = (right, left, count, sink, heap): count = touched right, touched left;
#            sink = its distance and predecessor (a left node, or -1 - right node)


@njit(cache=True, nogil=True)
def _push(heap: np.ndarray, size: int, key: int) -> int:
    at = size
    while at > 0:
        parent = (at - 1) >> 1
        if heap[parent] <= key:
            break
        heap[at] = heap[parent]
        at = parent
    heap[at] = key
    return size + 1


@njit(cache=True, nogil=True)
def _pop(heap: np.ndarray, size: int) -> tuple[int, int]:
    top = heap[0]
    size -= 1
    last = heap[size]
    at = 0
    while True:
        child = 2 * at + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if heap[child] >= last:
            break
        heap[at] = heap[child]
        at = child
    if size > 0:
        heap[at] = last
    return top, size


@njit(cache=True, nogil=True)
def _key(dist: int, ends: bool, node: int, base: int) -> int:
    # One integer orders by distance, then path ends first, then node: a tie never
    # depends on the heap's history.
    return ((dist << 1) | (0 if ends else 1)) * base + node


@njit(cache=True, nogil=True, inline="always")
def _touch(side: tuple, node: int, count: np.ndarray, which: int) -> None:
    if side[0][node] == INF:
        side[3][count[which]] = node
        count[which] += 1


@njit(cache=True, nogil=True, inline="always")
def _offer_right(k: int, nd: int, pred: int, state: tuple, search: tuple, size: int) -> int:
    """A path to right node k of length nd (pred: its pair, or FROM_SINK), queued if it
    is the shortest so far; a right node its flow left short ends a path."""
    right, left, count, heap = search[0], search[1], search[2], search[4]
    dist, done, preds = right[0], right[1], right[2]
    if done[k] or nd >= dist[k]:
        return size
    _touch(right, k, count, 0)
    dist[k], preds[k] = nd, pred
    f, load = state[4], state[5]
    base = len(dist) + 1 + len(left[0])
    return _push(heap, size, _key(nd, f[k] > load[k], k, base))


@njit(cache=True, nogil=True, inline="always")
def _offer_sink(nd: int, pred: int, ends: bool, search: tuple, size: int) -> int:
    sink = search[3]
    if nd >= sink[0]:
        return size
    sink[0], sink[1] = nd, pred
    m = len(search[0][0])
    return _push(search[4], size, _key(nd, ends, m, m + 1 + len(search[1][0])))


@njit(cache=True, nogil=True, inline="always")
def _offer_left(a: int, nd: int, pred: int, search: tuple, size: int) -> int:
    """A path to left node a of length nd (pred: the pair of the reverse arc, or
    FROM_SINK), queued if it is the shortest so far."""
    right, left, count, heap = search[0], search[1], search[2], search[4]
    dist, done, preds = left[0], left[1], left[2]
    if done[a] or nd >= dist[a]:
        return size
    _touch(left, a, count, 1)
    dist[a], preds[a] = nd, pred
    m = len(right[0])
    return _push(heap, size, _key(nd, False, m + 1 + a, m + 1 + len(dist)))


@njit(cache=True, nogil=True, inline="always")
def _settle_left(a: int, d: int, pred: int, net: tuple, state: tuple, pt: int, ends: bool,
                 search: tuple, size: int) -> int:  # fmt: skip
    """Settle left node a at distance d and relax its arcs: its unused pairs and, unless
    every unit of it already goes there, the sink. Returns the heap's new size."""
    ptr, col, pts, supply = net[0], net[1], net[3], net[4]
    flow, bypass, pl, pr = state[0], state[1], state[2], state[3]
    left = search[1]
    _touch(left, a, search[2], 1)
    left[0][a], left[1][a], left[2][a] = d, True, pred
    reach = d + pl[a]
    # _offer_right, inline: a call per pair passes (and counts references to) every
    # array of the state and the search, which made the hottest loop ~3x slower.
    f, load = state[4], state[5]
    dist, done, preds, touched = search[0]
    count, heap = search[2], search[4]
    base = len(dist) + 1 + len(left[0])
    for e in range(ptr[a], ptr[a + 1]):
        k = col[e]
        if flow[e] or done[k]:
            continue
        nd = reach - pr[k] - pts[e]
        if nd < dist[k]:
            if dist[k] == INF:
                touched[count[0]] = k
                count[0] += 1
            dist[k], preds[k] = nd, e
            size = _push(heap, size, _key(nd, f[k] > load[k], k, base))
    if bypass[a] < supply[a]:
        size = _offer_sink(reach - pt, a, ends, search, size)
    return size


@njit(cache=True, nogil=True)
def _settle_sink(d: int, state: tuple, pt: int, search: tuple, size: int) -> int:
    """The sink settled without ending the path (only after a warm start left a right
    node short): onwards to every right node sending it flow and every left node with a
    unit going straight to it."""
    bypass, pl, pr, f = state[1], state[2], state[3], state[4]
    for k in range(len(f)):
        if f[k] > 0:
            size = _offer_right(k, d + pt - pr[k], FROM_SINK, state, search, size)
    for a in range(len(bypass)):
        if bypass[a] > 0:
            size = _offer_left(a, d + pt - pl[a], FROM_SINK, search, size)
    return size


@njit(cache=True, nogil=True, inline="always")
def _settle_right(k: int, d: int, net: tuple, slots: tuple, state: tuple, pt: int,
                  ends: bool, search: tuple, size: int) -> int:  # fmt: skip
    """Settle right node k: on to the sink if it has a free place, and back to the left
    nodes of its used pairs. One reached by a tight reverse arc (always, when each left
    node has one unit) is settled at once, at this distance."""
    cap, row, pts = net[5], net[2], net[3]
    slot_start, slot_edge = slots[0], slots[1]
    pl, pr, f = state[2], state[3], state[4]
    right, done_l = search[0], search[1][1]
    right[1][k] = True
    if f[k] < cap[k]:
        size = _offer_sink(d + pr[k] - pt, -1 - k, ends, search, size)
    for at in range(slot_start[k], slot_start[k + 1]):
        e = slot_edge[at]
        if e < 0 or done_l[row[e]]:
            continue
        a = row[e]
        slack = pts[e] + pr[k] - pl[a]
        if slack == 0:
            size = _settle_left(a, d, e, net, state, pt, ends, search, size)
        else:
            size = _offer_left(a, d + slack, e, search, size)
    return size


@njit(cache=True, nogil=True)
def _shortest_path(s: int, net: tuple, slots: tuple, state: tuple, pt: int, ends: bool,
                   search: tuple) -> tuple[int, int, int]:  # fmt: skip
    """Dijkstra from left node s to the nearest node with a deficit: that node (a right
    node, or m for the sink), its distance, and the sink's distance if it was settled on
    the way (else INF). Heap nodes: right nodes, the sink (m), left nodes (m + 1 + a)."""
    right, left, sink, heap = search[0], search[1], search[3], search[4]
    f, load = state[4], state[5]
    m = len(right[0])
    base = m + 1 + len(left[0])
    size = _settle_left(s, 0, SOURCE, net, state, pt, ends, search, 0)
    sink_d = INF
    while size > 0:
        key, size = _pop(heap, size)
        node = key % base
        d = (key // base) >> 1
        if node > m:
            a = node - m - 1
            if not left[1][a] and d == left[0][a]:
                size = _settle_left(a, d, left[2][a], net, state, pt, ends, search, size)
        elif node == m:
            if sink_d == INF and d == sink[0]:
                if ends:
                    return m, d, sink_d
                sink_d = d
                size = _settle_sink(d, state, pt, search, size)
        elif not right[1][node] and d == right[0][node]:
            if f[node] > load[node]:
                return node, d, sink_d
            size = _settle_right(node, d, net, slots, state, pt, ends, search, size)
    return -1, INF, sink_d


@njit(cache=True, nogil=True)
def _use(e: int, used: bool, net: tuple, slots: tuple, state: tuple) -> None:
    """Pair e joins (used) or leaves its right node's places."""
    col, row = net[1], net[2]
    slot_start, slot_edge, slot_of = slots
    flow, load, sent = state[0], state[5], state[6]
    k = col[e]
    step = 1 if used else -1
    if used:
        at = slot_start[k]
        while slot_edge[at] >= 0:
            at += 1
        slot_edge[at], slot_of[e] = e, at
    else:
        slot_edge[slot_of[e]], slot_of[e] = -1, -1
    load[k] += step
    sent[row[e]] += step
    flow[e] = used


@njit(cache=True, nogil=True)
def _augment(end: int, net: tuple, slots: tuple, state: tuple, search: tuple) -> None:
    """Send one unit back along the predecessors from `end` (a right node, or the sink)
    to the left node the search started from."""
    col, row = net[1], net[2]
    bypass, f = state[1], state[4]
    pred_r, pred_l, sink = search[0][2], search[1][2], search[3]
    m = len(f)
    node, left = end, -1
    while True:
        if node == m:  # the sink, entered from a right node's free place or a left node
            if sink[1] >= 0:
                left = sink[1]
                bypass[left] += 1
            else:
                node = -1 - sink[1]
                f[node] += 1
        if left < 0:  # a right node, entered by a pair or from the sink
            p = pred_r[node]
            if p == FROM_SINK:
                f[node] -= 1
                node = m
                continue
            _use(p, True, net, slots, state)
            left = row[p]
        # The unit leaves `left`; it came in by the predecessor arc, which gives one back.
        p = pred_l[left]
        if p == SOURCE:
            return
        if p == FROM_SINK:
            bypass[left] -= 1
            node = m
        else:
            _use(p, False, net, slots, state)
            node = col[p]
        left = -1


@njit(cache=True, nogil=True)
def _slots(net: tuple, flow: np.ndarray) -> tuple:
    """Each right node's places (no more than its pairs) and the used pairs in them."""
    col, row, supply, cap = net[1], net[2], net[4], net[5]
    m = len(cap)
    degree = np.zeros(m, dtype=np.int64)
    for e in range(len(col)):
        degree[col[e]] += 1
    slot_start = np.zeros(m + 1, dtype=np.int64)
    for k in range(m):
        slot_start[k + 1] = slot_start[k] + min(cap[k], degree[k])
    slot_edge = np.full(slot_start[m], -1, dtype=np.int64)
    slot_of = np.full(len(col), -1, dtype=np.int64)
    load = np.zeros(m, dtype=np.int64)
    sent = np.zeros(len(supply), dtype=np.int64)
    for e in range(len(col)):
        if flow[e]:
            k = col[e]
            slot_of[e] = slot_start[k] + load[k]
            slot_edge[slot_of[e]] = e
            load[k] += 1
            sent[row[e]] += 1
    return (slot_start, slot_edge, slot_of), load, sent


@njit(cache=True, nogil=True)
def _new_search(n: int, m: int, edges: int) -> tuple:
    def side(size: int) -> tuple:
        return (
            np.full(size, INF, dtype=np.int64),
            np.zeros(size, dtype=np.bool_),
            np.full(size, SOURCE, dtype=np.int64),
            np.empty(size, dtype=np.int64),
        )

    heap = np.empty(2 * edges + 2 * m + 2 * n + 4, dtype=np.int64)
    return side(m), side(n), np.zeros(2, np.int64), np.full(2, INF, np.int64), heap


@njit(cache=True, nogil=True)
def _move_potentials(state: tuple, search: tuple, length: int, sink_d: int, pt: int) -> int:
    """After a path of `length`: every settled node's potential moves by (its distance -
    length) <= 0, which keeps every reduced cost >= 0 and makes the path's arcs tight;
    the search's marks are cleared. Returns the sink's new potential."""
    pl, pr = state[2], state[3]
    count, sink = search[2], search[3]
    for side, potential, which in ((search[0], pr, 0), (search[1], pl, 1)):
        dist, done, pred, touched = side
        for at in range(count[which]):
            node = touched[at]
            if done[node] and dist[node] < length:
                potential[node] += dist[node] - length
            dist[node], done[node], pred[node] = INF, False, SOURCE
        count[which] = 0
    if sink_d < length:
        pt += sink_d - length
    sink[0], sink[1] = INF, INF
    return pt


@njit(cache=True, nogil=True)
def route(
    net: tuple,
    order: np.ndarray,
    flow: np.ndarray,
    bypass: np.ndarray,
    pl: np.ndarray,
    pr: np.ndarray,
    f: np.ndarray,
    pt: int,
) -> int:
    """Route every unit of supply not yet placed, left node by left node in `order`, each
    along a shortest augmenting path.

    net = (ptr, col, row, pts, supply, cap): the pairs as CSR by left node (col: right
    node, row: left node, pts: points, no pair to a node of capacity 0), each left node's
    supply of units and each right node's capacity. State, updated in place: flow per
    pair (0/1), bypass (units a left node sends straight to the sink), potentials pl, pr,
    f (units a right node sends the sink: more than its pairs where a warm start left it
    short). pt, the sink's potential, is returned. Reduced costs must be >= 0 on every
    residual arc, but those out of a left node with nothing placed yet.
    """
    ptr, col, pts, supply = net[0], net[1], net[3], net[4]
    slots, load, sent = _slots(net, flow)
    state = (flow, bypass, pl, pr, f, load, sent)
    # Units the sink still waits for: those to place, less those owed to a short node.
    sink_deficit = (supply - sent - bypass).sum() - (f - load).sum()
    search = _new_search(len(supply), len(f), len(col))
    for t in range(len(order)):
        s = order[t]
        if sent[s] + bypass[s] == 0 and supply[s] > 0:
            # Nothing of s placed, so nothing leads to it: the least potential keeping
            # its own arcs' reduced costs >= 0.
            top = pt
            for e in range(ptr[s], ptr[s + 1]):
                top = max(top, pts[e] + pr[col[e]])
            pl[s] = top
        while sent[s] + bypass[s] < supply[s]:
            end, length, sink_d = _shortest_path(s, net, slots, state, pt, sink_deficit > 0, search)
            if end < 0:
                raise RuntimeError("no augmenting path: the flow's state is inconsistent")
            _augment(end, net, slots, state, search)
            pt = _move_potentials(state, search, length, sink_d, pt)
            if end == len(f):
                sink_deficit -= 1
    return pt


@njit(cache=True, nogil=True)
def _members(assigned: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Each mentor's mentees, as CSR (offsets, mentee rows)."""
    first = np.zeros(m + 1, dtype=np.int64)
    for i in range(len(assigned)):
        if assigned[i] >= 0:
            first[assigned[i] + 1] += 1
    for j in range(m):
        first[j + 1] += first[j]
    fill = first[:m].copy()
    members = np.empty(first[m], dtype=np.int64)
    for i in range(len(assigned)):
        if assigned[i] >= 0:
            members[fill[assigned[i]]] = i
            fill[assigned[i]] += 1
    return first, members


@njit(cache=True, nogil=True)
def sink_distances(pairs: tuple, assigned: np.ndarray, u: np.ndarray,
                   v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """certify.py's distances from the sink, by Dijkstra on the reduced costs of optimal
    duals (u, v) instead of Bellman-Ford: the same unique distances, in one pass.

    pairs = (ptr, col, pts): CSR by mentee. From the sink: to each mentor with mentees
    (cost 0) and each unmatched mentee (0); a mentor to its mentees (+points), a mentee to
    the mentors of its unused pairs (-points). With the duals as potentials every reduced
    cost is >= 0 (certify.py checks that first); a distance is its reduced distance plus
    the difference of potentials.
    """
    n, m = len(assigned), len(v)
    first, members = _members(assigned, m)
    dist_i = np.full(n, INF, dtype=np.int64)  # reduced distances
    dist_j = np.full(m, INF, dtype=np.int64)
    done = np.zeros(m, dtype=np.bool_)
    heap = np.empty(len(pairs[1]) + m + 1, dtype=np.int64)
    search = (dist_i, dist_j, done, heap)
    size = 0
    for j in range(m):
        if first[j + 1] > first[j]:
            dist_j[j] = v[j]
            size = _push(heap, size, v[j] * (m + 1) + j)
    for i in range(n):
        if assigned[i] < 0:  # reduced cost -u_i: 0, the unmatched have no surplus
            size = _reach_mentee(i, u[i], pairs, assigned, u, v, search, size)
    while size > 0:
        key, size = _pop(heap, size)
        j, d = key % (m + 1), key // (m + 1)
        if not done[j] and d == dist_j[j]:
            done[j] = True
            for at in range(first[j], first[j + 1]):  # the pairs are tight: cost 0
                size = _reach_mentee(members[at], d, pairs, assigned, u, v, search, size)
    for i in range(n):
        dist_i[i] = dist_i[i] + u[i] if dist_i[i] < INF else INF
    for j in range(m):
        dist_j[j] = dist_j[j] - v[j] if dist_j[j] < INF else INF
    return dist_i, dist_j


@njit(cache=True, nogil=True)
def _reach_mentee(i: int, d: int, pairs: tuple, assigned: np.ndarray, u: np.ndarray,
                  v: np.ndarray, search: tuple, size: int) -> int:  # fmt: skip
    """Mentee i at reduced distance d: on to the mentors of its unused pairs."""
    ptr, col, pts = pairs
    dist_i, dist_j, done, heap = search
    dist_i[i] = d
    base = len(dist_j) + 1
    for e in range(ptr[i], ptr[i + 1]):
        k = col[e]
        if k != assigned[i] and not done[k]:
            nd = d + u[i] + v[k] - pts[e]
            if nd < dist_j[k]:
                dist_j[k] = nd
                size = _push(heap, size, nd * base + k)
    return size
