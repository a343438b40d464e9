"""Output that can go into a paper: the same numbers in every format, LaTeX that compiles.

Every table the compare tests write (tests/test_compare.py CASES, all formats) and the
summaries of fitted models are compiled with plain ``pdflatex`` + ``booktabs`` when
pdflatex is installed, and the extracted text (pdftotext) must read ``Pr(>|z|)``. Without
pdflatex a structural test checks the same LaTeX for characters that break OT1 fonts.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_compare import CASES, models

import diffusion_stats as ds
from diffusion_stats.inference.results import Results
from diffusion_stats.output.summary import Summary, format_number

HAVE_PDFLATEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None


def _cox_fit():
    demo = ds.datasets.load_demo()
    states = ds.datasets.load_us_states().query("postal != 'DC'")["postal"]
    panel = ds.event_history(demo.adoptions, windows=demo.windows, units=states, covariates=demo.covariates)
    return ds.CoxHazard("event ~ x", panel, strata="policy").fit(cov_type="cluster", cluster="unit")


def _tricky_summary() -> Summary:
    t = pd.DataFrame({"coef": [-1.5, 2.3e-5], "Pr(>|z|)": [2.8e-40, 0.5]}, index=["a_b", "stop^3"])
    return Summary(title="y ~ a_b + stop^3 & 100% $ #", header=[("log-likelihood", "-1234.5 (null)")],
                   tables=[("", t)], notes=["note"])


@functools.lru_cache(maxsize=1)
def _all_tables() -> dict[str, str]:
    out = {}
    for name, kw in CASES.items():
        c = ds.compare(models(), **kw)
        out[f"{name}.tex"] = c.to_latex(caption="Diffusion models ~ 2019", label="tab:models")
        out[f"{name}_plain.tex"] = c.to_latex()
    for se in ("std_errors", "conf_int", "pvalues", None):
        out[f"exp_{se}.tex"] = ds.compare(models(), exponentiate=True, se=se, stars=True).to_latex()
    out["results_summary.tex"] = models()["Logit"].summary().to_latex()
    out["tricky_summary.tex"] = _tricky_summary().to_latex()
    return out


def _body(tex: str) -> str:
    """The text outside math, with LaTeX commands removed."""
    t = re.sub(r"(?<!\\)\$[^$]*(?<!\\)\$", "", tex)
    return re.sub(r"\\[A-Za-z]+|\\.", "", t)


@pytest.mark.parametrize("name", sorted(_all_tables()))
def test_latex_structure(name):
    tex = "\n".join(ln for ln in _all_tables()[name].splitlines() if not ln.startswith("% "))  # comments
    body = _body(tex)
    for ch in "<>|~^_%#":
        assert ch not in body, f"raw {ch!r} in {name}"
    assert tex.count("{") - tex.count("\\{") == tex.count("}") - tex.count("\\}")
    assert tex.count("$") - tex.count("\\$") == 2 * ((tex.count("$") - tex.count("\\$")) // 2)
    # real minus signs: no hyphen before a digit outside math (except year ranges)
    assert not re.search(r"(?<![\dA-Za-z])-\d", _body(tex)), name


@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex/pdftotext not installed (structural test above)")
def test_every_table_compiles_with_pdflatex(tmp_path):
    tables = _all_tables()
    tables["cox_summary.tex"] = _cox_fit().summary().to_latex()
    parts = ["\\documentclass{article}", "\\usepackage{booktabs}", "\\begin{document}"]
    for name, tex in tables.items():
        (tmp_path / name).write_text(tex)
        parts.append(f"\\input{{{name}}}\n\\clearpage")
    parts.append("\\end{document}")
    (tmp_path / "all.tex").write_text("\n".join(parts))
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "all.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    log = (tmp_path / "all.log").read_text(errors="replace") if (tmp_path / "all.log").exists() else run.stdout
    assert run.returncode == 0, log[-3000:]
    assert "Missing character" not in log and "Undefined control sequence" not in log
    subprocess.run(["pdftotext", "-layout", "all.pdf", "all.txt"], cwd=tmp_path, check=True, timeout=60)
    text = (tmp_path / "all.txt").read_text()
    assert "Pr(>|z|)" in text  # Cox summary header, OT1 fonts
    assert "P>|z|" in text  # Results summary header
    assert "¿" not in text and "—z—" not in text
    assert "stop^3" in text.replace("ˆ", "^")
    assert "−1.5" in text or "−1.50" in text  # a real minus sign (U+2212), not a hyphen


def test_tiny_and_large_numbers():
    assert format_number(2.3e-5) == "2.300e-05"
    assert format_number(-30250.1234) == "-30250.12" and format_number(-30251.5) == "-30251.50"
    assert format_number(0.5) == "0.5000"
    r = Results(params=pd.Series({"stop^3": 2.3e-5}), cov=pd.DataFrame([[1.21e-10]], ["stop^3"], ["stop^3"]),
                nobs=10)
    cells = ds.compare([r]).to_frame()["(1)"]
    assert cells.iloc[0] == "2.30e-05" and cells.iloc[1] == "(1.10e-05)"


def test_exponentiated_only_when_asked_and_labelled():
    m = models()
    default = ds.compare(m)
    assert default.exponentiated == [False] * 3 and default.se == "std_errors"
    assert "Scale" not in default.to_frame().index
    hr = ds.compare(m, exponentiate="auto")
    assert hr.se == "conf_int"  # exponentiated bounds, not delta-method errors
    for out in (hr.to_text(), hr.to_markdown(), hr.to_html(), hr.to_latex()):
        assert "hazard ratio" in out and "coefficient" in out
    delta = ds.compare(m, exponentiate="auto", se="std_errors")
    assert "delta method" in delta.to_text()


def test_same_numbers_in_every_format():
    c = ds.compare(models(), stars=True)
    cells = [v for v in c.to_frame().to_numpy().ravel() if v]
    outs = {"txt": c.to_text(), "md": c.to_markdown(), "html": html.unescape(c.to_html()),
            "tex": c.to_latex()}
    for v in cells:
        num = re.sub(r"\*+$", "", v)
        assert num in outs["txt"] and num in outs["html"]
        assert num.replace("*", "\\*") in outs["md"]
        if re.fullmatch(r"\(?-?[\d.,]+\)?", num):
            assert num.replace("-", "$-$") in outs["tex"], num


def test_markdown_escapes_pipes_and_stars():
    md = _tricky_summary().to_markdown()
    assert "Pr(>\\|z\\|)" in md
    assert "| stop^3 |" in md
    c = ds.compare(models(), stars=True).to_markdown()
    assert "\\*\\*\\*" in c
    rows = [ln for ln in c.splitlines() if ln.startswith("|")]
    assert len({ln.count("|") - ln.count("\\|") for ln in rows}) == 1


def test_accounting_frame_and_report_show_full_text():
    df = pd.DataFrame({"unit": ["a", "a", "b"], "policy": ["p", "p", "p"], "year": [1990, 1991, 1992]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = ds.read_adoptions(df, duplicates="first")
    acc = ds.accounting(a)
    reason = acc.exclusions[0].reason
    assert len(reason) > 50 and reason in repr(acc.to_frame()) and reason in acc.to_frame()._repr_html_()
    from diffusion_stats.output.report import Report

    rep = Report("x")
    acc.counts["adoptions by outcome"] = {"event": 444, "censored": 3}
    rep.accounting(acc)
    h = rep.to_html()
    assert "event: 444; censored: 3" in h and "{" not in h.split("<body>")[1].split("</style>")[-1]


def test_schoenfeld_many_points_is_a_density():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(1)
    r = pd.DataFrame({"x": rng.normal(size=3000)}, index=pd.Index(rng.uniform(0, 50, 3000), name="time"))
    ax = ds.plots.schoenfeld(r)
    assert not [c for c in ax.collections if type(c).__name__ == "PathCollection"]
    assert any(type(c).__name__ == "PolyCollection" for c in ax.collections)
    plt.close(ax.figure)
    ax = ds.plots.schoenfeld(r.iloc[:500])
    assert any(type(c).__name__ == "PathCollection" for c in ax.collections)
    plt.close(ax.figure)


def test_adoption_curves_start():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = pd.DataFrame({"unit": ["a", "b", "c", "a"], "policy": ["p", "p", "p", "q"], "year": [1700, 1950, 1960, 1955]})
    ax = ds.plots.adoption_curves(a, start=1950)
    assert ax.get_xlim()[0] == pytest.approx(1949.5)
    plt.close(ax.figure)
    with pytest.raises(ds.InputError, match="start"):
        ds.plots.adoption_curves(a, start=3000)


def test_demo_same_cox_number_in_terminal_html_and_latex(tmp_path, capsys):
    from diffusion_stats.cli import main

    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    term = capsys.readouterr().out
    row = next(ln for ln in term.splitlines() if ln.startswith("border"))
    cox = row.split()[-1]  # the Cox column is the last
    assert re.fullmatch(r"\d\.\d{3}", cox), row
    page = (tmp_path / "out" / "report.html").read_text()
    models_html = page[page.index("<h3>Estimates</h3>"):]
    models_html = models_html[: models_html.index("</table>")]
    assert f">{cox}<" in models_html
    tex = (tmp_path / "out" / "tables" / "models.tex").read_text()
    assert re.search(rf"^border & [\d.$-]+ & {re.escape(cox)} \\\\", tex, re.M)
    assert "hazard ratio" not in models_html and "12.66" not in models_html
    assert "(1 specification)" in term
    full = Path(tmp_path / "out" / "tables" / "model_Cox.tex").read_text()
    assert "Pr(\\textgreater{}\\textbar{}z\\textbar{})" in full and "$\\sim$" in full


def test_report_curve_starts_where_the_events_are():
    from diffusion_stats.cli import _curve_start

    years = np.r_[[1691, 1700, 1750], np.arange(1900, 2000).repeat(3)]
    panel = pd.DataFrame({"year": years, "event": 1})
    assert _curve_start(panel) == (1900, True)  # a few early adoptions do not stretch the axis
    demo = pd.DataFrame({"year": np.arange(1980, 2020).repeat(10), "event": 1})
    assert _curve_start(demo) == (1980, False)
    assert _curve_start(demo.assign(event=0)) == (None, False)
