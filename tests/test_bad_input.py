"""Bad input, faults and files (issue 13): nothing silent, nothing lost.

Each item of the issue has a test reproducing it; ``test_catalogue`` runs >= 100 bad
inputs and asserts each raises from the DiffusionStatsError family (or warns with
counts) and that no input file is modified or deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats.core.errors import DiffusionStatsError, DiffusionStatsWarning


def _ad(years, units=None, policy="p"):
    units = units if units is not None else [chr(65 + i) for i in range(len(years))]
    return pd.DataFrame({"unit": units, "policy": policy, "year": years})


# --------------------------------------------------------------------------- implausible years
@pytest.mark.parametrize("bad", [20, 2950, -5, 99, 10**12])
def test_implausible_year_raises_naming_row(bad):
    with pytest.raises(ds.DataValidationError, match=rf"C p {bad}\b.*check_years=False"):
        ds.event_history(_ad([2001, 2002, bad]))


def test_implausible_year_opt_in_and_no_huge_allocation():
    panel = ds.event_history(_ad([2001, 2002, 1900]), check_years=False)
    assert len(panel) == 102 + 103 + 1
    with pytest.raises(ds.InputError, match="would build 999,999,998,001 rows"):
        ds.event_history(_ad([2001, 10**12]), check_years=False)


def test_implausible_start_end_and_window():
    with pytest.raises(ds.DataValidationError, match="start= 20"):
        ds.event_history(_ad([2001, 2002]), start=20)
    win = pd.DataFrame({"policy": ["p"], "first_year": [2000], "last_year": [20005]})
    with pytest.raises(ds.DataValidationError, match="windows last_year 20005"):
        ds.event_history(_ad([2001, 2002]), windows=win)


@pytest.mark.filterwarnings("ignore::diffusion_stats.RowAccountingWarning")
def test_real_spans_pass(shared_data):
    spid = ds.datasets.load_spid()
    assert len(ds.event_history(spid.adoptions, windows=spid.metadata)) == 582377  # 1691-2017, gaps <= 42


def test_demo_typo_year_raises():
    demo = ds.datasets.load_demo()
    ad = demo.adoptions.copy()
    i = ad.index[0]
    ad.loc[i, "year"] = 19
    with pytest.raises(ds.DataValidationError, match=f"{ad.loc[i, 'unit']} {ad.loc[i, 'policy']} 19"):
        ds.event_history(ad)


# --------------------------------------------------------------------------- topic subset
def test_topic_subset_warns_about_lost_units(shared_data):
    spid = ds.datasets.load_spid()
    meta = spid.metadata[spid.metadata["majortopic"] == "Immigration"]
    sub = spid.adoptions[spid.adoptions["policy"].isin(meta["policy"])]
    with pytest.warns(ds.RowAccountingWarning, match=r"31 of the 50 units .* units=adoptions\.reports\.units"):
        small = ds.event_history(sub, windows=meta)
    assert len(small) == 233
    with warnings.catch_warnings():
        warnings.simplefilter("error", ds.RowAccountingWarning)
        full = ds.event_history(sub, windows=meta, units=sub.reports.units)
    assert len(full) == 822


# --------------------------------------------------------------------------- stopping rule
def test_irls_default_lands_on_optimum(shared_data):
    from _helpers import lottery_complete_cases

    df = lottery_complete_cases(shared_data)
    df["t"] = df["year"] - 63
    f = "adopt ~ elect1 + elect2 + income1 + fiscal + party + religion + neighbor"
    for link in ("cloglog", "probit"):  # non-canonical: IRLS converges linearly (the old rule stopped 2e-7 short)
        m = ds.EventLogit(f, df, duration="cubic", clock="t", link=link)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ds.SeparationWarning)  # probit: 19 fitted probabilities ~0
            a, b = m.fit(), m.fit(tol=1e-15, max_iter=300)
        np.testing.assert_allclose(a.params, b.params, rtol=1e-8, atol=0)
    from _helpers import lottery_counting_process

    lot = lottery_counting_process(shared_data)
    m = ds.CoxHazard("adopt ~ fiscal + elect1 + elect2 + income1 + religion + neighbor", lot)
    np.testing.assert_allclose(m.fit().params, m.fit(tol=1e-18, max_iter=200).params, rtol=1e-10, atol=0)


# --------------------------------------------------------------------------- cached dataset
def test_bad_cache_file_is_moved_aside_not_deleted(tmp_path, monkeypatch):
    from diffusion_stats.datasets import _fetch

    monkeypatch.delenv("DIFFUSION_STATS_DATA", raising=False)
    monkeypatch.setenv("DIFFUSION_STATS_CACHE", str(tmp_path))
    f = tmp_path / "spid" / "policies.RData"
    f.parent.mkdir()
    f.write_bytes(b"my own file")
    with pytest.warns(DiffusionStatsWarning, match="moved aside"), \
            pytest.raises(ds.DataNotAvailableError, match="not deleted"):
        _fetch.fetch("spid/policies.RData", download=False)
    aside = list(f.parent.glob("policies.RData.sha256-mismatch-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"my own file"


# --------------------------------------------------------------------------- Cox / GLM items
@pytest.fixture(scope="module")
def hard_ref(reference_dir):
    return json.loads((reference_dir / "hardening" / "reference.json").read_text())


def test_cox_noninteger_weights_default_robust_as_r(reference_dir, hard_ref):
    cw = pd.read_csv(reference_dir / "hardening" / "cox_weights.csv")
    res = ds.CoxHazard("event ~ x", cw, start=None, weights="w").fit()
    R = hard_ref["cox_weights"]
    assert res.cov_type == "robust" and R["robust"]
    np.testing.assert_allclose(res.params, [R["coef"]], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors, [R["se"]], rtol=1e-5)
    np.testing.assert_allclose(res.naive_std_errors, [R["naive_se"]], rtol=1e-5)
    assert "not integers, as R's coxph" in str(res.summary())
    assert ds.CoxHazard("event ~ x", cw, start=None, weights="w").fit(cov_type="classical").cov_type == "classical"


def test_glm_shifted_column_fits_like_r(reference_dir, hard_ref):
    g = pd.read_csv(reference_dir / "hardening" / "glm_shift.csv").assign(z=lambda d: d["x"] + 1e8)
    res = ds.EventLogit("y ~ z", g).fit()
    # R's glm(y ~ z) agrees with glm(y ~ x) on the slope to 2.5e-9 (and reports non-convergence); the
    # slope is identical in theory, so compare with the well-conditioned fit
    np.testing.assert_allclose(res.params["z"], hard_ref["glm_x"]["coef"][1], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors["z"], hard_ref["glm_x"]["se"][1], rtol=1e-5)
    np.testing.assert_allclose(res.params["z"], hard_ref["glm_z"]["coef"][1], rtol=1e-6)


def _cox_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"start": 0.0, "stop": rng.exponential(size=n).round(1) + 0.1,
                         "event": (rng.random(n) < 0.7).astype(int), "x": rng.normal(size=n),
                         "g": rng.integers(0, 4, n), "one": 1, "w": rng.uniform(0.5, 2, n)})


def test_cox_one_cluster_refused_few_warned():
    d = _cox_data()
    with pytest.raises(ds.SpecificationError, match="1 cluster"):
        ds.CoxHazard("event ~ x", d).fit(cluster="one")
    with pytest.warns(DiffusionStatsWarning, match="only 4 clusters"):
        ds.CoxHazard("event ~ x", d).fit(cluster="g")


def test_exact_ties_flat_likelihood_refused():
    d = pd.DataFrame({"start": [0, 0, 0, 1, 1, 1], "stop": [1, 1, 1, 2, 2, 2], "event": 1,
                      "x": [0.1, 0.5, 0.3, 1, 2, 0.4]})
    with pytest.raises(ds.SpecificationError, match="flat in \\['x'\\].*ties='exact'"):
        ds.CoxHazard("event ~ x", d, ties="exact").fit()


def test_max_iter_is_not_separation():
    with pytest.warns(ds.ConvergenceWarning, match="not separation: raise max_iter"):
        ds.CoxHazard("event ~ x", _cox_data().assign(x=lambda d: d["x"] * 3)).fit(max_iter=1)


def test_text_numbers_raise_unless_categorical():
    d = _cox_data().assign(k=lambda d: d["g"].astype(float).astype(str))
    with pytest.raises(ds.DataValidationError, match=r"pd.to_numeric\(data\['k'\]\)"):
        ds.CoxHazard("event ~ x + k", d)
    with pytest.raises(ds.DataValidationError, match="stored as text"):
        ds.EventLogit("event ~ x + k", d)
    assert "C(k)[T.1.0]" in ds.EventLogit("event ~ x + C(k)", d).fit().params.index


def test_inf_covariate_raises():
    d = _cox_data()
    d.loc[5, "x"] = np.inf
    for model in (lambda: ds.CoxHazard("event ~ x", d), lambda: ds.EventLogit("event ~ x", d)):
        with pytest.raises(ds.DataValidationError, match="infinite value in \\['x'\\]"):
            model()


@pytest.mark.filterwarnings("ignore::diffusion_stats.RowAccountingWarning")
def test_symmetric_dyad_covariate_both_orders_must_agree():
    ad = pd.DataFrame({"unit": ["A", "B", "C"], "policy": "p", "year": [2001, 2002, 2003]})
    bad = pd.DataFrame({"unit": ["A", "B"], "partner": ["B", "A"], "z": [1.0, 99.0]})
    with pytest.raises(ds.DataValidationError, match="A-B: z=1.0 vs B-A: z=99.0"):
        ds.dyads(ad, dyad_covariates=(bad, "symmetric"))
    ok = bad.assign(z=1.0)
    assert len(ds.dyads(ad, dyad_covariates=(ok, "symmetric"))) == 4


def test_wald_test_shapes():
    res = ds.EventLogit("event ~ x", _cox_data()).fit()
    with pytest.raises(ds.InputError, match=r"R has shape \(1, 3\).*2: \['Intercept', 'x'\]"):
        res.wald_test(np.ones((1, 3)))
    with pytest.raises(ds.InputError, match="q has shape"):
        res.wald_test(np.eye(2), q=[0, 0, 0])


def test_exposure_unknown_unit_did_you_mean():
    W = ds.Weights.from_edges(pd.DataFrame({"source": ["New York", "Ohio"], "target": ["Ohio", "Iowa"]}))
    panel = pd.DataFrame({"policy": "p", "unit": ["Nwe Yrok", "Ohio"], "year": 2001})
    ad = pd.DataFrame({"unit": ["Ohio"], "policy": "p", "year": [2000]})
    with pytest.raises(ds.InputError, match="Nwe Yrok \\(did you mean 'New York'\\?\\)"):
        ds.exposure(panel, ad, W)


# --------------------------------------------------------------------------- Parquet part folders
AD3 = pd.DataFrame({"unit": list("ABAB"), "policy": list("ppqq"), "year": [2001, 2002, 2002, 2003]})


def _write(folder, **kw):
    return ds.write_dyads_parquet(AD3, folder, units=list("ABC"), sources="all", partition_rows=5,
                                  progress=False, **kw)


def test_parts_manifest_and_reader(tmp_path):
    acc = _write(tmp_path / "d")
    info = ds.check_parquet_parts(tmp_path / "d")
    assert info["complete"] and info["rows"] == acc.counts["dyad rows"] == len(ds.read_parquet_parts(tmp_path / "d"))
    assert len(pd.read_parquet(tmp_path / "d")) == info["rows"]  # the manifest does not disturb pandas
    with pytest.raises(ds.InputError, match="already holds a complete set"):
        _write(tmp_path / "d")


def test_parts_refuse_foreign_parquet_and_validate_first(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    pd.DataFrame({"a": [1]}).to_parquet(folder / "data.parquet")
    with pytest.raises(ds.InputError, match="not written by diffusion_stats"):
        _write(folder)
    with pytest.raises(DiffusionStatsError):
        ds.write_dyads_parquet(AD3.drop(columns="year"), tmp_path / "new")
    assert not (tmp_path / "new").exists()  # bad input creates nothing


def test_parts_reader_detects_damage(tmp_path):
    _write(tmp_path / "d")
    parts = sorted((tmp_path / "d").glob("part-*.parquet"))
    parts[0].unlink()
    with pytest.raises(ds.DataValidationError, match="missing"):
        ds.read_parquet_parts(tmp_path / "d")
    _write(tmp_path / "e")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "e" / "extra.parquet")
    with pytest.raises(ds.DataValidationError, match="does not list"):
        ds.check_parquet_parts(tmp_path / "e")


_SLOW_WRITER = """
import sys, time
import pandas as pd
import diffusion_stats as ds
from diffusion_stats.design import _parts
real = _parts.write_part_file
def slow(df, path):  # a slow disk: time to be killed mid-write
    real(df, path)
    print("part", path, flush=True)
    time.sleep(float(sys.argv[2]))
