"""HTTP hardening for the whole web app: one pure-ASGI middleware plus JSON error handlers.

What the middleware does, in order, for every HTTP request:

1. **Request size limits.** Bodies above ``INFLUSCOPE_MAX_BODY_BYTES`` (default 1 MiB) are refused
   with 413; bundle uploads (``/api/v1/imports`` and the dashboard's ``/imports``) may be up to ``INFLUSCOPE_MAX_UPLOAD_BYTES``
   (default 50 MiB) and webhooks (``/hooks/``) up to ``INFLUSCOPE_MAX_WEBHOOK_BYTES`` (5 MiB). Both the declared Content-Length and the bytes actually streamed are checked.
2. **Rate limits** (in memory, per process; sliding one-minute windows): login form posts per
   client (``INFLUSCOPE_LOGIN_RATE``, default 30/min; the per-account limit of 10 failures a minute
   lives in the database, see :mod:`influscope.auth.sessions`), API calls per key or session or
   client (``INFLUSCOPE_API_RATE``, default 600/min; and five times that per client address, whatever
   the credentials) and webhooks per client
   (``INFLUSCOPE_WEBHOOK_RATE``, default 600/min). Refusals are 429 with ``Retry-After``. Client
   addresses are held in memory only for the window, never stored.
3. **CSRF.** Unsafe requests (POST, PUT, PATCH, DELETE) that carry the session cookie, and every
   post of the login form, must carry the CSRF token in the ``X-CSRF-Token`` header or in a
   ``csrf_token`` form field; see :mod:`influscope.auth.csrf` for the template helper. Requests
   authenticated by ``Authorization: Bearer`` carry no ambient credentials and are exempt, as are
   the cookie-less machine endpoints (``/hooks/``, ``/t/``, ``/l/``).
4. **Security headers** on every response: Content-Security-Policy (with a per-request script
   nonce, ``request.state.csp_nonce``) including ``frame-ancestors 'none'``, X-Content-Type-Options
   nosniff, Referrer-Policy, X-Frame-Options, Permissions-Policy, Cross-Origin-Opener-Policy, and
   ``Cache-Control: no-store`` on API responses.
"""

from __future__ import annotations

import collections
import hmac
import json
import logging
import os
import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from markupsafe import escape
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("influscope.web")

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_EXEMPT_PREFIXES = ("/hooks/", "/t/", "/l/")
LOGIN_PATHS = ("/login",)
# bundle uploads: the API and the dashboard's import page
UPLOAD_PREFIXES = ("/api/v1/imports", "/imports")
WEBHOOK_PREFIXES = ("/hooks/",)

# Alpine.js (vendored by the dashboard) evaluates its attribute expressions with Function(),
# which needs 'unsafe-eval'; inline <script> blocks still need the per-request nonce.
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# The interactive API docs page loads Swagger UI from its CDN.
CSP_DOCS = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'none'")


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


