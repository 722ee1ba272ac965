"""The FastAPI application and the ASGI entry point that puts the redirect in front of it.

Routers are discovered: every module in ``influscope.web.api`` and ``influscope.web.ui`` that
defines ``router`` (an ``APIRouter``) is included, so a new area needs no edit here. The tracking
redirect (``/l/{slug}``) is a plain ASGI callable dispatched *before* FastAPI: it never pays for
the framework's routing and middleware.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from fastapi import FastAPI

from influscope import __version__

if TYPE_CHECKING:
    from influscope.tracking.redirect import RedirectApp

ASGIApp = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


def _routers(package: str) -> list[Any]:
    pkg = importlib.import_module(package)
    found = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            found.append(router)
    return found


def create_app() -> FastAPI:
    app = FastAPI(
        title="influscope",
        version=__version__,
        summary="Influencer-marketing measurement with every formula in view.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for router in _routers("influscope.web.api") + _routers("influscope.web.ui"):
        app.include_router(router)
    for hook in _setup_hooks():
        hook(app)
    return app


def _setup_hooks() -> list[Callable[[FastAPI], None]]:
    """Optional ``setup(app)`` functions of the API/UI packages (middleware, static files, errors)."""
    hooks = []
    for package in ("influscope.web.api", "influscope.web.ui"):
        hook = getattr(importlib.import_module(package), "setup", None)
        if hook:
            hooks.append(hook)
    return hooks


class Dispatcher:
    """Sends ``/l/...`` to the redirect and everything else to the web app.

    The lifespan goes to the web app (its start-up and shutdown hooks); at shutdown the redirect's
    click sink is closed too, after the web app has finished, so every pending click is written.
    Without a web app (the dedicated link tier) the redirect answers the lifespan itself.
    """

    def __init__(self, redirect: RedirectApp, web: ASGIApp | None):
        self.redirect = redirect
        self.web = web

    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind == "http" and scope["path"].startswith("/l/"):
            await self.redirect.handle(scope, send)
        elif self.web is None:
            if kind == "lifespan":
                await self.redirect(scope, receive, send)
            else:
                await _not_found(send)
        elif kind == "lifespan":
            await self.web(scope, receive, self._closing_redirect(send))
        else:
            await self.web(scope, receive, send)

    def _closing_redirect(self, send):
        async def wrapped(message: dict) -> None:
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                self.redirect.close()
            await send(message)
        return wrapped


async def _not_found(send) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"not found"})


def create_asgi(links_only: bool = False) -> Dispatcher:
    """The whole server: redirect + web app, or the redirect alone for a dedicated link tier."""
    from influscope.tracking.redirect import create_redirect_app

    return Dispatcher(create_redirect_app(), None if links_only else create_app())


def create_links_only() -> Dispatcher:
    return create_asgi(links_only=True)
