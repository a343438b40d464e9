"""Datasets: real public data (downloaded, verified, cached) and the project's own tables.

Downloaded on first use (SHA-256 verified, cached in the user cache directory; the
environment variable ``DIFFUSION_STATS_DATA`` names a local folder laid out like the
project's ``shared/data``, used first):

- :func:`load_spid` -- SPID v1.0 adoptions and policy metadata;
- :func:`load_dhb2015` -- the Desmarais, Harden & Boehmke (2015) replication tables;
- :func:`load_csp` -- Correlates of State Policy variables, long state-year format;
- :func:`fetch` -- the local path of any registered file (``REGISTRY``).

Bundled (authored by the project; sources in ``datasets/README.md``):

- :func:`load_us_states` -- 50 states + DC: name, postal code, FIPS, census region and
  division, statehood year;
- :func:`load_us_state_borders` -- land borders (queen or rook); ``WATER_BORDERS``;
- :func:`load_demo` -- simulated adoptions with known true parameters.

Examples
--------
>>> import diffusion_stats as ds
>>> ds.datasets.load_us_states().shape
(51, 6)
"""

from __future__ import annotations

from ._csp import load_csp
from ._dhb2015 import DHB2015, load_dhb2015
from ._fetch import cache_dir, fetch
from ._registry import REGISTRY, url_of
from ._spid import SPID, load_spid
from ._tables import WATER_BORDERS, Demo, load_demo, load_us_state_borders, load_us_states

__all__ = [
    "load_spid", "load_dhb2015", "load_csp", "load_us_states", "load_us_state_borders", "load_demo",
    "fetch", "cache_dir", "url_of", "REGISTRY", "WATER_BORDERS", "SPID", "DHB2015", "Demo",
]
