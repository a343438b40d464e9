"""A printable, HTML- and LaTeX-renderable summary object shared by all models."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Summary", "format_number"]


def format_number(x, digits: int = 4) -> str:
    """Format a scalar for tables.

    ``digits`` decimals for ordinary values; scientific notation for tiny values (fewer
    than two significant digits would show, e.g. a cubic duration term) and huge ones;
    values of 10**digits and more (log-likelihoods) keep two decimals, so that close
    values stay distinguishable. p-values are formatted like any other number.
    """
    if x is None:
        return ""
    if isinstance(x, (str, bytes)):
        return str(x)
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if np.isnan(xf):
        return "NA"
    if np.isinf(xf):
        return "Inf" if xf > 0 else "-Inf"
    ax = abs(xf)
    if xf != 0 and (ax < 10.0 ** -max(digits - 1, 1) or ax >= 1e15):
        return f"{xf:.{max(digits - 1, 1)}e}"
    return f"{xf:.2f}" if ax >= 10**digits else f"{xf:.{digits}f}"


_LATEX_REPL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
               "_": r"\_", "{": r"\{", "}": r"\}", "~": r"$\sim$", "^": r"\textasciicircum{}",
               "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
_SCI = re.compile(r"(?<![\w.])(-?)(\d+(?:\.\d+)?)e([+-])0*(\d+)(?![\w.])")
_MINUS = re.compile(r"(?<![A-Za-z0-9])-(?=[\d.])")


def _latex_escape(s: str) -> str:
    """Escape every character special to LaTeX (OT1-safe: no raw <, >, |, ~ or ^)."""
    return "".join(_LATEX_REPL.get(c, c) for c in str(s))


def _latex_cell(s: str) -> str:
    """Escape a table cell and typeset its numbers (math minus signs, powers of ten)."""
    def sci(m: re.Match) -> str:
        exp = ("-" if m.group(3) == "-" else "") + m.group(4)
        return f"${m.group(1)}{m.group(2)}\\times10^{{{exp}}}$"

    t = _latex_escape(s)
    t = _SCI.sub(sci, t)
    parts = re.split(r"((?<!\\)\$[^$]*(?<!\\)\$)", t)  # leave math already typeset alone
    return "".join(p if p.startswith("$") and p.endswith("$") else _MINUS.sub("$-$", p) for p in parts)


def _md_escape(s: str) -> str:
    """Escape a Markdown table cell (pipes and emphasis marks)."""
    return str(s).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")


@dataclass
class Summary:
    """Model summary: a title, header facts, one or more tables and notes.

    Prints as text, renders as HTML in Jupyter (``_repr_html_``) and writes LaTeX
    (``to_latex``, booktabs) and Markdown (``to_markdown``).
    """

    title: str
    header: list[tuple[str, str]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digits: int = 4

    def _fmt_table(self, df: pd.DataFrame) -> pd.DataFrame:
        return df.apply(lambda col: col.map(lambda v: format_number(v, self.digits)))

    def as_text(self) -> str:
        lines = [self.title, "=" * max(len(self.title), 20)]
        if self.header:
            w = max(len(k) for k, _ in self.header)
            lines += [f"{k:<{w}}  {v}" for k, v in self.header]
        for caption, df in self.tables:
            lines.append("")
            if caption:
                lines.append(caption)
            lines.append(self._fmt_table(df).to_string())
        if self.notes:
            lines.append("")
            lines += list(self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        parts = [f"<div class='diffusion-stats-summary'><h4>{html.escape(self.title)}</h4>"]
        if self.header:
            rows = "".join(
                f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                for k, v in self.header
            )
            parts.append(f"<table>{rows}</table>")
        for caption, df in self.tables:
            if caption:
                parts.append(f"<p><b>{html.escape(caption)}</b></p>")
            parts.append(self._fmt_table(df).to_html(escape=True))
        for n in self.notes:
            parts.append(f"<p><small>{html.escape(n)}</small></p>")
        parts.append("</div>")
        return "\n".join(parts)

    def to_html(self) -> str:
        """HTML fragment (the same as Jupyter shows)."""
        return self._repr_html_()

    def to_latex(self) -> str:
        """LaTeX (booktabs) tables, one per table of the summary, with the header as a note."""
        out = ["% " + " ".join(str(self.title).split())]  # one comment line
        for caption, df in self.tables:
            f = self._fmt_table(df)
            cols = "l" + "r" * f.shape[1]
            out.append("\\begin{table}[htbp]\n\\centering")
            if caption or self.title:
                out.append(f"\\caption{{{_latex_escape(caption or self.title)}}}")
            out.append(f"\\begin{{tabular}}{{{cols}}}\n\\toprule")
            out.append(" & ".join([""] + [_latex_escape(c) for c in f.columns]) + r" \\")
            out.append("\\midrule")
            for idx, row in f.iterrows():
                out.append(" & ".join([_latex_escape(idx)] + [_latex_cell(v) for v in row]) + r" \\")
            out.append("\\bottomrule\n\\end{tabular}")
            if self.header:
                facts = "; ".join(f"{k}: {v}" for k, v in self.header)
                out.append(f"\\par\\footnotesize {_latex_cell(facts)}")
            out.append("\\end{table}")
        return "\n".join(out)

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown."""
        out = [f"**{self.title}**", ""]
        out += [f"- {k}: {v}" for k, v in self.header]
        for caption, df in self.tables:
            f = self._fmt_table(df)
            out += ["", f"*{caption}*" if caption else ""]
            out.append("| | " + " | ".join(_md_escape(c) for c in f.columns) + " |")
            out.append("|---|" + "---:|" * f.shape[1])
            for idx, row in f.iterrows():
                out.append(f"| {_md_escape(idx)} | " + " | ".join(_md_escape(v) for v in row) + " |")
        out += [""] + list(self.notes)
        return "\n".join(out)
