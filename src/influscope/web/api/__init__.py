"""REST API routers (/api/v1/...).

``setup(app)`` (called by :func:`influscope.web.app.create_app` after the routers are included)
installs the hardening for the whole app: JSON errors that carry a message and never a stack
trace, request size limits, rate limits on login, the API and webhooks, CSRF checks for forms, and
security headers (see :mod:`influscope.web.api._hardening`).
"""

from __future__ import annotations


def setup(app) -> None:
    from influscope.web.api._hardening import install

    install(app)
