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
        "g": rng.choice(["a", "b"], size=n),
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
    df["event"] = (rng.random(len(df)) < 1 / (1 + np.exp(1 - 0.7 * df["x"]))).astype(int)
    return df


@pytest.fixture(scope="module")
def spatial():
    rng = np.random.default_rng(3)
    labels = [f"s{i}" for i in range(30)]
    W = ds.Weights.from_edges(pd.DataFrame({"source": labels, "target": labels[1:] + labels[:1]}))
    d = pd.DataFrame({"unit": labels, "x": rng.normal(size=30), "z": rng.normal(size=30),
                      "g": rng.choice(["a", "b"], size=30)})
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
