"""Side-by-side tables of fitted models: ``ds.compare``.

One table layout for every model type (Cox, event logit, dyadic logit, spatial lag):
one row per term with its standard error (or confidence interval) underneath, and
bottom rows for the number of observations, events, clusters, the log-likelihood and
the variance type.  The :class:`Comparison` prints as text, renders HTML in Jupyter and
exports LaTeX (booktabs), Markdown and a DataFrame.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import InputError
from .summary import _latex_cell, _latex_escape, _md_escape

__all__ = ["compare", "Comparison"]

_SE_CHOICES = ("auto", "std_errors", "conf_int", "pvalues", None)
_DEFAULT_STARS = {0.05: "*", 0.01: "**", 0.001: "***"}
_STAT_LABELS = {
    "model": "Model",
    "nobs": "N",
    "events": "Events",
    "clusters": "Clusters",
    "loglik": "Log-likelihood",
    "cov_type": "Variance",
    "random": "Random effects (SD)",
}
_SCALE_LABEL = "Scale"  # bottom row naming the scale when any model is exponentiated
_SHORT_NAMES = {"Cox proportional hazards": "Cox"}  # keep table columns narrow
_DEFAULT_STATS = ("model", "nobs", "events", "clusters", "loglik", "cov_type")


def _is_cox(res: Any) -> bool:
    name = f"{getattr(res, 'model_name', '')} {type(res).__name__}".lower()
    return "cox" in name


def _check_result(name: str, res: Any) -> None:
    for attr in ("params", "std_errors"):
        if not hasattr(res, attr):
            raise InputError(
                f"ds.compare: model {name!r} is a {type(res).__name__}, not a fitted Results object "
                f"(it has no .{attr}); pass the output of Model.fit()")


class Comparison:
    """Fitted models side by side; build with :func:`compare`.

    Attributes
    ----------
    names : list of str
        Column (model) names.
    estimates, std_errors, pvalues, lower, upper : pandas.DataFrame
        Numeric tables (terms x models) on the reported scale (hazard ratios for
        exponentiated models); NaN where a model lacks a term.
    stats : pandas.DataFrame
        Bottom-row facts (model, N, events, clusters, log-likelihood, variance), as strings.
    """

    def __init__(self, *, names: list[str], estimates: pd.DataFrame, std_errors: pd.DataFrame,
                 pvalues: pd.DataFrame, lower: pd.DataFrame, upper: pd.DataFrame, stats: pd.DataFrame,
                 exponentiated: list[bool], se: str | None, stars: dict[float, str] | None,
                 digits: int, alpha: float, labels: dict[str, str]) -> None:
        self.names = names
        self.estimates = estimates
        self.std_errors = std_errors
        self.pvalues = pvalues
        self.lower = lower
        self.upper = upper
        self.stats = stats
        self.exponentiated = exponentiated
        self.se = se
        self.stars = stars
        self.digits = digits
        self.alpha = alpha
        self._labels = labels

    # -- formatting helpers ------------------------------------------------------------
    def _num(self, x: float, tiny: bool = True) -> str:
        if x is None or not np.isfinite(x):
            return "" if x is None or np.isnan(x) else ("Inf" if x > 0 else "-Inf")
        if tiny and x != 0 and abs(x) < 0.5 * 10.0 ** -self.digits:  # would print 0.000: show its size
            return f"{x:.{max(self.digits - 1, 1)}e}"
        s = f"{x:.{self.digits}f}"
        if s.startswith("-") and float(s) == 0:  # no "-0.000"
            s = s[1:]
        return s

    def _star(self, p: float) -> str:
        if not self.stars or p is None or not np.isfinite(p):
            return ""
        mark = ""
        for level in sorted(self.stars, reverse=True):
            if p < level:
                mark = self.stars[level]
        return mark

    def _cells(self) -> list[tuple[str, str, list[str], list[str]]]:
        """(term, label, estimate cells, uncertainty cells) per term; cells hold raw strings + stars."""
        out = []
        for term in self.estimates.index:
            est, unc = [], []
            for m in self.names:
                b = self.estimates.at[term, m]
                if np.isnan(b):
                    est.append("")
                    unc.append("")
                    continue
                est.append(self._num(b) + self._star(self.pvalues.at[term, m]))
                if self.se == "std_errors":
                    unc.append(f"({self._num(self.std_errors.at[term, m])})")
                elif self.se == "conf_int":
                    lo, hi = self.lower.at[term, m], self.upper.at[term, m]
                    unc.append(f"[{self._num(lo, tiny=False)}, {self._num(hi, tiny=False)}]")
                elif self.se == "pvalues":
                    unc.append(f"(p={self._num(self.pvalues.at[term, m], tiny=False)})")
                else:
                    unc.append("")
            out.append((term, self._labels.get(term, term), est, unc))
        return out

    def notes(self) -> list[str]:
        """Footnotes: what the brackets hold, the star levels, the scale."""
        level = f"{100 * (1 - self.alpha):g}%"
        notes = []
        if self.se == "std_errors":
            n = "Standard errors in parentheses"
            if any(self.exponentiated):
                n += " (delta method for exponentiated estimates)"
            notes.append(n + ".")
        elif self.se == "conf_int":
            notes.append(f"{level} confidence intervals in brackets.")
        elif self.se == "pvalues":
            notes.append("p-values in parentheses.")
        if any(self.exponentiated):
            which = [m for m, e in zip(self.names, self.exponentiated, strict=True) if e]
            if len(which) == len(self.names):
                notes.append("Estimates exponentiated (hazard / odds ratios), not coefficients.")
            else:
                notes.append(f"Exponentiated estimates (hazard / odds ratios) in: {', '.join(which)}; "
                             "coefficients elsewhere.")
        if self.stars:
            notes.append(", ".join(f"{s} p < {lv:g}" for lv, s in sorted(self.stars.items(), reverse=True)) + ".")
        return notes

    # -- exports -----------------------------------------------------------------------------
    def to_frame(self, formatted: bool = True) -> pd.DataFrame:
        """The table as a DataFrame.

        Parameters
        ----------
        formatted : bool, default True
            True: the displayed strings (a row per term, the uncertainty row below it with
            an empty label, then the bottom rows). False: numbers, with columns
            ``(model, statistic)`` for statistic in estimate, std_error, lower, upper, pvalue.
        """
        if not formatted:
            parts = {}
            for m in self.names:
                parts[m] = pd.DataFrame({"estimate": self.estimates[m], "std_error": self.std_errors[m],
                                         "lower": self.lower[m], "upper": self.upper[m],
                                         "pvalue": self.pvalues[m]})
            return pd.concat(parts, axis=1)
        rows, index = [], []
        for _term, label, est, unc in self._cells():
            rows.append(est)
            index.append(label)
            if self.se is not None:
                rows.append(unc)
                index.append("")
        for key, vals in self.stats.iterrows():
            rows.append(list(vals))
            index.append(key)
        return pd.DataFrame(rows, index=index, columns=self.names)

    def to_text(self) -> str:
        """Plain-text table."""
        f = self.to_frame()
        lw = max([len(str(i)) for i in f.index] + [4])
        widths = [max([len(c)] + [len(str(v)) for v in f[c]]) for c in f.columns]
        n_coef = len(f) - len(self.stats)

        def line(label: str, vals: Sequence[str]) -> str:
            return (f"{label:<{lw}}  " + "  ".join(f"{v:>{w}}" for v, w in zip(vals, widths, strict=True))).rstrip()

        total = lw + 2 + sum(widths) + 2 * (len(widths) - 1)
        out = ["=" * total, line("", list(f.columns)), "-" * total]
        for i, (label, row) in enumerate(f.iterrows()):
            if i == n_coef:
                out.append("-" * total)
            out.append(line(str(label), list(row)))
        out.append("=" * total)
        out += self.notes()
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th style='text-align:center'>{esc(m)}</th>" for m in self.names)
        body = []
        for _term, label, est, unc in self._cells():
            body.append(f"<tr><th style='text-align:left'>{esc(label)}</th>"
                        + "".join(f"<td style='text-align:center'>{esc(v)}</td>" for v in est) + "</tr>")
            if self.se is not None:
                body.append("<tr><td></td>" + "".join(
                    f"<td style='text-align:center;color:#555'><small>{esc(v)}</small></td>" for v in unc) + "</tr>")
        first = True
        for key, vals in self.stats.iterrows():
            style = "border-top:1px solid #888;" if first else ""
            first = False
            body.append(f"<tr><th style='text-align:left;{style}'>{esc(str(key))}</th>"
                        + "".join(f"<td style='text-align:center;{style}'>{esc(str(v))}</td>" for v in vals)
                        + "</tr>")
        notes = "".join(f"<br>{esc(n)}" for n in self.notes())
        return ("<div class='diffusion-stats-compare'><table style='border-collapse:collapse'>"
                f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
                f"<small>{notes[4:]}</small></div>")

    def to_html(self) -> str:
        """HTML fragment (the same as Jupyter shows)."""
        return self._repr_html_()

    def to_latex(self, caption: str | None = None, label: str | None = None) -> str:
        """LaTeX table (booktabs; needs ``\\usepackage{booktabs}``).

        Parameters
        ----------
        caption, label : str, optional
            ``\\caption`` and ``\\label`` of the table environment.
        """
        k = len(self.names)

        def num_tex(cell: str) -> str:  # math minus signs, powers of ten
            return _latex_cell(cell)

        def star_tex(cell: str) -> str:
            if self.stars:
                for s in sorted(set(self.stars.values()), key=len, reverse=True):
                    if cell.endswith(s):
                        return num_tex(cell[: -len(s)]) + f"$^{{{_latex_escape(s)}}}$"
            return num_tex(cell)

        def note_tex(note: str) -> str:
            t = _latex_escape(note).replace(r"\textless{}", "$<$")
            if self.stars:
                for s in sorted(set(self.stars.values()), key=len, reverse=True):
                    t = re.sub(rf"(^|, ){re.escape(_latex_escape(s))} p", rf"\g<1>$^{{{_latex_escape(s)}}}$ p", t)
            return t

        out = ["\\begin{table}[htbp]", "\\centering"]
        if caption:
            out.append(f"\\caption{{{_latex_escape(caption)}}}")
        if label:
            out.append(f"\\label{{{label}}}")
        out += [f"\\begin{{tabular}}{{l{'c' * k}}}", "\\toprule",
                " & ".join([""] + [_latex_escape(m) for m in self.names]) + r" \\", "\\midrule"]
        for _term, lab, est, unc in self._cells():
            out.append(" & ".join([_latex_escape(lab)] + [star_tex(v) for v in est]) + r" \\")
            if self.se is not None:
                out.append(" & ".join([""] + [num_tex(v) for v in unc]) + r" \\")
        out.append("\\midrule")
        for key, vals in self.stats.iterrows():
            out.append(" & ".join([_latex_escape(str(key))] + [num_tex(str(v)) for v in vals]) + r" \\")
        out.append("\\bottomrule")
        for n in self.notes():
            out.append(f"\\multicolumn{{{k + 1}}}{{l}}{{\\footnotesize {note_tex(n)}}} \\\\")
        out += ["\\end{tabular}", "\\end{table}"]
        return "\n".join(out) + "\n"

    def save(self, path: str | os.PathLike, **latex_kw: Any) -> Path:
        """Write the table to ``path``, the format chosen by its extension.

        ``.tex`` (booktabs; ``caption=``, ``label=`` are passed on), ``.md``, ``.html``,
        ``.txt`` or ``.csv`` (the displayed strings). Returns the path written.
        """
        return _save(self, path, **latex_kw)

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown table."""
        f = self.to_frame()
        n_coef = len(f) - len(self.stats)
        out = ["| | " + " | ".join(_md_escape(m) for m in self.names) + " |",
               "|:---|" + ":---:|" * len(self.names)]
        for i, (label, row) in enumerate(f.iterrows()):
            lab = f"**{_md_escape(label)}**" if i >= n_coef else _md_escape(label)
            out.append(f"| {lab} | " + " | ".join(_md_escape(v) for v in row) + " |")
        out += [""] + [_md_escape(n) for n in self.notes()]
        return "\n".join(out) + "\n"


