"""Numerics of netinf (Gomez-Rodriguez, Leskovec & Krause 2010), as in NetworkInference 1.2.5.

Everything works on integer-coded cascades sorted by (cascade, time, node):
``node`` (0..n_nodes-1), ``cascade`` (0..n_cascades-1) and ``time`` (float), one
element per (node, cascade) event.

The algorithm (the R package's C++, reproduced operation by operation where rounding
decides ties):

- every node with an earlier event in a cascade starts with its best "background" parent
  score ``log(1e-10 f(t_child - t_parent))`` over the strictly earlier nodes; nodes
  without an earlier node (the first adopters, tied first adopters included) have none;
- a candidate edge ``parent -> child`` exists when the parent's event is strictly earlier
  in at least one cascade (same-time events never infect each other); its improvement is
  ``sum_k max(0, log(0.5 f(dt_k)) - score_k(child))`` over those cascades, summed in
  cascade order;
- greedily, the edge with the largest improvement is added (among equal improvements the
  last in (child, parent) order, as the C++ scan with ``>=`` does), the child's scores
  rise to the edge's score where it is higher, and only the improvements of edges into
  that child are recomputed (the others cannot change);
- each addition gets the one-sided Vuong test of the per-cascade tree log-likelihoods
  after against before (penalty ``1/n_cascades`` computed in single precision, the normal
  CDF by Abramowitz & Stegun 7.1.26, as in the C++).
"""

from __future__ import annotations

from collections.abc import Callable
from math import lgamma, log

import numpy as np

__all__ = ["Cascades", "default_params", "greedy", "pair_index"]

BACKGROUND = 1e-10  # the C++ ``log(0.0000000001 * y)`` for a node's non-network parent
EDGE = 0.5          # the C++ ``log(0.5 * y)`` for a network edge


class Cascades:
    """Integer-coded events sorted by (cascade, time, node), with per-cascade offsets."""

    def __init__(self, node: np.ndarray, cascade: np.ndarray, time: np.ndarray, n_nodes: int, n_cascades: int):
        order = np.lexsort((node, time, cascade))
        self.node = np.asarray(node, dtype=np.int64)[order]
        self.cascade = np.asarray(cascade, dtype=np.int64)[order]
        self.time = np.asarray(time, dtype=np.float64)[order]
        self.n_nodes = int(n_nodes)
        self.n_cascades = int(n_cascades)
        counts = np.bincount(self.cascade, minlength=self.n_cascades)
        self.start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.size = counts.astype(np.int64)
        self.pos = np.arange(len(self.node), dtype=np.int64) - self.start[self.cascade]

    def __len__(self) -> int:
        return len(self.node)


def _density(model: str, params: tuple[float, ...]) -> Callable[[np.ndarray], np.ndarray]:
    """The C++ ``dexp_``, ``drayleigh_`` and ``dlognormal_`` (same operations)."""
    if model == "exponential":
        lam = params[0]
        return lambda x: lam * np.exp(-1 * lam * x)
    if model == "rayleigh":
        a2 = params[0] ** 2
        return lambda x: (x / a2) * np.exp(-(x ** 2) / (2 * a2))
    mu, sigma = params
    c = sigma * np.sqrt(2 * np.pi)
    return lambda x: 1 / (x * c) * np.exp(-((np.log(x) - mu) ** 2) / (2 * sigma ** 2))


def _mean_r(x: np.ndarray) -> float:
    """R's ``mean`` (and Rcpp's): long-double sum, then one correction pass."""
    xl = x.astype(np.longdouble)
    n = len(x)
    s = np.cumsum(xl)[-1] / n
    if np.isfinite(s):
        s = s + np.cumsum(xl - s)[-1] / n
    return float(s)


def _seq_sum(x: np.ndarray) -> float:
    """Left-to-right double sum (the C++ loops; ``np.sum`` sums pairwise)."""
    return float(np.cumsum(x)[-1]) if len(x) else 0.0


