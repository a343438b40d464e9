"""Builder output keeps its accounting through a Parquet round trip (attrs are JSON-safe)."""

from __future__ import annotations

import warnings

import pandas as pd

import diffusion_stats as ds


def test_builders_write_parquet_and_keep_accounting(tmp_path):
    warnings.simplefilter("ignore", ds.RowAccountingWarning)
    demo = ds.datasets.load_demo()
    panel = ds.event_history(demo.adoptions, covariates=demo.covariates)
    panel = ds.exposure(panel, demo.adoptions, ds.Weights.us_borders("queen"), name="border")
    dy = ds.dyads(demo.adoptions, sources="prior_adopters")
    for name, df in {"panel": panel, "dyads": dy}.items():
        path = tmp_path / f"{name}.parquet"
        df.to_parquet(path)
        back = pd.read_parquet(path)
        acc = ds.accounting(back)
        assert isinstance(acc, ds.Accounting)
        assert acc.n_rows == ds.accounting(df).n_rows == len(df)
        assert [tuple(e) for e in acc.exclusions] == [tuple(e) for e in ds.accounting(df).exclusions]
    assert back is not None
    rep = pd.read_parquet(tmp_path / "panel.parquet").attrs["exposure"]["border"]
    assert rep["isolates"] == ["AK", "HI"]
