"""The model protocol: Literal options checked by one helper, with_formula / with_data /
with_options / spec() on every estimator, keyword-only fit(), formulas that see the
caller's namespace, and the same Results attributes on every model."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats.core.options import check_option


# --------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """A small unit-year panel: start/stop, 0/1 event, covariates, a two-level factor."""
    rng = np.random.default_rng(12)
    n = 240
    df = pd.DataFrame({
        "unit": np.repeat([f"u{i}" for i in range(24)], 10),
        "start": np.tile(np.arange(10), 24), "x": rng.normal(size=n), "z": rng.normal(size=n),
        "g": rng.choice(["a", "b"], size=n), "h": rng.choice(["p", "q", "r"], size=n),
    })
    df["stop"] = df["start"] + 1
    eta = -1.2 + 0.6 * df["x"] - 0.4 * df["z"] + 0.5 * (df["g"] == "b")
    df["event"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return df


@pytest.fixture(scope="module")
def dyads() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    units = np.array(list("abcdefghij"))
    i, j = np.meshgrid(np.arange(10), np.arange(10))
    keep = i.ravel() != j.ravel()
    df = pd.DataFrame({"unit": units[i.ravel()[keep]], "partner": units[j.ravel()[keep]]})
    df = pd.concat([df] * 3, ignore_index=True)
    df["x"] = rng.normal(size=len(df))
    df["z"] = rng.normal(size=len(df))
    df["g"] = rng.choice(["a", "b"], size=len(df))
    df["h"] = rng.choice(["p", "q", "r"], size=len(df))
    df["event"] = (rng.random(len(df)) < 1 / (1 + np.exp(1 - 0.7 * df["x"]))).astype(int)
    return df


@pytest.fixture(scope="module")
def spatial():
    rng = np.random.default_rng(3)
    labels = [f"s{i}" for i in range(30)]
    W = ds.Weights.from_edges(pd.DataFrame({"source": labels, "target": labels[1:] + labels[:1]}))
    d = pd.DataFrame({"unit": labels, "x": rng.normal(size=30), "z": rng.normal(size=30),
                      "g": rng.choice(["a", "b"], size=30), "h": rng.choice(["p", "q", "r"], size=30)})
    d["y"] = 1 + d["x"] - 0.5 * d["z"] + 0.3 * (d["g"] == "b") + rng.normal(size=30)
    return d, W


# --------------------------------------------------------------------------- 1. options
def test_check_option_names_argument_value_choices_and_closest():
    assert check_option("ties", "breslow", Literal["efron", "breslow"]) == "breslow"
    assert check_option("duration", None, Literal["cubic"] | None) is None
    assert check_option("method", "ml", ("ml", "s2sls")) == "ml"
    with pytest.raises(ds.InputError, match=r"ties='efrn' is not one of 'efron', 'breslow'; did you mean 'efron'\?"):
        check_option("ties", "efrn", Literal["efron", "breslow"])
    with pytest.raises(ds.InputError, match=r"duration=3 is not one of 'cubic', None"):
        check_option("duration", 3, Literal["cubic"] | None)


def test_literal_options_checked_at_run_time(panel, dyads, spatial):
    d, W = spatial
    with pytest.raises(ds.InputError, match="missing='dorp'.*did you mean 'drop'"):
        ds.CoxHazard("event ~ x", panel, missing="dorp")
    with pytest.raises(ds.SpecificationError, match="ties='efrn'"):
        ds.CoxHazard("event ~ x", panel, ties="efrn")
    with pytest.raises(ds.InputError, match="duration='cubc'.*did you mean 'cubic'"):
        ds.EventLogit("event ~ x", panel, duration="cubc")
    with pytest.raises(ds.InputError, match="link='probt'.*did you mean 'probit'"):
        ds.DyadicLogit("event ~ x", dyads, link="probt")
    with pytest.raises(ds.SpecificationError, match="method='mll'"):
        ds.SpatialLag("y ~ x", d, W, unit="unit", method="mll")


# --------------------------------------------------------------------------- 2. protocol
def _models(panel, dyads, spatial):
    """(name, model, the same model built directly with formula F2 on data D2 with options O2)."""
    d, W = spatial
    return {
        "cox": (ds.CoxHazard("event ~ x", panel, strata="g"),
                lambda f, data, **o: ds.CoxHazard(f, data, strata="g", **o), {"ties": "breslow"}),
        "event_logit": (ds.EventLogit("event ~ x", panel, duration="cubic", clock="stop"),
                        lambda f, data, **o: ds.EventLogit(f, data, duration="cubic", clock="stop", **o),
                        {"link": "cloglog"}),
        "dyadic_logit": (ds.DyadicLogit("event ~ x", dyads),
                         lambda f, data, **o: ds.DyadicLogit(f, data, **o), {"link": "probit"}),
        "spatial_lag": (ds.SpatialLag("y ~ x", d, W, unit="unit"),
                        lambda f, data, **o: ds.SpatialLag(f, data, W, unit="unit", **o), {"method": "s2sls"}),
    }


def _same_fit(a, b):
    pd.testing.assert_series_equal(a.params, b.params, check_names=False)
    pd.testing.assert_frame_equal(a.cov, b.cov)
    assert a.nobs == b.nobs


@pytest.mark.parametrize("name", ["cox", "event_logit", "dyadic_logit", "spatial_lag"])
def test_with_formula_data_options_equal_building_directly(panel, dyads, spatial, name):
    model, build, options = _models(panel, dyads, spatial)[name]
    s = model.spec()
    formula, data = s.formula, s.data
    assert isinstance(s, ds.inference.protocol.Specification) if hasattr(ds, "inference") else True
    with pytest.raises(AttributeError):
        s.formula = "y ~ 1"  # frozen
    f2 = formula.replace("~ x", "~ x + z")
    half = data.iloc[: len(data) * 2 // 3]
    _same_fit(model.with_formula(f2).fit(), build(f2, data).fit())
    _same_fit(model.with_data(half).fit(), build(formula, half).fit())
    _same_fit(model.with_options(**options).fit(), build(formula, data, **options).fit())
    # chained, and the original is unchanged
    m2 = model.with_formula(f2).with_data(half).with_options(**options)
    _same_fit(m2.fit(), build(f2, half, **options).fit())
    assert model.spec().formula == formula and model.spec().data is data
    assert all(model.spec().options[k] != v for k, v in options.items())
    assert type(m2) is type(model) and m2.spec().options.keys() == s.options.keys()
    with pytest.raises(ds.InputError, match="has no argument"):
        model.with_options(not_an_option=1)


def test_spec_splits_roles_and_options(panel, spatial):
    s = ds.CoxHazard("event ~ x", panel, strata="g", ties="breslow").spec()
    assert s.model is ds.CoxHazard and s.formula == "event ~ x"
    assert dict(s.roles) == {"start": "start", "stop": "stop", "strata": "g", "weights": None,
                             "frailty": None}
    assert dict(s.options) == {"ties": "breslow", "missing": "raise"}
    d, W = spatial
    sl = ds.SpatialLag("y ~ x", d, W, unit="unit").spec()
    assert sl.roles["W"] is W and sl.roles["unit"] == "unit" and sl.options["method"] == "ml"
    with pytest.raises(TypeError):
        sl.roles["unit"] = "other"  # read-only mapping


@pytest.mark.parametrize("name", ["cox", "event_logit", "dyadic_logit", "spatial_lag"])
def test_predict_after_with_data_and_with_one_level_of_a_categorical(panel, dyads, spatial, name):
    model, build, _ = _models(panel, dyads, spatial)[name]
    data = model.spec().data
    f = model.spec().formula + " + C(h)"
    half = data.iloc[: len(data) * 2 // 3]
    res = model.with_formula(f).with_data(half).fit()
    direct = build(f, half).fit()
    new = data.iloc[len(data) * 2 // 3:]
    kind = "linear" if name == "spatial_lag" else None  # the spatial reduced form needs the estimation W
    pred = res.predict(new, kind=kind)
    pd.testing.assert_series_equal(pred, direct.predict(new, kind=kind))
    assert len(pred) == len(new) and np.isfinite(pred).all()
    one = new[new["h"] == "q"]
    assert one["h"].nunique() == 1 and len(one) > 0
    np.testing.assert_allclose(res.predict(one, kind=kind).to_numpy(), pred.loc[one.index].to_numpy(), rtol=1e-12)


def test_mechanism_tools_use_the_protocol_not_reflection():
    from pathlib import Path

    mech = Path(ds.__file__).parent / "mechanisms"
    for path in mech.glob("*.py"):
        text = path.read_text()
        assert "import inspect" not in text and "getattr_static" not in text and "inspect." not in text, path.name


def test_rebuild_by_mechanism_tools_keeps_resolved_tau(panel):
    from diffusion_stats.mechanisms._protocol import rebuild

    m = ds.EventLogit("event ~ x", panel, case_control="weight", tau=0.05)
    assert m.spec().options["tau"] == 0.05
    _same_fit(rebuild(m, data=panel).fit(), m.fit())


def test_dask_twins_follow_the_protocol(panel, dyads):
    dd = pytest.importorskip("dask.dataframe")
    dpanel = dd.from_pandas(panel, npartitions=2)
    m = ds.DaskEventLogit("event ~ x", dpanel)
    assert m.spec().roles["clock"] == "stop" and m.spec().options["link"] == "logit"
    _same_fit(m.with_formula("event ~ x + z").with_options(link="cloglog").fit(),
              ds.EventLogit("event ~ x + z", panel, link="cloglog").fit())
    dl = ds.DaskDyadicLogit("event ~ x", dd.from_pandas(dyads, npartitions=2))
    _same_fit(dl.with_data(dd.from_pandas(dyads.iloc[:200], npartitions=2)).fit(cov_type="robust"),
              ds.DyadicLogit("event ~ x", dyads.iloc[:200]).fit(cov_type="robust"))
    cox = ds.DaskCoxHazard("event ~ x", ds.partition_by(panel, "g"), strata="g")
    _same_fit(cox.with_formula("event ~ x + z").fit(), ds.CoxHazard("event ~ x + z", panel, strata="g").fit())
    for mod in (m, cox):  # the uniform Results attributes hold on Dask fits too
        res = mod.fit()
        assert res.model is mod and res.converged and res.n_iter >= 1
        assert res.n_events == int(panel["event"].sum())
    fitted = m.fit().fitted_values.compute()
    pd.testing.assert_series_equal(fitted, ds.EventLogit("event ~ x", panel).fit().fitted_values)
    with pytest.raises(ds.SpecificationError, match="in memory"):
        m.fit().residuals()


# --------------------------------------------------------------------------- 3. keyword-only fit
@pytest.mark.parametrize("name", ["cox", "event_logit", "dyadic_logit", "spatial_lag"])
def test_fit_rejects_positional_options(panel, dyads, spatial, name):
    model = _models(panel, dyads, spatial)[name][0]
    with pytest.raises(TypeError, match=r"fit\(\) takes 1 positional argument but 2 were given"):
        model.fit("classical")
    assert model.fit(cov_type="classical").cov_type == "classical"


# --------------------------------------------------------------------------- 4. caller's namespace
def shifted(v):
    """A user-defined transform living in the caller's module."""
    return v + 1.0


