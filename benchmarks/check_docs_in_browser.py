"""Open the built documentation in headless Chromium and check its figures.

Not a CI test (CI machines may lack Chromium): a documented check to run by hand after
``python -m sphinx -W --keep-going -b html docs docs/_build/html``.

Four pages are checked: the front page (``index.html``: the demo adoption curves), the
API page of ``CoxHazard`` (its demo figure) and two rendered notebooks
(``tutorials/01_quickstart.html`` and ``tutorials/04_norm_diffusion_countries.html``, with
the country dot map: the figures their cells drew when the docs were built).
For each page, printing every result:

1. the HTML has at least one figure image (``<img>`` of a PNG or SVG, a file under
   ``_images/``/``_static/`` or an embedded ``data:`` URI);
2. in Chromium (``--dump-dom`` after load) every such image finished loading with a
   natural width > 0 (an injected script records this in the DOM);
3. a full-page screenshot is written (``<out>/<page>.png``) and is not blank.

Usage::

    python benchmarks/check_docs_in_browser.py                        # docs/_build/html, shots in /tmp
    python benchmarks/check_docs_in_browser.py --html docs/_build/html --out shots/

Chromium: ``apt-get install -y chromium`` (Debian) if it is missing.
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_report_in_browser import CHROME_FLAGS, find_chromium, png_size  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "index": "index.html",
    "CoxHazard": "api/generated/diffusion_stats.CoxHazard.html",
    "notebook_01": "tutorials/01_quickstart.html",
    "notebook_04": "tutorials/04_norm_diffusion_countries.html",  # incl. ds.plots.country_map
}

PROBE = """
<script>
window.addEventListener('load', () => {
  const images = [...document.querySelectorAll('article img, main img')]
    .filter((im) => !/logo/i.test(im.className + ' ' + im.src))
    .map((im) => ({src: (im.getAttribute('src') || '').slice(0, 60), complete: im.complete,
                   width: im.naturalWidth, height: im.naturalHeight}));
  const out = document.createElement('pre');
  out.id = 'ds-browser-check';
  out.textContent = JSON.stringify({height: document.documentElement.scrollHeight, images: images});
  document.body.appendChild(out);
});
</script>
"""


def figure_sources(html: str) -> list[str]:
    """src of every figure image in the page body (PNG/SVG files or data URIs)."""
    srcs = re.findall(r"<img[^>]*\ssrc=\"([^\"]+)\"", html)
    return [s for s in srcs if re.search(r"\.(png|svg|jpe?g)$|^data:image/", s) and "logo" not in s.lower()]


def check_page(chrome: str, name: str, page: Path, out: Path) -> bool:
    if not page.exists():
        print(f"FAIL [{name}]: {page} not built")
        return False
    html = page.read_text(encoding="utf-8")
    srcs = figure_sources(html)
    print(f"[{name}] {page.relative_to(page.parents[len(PAGES[name].split('/')) - 1])}: "
          f"{len(srcs)} figure image(s) in the HTML")
    if not srcs:
        print(f"FAIL [{name}]: no figure in the page")
        return False
    probe = page.with_name(page.stem + "._probe.html")
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    try:
        dom = subprocess.run([chrome, *CHROME_FLAGS, "--allow-file-access-from-files", "--virtual-time-budget=10000",
                              "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=180).stdout
    finally:
        probe.unlink()
    m = re.search(r"<pre id=\"ds-browser-check\"[^>]*>(.*?)</pre>", dom, re.S)
    if not m:
        print(f"FAIL [{name}]: the page did not finish loading in Chromium")
        return False
    found = json.loads(html_lib.unescape(m.group(1)))
    ok = True
    n_loaded = 0
    for im in found["images"]:
        good = im["complete"] and im["width"] > 0
        n_loaded += good
        ok &= good
        print(f"  chromium: {im['src']} {'loaded' if good else 'NOT LOADED'} ({im['width']} x {im['height']} px)")
    if n_loaded == 0:
        ok = False
        print(f"FAIL [{name}]: no figure rendered")
    height = int(found["height"])
    shot = out / f"{name}.png"
    if shot.exists():
        shot.unlink()
    subprocess.run([chrome, *CHROME_FLAGS, f"--screenshot={shot}", f"--window-size=1280,{min(height + 40, 12000)}",
                    page.as_uri()], capture_output=True, timeout=180)
    if not shot.exists():
        print(f"FAIL [{name}]: no screenshot written")
        return False
    w, h = png_size(shot.read_bytes())
    import matplotlib.image as mpimg

    spread = float(mpimg.imread(str(shot))[..., :3].std())
    blank = spread < 0.01
    print(f"  screenshot: {shot} ({w} x {h} px, pixel spread {spread:.3f}{', BLANK' if blank else ''})")
    return ok and not blank


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--html", type=Path, default=ROOT / "docs" / "_build" / "html", help="built HTML folder")
    ap.add_argument("--out", type=Path, default=None, help="folder for the screenshots (default: a temp folder)")
    args = ap.parse_args()
    chrome = find_chromium()
    out = (args.out or Path(tempfile.mkdtemp(prefix="ds_docs_check_"))).resolve()
    out.mkdir(parents=True, exist_ok=True)
    results = {name: check_page(chrome, name, (args.html / rel).resolve(), out) for name, rel in PAGES.items()}
    ok = all(results.values())
    print("OK: every page has its figures, rendered" if ok else
          f"FAIL: {', '.join(n for n, r in results.items() if not r)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
