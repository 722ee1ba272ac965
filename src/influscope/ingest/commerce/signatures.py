"""Webhook signatures, verified over the raw body in constant time before anything is parsed.

- Shopify: ``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(secret, raw body)).
- WooCommerce: ``X-WC-Webhook-Signature``, the same algorithm with the webhook's secret.
- Stripe: ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]``; expected = hex HMAC-SHA256(secret,
  "<t>.<raw body>"); the timestamp must be within the tolerance (300 s) of now.

The ``sign_*`` helpers produce the same headers (for tests, the load test and replaying deliveries).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

STRIPE_TOLERANCE_S = 300


def _b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_base64_hmac(body: bytes, header: str | None, secret: str) -> bool:
    """Shopify and WooCommerce."""
    if not header or not secret:
        return False
    expected = _b64_hmac(secret, body)
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def sign_base64_hmac(body: bytes, secret: str) -> str:
    return _b64_hmac(secret, body)


class StripeSignatureError(ValueError):
    pass


def verify_stripe(body: bytes, header: str | None, secret: str, *, tolerance: int = STRIPE_TOLERANCE_S,
                  now: float | None = None) -> int:
    """Return the signed timestamp, or raise :class:`StripeSignatureError` saying why it failed."""
    if not header or not secret:
        raise StripeSignatureError("missing Stripe-Signature header")
    timestamp = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not timestamp.isdigit():
        raise StripeSignatureError("no timestamp in Stripe-Signature")
    if not candidates:
        raise StripeSignatureError("no v1 signature in Stripe-Signature")
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest().encode()
    # Compare against every v1 (secret rotation sends several); no early exit on the first match.
    ok = False
    for candidate in candidates:
        ok |= hmac.compare_digest(expected, candidate.encode())
    if not ok:
        raise StripeSignatureError("signature does not match")
    ts = int(timestamp)
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        raise StripeSignatureError("timestamp outside the tolerance")
    return ts


def sign_stripe(body: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    sig = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={sig}"
