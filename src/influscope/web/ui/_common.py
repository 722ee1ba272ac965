"""Helpers shared by the dashboard pages: language, the logged-in principal, rendering."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse

from influscope.db import tables as t
from influscope.web import i18n
from influscope.web.ui._render import render

def N_(message: str) -> str:
    """Mark a message for extraction (translated where it is shown)."""
    return message


NAV = (
    ("home", "/", N_("Campaigns")),
    ("links", "/links", N_("Links and codes")),
    ("imports", "/imports", N_("Imports")),
    ("settings", "/settings", N_("Settings")),
)


def lang_of(request: Request) -> str:
    return i18n.request_lang(request.query_params.get("lang"), request.cookies.get(i18n.COOKIE),
                             request.headers.get("accept-language"))


def csrf(request: Request) -> str:
    try:
        from influscope.auth.csrf import csrf_token
    except ImportError:  # pragma: no cover - the auth package ships with the app
        return ""
    return csrf_token(request)


def page(request: Request, template: str, *, principal: Any = None, status: int = 200, active: str = "",
         headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    lang = context.pop("lang", None) or lang_of(request)
    _ = i18n.gettext_for(lang)
    html = render(
        template, lang,
        request=request, principal=principal, csrf_token=csrf(request), active=active,
        nav=[(key, href, _(label)) for key, href, label in NAV],
        nonce=request.scope.get("state", {}).get("csp_nonce", ""),
        path=request.url.path, query=str(request.url.query), **context)
    response = HTMLResponse(html, status_code=status, headers=headers)
    if request.query_params.get("lang") and i18n.normalise_lang(request.query_params["lang"]):
        response.set_cookie(i18n.COOKIE, i18n.normalise_lang(request.query_params["lang"]), max_age=365 * 86400,
                            samesite="lax", httponly=True)
    return response


def engine_of(request: Request) -> sa.Engine:
    from influscope.auth.deps import db

    return db(request)


def campaign_or_404(conn: sa.Connection, workspace_id: int, slug: str) -> dict:
    row = conn.execute(sa.select(t.campaigns).where(t.campaigns.c.workspace_id == workspace_id,
                                                   t.campaigns.c.slug == slug)).mappings().first()
    if row is None:
        raise HTTPException(404, f"no campaign {slug!r} in this workspace")
    return dict(row)


def kpi_names(lang: str) -> dict[str, str]:
    from influscope.reports.build import catalogue, kpi_name

    return {k: kpi_name(k, lang) for k in catalogue()}
