"""Find, download, verify (SHA-256) and cache the public data files in the registry.

Lookup order for a file such as ``"spid/policies.RData"``:

1. ``$DIFFUSION_STATS_DATA/spid/policies.RData`` (a folder laid out like the
   project's ``shared/data``), if that variable is set and the file exists;
2. the user cache (``platformdirs.user_cache_dir("diffusion_stats")``, or the folder
   named by ``$DIFFUSION_STATS_CACHE``);
3. a download from the file's pinned public URL into the cache.

Every file is checked against its published SHA-256 before use.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path
from urllib.request import urlopen  # module global so tests can monkeypatch it

from ..core.errors import (
    DataNotAvailableError,
    DataValidationError,
    DiffusionStatsWarning,
    InputError,
    did_you_mean,
    user_stacklevel,
)
from ._registry import REGISTRY, url_of

__all__ = ["fetch", "cache_dir", "sha256_of"]

DATA_ENV = "DIFFUSION_STATS_DATA"
CACHE_ENV = "DIFFUSION_STATS_CACHE"
TIMEOUT = 60


def cache_dir() -> Path:
    """Folder where downloaded files are cached (``$DIFFUSION_STATS_CACHE`` or the user cache)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("diffusion_stats"))


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _how_to(name: str) -> str:
    return (f"download {url_of(name)} and either save it as {cache_dir() / name} or put it in a folder "
            f"laid out like shared/data (i.e. <folder>/{name}) and set the environment variable "
            f"{DATA_ENV}=<folder>")


def fetch(name: str, *, download: bool = True) -> Path:
    """Local path of registry file ``name``, downloading and verifying it if needed.

    Parameters
    ----------
    name : str
        Path relative to a data folder, e.g. ``"spid/policies.RData"``; see
        ``diffusion_stats.datasets.REGISTRY`` for the list.
    download : bool
        Allow a download when the file is neither in ``$DIFFUSION_STATS_DATA`` nor in
        the cache.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataNotAvailableError
        Offline (or ``download=False``) and no local copy: the message gives the URL
        and where to put the file.
    DataValidationError
        A local file in ``$DIFFUSION_STATS_DATA`` does not match the published SHA-256.

    Examples
    --------
    >>> from diffusion_stats.datasets import fetch
    >>> fetch("spid/policies.RData").name  # doctest: +SKIP
    'policies.RData'
    """
    if name not in REGISTRY:
        raise InputError(f"unknown data file '{name}'{did_you_mean(name, REGISTRY)}; known: "
                         f"{', '.join(sorted(REGISTRY))}")
    _, _, size, digest = REGISTRY[name]
    env = os.environ.get(DATA_ENV)
    if env:
        local = Path(env).expanduser() / name
        if local.exists():
            got = sha256_of(local)
            if got != digest:
                raise DataValidationError(
                    f"{local} (from {DATA_ENV}) does not match the published SHA-256 of '{name}' "
                    f"(expected {digest}, got {got}): it is corrupted or a different version; replace it "
                    f"with the file from {url_of(name)}")
            return local
    cached = cache_dir() / name
    moved = ""
    if cached.exists():
        got = sha256_of(cached)
        if got == digest:
            return cached
        # corrupted, partial or a different version: never delete a file (the cache folder may be the
        # user's own); move it aside under a name that says why, and fetch again
        aside = cached.with_name(f"{cached.name}.sha256-mismatch-{got[:12]}")
        try:
            os.replace(cached, aside)
        except OSError as exc:
            raise DataValidationError(
                f"{cached} does not match the published SHA-256 of '{name}' (expected {digest}, got {got}) "
                f"and could not be moved aside ({exc}); move or delete it yourself, then retry") from None
        moved = (f"{cached} did not match the published SHA-256 of '{name}' (expected {digest}, got {got}); "
                 f"it was moved aside to {aside} (not deleted)")
        warnings.warn(moved + ("; downloading a fresh copy" if download else ""), DiffusionStatsWarning,
                      stacklevel=user_stacklevel())
    if not download:
        raise DataNotAvailableError(f"data file '{name}' is not available locally and download=False"
                                    f"{'; ' + moved if moved else ''}; {_how_to(name)}")
    url = url_of(name)
    try:
        with urlopen(url, timeout=TIMEOUT) as resp:
            payload = resp.read()
    except OSError as exc:  # URLError, HTTPError, timeouts are all OSError
        where = f" ({DATA_ENV}={env} has no {name})" if env else ""
        raise DataNotAvailableError(f"could not download '{name}' ({exc}){where}; to use it offline, "
                                    f"{_how_to(name)}") from None  # the cause is in the message
    got = hashlib.sha256(payload).hexdigest()
    if got != digest:
        raise DataNotAvailableError(
            f"the download of '{name}' from {url} does not match its published SHA-256 (expected {digest}, got "
            f"{got}, {len(payload):,} bytes instead of {size:,}); the file was not saved. Retry later, or "
            f"{_how_to(name)}")
    cached.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, cached)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return cached
