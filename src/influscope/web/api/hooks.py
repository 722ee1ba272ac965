"""Commerce webhooks: ``POST /hooks/shopify/{source}``, ``/hooks/woocommerce/{source}``, ``/hooks/stripe/{source}``.

Each ``{source}`` is a store configured with ``influscope stores add``. A delivery is verified over
its raw body (constant-time HMAC) before anything is parsed; a missing or bad signature is 401 and
nothing is stored. A verified delivery is stored raw and answered at once; a background processor
turns it into the order (see ``ingest.commerce.sink``). Only signed content counts: Shopify and
WooCommerce deliveries are deduplicated on a hash of the verified body (their delivery-id headers
are not signed, so a replayed body under a new id is a duplicate), Stripe events on the event id
inside the signed body; unsigned timing headers (``X-Shopify-Triggered-At``) never order states.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from influscope.ingest.commerce import sink, stores
from influscope.ingest.commerce.common import utc_naive
from influscope.ingest.commerce.signatures import StripeSignatureError, verify_base64_hmac, verify_stripe
from influscope.ingest.commerce.woocommerce import is_ping

log = logging.getLogger(__name__)
MAX_BODY = 5 * 1024 * 1024


@contextlib.asynccontextmanager
async def _lifespan(app):
    """At start-up, resume deliveries a previous run stored but did not process (crash, restart).
    Only for a served database (``influscope serve`` sets INFLUSCOPE_DATABASE_URL) or an engine
    handed to the app, never a database the process merely defaults to."""
    engine = getattr(app.state, "engine", None)
    if engine is None and os.environ.get("INFLUSCOPE_DATABASE_URL"):
        try:
            engine = _engine_for(app)
        except Exception:  # a broken database must not stop the rest of the app from starting
            log.exception("webhook processor not started")
    if engine is not None:
        sink.Processor.for_engine(engine).kick()
    yield


router = APIRouter(prefix="/hooks", tags=["webhooks"], include_in_schema=True, lifespan=_lifespan)


def _engine_for(app):
    engine = getattr(app.state, "engine", None)
    if engine is None:
        from influscope.config import get_settings
        from influscope.db.engine import get_engine

        engine = app.state.engine = get_engine(get_settings().database_url)
    return engine


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request) -> bytes | None:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY:
        return None
    body = await request.body()
    return None if len(body) > MAX_BODY else body


class _Refused(Exception):
    """A delivery refused before its signature is checked; ``response`` says why."""

    def __init__(self, response: JSONResponse):
        self.response = response


async def _received(request: Request, kind: str, label: str, source: str):
    """(engine, store, secret, raw body) of a delivery to SOURCE; raises _Refused for an unknown store
    (404) or an oversized body (413)."""
    engine = _engine_for(request.app)
    found = await run_in_threadpool(stores.lookup, engine, kind, source)
    if found is None:
        raise _Refused(_error(404, f"no {label} named {source!r}"))
    body = await _body(request)
    if body is None:
        raise _Refused(_error(413, "body too large"))
    store, secret = found
    return engine, store, secret, body


def content_key(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


async def _accept(engine, store: stores.Store, delivery_id: str, topic: str, body: bytes, triggered_at) -> JSONResponse:
    stored = await run_in_threadpool(sink.store_delivery, engine, workspace_id=store.workspace_id,
                                     store_id=store.id, delivery_id=delivery_id, topic=topic, body=body,
                                     triggered_at=triggered_at)
    if stored.duplicate:
        return JSONResponse({"status": "duplicate", "delivery_id": delivery_id})
    sink.Processor.for_engine(engine).kick()
    return JSONResponse({"status": "accepted", "delivery_id": delivery_id})


@router.post("/shopify/{source}", summary="Shopify order and refund webhooks")
async def shopify_hook(source: str, request: Request):
    try:
        engine, store, secret, body = await _received(request, "shopify", "Shopify store", source)
    except _Refused as refused:
        return refused.response
    if not verify_base64_hmac(body, request.headers.get("x-shopify-hmac-sha256"), secret):
        return _error(401, "missing or invalid X-Shopify-Hmac-Sha256")
    delivery = request.headers.get("x-shopify-webhook-id") or content_key(body)
    topic = request.headers.get("x-shopify-topic") or ""
    # X-Shopify-Triggered-At is not signed: it is never used to order states (the body's updated_at is)
    return await _accept(engine, store, delivery, topic, body, None)


@router.post("/woocommerce/{source}", summary="WooCommerce order webhooks")
async def woocommerce_hook(source: str, request: Request):
    try:
        engine, store, secret, body = await _received(request, "woocommerce", "WooCommerce store", source)
    except _Refused as refused:
        return refused.response
    signature = request.headers.get("x-wc-webhook-signature")
    if not signature and is_ping(body):
        # Saving a webhook in WooCommerce posts an unsigned "webhook_id=<n>" and needs a 2xx back.
        return JSONResponse({"status": "ping"})
    if not verify_base64_hmac(body, signature, secret):
        return _error(401, "missing or invalid X-WC-Webhook-Signature")
    if is_ping(body):
        return JSONResponse({"status": "ping"})
    delivery = request.headers.get("x-wc-webhook-delivery-id") or content_key(body)
    topic = request.headers.get("x-wc-webhook-topic") or ""
    return await _accept(engine, store, delivery, topic, body, None)


@router.post("/stripe/{source}", summary="Stripe checkout and refund events")
async def stripe_hook(source: str, request: Request):
    try:
        engine, store, secret, body = await _received(request, "stripe", "Stripe account", source)
    except _Refused as refused:
        return refused.response
    try:
        verify_stripe(body, request.headers.get("stripe-signature"), secret)
    except StripeSignatureError as exc:
        return _error(401, f"Stripe-Signature: {exc}")
    try:
        event = json.loads(body)
        event_id, event_type = str(event["id"]), str(event["type"])
    except (ValueError, KeyError, TypeError):
        return _error(400, "body is not a Stripe event (id and type expected)")
    try:
        created = utc_naive(event.get("created"), field="created")
    except ValueError:
        created = None
    return await _accept(engine, store, event_id, event_type, body, created)
