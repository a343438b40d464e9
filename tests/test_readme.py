"""The README's code runs as written (from the repository root, on the real data)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import diffusion_stats as ds

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_has_the_two_setup_commands_first():
    text = (ROOT / "README.md").read_text()
    first = re.search(r"```bash\n(.*?)```", text, flags=re.S).group(1).strip().splitlines()
    assert first == ['pip install -e ".[dev]" && diffusion-stats demo', "pytest"]
    assert "\npytest\n" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_readme_python_blocks_run(shared_data, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # the README's relative path ../shared/data
    assert len(BLOCKS) >= 3
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        for block in BLOCKS:  # later blocks continue earlier ones
            exec(compile(block, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "582377 17833" in out
    assert namespace["fit"].params["border_share"] == pytest.approx(1.1426807, rel=1e-6)
