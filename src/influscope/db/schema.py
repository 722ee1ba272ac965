"""Collects every table of the store on one ``MetaData``.

The core record tables live in :mod:`influscope.db.tables`; other areas (accounts, stores,
audience caches, ...) keep theirs in sibling modules of this package. Importing this module imports
all of them, so that migrations and the drift test see the whole schema.
"""

from __future__ import annotations

import importlib
import pkgutil

import influscope.db as _pkg
from influscope.db.tables import metadata

_NOT_TABLE_MODULES = {"engine", "types", "schema", "migrations", "tables"}


def load() -> "sa.MetaData":  # noqa: F821
    for info in pkgutil.iter_modules(_pkg.__path__):
        if info.name not in _NOT_TABLE_MODULES and not info.ispkg:
            importlib.import_module(f"influscope.db.{info.name}")
    return metadata
