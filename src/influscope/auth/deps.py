"""FastAPI dependencies: who is calling, and may they do this?

Usage in a router::

    from fastapi import APIRouter, Depends
    from influscope.auth.deps import Principal, db, require

    router = APIRouter(prefix="/api/v1/things")

    @router.get("")
    def list_things(p: Principal = Depends(require("read")), engine = Depends(db)):
        ...  # every query filtered on p.workspace_id

- ``principal(request)`` authenticates from ``Authorization: Bearer <api key>`` or from the login
  session cookie and returns a :class:`Principal`; unauthenticated requests get a 401 JSON error.
- ``require(x)`` is a dependency factory; ``x`` is a role ("viewer" < "analyst" < "admin" < "owner":
  at least that role), a scope ("read", "write") or "costs" (may see budgets and costs). Failing it
  gives 403. API keys act as "viewer" (scope read) or "analyst" (scope write), never more.
- ``optional_principal(request)`` returns None instead of raising (pages that redirect to /login).
- ``db(request)`` is the engine: ``app.state.engine`` when set (tests), else the configured database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request

from influscope.auth import keys as keys_mod
from influscope.auth import sessions as sessions_mod
from influscope.auth.roles import ROLE_RANK, at_least, role_for_scopes, scopes_for_role, sees_costs

SESSION_COOKIE = "influscope_session"
CSRF_COOKIE = "influscope_csrf"


@dataclass(frozen=True)
class Principal:
    workspace_id: int
    workspace_slug: str
    user_id: int | None
    role: str
    scopes: frozenset[str]
    can_see_costs: bool
    kind: str = "session"  # "session" | "api_key"
    api_key_id: int | None = None
    session_id: int | None = None
    email: str | None = None
    csrf_token: str | None = field(default=None, repr=False)

    def allows(self, need: str) -> bool:
        if need in ROLE_RANK:
            return at_least(self.role, need)
        if need in ("read", "write"):
            return need in self.scopes
        if need == "costs":
            return self.can_see_costs
        raise ValueError(f"unknown requirement {need!r}")


def db(request: Request) -> sa.Engine:
    engine = getattr(request.app.state, "engine", None)
    if engine is not None:
        return engine
    from influscope.config import get_settings
    from influscope.db.engine import get_engine

    engine = get_engine(get_settings().database_url)
    request.app.state.engine = engine
    return engine


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(status_code=401, detail=message, headers={"WWW-Authenticate": 'Bearer realm="influscope"'})


def _authenticate(request: Request) -> Principal | None:
    engine = db(request)
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _unauthorised("the Authorization header must be 'Bearer <api key>'")
        info = keys_mod.verify_key(engine, value.strip())
        if info is None:
            raise _unauthorised("unknown, revoked or expired API key")
        return Principal(info.workspace_id, info.workspace_slug, info.user_id, role_for_scopes(info.scopes),
                         info.scopes, info.can_see_costs, kind="api_key", api_key_id=info.id)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    s = sessions_mod.lookup(engine, token)
    if s is None:
        return None
    return Principal(s.workspace_id, s.workspace_slug, s.user_id, s.role, scopes_for_role(s.role),
                     sees_costs(s.role, s.can_see_costs), kind="session", session_id=s.id, email=s.email,
                     csrf_token=s.csrf_token)


def optional_principal(request: Request) -> Principal | None:
    """The caller, or None when not logged in (a bad API key is still a 401)."""
    if "principal" in request.state._state:
        return request.state.principal
    p = _authenticate(request)
    request.state.principal = p
    return p


def principal(request: Request) -> Principal:
    p = optional_principal(request)
    if p is None:
        raise _unauthorised("authentication required: log in or send 'Authorization: Bearer <api key>'")
    return p


principal.requirement = "any"  # any authenticated caller (introspected by the route-table tests)


def require(need: str) -> Callable[..., Principal]:
    """Dependency factory: the principal, if it has role/scope NEED; else 403."""
    if need not in ROLE_RANK and need not in ("read", "write", "costs"):
        raise ValueError(f"unknown requirement {need!r}")

    def dependency(p: Principal = Depends(principal)) -> Principal:
        if not p.allows(need):
            if need == "costs":
                raise HTTPException(403, "budgets and costs are not shared with this account")
            what = f"the {need!r} scope" if need in ("read", "write") else f"the {need!r} role or higher"
            raise HTTPException(403, f"this needs {what}")
        return p

    dependency.__name__ = f"require_{need}"
    dependency.requirement = need  # introspected by the route-table tests
    return dependency
