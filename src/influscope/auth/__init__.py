"""Accounts and access.

- :mod:`influscope.auth.deps`: FastAPI dependencies (``principal``, ``require``, ``db``) for routers.
- :mod:`influscope.auth.csrf`: the CSRF token for forms and HTMX (``csrf_token(request)``).
- :mod:`influscope.auth.users`: ``create_user``, memberships, password changes.
- :mod:`influscope.auth.passwords`: argon2id hashing and the password policy.
- :mod:`influscope.auth.sessions`: login (with brute-force refusal), sessions, logout.
- :mod:`influscope.auth.keys`: API keys (shown once, stored hashed, scoped, revocable).
- :mod:`influscope.auth.shares`: share links to one campaign report.
- :mod:`influscope.auth.roles`: roles, scopes and hiding budgets and costs.
- :mod:`influscope.auth.audit`: the audit log.
- :mod:`influscope.auth.privacy`: forgetting a creator, raw-click retention.
"""
