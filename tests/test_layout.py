"""Package layout rules: families as subpackages, private names stay inside their subpackage."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import diffusion_stats as ds

PKG = Path(ds.__file__).resolve().parent


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def _family(module: str) -> str:
    """``diffusion_stats.survival.cox`` -> ``survival``; top-level modules are their own family."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _resolve(module: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    if node.level > 1:
        base = base[: -(node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _private(dotted: str) -> bool:
    return any(p.startswith("_") and not p.startswith("__") for p in dotted.split("."))


def cross_family_private_imports() -> list[str]:
    bad = []
    for module, path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            target = _resolve(module, path.name == "__init__.py", node)
            if not target.startswith("diffusion_stats"):
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                if target == "diffusion_stats" and alias.name in {"__version__"}:
                    continue
                fam_from, fam_to = _family(module), _family(full)
                if fam_from != fam_to and (_private(full.removeprefix("diffusion_stats."))):
                    bad.append(f"{module}:{node.lineno} imports {full}")
    return bad


def test_no_private_import_across_subpackages():
    assert cross_family_private_imports() == []


def test_families_are_subpackages():
    families = {m.name for m in pkgutil.iter_modules(ds.__path__) if m.ispkg}
    assert {"core", "design", "weights", "survival", "binary", "spatial", "inference", "output",
            "mechanisms", "countries", "datasets"} <= families
    flat = {m.name for m in pkgutil.iter_modules(ds.__path__) if not m.ispkg}
    assert flat == {"cli"}, f"modules outside a family: {sorted(flat - {'cli'})}"


def test_public_names_resolve_and_modules_do_not_shadow_functions():
    for name in ds.__all__:
        getattr(ds, name)
    for name in ("exposure", "dyads", "compare"):
        importlib.import_module(ds._LAZY[name])
        assert callable(getattr(ds, name)) and not isinstance(getattr(ds, name), type(ds))
    assert not hasattr(type(ds), "__setattr__") or type(ds) is type(importlib)


def test_warnings_point_at_the_user_line():
    """No hard-coded ``stacklevel=<n>``: every warning uses ``core.errors.user_stacklevel()``."""
    import re

    bad = [f"{p.relative_to(PKG.parent)}:{i}" for p in sorted(PKG.rglob("*.py"))
           for i, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"stacklevel=\d", line)]
    assert bad == []
