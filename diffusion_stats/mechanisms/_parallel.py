"""Seeded, optionally parallel map for simulations and permutations.

Every task gets its own child seed from ``numpy.random.SeedSequence(seed).spawn``, so
results do not depend on ``n_jobs`` or on the order in which workers finish.
Parallel runs use a process pool (``concurrent.futures``); the shared context (design,
data, weights) is sent once per worker through the pool initializer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from ..core.errors import InputError
from ..core.progress import progress

__all__ = ["seeded_map", "child_seeds"]

_CTX: Any = None


def child_seeds(seed: Any, n: int) -> list[np.random.SeedSequence]:
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return ss.spawn(n)


def _init(ctx: Any) -> None:
    global _CTX
    _CTX = ctx


def _call(args: tuple) -> Any:
    fn, task = args
    return fn(_CTX, task)


def _jobs(n_jobs: int | None) -> int:
    if n_jobs is None or n_jobs == 1:
        return 1
    if not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise InputError(f"n_jobs={n_jobs!r}; use 1 (serial), k > 1 workers, or -1 (all cores)")
    cores = os.cpu_count() or 1
    return cores if n_jobs < 0 else min(int(n_jobs), cores)


def seeded_map(fn: Callable[[Any, Any], Any], ctx: Any, tasks: Sequence[Any], *, n_jobs: int | None = 1,
               desc: str = "", show: bool | None = None) -> list[Any]:
    """``[fn(ctx, task) for task in tasks]``, serially or in a process pool, with a progress bar.

    ``fn`` must be a module-level function (picklable) when ``n_jobs != 1``.
    """
    jobs = _jobs(n_jobs)
    if jobs == 1 or len(tasks) < 2:
        return [fn(ctx, t) for t in progress(tasks, desc=desc, total=len(tasks), enabled=show)]
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(ctx,)) as ex:
        it = ex.map(_call, [(fn, t) for t in tasks], chunksize=max(1, len(tasks) // (8 * jobs)))
        return list(progress(it, desc=desc, total=len(tasks), enabled=show))
