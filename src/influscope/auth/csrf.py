"""CSRF protection: the token every form and every state-changing HTMX request must carry.

For templates (dashboard pages)::

    from influscope.auth.csrf import csrf_token
    html = render("page.html", lang, csrf_token=csrf_token(request), ...)

    <form method="post" action="...">
      <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
      ...
    </form>

For HTMX, send it as a header on every request of the page::

    <body hx-headers='{"X-CSRF-Token": "{{ csrf_token }}"}'>

(``csrf_input(request)`` returns the ready-made hidden ``<input>`` as markup.)

How it is checked (in :mod:`influscope.web.api._hardening`, for the whole app): a POST, PUT, PATCH
or DELETE that carries the session cookie, and every post to ``/login``, must send a token equal
to the expected one in the ``X-CSRF-Token`` header or the ``csrf_token`` form field (URL-encoded or
multipart); otherwise it gets 403 before any route runs.

- Logged in: the expected token is the one stored with the login session (synchroniser token;
  a new one at every login).
- Not logged in (the login form): double-submit; the token is a random value in the
  ``influscope_csrf`` cookie (HttpOnly, SameSite=Strict), set when a page first asks for a token.
- Requests authenticated with ``Authorization: Bearer <api key>`` carry no ambient credentials
  and need no token. The session cookie is also SameSite=Lax, a second line of defence.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from starlette.requests import Request

from influscope.auth._util import new_token

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SESSION_COOKIE = "influscope_session"
CSRF_COOKIE = "influscope_csrf"


def _engine(app):
    engine = getattr(app.state, "engine", None)
    if engine is None:
        from influscope.config import get_settings
        from influscope.db.engine import get_engine

        engine = get_engine(get_settings().database_url)
        app.state.engine = engine
    return engine


def expected_token(app, cookies: dict[str, str]) -> str | None:
    """The token a state-changing request with these cookies must carry (None: no valid token)."""
    token = cookies.get(SESSION_COOKIE)
    if token:
        from influscope.auth import sessions

        info = sessions.lookup(_engine(app), token)
        if info is not None:
            return info.csrf_token
    return cookies.get(CSRF_COOKIE) or None


def cookie_is_secure(request: Request) -> bool:
    """Cookies are Secure except on plain-HTTP loopback (a local install without TLS)."""
    if request.url.scheme == "https":
        return True
    from influscope.config import get_settings

    if get_settings().base_url.startswith("https://"):
        return True
    host = (request.url.hostname or "").lower()
    return host not in ("127.0.0.1", "localhost", "::1", "[::1]")


def csrf_token(request: Request) -> str:
    """The CSRF token to embed in this request's page (sets the anonymous cookie when needed)."""
    state = request.scope.setdefault("state", {})
    if state.get("csrf_token"):
        return state["csrf_token"]
    token = expected_token(request.app, request.cookies)
    if token is None:
        token = new_token(32)
        attrs = ["Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=86400"]
        if cookie_is_secure(request):
            attrs.append("Secure")
        state["csrf_set_cookie"] = f"{CSRF_COOKIE}={token}; " + "; ".join(attrs)
    state["csrf_token"] = token
    return token


def csrf_input(request: Request) -> Markup:
    """``<input type="hidden" name="csrf_token" value="...">`` for a form."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(csrf_token(request))}">')
