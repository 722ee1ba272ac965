"""Modules the command line imports only when a command first uses them.

``import ibis`` at the top of a module costs a few hundred milliseconds, and the KPI engine's
modules import it for the queries they build; a process that finds every query it runs already
compiled (:mod:`influscope.kpi.query_cache`) never uses it. For the ``influscope`` command,
:func:`defer` makes ``import ibis`` bind a stand-in module that imports the real one on first
attribute access and from then on hands every attribute over from it. Importing a submodule
(``import ibis.expr.types``) imports the real package first, as usual; the stand-in only makes sure
that no submodule is run twice when that first touch happens mid-import.

The command line does this; ``influscope serve`` calls :func:`restore` first, so the server and its
workers import their modules as usual.
(:class:`importlib.util.LazyLoader` is not enough on Python 3.11: a second ``import ibis``
already triggers the load.)
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
import types
from typing import Any

DEFERRED = ("ibis",)
_lock = threading.RLock()


class _Deferred(types.ModuleType):
    """Stands in for a package until one of its attributes is read."""

    def __getattr__(self, attr: str) -> Any:
        real = self.__dict__.get("_deferred_real")
        if real is None and attr.startswith("__") and not self.__dict__.get("_deferred_ready"):
            raise AttributeError(attr)  # the import system setting the stand-in up (__loader__, __path__...)
        return getattr(real or _real(self), attr)

    def __dir__(self) -> list[str]:
        return dir(_real(self))


def _real(stand_in: _Deferred) -> types.ModuleType:
    """The real module behind STAND_IN, imported on first use."""
    with _lock:
        real = stand_in.__dict__.get("_deferred_real")
        if real is None:
            name = stand_in.__name__
            _Finder.waiting.discard(name)
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
            real = importlib.import_module(name)
            stand_in.__dict__["_deferred_real"] = real
        return real


class _Existing(importlib.abc.Loader):
    """Loads a module that is already in ``sys.modules`` (imported meanwhile by its package) as itself."""

    def __init__(self, module: types.ModuleType):
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        module.__spec__ = self.spec  # the import system set ours; give the module its own back


class _StandIn(importlib.abc.Loader):
    def __init__(self, spec: importlib.machinery.ModuleSpec):
        self.real_spec = spec

    def create_module(self, spec):
        return _Deferred(spec.name)

    def exec_module(self, module) -> None:
        module.__spec__ = self.real_spec
        module.__file__ = self.real_spec.origin
        module.__dict__["_deferred_ready"] = True  # from now on, reading any attribute imports the module


class _Finder(importlib.abc.MetaPathFinder):
    waiting: set[str] = set()

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if fullname in self.waiting:  # ``import ibis`` while deferred: the stand-in
            real = importlib.machinery.PathFinder.find_spec(fullname, path)
            if real is None:
                return None
            return importlib.util.spec_from_loader(fullname, _StandIn(real))
        if top in DEFERRED and fullname in sys.modules:
            # ``import ibis.x``: reading the stand-in's __path__ imported the real package, and
            # with it this submodule, after the import system had looked for it: keep that one
            module = sys.modules[fullname]
            if getattr(module, "__spec__", None) is not None:
                return importlib.util.spec_from_loader(fullname, _Existing(module))
        return None


_finder = _Finder()


def defer(name: str) -> bool:
    """Make ``import NAME`` lazy in this process; False if it is already imported or not installed."""
    with _lock:
        if name in sys.modules or importlib.machinery.PathFinder.find_spec(name) is None:
            return False
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
        _Finder.waiting.add(name)
        return True


def restore() -> None:
    """Import what was deferred and stop deferring (before serving: a server imports its modules
    up front, in every worker)."""
    with _lock:
        _Finder.waiting.clear()
        if _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
        for name in DEFERRED:
            module = sys.modules.get(name)
            if isinstance(module, _Deferred):
                _real(module)
