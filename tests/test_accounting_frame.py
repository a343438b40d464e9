"""Explicit accounting (issue 12): builders return a DesignFrame whose ``.accounting`` and
``.reports`` survive what users do next with the frame, and never go stale.

Counts are checked by hand against the real SPID panel (582,377 rows).
"""

from __future__ import annotations

import ast
import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats.design.frame import DesignFrame

N = 582_377
USER = "removed after building by your own operations"


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        return fn(*args, **kw)


@pytest.fixture(scope="module")
def spid(shared_data):
    return _quiet(ds.datasets.load_spid, unit="postal")


@pytest.fixture(scope="module")
def panel(spid):
    ad, meta = spid
    return _quiet(ds.event_history, ad, windows=meta)


def _changes(acc):
    return [tuple(e)[:3] for e in acc.after_build["changes"]]


# ------------------------------------------------------------------ the frame and its accounting
def test_builder_returns_design_frame(panel):
    assert isinstance(panel, DesignFrame) and isinstance(panel, pd.DataFrame)
    acc = panel.accounting
    assert acc is ds.accounting(panel)
    assert acc.n_rows == len(panel) == N and acc.after_build is None and acc.current_rows == N
    assert panel.attrs == {}
    assert "after building" not in str(acc)


@pytest.mark.parametrize("op", ["copy", "sort", "assign", "columns", "reset_index", "set_index", "astype"])
def test_operations_that_keep_the_rows_keep_the_accounting(panel, op):
    out = {"copy": lambda p: p.copy(),
           "sort": lambda p: p.sort_values(["year", "unit"]),
           "assign": lambda p: p.assign(z=1.0),
           "columns": lambda p: p[["policy", "unit", "year", "event"]],
           "reset_index": lambda p: p.sort_values("year").reset_index(drop=True),
           "set_index": lambda p: p.set_index(["policy", "unit", "year"]),
           "astype": lambda p: p.astype({"event": "float64"})}[op](panel)
    assert isinstance(out, DesignFrame)
    assert out.accounting is panel.accounting  # unchanged rows: the build's own accounting


def test_query_states_the_rows_removed(panel):
    kept = int((panel["year"] > 2001).sum())
    q = panel.query("year > 2001")
    acc = q.accounting
    assert acc.n_rows == N and acc.builder == "event_history"  # still describes the build
    assert acc.current_rows == len(q) == kept
    assert _changes(acc) == [(N - kept, USER, "rows")]
    assert f"after building: built {N:,} rows; this frame has {kept:,}: {N - kept:,} rows {USER}" in str(acc)
    assert panel.accounting.after_build is None  # the panel itself is untouched
    assert ds.accounting(q).after_build == acc.after_build


@pytest.fixture(scope="module")
def with_x(panel):
    return panel.assign(x=np.where(panel["year"] % 7 == 0, np.nan, 1.0))


@pytest.mark.parametrize("op", ["mask", "head", "drop", "dropna", "reset_after_mask", "sample"])
def test_row_removals_by_hand(with_x, op):
    p = with_x
    out, removed = {
        "mask": lambda: (p[p["event"] == 1], N - int(p["event"].sum())),
        "head": lambda: (p.head(1000), N - 1000),
        "drop": lambda: (p.drop(index=p.index[:25]), 25),
        "dropna": lambda: (p.dropna(subset=["x"]), int((p["year"] % 7 == 0).sum())),
        "reset_after_mask": lambda: (p[p["year"] < 1990].reset_index(drop=True), int((p["year"] >= 1990).sum())),
        "sample": lambda: (p.sample(n=5000, random_state=1), N - 5000),
    }[op]()
    assert _changes(out.accounting) == [(removed, USER, "rows")]
    assert out.accounting.current_rows == N - removed == len(out)


