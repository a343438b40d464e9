"""Compare two dumps of ``tests/tools/dump_results.py``: per test, bitwise equal or max |diff|.

    python tests/tools/compare_results.py /tmp/before.npz /tmp/after.npz [--all]

Matches results by (test node id, call counter). Prints one line per result that differs
(max absolute and relative difference per array), results present in one dump only, and a
summary; ``--all`` prints equal results too. Exit status 1 when a result differs or is
missing after (results of new tests, only after, are listed but do not fail).
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def load(path: str) -> tuple[dict, dict]:
    z = np.load(path)
    records = json.loads(str(z["__index__"]))
    out = {}
    for i, r in enumerate(records):
        if r.get("call", -1) < 0:
            continue
        out[(r["node"], r["call"])] = {"cls": r["cls"], "labels": r["labels"],
                                       **{a: z[f"r{i}_{a}"] for a in r["arrays"]}}
    return out, {"errors": [r for r in records if r.get("call", -1) < 0]}


def diff(a: np.ndarray, b: np.ndarray) -> tuple[bool, float, float]:
    if a.shape != b.shape:
        return False, np.inf, np.inf
    same = a.tobytes() == b.tobytes()
    if same:
        return True, 0.0, 0.0
    both_nan = np.isnan(a) & np.isnan(b)
    d = np.where(both_nan, 0.0, np.abs(a - b))
    scale = np.maximum(np.abs(a), np.abs(b))
    rel = np.where(d == 0, 0.0, d / np.where(scale == 0, 1.0, scale))
    return False, float(np.nanmax(d, initial=0.0)), float(np.nanmax(rel, initial=0.0))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--all", action="store_true", help="also list results that are bitwise equal")
    a = p.parse_args(argv)
    before, eb = load(a.before)
    after, ea = load(a.after)
    n_equal = n_diff = 0
    for key in sorted(set(before) & set(after)):
        x, y = before[key], after[key]
        lines = []
        if x["labels"] != y["labels"]:
            lines.append(f"labels differ: {x['labels']} vs {y['labels']}")
        for arr in sorted(set(x) | set(y)):
            if arr in ("cls", "labels"):
                continue
            if arr not in x or arr not in y:
                lines.append(f"{arr}: only in {'before' if arr in x else 'after'}")
                continue
            same, dabs, drel = diff(x[arr], y[arr])
            if not same:
                lines.append(f"{arr}: max|diff| {dabs:.3g}, max rel {drel:.3g}")
        tag = f"{key[0]} [#{key[1]} {x['cls']}]"
        if lines:
            n_diff += 1
            print(f"DIFF  {tag}: " + "; ".join(lines))
        else:
            n_equal += 1
            if a.all:
                print(f"EQUAL {tag}")
    only_b = sorted(set(before) - set(after))
    only_a = sorted(set(after) - set(before))
    for label, keys in (("ONLY BEFORE", only_b), ("ONLY AFTER ", only_a)):
        per_test: dict[str, int] = {}
        for node, _ in keys:
            per_test[node] = per_test.get(node, 0) + 1
        for node, count in per_test.items():
            print(f"{label} {node}: {count} result(s)")
    for e in eb["errors"] + ea["errors"]:
        print(f"RECORDER ERROR {e}")
    tests = {k[0] for k in set(before) | set(after)}
    print(f"\n{len(before)} results before, {len(after)} after, in {len(tests)} tests: "
          f"{n_equal} bitwise equal, {n_diff} differ, {len(only_b)} only before, {len(only_a)} only after "
          "(results of tests added or removed between the runs)")
    return int(bool(n_diff or only_b))


if __name__ == "__main__":
    sys.exit(main())
