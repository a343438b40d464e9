"""The diffusion-stats command line: demo, analyze, help and one-line errors."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest

from diffusion_stats import cli


def _run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_documents_every_subcommand(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    assert "demo" in text and "analyze" in text and "examples:" in text
    for sub, words in (("demo", ["--out", "--no-progress"]),
                       ("analyze", ["ADOPTIONS", "--units", "--weights", "--covariates", "--model", "us-borders"])):
        with pytest.raises(SystemExit):
            cli.main([sub, "--help"])
        h = capsys.readouterr().out
        for w in words:
            assert w in h, (sub, w)


def test_no_command_prints_help(capsys):
    code, out, _ = _run([], capsys)
    assert code == 0 and "usage:" in out


@pytest.mark.skipif(shutil.which("diffusion-stats") is None, reason="console script not installed")
def test_console_script_installed():
    r = subprocess.run(["diffusion-stats", "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "diffusion-stats" in r.stdout


def test_demo_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    code, stdout, err = _run(["demo", "--no-progress", "--out", str(out)], capsys)
    assert code == 0, err
    html = (out / "report.html").read_text()
    assert "10,701" in html  # panel rows (datasets/README.md)
    assert "444" in html  # events
    for name in ("adoption_curves", "tile_map", "exposure_border", "forest", "schoenfeld"):
        assert f"data-name='{name}'" in html
    assert html.count("data:image/png;base64,") == 5
    tex = (out / "tables" / "models.tex").read_text()
    assert "\\toprule" in tex and "border" in tex
    assert "wrote" in stdout and "report.html" in stdout


@pytest.fixture
def lottery_files(shared_data, tmp_path):
    """Adoption and covariate files in the CLI's input layout, from Berry & Berry's lottery.tab."""
    d = pd.read_csv(shared_data / "dhb2015" / "lottery.tab", sep="\t")
    d["year"] = 1900 + d["year"]
    a = d.loc[d["adopt"] == 1, ["state", "year"]].assign(policy="lottery")
    a.to_csv(tmp_path / "adopt.csv", index=False)
    d.rename(columns={"state": "unit"})[["unit", "year", "income1", "fiscal", "religion"]].to_csv(
        tmp_path / "cov.csv", index=False)
    return tmp_path


@pytest.mark.parametrize("model", ["cox", "logit"])
def test_analyze_lottery(lottery_files, capsys, model):
    out = lottery_files / f"rep_{model}"
    code, stdout, err = _run(["analyze", str(lottery_files / "adopt.csv"), "--unit", "state", "--no-progress",
                              "--weights", "border=us-borders", "--covariates", str(lottery_files / "cov.csv"),
                              "--model", model, "--out", str(out)], capsys)
    assert code == 0, err
    assert "panel: 901 rows, 27 events" in stdout  # Berry & Berry's 901 state-years
    html = (out / "report.html").read_text()
    assert "48 units" in html and "border" in html and "income1" in html
    assert (out / "tables" / "models.tex").exists()
    assert html.count("data:image/png;base64,") >= 4


def test_analyze_weights_file(lottery_files, capsys):
    edges = pd.DataFrame({"source": ["IL", "ME", "NY"], "target": ["MI", "MA", "NJ"], "strength": [1.0, 1.0, 2.0]})
    edges.to_csv(lottery_files / "ties.csv", index=False)
    out = lottery_files / "rep_w"
    code, stdout, err = _run(["analyze", str(lottery_files / "adopt.csv"), "--unit", "state", "--no-progress",
                              "--covariates", str(lottery_files / "cov.csv"), "--model", "logit",
                              "--weights", f"water={lottery_files / 'ties.csv'}:strength",
                              "--weights", "border=us-borders", "--out", str(out)], capsys)
    assert code == 0, err
    html = (out / "report.html").read_text()
    assert "all channels" in html  # one column per channel plus the joint model
    assert "Horse race" in html and "separable" in html
    assert (out / "tables" / "horse_race.tex").exists()
    # ambiguous tie-strength column: one-line error
    edges.assign(other=1).to_csv(lottery_files / "ties2.csv", index=False)
    code, _, err = _run(["analyze", str(lottery_files / "adopt.csv"), "--unit", "state", "--out", str(out),
                         "--weights", f"w={lottery_files / 'ties2.csv'}"], capsys)
    assert code == 2 and "COLUMN" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, needle", [
    (["analyze", "no_such_file.csv", "--out", "x"], "not found"),
    (["analyze", "{adopt}", "--out", "{out}"], "column 'unit' not found"),
    (["analyze", "{adopt}", "--unit", "stat", "--out", "{out}"], "did you mean 'state'"),
    (["analyze", "{adopt}", "--unit", "state", "--weights", "border", "--out", "{out}"], "NAME=SOURCE"),
    (["analyze", "{adopt}", "--unit", "state", "--weights", "b=nope.csv", "--out", "{out}"], "nope.csv"),
    (["analyze", "{adopt}", "--unit", "state", "--covariates", "{adopt}", "--out", "{out}"], "--covariates"),
])
def test_errors_are_one_line(lottery_files, capsys, argv, needle):
    argv = [a.format(adopt=lottery_files / "adopt.csv", out=lottery_files / "err") for a in argv]
    code, _, err = _run(argv + ["--no-progress"], capsys)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("diffusion-stats: error:")


def test_usage_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["analyze", "--model", "probit", "x.csv", "--out", "o"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "probit" in err


def test_startup_does_not_import_models():
    code = ("import sys; from diffusion_stats import cli; cli._build_parser(); "
            "heavy = [m for m in ('matplotlib', 'scipy', 'statsmodels', 'formulaic', 'diffusion_stats.survival.cox') "
            "if m in sys.modules]; print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


def test_analyze_dyadic(lottery_files, capsys):
    out = lottery_files / "rep_dyadic"
    code, stdout, err = _run(["analyze", str(lottery_files / "adopt.csv"), "--unit", "state", "--no-progress",
                              "--weights", "border=us-borders", "--covariates", str(lottery_files / "cov.csv"),
                              "--model", "dyadic", "--out", str(out)], capsys)
    assert code == 0, err
    assert "model: dyadic" in stdout
    html = (out / "report.html").read_text()
    assert "Directed-dyad logit" in html and "years_since_partner_adopted" in html
    assert "dyadic" in (out / "tables" / "models.tex").read_text()
    # dyadic without weights: one-line error
    code, _, err = _run(["analyze", str(lottery_files / "adopt.csv"), "--unit", "state", "--model", "dyadic",
                         "--out", str(out)], capsys)
    assert code == 2 and "--weights" in err


@pytest.mark.slow
def test_analyze_spid_from_rdata(shared_data, tmp_path, capsys):
    """SPID straight from the R file: adoptions and windows (policies_metadata) picked by their columns."""
    rdata = str(shared_data / "spid" / "policies.RData")
    out = tmp_path / "spid"
    code, stdout, err = _run(["analyze", rdata, "--unit", "statenam", "--year", "adopt_year", "--windows", rdata,
                              "--weights", "border=us-borders", "--no-progress", "--out", str(out)], capsys)
    assert code == 0, err
    assert "panel: 582,377 rows, 17,833 events; model: cox" in stdout
    assert "gambling_casino" in err  # the two adoptions before the window are reported (stderr notes)
    html = (out / "report.html").read_text()
    assert "582,377" in html and html.count("data:image/png;base64,") == 5
