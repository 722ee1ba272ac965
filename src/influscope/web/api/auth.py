"""Login, logout, password change, and the account/administration API.

Pages (server-rendered, CSRF-protected forms):
- ``GET/POST /login``: e-mail + password; on success a session cookie (HttpOnly, SameSite=Lax,
  Secure except on plain-HTTP loopback) and a redirect to ``next`` (same-site paths only).
  The page uses the template ``auth/login.html`` when the dashboard provides one, else a plain form.
- ``POST /logout``; ``GET/POST /account/password``.

API (JSON):
- ``GET /api/v1/me``: who am I (workspace, role, scopes, whether costs are visible).
- ``POST /api/v1/me/workspace``: switch the session to another workspace the user belongs to.
- ``/api/v1/keys``: list, create (the key is in the response once), revoke (admin).
- ``/api/v1/members``: list, set role, remove (admin; only owners make or change owners; the last
  owner cannot be removed or demoted).
- ``GET /api/v1/audit``: the audit log (admin).
- ``/api/v1/settings/retention``: raw-click retention in days (admin).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import escape
from pydantic import BaseModel, Field

from influscope.auth import audit, keys, privacy, sessions, users
from influscope.auth.csrf import cookie_is_secure, csrf_token
from influscope.auth.deps import SESSION_COOKIE, Principal, db, optional_principal, require
from influscope.auth.passwords import PasswordPolicyError
from influscope.db.auth import memberships
from influscope.web.api._common import (ERRORS, MAX_ID, WRITE_ERRORS, Flag, Model, ObjectId, Text, UtcDateTime,
                                        strict_query)

router = APIRouter(tags=["account"], dependencies=[Depends(strict_query)])


# --------------------------------------------------------------------------------------- pages

def _safe_next(value: str | None) -> str:
    """Only same-site absolute paths: never another host (open redirect) or a scheme."""
    if not value or not value.startswith("/") or value.startswith("//") or value.startswith("/\\"):
        return "/"
    if any(c in value for c in "\r\n\t") or ":" in value.split("?", 1)[0]:
        return "/"
    return value


def _page(request: Request, title: str, body: str, status: int = 200, template: str | None = None,
          **context) -> HTMLResponse:
    token = csrf_token(request)
    nonce = request.scope.get("state", {}).get("csp_nonce", "")
    if template:
        try:
            from influscope.web.ui._render import TEMPLATES, render

            if (TEMPLATES / template).exists():
                from influscope.web import i18n
                from influscope.web.ui._common import lang_of

                lang = lang_of(request)
                if context.get("error"):  # translated when the dashboard's catalogue has the message
                    context["error"] = i18n.translations(lang).gettext(context["error"])
                html = render(template, lang, request=request, csrf_token=token, csp_nonce=nonce, **context)
                return HTMLResponse(html, status_code=status)
        except ImportError:
            pass
    html = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{escape(title)} - influscope</title>"
            f"</head><body><main><h1>{escape(title)}</h1>{body}</main></body></html>")
    return HTMLResponse(html, status_code=status)


def _login_form(request: Request, *, error: str | None = None, email: str = "", next_: str = "/",
                status: int = 200, headers: dict | None = None) -> HTMLResponse:
    token = csrf_token(request)
    err = f"<p role='alert' class='error'>{escape(error)}</p>" if error else ""
    body = (f"{err}<form method='post' action='/login'>"
            f"<input type='hidden' name='csrf_token' value='{escape(token)}'>"
            f"<input type='hidden' name='next' value='{escape(next_)}'>"
            f"<p><label>E-mail <input type='email' name='email' value='{escape(email)}' autocomplete='username' required autofocus></label></p>"
            f"<p><label>Password <input type='password' name='password' autocomplete='current-password' required></label></p>"
            f"<p><button type='submit'>Log in</button></p></form>")
    resp = _page(request, "Log in", body, status, template="auth/login.html", error=error, email=email, next=next_)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/") -> HTMLResponse:  # noqa: A002 - the query parameter's name
    return _login_form(request, next_=_safe_next(next))


@router.post("/login", include_in_schema=False)
async def login_submit(request: Request, engine: sa.Engine = Depends(db)):
    from fastapi.concurrency import run_in_threadpool

    from influscope.config import get_settings

    form = await request.form()
    email = str(form.get("email") or "")[:254]
    password = str(form.get("password") or "")
    next_ = _safe_next(str(form.get("next") or "/"))
    try:
        client = request.client.host if request.client else None
        new = await run_in_threadpool(sessions.login, engine, email, password, get_settings().workspace,
                                      client=client)
    except sessions.LoginThrottled as exc:
        return _login_form(request, error="Too many failed attempts. Try again in a minute.",
                           email=email, next_=next_, status=429, headers={"Retry-After": str(exc.retry_after)})
    except sessions.LoginFailed:
        return _login_form(request, error="Wrong e-mail or password.", email=email, next_=next_, status=401)
    resp = RedirectResponse(next_, status_code=303)
    resp.set_cookie(SESSION_COOKIE, new.token, max_age=int(sessions.MAX_AGE.total_seconds()), path="/",
                    httponly=True, samesite="lax", secure=cookie_is_secure(request))
    return resp


@router.post("/logout", include_in_schema=False)
def logout(request: Request, engine: sa.Engine = Depends(db)) -> RedirectResponse:
    sessions.logout(engine, request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=cookie_is_secure(request))
    return resp


def _password_form(request: Request, *, error: str | None = None, done: bool = False, status: int = 200):
    token = csrf_token(request)
    msg = (f"<p role='alert' class='error'>{escape(error)}</p>" if error else "") + (
        "<p role='status'>Password changed. Other sessions were logged out.</p>" if done else "")
    body = (f"{msg}<form method='post' action='/account/password'>"
            f"<input type='hidden' name='csrf_token' value='{escape(token)}'>"
            f"<p><label>Current password <input type='password' name='current' autocomplete='current-password' required></label></p>"
            f"<p><label>New password <input type='password' name='new' autocomplete='new-password' minlength='8' required></label></p>"
            f"<p><label>Repeat new password <input type='password' name='confirm' autocomplete='new-password' required></label></p>"
            f"<p><button type='submit'>Change password</button></p></form>")
    return _page(request, "Change password", body, status, template="auth/password.html", error=error, done=done)


def _session_user(request: Request) -> Principal:
    p = optional_principal(request)
    if p is None:
        raise HTTPException(401, "log in first")
    if p.kind != "session":
        raise HTTPException(403, "only a logged-in user can change their password")
    return p


@router.get("/account/password", include_in_schema=False)
def password_page(request: Request, p: Principal = Depends(_session_user)) -> HTMLResponse:
    return _password_form(request)


@router.post("/account/password", include_in_schema=False)
async def password_submit(request: Request, p: Principal = Depends(_session_user), engine: sa.Engine = Depends(db)):
    from fastapi.concurrency import run_in_threadpool

    form = await request.form()
    current, new, confirm = (str(form.get(k) or "") for k in ("current", "new", "confirm"))
    if new != confirm:
        return _password_form(request, error="The new passwords differ.", status=422)
    try:
        await run_in_threadpool(users.change_password, engine, p.user_id, current, new, keep_session_id=p.session_id)
    except (users.UserError, PasswordPolicyError) as exc:
        return _password_form(request, error=str(exc).capitalize() + ".", status=422)
    return _password_form(request, done=True)


_session_user.requirement = "session"


# ------------------------------------------------------------------------------------------ API

class Me(BaseModel):
    user_id: int | None
    email: str | None
    workspace_id: int
    workspace: str
    role: str
    scopes: list[str]
    can_see_costs: bool
    via: Literal["session", "api_key"]
    workspaces: list[str]


class WorkspaceSwitch(Model):
    workspace: Text(64, 1)


@router.get("/api/v1/me", response_model=Me, tags=["account"], summary="Who am I", responses=ERRORS)
def me(p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> Me:
    with engine.connect() as conn:
        wss = [m.workspace_slug for m in users.memberships_of(conn, p.user_id)] if p.kind == "session" else [
            p.workspace_slug]
    return Me(user_id=p.user_id, email=p.email, workspace_id=p.workspace_id, workspace=p.workspace_slug, role=p.role,
              scopes=sorted(p.scopes), can_see_costs=p.can_see_costs, via=p.kind, workspaces=wss)


@router.post("/api/v1/me/workspace", response_model=Me, summary="Switch the session's workspace",
             responses=WRITE_ERRORS)
def switch_workspace(body: WorkspaceSwitch, request: Request, p: Principal = Depends(require("viewer")),
                     engine: sa.Engine = Depends(db)) -> Me:
    if p.kind != "session":
        raise HTTPException(403, "API keys belong to one workspace")
    if not sessions.switch_workspace(engine, p.session_id, p.user_id, body.workspace):
        raise HTTPException(404, f"you are not a member of workspace {body.workspace!r}")
    request.state._state.pop("principal", None)  # re-read the session, now in the new workspace
    from influscope.auth.deps import principal as fresh

    return me(fresh(request), engine)


# keys

class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    can_see_costs: bool
    user_id: int | None
    created_at: UtcDateTime
    expires_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    last_used_at: UtcDateTime | None


class KeyIn(Model):
    name: Text(200) = ""
    scopes: Literal["read", "write", "read write"] = "read"
    can_see_costs: Flag = False
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class KeyCreated(BaseModel):
    id: int
    prefix: str
    scopes: list[str]
    key: str = Field(description="The secret key. It is shown only this once.")


def _key_out(r: dict) -> KeyOut:
    return KeyOut(**{**r, "scopes": sorted(r["scopes"].split())})


@router.get("/api/v1/keys", response_model=list[KeyOut], tags=["keys"], summary="List API keys", responses=ERRORS)
def list_keys(p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> list[KeyOut]:
    with engine.connect() as conn:
        return [_key_out(r) for r in keys.list_keys(conn, p.workspace_id)]


@router.post("/api/v1/keys", response_model=KeyCreated, status_code=201, tags=["keys"], summary="Create an API key",
             responses=WRITE_ERRORS)
def create_key(body: KeyIn, p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> KeyCreated:
    from influscope.auth._util import utcnow

    expires = utcnow() + dt.timedelta(days=body.expires_in_days) if body.expires_in_days else None
    new = keys.create_key(engine, p.workspace_id, scopes=body.scopes, name=body.name, user_id=p.user_id,
                          can_see_costs=body.can_see_costs, expires_at=expires)
    return KeyCreated(id=new.id, prefix=new.prefix, scopes=sorted(new.scopes), key=new.key)


@router.delete("/api/v1/keys/{key_id}", status_code=204, tags=["keys"], summary="Revoke an API key",
               responses=WRITE_ERRORS)
def revoke_key(key_id: ObjectId, p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> Response:
    if not keys.revoke_key(engine, p.workspace_id, key_id, user_id=p.user_id):
        raise HTTPException(404, f"no active API key with id {key_id}")
    return Response(status_code=204)


# members

Role = Literal["owner", "admin", "analyst", "viewer"]


class Member(BaseModel):
    id: int
    email: str
    name: str | None
    is_active: bool
    last_login_at: UtcDateTime | None
    role: str
    can_see_costs: bool


class MemberIn(Model):
    email: Text(254, 3)
    role: Role
    can_see_costs: Flag = False


def _owners(conn: sa.Connection, ws: int) -> set[int]:
    return set(conn.execute(sa.select(memberships.c.user_id).where(memberships.c.workspace_id == ws,
                                                                  memberships.c.role == "owner")).scalars())


@router.get("/api/v1/members", response_model=list[Member], tags=["members"], summary="List members",
            responses=ERRORS)
def list_members(p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> list[Member]:
    with engine.connect() as conn:
        return [Member(**m) for m in users.members(conn, p.workspace_id)]


@router.put("/api/v1/members", response_model=Member, tags=["members"],
            summary="Give an existing user a role in this workspace", responses=WRITE_ERRORS)
def set_member(body: MemberIn, p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> Member:
    with engine.connect() as conn:
        user = users.get_user(conn, body.email)
        owners = _owners(conn, p.workspace_id)
    if user is None:
        raise HTTPException(404, "no user with that e-mail; create it with `influscope users create`")
    if (body.role == "owner" or user["id"] in owners) and p.role != "owner":
        raise HTTPException(403, "only owners make or change owners")
    if user["id"] in owners and body.role != "owner" and owners == {user["id"]}:
        raise HTTPException(409, "the last owner cannot be demoted")
    users.set_membership(engine, body.email, p.workspace_id, body.role, can_see_costs=body.can_see_costs,
                         actor_user_id=p.user_id)
    with engine.connect() as conn:
        return next(Member(**m) for m in users.members(conn, p.workspace_id) if m["id"] == user["id"])


@router.delete("/api/v1/members/{user_id}", status_code=204, tags=["members"], summary="Remove a member",
               responses=WRITE_ERRORS)
def remove_member(user_id: ObjectId, p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> Response:
    with engine.connect() as conn:
        owners = _owners(conn, p.workspace_id)
        present = any(m["id"] == user_id for m in users.members(conn, p.workspace_id))
    if not present:
        raise HTTPException(404, f"no member with id {user_id}")
    if user_id in owners and p.role != "owner":
        raise HTTPException(403, "only owners remove owners")
    if owners == {user_id}:
        raise HTTPException(409, "the last owner cannot be removed")
    users.remove_membership(engine, user_id, p.workspace_id, actor_user_id=p.user_id)
    return Response(status_code=204)


# audit

class AuditEntry(BaseModel):
    id: int
    ts: UtcDateTime
    user_id: int | None
    api_key_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    detail: dict | list | None


@router.get("/api/v1/audit", response_model=list[AuditEntry], tags=["audit"], summary="The audit log, newest first",
            responses=ERRORS)
def audit_entries(limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                  before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                  p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> list[AuditEntry]:
    with engine.connect() as conn:
        return [AuditEntry(**{k: e[k] for k in AuditEntry.model_fields})
                for e in audit.entries(conn, p.workspace_id, limit=limit, before_id=before_id)]


# data protection settings

class Retention(Model):
    click_retention_days: Annotated[int, Field(ge=1, le=36500)] | None = Field(
        None, description="Raw clicks older than this many days are deleted by `influscope privacy apply-retention`; "
                          "null keeps them.")


@router.get("/api/v1/settings/retention", response_model=Retention, tags=["settings"],
            summary="Raw-click retention", responses=ERRORS)
def get_retention(p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> Retention:
    with engine.connect() as conn:
        return Retention(click_retention_days=privacy.click_retention(conn, p.workspace_id))


@router.put("/api/v1/settings/retention", response_model=Retention, tags=["settings"],
            summary="Set raw-click retention", responses=WRITE_ERRORS)
def put_retention(body: Retention, p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> Retention:
    privacy.set_click_retention(engine, p.workspace_id, body.click_retention_days, user_id=p.user_id)
    return body


def login_url(next_path: str = "/") -> str:
    return "/login?next=" + quote(_safe_next(next_path), safe="/")