_parts.write_part_file = slow
ad = pd.DataFrame({"unit": list("ABABAB"), "policy": list("ppqqrr"), "year": [2001, 2002, 2002, 2003, 2001, 2003]})
ds.write_dyads_parquet(ad, sys.argv[1], units=list("ABC"), sources="all", partition_rows=1, progress=False)
print("done", flush=True)
"""


@pytest.mark.slow  # ~6 s: two interpreter start-ups
def test_interrupted_write_detected_and_rerun_completes(tmp_path):
    folder = tmp_path / "dyads"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(ds.__file__).parents[1]),
                                                         os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(folder), "30"], stdout=subprocess.PIPE,
                            text=True, env=env)
    try:
        line = proc.stdout.readline()  # the first part is on disk; the writer now sleeps
        assert line.startswith("part"), line
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.stdout.close()
    assert len(list(folder.glob("part-*.parquet"))) == 1
    with pytest.raises(ds.DataValidationError, match="incomplete.*rerun the same call"):
        ds.read_parquet_parts(folder)
    r = subprocess.run([sys.executable, "-c", _SLOW_WRITER, str(folder), "0"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0 and "done" in r.stdout, r.stderr
    info = ds.check_parquet_parts(folder)
    assert len(info["files"]) == 3 and len(ds.read_parquet_parts(folder)) == info["rows"]


# --------------------------------------------------------------------------- CLI
@pytest.fixture()
def cli_files(tmp_path):
    demo = ds.datasets.load_demo()
    ad = demo.adoptions[demo.adoptions["policy"].isin(sorted(demo.adoptions["policy"].unique())[:2])]
    ad.to_csv(tmp_path / "adopt.csv", index=False)
    return tmp_path


def _cli(argv):
    from diffusion_stats import cli

    return cli.main([*argv, "--no-progress", "--debug"])


def test_cli_unknown_unit_raises_with_did_you_mean(cli_files):
    ad = pd.read_csv(cli_files / "adopt.csv")
    ad.loc[ad.index[0], "unit"] = "NYY"  # demo units are postal codes
    ad.to_csv(cli_files / "typo.csv", index=False)
    argv = ["analyze", str(cli_files / "typo.csv"), "--weights", "border=us-borders", "--model", "logit"]
    with pytest.raises(DiffusionStatsError, match=r"not in the weight matrix: NYY \(did you mean 'NY'\?\).*"
                       "--missing-units zero"):
        _cli([*argv, "--out", str(cli_files / "o")])
    assert not (cli_files / "o").exists()
    assert _cli([*argv, "--missing-units", "zero", "--out", str(cli_files / "o2")]) == 0  # the old behaviour


@pytest.mark.slow  # four analyze runs
def test_cli_out_folder_manifest(cli_files, capsys):
    out = cli_files / "rep"
    out.mkdir()
    (out / "report.html").write_text("my own notes")
    base = ["analyze", str(cli_files / "adopt.csv"), "--weights", "border=us-borders", "--model", "logit"]
    with pytest.raises(ds.InputError, match="did not write.*--force"):
        _cli([*base, "--out", str(out)])
    assert (out / "report.html").read_text() == "my own notes"
    fresh = cli_files / "fresh"
    assert _cli([*base, "--weights", "rook=us-borders-rook", "--out", str(fresh)]) == 0
    man = json.loads((fresh / "diffusion_stats_manifest.json").read_text())
    assert "report.html" in man["files"] and "tables/horse_race.tex" in man["files"]
    assert _cli([*base, "--out", str(fresh)]) == 0  # its own folder: exactly its files replaced
    assert not (fresh / "tables" / "horse_race.tex").exists()  # no stale table beside the new report
    (fresh / "notes.txt").write_text("mine")
    with pytest.raises(ds.InputError, match="notes.txt"):
        _cli([*base, "--out", str(fresh)])
    assert _cli([*base, "--out", str(fresh), "--force"]) == 0
    assert (fresh / "notes.txt").read_text() == "mine"
    assert "notes.txt" not in json.loads((fresh / "diffusion_stats_manifest.json").read_text())["files"]
    capsys.readouterr()


def test_cli_no_weights_fails_and_flags_named(cli_files):
    with pytest.raises(ds.InputError, match="nothing to put in a model"):
        _cli(["analyze", str(cli_files / "adopt.csv"), "--out", str(cli_files / "o")])
    with pytest.raises(ds.InputError, match="--unit COL"):
        _cli(["analyze", str(cli_files / "adopt.csv"), "--unit", "state", "--out", str(cli_files / "o")])
    (cli_files / "bad.rds").write_bytes(b"\x1f\x8b not an R file")
    with pytest.raises(ds.InputError, match="corrupt, truncated"):
        _cli(["analyze", str(cli_files / "adopt.csv"), "--weights", f"w={cli_files / 'bad.rds'}", "--out",
              str(cli_files / "o")])


# --------------------------------------------------------------------------- the catalogue
RNG = np.random.default_rng(7)
AD = pd.DataFrame({"unit": list("ABCDE"), "policy": list("ppqqp"), "year": [2000, 2002, 2001, 2003, 2004]})
N = 160
GLM = pd.DataFrame({"y": (RNG.random(N) < 0.3).astype(int), "x": RNG.normal(size=N), "g": RNG.integers(0, 20, N),
                    "one": 1, "few": RNG.integers(0, 3, N), "x2": 0.0})
GLM["x2"] = 2 * GLM["x"]
COX = _cox_data(N, seed=3).assign(g20=lambda d: np.arange(len(d)) % 20)
CHAIN = pd.DataFrame({"source": list("ABCD"), "target": list("BCDE")})
SEP = pd.DataFrame({"y": [0, 0, 0, 0, 1, 1, 1, 1], "x": [1.0, 2, 3, 4, 5, 6, 7, 8]})


def _W():
    return ds.Weights.from_edges(CHAIN)


def _panel():
    return ds.event_history(AD, units=list("ABCDEF"))


def _files(root: Path) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    f = {"adopt": root / "adopt.csv", "garbage": root / "garbage.csv", "rdata": root / "corrupt.RData",
         "parquet": root / "corrupt.parquet", "xlsx": root / "adopt.xlsx", "empty": root / "empty.csv",
         "noyear": root / "noyear.csv", "dups": root / "dups.csv", "weights_bad": root / "w.rds"}
    AD.to_csv(f["adopt"], index=False)
    f["garbage"].write_bytes(b'unit,policy,year\nA,p,"2001\nB,p\x00,20x\n\xff\xfe')
    f["rdata"].write_bytes(b"RDX3\n\x00\x00garbage")
    f["parquet"].write_bytes(b"PAR1 not really parquet")
    f["xlsx"].write_bytes(b"PK\x03\x04")
    f["empty"].write_text("")
    AD.assign(year=np.nan).to_csv(f["noyear"], index=False)
    pd.concat([AD, AD.assign(year=AD["year"] + 1)]).to_csv(f["dups"], index=False)
    f["weights_bad"].write_bytes(b"X\n\x00\x00\x00\x03")
    return f


def _out_with_user_file(root: Path) -> Path:
    out = root / "user_out"
    out.mkdir(exist_ok=True)
    (out / "report.html").write_text("mine")
    return out


def _part_dir(root: Path, state: str) -> Path:
    d = root / f"parts_{state}"
    if state == "foreign":
        d.mkdir()
        pd.DataFrame({"a": [1]}).to_parquet(d / "x.parquet")
    elif state == "incomplete":
        d.mkdir()
        (d / "_diffusion_stats_parts.json").write_text('{"complete": false, "files": []}')
    elif state == "nomanifest":
        d.mkdir()
    elif state == "isfile":
        d.write_text("a file")
    return d


# (id, expected error class or warning class, thunk taking the files dict and the root folder)
E, W = "error", "warn"
CASES = [
    # adoptions tables
    ("adopt-not-dataframe", E, lambda f, r: ds.event_history([("A", "p", 2000)])),
    ("adopt-missing-unit", E, lambda f, r: ds.event_history(AD.drop(columns="unit"))),
    ("adopt-missing-policy", E, lambda f, r: ds.event_history(AD.drop(columns="policy"))),
    ("adopt-missing-year", E, lambda f, r: ds.event_history(AD.drop(columns="year"))),
    ("adopt-duplicate", E, lambda f, r: ds.event_history(pd.concat([AD, AD.iloc[:1].assign(year=2005)]))),
    ("adopt-nan-year", E, lambda f, r: ds.event_history(AD.assign(year=[2000, np.nan, 2001, 2003, 2004]))),
    ("adopt-fractional-year", E, lambda f, r: ds.event_history(AD.assign(year=[2000.5, 2002, 2001, 2003, 2004]))),
    ("adopt-text-year", E, lambda f, r: ds.event_history(AD.assign(year=["x", "2002", "2001", "2003", "2004"]))),
    ("adopt-inf-year", E, lambda f, r: ds.event_history(AD.assign(year=[np.inf, 2002, 2001, 2003, 2004]))),
    ("adopt-nan-unit", E, lambda f, r: ds.event_history(AD.assign(unit=[None, "B", "C", "D", "E"]))),
    ("year-20", E, lambda f, r: ds.event_history(AD.assign(year=[20, 2002, 2001, 2003, 2004]))),
    ("year-2950", E, lambda f, r: ds.event_history(AD.assign(year=[2950, 2002, 2001, 2003, 2004]))),
    ("year-minus5", E, lambda f, r: ds.event_history(AD.assign(year=[-5, 2002, 2001, 2003, 2004]))),
    ("year-two-digit", E, lambda f, r: ds.event_history(AD.assign(year=[99, 2002, 2001, 2003, 2004]))),
    ("year-1e12", E, lambda f, r: ds.event_history(AD.assign(year=[10**12, 2002, 2001, 2003, 2004]))),
    ("year-1e12-opted-in", E, lambda f, r: ds.event_history(AD.assign(year=[10**12, 2002, 2001, 2003, 2004]),
                                                             check_years=False)),
    ("start-far", E, lambda f, r: ds.event_history(AD, start=1)),
    ("end-far", E, lambda f, r: ds.event_history(AD, end=9999)),
    ("start-after-end", E, lambda f, r: ds.event_history(AD, start=2004, end=2001)),
    ("start-fractional", E, lambda f, r: ds.event_history(AD, start=2000.5)),
    ("start-text", E, lambda f, r: ds.event_history(AD, start="soon")),
    ("windows-not-frame", E, lambda f, r: ds.event_history(AD, windows=[("p", 2000, 2005)])),
    ("windows-missing-col", E, lambda f, r: ds.event_history(AD, windows=pd.DataFrame({"policy": ["p"]}))),
    ("windows-dup", E, lambda f, r: ds.event_history(AD, windows=pd.DataFrame(
        {"policy": ["p", "p"], "first_year": [2000, 2000], "last_year": [2005, 2005]}))),
    ("windows-far-year", E, lambda f, r: ds.event_history(AD, windows=pd.DataFrame(
        {"policy": ["p", "q"], "first_year": [2000, 2000], "last_year": [20005, 2005]}))),
    ("windows-drop-policy", W, lambda f, r: ds.event_history(AD, windows=pd.DataFrame(
        {"policy": ["p"], "first_year": [2000], "last_year": [2005]}))),
    ("units-string", E, lambda f, r: ds.event_history(AD, units="ABCDE")),
    ("units-dup", E, lambda f, r: ds.event_history(AD, units=list("ABCDEA"))),
    ("units-first-after-last", E, lambda f, r: ds.event_history(AD, units=pd.DataFrame(
        {"unit": list("ABCDE"), "first_year": 2005, "last_year": 2000}))),
    ("units-drop-adopters", W, lambda f, r: ds.event_history(AD, units=list("ABC"))),
    ("units-before-first-year", W, lambda f, r: ds.event_history(AD, units=pd.DataFrame(
        {"unit": list("ABCDE"), "first_year": 2003}))),
    ("subset-loses-units", W, lambda f, r: ds.event_history(ds.read_adoptions(AD).query("policy == 'q'"))),
    ("covariates-not-frame", E, lambda f, r: ds.event_history(AD, covariates=[1, 2])),
    ("covariates-no-year", E, lambda f, r: ds.event_history(AD, covariates=pd.DataFrame({"unit": ["A"]}))),
    ("covariates-dup", E, lambda f, r: ds.event_history(AD, covariates=pd.DataFrame(
        {"unit": ["A", "A"], "year": [2000, 2000], "z": [1, 2]}))),
    ("covariates-clash", E, lambda f, r: ds.event_history(AD, covariates=pd.DataFrame(
        {"unit": ["A"], "year": [2000], "event": [1]}))),
    ("covariates-unmatched", W, lambda f, r: ds.event_history(AD, covariates=pd.DataFrame(
        {"unit": ["A"], "year": [2000], "z": [1.0]}))),
    # files
    ("file-missing", E, lambda f, r: ds.read_adoptions(r / "nope.csv")),
    ("file-xlsx", E, lambda f, r: ds.read_adoptions(f["xlsx"])),
    ("file-garbage-csv", E, lambda f, r: ds.read_adoptions(f["garbage"])),
    ("file-empty-csv", E, lambda f, r: ds.read_adoptions(f["empty"])),
    ("file-corrupt-rdata", E, lambda f, r: ds.read_adoptions(f["rdata"])),
    ("file-corrupt-parquet", E, lambda f, r: ds.read_adoptions(f["parquet"])),
    ("file-object-for-csv", E, lambda f, r: ds.read_adoptions(f["adopt"], object="policies")),
    ("file-no-years", E, lambda f, r: ds.read_adoptions(f["noyear"])),
    ("file-duplicates", E, lambda f, r: ds.read_adoptions(f["dups"])),
    ("file-wrong-unit-col", E, lambda f, r: ds.read_adoptions(f["adopt"], unit="state")),
    ("file-duplicates-first", W, lambda f, r: ds.read_adoptions(f["dups"], duplicates="first")),
    ("file-missing-drop", W, lambda f, r: ds.read_adoptions(f["noyear"], missing="drop")),
    # exposure / weights
    ("exposure-W-not-weights", E, lambda f, r: ds.exposure(_panel(), AD, CHAIN)),
    ("exposure-kind", E, lambda f, r: ds.exposure(_panel(), AD, _W(), kind="mean")),
    ("exposure-missing-units-opt", E, lambda f, r: ds.exposure(_panel(), AD, _W(), missing_units="ignore")),
    ("exposure-lag-negative", E, lambda f, r: ds.exposure(_panel(), AD, _W(), lag=-1)),
    ("exposure-lag-fraction", E, lambda f, r: ds.exposure(_panel(), AD, _W(), lag=1.5)),
    ("exposure-panel-list", E, lambda f, r: ds.exposure([1], AD, _W())),
    ("exposure-name-clash", E, lambda f, r: ds.exposure(_panel(), AD, _W(), name="event")),
    ("exposure-unknown-unit", E, lambda f, r: ds.exposure(_panel(), AD, _W())),
    ("exposure-missing-zero", W, lambda f, r: ds.exposure(_panel(), AD, _W(), missing_units="zero")),
    ("weights-edges-missing-col", E, lambda f, r: ds.Weights.from_edges(CHAIN.rename(columns={"target": "to"}))),
    ("weights-self-loop", E, lambda f, r: ds.Weights.from_edges(pd.DataFrame({"source": ["A"], "target": ["A"]}))),
    ("weights-negative", E, lambda f, r: ds.Weights.from_edges(CHAIN.assign(w=-1.0), weight="w")),
    ("weights-nan", E, lambda f, r: ds.Weights.from_edges(CHAIN.assign(w=np.nan), weight="w")),
    ("weights-matrix-not-square", E, lambda f, r: ds.Weights.from_matrix(np.ones((3, 4)))),
    ("weights-matrix-misaligned-labels", E, lambda f, r: ds.Weights.from_matrix(np.ones((3, 3)), labels=list("AB"))),
    ("weights-matrix-dup-labels", E, lambda f, r: ds.Weights.from_matrix(np.ones((2, 2)), labels=["A", "A"])),
    # binary models
    ("logit-not-frame", E, lambda f, r: ds.EventLogit("y ~ x", GLM.to_dict())),
    ("logit-no-tilde", E, lambda f, r: ds.EventLogit("y x", GLM)),
    ("logit-unknown-column", E, lambda f, r: ds.EventLogit("y ~ z", GLM)),
    ("logit-text-number", E, lambda f, r: ds.EventLogit("y ~ k", GLM.assign(k=GLM["x"].round(2).astype(str)))),
    ("logit-inf", E, lambda f, r: ds.EventLogit("y ~ x", GLM.assign(x=GLM["x"].where(GLM.index != 3, np.inf)))),
    ("logit-nan", E, lambda f, r: ds.EventLogit("y ~ x", GLM.assign(x=GLM["x"].where(GLM.index != 3)))),
    ("logit-nan-drop", W, lambda f, r: ds.EventLogit("y ~ x", GLM.assign(x=GLM["x"].where(GLM.index != 3)),
                                                     missing="drop")),
    ("logit-nonbinary", E, lambda f, r: ds.EventLogit("x ~ g", GLM)),
    ("logit-constant-y", E, lambda f, r: ds.EventLogit("one ~ x", GLM).fit()),
    ("logit-collinear", E, lambda f, r: ds.EventLogit("y ~ x + x2", GLM).fit()),
    ("logit-bad-link", E, lambda f, r: ds.EventLogit("y ~ x", GLM, link="identity")),
    ("logit-one-cluster", E, lambda f, r: ds.EventLogit("y ~ x", GLM).fit(cluster="one")),
    ("logit-few-clusters", W, lambda f, r: ds.EventLogit("y ~ x", GLM).fit(cluster="few")),
    ("logit-cluster-unknown", E, lambda f, r: ds.EventLogit("y ~ x", GLM).fit(cluster="grp")),
    ("logit-cov-type", E, lambda f, r: ds.EventLogit("y ~ x", GLM).fit(cov_type="sandwich")),
    ("logit-hc-type", E, lambda f, r: ds.EventLogit("y ~ x", GLM).fit(cov_type="robust", hc_type="HC9")),
    ("logit-separation", W, lambda f, r: ds.EventLogit("y ~ x", SEP).fit()),
    ("logit-max-iter", W, lambda f, r: ds.EventLogit("y ~ x", GLM).fit(max_iter=1)),
    ("logit-duration", E, lambda f, r: ds.EventLogit("y ~ x", GLM, duration="quartic")),
    ("logit-empty", E, lambda f, r: ds.EventLogit("y ~ x", GLM.iloc[:0]).fit()),
    ("wald-shape", E, lambda f, r: ds.EventLogit("y ~ x", GLM).fit().wald_test(np.ones((1, 3)))),
    ("wald-unknown-term", E, lambda f, r: ds.EventLogit("y ~ x", GLM).fit().wald_test(["z"])),
    ("wald-q-shape", E, lambda f, r: ds.EventLogit("y ~ x", GLM).fit().wald_test(["x"], q=[0, 1])),
    ("wald-not-numeric", E, lambda f, r: ds.EventLogit("y ~ x", GLM).fit().wald_test([["a", "b"], [1]])),
    # Cox
    ("cox-text-number", E, lambda f, r: ds.CoxHazard("event ~ k", COX.assign(k=COX["x"].round(2).astype(str)))),
    ("cox-inf", E, lambda f, r: ds.CoxHazard("event ~ x", COX.assign(x=COX["x"].where(COX.index != 2, -np.inf)))),
    ("cox-nan", E, lambda f, r: ds.CoxHazard("event ~ x", COX.assign(x=COX["x"].where(COX.index != 2)))),
    ("cox-stop-before-start", E, lambda f, r: ds.CoxHazard("event ~ x", COX.assign(start=COX["stop"] + 1))),
    ("cox-event-nonbinary", E, lambda f, r: ds.CoxHazard("g ~ x", COX)),
    ("cox-no-events", E, lambda f, r: ds.CoxHazard("event ~ x", COX.assign(event=0))),
    ("cox-ties", E, lambda f, r: ds.CoxHazard("event ~ x", COX, ties="peto")),
    ("cox-one-cluster", E, lambda f, r: ds.CoxHazard("event ~ x", COX).fit(cluster="one")),
    ("cox-few-clusters", W, lambda f, r: ds.CoxHazard("event ~ x", COX).fit(cluster="g")),
    ("cox-flat-exact", E, lambda f, r: ds.CoxHazard("event ~ x", pd.DataFrame(
        {"start": [0, 0, 0, 1, 1, 1], "stop": [1, 1, 1, 2, 2, 2], "event": 1, "x": [0.1, 0.5, 0.3, 1, 2, 0.4]}),
        ties="exact").fit()),
    ("cox-separation", W, lambda f, r: ds.CoxHazard("event ~ x", pd.DataFrame(
        {"stop": np.arange(1.0, 9.0), "event": 1, "x": np.arange(8.0, 0.0, -1.0)}), start=None).fit()),
    ("cox-max-iter", W, lambda f, r: ds.CoxHazard("event ~ x", COX.assign(x=COX["x"] * 3)).fit(max_iter=1)),
    ("cox-exact-weights", E, lambda f, r: ds.CoxHazard("event ~ x", COX, ties="exact", weights="w").fit()),
    ("cox-negative-weights", E, lambda f, r: ds.CoxHazard("event ~ x", COX.assign(w=-COX["w"]), weights="w")),
    ("cox-strata-unknown", E, lambda f, r: ds.CoxHazard("event ~ x", COX, strata="grp")),
    ("cox-start-unknown", E, lambda f, r: ds.CoxHazard("event ~ x", COX, start="begin")),
    ("cox-cluster-na", E, lambda f, r: ds.CoxHazard("event ~ x", COX.assign(g20=COX["g20"].where(
        COX.index != 0))).fit(cluster="g20")),
    ("cox-constant-covariate", E, lambda f, r: ds.CoxHazard("event ~ one", COX)),
    ("cox-no-covariates", E, lambda f, r: ds.CoxHazard("event ~ 0", COX)),
    # dyads
    ("dyads-sources", E, lambda f, r: ds.dyads(AD, sources="everyone")),
    ("dyads-cov-not-frame", E, lambda f, r: ds.dyads(AD, dyad_covariates=[1, 2])),
    ("dyads-cov-policy-col", E, lambda f, r: ds.dyads(AD, dyad_covariates=pd.DataFrame(
        {"unit": ["A"], "partner": ["B"], "policy": ["p"], "z": [1]}))),
    ("dyads-cov-dup", E, lambda f, r: ds.dyads(AD, dyad_covariates=pd.DataFrame(
        {"unit": ["A", "A"], "partner": ["B", "B"], "z": [1, 2]}))),
    ("dyads-symmetric-disagree", E, lambda f, r: ds.dyads(AD, dyad_covariates=(pd.DataFrame(
        {"unit": ["A", "B"], "partner": ["B", "A"], "z": [1.0, 99.0]}), "symmetric"))),
    ("dyads-cov-no-values", E, lambda f, r: ds.dyads(AD, dyad_covariates=pd.DataFrame(
        {"unit": ["A"], "partner": ["B"]}))),
    ("dyadic-logit-self-pair", E, lambda f, r: ds.DyadicLogit("event ~ z", pd.DataFrame(
        {"unit": ["A", "B"], "partner": ["A", "C"], "event": [0, 1], "z": [1.0, 2.0]})).fit(cov_type="dyadic")),
    # part-file folders
    ("parts-foreign", E, lambda f, r: _write(_part_dir(r, "foreign"))),
    ("parts-path-is-file", E, lambda f, r: _write(_part_dir(r, "isfile"))),
    ("parts-parent-is-file", E, lambda f, r: _write(f["adopt"] / "sub")),
    ("parts-bad-input", E, lambda f, r: ds.write_dyads_parquet(AD.drop(columns="year"), r / "never")),
    ("parts-read-incomplete", E, lambda f, r: ds.read_parquet_parts(_part_dir(r, "incomplete"))),
    ("parts-read-no-manifest", E, lambda f, r: ds.check_parquet_parts(_part_dir(r, "nomanifest"))),
    ("parts-read-not-folder", E, lambda f, r: ds.check_parquet_parts(f["adopt"])),
    # report folders and the CLI
    ("report-out-is-file", E, lambda f, r: _cli(["analyze", str(f["adopt"]), "--weights", "b=us-borders",
                                                 "--out", str(f["adopt"])])),
    ("report-out-user-folder", E, lambda f, r: _cli(["analyze", str(f["adopt"]), "--weights", "b=us-borders",
                                                     "--out", str(_out_with_user_file(r))])),
    ("cli-no-model", E, lambda f, r: _cli(["analyze", str(f["adopt"]), "--out", str(r / "o")])),
    ("cli-unit-column", E, lambda f, r: _cli(["analyze", str(f["adopt"]), "--unit", "state", "--out", str(r / "o")])),
    ("cli-corrupt-weights", E, lambda f, r: _cli(["analyze", str(f["adopt"]), "--weights",
                                                  f"w={f['weights_bad']}", "--out", str(r / "o")])),
    ("cli-duplicates", E, lambda f, r: _cli(["analyze", str(f["dups"]), "--weights", "b=us-borders",
                                             "--out", str(r / "o")])),
    ("cli-weights-spec", E, lambda f, r: _cli(["analyze", str(f["adopt"]), "--weights", "border",
                                               "--out", str(r / "o")])),
    ("cli-unknown-units", E, lambda f, r: _cli(["analyze", str(f["adopt"]), "--weights", "b=us-borders",
                                                "--out", str(r / "o")])),
    ("cli-missing-file", E, lambda f, r: _cli(["analyze", str(r / "nope.csv"), "--out", str(r / "o")])),
    ("report-out-parent-is-file", E, lambda f, r: _cli(["analyze", str(f["adopt"]), "--weights", "b=us-borders",
                                                        "--missing-units", "zero", "--model", "logit",
                                                        "--out", str(f["adopt"] / "out")])),
    # empty risk sets
    ("empty-window", W, lambda f, r: ds.event_history(AD, windows=pd.DataFrame(
        {"policy": ["p", "q"], "first_year": [2005, 2001], "last_year": [2001, 2004]}))),
    ("empty-risk-set-cox", E, lambda f, r: ds.CoxHazard("event ~ x", COX.iloc[:0])),
    # datasets
    ("dataset-unknown", E, lambda f, r: ds.datasets.fetch("spid/policy.RData")),
]


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file()}


def test_catalogue_is_large():
    assert len(CASES) >= 100, len(CASES)


@pytest.mark.parametrize("kind, thunk", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_catalogue(tmp_path, kind, thunk, capsys):
    files = _files(tmp_path / "inputs")
    before = _hashes(tmp_path / "inputs")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kind == E:
            with pytest.raises(DiffusionStatsError) as exc:
                thunk(files, tmp_path)
            msg = str(exc.value)
            assert len(msg) > 20 and "Traceback" not in msg
        else:
            thunk(files, tmp_path)
    if kind == W:
        ours = [w for w in caught if issubclass(w.category, DiffusionStatsWarning)]
        assert ours, [str(w.message) for w in caught]
        assert any(ch.isdigit() for w in ours for ch in str(w.message))  # counts, not a bare notice
    assert _hashes(tmp_path / "inputs") == before  # no input file modified or deleted
    capsys.readouterr()


@pytest.mark.slow  # imports dask
def test_dask_cox_noninteger_weights_default_robust(reference_dir, hard_ref):
    dd = pytest.importorskip("dask.dataframe")
    cw = pd.read_csv(reference_dir / "hardening" / "cox_weights.csv")
    res = ds.DaskCoxHazard("event ~ x", dd.from_pandas(cw, npartitions=1), start=None, weights="w").fit()
    assert res.cov_type == "robust"
    np.testing.assert_allclose(res.std_errors, [hard_ref["cox_weights"]["se"]], rtol=1e-5)


@pytest.mark.slow  # imports dask
def test_dask_text_numbers_raise():
    dd = pytest.importorskip("dask.dataframe")
    d = dd.from_pandas(GLM.assign(k=GLM["x"].round(2).astype(str)), npartitions=2)
    with pytest.raises(ds.DataValidationError, match="stored as text"):
        ds.DaskEventLogit("y ~ x + k", d)


@pytest.mark.slow  # imports dask
def test_dask_inf_covariate_raises():
    dd = pytest.importorskip("dask.dataframe")
    d = COX.assign(x=COX["x"].where(COX.index != 3, np.inf))
    with pytest.raises(ds.DataValidationError, match="infinite value in \\['x'\\]"):
        ds.DaskEventLogit("event ~ x", dd.from_pandas(d, npartitions=2)).fit()
    with pytest.raises(ds.DataValidationError, match="infinite value in \\['x'\\]"):
        ds.DaskCoxHazard("event ~ x", dd.from_pandas(d, npartitions=1)).fit()