@pytest.mark.parametrize("name", ["cox", "event_logit", "dyadic_logit", "spatial_lag"])
def test_formula_sees_the_callers_namespace(panel, dyads, spatial, name):
    model, build, _ = _models(panel, dyads, spatial)[name]
    data = model.spec().data
    f = model.spec().formula.replace("~ x", "~ shifted(x) + z")
    direct = build(f, data).fit()
    assert "shifted(x)" in direct.params.index
    plain = build(model.spec().formula.replace("~ x", "~ x + z"), data).fit()
    np.testing.assert_allclose(direct.params["shifted(x)"], plain.params["x"], rtol=1e-8)
    # with_formula, with_data and predictions on new data use the namespace the model was built in
    _same_fit(model.with_formula(f).fit(), direct)
    kind = "linear" if name == "spatial_lag" else None
    new = data.iloc[:7]
    np.testing.assert_allclose(direct.predict(new, kind=kind).to_numpy(), plain.predict(new, kind=kind).to_numpy(),
                               rtol=1e-8)


def test_callers_local_function_and_data_columns_first(panel):
    def lagged(v):  # a local, not a module global
        return v * 2.0

    res = ds.EventLogit("event ~ lagged(x)", panel).fit()
    np.testing.assert_allclose(res.params["lagged(x)"] * 2.0, ds.EventLogit("event ~ x", panel).fit().params["x"])
    x = np.zeros(len(panel))  # noqa: F841  (a local named like a column: the column wins)
    _same_fit(ds.EventLogit("event ~ x", panel).fit(), res.model.with_formula("event ~ x").fit())
    with pytest.raises(ds.ColumnNotFoundError, match="not a column of data"):
        ds.EventLogit("event ~ not_here", panel)


