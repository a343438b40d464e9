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


# --------------------------------------------------------------------------- fit state
# Results and post-estimation are built from a model's typed fit state (``results.state``)
# or public attributes, never from a model's (or another class's results') private
# attributes. A read ``<obj>._name`` of a model- or results-like object (``model``, ``m``,
# ``mod``, ``res``, ``results``, ``fit``, ``self.model``, ``self._model`` ...) is allowed only
# in the module that defines ``_name`` (assigns ``self._name`` or defines it in a class body).
_MODELISH = {"model", "mod", "m", "res", "result", "results", "fit", "fitted", "estimator"}


def _defined_privates(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out.add(item.name)
                elif isinstance(item, ast.Assign):
                    out.update(t.id for t in item.targets if isinstance(t, ast.Name))
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    out.add(item.target.id)
        for t in targets:
            for el in (t.elts if isinstance(t, ast.Tuple) else [t]):
                if isinstance(el, ast.Attribute) and isinstance(el.value, ast.Name) and el.value.id == "self":
                    out.add(el.attr)
    return {n for n in out if n.startswith("_") and not n.startswith("__")}


def _modelish(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in _MODELISH
    if isinstance(node, ast.Attribute):  # self.model, self._model, results.model ...
        return node.attr.lstrip("_") in _MODELISH
    return False


def private_model_reads() -> list[str]:
    bad = []
    for module, path in _modules():
        tree = ast.parse(path.read_text())
        own = _defined_privates(tree)
        for node in ast.walk(tree):
            name, obj = None, None
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                name, obj = node.attr, node.value
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id in ("getattr", "hasattr", "setattr") and len(node.args) >= 2
                  and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
                  and node.args[1].value.startswith("_") and not node.args[1].value.startswith("__")):
                name, obj = node.args[1].value, node.args[0]
            if name is None or obj is None or not _modelish(obj) or name in own:
                continue
            bad.append(f"{module}:{node.lineno}: {ast.unparse(obj)}.{name}")
    return bad


def test_no_private_model_attribute_read_outside_its_module():
    assert private_model_reads() == []


def test_the_scan_sees_a_private_read(tmp_path):
    src = "def f(results):\n    return results._prep, results.model._time, getattr(results, '_rs', None)\n"
    tree = ast.parse(src)
    own = _defined_privates(tree)
    hits = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr.startswith("_")
            and _modelish(n.value) and n.attr not in own]
    assert len(hits) == 2 and not own


def test_results_carry_a_frozen_fit_state():
    import dataclasses

    import numpy as np
    import pandas as pd

    df = pd.DataFrame({"stop": [1, 1, 2, 2, 3, 4], "event": [1, 0, 1, 1, 0, 1],
                       "x": [1.0, 0.0, 0.2, 0.5, 1.5, 2.0]})
    cox = ds.CoxHazard("event ~ x", df, start=None).fit()
    logit = ds.EventLogit("event ~ x", df).fit()
    for res, cls in ((cox, "CoxFitState"), (logit, "BinaryFitState")):
        assert type(res.state).__name__ == cls and dataclasses.is_dataclass(res.state)
        assert res.state.__dataclass_params__.frozen
        assert res.model is not None
    assert cox.state.n_events == cox.n_events == 4
    np.testing.assert_array_equal(logit.state.in_memory().y, df["event"].to_numpy(dtype=float))
