"""The ``diffusion-stats`` command line: an HTML report without writing Python.

Subcommands
-----------
``diffusion-stats demo [--out DIR]``
    The whole job on bundled data (simulated adoptions over the 50 states, state
    borders): panel with row accounting, border exposure, a fitted model, figures, and
    an HTML report with LaTeX tables.
``diffusion-stats analyze ADOPTIONS [--units FILE] [--weights NAME=FILE ...]
[--covariates FILE] [--model cox|logit|dyadic] --out DIR``
    The same on your files.

Errors are one line on stderr saying what to fix (exit code 2); ``--debug`` shows the
traceback. Heavy modules are imported inside the commands so ``--help`` is quick.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PROG = "diffusion-stats"

_WEIGHTS_HELP = """\
weights: --weights NAME=SOURCE[:COLUMN], repeatable; each adds an exposure column NAME
(share of NAME-neighbours that adopted by t-1). SOURCE is
  us-borders | us-borders-rook   bundled US state contiguity (queen / rook), labels
                                 matched to your units (postal codes or names)
  FILE with columns unit,partner  (or unit1,unit2): partner's adoptions count toward
                                 unit's exposure (directed)
  FILE with columns source,target: undirected ties
Optional columns: year (one matrix per year) and weight/value (tie strength; or name
the column after a colon, e.g. learn=networks.csv:src_35_300)."""

_EPILOG = """\
examples:
  diffusion-stats demo --out demo_report
  diffusion-stats analyze adoptions.csv --weights border=us-borders --out report/
  diffusion-stats analyze adopt.csv --weights learn=ties.csv:strength --covariates cov.csv \\
      --model logit --out report/
