"""Pages written at build time by docs/conf.py: the API index, the tutorials and the
"validated against" page. Each writes a file only when its text changed, so that Sphinx
(and the notebook cache) see unchanged sources as unchanged."""

from __future__ import annotations

import importlib
import json
import re
import shutil
from pathlib import Path

# family of the defining module -> section title (order of the API page)
_SECTIONS = {
    "design": "Data and designs",
    "weights": "Connectivity matrices",
    "survival": "Survival models",
    "binary": "Binary-outcome models",
    "spatial": "Spatial models and diagnostics",
    "inference": "Inference",
    "mechanisms": "Mechanisms",
    "postestimation": "Effects and counterfactuals",
    "output": "Tables and reports",
    "core": "Row accounting, errors and progress",
}
_SUBMODULES = {
    "diffusion_stats.output.plots": ("ds.plots: figures", "diffusion_stats.output.plots"),
    "diffusion_stats.mechanisms": ("ds.mechanisms: channel constructors and network inference",
                                   "diffusion_stats.mechanisms"),
    "diffusion_stats.datasets": ("ds.datasets: published data sets", "diffusion_stats.datasets"),
    "diffusion_stats.countries": ("ds.countries: country data readers and codes", "diffusion_stats.countries"),
}
# what fit() returns: reached through the models, documented here with their methods
_EXTRA = {"Results objects": ["diffusion_stats.inference.results.Results",
                              "diffusion_stats.survival.cox.CoxResults",
                              "diffusion_stats.binary.event_logit.BinaryResults",
                              "diffusion_stats.spatial.lag.SpatialLagResults"]}