def default_params(c: Cascades, model: str) -> tuple[float, ...]:
    """NetworkInference's starting values from the cascades (R ``netinf``, ``params = NULL``).

    ``max_times`` are the times since each cascade's first event, ``min_times`` the gaps
    to the previous event (each cascade's first event left out).

    - exponential: the mean of ``1 / mean(max_times)`` and ``1 / mean(min_times)``;
    - rayleigh: the R formula ``sqrt(sum(x^2) / 2 * N)`` times
      ``exp(lgamma(N) + log(sqrt(N))) / exp(lgamma(N + 1/2))``, averaged over the two
      sets; the gamma ratio is computed in logs here because R's ``exp(lgamma(N))``
      overflows (and R stops with "params may not contain missing values") once
      ``N > 171`` events follow a first one;
    - log-normal: mean and standard deviation of ``log(max_times)`` over the non-zero
      times (R's ``mean(mean_max, mean_min)`` passes the second value as ``trim``, so
      only ``max_times`` count).
    """
    later = c.pos > 0
    first_time = c.time[c.start[c.cascade]]
    max_t = (c.time - first_time)[later]
    prev = np.concatenate([[np.nan], c.time[:-1]])
    min_t = (c.time - prev)[later]
    if model == "exponential":
        lam_min, lam_max = 1 / _mean_r(max_t), 1 / _mean_r(min_t)
        return (_mean_r(np.array([lam_max, lam_min])),)
    if model == "rayleigh":
        n = len(max_t)
        sh_max = np.sqrt(_seq_sum(max_t ** 2) / 2 * n)
        sh_min = np.sqrt(_seq_sum(min_t ** 2) / 2 * n)
        adj = np.exp(lgamma(n) + log(np.sqrt(n)) - lgamma(n + 1 / 2))
        return (_mean_r(np.array([sh_max * adj, sh_min * adj])),)
    lx = np.log(max_t[max_t != 0])
    m = _mean_r(lx)
    sd = float(np.sqrt(_seq_sum((lx - m) ** 2) / (len(lx) - 1)))
    return (m, sd)


def pair_index(c: Cascades) -> dict[str, np.ndarray]:
    """All (parent, child) event pairs with the parent strictly earlier, in the C++ order.

    Returns arrays over pairs sorted by (child node, parent node, cascade): ``child_el``
    (the child's event index), ``dt``, ``edge`` (candidate edge id, edges in (child,
    parent) order), plus per edge ``edge_child``, ``edge_parent``, ``edge_ptr`` (pair
    offsets) and per node ``child_ptr`` (edge offsets of the edges into that node), and
    per event ``n_earlier`` and the unsorted pairs ``raw_child``/``raw_dt`` grouped by
    child event.
    """
    n = len(c)
    idx = np.arange(n)
    # first event of each time block within its cascade: earlier events are before it
    new_block = np.ones(n, dtype=bool)
    new_block[1:] = (c.cascade[1:] != c.cascade[:-1]) | (c.time[1:] != c.time[:-1])
    block_first = np.maximum.accumulate(np.where(new_block, idx, 0))
    n_earlier = block_first - c.start[c.cascade]
    total = int(n_earlier.sum())
    raw_child = np.repeat(idx, n_earlier)
    offs = np.arange(total) - np.repeat(np.cumsum(n_earlier) - n_earlier, n_earlier)
    raw_parent = c.start[c.cascade[raw_child]] + offs
    raw_dt = c.time[raw_child] - c.time[raw_parent]
    key = c.node[raw_child] * c.n_nodes + c.node[raw_parent]
    order = np.argsort(key * max(c.n_cascades, 1) + c.cascade[raw_child])  # (edge, cascade) pairs are unique
    skey = key[order]
    ukeys, first = np.unique(skey, return_index=True)
    edge = np.repeat(np.arange(len(ukeys)), np.diff(np.append(first, total)))
    edge_child = ukeys // c.n_nodes
    child_ptr = np.searchsorted(edge_child, np.arange(c.n_nodes + 1))
    return {
        "child_el": raw_child[order], "dt": raw_dt[order], "edge": edge,
        "edge_child": edge_child, "edge_parent": ukeys % c.n_nodes,
        "edge_ptr": np.append(first, total).astype(np.int64), "child_ptr": child_ptr.astype(np.int64),
        "n_earlier": n_earlier, "raw_child": raw_child, "raw_dt": raw_dt,
    }


def _normal_cdf(x: float) -> float:
    """The C++ ``normal_cdf`` (Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7)."""
    a1, a2, a3, a4, a5, p = 0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429, 0.3275911
    sign = -1 if x < 0 else 1
    x = abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + p * x)
    y = 1.0 - (((((a5 * t + a4) * t) + a3) * t + a2) * t + a1) * t * np.exp(-x * x)
    return 0.5 * (1.0 + sign * y)