# --------------------------------------------------------------------------- 5. uniform Results
@pytest.mark.parametrize("name", ["cox", "event_logit", "dyadic_logit", "spatial_lag"])
def test_uniform_results_attributes(panel, dyads, spatial, name):
    model = _models(panel, dyads, spatial)[name][0]
    res = model.fit()
    data = model.spec().data
    assert res.model is model
    assert isinstance(res.converged, bool) and res.converged
    assert isinstance(res.n_iter, int) and res.n_iter >= 1
    assert isinstance(res.loglik, float)
    fv = res.fitted_values
    assert isinstance(fv, pd.Series) and fv.name == "fitted" and len(fv) == res.nobs
    assert fv.index.isin(data.index).all() and fv.index.is_unique
    r = res.residuals()
    assert isinstance(r, pd.Series) and r.index.equals(fv.index)
    if name == "spatial_lag":
        assert res.n_events is None
        np.testing.assert_allclose(res.residuals(kind="pearson"), r / np.sqrt(res.sigma2))
        # no fixed effects: residual = y - fitted
        np.testing.assert_allclose(r, data.loc[r.index, "y"] - fv, atol=1e-10)
    else:
        y = data.loc[fv.index, "event"]
        assert res.n_events == int(y.sum())
        # observed - fitted: the response residual (logit) or the martingale residual (Cox)
        np.testing.assert_allclose(r, y - fv, atol=1e-12)
    with pytest.raises(ds.InputError, match="kind='nope'"):
        res.residuals(kind="nope")


