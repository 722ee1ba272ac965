"""Dashboard pages (server-rendered Jinja2 + htmx; charts with the vendored ECharts).

``setup(app)`` serves the vendored JavaScript and the style sheet under ``/static`` (nothing is
loaded from a CDN) and warms the message catalogues. The pages are the routers of the modules of
this package (discovered by :func:`influscope.web.app.create_app`).
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def setup(app) -> None:
    from fastapi.staticfiles import StaticFiles

    from influscope.web import i18n

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for lang in i18n.LANGS:
        i18n.translations(lang)  # compile the catalogues once, at start-up