def _save(comp: Comparison, path, **latex_kw) -> Path:
    p = Path(path).expanduser()
    ext = p.suffix.lower()
    writers = {".tex": lambda: comp.to_latex(**latex_kw), ".md": comp.to_markdown, ".html": comp.to_html,
               ".txt": lambda: comp.to_text() + "\n", ".csv": lambda: comp.to_frame().to_csv()}
    if ext not in writers:
        raise InputError(f"Comparison.save: unknown file type '{p.suffix}' for '{p.name}'; use one of "
                         f"{', '.join(writers)}")
    try:
        p.write_text(writers[ext](), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Comparison.save: cannot write '{p}': {exc.strerror or exc}") from exc
    return p


def compare(results: Sequence[Any] | Mapping[str, Any], *, exponentiate: bool | str = False,
            se: str | None = "auto", stars: bool | Mapping[float, str] = False, digits: int = 3,
            terms: Sequence[str] | Mapping[str, str] | None = None, alpha: float = 0.05,
            stats: Sequence[str] = _DEFAULT_STATS) -> Comparison:
    """Put fitted models side by side.

    Parameters
    ----------
    results : list of Results or dict name -> Results
        Fitted models of any type (Cox, event logit, dyadic logit, spatial lag). A list
        gets columns ``(1)``, ``(2)``, ...; a dict's keys name the columns.
    exponentiate : bool or "auto", default False
        False: coefficients (log hazard ratios, log odds), the convention of published
        tables. True: report exp(b) (hazard / odds ratios) for every model; "auto": hazard
        ratios for Cox models only. Exponentiated columns are labelled in a "Scale" row and
        a note in every format.
    se : {"auto", "std_errors", "conf_int", "pvalues", None}, default "auto"
        What goes under each estimate. "auto": standard errors for coefficients, the
        confidence interval (exponentiated bounds) as soon as a model is exponentiated.
        "std_errors" with exponentiated estimates gives delta-method errors
        (exp(b) * se), flagged in the notes.
    stars : bool or dict, default False
        Significance stars (opt-in). True means ``*`` p < 0.05, ``**`` p < 0.01, ``***`` p < 0.001;
        a dict {level: mark} sets your own.
    digits : int, default 3
        Decimal places of estimates and uncertainty (also of the log-likelihood).
    terms : list of str or dict, optional
        Terms to show, in this order (others are dropped); a dict also relabels them
        ({term: label}). Default: every term, in order of first appearance.
    alpha : float, default 0.05
        Confidence level of the intervals (1 - alpha).
    stats : sequence of str
        Bottom rows, from "model", "nobs", "events", "clusters", "loglik", "cov_type",
        "random" (standard deviations of the random effects of a ``MixedEventLogit``,
        the frailty variance of a frailty Cox model; added to the default rows when a
        model has them).

    Returns
    -------
    Comparison
        Prints as text; ``_repr_html_``, ``to_latex``, ``to_markdown``, ``to_frame``.

    Examples
    --------
    >>> import pandas as pd
    >>> from diffusion_stats.inference.results import Results
    >>> r = Results(params=pd.Series({"x": 0.5}), cov=pd.DataFrame([[0.04]], ["x"], ["x"]), nobs=100)
    >>> print(compare([r]).to_frame().loc["x", "(1)"])
    0.500
    """
    if isinstance(results, Mapping):
        items = [(str(k), v) for k, v in results.items()]
    elif isinstance(results, (list, tuple)):
        items = [(f"({i + 1})", v) for i, v in enumerate(results)]
    elif hasattr(results, "params"):
        items = [("(1)", results)]
    else:
        raise InputError(f"ds.compare: results must be a list or dict of fitted models, got "
                         f"{type(results).__name__}; e.g. ds.compare([fit1, fit2]) or ds.compare({{'Cox': fit1}})")
    if not items:
        raise InputError("ds.compare: no models given; pass a list or dict of fitted Results")
    for name, res in items:
        _check_result(name, res)
    if not (se is None or (isinstance(se, str) and se in _SE_CHOICES)):
        raise InputError(f"ds.compare: se={se!r} is not one of {list(_SE_CHOICES)}")
    if exponentiate not in (True, False, "auto"):
        raise InputError(f"ds.compare: exponentiate={exponentiate!r}; use False, True or 'auto' (Cox only)")
    if not isinstance(digits, (int, np.integer)) or digits < 0:
        raise InputError(f"ds.compare: digits={digits!r}; use a non-negative integer such as 3")
    if not 0 < alpha < 1:
        raise InputError(f"ds.compare: alpha={alpha!r} must be in (0, 1), e.g. 0.05")
    if stats is _DEFAULT_STATS and any(_random_text(res, 3) for _, res in items):
        stats = (*_DEFAULT_STATS, "random")
    bad = [s for s in stats if s not in _STAT_LABELS]
    if bad:
        raise InputError(f"ds.compare: unknown stats {bad}; choose from {list(_STAT_LABELS)}")
    if stars is True:
        star_map: dict[float, str] | None = dict(_DEFAULT_STARS)
    elif not stars:
        star_map = None
    elif isinstance(stars, Mapping):
        star_map = {float(k): str(v) for k, v in stars.items()}
    else:
        raise InputError(f"ds.compare: stars={stars!r}; use True, False or a dict like {{0.05: '*'}}")

    names = [n for n, _ in items]
    if len(set(names)) != len(names):
        raise InputError(f"ds.compare: model names must be unique, got {names}")

    # term order: first appearance, or as requested
    all_terms: list[str] = []
    for _, res in items:
        for t in res.params.index:
            if t not in all_terms:
                all_terms.append(str(t))
    labels: dict[str, str] = {}
    if terms is not None:
        if isinstance(terms, Mapping):
            labels = {str(k): str(v) for k, v in terms.items()}
            order = list(labels)
        else:
            order = [str(t) for t in terms]
        missing = [t for t in order if t not in all_terms]
        if missing:
            raise InputError(f"ds.compare: terms {missing} are in none of the models; terms are {all_terms}")
        all_terms = order
    else:  # intercept last, as in published tables
        consts = [t for t in all_terms if t in ("Intercept", "const", "(Intercept)")]
        all_terms = [t for t in all_terms if t not in consts] + consts

    exp_flags = [bool(exponentiate is True or (exponentiate == "auto" and _is_cox(res))) for _, res in items]
    if se == "auto":
        se = "conf_int" if any(exp_flags) else "std_errors"
    cols: dict[str, dict[str, pd.Series]] = {k: {} for k in ("b", "se", "p", "lo", "hi")}
    for (name, res), ex in zip(items, exp_flags, strict=True):
        b = res.params.astype(float)
        s = res.std_errors.astype(float)
        p = res.pvalues.astype(float) if hasattr(res, "pvalues") else pd.Series(np.nan, index=b.index)
        if hasattr(res, "conf_int"):
            ci = res.conf_int(alpha=alpha)
            lo, hi = ci.iloc[:, 0].astype(float), ci.iloc[:, 1].astype(float)
        else:
            lo = hi = pd.Series(np.nan, index=b.index)
        if ex:
            s = np.exp(b) * s
            b, lo, hi = np.exp(b), np.exp(lo), np.exp(hi)
        for key, val in zip(("b", "se", "p", "lo", "hi"), (b, s, p, lo, hi), strict=True):
            cols[key][name] = val.reindex(all_terms)
    frames = {k: pd.DataFrame(v, index=all_terms, columns=names) for k, v in cols.items()}

    stat_rows = {}
    for key in stats:
        stat_rows[_STAT_LABELS[key]] = [_stat(res, key, digits) for _, res in items]
    if any(exp_flags):
        stat_rows[_SCALE_LABEL] = [_scale(res, ex) for (_, res), ex in zip(items, exp_flags, strict=True)]
    stat_frame = pd.DataFrame(stat_rows, index=names).T if stat_rows else pd.DataFrame(columns=names)

    return Comparison(names=names, estimates=frames["b"], std_errors=frames["se"], pvalues=frames["p"],
                      lower=frames["lo"], upper=frames["hi"], stats=stat_frame, exponentiated=exp_flags,
                      se=se, stars=star_map, digits=int(digits), alpha=alpha, labels=labels)


def _scale(res: Any, exponentiated: bool) -> str:
    """What a column's estimates are: "hazard ratio", "odds ratio", "exp(coef)" or "coefficient"."""
    if not exponentiated:
        return "coefficient"
    if _is_cox(res):
        return "hazard ratio"
    name = f"{getattr(res, 'model_name', '')} {type(res).__name__}".lower()
    link = str(getattr(res, "link", "logit") or "logit").lower()
    return "odds ratio" if "logit" in name and link == "logit" else "exp(coef)"


def _stat(res: Any, key: str, digits: int) -> str:
    if key == "model":
        name = str(getattr(res, "model_name", type(res).__name__))
        return _SHORT_NAMES.get(name, name)
    if key == "nobs":
        n = getattr(res, "nobs", None)
        return "" if n is None else f"{int(n):,}"
    if key == "events":
        info = getattr(res, "info", {}) or {}
        for k in ("Events", "events", "Number of events"):
            if k in info and info[k] is not None:
                v = info[k]
                return f"{int(v):,}" if isinstance(v, (int, np.integer, float, np.floating)) else str(v)
        return ""
    if key == "clusters":
        n = tuple(getattr(res, "n_clusters", ()) or ())
        return " & ".join(f"{int(g):,}" for g in n)
    if key == "loglik":
        ll = getattr(res, "loglik", None)
        return "" if ll is None or not np.isfinite(ll) else f"{ll:,.{digits}f}"
    if key == "random":
        return _random_text(res, digits)
    if key == "cov_type":
        cov = str(getattr(res, "cov_type", ""))
        cl = tuple(getattr(res, "cluster", ()) or ())
        if getattr(res, "df_terms", None) is not None:  # small_sample="CR2"/"CR3": t on Satterthwaite df
            cov += ", Satterthwaite t"
        return f"{cov} ({' & '.join(cl)})" if cl else cov
    raise InputError(f"unknown statistic {key!r}")


def _random_text(res: Any, digits: int) -> str:
    """'group: term sd, ...' for mixed models, 'theta = v (group)' for frailty Cox models."""
    vc = getattr(res, "var_components", None)
    if isinstance(vc, pd.DataFrame) and "std_dev" in vc:
        grp = vc.index.name or ""
        return f"{grp}: " + ", ".join(f"{t} {v:.{digits}f}" for t, v in vc["std_dev"].items())
    th = getattr(res, "theta", None)
    if isinstance(th, float):
        return f"theta = {th:.{digits}f}"
    return ""
