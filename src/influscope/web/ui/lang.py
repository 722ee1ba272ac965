"""The language switch: remembers the choice for the logged-in user and in a cookie (for this
browser, also before logging in), then goes back."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from influscope.web import i18n

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str | None = None) -> RedirectResponse:
    lang = i18n.normalise_lang(code)
    if lang is None:
        raise HTTPException(404, f"unsupported language {code!r}; use one of {', '.join(i18n.LANGS)}")
    from influscope.web.ui._common import save_lang

    save_lang(request, lang)  # per user, in every browser they use
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True, path="/")
    # the login page (rendered by the auth module before anyone is known) reads a cookie named "lang"
    response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True, path="/")
    return response