def test_rows_added_by_the_user(panel):
    both = pd.concat([panel, panel.head(10)])  # ten index labels now repeated
    assert _changes(both.accounting) == [(10, "added after building by your own operations (repeated or new "
                                              "index labels)", "rows")]
    halves = pd.concat([panel[panel["year"] < 2000], panel[panel["year"] >= 2000]])
    assert halves.accounting is panel.accounting  # the two pieces put back together
    mixed = pd.concat([panel.head(100), panel.tail(50)], ignore_index=True)  # labels 0..149: 150 rows
    assert _changes(mixed.accounting) == [(N - 150, USER, "rows")]


def test_concat_with_another_frame_records_the_rows_added(panel):
    extra = pd.DataFrame({"policy": ["x"] * 7, "unit": "AK", "year": 2020})
    out = pd.concat([panel.query("year > 2001"), extra], ignore_index=True)
    kept = int((panel["year"] > 2001).sum())
    assert _changes(out.accounting) == [
        (N - kept, USER, "rows"),
        (7, f"added by pd.concat with 1 other frame(s) after building ({kept:,} rows in, {kept + 7:,} out)", "rows")]
    assert out.accounting.current_rows == kept + 7
    # later operations are compared with the concatenated frame
    assert _changes(out.head(kept).accounting)[-1] == (7, USER, "rows")


def test_columns_side_by_side_keep_the_rows(panel):
    out = pd.concat([panel, pd.DataFrame({"z": np.ones(N)})], axis=1)
    assert isinstance(out, DesignFrame) and out.accounting is panel.accounting


# ------------------------------------------------------------------ merges
def _cov(panel, years):
    uy = panel[["unit", "year"]].drop_duplicates()
    uy = pd.DataFrame(uy[uy["year"].isin(years)].to_numpy(), columns=["unit", "year"]).astype({"year": "int64"})
    return uy.assign(gdp=np.arange(len(uy), dtype=float))


def test_merge_left_keeps_the_accounting(panel):
    cov = _cov(panel, range(1990, 2000))
    out = panel.merge(cov, on=["unit", "year"], how="left")
    assert isinstance(out, DesignFrame) and len(out) == N
    assert out.accounting.n_rows == N and out.accounting.after_build is None  # no row changed
    assert out["gdp"].notna().sum() == int(panel["year"].between(1990, 1999).sum())


def test_merge_inner_records_the_rows_removed(panel):
    cov = _cov(panel, range(1990, 2000))
    n_in = int(panel["year"].between(1990, 1999).sum())
    for out in (panel.merge(cov, on=["unit", "year"]), pd.merge(panel, cov, on=["unit", "year"]),
                panel.join(cov.set_index(["unit", "year"]), on=["unit", "year"], how="inner")):
        assert isinstance(out, DesignFrame) and len(out) == n_in
        what = "merge(how='inner', on=['unit', 'year'])" if "on=" in _changes(out.accounting)[0][1] \
            else "merge(how='inner')"
        assert _changes(out.accounting) == [(N - n_in, f"removed by {what} after building ({N:,} rows in, "
                                                       f"{n_in:,} out)", "rows")]


def test_merge_with_duplicate_keys_records_the_rows_added(panel):
    cov = _cov(panel, [2000])
    one = panel["unit"].iloc[0]
    dup = pd.concat([cov, cov[cov["unit"] == one]], ignore_index=True)  # one unit's 2000 twice
    added = int(((panel["unit"] == one) & (panel["year"] == 2000)).sum())
    assert added > 100
    out = panel.merge(dup, on=["unit", "year"], how="left")
    assert len(out) == N + added
    assert _changes(out.accounting) == [(added, f"added by merge(how='left', on=['unit', 'year']) after building "
                                                f"({N:,} rows in, {N + added:,} out)", "rows")]


def test_query_then_merge_records_both(panel):
    q = panel.query("year >= 1990")
    kept = len(q)
    cov = _cov(panel, range(1990, 2000))
    n_out = int(panel["year"].between(1990, 1999).sum())
    out = q.merge(cov, on=["unit", "year"])
    assert _changes(out.accounting) == [
        (N - kept, USER, "rows"),
        (kept - n_out, f"removed by merge(how='inner', on=['unit', 'year']) after building ({kept:,} rows in, "
                       f"{n_out:,} out)", "rows")]
    assert out.accounting.current_rows == n_out


