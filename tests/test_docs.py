"""The documentation sources: every public name gets an API page, every reference folder is
on the "validated against" page. (The HTML build itself runs in .ci/run with -W.)"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import diffusion_stats as ds

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import generate  # noqa: E402


def test_every_public_name_has_an_api_entry(tmp_path):
    generate.api_pages(tmp_path)
    index = (tmp_path / "index.rst").read_text()
    for name in ds.__all__:
        if name in ("__version__", "datasets", "countries", "mechanisms"):
            continue
        assert f"diffusion_stats.{name}\n" in index, name
    for public, (_, real) in generate._SUBMODULES.items():
        mod = importlib.import_module(real)
        for name in mod.__all__:
            obj = getattr(mod, name)
            top = [n for n in ds.__all__ if n not in ("datasets", "countries", "mechanisms")
                   and getattr(ds, n, None) is obj]
            assert f"{public}.{name}\n" in index or top, f"{public}.{name}"


def test_validated_page_lists_every_reference_script(tmp_path):
    out = tmp_path / "validated.md"
    generate.validated_page(ROOT / "tests", out)
    text = out.read_text()
    for d in (ROOT / "tests" / "reference").iterdir():
        if d.is_dir():
            assert f"`tests/reference/{d.name}`" in text
            for script in list(d.glob("*.R")) + list(d.glob("*.py")):
                assert f"`{script.name}`" in text
    assert "test_cox.py" in text and "(no header comment)" not in text


def test_docs_sources_and_ci_step():
    for page in ("conf.py", "index.md", "getting_started.md", "design.md", "user_guide/inference.md"):
        assert (ROOT / "docs" / page).exists(), page
    ci = (ROOT / ".ci" / "run").read_text()
    assert "sphinx -W --keep-going" in ci and "check_wheel" in ci
    assert "docs/_build/" in (ROOT / ".gitignore").read_text()
    inference = (ROOT / "docs" / "user_guide" / "inference.md").read_text()
    for word in ("vcovCL", "vcovHC", "vce(cluster", "multi0 = FALSE"):
        assert word in inference
