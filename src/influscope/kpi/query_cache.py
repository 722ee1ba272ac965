"""Compiled query text kept between processes, so that a new process runs the KPI engine's queries
without importing Ibis (see :mod:`influscope.kpi.prepared`).

An entry is one query shape compiled for one dialect: its SQL text with placeholders, the kind of
each bound value and of each result column. Entries live in files under the cache directory, in a
folder named after a *fingerprint* of everything else that changes the SQL: influscope's version,
a hash of its source files (any code change starts a new folder) and the installed Ibis and
sqlglot. Where the cache lives:

- ``INFLUSCOPE_QUERY_CACHE`` (or the ``query_cache`` setting): ``off`` disables it; a directory
  path puts it there; empty (the default) uses ``$XDG_CACHE_HOME/influscope/queries``
  (``~/.cache/influscope/queries``).

Nothing here ever fails a read: an entry that cannot be read or parsed is a miss (the caller
compiles), a directory that cannot be written is skipped. Files are written to a temporary name
and renamed into place, so that many processes (CLI runs, server workers) share one directory
without ever reading half a file. The database is never written.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import influscope

FORMAT = 1  # bump when an entry's layout changes
_STALE_S = 7 * 86400  # folders of older fingerprints untouched this long are removed
_LIBRARIES = ("ibis_framework", "sqlglot")
_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0, "stored": 0, "errors": 0}


def directory() -> Path | None:
    """The cache directory in use, or None when the cache is off."""
    from influscope.config import get_settings

    setting = (get_settings().query_cache or "").strip()
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "influscope" / "queries"


@functools.cache
def fingerprint() -> str:
    """What, besides the shape and the dialect, a compiled query depends on, as a short hash."""
    h = hashlib.sha256(f"{FORMAT}\0{influscope.__version__}\0".encode())
    h.update(source_digest(Path(influscope.__file__).resolve().parent))
    for library in _library_versions():
        h.update(library.encode() + b"\0")
    return h.hexdigest()[:24]


def source_digest(root: Path) -> bytes:
    """A hash of every Python file under ROOT, by relative path and content."""
    h = hashlib.sha256()
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                h.update(os.path.relpath(path, root).encode() + b"\0")
                with open(path, "rb") as fh:
                    h.update(hashlib.sha256(fh.read()).digest())
    return h.digest()


def _library_versions() -> list[str]:
    """The installed distributions of the libraries that write the SQL, read from the names of
    their metadata folders (no import, no metadata parsing)."""
    import importlib.machinery

    out = []
    for dist, module in zip(_LIBRARIES, ("ibis", "sqlglot")):
        spec = importlib.machinery.PathFinder.find_spec(module)
        if spec is None or not spec.origin:
            out.append(f"{dist}:absent")
            continue
        site = Path(spec.origin).resolve().parent.parent
        try:
            names = sorted(n for n in os.listdir(site) if n.lower().startswith(dist + "-") and n.endswith(".dist-info"))
        except OSError:
            names = []
        out.append(f"{dist}:{','.join(names) or spec.origin}")
    return out


def entry_name(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32] + ".json"


def _folder() -> Path | None:
    base = directory()
    return None if base is None else base / fingerprint()


def load(key: str) -> dict[str, Any] | None:
    """The entry stored under KEY, or None (absent, unreadable, corrupt, for another key, or off)."""
    folder = _folder()
    if folder is None:
        return None
    try:
        with open(folder / entry_name(key), encoding="utf-8") as fh:
            entry = json.load(fh)
        if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("value"), dict):
            raise ValueError("not an entry for this key")
    except FileNotFoundError:
        _count("misses")
        return None
    except (OSError, ValueError, UnicodeDecodeError):
        _count("errors")
        return None
    _count("hits")
    return entry["value"]


def store(key: str, value: dict[str, Any]) -> bool:
    """Keep VALUE under KEY (atomically: a temporary file renamed into place); False when the cache
    is off or cannot be written."""
    folder = _folder()
    if folder is None:
        return False
    try:
        fresh = not folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"key": key, "value": value}, fh, ensure_ascii=False)
            os.replace(tmp, folder / entry_name(key))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except (OSError, TypeError, ValueError):
        _count("errors")
        return False
    _count("stored")
    if fresh:
        _prune(folder)
    return True


def _prune(keep: Path) -> None:
    """Remove the folders of other fingerprints that nobody has written for a while."""
    now = time.time()
    try:
        siblings = list(keep.parent.iterdir())
    except OSError:
        return
    for other in siblings:
        with contextlib.suppress(OSError):
            if other != keep and other.is_dir() and now - other.stat().st_mtime > _STALE_S:
                shutil.rmtree(other, ignore_errors=True)


def _count(what: str) -> None:
    with _lock:
        _stats[what] += 1


def reject() -> None:
    """Count the entry just loaded as unreadable after all (its value did not make sense to the reader)."""
    with _lock:
        _stats["hits"] -= 1
        _stats["errors"] += 1


def stats() -> dict[str, int]:
    """Hits, misses, entries stored and unreadable entries or failed writes in this process."""
    with _lock:
        return dict(_stats)


def reset_stats() -> None:
    with _lock:
        _stats.update(hits=0, misses=0, stored=0, errors=0)