def vuong_p(old: np.ndarray, new: np.ndarray) -> float:
    """The C++ ``vuong_test``: one-sided p-value of ``new`` (k + 1 edges) against ``old``.

    As in the C++, ``new`` is penalised in place (``x2 = x2 - 1 / float(n)`` writes into
    the caller's tree scores, an Rcpp shallow copy): the penalties of earlier tests stay
    on the trees that the new edge does not change.
    """
    n = len(new)
    pen = float(np.float32(1) / np.float32(n))   # ``1 / float(n)``: single precision
    new -= pen
    liks = new - old
    m = _mean_r(liks)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.float64(_seq_sum((liks - m) ** 2)) / (n - 1)   # one cascade: NaN, as in R
        stat = np.float64(_seq_sum(liks)) / (np.sqrt(var) * np.sqrt(float(n)))
    if np.isnan(stat):
        return float("nan")
    return float(1 - _normal_cdf(float(stat)))


def greedy(c: Cascades, pairs: dict[str, np.ndarray], model: str, params: tuple[float, ...], *,
           n_edges: int, cutoff: float | None, tick: Callable[[], None] | None = None) -> dict[str, np.ndarray]:
    """Greedy edge addition; ``n_edges`` edges, or until a p-value ``>= cutoff`` (kept).

    Returns ``parent``, ``child`` (node codes), ``improvement``, ``p_value`` in order of
    addition.
    """
    f = _density(model, params)
    with np.errstate(divide="ignore", under="ignore", over="ignore"):
        bg_pair = np.log(BACKGROUND * f(pairs["raw_dt"]))
        new = np.log(EDGE * f(pairs["dt"]))
    n_earlier = pairs["n_earlier"]
    has = n_earlier > 0
    score = np.full(len(c), np.nan)
    if has.any():
        starts = (np.cumsum(n_earlier) - n_earlier)[has]
        score[has] = np.maximum.reduceat(bg_pair, starts)
        bad = has & ~(score > -np.inf)
        if bad.any():
            from ..core.errors import SpecificationError

            raise SpecificationError(
                f"params={params}: the {model} density is 0 for every possible parent of {int(bad.sum())} adoption(s) "
                f"(observed time with zero likelihood); pass other params= or params=None")
    # per-cascade score table (0 for "no parent" and padding) for left-to-right tree sums
    lmax = int(c.size.max()) if c.n_cascades else 0
    table = np.zeros((c.n_cascades, max(lmax, 1)))
    table[c.cascade[has], c.pos[has]] = score[has]
    tree = np.cumsum(table, axis=1)[:, -1] if c.n_cascades else np.zeros(0)

    child_el, edge, edge_ptr, child_ptr = pairs["child_el"], pairs["edge"], pairs["edge_ptr"], pairs["child_ptr"]
    n_possible = len(edge_ptr) - 1

    def gains(lo: int, hi: int) -> np.ndarray:
        d = new[lo:hi] - score[child_el[lo:hi]]
        return np.where(d > 0, d, 0.0)

    imp = np.bincount(edge, weights=gains(0, len(edge)), minlength=n_possible).astype(np.float64)
    alive = np.ones(n_possible, dtype=bool)
    out_parent, out_child, out_imp, out_p = [], [], [], []
    limit = n_possible if cutoff is not None else n_edges
    for _ in range(limit):
        best = n_possible - 1 - int(np.argmax(imp[::-1]))
        out_imp.append(float(imp[best]))
        out_parent.append(int(pairs["edge_parent"][best]))
        ch = int(pairs["edge_child"][best])
        out_child.append(ch)
        lo, hi = edge_ptr[best], edge_ptr[best + 1]
        d = new[lo:hi] - score[child_el[lo:hi]]
        up = child_el[lo:hi][d > 0]
        score[up] = new[lo:hi][d > 0]
        old_tree = tree.copy()
        if len(up):
            ks = c.cascade[up]
            table[ks, c.pos[up]] = score[up]
            tree[ks] = np.cumsum(table[ks], axis=1)[:, -1]
        p = vuong_p(old_tree, tree)
        out_p.append(p)
        # only edges into ``ch`` can change; the chosen edge leaves the candidates
        e0, e1 = child_ptr[ch], child_ptr[ch + 1]
        plo, phi = edge_ptr[e0], edge_ptr[e1]
        imp[e0:e1] = np.bincount(edge[plo:phi] - e0, weights=gains(plo, phi), minlength=e1 - e0)
        alive[best] = False
        imp[e0:e1][~alive[e0:e1]] = -np.inf
        if tick is not None:
            tick()
        if cutoff is not None and p >= cutoff:
            break
    return {"parent": np.array(out_parent, dtype=np.int64), "child": np.array(out_child, dtype=np.int64),
            "improvement": np.array(out_imp, dtype=np.float64), "p_value": np.array(out_p, dtype=np.float64)}