"""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


from .core.errors import InputError as _InputError  # noqa: E402 (light: the error classes only)


class CLIError(_InputError):
    """A user error found by the command line itself (bad argument value); an InputError."""


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Event-history, dyadic and spatial models of policy diffusion: "
                "build the risk set, exposures and models from adoption data and write an HTML report.",
                epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    from . import __version__

    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{demo,analyze}", parser_class=_Parser)

    common = _Parser(add_help=False)
    common.add_argument("--no-progress", action="store_true", help="do not show progress bars")
    common.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    common.add_argument("--force", action="store_true",
                        help="write into an --out folder that holds files this tool did not write")

    d = sub.add_parser("demo", parents=[common], help="run the whole job on bundled data and write a report",
                       description="Run the main job end to end on bundled data: simulated adoptions of "
                       "policies by the 50 US states (see datasets/README.md for the true parameters), "
                       "state borders, the event-history panel with its row accounting, the border "
                       "exposure, a Cox model (strata: policy; clustered by state), figures, and an "
                       "HTML report with LaTeX tables.")
    d.add_argument("--out", default="diffusion_stats_demo", metavar="DIR",
                   help="output folder (default: ./diffusion_stats_demo)")

    a = sub.add_parser("analyze", parents=[common], help="analyse your adoption data and write a report",
                       description="Build the event-history panel from ADOPTIONS, add one exposure per "
                       "weight matrix, fit the model and write DIR/report.html (data accounting, tables, "
                       "figures) and DIR/tables/*.tex.", epilog=_WEIGHTS_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("adoptions", metavar="ADOPTIONS",
                   help="adoption file (.csv, .tsv/.tab, .dta, .RData/.rda/.rds, .parquet): one row per "
                   "(unit, policy) with the adoption year")
    a.add_argument("--unit", default="unit", metavar="COL", help="unit column in ADOPTIONS (default: unit)")
    a.add_argument("--policy", default="policy", metavar="COL",
                   help="policy column in ADOPTIONS (default: policy)")
    a.add_argument("--year", default="year", metavar="COL", help="year column in ADOPTIONS (default: year)")
    a.add_argument("--object", metavar="NAME", help="data frame to read from an R file holding several")
    a.add_argument("--duplicates", choices=("raise", "first"), default="raise",
                   help="several adoption years for one (unit, policy): raise (default) or keep the first")
    a.add_argument("--missing", choices=("raise", "drop"), default="raise",
                   help="adoption rows without a year: raise (default) or drop them (counted)")
    a.add_argument("--missing-units", choices=("raise", "zero"), default="raise",
                   help="units at risk absent from a weight matrix: raise (default; catches misspelt names) "
                   "or give them exposure 0")
    a.add_argument("--units", metavar="FILE",
                   help="units at risk: column unit, optionally first_year, last_year (existence span; "
                   "empty = open). Default: units in ADOPTIONS, --covariates or --weights")
    a.add_argument("--windows", metavar="FILE",
                   help="per-policy windows: columns policy, first_year, last_year (e.g. SPID's "
                   "policies_metadata; from an R file the data frame with these columns is used)")
    a.add_argument("--end", type=int, metavar="YEAR", help="last year at risk (default: latest adoption)")
    a.add_argument("--weights", action="append", default=[], metavar="NAME=SOURCE",
                   help="weight matrix for an exposure; repeatable (see below)")
    a.add_argument("--covariates", metavar="FILE",
                   help="unit-year covariates: columns unit, year and one column per covariate")
    a.add_argument("--model", choices=("cox", "logit", "dyadic"), default="cox",
                   help="cox: Cox model stratified by policy (default); logit: discrete-time logit with "
                   "cubic duration; dyadic: directed-dyad logit (needs --weights)")
    a.add_argument("--out", required=True, metavar="DIR", help="output folder")
    return p


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------
def _read_table(path: str, argument: str, needed: Sequence[str] = ()):
    import pandas as pd

    from .core.errors import DataNotAvailableError, InputError

    p = Path(path).expanduser()
    if not p.exists():
        raise DataNotAvailableError(f"{argument}: file '{p}' not found")
    ext = p.suffix.lower()
    try:
        if ext in (".csv", ".txt"):
            return pd.read_csv(p, sep=None if ext == ".txt" else ",", engine="python" if ext == ".txt" else "c")
        if ext in (".tsv", ".tab"):
            return pd.read_csv(p, sep="\t")
        if ext == ".dta":
            return pd.read_stata(p)
        if ext in (".parquet", ".pq"):
            from .core.errors import require

            require("pyarrow", extra="distributed", what=f"reading the Parquet file '{p.name}'")
            return pd.read_parquet(p)
        if ext in (".rdata", ".rda", ".rds"):
            import pyreadr

            try:
                objs = pyreadr.read_r(str(p))
            except Exception as exc:  # noqa: BLE001 - pyreadr raises its own types (LibrdataError) on bad files
                raise InputError(f"{argument}: could not read R file '{p}' ({exc}): it is corrupt, truncated or not "
                                 "an .RData/.rds file; re-export it from R (save()/saveRDS()) or use a .csv") from None
            frames = {k: v for k, v in objs.items() if isinstance(v, pd.DataFrame)}
            fits = [k for k, v in frames.items() if all(c in v.columns for c in needed)]
            if len(frames) == 1:
                return next(iter(frames.values()))
            if len(fits) == 1:
                return frames[fits[0]]
            listing = "; ".join(f"'{k}' ({', '.join(map(str, list(v.columns)[:6]))})" for k, v in frames.items())
            raise InputError(f"{argument}: R file '{p}' holds {len(frames)} data frames and "
                             f"{'several' if fits else 'none'} with columns {list(needed)}: {listing}")
    except (ValueError, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{argument}: could not read '{p}': {exc}") from exc
    raise InputError(f"{argument}: unsupported file type '{p.suffix}' for '{p.name}'; use .csv, .tsv/.tab, .dta, "
                     ".parquet or .RData/.rds")


def _looks_like_names(units: Sequence[str]) -> bool:
    return sum(len(str(u)) > 2 for u in units) > len(units) / 2


def _parse_weights(spec: str, units: Sequence[str]):
    import diffusion_stats as ds

    from .core.errors import InputError

    if "=" not in spec:
        raise InputError(f"--weights '{spec}': use NAME=SOURCE, e.g. border=us-borders or learn=ties.csv")
    name, src = spec.split("=", 1)
    name = name.strip()
    if not name.isidentifier():
        raise InputError(f"--weights '{spec}': NAME '{name}' must be a simple column name (letters, digits, _)")
    if src in ("us-borders", "us-borders-rook", "us-borders-queen"):
        contiguity = "rook" if src.endswith("rook") else "queen"
        labels = "name" if _looks_like_names(units) else "postal"
        return name, ds.Weights.us_borders(contiguity, labels=labels, include_dc=any(
            str(u) in ("DC", "District of Columbia") for u in units), name=name)
    column = None
    if ":" in src and not Path(src).exists():
        src, column = src.rsplit(":", 1)
    df = _read_table(src, f"--weights {name}")
    cols = {c.lower(): c for c in df.columns}
    year = cols.get("year")
    weight = column
    if weight is not None and weight not in df.columns:
        from .core.errors import did_you_mean

        raise InputError(f"--weights {name}: column '{weight}' not in '{src}'{did_you_mean(weight, df.columns)}")
    if weight is None:
        weight = cols.get("weight") or cols.get("value")
    for a, b, kind in (("unit", "partner", "dyads"), ("unit1", "unit2", "dyads"), ("source", "target", "edges")):
        if a in cols and b in cols:
            if weight is None:
                others = [c for c in df.columns if c not in (cols[a], cols[b], year)]
                if others:
                    raise InputError(f"--weights {name}: '{src}' has extra columns {others}; say which holds the "
                                     f"tie strength with {name}={src}:COLUMN (or drop them)")
            if kind == "dyads":
                return name, ds.Weights.from_dyads(df, unit1=cols[a], unit2=cols[b], value=weight, year=year,
                                                   name=name)
            return name, ds.Weights.from_edges(df, source=cols[a], target=cols[b], weight=weight, year=year,
                                               name=name)
    raise InputError(f"--weights {name}: '{src}' needs columns unit,partner (directed), unit1,unit2 or "
                     f"source,target (undirected); it has {list(df.columns)[:10]}")


class _Steps:
    """Named pipeline steps behind one progress bar."""

    def __init__(self, total: int, desc: str) -> None:
        from .core.progress import progress

        self._bar = progress(range(total), desc=desc, total=total)
        self._it = iter(self._bar)

    def step(self, name: str) -> None:
        if hasattr(self._bar, "set_description"):
            self._bar.set_description(name)
        next(self._it, None)

    def close(self) -> None:
        for _ in self._it:
            pass
        if hasattr(self._bar, "close"):
            self._bar.close()


def _available(name: str) -> bool:
    import diffusion_stats as ds

    try:
        getattr(ds, name)
    except (ImportError, AttributeError):
        return False
    return True


def _fit_models(panel, exposures: list[str], covariates: list[str], model: str) -> tuple[dict, str]:
    """Fit the requested model; one column per exposure alone plus all together."""
    import diffusion_stats as ds

    specs: dict[str, list[str]] = {}
    if len(exposures) > 1:
        for e in exposures:
            specs[e] = [e, *covariates]
        specs["all channels"] = [*exposures, *covariates]
    else:
        specs["model"] = [*exposures, *covariates]
    if model == "cox":
        if not _available("CoxHazard"):
            if not _available("EventLogit"):
                return {}, "none"
            model = "logit"
    fits = {}
    for label, terms in specs.items():
        if not terms:
            continue
        formula = "event ~ " + " + ".join(terms)
        if model == "cox":
            fits[label] = ds.CoxHazard(formula, panel, strata="policy").fit(cov_type="cluster", cluster="unit")
        else:
            fits[label] = ds.EventLogit(formula, panel, duration="cubic").fit(cov_type="cluster", cluster="unit")
    return fits, model


def _us_units(units: Sequence[str]) -> bool:
    from .output.plots import state_code

    return sum(state_code(u) is not None for u in units) >= 0.8 * len(units) and len(units) >= 10


def run_pipeline(adoptions, *, weights: list[tuple[str, Any]], out: str, title: str, subtitle: str,
                 units=None, windows=None, covariates=None, end: int | None = None, model: str = "cox",
                 notes: Sequence[str] = (), echo: Callable[[str], None] = print,
                 extra_fits: Callable[[Any], dict] | None = None, force: bool = False,
                 missing_units: str = "zero") -> dict[str, Path]:
    """Panel, exposures, models, figures and the HTML report; returns the written paths.

    ``extra_fits(panel)`` may return further fitted models shown first in the table.
    """
    import matplotlib

    matplotlib.use("Agg")
    import diffusion_stats as ds

    from .core.validate import OutputFolder
    from .output import plots
    from .output.report import Report

    folder = OutputFolder(out, tool=PROG, force=force)
    folder.check()  # before any work: a user's folder is refused (--force), not overwritten
    rep = Report(title, subtitle=subtitle)
    for n in notes:
        rep.text(n)
    steps = _Steps(4 + len(weights), desc=PROG)
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as wlist:
        warnings.simplefilter("always")
        steps.step("event-history panel")
        try:
            acc_in = ds.accounting(adoptions)  # read by ds.read_adoptions: a DesignFrame
        except ds.InputError:
            acc_in = None
        panel = ds.event_history(adoptions, end=end, windows=windows, units=units, covariates=covariates)
        acc = ds.accounting(panel)
        exposures = []
        for name, W in weights:
            steps.step(f"exposure {name}")
            panel = ds.exposure(panel, adoptions, W, lag=1, kind="share", name=name, missing_units=missing_units)
            exposures.append(name)
        covs = []
        if covariates is not None:
            covs = [c for c in covariates.columns if c not in ("unit", "year") and c in panel.columns]
        fits: dict = {}
        used = "none"
        if model == "dyadic":
            steps.step("directed dyads + dyadic logit")
            fits, used = _fit_dyadic(adoptions, weights, end=end, windows=windows, units=units)
        elif exposures or covs:
            steps.step("fitting models")
            fits, used = _fit_models(panel, exposures, covs, model)
        else:
            from .core.errors import InputError

            raise InputError("no --weights and no --covariates: there is nothing to put in a model. Give at "
                             "least one --weights NAME=SOURCE (an exposure) or --covariates FILE")
        steps.step("figures")
        rep.heading("Data accounting")
        if acc_in is not None:
            rep.accounting(acc_in, title="Adoptions read")
        # the exposures' accounting extends the panel's (same rows, plus isolate counts): show it once
        rep.accounting(ds.accounting(panel), title="Event-history panel (one row per policy, unit and year at "
                       "risk)" + (" with exposures" if exposures else ""))
        for name, W in weights:
            wacc = getattr(W, "accounting", None)
            if wacc is not None and getattr(wacc, "exclusions", None):
                rep.accounting(wacc, title=f"Weights {name}")
        rep.heading("Models")
        if list(fits) == ["model"]:  # one specification: name the column after the model
            fits = {{"cox": "Cox", "logit": "Logit", "dyadic": "Dyadic logit"}.get(used, used): fits["model"]}
        extra = extra_fits(panel) if (extra_fits is not None and fits) else {}
        if fits:
            cmp = ds.compare({**extra, **fits}, stars=False)  # coefficients, as in the terminal
            what = {"cox": "Cox proportional hazards (Efron ties), strata: policy",
                    "logit": "Discrete-time logit with cubic duration",
                    "dyadic": "Directed-dyad logit"}.get(used, used)
            scale = {"cox": "log hazard ratios", "dyadic": "log odds"}.get(used, "log odds")
            rep.text(f"{what}; coefficients ({scale}) with standard errors clustered by unit. Exposures: "
                     "share of neighbours (by each weight matrix) that had adopted by the year before.")
            rep.table(cmp, "Estimates", name="models")
        else:
            rep.text("No model fitted: " + ("give at least one --weights or --covariates." if not
                     (exposures or covs) else "no estimator is available in this installation."), css_class="warn")
        if len(exposures) > 1 and used in ("cox", "logit") and "all channels" in fits:
            _channel_diagnostics(rep, panel, exposures, fits["all channels"])
        rep.heading("Figures")
        pols = list(adoptions["policy"].astype(str).value_counts().index)
        study = sorted(panel["unit"].astype(str).unique())
        first, trimmed = _curve_start(panel)
        rep.figure(plots.adoption_curves(adoptions, n_units=len(study), max_labels=10, start=first),
                   "Cumulative share of units at risk that have adopted, by policy"
                   + (f", from {first} (the first 1% of the panel's events are spread over the centuries before; "
                      "earlier adoptions count in the levels)." if trimmed else "."), name="adoption_curves")
        if _us_units(study):
            top = pols[0]
            rep.figure(plots.tile_map(adoptions, top, units=study),
                       f"Adoption timing of '{top}' (the most adopted policy) by state.", name="tile_map")
        for e in exposures:
            rep.figure(plots.exposure_hazard(panel, e),
                       f"Observed hazard by exposure '{e}' (Wilson 95% intervals).", name=f"exposure_{e}")
        if fits:
            last = list(fits)[-1]
            shown = {**extra, **fits}
            rep.figure(plots.forest(shown if len(shown) > 1 else fits[last], title="Coefficients"),
                       "Coefficients (log hazard ratios for Cox, log odds for logit) with 95% intervals.",
                       name="forest")
            if used == "cox" and exposures:
                try:
                    ax = plots.schoenfeld(fits[last], exposures[0])
                except ds.DiffusionStatsError:
                    ax = None
                if ax is not None:
                    rep.figure(ax, f"Schoenfeld residuals of '{exposures[0]}' against time.", name="schoenfeld")
        if fits:
            rep.heading("Full results")
            for label, f in {**extra, **fits}.items():
                rep.table(f.summary() if hasattr(f, "summary") else f, label, name=f"model_{_slug(label)}")
        caught = [f"{w.category.__name__}: {w.message}" for w in wlist
                  if issubclass(w.category, ds.DiffusionStatsWarning)]
    if caught:
        rep.heading("Warnings")
        for c in caught:
            rep.text(c, css_class="warn")
    steps.step("writing report")
    folder.clear_previous()  # exactly the previous run's files: no stale tables beside the new report
    paths = rep.write(out)
    folder.record(*paths.values())
    folder.finish()
    steps.close()
    for c in caught:  # diagnostics go to stderr, results to stdout
        sys.stderr.write(f"note: {c}\n")
    if fits:  # the first result, in the terminal too
        echo(str(ds.compare({**extra, **fits})))
    echo(f"panel: {acc.n_rows:,} rows, {int(panel['event'].sum()):,} events"
         + (f"; model: {used} ({len(fits)} specification{'s' if len(fits) != 1 else ''})" if fits
            else "; no model fitted"))
    echo(f"wrote {paths['report']} ({len(rep.figure_names)} figures, {len(rep.latex)} LaTeX tables in "
         f"{Path(out) / 'tables'})")
    return paths


def _curve_start(panel) -> tuple[int | None, bool]:
    """First year of the adoption-curve axis: the panel's first year with events, or the
    year of its first percentile of events when the first 1% of events are spread over
    more than a quarter of the years (SPID: a few adoptions from 1691 on)."""
    import numpy as np

    ev = np.sort(panel.loc[panel["event"] == 1, "year"].to_numpy())
    if len(ev) == 0:
        return None, False
    first, q = int(ev[0]), int(ev[int(0.01 * len(ev))])
    if q - first > 0.25 * (int(ev[-1]) - first):
        return q, True
    return first, False


def _channel_diagnostics(rep, panel, exposures: list[str], joint) -> None:
    """Separability of the channels and the Wald horse race of the joint model."""
    import diffusion_stats as ds

    rep.heading("Channels: separability and horse race")
    try:
        sep = ds.separability(panel, exposures)
        rep.table(sep.summary(), "Can the channels be told apart?")
    except ds.DiffusionStatsError as exc:
        rep.text(f"separability not computed: {exc}", css_class="warn")
    try:
        race = ds.horse_race(joint, exposures)
        rep.table(race.summary(), "Horse race (joint model; Wald tests with its variance)", name="horse_race")
    except ds.DiffusionStatsError as exc:
        rep.text(f"horse race not computed: {exc}", css_class="warn")


def _slug(s: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in s).strip("_") or "model"


def _fit_dyadic(adoptions, weights, *, end=None, windows=None, units=None) -> tuple[dict, str]:
    """Directed dyads (unit at risk x prior adopter) with one tie column per weight matrix."""
    import diffusion_stats as ds

    from .core.errors import InputError

    if not weights:
        raise InputError("--model dyadic needs at least one --weights (the ties between units and sources)")
    mats = [W for _, W in weights]  # each built with name=NAME: the dyad column names
    d = ds.dyads(adoptions, end=end, windows=windows, units=units, sources="prior_adopters", dyad_covariates=mats)
    names = [n for n, _ in weights]
    specs = {n: [n] for n in names} if len(names) > 1 else {}
    specs["all ties" if len(names) > 1 else "model"] = names
    fits = {}
    for label, terms in specs.items():
        formula = "event ~ " + " + ".join([*terms, "years_since_partner_adopted"])
        fits[label] = ds.DyadicLogit(formula, d).fit(cov_type="dyadic")
    return fits, "dyadic"


# ------------------------------------------------------------------------------------------
# commands
# ------------------------------------------------------------------------------------------
def _cmd_demo(args: argparse.Namespace) -> int:
    import diffusion_stats as ds

    demo = ds.datasets.load_demo()
    states = ds.datasets.load_us_states().query("postal != 'DC'")["postal"].tolist()
    W = ds.Weights.us_borders("queen", name="border")
    p = dict(getattr(demo, "params", {}) or {})
    truth = (f" True parameters: logit hazard a = {p.get('a_intercept')}, b (border share) = {p.get('b_share')}, "
             f"c (x) = {p.get('c_x')} (seed {p.get('seed')}); the first column fits that logit.") if p else ""
    def simulation_model(panel):  # the data-generating model: its estimates should be near the truth
        return {"Logit (true model)": ds.EventLogit("event ~ border + x", panel).fit(cov_type="cluster",
                                                                                    cluster="unit")}

    run_pipeline(demo.adoptions, weights=[("border", W)], out=args.out, title="diffusion_stats demo",
                 subtitle=f"{PROG} demo --out {args.out}", units=states, windows=demo.windows,
                 covariates=demo.covariates, model="cox", extra_fits=simulation_model,
                 notes=["Simulated adoptions of 10 policies by the 50 US states, 1980-2019, from the bundled seeded "
                        "simulator (datasets/make_demo.py), with queen contiguity of the states as the diffusion "
                        "channel and one state-year covariate x." + truth + " The Cox model estimates the "
                        "same effects on the hazard scale (close to, not equal to, the logit coefficients)."])
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    import diffusion_stats as ds

    if not Path(args.adoptions).expanduser().exists():
        raise CLIError(f"ADOPTIONS: file '{args.adoptions}' not found")
    try:
        adoptions = ds.read_adoptions(args.adoptions, unit=args.unit, policy=args.policy, year=args.year,
                                      object=args.object, duplicates=args.duplicates, missing=args.missing)
    except ds.ColumnNotFoundError as exc:
        flags = {args.unit: "--unit", args.policy: "--policy", args.year: "--year"}
        which = next((f for c, f in flags.items() if f"'{c}'" in str(exc)), "--unit/--policy/--year")
        raise CLIError(f"ADOPTIONS: {exc}; name the column with {which} COL") from None
    units = _read_table(args.units, "--units", ("unit",)) if args.units else None
    windows = _read_table(args.windows, "--windows", ("policy", "first_year", "last_year")) if args.windows else None
    covariates = _read_table(args.covariates, "--covariates", ("unit", "year")) if args.covariates else None
    if covariates is not None:
        from .core.errors import require_columns

        require_columns(covariates, ["unit", "year"], argument="--covariates")
        covariates = covariates.assign(unit=covariates["unit"].astype(str))
    ulabels = sorted(adoptions["unit"].astype(str).unique())
    if units is not None and "unit" in units.columns:
        ulabels = sorted(set(ulabels) | set(units["unit"].astype(str)))
    weights = [_parse_weights(w, ulabels) for w in args.weights]
    names = [n for n, _ in weights]
    if len(set(names)) != len(names):
        raise CLIError(f"--weights names must differ, got {names}")
    notes = []
    if units is None:
        # units that never adopted anything are absent from ADOPTIONS: take the universe from the other inputs
        adopters = set(adoptions["unit"].astype(str))
        if covariates is not None:
            universe, source = set(covariates["unit"].astype(str)) | adopters, "the --covariates file"
        elif weights:
            universe = adopters.union(*(set(W.labels) for _, W in weights))
            source = "the weight matrices"
        else:
            universe, source = adopters, ""
        units = sorted(universe)
        if source:
            notes.append(f"Units at risk: the {len(units)} units in ADOPTIONS or {source} "
                         f"({len(units) - len(adopters)} never adopted anything). Pass --units to set them.")
        else:
            notes.append(f"Units at risk: only the {len(units)} units that adopted something (no --units, "
                         "--covariates or --weights name the others); pass --units to add never-adopters.")
    if args.missing_units == "raise":
        bundled = {w.split("=", 1)[0].strip() for w in args.weights if w.split("=", 1)[-1].startswith("us-borders")}
        _check_units_in_weights(units, weights, bundled)
    cmd = " ".join([PROG, "analyze", *sys.argv[2:]]) if len(sys.argv) > 2 else f"{PROG} analyze"
    run_pipeline(adoptions, weights=weights, out=args.out, title=f"diffusion_stats: {Path(args.adoptions).name}",
                 subtitle=cmd, units=units, windows=windows, covariates=covariates, end=args.end, model=args.model,
                 notes=notes, force=args.force)  # misspelt units were refused above
    return 0


def _check_units_in_weights(units, weights, bundled: set[str]) -> None:
    """Units at risk missing from a weight matrix: a misspelt name would get exposure 0 silently.

    A bundled matrix (us-borders) covers every state, so any unit missing from it is an error;
    a tie file need not list isolates, so there only names close to one of its labels are."""
    import difflib

    from .core.validate import closest_labels

    labels = units["unit"].astype(str).tolist() if hasattr(units, "columns") else [str(u) for u in units]
    for name, W in weights:
        known = set(map(str, W.labels))
        miss = sorted(u for u in set(labels) if u not in known)
        if name not in bundled:
            miss = [u for u in miss if difflib.get_close_matches(u, list(known), n=1, cutoff=0.8)]
        if miss:
            raise CLIError(f"--weights {name}: {len(miss)} unit(s) are not in the weight matrix: "
                           f"{closest_labels(miss, W.labels, 6)}{', ...' if len(miss) > 6 else ''}; fix the names "
                           "in the input files, or pass --missing-units zero to keep them with exposure 0")


# Python argument names in package messages -> the CLI flags that set them
_FLAG_NAMES = (("duplicates='first'", "--duplicates first"), ("missing='drop'", "--missing drop"),
               ("object=", "--object NAME"), ("missing_units='zero'", "--missing-units zero"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``diffusion-stats`` console script; returns the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from .core.progress import set_progress

    if args.no_progress:
        set_progress(False)
    try:
        if args.command == "demo":
            return _cmd_demo(args)
        return _cmd_analyze(args)
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as exc:
        from .core.errors import DiffusionStatsError

        if args.debug:
            raise
        msg = " ".join(str(exc).split()) or type(exc).__name__
        for py, flag in _FLAG_NAMES:
            msg = msg.replace(py, flag)
        if type(exc).__module__.startswith("pyreadr") or type(exc).__name__ == "LibrdataError":
            sys.stderr.write(f"{PROG}: error: could not read an R file ({msg}): it is corrupt, truncated or not "
                             "an .RData/.rds file; re-export it from R (save()/saveRDS()) or use a .csv\n")
            return 2
        if isinstance(exc, (DiffusionStatsError, CLIError, FileNotFoundError, PermissionError)):
            sys.stderr.write(f"{PROG}: error: {msg}\n")
            return 2
        sys.stderr.write(f"{PROG}: internal error ({type(exc).__name__}): {msg} (rerun with --debug for the "
                         "traceback and please report it)\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
