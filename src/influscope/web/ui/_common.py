"""Helpers shared by the dashboard pages: language, the logged-in principal, rendering."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse

from influscope.db import slugs
from influscope.web import i18n
from influscope.web.ui._render import render

def N_(message: str) -> str:
    """Mark a message for extraction (translated where it is shown)."""
    return message


NAV = (
    ("home", "/", N_("Campaigns")),
    ("links", "/links", N_("Links and codes")),
    ("imports", "/imports", N_("Imports")),
    ("planning", "/planning", N_("Planning")),
    ("settings", "/settings", N_("Settings")),
)
COST_PAGES = {"planning"}  # shown only to accounts that may see costs


def lang_of(request: Request) -> str:
    """?lang=, then this browser's choice (cookie), then the user's saved choice, then Accept-Language."""
    chosen = i18n.normalise_lang(request.query_params.get("lang")) or i18n.normalise_lang(
        request.cookies.get(i18n.COOKIE))
    return chosen or saved_lang(request) or i18n.request_lang(None, None, request.headers.get("accept-language"))


def _user_id(request: Request) -> int | None:
    try:
        from influscope.auth.deps import optional_principal

        p = optional_principal(request)
    except HTTPException:  # a bad API key: the route's own dependency reports it
        return None
    return getattr(p, "user_id", None)


def saved_lang(request: Request) -> str | None:
    """The language the logged-in user chose with the language switch (any browser)."""
    state = request.scope.setdefault("state", {})
    if "saved_lang" in state:
        return state["saved_lang"]
    lang = None
    user_id = _user_id(request)
    if user_id is not None:
        from influscope.db.ui import user_preferences

        with engine_of(request).connect() as conn:
            lang = i18n.normalise_lang(conn.execute(sa.select(user_preferences.c.lang).where(
                user_preferences.c.user_id == user_id)).scalar())
    state["saved_lang"] = lang
    return lang


def save_lang(request: Request, lang: str) -> bool:
    """Remember LANG for the logged-in user; False when nobody is logged in."""
    user_id = _user_id(request)
    if user_id is None:
        return False
    import datetime as dt

    from influscope.db.ui import user_preferences

    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with engine_of(request).begin() as conn:
        done = conn.execute(user_preferences.update().where(user_preferences.c.user_id == user_id)
                            .values(lang=lang, updated_at=now)).rowcount
        if not done:
            conn.execute(user_preferences.insert().values(user_id=user_id, lang=lang, updated_at=now))
    return True


def csrf(request: Request) -> str:
    from influscope.auth.csrf import csrf_token
    return csrf_token(request)


def page(request: Request, template: str, *, principal: Any = None, status: int = 200, active: str = "",
         headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    lang = context.pop("lang", None) or lang_of(request)
    _ = i18n.gettext_for(lang)
    html = render(
        template, lang,
        request=request, principal=principal, csrf_token=csrf(request), active=active,
        nav=[(key, href, _(label)) for key, href, label in NAV
             if key not in COST_PAGES or getattr(principal, "can_see_costs", False)],
        nonce=request.scope.get("state", {}).get("csp_nonce", ""),
        path=request.url.path, query=str(request.url.query), **context)
    response = HTMLResponse(html, status_code=status, headers=headers)
    if request.query_params.get("lang") and i18n.normalise_lang(request.query_params["lang"]):
        response.set_cookie(i18n.COOKIE, i18n.normalise_lang(request.query_params["lang"]), max_age=365 * 86400,
                            samesite="lax", httponly=True)
    return response


def plain_number(value: Any) -> str:
    """VALUE as a person types it: no exponent, no trailing zeros (2500000, 0.3; a float to 6
    significant digits, as ``%g`` gives); '' for None."""
    if value is None:
        return ""
    from decimal import Decimal

    exact = Decimal(f"{value:.6g}") if isinstance(value, float) else Decimal(str(value))
    return format(exact.normalize(), "f")


def engine_of(request: Request) -> sa.Engine:
    from influscope.auth.deps import db

    return db(request)


def campaign_or_404(conn: sa.Connection, workspace_id: int, slug: str) -> dict:
    row = slugs.campaign(conn, workspace_id, slug)
    if row is None:
        raise HTTPException(404, f"no campaign {slug!r} in this workspace")
    return dict(row)


def kpi_names(lang: str) -> dict[str, str]:
    from influscope.reports.build import catalogue, kpi_name

    return {k: kpi_name(k, lang) for k in catalogue()}
