"""Open the HTML report of ``diffusion-stats`` in headless Chromium and check every figure.

Not a CI test (CI machines may lack Chromium): a documented check to run by hand.

What it verifies, printing each result:

1. the report exists and lists N figures (``<figure class='ds-figure'>``), each an
   embedded base64 PNG that decodes to a real image (signature, width x height);
2. in Chromium (``--dump-dom`` after the page loaded) every ``<img>`` finished loading
   with a natural width > 0 (an injected script records this in the DOM);
3. screenshots were written and are not blank: one at ``--window-size`` (default
   1200 x 2400, the top of the report) and one of the whole page (``*_full.png``, height
   measured in the browser), in which every figure is visible.

Usage::

    python benchmarks/check_report_in_browser.py                 # runs `diffusion-stats demo` first
    python benchmarks/check_report_in_browser.py --report out/report.html --screenshot shot.png

Chromium: ``apt-get install -y chromium`` (Debian) if it is missing.
"""

from __future__ import annotations

import argparse
import base64
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]

PROBE = """
<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.querySelectorAll('figure.ds-figure img'));
  var rows = imgs.map(function (im, i) {
    var fig = im.closest('figure');
    return [fig.getAttribute('data-name'), im.complete, im.naturalWidth, im.naturalHeight].join(',');
  });
  var pre = document.createElement('pre');
  pre.id = 'ds-browser-check';
  pre.textContent = 'LOADED ' + imgs.length + ' HEIGHT ' + document.documentElement.scrollHeight + '\\n'
                    + rows.join('\\n');
  document.body.appendChild(pre);
});
</script>
"""


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("Chromium not found: install it (apt-get install -y chromium) and rerun")


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--report", type=Path, help="report.html to check (default: run `diffusion-stats demo`)")
    ap.add_argument("--screenshot", type=Path, default=Path("report_screenshot.png"),
                    help="where to write the screenshot (default: ./report_screenshot.png)")
    ap.add_argument("--window-size", default="1200,2400")
    args = ap.parse_args()
    chrome = find_chromium()
    tmp = Path(tempfile.mkdtemp(prefix="ds_report_check_"))
    if args.report is None:
        out = tmp / "demo"
        subprocess.run(["diffusion-stats", "demo", "--no-progress", "--out", str(out)], check=True)
        args.report = out / "report.html"
    report = args.report.resolve()
    text = report.read_text(encoding="utf-8")
    print(f"report: {report} ({len(text) / 1e6:.2f} MB)")

    # 1. figures in the file
    figs = re.findall(r"<figure class='ds-figure'[^>]*data-name='([^']+)'[^>]*>\s*<img[^>]*src='data:image/png;base64,"
                      r"([^']+)'", text)
    if not figs:
        print("FAIL: no figures found in the report")
        return 1
    for name, b64 in figs:
        w, h = png_size(base64.b64decode(b64))
        print(f"  figure '{name}': embedded PNG {w} x {h}")
    expected = {name for name, _ in figs}

    # 2. every image loads in Chromium
    probe = tmp / "probe.html"
    probe.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = subprocess.run([chrome, *CHROME_FLAGS, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=180).stdout
    m = re.search(r"<pre id=\"ds-browser-check\">LOADED (\d+) HEIGHT (\d+)\n?(.*?)</pre>", dom, re.S)
    if not m:
        print("FAIL: the page did not finish loading in Chromium (no probe output)")
        return 1
    ok = True
    loaded = set()
    height = int(m.group(2))
    for line in filter(None, m.group(3).split("\n")):
        name, complete, w, h = line.split(",")
        good = complete == "true" and int(w) > 0
        ok &= good
        loaded.add(name)
        print(f"  chromium: '{name}' {'loaded' if good else 'NOT LOADED'} ({w} x {h} px)")
    missing = expected - loaded
    if missing:
        print(f"FAIL: figures not in the rendered page: {sorted(missing)}")
        ok = False
    print(f"chromium rendered {m.group(1)} of {len(figs)} figures")

    # 3. screenshots: the requested window, and the whole page (every figure visible)
    shot = args.screenshot.resolve()
    full = shot.with_name(shot.stem + "_full" + shot.suffix)
    width = args.window_size.split(",")[0]
    for path, size in ((shot, args.window_size), (full, f"{width},{height + 40}")):
        if path.exists():
            path.unlink()
        subprocess.run([chrome, *CHROME_FLAGS, f"--screenshot={path}", f"--window-size={size}", report.as_uri()],
                       capture_output=True, timeout=180)
        if not path.exists():
            print(f"FAIL: no screenshot written to {path}")
            return 1
        w, h = png_size(path.read_bytes())
        try:
            import matplotlib.image as mpimg

            spread = float(mpimg.imread(str(path))[..., :3].std())
        except Exception:  # pragma: no cover - matplotlib missing
            spread = float("nan")
        blank = spread == spread and spread < 0.01
        print(f"screenshot: {path} ({w} x {h} px, pixel spread {spread:.3f}{', BLANK' if blank else ''})")
        ok &= not blank
    print("OK: every figure present and rendered" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
