"""Small helpers shared by the auth modules: random tokens, digests, the clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets


def utcnow() -> dt.datetime:
    """Naive UTC now, second precision (how times are stored)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token with ``nbytes`` bytes of entropy."""
    return secrets.token_urlsafe(nbytes)


def digest(token: str) -> str:
    """SHA-256 hex digest of a high-entropy token (what the database stores instead of the token)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time string comparison; False when either side is missing."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
