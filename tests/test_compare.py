"""ds.compare: side-by-side tables, checked against stored expected files.

The expected files in tests/expected/ were written once by ``_write_expected()`` below
(run ``python tests/test_compare.py``), read by eye, and are compared exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats.inference.results import Results

EXPECTED = Path(__file__).parent / "expected"


class FakeCox(Results):
    model_name = "Cox"


class FakeLogit(Results):
    model_name = "Event logit"


def _res(cls, params: dict, ses: dict, *, nobs, loglik=None, cov_type="classical", cluster=(), n_clusters=(),
         info=None):
    p = pd.Series(params, dtype=float)
    cov = pd.DataFrame(np.diag([ses[k] ** 2 for k in p.index]), index=p.index, columns=p.index)
    return cls(params=p, cov=cov, nobs=nobs, loglik=loglik, cov_type=cov_type, cluster=cluster,
               n_clusters=n_clusters, info=info)


def models():
    cox = _res(FakeCox, {"border_share": 0.812, "income": -0.0213, "ideology": 0.0041},
               {"border_share": 0.2301, "income": 0.0105, "ideology": 0.0062},
               nobs=582377, loglik=-61234.5678, cov_type="cluster", cluster=("unit",), n_clusters=(50,),
               info={"Events": 17833, "Strata": 728})
    logit = _res(FakeLogit, {"Intercept": -3.51, "border_share": 0.934, "income": -0.0199, "network_in": 1.4},
                 {"Intercept": 0.41, "border_share": 0.252, "income": 0.0111, "network_in": 0.3333},
                 nobs=582377, loglik=-70001.25, cov_type="cluster", cluster=("unit", "year"), n_clusters=(50, 48),
                 info={"Events": 17833})
    plain = _res(Results, {"Intercept": 0.1, "border_share": -0.00004}, {"Intercept": 0.05, "border_share": 0.5},
                 nobs=901, cov_type="robust")
    return {"Cox": cox, "Logit": logit, "OLS": plain}


CASES = {
    "compare_default": dict(),
    "compare_hr_ci_stars": dict(exponentiate="auto", se="conf_int", stars=True, digits=2),
    "compare_terms": dict(terms={"border_share": "Border share", "network_in": "Learning network"}, stars=True),
}


def _render(name: str) -> dict[str, str]:
    c = ds.compare(models(), **CASES[name])
    return {"txt": c.to_text() + "\n", "tex": c.to_latex(caption="Diffusion models", label="tab:models"),
            "md": c.to_markdown(), "html": c.to_html() + "\n"}


def _write_expected() -> None:
    EXPECTED.mkdir(exist_ok=True)
    for name in CASES:
        for ext, text in _render(name).items():
            (EXPECTED / f"{name}.{ext}").write_text(text)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("ext", ["txt", "tex", "md", "html"])
def test_matches_expected(name, ext):
    got = _render(name)[ext]
    assert got == (EXPECTED / f"{name}.{ext}").read_text()


def test_numbers_and_frame():
    m = models()
    c = ds.compare(m, exponentiate="auto")
    assert c.exponentiated == [True, False, False]
    assert c.estimates.at["border_share", "Cox"] == pytest.approx(np.exp(0.812))
    assert c.std_errors.at["border_share", "Cox"] == pytest.approx(np.exp(0.812) * 0.2301)
    ci = m["Cox"].conf_int()
    assert c.lower.at["income", "Cox"] == pytest.approx(np.exp(ci.at["income", "lower"]))
    # logit untouched
    assert c.estimates.at["border_share", "Logit"] == pytest.approx(0.934)
    assert np.isnan(c.estimates.at["network_in", "Cox"])
    num = c.to_frame(formatted=False)
    assert num[("Logit", "pvalue")]["network_in"] == pytest.approx(m["Logit"].pvalues["network_in"])
    f = c.to_frame()
    assert list(f.columns) == ["Cox", "Logit", "OLS"]
    assert f.loc["N", "Cox"] == "582,377"
    assert f.loc["Events", "Logit"] == "17,833"
    assert f.loc["Clusters", "Logit"] == "50 & 48"
    assert f.loc["Variance", "Logit"] == "cluster (unit & year)"
    assert f.loc["Events", "OLS"] == ""


def test_list_input_and_all_exponentiated():
    m = models()
    c = ds.compare([m["Cox"], m["OLS"]], exponentiate=True)
    assert c.names == ["(1)", "(2)"]
    assert all(c.exponentiated)
    assert "hazard / odds ratios" in c.to_text()


def test_stars_levels():
    m = models()
    c = ds.compare([m["Logit"]], stars={0.1: "+", 0.05: "*"})
    cells = c.to_frame()["(1)"]
    assert cells.iloc[0].endswith("*")  # Intercept, p tiny -> strongest mark
    assert not cells.iloc[0].endswith("+*")
    no = ds.compare([m["Logit"]])
    assert "*" not in no.to_text()


def test_no_uncertainty_rows():
    c = ds.compare([models()["Cox"]], se=None)
    assert "" not in list(c.to_frame().index)


@pytest.mark.parametrize("kwargs, match", [
    (dict(se="bse"), "se="),
    (dict(exponentiate="yes"), "exponentiate"),
    (dict(terms=["nope"]), "nope"),
    (dict(digits=-1), "digits"),
    (dict(stats=["aic"]), "aic"),
])
def test_bad_options(kwargs, match):
    with pytest.raises(ds.InputError, match=match):
        ds.compare(models(), **kwargs)


def test_bad_inputs():
    with pytest.raises(ds.InputError, match="not a fitted Results"):
        ds.compare([pd.DataFrame()])
    with pytest.raises(ds.InputError, match="no models"):
        ds.compare([])
    with pytest.raises(ds.InputError, match="list or dict"):
        ds.compare(3)


if __name__ == "__main__":
    _write_expected()


def test_real_models_side_by_side():
    """Cox, event logit, dyadic logit and spatial lag in one table."""
    import warnings

    demo = ds.datasets.load_demo()
    states = ds.datasets.load_us_states().query("postal != 'DC'")["postal"]
    panel = ds.event_history(demo.adoptions, windows=demo.windows, units=states, covariates=demo.covariates)
    W = ds.Weights.us_borders("queen", name="border")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        panel = ds.exposure(panel, demo.adoptions, W, name="border")
        d = ds.dyads(demo.adoptions[demo.adoptions["policy"] == "demo01"], units=states, end=2019,
                     dyad_covariates=[W])
    cox = ds.CoxHazard("event ~ border + x", panel, strata="policy").fit(cov_type="cluster", cluster="unit")
    logit = ds.EventLogit("event ~ border + x", panel).fit(cov_type="cluster", cluster="unit")
    dyadic = ds.DyadicLogit("event ~ border + years_since_partner_adopted", d).fit(cov_type="dyadic")
    cross = demo.covariates[demo.covariates["year"] == 2000].assign(
        y=lambda f: f["x"] + 0.1 * f["unit"].str.len())
    with pytest.warns(ds.RowAccountingWarning, match="AK, HI"):
        Wr = W.row_standardize()
    slag = ds.SpatialLag("y ~ x", cross, Wr, unit="unit").fit()
    c = ds.compare({"Cox": cox, "Logit": logit, "Dyadic": dyadic, "Spatial lag": slag}, exponentiate="auto")
    f = c.to_frame()
    assert c.exponentiated == [True, False, False, False]
    assert f.loc["Events", "Cox"] == "444" and f.loc["Events", "Logit"] == "444"
    assert f.loc["Model", "Cox"] == "Cox"
    assert f.loc["Variance", "Dyadic"] == "dyadic"
    assert c.estimates.at["border", "Cox"] == pytest.approx(np.exp(cox.params["border"]))
    assert c.estimates.at["x", "Spatial lag"] == pytest.approx(slag.params["x"])
    for out in (c.to_text(), c.to_latex(), c.to_markdown(), c._repr_html_()):
        assert "border" in out


def test_save_by_extension(tmp_path):
    c = ds.compare(models())
    for ext in ("tex", "md", "html", "txt", "csv"):
        p = c.save(tmp_path / f"t.{ext}", **({"caption": "Models"} if ext == "tex" else {}))
        assert p.read_text()
    assert "\\caption{Models}" in (tmp_path / "t.tex").read_text()
    assert (tmp_path / "t.txt").read_text() == c.to_text() + "\n"
    with pytest.raises(ds.InputError, match="unknown file type"):
        c.save(tmp_path / "t.docx")
