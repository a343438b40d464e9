"""Dask-backed builders and estimators equal their in-memory counterparts (rtol 1e-8).

Real data: SPID (Boehmke & Skinner) adoptions with policy windows, the package's US
state borders as the exposure network. A two-worker ``distributed.LocalCluster``
(in-process workers, closed by the fixture) runs every computation.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

RTOL = 1e-8


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0")
    cl = distributed.Client(cluster)
    try:
        yield cl
    finally:
        cl.close()
        cluster.close()


@pytest.fixture(scope="module")
def spid(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ad, meta = ds.datasets.load_spid()
    return ad, meta


@pytest.fixture(scope="module")
def monadic(spid):
    """60 SPID policies: event-history panel with a border-share exposure and a region."""
    ad, meta = spid
    pols = sorted(ad["policy"].unique())[:60]
    a, m = ad[ad["policy"].isin(pols)], meta[meta["policy"].isin(pols)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        panel = ds.event_history(a, windows=m)
        panel = ds.exposure(panel, a, ds.Weights.us_borders(labels="name"), name="nb")
    panel["initial"] = panel["unit"].str[0]
    panel["era"] = np.searchsorted([1950, 1980, 2000], panel["year"].to_numpy(), side="right")
    return panel


@pytest.fixture(scope="module")
def dyad_args(spid):
    ad, meta = spid
    pols = sorted(ad["policy"].unique())[60:66]
    units = sorted(ad["unit"].unique())
    cov = pd.DataFrame({"unit": units, "south": [u[0] in "AFGKLMNOSTV" for u in units]})
    return dict(adoptions=ad[ad["policy"].isin(pols)], windows=meta[meta["policy"].isin(pols)], units=units,
                sources="all", dyad_covariates=ds.Weights.us_borders(labels="name"), covariates=cov)


@pytest.fixture(scope="module")
def dyads_mem(dyad_args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        d = ds.dyads(**dyad_args)
    d["ysa"] = d["years_since_partner_adopted"].fillna(0).astype(float)
    return d


def _same(mem, dsk, rtol=RTOL):
    assert list(mem.params.index) == list(dsk.params.index)
    np.testing.assert_allclose(dsk.params.to_numpy(), mem.params.to_numpy(), rtol=rtol)
    np.testing.assert_allclose(dsk.std_errors.to_numpy(), mem.std_errors.to_numpy(), rtol=rtol)
    assert dsk.nobs == mem.nobs
    assert dsk.loglik == pytest.approx(mem.loglik, rel=1e-10)
    assert dsk.cov_type == mem.cov_type and dsk.cluster == mem.cluster and dsk.n_clusters == mem.n_clusters
    assert type(dsk).__mro__[1:] == type(mem).__mro__[1:] or isinstance(dsk, type(mem))


# --------------------------------------------------------------------------- builders
def test_dask_dyads_equal_in_memory(client, dyad_args, dyads_mem):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ddf = ds.dask_dyads(**dyad_args, partition_rows=None)
        by_years = ds.dask_dyads(**dyad_args, years_per_partition=10)
    assert ddf.npartitions == 6
    got = ddf.compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(got, dyads_mem.drop(columns="ysa").reset_index(drop=True).to_pandas())
    assert by_years.npartitions > 6
    g2 = by_years.compute()
    key = ["policy", "unit", "year", "partner"]
    a = g2.sort_values(key).reset_index(drop=True)
    b = got.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # prior adopters only, by policy and year range
    args = {**dyad_args, "sources": "prior_adopters"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        mem = ds.dyads(**args)
        got = ds.dask_dyads(**args, years_per_partition=5).compute()
    key = ["policy", "unit", "year", "partner"]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                  mem.sort_values(key).reset_index(drop=True).to_pandas())


def test_write_dyads_partitioned_accounting(client, dyad_args, dyads_mem, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        acc = ds.write_dyads_partitioned(**dyad_args, path=tmp_path / "d", partition_rows=40_000)
    mem = ds.accounting(dyads_mem)
    for k in ("dyad rows", "dyad events", "monadic rows at risk", "monadic events",
              "dyads without a covariate match", "missing covariate values"):
        assert acc.counts[k] == mem.counts[k], k
    assert acc.counts["part files"] == len(list((tmp_path / "d").glob("part-*.parquet"))) > 1
    back = pd.read_parquet(tmp_path / "d")
    assert len(back) == len(dyads_mem) and back["event"].sum() == dyads_mem["event"].sum()
    with pytest.raises(ds.InputError, match="already holds"):
        ds.write_dyads_partitioned(**dyad_args, path=tmp_path / "d")


def test_partition_by_keeps_groups(monadic):
    ddf = ds.partition_by(monadic, "policy", partition_rows=5_000)
    parts = [ddf.get_partition(k).compute() for k in range(ddf.npartitions)]
    seen = [set(p["policy"]) for p in parts]
    assert sum(len(s) for s in seen) == monadic["policy"].nunique()
    assert sum(len(p) for p in parts) == len(monadic)


# --------------------------------------------------------------------------- estimators
@pytest.mark.filterwarnings("ignore:the two-way clustered variance")
@pytest.mark.slow  # > 10 s
def test_event_logit_classical_and_cluster(client, monadic):
    ddf = ds.partition_by(monadic, "policy", partition_rows=6_000)
    f = "event ~ nb + initial + C(era)"
    for kw in (dict(cov_type="classical"), dict(cluster="unit"), dict(cluster=["unit", "year"], small_sample="HC1")):
        mem = ds.EventLogit(f, monadic, duration="spline", link="cloglog").fit(**kw)
        dsk = ds.DaskEventLogit(f, ddf, duration="spline", link="cloglog").fit(**kw)
        _same(mem, dsk)
        assert dsk.info["spline knots"] == mem.info["spline knots"]
        assert dsk.info["Events"] == mem.info["Events"]


def test_dyadic_logit_dyadic(client, dyad_args, dyads_mem, tmp_path):
    f = "event ~ partner_adopted + ysa + borders_queen + unit_south"
    mem = ds.DyadicLogit(f, dyads_mem).fit(cov_type="dyadic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ddf = ds.dask_dyads(**dyad_args, partition_rows=50_000)
    ddf = ddf.assign(ysa=ddf["years_since_partner_adopted"].fillna(0).astype(float))
    dsk = ds.DaskDyadicLogit(f, ddf).fit(cov_type="dyadic")
    _same(mem, dsk)
    assert dsk.info["Units (dyadic)"] == mem.info["Units (dyadic)"]
    # Parquet round trip: categoricals come back per file, labels matched by value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ds.write_dyads_partitioned(**dyad_args, path=tmp_path / "p", partition_rows=None)
    pq = dd.read_parquet(tmp_path / "p")
    pq = pq.assign(ysa=pq["years_since_partner_adopted"].fillna(0).astype(float))
    _same(mem, ds.DaskDyadicLogit(f, pq).fit(cov_type="dyadic"))


def test_cox_cluster(client, monadic):
    ddf = ds.partition_by(monadic, "policy", partition_rows=8_000)
    f = "event ~ nb + initial"
    mem = ds.CoxHazard(f, monadic, strata="policy").fit(cluster="unit")
    dsk = ds.DaskCoxHazard(f, ddf, strata="policy").fit(cluster="unit")
    _same(mem, dsk)
    assert isinstance(dsk, type(mem))
    np.testing.assert_allclose(dsk.naive_std_errors, mem.naive_std_errors, rtol=RTOL)
    for t in ("likelihood_ratio", "wald", "score"):
        assert dsk.tests[t]["statistic"] == pytest.approx(mem.tests[t]["statistic"], rel=1e-8)
    assert dsk.n_events == mem.n_events and dsk.n_strata == mem.n_strata
    assert "robust se" in str(dsk.summary())
    with pytest.raises(ds.SpecificationError, match="needs the rows in memory"):
        dsk.residuals()


# --------------------------------------------------------------------------- errors
@pytest.mark.slow  # > 10 s
def test_errors(client, monadic):
    ddf = ds.partition_by(monadic, "policy", partition_rows=20_000)
    with pytest.raises(ds.SpecificationError, match="spans partitions"):
        ds.DaskCoxHazard("event ~ nb", ds.partition_by(monadic, "year"), strata="policy").fit()
    with pytest.raises(ds.SpecificationError, match="spans partitions"):
        ds.DaskCoxHazard("event ~ nb", ddf).fit()
    with pytest.raises(ds.InputError, match="dask.dataframe"):
        ds.DaskEventLogit("event ~ nb", monadic)
    with pytest.raises(ds.SpecificationError, match="stateful"):
        ds.DaskEventLogit("event ~ center(nb)", ddf)
    with pytest.raises(ds.ColumnNotFoundError, match="did you mean 'nb'"):
        ds.DaskEventLogit("event ~ nbb", ddf)
    with pytest.raises(ds.SpecificationError, match="exact"):
        ds.DaskCoxHazard("event ~ nb", ddf, strata="policy", ties="exact")
    holes = monadic.copy()
    holes.loc[holes.index[:7], "nb"] = np.nan
    hd = ds.partition_by(holes, "policy", partition_rows=20_000)
    with pytest.raises(ds.DataValidationError, match="7 of"):
        ds.DaskEventLogit("event ~ nb", hd).fit()
    with pytest.warns(ds.RowAccountingWarning, match="7 of"):
        dsk = ds.DaskEventLogit("event ~ nb", hd, missing="drop").fit()
    with pytest.warns(ds.RowAccountingWarning):
        mem = ds.EventLogit("event ~ nb", holes, missing="drop").fit()
    _same(mem, dsk)
    fitted = dsk.fitted_values.compute()
    assert fitted.index.equals(holes.index[7:])
    np.testing.assert_allclose(fitted.to_numpy(), mem.fitted_values, rtol=RTOL)


def test_parts_pickle(monadic):
    """What workers hold and exchange must pickle (multi-process clusters)."""
    from diffusion_stats.binary import distributed as dist

    ddf = ds.partition_by(monadic, "policy", partition_rows=20_000)
    m = ds.DaskDyadicLogit("event ~ nb", ddf.assign(partner=ddf["unit"].astype(str) + "x"))
    pdf = ddf.get_partition(0).compute().assign(partner=lambda d: d["unit"].astype(str) + "x")
    part = dist._glm_make_part(pdf, m._spec, m._roles(("unit",), "dyadic"))
    back = pickle.loads(pickle.dumps(part))
    np.testing.assert_array_equal(back["X"], part["X"])
    fin = dist._glm_final(back, np.zeros(2), "logit", "dyadic")
    assert pickle.loads(pickle.dumps(fin))["su"].shape[1] == 2


# --------------------------------------------------------------------------- options (small synthetic data)
@pytest.fixture(scope="module")
def synth():
    rng = np.random.default_rng(11)
    n = 3_000
    df = pd.DataFrame({"policy": np.repeat([f"p{k}" for k in range(6)], n // 6),
                       "unit": rng.choice([f"u{k}" for k in range(25)], n),
                       "x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n),
                       "w": rng.uniform(0.5, 2.0, n), "stop": rng.integers(1, 12, n).astype(float)})
    df["partner"] = np.where(df["unit"] == "u0", "u1", "u0")
    df["event"] = (rng.random(n) < 1 / (1 + np.exp(1.5 - 0.6 * df["x"]))).astype(int)
    df["start"] = df["stop"] - 1
    return df


@pytest.mark.filterwarnings("ignore:the two-way clustered variance")
@pytest.mark.slow  # > 10 s
def test_options_equal_in_memory(client, synth):
    ddf = ds.partition_by(synth, "policy", partition_rows=1_000)
    f = "event ~ x + g"
    for kw, fk in ((dict(link="probit", weights="w"), dict(cov_type="robust", small_sample="HC1")),
                   (dict(duration="dummies"), dict(cluster="policy")),
                   (dict(duration="cubic", link="cloglog"), dict(cluster=["unit", "policy"]))):
        _same(ds.EventLogit(f, synth, **kw).fit(**fk), ds.DaskEventLogit(f, ddf, **kw).fit(**fk))
    _same(ds.DyadicLogit(f, synth, weights="w").fit(cluster="unit"),
          ds.DaskDyadicLogit(f, ddf, weights="w").fit(cluster="unit", persist=False))
    for kw, fk in ((dict(ties="breslow", weights="w"), dict(cov_type="robust")),
                   (dict(start=None), dict(cluster=["unit", "policy"], small_sample=True)),
                   (dict(), dict(cov_type="classical"))):
        mem = ds.CoxHazard("event ~ x + g", synth, strata="policy", **kw).fit(**fk)
        dsk = ds.DaskCoxHazard("event ~ x + g", ddf, strata="policy", **kw).fit(**fk)
        _same(mem, dsk)


@pytest.mark.slow  # > 10 s
def test_worker_processes(dyad_args, dyads_mem):
    """Two worker processes: the plan, specs and partition arrays travel pickled."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    try:
        with distributed.Client(cluster):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ds.RowAccountingWarning)
                ddf = ds.dask_dyads(**dyad_args, partition_rows=60_000)
            dsk = ds.DaskDyadicLogit("event ~ partner_adopted + borders_queen", ddf).fit(cov_type="dyadic")
    finally:
        cluster.close()
    _same(ds.DyadicLogit("event ~ partner_adopted + borders_queen", dyads_mem).fit(cov_type="dyadic"), dsk)


def test_clear_error_without_dask(monkeypatch):
    import sys

    from diffusion_stats.design.distributed import DaskNotInstalledError

    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(DaskNotInstalledError, match="pip install"):
        ds.partition_by(pd.DataFrame({"policy": ["a"]}), "policy")
    with pytest.raises(ds.DiffusionStatsError):
        ds.dask_dyads(pd.DataFrame({"unit": ["A"], "policy": ["p"], "year": [2000]}))