class Limits:
    """Effective limits; read from the environment when the app is created (tests may replace them)."""

    def __init__(self) -> None:
        self.max_body = _env_int("INFLUSCOPE_MAX_BODY_BYTES", 1024 * 1024)
        self.max_upload = _env_int("INFLUSCOPE_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
        self.max_webhook = _env_int("INFLUSCOPE_MAX_WEBHOOK_BYTES", 5 * 1024 * 1024)  # large shop orders
        self.login_per_min = _env_int("INFLUSCOPE_LOGIN_RATE", 30)
        self.api_per_min = _env_int("INFLUSCOPE_API_RATE", 600)
        self.webhook_per_min = _env_int("INFLUSCOPE_WEBHOOK_RATE", 600)


class RateLimiter:
    """Sliding-window counter: at most ``limit`` events per ``window`` seconds per key."""

    def __init__(self, window: float = 60.0, max_keys: int = 100_000):
        self.window = window
        self.max_keys = max_keys
        self._events: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int) -> int:
        """Record an event; 0 if allowed, else the seconds until the next one would be."""
        if limit <= 0:
            return 0
        now = time.monotonic()
        with self._lock:
            q = self._events.get(key)
            if q is None:
                if len(self._events) >= self.max_keys:
                    self._evict(now)
                q = self._events[key] = collections.deque()
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= limit:
                return max(1, int(q[0] + self.window - now) + 1)
            q.append(now)
            return 0

    def _evict(self, now: float) -> None:
        for key in [k for k, q in self._events.items() if not q or q[-1] <= now - self.window]:
            del self._events[key]
        if len(self._events) >= self.max_keys:  # still full of live keys: drop the oldest half
            for key in list(self._events)[: self.max_keys // 2]:
                del self._events[key]


class _TooLarge(Exception):
    pass


def _json_body(status: int, message: str, **extra: Any) -> bytes:
    return json.dumps({"status": status, "message": message, **extra}).encode()


async def _send_json(send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = _json_body(status, message)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookies(scope) -> dict[str, str]:
    raw = _header(scope, b"cookie")
    if not raw:
        return {}
    from http.cookies import SimpleCookie

    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # malformed cookie header: treat as none
        return {}
    return {k: m.value for k, m in jar.items()}


class SecurityMiddleware:
    def __init__(self, app, fastapi_app: FastAPI):
        self.app = app
        self.fastapi_app = fastapi_app
        self.limiter = RateLimiter()

    @property
    def limits(self) -> Limits:
        return self.fastapi_app.state.limits

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        headers = _security_headers(path, nonce)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message)
                extra = [(k, v) for k, v in headers if k not in present]
                cookie = scope["state"].get("csrf_set_cookie")
                if cookie:  # a page rendered a CSRF token for a visitor without a session
                    extra.append((b"set-cookie", cookie.encode("latin-1")))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        # 1. size limits
        if path.startswith(UPLOAD_PREFIXES):
            limit = self.limits.max_upload
        elif path.startswith(WEBHOOK_PREFIXES):
            limit = self.limits.max_webhook
        else:
            limit = self.limits.max_body
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                await _send_json(send_with_headers, 400, "invalid Content-Length")
                return
            if too_big:
                await _send_json(send_with_headers, 413, f"request body too large (limit {limit} bytes)")
                return

        # 2. rate limits
        retry = self._rate_limit(scope, path, method)
        if retry:
            await _send_json(send_with_headers, 429, "too many requests; slow down",
                             [(b"retry-after", str(retry).encode())])
            return

        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send_with_headers(message)

        try:
            if declared is None and method in UNSAFE_METHODS:
                # Streamed without a length: read it here (within the limit) so that an oversized body
                # is a clean 413 rather than a parse error deep inside the framework.
                body = await _read_body(limited_receive)
                receive = _replayer(body, receive)
                limited_receive = receive
            # 3. CSRF
            if method in UNSAFE_METHODS and self._needs_csrf(scope, path):
                body, ok = await self._check_csrf(scope, limited_receive, path)
                if not ok:
                    await _send_json(send_with_headers, 403, "CSRF token missing or wrong; reload the page and try again")
                    return
                replay = _replayer(body, receive)
                await self.app(scope, replay, tracking_send)
            else:
                await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_json(send_with_headers, 413, f"request body too large (limit {limit} bytes)")

    # ------------------------------------------------------------------ rate limits
    def _rate_limit(self, scope, path: str, method: str) -> int:
        client = (scope.get("client") or ("?", 0))[0]
        lim = self.limits
        if method == "POST" and path in LOGIN_PATHS:
            return self.limiter.hit("login:" + client, lim.login_per_min)
        if path.startswith(WEBHOOK_PREFIXES):
            return self.limiter.hit("hook:" + client, lim.webhook_per_min)
        if path.startswith("/api/"):
            auth = _header(scope, b"authorization")
            if auth:
                who = "key:" + auth[-16:]
            else:
                cookie = _cookies(scope).get("influscope_session")
                who = "session:" + cookie[-16:] if cookie else "client:" + client
            # per credential, and per client five times that (rotating made-up keys gains nothing)
            return (self.limiter.hit("api:" + who, lim.api_per_min)
                    or self.limiter.hit("apiclient:" + client, lim.api_per_min * 5))
        return 0

    # ------------------------------------------------------------------ CSRF
    def _needs_csrf(self, scope, path: str) -> bool:
        if path.startswith(CSRF_EXEMPT_PREFIXES):
            return False
        if _header(scope, b"authorization"):
            return False
        if path in LOGIN_PATHS:
            return True
        return "influscope_session" in _cookies(scope)

    async def _check_csrf(self, scope, receive, path: str) -> tuple[bytes, bool]:
        from influscope.auth import csrf

        cookies = _cookies(scope)
        expected = csrf.expected_token(self.fastapi_app, cookies)
        given = _header(scope, b"x-csrf-token")
        body = b""
        if given is None:
            ctype = (_header(scope, b"content-type") or "").lower()
            body = await _read_body(receive)
            if ctype.startswith("application/x-www-form-urlencoded"):
                given = (parse_qs(body.decode("utf-8", "replace")).get(csrf.FIELD) or [None])[0]
            elif ctype.startswith("multipart/form-data"):
                given = await _multipart_field(scope, body, csrf.FIELD)
        else:
            body = await _read_body(receive)
        ok = bool(expected and given and hmac.compare_digest(expected.encode(), given.encode()))
        return body, ok


async def _read_body(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replayer(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _multipart_field(scope, body: bytes, name: str) -> str | None:
    from starlette.requests import Request as StarletteRequest

    req = StarletteRequest(scope, _replayer(body, _never))
    try:
        form = await req.form(max_files=1000, max_fields=1000)
        value = form.get(name)
        await form.close()
    except Exception:
        return None
    return value if isinstance(value, str) else None


async def _never():  # pragma: no cover - only reached if a parser reads past the end
    return {"type": "http.disconnect"}


def _security_headers(path: str, nonce: str) -> list[tuple[bytes, bytes]]:
    csp = CSP_DOCS if path == "/api/v1/docs" else CSP.format(nonce=nonce)
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if path.startswith("/api/") or path in LOGIN_PATHS:
        headers.append((b"cache-control", b"no-store"))
    return headers


# ---------------------------------------------------------------------------------- errors

def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _error_response(request: Request, status: int, message: str, headers=None, **extra) -> Any:
    if _wants_html(request):
        if status == 401 and request.method == "GET":
            from urllib.parse import quote

            return RedirectResponse("/login?next=" + quote(request.url.path, safe="/"), status_code=303)
        page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{status}</title></head>"
                f"<body><h1>{status}</h1><p>{escape(message)}</p></body></html>")
        return HTMLResponse(page, status_code=status, headers=headers)
    return JSONResponse({"status": status, "message": message, **extra}, status_code=status, headers=headers)


def _walk_routes(routes):
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk_routes(inner.routes)
        else:
            yield route


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    methods: set[str] = set()
    for route in _walk_routes(app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and getattr(route, "methods", None) and regex.match(path):
            methods |= set(route.methods)
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "error"
        extra = {} if isinstance(exc.detail, str) else {"errors": exc.detail}
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 400:
            # The framework's answer to a body it cannot parse (not JSON, broken multipart): a 422 like any
            # other invalid request, with a message that says what is wrong.
            ctype = request.headers.get("content-type", "")
            what = "JSON" if "json" in ctype else "multipart form data" if "multipart" in ctype else "form data"
            return _error_response(request, 422, f"invalid request: the body is not valid {what} ({message})")
        if exc.status_code == 405:  # list every method of the path, not only those of the first route matched
            headers["Allow"] = ", ".join(_allowed_methods(app, request.url.path))
        return _error_response(request, exc.status_code, message, headers=headers or None, **extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err.get("loc", ()))
            errors.append({"location": loc, "message": str(err.get("msg", "invalid"))})
        first = f"{errors[0]['location']}: {errors[0]['message']}" if errors else "invalid request"
        return _error_response(request, 422, f"invalid request: {first}", errors=errors)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error_response(request, 500, "internal error; the server log has the details")


def route_requirements(route) -> set[str]:
    """What a route's dependencies demand (``require(...)``, ``principal``): empty for public routes."""
    found: set[str] = set()
    stack = [getattr(route, "dependant", None)]
    while stack:
        dep = stack.pop()
        if dep is None:
            continue
        need = getattr(dep.call, "requirement", None)
        if need:
            found.add(need)
        stack.extend(dep.dependencies)
    return found


def install_openapi_security(app: FastAPI) -> None:
    """Declare the two ways to authenticate in the OpenAPI document, on every route that needs one."""
    from fastapi.routing import APIRoute

    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes["apiKey"] = {"type": "http", "scheme": "bearer",
                             "description": "An API key (`influscope keys create`): `Authorization: Bearer isk_...`"}
        schemes["session"] = {"type": "apiKey", "in": "cookie", "name": "influscope_session",
                              "description": "The login session of /login (state-changing requests also need "
                                             "the X-CSRF-Token header)"}
        for route in _walk_routes(app.routes):
            if not isinstance(route, APIRoute) or not route.include_in_schema or not route_requirements(route):
                continue
            for method in route.methods:
                op = schema.get("paths", {}).get(route.path_format, {}).get(method.lower())
                if op is not None:
                    op.setdefault("security", [{"apiKey": []}, {"session": []}])
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


def install(app: FastAPI) -> None:
    app.state.limits = Limits()
    install_error_handlers(app)
    install_openapi_security(app)
    app.add_middleware(SecurityMiddleware, fastapi_app=app)
