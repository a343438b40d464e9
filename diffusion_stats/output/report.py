"""A self-contained HTML report: data accounting, tables and figures (PNG, base64).

Used by the ``diffusion-stats`` command line; usable from Python too::

    rep = Report("Lottery diffusion")
    rep.accounting(ds.accounting(panel))
    rep.table(ds.compare([fit]), "Models", name="models")
    rep.figure(ds.plots.adoption_curves(adoptions), "Cumulative adoption", name="curves")
    rep.write("out/")          # out/report.html and out/tables/models.tex

The HTML file has no external resources: it opens offline and can be mailed around.
"""

from __future__ import annotations

import base64
import html
import io
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.accounting import format_fact
from ..core.errors import InputError

__all__ = ["Report"]

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1040px;
       margin: 2em auto; padding: 0 1.2em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.1em; }
h2 { font-size: 1.3em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
.meta { color: #666; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.8em; }
table.ds-frame th, table.ds-frame td { border-bottom: 1px solid #eee; text-align: right; }
table.ds-frame th:first-child, table.ds-frame td:first-child { text-align: left; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.92em; }
pre { background: #f7f7f7; padding: 0.7em; overflow-x: auto; font-size: 0.88em; }
.warn { color: #8a4b00; }
"""


@dataclass
class _Block:
    kind: str
    html: str
    name: str = ""


@dataclass
class Report:
    """Build an HTML report piece by piece, then :meth:`write` it.

    Parameters
    ----------
    title : str
        Report title.
    subtitle : str, optional
        One line under the title (e.g. the command that produced it).

    Examples
    --------
    >>> rep = Report("Example")
    >>> rep.text("Hello")
    >>> "<h1>Example</h1>" in rep.to_html()
    True
    """

    title: str
    subtitle: str | None = None
    blocks: list[_Block] = field(default_factory=list)
    latex: dict[str, str] = field(default_factory=dict)

    # -- content ----------------------------------------------------------------------------
    def heading(self, text: str) -> None:
        """Section heading."""
        self.blocks.append(_Block("heading", f"<h2>{html.escape(text)}</h2>"))

    def text(self, text: str, *, css_class: str | None = None) -> None:
        """Paragraph of plain text (escaped)."""
        cls = f" class='{css_class}'" if css_class else ""
        self.blocks.append(_Block("text", f"<p{cls}>{html.escape(text)}</p>"))

    def preformatted(self, text: str) -> None:
        """Monospaced block (e.g. a printed summary)."""
        self.blocks.append(_Block("pre", f"<pre>{html.escape(text)}</pre>"))

    def accounting(self, acc: Any, *, title: str | None = None) -> None:
        """Row accounting of a builder (``ds.accounting(df)``): totals and every exclusion."""
        if acc is None:
            return
        rows = [("Rows", f"{int(getattr(acc, 'n_rows', 0)):,}")]
        for k, v in dict(getattr(acc, "counts", {})).items():
            rows.append((str(k), format_fact(v)))
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                       for k, v in rows)
        exc = list(getattr(acc, "exclusions", []))
        items = "".join(f"<li>{html.escape(str(e))}</li>" for e in exc) or "<li>nothing excluded</li>"
        head = html.escape(title or f"{getattr(acc, 'builder', 'builder')}")
        after = getattr(acc, "after_build_text", lambda: "")()
        after = f"<p>After building: {html.escape(after)}</p>" if after else ""
        self.blocks.append(_Block("accounting", f"<h3>{head}</h3><table class='ds-frame'>{body}</table>"
                                                f"<p>Excluded or added:</p><ul>{items}</ul>{after}"))

    def table(self, obj: Any, caption: str | None = None, *, name: str | None = None, max_rows: int = 60) -> None:
        """A table: a ``ds.compare`` Comparison, a Summary, a Results or a DataFrame.

        ``name`` also stores its LaTeX (``tables/<name>.tex`` when written).
        """
        if caption:
            self.blocks.append(_Block("caption", f"<h3>{html.escape(caption)}</h3>"))
        if isinstance(obj, pd.DataFrame):
            shown = obj if len(obj) <= max_rows else obj.head(max_rows)
            frag = shown.to_html(classes="ds-frame", border=0, float_format=lambda v: f"{v:,.4g}")
            if len(obj) > max_rows:
                frag += f"<p class='meta'>first {max_rows} of {len(obj):,} rows</p>"
            latex = shown.to_latex(float_format="%.4g") if name else None
        elif hasattr(obj, "_repr_html_"):
            frag = obj._repr_html_()
            latex = obj.to_latex() if name and hasattr(obj, "to_latex") else None
        else:
            raise InputError(f"Report.table: cannot render a {type(obj).__name__}; pass a DataFrame, "
                             "a ds.compare table or fitted Results")
        self.blocks.append(_Block("table", f"<div class='ds-table'>{frag}</div>", name or ""))
        if name and latex:
            self.latex[name] = latex

    def figure(self, fig: Any, caption: str, *, name: str, dpi: int = 110) -> None:
        """Embed a matplotlib Figure (or Axes) as a base64 PNG, then close it."""
        import matplotlib.pyplot as plt

        figure = getattr(fig, "figure", fig)
        if not hasattr(figure, "savefig"):
            raise InputError(f"Report.figure: expected a matplotlib Figure or Axes, got {type(fig).__name__}")
        buf = io.BytesIO()
        figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        plt.close(figure)
        b64 = base64.b64encode(buf.getvalue()).decode("ascii")
        n = sum(b.kind == "figure" for b in self.blocks) + 1
        self.blocks.append(_Block(
            "figure",
            f"<figure class='ds-figure' id='fig-{html.escape(name)}' data-name='{html.escape(name)}'>"
            f"<img alt='{html.escape(caption)}' src='data:image/png;base64,{b64}'>"
            f"<figcaption>Figure {n}. {html.escape(caption)}</figcaption></figure>", name))

    @property
    def figure_names(self) -> list[str]:
        """Names of the embedded figures, in order."""
        return [b.name for b in self.blocks if b.kind == "figure"]

    # -- output -------------------------------------------------------------------------------
    def to_html(self) -> str:
        """The whole report as one HTML document."""
        from .. import __version__

        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        sub = f"<p class='meta'>{html.escape(self.subtitle)}</p>" if self.subtitle else ""
        body = "\n".join(b.html for b in self.blocks)
        return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>\n"
                f"<h1>{html.escape(self.title)}</h1>{sub}"
                f"<p class='meta'>diffusion_stats {__version__}; written {stamp}; "
                f"{len(self.figure_names)} figures</p>\n{body}\n</body></html>\n")

    def write(self, out_dir: str | os.PathLike, *, filename: str = "report.html") -> dict[str, Path]:
        """Write ``report.html`` and ``tables/<name>.tex`` under ``out_dir``; return the paths."""
        out = Path(out_dir).expanduser()
        try:
            out.mkdir(parents=True, exist_ok=True)
            paths = {"report": out / filename}
            paths["report"].write_text(self.to_html(), encoding="utf-8")
            if self.latex:
                tdir = out / "tables"
                tdir.mkdir(exist_ok=True)
                for name, tex in self.latex.items():
                    p = tdir / f"{name}.tex"
                    p.write_text(tex, encoding="utf-8")
                    paths[f"table:{name}"] = p
        except OSError as exc:
            raise InputError(f"cannot write the report to '{out}': {exc.strerror or exc}; choose another --out "
                             "folder") from exc
        return paths
