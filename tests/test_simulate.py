"""ds.simulate_diffusion: seeded generator, exposures equal to ds.exposure, recovery of known effects."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds


@pytest.fixture(scope="module")
def borders():
    return ds.Weights.us_borders()


@pytest.fixture(scope="module")
def network(borders):
    rng = np.random.default_rng(11)
    m = (rng.random((50, 50)) < 0.08).astype(float)
    np.fill_diagonal(m, 0)
    return ds.Weights.from_matrix(m, list(borders.labels), name="net")


def _panel(ad, labels, channels):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        p = ds.event_history(ad, windows=ad.reports.windows, units=labels)
        return ds.add_channels(p, ad, channels)


def test_output_layout_and_seed(borders):
    labels = list(borders.labels)
    a = ds.simulate_diffusion(labels, {"border": borders}, effects={"border": 1.0}, start=1990, end=2000,
                              n_policies=4, seed=5)
    b = ds.simulate_diffusion(labels, {"border": borders}, effects={"border": 1.0}, start=1990, end=2000,
                              n_policies=4, seed=5)
    c = ds.simulate_diffusion(labels, {"border": borders}, effects={"border": 1.0}, start=1990, end=2000,
                              n_policies=4, seed=6)
    assert list(a.columns) == ["unit", "policy", "year"]
    assert a["year"].dtype == np.int64
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert not a.duplicated(["unit", "policy"]).any()
    assert a["year"].between(1990, 2000).all()
    assert a.equals(a.sort_values(["policy", "year", "unit"]).reset_index(drop=True))
    assert list(a.reports.windows["policy"]) == ["p1", "p2", "p3", "p4"]
    assert a.reports.truth["effects"] == {"border": 1.0}


def test_generator_exposures_equal_ds_exposure(borders, network):
    """The generator's internal exposures are exactly ds.exposure's (shares, counts, weighted, lag 2)."""
    labels = list(borders.labels)
    chans = [ds.Channel("border", borders), ds.Channel("net_n", network, kind="count", lag=2),
             ds.Channel("net_w", network.row_standardize(), kind="weighted")]
    ad = ds.simulate_diffusion(labels, chans, effects={"border": 1.0, "net_n": 0.2, "net_w": 0.5}, start=1980,
                               end=2000, n_policies=5, baseline=0.05, seed=2, return_exposures=True)
    inner = ad.reports.exposures
    panel = _panel(ad, labels, chans)
    merged = panel.merge(inner, on=["policy", "unit", "year"], suffixes=("", "_gen"), validate="one_to_one")
    assert len(merged) == len(panel) == len(inner)
    for c in ("border", "net_n", "net_w"):
        np.testing.assert_allclose(merged[c].to_numpy(dtype=float), merged[f"{c}_gen"].to_numpy(), atol=1e-12)


def test_time_varying_weights_and_unit_spans(borders):
    labels = list(borders.labels)
    mats = {y: borders.matrix() for y in (1990, 1995)}
    Wt = ds.Weights.from_matrix(mats, labels, name="tv")
    units = pd.DataFrame({"unit": labels, "first_year": [1995.0] + [np.nan] * 49, "last_year": np.nan})
    ad = ds.simulate_diffusion(units, [ds.Channel("tv", Wt)], effects={"tv": 1.0}, start=1991, end=2000,
                               n_policies=3, baseline=0.1, seed=1, return_exposures=True)
    first = labels[0]
    assert (ad.loc[ad["unit"] == first, "year"] >= 1995).all()
    ex = ad.reports.exposures
    assert ex.loc[ex["unit"] == first, "year"].min() >= 1995


def test_covariates_and_common_shocks_recovered():
    """Logit DGP with a covariate: EventLogit recovers beta and gamma."""
    labels = [f"u{i:02d}" for i in range(60)]
    ring = np.roll(np.eye(60), 1, axis=1) + np.roll(np.eye(60), -1, axis=1)
    W = ds.Weights.from_matrix(ring, labels, name="ring")
    rng = np.random.default_rng(3)
    cov = pd.DataFrame([(u, y, rng.normal()) for u in labels for y in range(1980, 2011)],
                       columns=["unit", "year", "x"])
    ad = ds.simulate_diffusion(labels, {"ring": W}, effects={"ring": 1.2}, start=1980, end=2010, n_policies=40,
                               covariates=cov, beta={"x": 0.5}, baseline=0.03, model="logit", seed=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        p = ds.event_history(ad, windows=ad.reports.windows, units=labels, covariates=cov)
        p = ds.add_channels(p, ad, [ds.Channel("ring", W)])
    r = ds.EventLogit("event ~ ring + x", p).fit()
    assert abs(r.params["x"] - 0.5) < 4 * r.std_errors["x"]
    assert abs(r.params["ring"] - 1.2) < 4 * r.std_errors["ring"]


def test_bad_input(borders):
    labels = list(borders.labels)
    with pytest.raises(ds.InputError, match="model="):
        ds.simulate_diffusion(labels, {"b": borders}, start=1990, end=2000, model="probit")
    with pytest.raises(ds.InputError, match="not among the channels"):
        ds.simulate_diffusion(labels, {"b": borders}, effects={"c": 1.0}, start=1990, end=2000)
    with pytest.raises(ds.InputError, match="windows="):
        ds.simulate_diffusion(labels, {"b": borders})
    with pytest.raises(ds.InputError, match="covariates"):
        ds.simulate_diffusion(labels, {"b": borders}, beta={"x": 1.0}, start=1990, end=2000)
    with pytest.raises(ds.InputError, match="baseline"):
        ds.simulate_diffusion(labels, {"b": borders}, start=1990, end=2000, baseline=-1)
    with pytest.raises(ds.InputError, match="lag"):
        ds.simulate_diffusion(labels, [ds.Channel("b", borders, lag=0)], start=1990, end=2000)
    with pytest.raises(ds.DataValidationError, match="last_year < first_year"):
        ds.simulate_diffusion(labels, {"b": borders},
                              windows=pd.DataFrame({"policy": ["x"], "first_year": [2000], "last_year": [1990]}))
    cov = pd.DataFrame({"unit": labels[:10], "year": 1990, "x": 1.0})
    with pytest.raises(ds.DataValidationError, match="covariates are missing"):
        ds.simulate_diffusion(labels, {"b": borders}, beta={"x": 1.0}, covariates=cov, start=1990, end=1991)
