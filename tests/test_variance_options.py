"""One finite-sample vocabulary across estimators (``small_sample=``), the deprecated
``hc_type=`` alias, and the factors of ``inference.covariance`` (docs/design.md's table).

The numbers behind every accepted combination are checked against R in the estimators'
own test files (test_event_logit, test_dyadic_logit, test_cox, test_small_sample,
test_spatial_reference, test_mixed); here: every estimator takes the same values, rejects
the combinations it does not compute with a SpecificationError naming them, synonyms give
bitwise-identical results, and the factors relate as the table says.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import diffusion_stats as ds
from diffusion_stats.inference.covariance import (
    cluster_factor,
    finite_sample_meat,
    resolve_small_sample,
    robust_factor,
)

VOCAB = [None, "none", "CR1", "HC1", "CR2", "CR3", True, False]


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(7)
    n_units, n_years = 25, 8
    d = pd.DataFrame({"unit": np.repeat([f"u{i:02d}" for i in range(n_units)], n_years),
                      "year": np.tile(np.arange(2000, 2000 + n_years), n_units)})
    d["x"] = rng.normal(size=len(d))
    d["z"] = rng.normal(size=len(d))
    d["event"] = (rng.random(len(d)) < 1 / (1 + np.exp(1.0 - 0.7 * d["x"]))).astype(int)
    d["stop"] = (d["year"] - 1999).astype(float)
    d["start"] = d["stop"] - 1
    d["partner"] = np.where(d["unit"] == "u00", "u01", "u00")
    d["y"] = 0.5 * d["x"] - 0.3 * d["z"] + rng.normal(size=len(d))
    return d


def _ring(n: int) -> sp.csr_matrix:
    i = np.arange(n)
    B = sp.coo_matrix((np.ones(2 * n), (np.r_[i, i], np.r_[(i + 1) % n, (i - 1) % n])), shape=(n, n))
    return B.tocsr()


def _models(panel):
    W = ds.Weights.from_matrix(_ring(25), sorted(panel["unit"].unique()))
    return {
        "CoxHazard": (ds.CoxHazard("event ~ x + z", panel, start="start", stop="stop"), ("robust", "cluster")),
        "EventLogit": (ds.EventLogit("event ~ x + z", panel), ("classical", "robust", "cluster")),
        "DyadicLogit": (ds.DyadicLogit("event ~ x + z", panel, unit="unit", partner="partner"),
                        ("robust", "cluster", "dyadic")),
        "SpatialLag": (ds.SpatialLag("y ~ x + z", panel, W, unit="unit", time="year", method="s2sls"),
                       ("classical", "robust", "cluster")),
    }


# which (cov_type, small_sample) each estimator computes (the others raise SpecificationError)
ACCEPTS = {
    "CoxHazard": {"robust": {None, "none", "CR1", True, False},
                  "cluster": {None, "none", "CR1", "CR2", "CR3", True, False}},
    "EventLogit": {"classical": {None, "none", False},
                   "robust": {None, "none", "CR1", "HC1", True, False},
                   "cluster": {None, "none", "CR1", "HC1", "CR2", "CR3", True, False}},
    "DyadicLogit": {"robust": {None, "none", "CR1", "HC1", True, False},
                    "cluster": {None, "none", "CR1", "HC1", "CR2", "CR3", True, False},
                    "dyadic": {None, "none", False}},
    "SpatialLag": {"classical": {None, "none", False}, "robust": {None, "none", False},
                   "cluster": {None, "none", "CR1", "HC1", "CR2", "CR3", True, False}},
}


def _fit(model, cov_type, value):
    kw = {"cluster": "unit"} if cov_type == "cluster" else {"cov_type": cov_type}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(small_sample=value, **kw)


@pytest.mark.parametrize("name", list(ACCEPTS))
def test_every_estimator_takes_the_same_vocabulary(panel, name):
    model, cov_types = _models(panel)[name]
    for cov_type in cov_types:
        for value in VOCAB:
            if value in ACCEPTS[name][cov_type]:
                res = _fit(model, cov_type, value)
                assert np.all(np.isfinite(res.std_errors)), (name, cov_type, value)
            else:
                with pytest.raises(ds.SpecificationError) as err:
                    _fit(model, cov_type, value)
                msg = str(err.value)
                assert f"small_sample={value!r}" in msg, msg
                if value not in ("CR2", "CR3"):
                    assert cov_type in msg, msg
        with pytest.raises(ds.InputError, match="small_sample='CR9'"):
            _fit(model, cov_type, "CR9")


@pytest.mark.parametrize("name", list(ACCEPTS))
def test_synonyms_and_defaults_are_bitwise_equal(panel, name):
    model, cov_types = _models(panel)[name]
    default = {"CoxHazard": {"robust": "none", "cluster": "none"},
               "EventLogit": {"classical": "none", "robust": "none", "cluster": "CR1"},
               "DyadicLogit": {"robust": "none", "cluster": "CR1", "dyadic": "none"},
               "SpatialLag": {"classical": "none", "robust": "none", "cluster": "HC1"}}[name]
    for cov_type in cov_types:
        unset = _fit(model, cov_type, None).cov.to_numpy()
        np.testing.assert_array_equal(_fit(model, cov_type, default[cov_type]).cov.to_numpy(), unset)
        for flag, kind in ((True, "CR1"), (False, "none")):
            if flag in ACCEPTS[name][cov_type]:
                np.testing.assert_array_equal(_fit(model, cov_type, flag).cov.to_numpy(),
                                              _fit(model, cov_type, kind).cov.to_numpy())


def test_factors_relate_as_the_table_says(panel):
    n, G, k = len(panel), panel["unit"].nunique(), 3
    m = ds.EventLogit("event ~ x + z", panel)
    v = {s: _fit(m, "cluster", s).cov.to_numpy() for s in ("none", "CR1", "HC1")}
    np.testing.assert_allclose(v["CR1"], v["none"] * G / (G - 1), rtol=1e-12)
    np.testing.assert_allclose(v["HC1"], v["CR1"] * (n - 1) / (n - k), rtol=1e-12)
    r = {s: _fit(m, "robust", s).cov.to_numpy() for s in ("none", "CR1", "HC1")}
    np.testing.assert_allclose(r["HC1"], r["none"] * n / (n - k), rtol=1e-12)
    np.testing.assert_allclose(r["CR1"], r["none"] * n / (n - 1), rtol=1e-12)
    two = {s: m.fit(cluster=["unit", "year"], small_sample=s).cov.to_numpy() for s in ("none", "CR1")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 8 years: few clusters
        one_y = m.fit(cluster="year", small_sample="none").cov.to_numpy()
    one_u = _fit(m, "cluster", "none").cov.to_numpy()
    assert not np.allclose(two["none"], two["CR1"])
    np.testing.assert_allclose(two["none"], one_u + one_y - r["none"], rtol=1e-10, atol=1e-14)
    c = ds.CoxHazard("event ~ x + z", panel, start="start", stop="stop")
    np.testing.assert_allclose(_fit(c, "cluster", "CR1").cov, _fit(c, "cluster", "none").cov * G / (G - 1),
                               rtol=1e-12)


def test_hc_type_alias_warns_at_the_callers_line_and_gives_identical_numbers(panel):
    for model in (ds.EventLogit("event ~ x + z", panel),
                  ds.DyadicLogit("event ~ x + z", panel, unit="unit", partner="partner")):
        for kw, new in (({"cov_type": "robust"}, "HC1"), ({"cluster": "unit"}, "HC1"),
                        ({"cluster": ["unit", "year"]}, "HC1"), ({"cluster": "unit"}, None)):
            hc = "HC1" if new else "HC0"
            with pytest.warns(FutureWarning, match=f"hc_type= is deprecated.*small_sample={new!r}") as rec:
                old = model.fit(hc_type=hc, **kw)
            assert rec[0].filename == __file__
            cur = model.fit(small_sample=new, **kw)
            np.testing.assert_array_equal(old.cov.to_numpy(), cur.cov.to_numpy())
            np.testing.assert_array_equal(old.params.to_numpy(), cur.params.to_numpy())
    m = ds.EventLogit("event ~ x + z", panel)
    with pytest.raises(ds.InputError, match="hc_type='HC3'"):
        m.fit(cov_type="robust", hc_type="HC3")
    with pytest.warns(FutureWarning), pytest.raises(ds.SpecificationError, match="hc_type='HC1'.*dyadic"):
        ds.DyadicLogit("event ~ x", panel, unit="unit", partner="partner").fit(cov_type="dyadic", hc_type="HC1")
    with pytest.warns(FutureWarning), pytest.raises(ds.SpecificationError, match="two finite-sample"):
        m.fit(cluster="unit", hc_type="HC1", small_sample="CR2")


def test_mixed_logit_cluster_factor(panel):
    m = ds.MixedEventLogit("event ~ x", panel, groups="unit", re="1")
    a, b = m.fit(cov_type="cluster"), m.fit(cov_type="cluster", small_sample="none")
    G = panel["unit"].nunique()
    np.testing.assert_allclose(a.cov.to_numpy(), b.cov.to_numpy() * G / (G - 1), rtol=1e-12)
    np.testing.assert_array_equal(m.fit(cov_type="cluster", small_sample=True).cov.to_numpy(), a.cov.to_numpy())
    with pytest.raises(ds.SpecificationError, match="small_sample='HC1'.*cluster"):
        m.fit(cov_type="cluster", small_sample="HC1")
    with pytest.raises(ds.SpecificationError, match="small_sample='CR1'.*hessian"):
        m.fit(small_sample="CR1")


def test_covariance_helpers():
    assert cluster_factor(5, "CR1") == cluster_factor(5, "HC1") == 5 / 4 and cluster_factor(5, "none") == 1.0
    assert robust_factor("robust", "HC1", 10, 3) == 10 / 7 and robust_factor("cluster", "HC1", 10, 3) == 9 / 7
    assert robust_factor("robust", "CR1", 10, 3) == 10 / 9 and robust_factor("cluster", "CR1", 10, 3) == 1.0
    M1, M2, M12 = np.eye(2), 2 * np.eye(2), 0.5 * np.eye(2)
    np.testing.assert_array_equal(finite_sample_meat(((M1, 4), (M2, 3), (M12, 6)), "none"), M1 + M2 - M12)
    np.testing.assert_allclose(finite_sample_meat(((M1, 4), (M2, 3), (M12, 6)), "CR1"),
                               M1 * 4 / 3 + M2 * 3 / 2 - M12 * 6 / 5)
    assert resolve_small_sample(None, "cluster", ("g",), model="M", default={"cluster": "CR1"},
                                supported={"cluster": ("CR1",)}) == "CR1"
    with pytest.raises(ds.SpecificationError, match="one-way"):
        resolve_small_sample("CR2", "cluster", ("a", "b"), model="M", default={},
                             supported={"cluster": ("CR2",)})


def test_dask_twins_take_the_vocabulary_and_equal_memory():
    pytest.importorskip("dask")
    rng = np.random.default_rng(11)
    n = 600
    df = pd.DataFrame({"policy": np.repeat([f"p{k}" for k in range(6)], n // 6),
                       "unit": rng.choice([f"u{k}" for k in range(25)], n), "x": rng.normal(size=n),
                       "stop": rng.integers(1, 12, n).astype(float)})
    df["event"] = (rng.random(n) < 0.3).astype(int)
    df["start"] = df["stop"] - 1
    ddf = ds.partition_by(df, "policy", partition_rows=200)
    pairs = ((ds.DaskEventLogit("event ~ x", ddf), ds.EventLogit("event ~ x", df), ("none", "CR1", "HC1")),
             (ds.DaskCoxHazard("event ~ x", ddf, strata="policy"), ds.CoxHazard("event ~ x", df, strata="policy"),
              ("none", "CR1")))
    for dsk, mem, ok in pairs:
        for kw in ({"cov_type": "robust"}, {"cluster": "unit"}):
            for s in (None, True, False, *ok):
                np.testing.assert_allclose(dsk.fit(small_sample=s, **kw).cov, mem.fit(small_sample=s, **kw).cov,
                                           rtol=1e-10)
            with pytest.raises(ds.SpecificationError, match="small_sample='CR2'"):
                dsk.fit(small_sample="CR2", **kw)
    with pytest.raises(ds.SpecificationError, match="small_sample='HC1'"):
        pairs[1][0].fit(cluster="unit", small_sample="HC1")
    with pytest.warns(FutureWarning, match="hc_type"):
        old = pairs[0][0].fit(cluster="unit", hc_type="HC1")
    np.testing.assert_array_equal(old.cov, pairs[0][0].fit(cluster="unit", small_sample="HC1").cov)
