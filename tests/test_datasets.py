"""ds.datasets: bundled facts (checked against real data), download/cache/verify, loaders, demo."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import urllib.error

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats.core.bundled import bundled_path
from diffusion_stats.datasets import _fetch
from diffusion_stats.datasets._registry import REGISTRY, url_of

# ------------------------------------------------------------------ us_states


def test_us_states_table():
    s = ds.datasets.load_us_states()
    assert list(s.columns) == ["name", "postal", "fips", "region", "division", "statehood"]
    assert len(s) == 51 and s["postal"].is_unique and s["fips"].is_unique and s["name"].is_unique
    assert s["fips"].str.fullmatch(r"\d\d").all()
    assert s.groupby("region").size().to_dict() == {"Midwest": 12, "Northeast": 9, "South": 17, "West": 13}
    assert s["division"].nunique() == 9
    assert s.loc[s["postal"] == "DC", "statehood"].isna().all()
    assert s.loc[s["postal"] != "DC", "statehood"].between(1787, 1959).all()


def test_us_states_match_dhb_statehood_file(shared_data):
    ref = pd.read_csv(shared_data / "dhb2015" / "mkdata-network02-statehood.tab", sep="\t")
    s = ds.datasets.load_us_states().set_index("postal")
    assert set(ref["state"]) == set(s.index) - {"DC"}
    ref = ref.set_index("state")
    assert (s.loc[ref.index, "name"] == ref["statenam"]).all()
    assert (s.loc[ref.index, "fips"].astype(int) == ref["state_fips"]).all()
    assert (s.loc[ref.index, "statehood"].astype(int) == ref["yrstatehd"]).all()


def test_us_state_names_match_spid(shared_data):
    import pyreadr

    spid = pyreadr.read_r(str(shared_data / "spid" / "policies.RData"))["policies"]
    names = set(ds.datasets.load_us_states()["name"])
    assert set(spid["statenam"]) <= names and len(set(spid["statenam"])) == 50


# ------------------------------------------------------------------ borders


def test_border_table_shape():
    b = ds.datasets.load_us_state_borders()
    assert list(b.columns) == ["state1", "state2", "corner_only"] and b["corner_only"].dtype == bool
    assert len(b) == 109
    assert (b["state1"] < b["state2"]).all() and not b.duplicated(["state1", "state2"]).any()
    assert set(b["state1"]) | set(b["state2"]) <= set(ds.datasets.load_us_states()["postal"])
    assert not ({"AK", "HI"} & (set(b["state1"]) | set(b["state2"])))
    corners = b.loc[b["corner_only"], ["state1", "state2"]].apply(tuple, axis=1).tolist()
    assert sorted(corners) == [("AZ", "CO"), ("NM", "UT")]
    rook = ds.datasets.load_us_state_borders("rook")
    assert len(rook) == 107 and not rook["corner_only"].any()
    # water-only borders are not land borders
    pairs = set(b[["state1", "state2"]].apply(tuple, axis=1))
    assert not pairs & {("IL", "MI"), ("MA", "ME"), ("MI", "MN"), ("NY", "RI")}
    assert set(ds.datasets.WATER_BORDERS[["state1", "state2"]].apply(tuple, axis=1)) == {("IL", "MI"), ("MA", "ME")}
    with pytest.raises(ds.InputError, match="contiguity="):
        ds.datasets.load_us_state_borders("bishop")


def test_borders_match_census_polygons_in_libpysal():
    """Rook and queen contiguity of the lower-48 polygons (libpysal's us_income example)."""
    libpysal = pytest.importorskip("libpysal")
    import warnings

    from libpysal import examples

    try:
        shp = examples.get_path("us48.shp")
        dbf = examples.get_path("us48.dbf")
    except Exception:  # pragma: no cover - example not installed
        pytest.skip("libpysal us_income example not available")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        abbr = [row[-1] for row in libpysal.io.open(dbf)]
        queen = libpysal.weights.Queen.from_shapefile(shp)
        rook = libpysal.weights.Rook.from_shapefile(shp)

    def pairs(w):
        return {tuple(sorted((abbr[i], abbr[j]))) for i, nb in w.neighbors.items() for j in nb}

    b = ds.datasets.load_us_state_borders()
    b = b[(b["state1"] != "DC") & (b["state2"] != "DC")]
    ours_queen = set(b[["state1", "state2"]].apply(tuple, axis=1))
    ours_rook = set(b.loc[~b["corner_only"], ["state1", "state2"]].apply(tuple, axis=1))
    assert ours_queen == pairs(queen)
    assert ours_rook == pairs(rook)


def _lottery_neighbor_count(lottery: pd.DataFrame, adopt_year: pd.Series, borders: pd.DataFrame) -> pd.Series:
    """Plain pandas: number of bordering states that adopted before year t."""
    edges = pd.concat([borders.rename(columns={"state1": "i", "state2": "j"}),
                       borders.rename(columns={"state2": "i", "state1": "j"})])[["i", "j"]]
    m = lottery[["state", "year"]].reset_index().merge(edges, left_on="state", right_on="i", how="left")
    m["adopted_before"] = m["j"].map(adopt_year) < m["year"]
    return m.groupby("index")["adopted_before"].sum().reindex(lottery.index, fill_value=0)


def test_berry_berry_lottery_neighbor_reproduced(shared_data):
    lot = pd.read_csv(shared_data / "dhb2015" / "lottery.tab", sep="\t")
    assert len(lot) == 901
    lot["year"] = lot["year"] + 1900
    adopt_year = lot.loc[lot["adopt"] == 1].set_index("state")["year"]
    assert adopt_year.index.is_unique and len(adopt_year) == 27
    berry = pd.concat([ds.datasets.load_us_state_borders("queen"), ds.datasets.WATER_BORDERS], ignore_index=True)
    got = _lottery_neighbor_count(lot, adopt_year, berry)
    assert (got.to_numpy() == lot["neighbor"].to_numpy()).all()  # all 901 rows
    # without the two water borders it fails: they are needed, and not land borders
    land = _lottery_neighbor_count(lot, adopt_year, ds.datasets.load_us_state_borders("queen"))
    assert (land != lot["neighbor"]).sum() > 0


def test_lottery_loader_matches_file(shared_data):
    lot = ds.datasets.load_dhb2015("lottery")
    assert len(lot.data) == 901 and lot.data["year"].between(1964, 1986).all()
    assert len(lot.adoptions) == 27 and lot.adoptions["policy"].eq("lottery").all()
    raw = pd.read_csv(shared_data / "dhb2015" / "lottery.tab", sep="\t")
    expect = raw.loc[raw["adopt"] == 1, ["state", "year"]].assign(year=lambda d: d["year"] + 1900)
    got = lot.adoptions.set_index("unit")["year"].sort_index()
    assert got.equals(expect.set_index("state")["year"].sort_index().rename_axis("unit").astype("int64"))


# ------------------------------------------------------------------ loaders on real data


def test_load_spid(shared_data):
    spid = ds.datasets.load_spid()
    adoptions, metadata = spid
    assert len(adoptions) == 17_835 and adoptions["unit"].nunique() == 50 and adoptions["policy"].nunique() == 728
    assert list(adoptions.columns) == ["unit", "policy", "year"] and adoptions["year"].dtype == np.int64
    assert ds.accounting(adoptions).n_rows == 17_835
    assert len(metadata) == 728 and {"policy", "first_year", "last_year"} <= set(metadata.columns)
    assert adoptions["unit"].isin(ds.datasets.load_us_states()["name"]).all()
    postal = ds.datasets.load_spid(unit="postal").adoptions
    assert postal["unit"].str.fullmatch(r"[A-Z]{2}").all() and postal["unit"].nunique() == 50
    assert (postal["year"].to_numpy() == adoptions["year"].to_numpy()).all()
    with pytest.raises(ds.InputError, match="unit="):
        ds.datasets.load_spid(unit="fips")


@pytest.mark.parametrize("table,n_rows,policies", [
    ("gaming", 1500, {"indgam": 24, "casino": 10, "cardtab": 3}),
    ("punishment", 650, {"cappun": 39}),
    ("smoking", 3600, {"govbuildings": 40, "restaurants": 32, "outofpackage": 31}),
    ("statehood", 50, None),
    ("networks", 125_000, None),
])
def test_load_dhb2015_tables(shared_data, table, n_rows, policies):
    t = ds.datasets.load_dhb2015(table)
    assert len(t.data) == n_rows
    if policies is None:
        assert t.adoptions is None
    else:
        assert t.adoptions.groupby("policy").size().to_dict() == policies


def test_load_dhb2015_unknown():
    with pytest.raises(ds.InputError, match="did you mean 'lottery'"):
        ds.datasets.load_dhb2015("lotery")


def test_registry_matches_manifest(shared_data):
    man = pd.read_csv(shared_data / "MANIFEST.tsv", sep="\t")
    assert set(man["file"]) == set(REGISTRY)
    for row in man.itertuples():
        assert url_of(row.file) == row.source_url
        assert REGISTRY[row.file][2:] == (row.bytes, row.sha256)


# ------------------------------------------------------------------ download / cache / verify


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def offline_env(tmp_path, monkeypatch):
    """Empty data folder and a private cache; urlopen must be monkeypatched by the test."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("DIFFUSION_STATS_DATA", str(data))
    monkeypatch.setenv("DIFFUSION_STATS_CACHE", str(tmp_path / "cache"))
    calls = []

    def no_network(url, timeout=None):
        calls.append(url)
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(_fetch, "urlopen", no_network)
    return tmp_path, calls


def test_download_verifies_and_caches(shared_data, offline_env, monkeypatch):
    tmp, _ = offline_env
    payload = (shared_data / "spid" / "policies.RData").read_bytes()
    calls = []

    def fake_urlopen(url, timeout=None):
        calls.append(url)
        return FakeResponse(payload)

    monkeypatch.setattr(_fetch, "urlopen", fake_urlopen)
    path = ds.datasets.fetch("spid/policies.RData")
    assert path == tmp / "cache" / "spid" / "policies.RData"
    assert calls == [url_of("spid/policies.RData")]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == REGISTRY["spid/policies.RData"][3]
    # second use: served from the cache, no download
    adoptions, meta = ds.datasets.load_spid()
    assert len(adoptions) == 17_835 and len(calls) == 1
    # a corrupted cache file is detected and downloaded again
    path.write_bytes(b"garbage")
    ds.datasets.fetch("spid/policies.RData")
    assert len(calls) == 2 and path.read_bytes() == payload


def test_download_with_wrong_hash_is_refused(offline_env, monkeypatch):
    tmp, _ = offline_env
    monkeypatch.setattr(_fetch, "urlopen", lambda url, timeout=None: FakeResponse(b"not the file"))
    with pytest.raises(ds.DataNotAvailableError, match="does not match its published SHA-256.*was not saved"):
        ds.datasets.fetch("dhb2015/lottery.tab")
    assert not (tmp / "cache" / "dhb2015" / "lottery.tab").exists()
    assert not list((tmp / "cache" / "dhb2015").glob(".part-*"))


def test_offline_without_cache_explains_how_to_get_the_file(offline_env):
    tmp, calls = offline_env
    with pytest.raises(ds.DataNotAvailableError) as info:
        ds.datasets.load_spid()
    msg = str(info.value)
    assert url_of("spid/policies.RData") in msg
    assert str(tmp / "cache" / "spid" / "policies.RData") in msg and "DIFFUSION_STATS_DATA" in msg
    assert len(calls) == 1
    with pytest.raises(FileNotFoundError, match="download=False"):  # also a FileNotFoundError
        ds.datasets.fetch("spid/policies.RData", download=False)
    assert len(calls) == 1


def test_data_folder_used_first_and_verified(shared_data, offline_env, monkeypatch):
    tmp, calls = offline_env
    monkeypatch.setenv("DIFFUSION_STATS_DATA", str(shared_data))
    assert ds.datasets.fetch("dhb2015/lottery.tab") == shared_data / "dhb2015" / "lottery.tab"
    assert calls == []
    bad = tmp / "bad"
    (bad / "dhb2015").mkdir(parents=True)
    (bad / "dhb2015" / "lottery.tab").write_text("state\tyear\n")
    monkeypatch.setenv("DIFFUSION_STATS_DATA", str(bad))
    with pytest.raises(ds.DataValidationError, match="does not match the published SHA-256"):
        ds.datasets.fetch("dhb2015/lottery.tab")


def test_fetch_unknown_name():
    with pytest.raises(ds.InputError, match="did you mean 'spid/policies.RData'"):
        ds.datasets.fetch("spid/policies.rdata")


def test_default_cache_dir_is_user_cache(monkeypatch):
    import platformdirs

    monkeypatch.delenv("DIFFUSION_STATS_CACHE", raising=False)
    assert str(ds.datasets.cache_dir()) == platformdirs.user_cache_dir("diffusion_stats")


# ------------------------------------------------------------------ demo


def _make_demo_module():
    spec = importlib.util.spec_from_file_location("make_demo", bundled_path("make_demo.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_demo_files_reproduced_exactly_by_seeded_script():
    mod = _make_demo_module()
    adoptions, covariates = mod.simulate()
    assert mod.to_csv_text(adoptions) == bundled_path("demo_adoptions.csv").read_text(encoding="utf-8")
    assert mod.to_csv_text(covariates) == bundled_path("demo_covariates.csv").read_text(encoding="utf-8")
    # the documented true parameters are the script's
    params = ds.datasets.load_demo().params
    assert (params["a_intercept"], params["b_share"], params["c_x"], params["seed"]) == (
        mod.A_INTERCEPT, mod.B_SHARE, mod.C_X, mod.SEED)
    assert (params["first_year"], params["last_year"], params["n_policies"]) == (
        mod.FIRST_YEAR, mod.LAST_YEAR, mod.N_POLICIES)
    readme = bundled_path("README.md").read_text(encoding="utf-8")
    for text in ("a = -4.0, b = 3.0, c = 0.5", "20240611"):
        assert text in readme


def test_demo_loads_and_builds_a_complete_panel():
    demo = ds.datasets.load_demo()
    assert list(demo.adoptions.columns) == ["unit", "policy", "year"] and len(demo.adoptions) == 444
    assert demo.adoptions["year"].between(1980, 2019).all()
    assert demo.covariates.shape == (2000, 3) and not demo.covariates["x"].isna().any()
    states = ds.datasets.load_us_states().query("postal != 'DC'")["postal"]
    panel = ds.event_history(demo.adoptions, windows=demo.windows, units=states, covariates=demo.covariates)
    acc = ds.accounting(panel)
    assert len(panel) == 10_701 and int(panel["event"].sum()) == 444 and acc.exclusions == []
    assert panel.groupby("policy")["year"].min().eq(1980).all()
    assert acc.counts["rows without a covariates match"] == 0
