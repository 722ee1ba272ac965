"""Configured stores (one per shop or Stripe account) and their signing secrets."""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from influscope.db import commerce as ct
from influscope.db import slugs
from influscope.db import tables as t

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class StoreError(ValueError):
    pass


@dataclass(frozen=True)
class Store:
    id: int
    workspace_id: int
    workspace: str
    kind: str
    name: str
    secret_source: str  # "database", "env:NAME", "file:/path" or "none" (never the secret itself)
    active: bool

    def as_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "workspace": self.workspace, "secret": self.secret_source,
                "active": self.active, "webhook_path": f"/hooks/{self.kind}/{self.name}"}


def _ensure_workspace(conn: sa.Connection, slug: str) -> int:
    from influscope.ingest.canonical import ensure_workspace

    return ensure_workspace(conn, slug)


def add_store(engine: sa.Engine, kind: str, name: str, *, workspace: str = "default", secret: str | None = None,
              secret_env: str | None = None, secret_file: str | None = None, replace: bool = False) -> Store:
    """Configure a store. Exactly one of ``secret`` (kept in the database), ``secret_env`` (the name of
    an environment variable) or ``secret_file`` (a file holding the secret) must be given, except for
    a ``web`` source (a site running the browser snippet), which has none."""
    kind = kind.lower().strip()
    if kind not in ct.STORE_KINDS:
        raise StoreError(f"kind: must be one of {', '.join(ct.STORE_KINDS)}, not {kind!r}")
    name = name.strip().lower()
    if not NAME_RE.match(name):
        raise StoreError(f"name: {name!r} must be 1-64 characters a-z, 0-9, '-' or '_' (it is part of the webhook URL)")
    given = [x for x in (secret, secret_env, secret_file) if x]
    if kind == "web" and given:
        raise StoreError("secret: a web source (the browser snippet) has no secret; its name is public")
    if kind != "web" and len(given) != 1:
        raise StoreError("secret: give exactly one of --secret, --secret-env or --secret-file")
    ref = None
    if secret_env:
        if not os.environ.get(secret_env):
            raise StoreError(f"--secret-env: the environment variable {secret_env} is not set here")
        ref = f"env:{secret_env}"
    elif secret_file:
        p = Path(secret_file).expanduser().resolve()
        if not p.is_file() or not p.read_text(encoding="utf-8").strip():
            raise StoreError(f"--secret-file: {secret_file} is missing or empty")
        ref = f"file:{p}"
    elif secret is not None and len(secret.strip()) < 8:
        raise StoreError("secret: too short (at least 8 characters)")
    with engine.begin() as conn:
        ws = _ensure_workspace(conn, workspace)
        row = conn.execute(sa.select(ct.stores).where(ct.stores.c.name == name)).first()
        values = {"workspace_id": ws, "kind": kind, "name": name, "secret": secret.strip() if secret else None,
                  "secret_ref": ref, "active": True}
        if row is not None:
            if not replace:
                raise StoreError(f"name: a store named {name!r} exists already (use --replace to change it)")
            if row.workspace_id != ws:
                raise StoreError(f"name: store {name!r} belongs to another workspace")
            conn.execute(ct.stores.update().where(ct.stores.c.id == row.id).values(**values))
        else:
            conn.execute(ct.stores.insert().values(**values))
    _CACHE.clear()
    return get_store(engine, kind, name)


def list_stores(engine: sa.Engine, workspace: str) -> list[Store]:
    with engine.connect() as conn:
        rows = conn.execute(_select().where(t.workspaces.c.slug == workspace).order_by(ct.stores.c.name)).all()
    return [_store(r) for r in rows]


def remove_store(engine: sa.Engine, name: str, workspace: str) -> bool:
    with engine.begin() as conn:
        ws = slugs.workspace_id(conn, workspace)
        n = conn.execute(ct.stores.delete().where(ct.stores.c.name == name, ct.stores.c.workspace_id == ws)).rowcount
    _CACHE.clear()
    return bool(n)


def _select():
    return sa.select(ct.stores, t.workspaces.c.slug.label("workspace")).join(
        t.workspaces, t.workspaces.c.id == ct.stores.c.workspace_id)


def _store(r) -> Store:
    return Store(id=r.id, workspace_id=r.workspace_id, workspace=r.workspace, kind=r.kind, name=r.name,
                 secret_source=r.secret_ref or ("database" if r.secret else "none"), active=bool(r.active))


def get_store(engine: sa.Engine, kind: str, name: str) -> Store | None:
    with engine.connect() as conn:
        r = conn.execute(_select().where(ct.stores.c.kind == kind, ct.stores.c.name == name)).first()
    return _store(r) if r else None


def resolve_secret(secret: str | None, ref: str | None) -> str:
    if ref:
        scheme, _, where = ref.partition(":")
        if scheme == "env":
            return os.environ.get(where, "").strip()
        if scheme == "file":
            try:
                return Path(where).read_text(encoding="utf-8").strip()
            except OSError:
                return ""
        return ""
    return (secret or "").strip()


# A short-lived cache in front of the store lookup of every delivery: secrets read from env/files
# are re-read after TTL seconds, so a rotated secret applies without a restart.
_CACHE: dict[tuple[str, str, str], tuple[float, tuple[Store, str] | None]] = {}
_LOCK = threading.Lock()
TTL_S = 10.0
MISS_TTL_S = 1.0


def lookup(engine: sa.Engine, kind: str, name: str) -> tuple[Store, str] | None:
    """(store, secret) for an active store, or None."""
    key = (str(engine.url), kind, name)
    now = time.monotonic()
    with _LOCK:
        hit = _CACHE.get(key)
        if hit and hit[0] > now:
            return hit[1]
    with engine.connect() as conn:
        r = conn.execute(_select().where(ct.stores.c.kind == kind, ct.stores.c.name == name)).first()
    value = None
    if r is not None and r.active:
        value = (_store(r), resolve_secret(r.secret, r.secret_ref))
    with _LOCK:
        _CACHE[key] = (now + (TTL_S if value else MISS_TTL_S), value)
    return value
