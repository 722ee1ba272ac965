"""The FastAPI application and the ASGI entry point that puts the redirect in front of it.

Routers are discovered: every module in ``influscope.web.api`` and ``influscope.web.ui`` that
defines ``router`` (an ``APIRouter``) is included, so a new area needs no edit here. The tracking
redirect (``/l/{slug}``) is a plain ASGI callable dispatched *before* FastAPI: it never pays for
the framework's routing and middleware.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Awaitable, Callable

from fastapi import FastAPI

from influscope import __version__

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
    """Sends ``/l/...`` to the redirect callable and everything else to the web app."""

    def __init__(self, redirect: ASGIApp, web: ASGIApp | None):
        self.redirect = redirect
        self.web = web

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/l/"):
            await self.redirect(scope, receive, send)
        elif self.web is not None:
            await self.web(scope, receive, send)
        elif scope["type"] == "lifespan":
            await _lifespan_noop(receive, send)
        else:
            await _not_found(send)


async def _lifespan_noop(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _not_found(send) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"not found"})


def create_asgi(links_only: bool = False) -> Dispatcher:
    """The whole server: redirect + web app, or the redirect alone for a dedicated link tier."""
    from influscope.tracking.redirect import create_redirect_app

    return Dispatcher(create_redirect_app(), None if links_only else create_app())


def create_links_only() -> Dispatcher:
    return create_asgi(links_only=True)
