"""Sphinx configuration of the diffusion_stats documentation.

Build from the repository root::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Generated at build time (not committed): ``docs/api/`` (one page per public name, from
``diffusion_stats.__all__`` and the public subpackages), ``docs/tutorials/`` (the
notebooks in ``notebooks/``, executed with a cache) and ``docs/validated.md`` (from
``tests/reference/*/``), ``docs/_static/figures/`` (figures of the demo data).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("DIFFUSION_STATS_PROGRESS", "0")
# the notebooks' kernels inherit this: the inline backend, so that their figures are shown
# (CI exports MPLBACKEND=Agg, under which a kernel draws nothing)
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
shared = ROOT.parent / "shared" / "data"  # the real public data, as the tests find it
if "DIFFUSION_STATS_DATA" not in os.environ and shared.exists():
    os.environ["DIFFUSION_STATS_DATA"] = str(shared)

import generate  # noqa: E402  (docs/_ext/generate.py)

import diffusion_stats  # noqa: E402

generate.api_pages(HERE / "api")
generate.tutorials(ROOT / "notebooks", HERE / "tutorials")
generate.validated_page(ROOT / "tests", HERE / "validated.md")
figures = generate.example_figures(HERE / "_static" / "figures")
autosummary_context = {"figures": figures}

project = "diffusion_stats"
author = "diffusion_stats developers"
copyright = "diffusion_stats developers (MIT licence)"
release = diffusion_stats.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
templates_path = ["_templates"]
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc / autosummary: numpydoc-style docstrings through napoleon
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False, "show-inheritance": True,
                           "no-value": True}
autodoc_typehints = "none"  # the numpydoc Parameters sections already give the types
autodoc_member_order = "bysource"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # Attributes sections as fields: no duplicate object descriptions
napoleon_preprocess_types = False

# notebooks: executed at build time and cached; the cache is keyed by the notebooks' code
# (jupyter-cache) and here also by the package's sources, so that a change to the package
# runs them again and the rendered outputs are always those of this version. Each must
# finish within the timeout. DIFFUSION_STATS_DOCS_EXECUTE=off renders without executing.
nb_execution_mode = os.environ.get("DIFFUSION_STATS_DOCS_EXECUTE", "cache")
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache" / generate.source_hash(ROOT / "diffusion_stats"))
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

html_theme = "pydata_sphinx_theme"
html_title = f"diffusion_stats {release}"
html_theme_options = {"navigation_depth": 2, "show_toc_level": 2,
                      # the search as an icon: with the full search field the header wrapped
                      # onto two lines at 1280 px (seen in the headless-browser screenshots)
                      "navbar_persistent": ["search-button"], "header_links_before_dropdown": 5}
html_static_path = ["_static"]
html_css_files = ["custom.css"]
# ref.python: an attribute documented on a Results class and on its base (``converged``) is
# two targets of one name; Sphinx cannot choose between them and warns.
suppress_warnings = ["mystnb.unknown_mime_type", "ref.python"]
