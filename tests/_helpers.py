"""Data set-ups shared by several test modules (each module keeps its own fixtures).

Test modules import these as ``from _helpers import ...`` (pytest puts ``tests/`` on
``sys.path``; there is no ``tests/__init__.py``).
"""

from __future__ import annotations

import warnings

import numpy as np

import diffusion_stats as ds


def two_channel_design() -> dict:
    """50 states, border + a random 'network' channel, 30 policies 1980-2010, both effects 1.

    The simulated design that ``benchmarks/validate_identification.py`` studies at
    scale; used by tests/test_mechanisms.py and tests/test_mechanisms_identification.py.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        B = ds.Weights.us_borders()
        labels = list(B.labels)
        rng = np.random.default_rng(5)
        m = (rng.random((50, 50)) < 0.08).astype(float)
        np.fill_diagonal(m, 0)
        N = ds.Weights.from_matrix(m, labels, name="net")
        chans = [ds.Channel("border", B, mechanism="emulation"), ds.Channel("net", N, mechanism="learning")]
        ad = ds.simulate_diffusion(labels, chans, effects={"border": 1.0, "net": 1.0}, start=1980, end=2010,
                                   n_policies=30, baseline=0.03, seed=1)
        panel = ds.add_channels(ds.event_history(ad, windows=ad.attrs["windows"], units=labels), ad, chans)
    return {"labels": labels, "B": B, "N": N, "chans": chans, "ad": ad, "panel": panel}