def source_hash(package: Path) -> str:
    """Short hash of the package's Python sources (the key of the notebook cache)."""
    import hashlib

    h = hashlib.sha256()
    for p in sorted(package.rglob("*.py")):
        h.update(str(p.relative_to(package)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _underline(title: str, ch: str = "=") -> str:
    return f"{title}\n{ch * len(title)}\n"


def public_names() -> dict[str, list[str]]:
    """Fully qualified public names, by section: every ``ds.*`` name and the public names
    of ``ds.plots``, ``ds.mechanisms``, ``ds.datasets``, ``ds.countries``."""
    import diffusion_stats as ds

    out: dict[str, list[str]] = {}
    skip = {"__version__", "datasets", "countries", "mechanisms", "plots"}
    for name in ds.__all__:
        if name in skip:
            continue
        obj = getattr(ds, name)
        family = (getattr(obj, "__module__", "") or "").split(".")[1:2]
        title = _SECTIONS.get(family[0] if family else "core", "Other")
        out.setdefault(title, []).append(f"diffusion_stats.{name}")
    ordered = {t: sorted(out[t], key=str.lower) for t in _SECTIONS.values() if t in out}
    ordered.update({t: v for t, v in out.items() if t not in ordered})
    ordered.update(_EXTRA)
    top = {id(getattr(ds, n)) for n in ds.__all__ if n not in skip}
    for public, (title, real) in _SUBMODULES.items():
        mod = importlib.import_module(real)
        # a name also at the top level (ds.Channel is ds.mechanisms.Channel) has its page there
        ordered[title] = [f"{public}.{n}" for n in mod.__all__ if id(getattr(mod, n)) not in top]
    return ordered


def _resolve(qualname: str):
    mod, _, name = qualname.rpartition(".")
    return getattr(importlib.import_module(mod), name)


def _describe_constant(obj) -> str:
    kind = type(obj).__name__
    if hasattr(obj, "shape") and hasattr(obj, "columns"):
        return f"A table ({kind}, {obj.shape[0]:,} rows; columns {', '.join(f'``{c}``' for c in obj.columns)})."
    if hasattr(obj, "__len__"):
        return f"A constant ({kind} of {len(obj):,} entries)."
    return f"A constant ({kind})."


def api_pages(out_dir: Path) -> None:
    """docs/api/index.rst: one autosummary table per section, one page per name."""
    parts = [_underline("API reference"),
             "Every public name: ``import diffusion_stats as ds`` gives ``ds.<name>``; the figures,\n"
             "channel constructors, data sets and country readers live in ``ds.plots``,\n"
             "``ds.mechanisms``, ``ds.datasets`` and ``ds.countries``. Fitting a model returns a\n"
             "Results object (``params``, ``std_errors``, ``cov``, ``pvalues``, ``conf_int()``,\n"
             "``summary()``); the estimator's page lists its own Results methods.\n"]
    for title, names in public_names().items():
        objs = {n: _resolve(n) for n in names}
        documented = [n for n, o in objs.items() if callable(o)]
        constants = [n for n, o in objs.items() if not callable(o)]
        parts += ["", _underline(title, "-")]
        if documented:
            parts += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
            parts += [f"   ~{n}" for n in documented]
        for n in constants:
            parts += ["", f".. py:data:: {n}", "", f"   {_describe_constant(objs[n])}"]
    _write(out_dir / "index.rst", "\n".join(parts) + "\n")


def _title(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+)$", "".join(cell["source"]), re.M)
            if m:
                return m.group(1).strip()
    return nb_path.stem


def tutorials(src: Path, out_dir: Path) -> None:
    """Copy notebooks/*.ipynb to docs/tutorials/ and write its index."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = sorted(p.name for p in src.glob("*.ipynb"))
    for n in names:
        target = out_dir / n
        if not target.exists() or target.read_bytes() != (src / n).read_bytes():
            shutil.copyfile(src / n, target)
    for stale in out_dir.glob("*.ipynb"):
        if stale.name not in names:
            stale.unlink()
    lines = ["# Tutorials", "",
             "The notebooks of the repository's `notebooks/` folder, executed when the documentation is",
             "built (outputs cached between builds). Every notebook but 01 reads the real public data from",
             "`../shared/data` beside the checkout (or `$DIFFUSION_STATS_DATA`); see",
             "[Getting started](../getting_started.md).", "",
             "```{toctree}", ":maxdepth: 1", ""]
    lines += [Path(n).stem for n in names] + ["```", ""]
    _write(out_dir / "index.md", "\n".join(lines))


def _header_comment(path: Path) -> str:
    """The leading comment block (R ``#`` lines) or docstring (Python) of a script."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".py":
        m = re.match(r'\s*"""(.*?)"""', text, re.S)
        return m.group(1).strip() if m else ""
    lines = []
    for ln in text.splitlines():
        if ln.startswith("#"):
            lines.append(ln.lstrip("#")[1:] if ln.startswith("# ") else ln.lstrip("#"))
        elif lines or ln.strip():
            break
    return "\n".join(lines).strip()


def _n_values(obj) -> int:
    if isinstance(obj, dict):
        return sum(_n_values(v) for v in obj.values())
    if isinstance(obj, list):
        return sum(_n_values(v) for v in obj) if any(isinstance(v, (dict, list)) for v in obj) else len(obj)
    return 1


def validated_page(tests: Path, out: Path) -> None:
    """docs/validated.md: each reference script under tests/reference/, what it checks, the
    values it stored and the tests that compare against them."""
    ref = tests / "reference"
    test_files = sorted(tests.glob("test_*.py"))
    parts = ["# Validated against", "",
             "Every estimator is checked against an established implementation, mostly in R. Each",
             "folder of `tests/reference/` holds a script that computes the reference values",
             "independently of diffusion_stats (from the real data in `../shared/data` or from",
             "committed inputs) and the values it stored at full precision; the tests compare",
             "against the stored values (rtol 1e-6 for estimates, 1e-5 for standard errors unless",
             "a test says why a bound is looser) and never call R. This page is generated from",
             "those folders when the documentation is built.", ""]
    topics = sorted(p for p in ref.iterdir() if p.is_dir())
    parts += ["| folder | scripts | stored values | tests |", "|---|---|---|---|"]
    rows = []
    for d in topics:
        scripts = sorted(p for p in d.iterdir() if p.suffix in (".R", ".py"))
        stored = sorted(p for p in d.iterdir() if p.suffix == ".json")
        n = 0
        for p in stored:
            try:
                n += _n_values(json.loads(p.read_text(encoding="utf-8")))
            except ValueError:
                pass
        pat = re.compile(rf"reference[\"']?\s*[/,]\s*[\"']?{re.escape(d.name)}\b|reference/{re.escape(d.name)}\b")
        users = [t.name for t in test_files if pat.search(t.read_text(encoding="utf-8", errors="replace"))]
        rows.append((d, scripts, stored, n, users))
        parts.append(f"| `{d.name}` | {', '.join(f'`{s.name}`' for s in scripts)} | "
                     f"{n:,} in {', '.join(f'`{s.name}`' for s in stored) or '-'} | "
                     f"{', '.join(f'`{u}`' for u in users) or '-'} |")
    for d, scripts, stored, n, users in rows:
        parts += ["", f"## `tests/reference/{d.name}`", ""]
        for s in scripts:
            parts += [f"**`{s.name}`**", "", "```text", _header_comment(s) or "(no header comment)", "```", ""]
        files = ", ".join(f"`{p.name}`" for p in stored) or "no JSON file"
        parts += [f"Stored: {n:,} values in {files}."
                  + (" Compared in " + ", ".join(f"`tests/{u}`" for u in users) + "." if users else ""), ""]
    _write(out, "\n".join(parts) + "\n")


# figures shown on the front page and on API pages (name -> file under _static/figures/)
FIGURES = {
    "index": "demo_adoption_curves.png",
    "diffusion_stats.CoxHazard": "cox_demo.png",
}


def example_figures(out_dir: Path) -> dict[str, str]:
    """Draw the front page's and the CoxHazard page's figures from the bundled demo data.

    Returns {page: path relative to the source folder}, the ``figures`` of the templates.
    """
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import diffusion_stats as ds

    out_dir.mkdir(parents=True, exist_ok=True)
    demo = ds.datasets.load_demo()
    states = ds.datasets.load_us_states().query("postal != 'DC'")["postal"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.DiffusionStatsWarning)
        panel = ds.event_history(demo.adoptions, windows=demo.windows, units=states, covariates=demo.covariates)
        panel = ds.exposure(panel, demo.adoptions, ds.Weights.us_borders("queen"), name="border")
    fig, ax = plt.subplots(figsize=(7, 4))
    ds.plots.adoption_curves(demo.adoptions, n_units=len(states), ax=ax)
    fig.savefig(out_dir / FIGURES["index"], dpi=100, bbox_inches="tight")
    plt.close(fig)
    fit = ds.CoxHazard("event ~ border + x", panel, strata="policy").fit(cov_type="cluster", cluster="unit")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ds.plots.forest(fit, title="Coefficients (log hazard ratios)", ax=axes[0])
    ds.plots.schoenfeld(fit, "border", ax=axes[1])
    fig.tight_layout()
    fig.savefig(out_dir / FIGURES["diffusion_stats.CoxHazard"], dpi=100, bbox_inches="tight")
    plt.close(fig)
    return {k: f"/_static/figures/{v}" for k, v in FIGURES.items()}