def test_plain_frames_say_why_there_is_no_accounting(panel):
    cov = _cov(panel, [2000])
    for plain in (pd.DataFrame(panel.head()), panel.head().to_pandas(), cov.merge(panel.head(), on=["unit", "year"])):
        assert type(plain) is pd.DataFrame
        with pytest.raises(ds.InputError, match=r"DataFrame carries no accounting.*cov\.merge\(panel\)"):
            ds.accounting(plain)


def test_summaries_carry_no_accounting(panel):
    for summary in (panel.groupby("policy")[["event"]].sum(), panel.head(3).T,
                    panel.pivot_table(index="unit", columns="year", values="event", aggfunc="sum")):
        assert summary.accounting is None
        with pytest.raises(ds.InputError, match="a summary of the rows"):
            ds.accounting(summary)
    # group-wise operations that keep rows keep the accounting
    assert panel.assign(m=panel.groupby("unit")["event"].transform("mean")).accounting is panel.accounting
    first = panel.groupby("policy").head(1)
    assert _changes(first.accounting) == [(N - panel["policy"].nunique(), USER, "rows")]


def test_html_report_shows_the_rows_changed_after_building(panel):
    from diffusion_stats.output.report import Report

    rep = Report("t")
    rep.accounting(panel.accounting)
    rep.accounting(panel.head(100).accounting)
    html = rep.to_html()
    assert html.count("<h3>event_history</h3>") == 2
    assert html.count("After building:") == 1
    assert f"After building: built {N:,} rows; this frame has 100: {N - 100:,} rows {USER}" in html


# ------------------------------------------------------------------ persistence
def test_pickle_keeps_the_accounting_and_the_reports(panel, spid):
    ad = spid.adoptions
    W = ds.Weights.us_borders()
    pol = panel["policy"].iloc[0]  # noqa: F841 (used in the query)
    small = _quiet(ds.exposure, panel.query("policy == @pol"), ad, W, name="border")
    back = pickle.loads(pickle.dumps(small))
    assert isinstance(back, DesignFrame)
    assert back.accounting == small.accounting and back.accounting.after_build is None
    assert back.reports.exposure["border"] == small.reports.exposure["border"]
    q = pickle.loads(pickle.dumps(panel.head(3)))
    assert _changes(q.accounting) == [(N - 3, USER, "rows")]


def test_parquet_keeps_the_accounting_as_it_stands(tmp_path, panel):
    pytest.importorskip("pyarrow")
    q = panel.query("year > 2001")
    q.to_parquet(tmp_path / "q.parquet")
    back = pd.read_parquet(tmp_path / "q.parquet")
    acc = ds.accounting(back)
    assert acc.n_rows == N and acc.current_rows == len(q) and _changes(acc) == _changes(q.accounting)
    json.dumps(back.attrs)
    # the read-back frame is plain: pandas keeps its attrs when rows go, the accounting says so
    acc2 = ds.accounting(back.head(10))
    assert acc2.current_rows == 10
    assert _changes(acc2)[-1] == (len(q) - 10, "removed after the file was read (pandas kept the file's metadata "
                                               "but not the rows)", "rows")


# ------------------------------------------------------------------ builders extending a frame
def test_exposure_on_a_filtered_panel_records_the_user_rows(panel, spid):
    q = panel.query("year >= 2000")
    out = _quiet(ds.exposure, q, spid.adoptions, ds.Weights.us_borders(), name="border")
    acc = out.accounting
    assert acc.n_rows == len(q) == len(out) and acc.after_build is None
    assert (N - len(q), USER, "rows") in [tuple(e)[:3] for e in acc.exclusions]
    assert acc.counts["border: isolate rows (exposure 0)"] == int(q["unit"].isin(["AK", "HI"]).sum())
    # the adoptions' unit list (reports.units) survives the user's subset
    sub = spid.adoptions[spid.adoptions["policy"] == panel["policy"].iloc[0]]
    assert sub.reports.units == spid.adoptions.reports.units and len(sub.reports.units) == 50


