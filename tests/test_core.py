"""Shared core: error family, variance vocabulary, sandwich meats, formulas, results, summary."""

from __future__ import annotations

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats.core.errors import require_columns
from diffusion_stats.core.formula import design_matrices
from diffusion_stats.inference.covariance import (
    cluster_meat,
    dyadic_meat,
    group_codes,
    multiway_meat,
    resolve_cov_type,
)
from diffusion_stats.inference.results import Results

ROOT = Path(__file__).resolve().parents[1]


# -- error family ---------------------------------------------------------------------
def test_error_family_subclasses_builtins():
    assert issubclass(ds.InputError, ValueError) and issubclass(ds.InputError, ds.DiffusionStatsError)
    assert issubclass(ds.ColumnNotFoundError, KeyError)
    assert issubclass(ds.DataNotAvailableError, FileNotFoundError)
    assert issubclass(ds.ConvergenceError, RuntimeError)


def test_require_columns_did_you_mean():
    df = pd.DataFrame({"state": [1], "year": [2]})
    with pytest.raises(ds.ColumnNotFoundError, match=r"column 'stat' not found .*did you mean 'state'\?"):
        require_columns(df, ["stat"])
    require_columns(df, ["state", None])


# -- variance vocabulary --------------------------------------------------------------
@pytest.mark.parametrize(
    "cov_type, cluster, expected",
    [(None, None, ("classical", ())), (None, "unit", ("cluster", ("unit",))),
     ("robust", None, ("robust", ())), ("cluster", ["a", "b"], ("cluster", ("a", "b")))],
)
def test_resolve_cov_type(cov_type, cluster, expected):
    assert resolve_cov_type(cov_type, cluster) == expected


@pytest.mark.parametrize(
    "cov_type, cluster, msg",
    [("robust", "unit", "contradicts"), ("cluster", None, "needs cluster"), ("hc3", None, "not one of"),
     ("cluster", ["a", "b", "c"], "one or two"), ("dyadic", None, "not available"), ("cluster", ["a", "a"], "same")],
)
def test_resolve_cov_type_contradictions(cov_type, cluster, msg):
    with pytest.raises(ds.SpecificationError, match=msg):
        resolve_cov_type(cov_type, cluster)


def test_resolve_cov_type_checks_cluster_column():
    with pytest.raises(ds.ColumnNotFoundError, match="did you mean 'state'"):
        resolve_cov_type(None, "stat", data=pd.DataFrame({"state": [1]}))


def _brute(scores, shares):
    n = len(scores)
    M = np.zeros((scores.shape[1],) * 2)
    for a in range(n):
        for b in range(n):
            if shares(a, b):
                M += np.outer(scores[a], scores[b])
    return M


def test_meats_equal_brute_force_pairwise_sums():
    rng = np.random.default_rng(1)
    n = 200
    u = rng.integers(0, 7, n)
    p = (u + rng.integers(1, 7, n)) % 7
    g2 = rng.integers(0, 5, n)
    s = rng.normal(size=(n, 3))
    np.testing.assert_allclose(cluster_meat(s, u), _brute(s, lambda a, b: u[a] == u[b]), rtol=1e-12)
    np.testing.assert_allclose(multiway_meat(s, u, g2),
                               _brute(s, lambda a, b: u[a] == u[b] or g2[a] == g2[b]), rtol=1e-12)
    np.testing.assert_allclose(dyadic_meat(s, u, p),
                               _brute(s, lambda a, b: bool({u[a], p[a]} & {u[b], p[b]})), rtol=1e-12)


def test_dyadic_meat_rejects_self_pairs():
    with pytest.raises(ds.SpecificationError, match="unit == partner"):
        dyadic_meat(np.ones((2, 1)), np.array([0, 1]), np.array([0, 0]))


def test_group_codes_labels():
    codes, g = group_codes(["b", "a", "b"])
    assert g == 2 and codes[0] == codes[2] != codes[1]


# -- formulas ---------------------------------------------------------------------------
def test_formula_unknown_term_and_missing():
    df = pd.DataFrame({"event": [0, 1, 0, 1], "share": [0.1, 0.2, np.nan, 0.4]})
    with pytest.raises(ds.ColumnNotFoundError, match="did you mean 'share'"):
        design_matrices("event ~ shar", df)
    with pytest.raises(ds.DataValidationError, match=r"1 of 4 rows .*'share': 1"):
        design_matrices("event ~ share", df)
    with pytest.warns(ds.RowAccountingWarning, match="1 of 4 rows excluded"):
        d = design_matrices("event ~ share", df, missing="drop", intercept=False)
    assert d.names == ["share"] and d.n_dropped == 1 and d.rows.tolist() == [True, True, False, True]
    with pytest.raises(ds.InputError, match="formula must be"):
        design_matrices("event", df)


# -- results and summary -------------------------------------------------------------------
def _toy_results():
    params = pd.Series([0.5, -1.0], index=["x", "z"])
    cov = pd.DataFrame([[0.04, 0.01], [0.01, 0.25]], index=params.index, columns=params.index)
    return Results(params=params, cov=cov, nobs=100, loglik=-42.0, cov_type="cluster",
                   cluster=("state",), n_clusters=(50,), info={"Events": 12})


def test_results_interface():
    r = _toy_results()
    np.testing.assert_allclose(r.std_errors, [0.2, 0.5])
    np.testing.assert_allclose(r.tvalues, [2.5, -2.0])
    np.testing.assert_allclose(r.pvalues, [0.012419330651552318, 0.04550026389635842], rtol=1e-12)
    ci = r.conf_int()
    np.testing.assert_allclose(ci.loc["x"], [0.5 - 1.959963984540054 * 0.2, 0.5 + 1.959963984540054 * 0.2])
    w = r.wald_test(["x"])
    assert w["df"] == 1 and np.isclose(w["statistic"], 6.25)
    with pytest.raises(ds.InputError, match="not in the model"):
        r.wald_test(["nope"])
    with pytest.raises(ds.InputError, match="alpha"):
        r.conf_int(alpha=2)


def test_summary_renders_text_html_latex_markdown():
    s = _toy_results().summary()
    text = str(s)
    assert "Events" in text and "cluster by state (50 clusters)" in text and "x" in text
    assert s._repr_html_().startswith("<div") and "<table" in s._repr_html_()
    tex = s.to_latex()
    assert "\\toprule" in tex and "\\bottomrule" in tex
    assert "| x |" in s.to_markdown()


# -- packaging ---------------------------------------------------------------------------------
def test_pyproject_lists_every_subpackage():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(cfg["tool"]["setuptools"]["packages"])
    found = {"diffusion_stats." + p.parent.name for p in (ROOT / "diffusion_stats").glob("*/__init__.py")}
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages"
    assert {"diffusion_stats", "diffusion_stats.bundled"} <= listed


def test_lazy_names_resolve_to_existing_modules():
    import importlib.util

    for name, mod in ds._LAZY.items():
        if importlib.util.find_spec(mod) is not None:
            assert hasattr(importlib.import_module(mod), name), f"{mod} does not define {name}"
