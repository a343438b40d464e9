"""A printable, HTML- and LaTeX-renderable summary object shared by all models."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Summary", "format_number"]


def format_number(x, digits: int = 4) -> str:
    """Format a scalar for tables: significant digits, '<2e-16' style p-values left to caller."""
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
    if xf != 0 and (abs(xf) < 10 ** -(digits) or abs(xf) >= 10 ** (digits + 3)):
        return f"{xf:.{digits - 1}e}"
    return f"{xf:.{digits}g}" if abs(xf) >= 10**digits else f"{xf:.{digits}f}"


def _latex_escape(s: str) -> str:
    repl = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}
    return "".join(repl.get(c, c) for c in str(s))


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
        out = [f"% {self.title}"]
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
                out.append(" & ".join([_latex_escape(idx)] + [_latex_escape(v) for v in row]) + r" \\")
            out.append("\\bottomrule\n\\end{tabular}")
            if self.header:
                facts = "; ".join(f"{k}: {v}" for k, v in self.header)
                out.append(f"\\par\\footnotesize {_latex_escape(facts)}")
            out.append("\\end{table}")
        return "\n".join(out)

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown."""
        out = [f"**{self.title}**", ""]
        out += [f"- {k}: {v}" for k, v in self.header]
        for caption, df in self.tables:
            f = self._fmt_table(df)
            out += ["", f"*{caption}*" if caption else ""]
            out.append("| | " + " | ".join(map(str, f.columns)) + " |")
            out.append("|---|" + "---:|" * f.shape[1])
            for idx, row in f.iterrows():
                out.append(f"| {idx} | " + " | ".join(row) + " |")
        out += [""] + list(self.notes)
        return "\n".join(out)
