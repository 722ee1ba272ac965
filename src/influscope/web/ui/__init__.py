"""Dashboard pages (server-rendered Jinja2 + htmx; charts with the vendored ECharts).

``setup(app)`` serves the vendored JavaScript and the style sheet under ``/static`` (nothing is
loaded from a CDN) and warms the message catalogues, and, under ``influscope serve``
(``INFLUSCOPE_WARM_UP=1``), the KPI engine. The pages are the routers of the modules of
this package (discovered by :func:`influscope.web.app.create_app`).
"""

from __future__ import annotations

import os
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def setup(app) -> None:
    from fastapi.staticfiles import StaticFiles

    from influscope.web import i18n

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for lang in i18n.LANGS:
        i18n.translations(lang)  # compile the catalogues once, at start-up
    if os.environ.get("INFLUSCOPE_WARM_UP") == "1":  # set by `influscope serve`
        app.router.on_startup.append(lambda: _start_warm_up(app))


def _start_warm_up(app) -> None:
    """Compute one campaign's KPIs in a background thread at start-up (reading only), so that the first
    page a user opens is served as fast as the next ones (influscope.kpi.api.warm_up)."""
    import logging
    import threading

    def run() -> None:
        from influscope.config import get_settings
        from influscope.db.engine import get_engine
        from influscope.kpi.api import warm_up

        try:
            engine = getattr(app.state, "engine", None) or get_engine(get_settings().database_url)
            warm_up(engine)
        except Exception:  # noqa: BLE001 - a failed warm-up only means the first page compiles its queries
            logging.getLogger("influscope").warning("KPI warm-up failed", exc_info=True)

    app.state.warm_up = threading.Thread(target=run, name="influscope-warm-up", daemon=True)
    app.state.warm_up.start()