def test_binary_residual_kinds_by_hand(panel):
    res = ds.EventLogit("event ~ x + z", panel, link="probit").fit()
    y, mu = panel["event"].to_numpy(float), res.fitted_values.to_numpy()
    np.testing.assert_allclose(res.residuals(kind="pearson"), (y - mu) / np.sqrt(mu * (1 - mu)))
    dev = res.residuals(kind="deviance")
    np.testing.assert_allclose((dev ** 2).sum(), res.deviance, rtol=1e-10)
    from scipy import stats
    eta = stats.norm.ppf(mu)
    np.testing.assert_allclose(res.residuals(kind="working"), (y - mu) / stats.norm.pdf(eta), rtol=1e-8)


def test_models_pickle_with_their_namespace(panel):
    import pickle

    m = ds.EventLogit("event ~ shifted(x)", panel, link="cloglog")
    assert set(m.spec().namespace) == {"shifted"}  # only the names the formula uses are kept
    m2 = pickle.loads(pickle.dumps(m))
    assert m2.spec().options["link"] == "cloglog" and m2.spec().roles == m.spec().roles
    _same_fit(m2.with_data(panel.iloc[:200]).fit(), ds.EventLogit("event ~ shifted(x)", panel.iloc[:200],
                                                                  link="cloglog").fit())

    def doubled(v):  # defined after the model: with_formula sees the caller's namespace too
        return 2.0 * v

    assert "doubled(z)" in m.with_formula("event ~ shifted(x) + doubled(z)").fit().params.index