# ------------------------------------------------------------------ attrs hold JSON-safe metadata only
def test_every_builder_output_has_json_safe_attrs(shared_data):
    demo = ds.datasets.load_demo()
    ad, W = demo.adoptions, ds.Weights.us_borders("queen")
    status = pd.DataFrame({"unit": ["x", "x", "y", "y", "x", "y"], "policy": "law",
                           "year": [2001, 2002, 2001, 2002, 2003, 2003], "value": [1, 0, 0, 0, 1, 1]})
    line = ds.Weights.from_edges(pd.DataFrame({"source": ["x"], "target": ["y"]}), symmetric=True)
    sim_units = list(W.labels)

    def build():
        panel = ds.event_history(ad, covariates=demo.covariates)
        spells = ds.policy_spells(status)
        rep = ds.event_history(spells, repeated="ag")
        sim = ds.simulate_diffusion(sim_units, [ds.Channel("border", W)], effects={"border": 1.0}, n_policies=2,
                                    start=1990, end=1995, seed=1, return_exposures=True)
        yield "read_adoptions", ds.read_adoptions(ad)
        yield "event_history", panel
        yield "exposure", ds.exposure(panel, ad, W, name="border")
        yield "add_channels", ds.add_channels(panel, ad, ds.Channel("border", W))
        yield "dyads", ds.dyads(ad, sources="prior_adopters")
        yield "case_control_sample", ds.case_control_sample(panel, controls_per_event=2, seed=1)
        yield "policy_spells", spells
        yield "repeated event_history", rep
        yield "status_channels", ds.status_channels(rep, spells, ds.Channel("nb", line))
        yield "simulate_diffusion", sim
        yield "netinf", ds.mechanisms.netinf(ad[ad["policy"].isin(ad["policy"].unique()[:3])], n_edges=3)
        C = ds.countries
        yield "read_cow_states", C.read_cow_states()
        yield "read_cow_contiguity", C.read_cow_contiguity(max_type=1, years=(2000, 2001), as_frame=True)
        yield "read_cow_capabilities", C.read_cow_capabilities(years=(2000, 2001))
        yield "read_un_treaty", C.read_un_treaty("4-12")
        yield "read_fctc", C.read_fctc()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, df in build():
            assert isinstance(df, DesignFrame), name
            json.dumps(df.attrs)  # nothing but JSON-safe metadata (in fact empty)
            json.dumps(df.accounting)
            json.dumps(df.reports.to_json())
            assert df.accounting.n_rows == len(df), name


# package modules may write attrs only at these sites, each with JSON-safe values (checked by eye: a
# str, a tuple of str, a tuple of tuples of float, an int); a new site must be added here deliberately
_ALLOWED_ATTRS_WRITES = {
    ("design/frame.py", "attrs"),          # to_parquet: Reports.to_json() + the Accounting (JSON dicts)
    ("mechanisms/resistance.py", "channel"), ("mechanisms/resistance.py", "terms"),
    ("mechanisms/resistance.py", "L"),
    ("postestimation/effects.py", "scale"), ("postestimation/effects.py", "se"),
    ("spatial/lag.py", "n_sim"),
}


def test_no_module_writes_objects_into_attrs():
    root = Path(ds.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        text = path.read_text()
        if "attrs" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for t in targets:
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute) and t.value.attr == "attrs":
                    key = t.slice.value if isinstance(t.slice, ast.Constant) else "?"
                    found.add((rel, key))
                elif isinstance(t, ast.Attribute) and t.attr == "attrs":
                    empty = isinstance(node.value, ast.Dict) and not node.value.keys
                    if not empty:
                        found.add((rel, "attrs"))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("update", "setdefault") and isinstance(node.func.value, ast.Attribute) and \
                    node.func.value.attr == "attrs":
                found.add((rel, node.func.attr))
    assert found == _ALLOWED_ATTRS_WRITES
