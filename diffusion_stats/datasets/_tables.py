"""Tables the project authors and ships: US states, state borders, the simulated demo."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from ..core.bundled import bundled_path
from ..core.errors import InputError

__all__ = ["load_us_states", "load_us_state_borders", "load_demo", "Demo", "WATER_BORDERS"]

#: Pairs of states facing each other only across water (lakes, sea), absent from
#: :func:`load_us_state_borders`. Berry & Berry (1990) count IL-MI and ME-MA as neighbours.
WATER_BORDERS = pd.DataFrame({"state1": ["IL", "MA"], "state2": ["MI", "ME"], "corner_only": [False, False]})


def load_us_states() -> pd.DataFrame:
    """The 50 US states and the District of Columbia.

    Returns
    -------
    DataFrame
        51 rows: ``name`` (as in SPID, e.g. ``"New Hampshire"``), ``postal`` (two-letter
        code), ``fips`` (two-digit string, e.g. ``"06"``), ``region`` and ``division``
        (US Census Bureau regions and divisions), ``statehood`` (year of admission or of
        ratifying the Constitution; ``<NA>`` for DC).

    Examples
    --------
    >>> from diffusion_stats.datasets import load_us_states
    >>> states = load_us_states()
    >>> states.set_index("postal").loc["CA", ["name", "fips", "region", "division"]].tolist()
    ['California', '06', 'West', 'Pacific']
    >>> dict(zip(states["name"], states["postal"]))["New York"]
    'NY'
    """
    df = pd.read_csv(bundled_path("us_states.csv"), dtype={"fips": str, "name": str, "postal": str,
                                                          "region": str, "division": str})
    df["statehood"] = df["statehood"].astype("Int64")
    return df


def load_us_state_borders(contiguity: str = "queen") -> pd.DataFrame:
    """Pairs of US states (and DC) sharing a land border, each unordered pair once.

    Parameters
    ----------
    contiguity : {"queen", "rook"}
        ``"queen"`` (default) keeps the two Four Corners pairs that touch at a single
        point (AZ-CO, NM-UT; flagged ``corner_only``); ``"rook"`` drops them.

    Returns
    -------
    DataFrame
        ``state1``, ``state2`` (postal codes, ``state1 < state2``) and ``corner_only``
        (bool). 109 queen pairs (107 rook). Water-only borders (e.g. IL-MI across Lake
        Michigan, ME-MA across the sea) are not land borders and are not included; they
        are in ``WATER_BORDERS`` for studies that count them (Berry & Berry 1990).

    Examples
    --------
    >>> from diffusion_stats.datasets import load_us_state_borders, WATER_BORDERS
    >>> import pandas as pd
    >>> len(load_us_state_borders()), len(load_us_state_borders("rook"))
    (109, 107)
    >>> berry = pd.concat([load_us_state_borders(), WATER_BORDERS], ignore_index=True)
    >>> len(berry)
    111
    """
    if contiguity not in {"queen", "rook"}:
        raise InputError(f"contiguity= must be 'queen' or 'rook', not {contiguity!r}")
    df = pd.read_csv(bundled_path("us_state_borders.csv"), dtype={"state1": str, "state2": str,
                                                                "corner_only": bool})
    if contiguity == "rook":
        df = df.loc[~df["corner_only"]].reset_index(drop=True)
    return df


class Demo(NamedTuple):
    """The simulated demo data (see ``datasets/README.md`` for the true parameters)."""

    adoptions: pd.DataFrame
    covariates: pd.DataFrame
    windows: pd.DataFrame
    params: dict


def load_demo() -> Demo:
    """Simulated adoptions of 10 policies by the 50 states, 1980-2019 (offline, bundled).

    Produced by the committed, seeded script ``datasets/make_demo.py``: a
    discrete-time hazard ``logit h = a + b * share of bordering states (queen) that
    adopted by t-1 + c * x``, with ``a = -4``, ``b = 3``, ``c = 0.5`` and a simulated
    state-year covariate ``x``.

    Returns
    -------
    Demo
        ``adoptions`` (canonical unit, policy, year; units are postal codes),
        ``covariates`` (unit, year, x), ``windows`` (policy, first_year=1980,
        last_year=2019: every state is at risk from 1980, as in the simulation) and
        ``params`` (the true parameters and seed).

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> demo = ds.datasets.load_demo()
    >>> demo.params["b_share"]
    3.0
    >>> panel = ds.event_history(demo.adoptions, windows=demo.windows, units=ds.datasets.load_us_states()
    ...                          .query("postal != 'DC'")["postal"], covariates=demo.covariates)
    >>> int(panel["event"].sum()) == len(demo.adoptions)
    True
    """
    from ..design.adoptions import read_adoptions

    raw = pd.read_csv(bundled_path("demo_adoptions.csv"), dtype={"unit": str, "policy": str})
    adoptions = read_adoptions(raw)
    cov = pd.read_csv(bundled_path("demo_covariates.csv"), dtype={"unit": str})
    first, last = PARAMS["first_year"], PARAMS["last_year"]
    pol = sorted(f"demo{i:02d}" for i in range(1, int(PARAMS["n_policies"]) + 1))
    windows = pd.DataFrame({"policy": pol, "first_year": first, "last_year": last})
    return Demo(adoptions, cov, windows, dict(PARAMS))


#: True parameters of ``datasets/make_demo.py`` (a test checks they match the script).
PARAMS = {"a_intercept": -4.0, "b_share": 3.0, "c_x": 0.5, "seed": 20240611, "n_policies": 10,
          "first_year": 1980, "last_year": 2019}
