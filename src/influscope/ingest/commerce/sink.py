"""Writing commerce records: order upserts, netted refunds, and the webhook delivery queue.

Exactly once, durably:
1. The web handler verifies the signature and inserts the raw delivery with status ``pending``
   (unique on ``(store_id, delivery_id)``: a retry or replay is a no-op) and answers.
2. A processor (one thread per server process, also ``influscope stores process``) takes pending
   deliveries in arrival order. Each is processed in one transaction that starts by claiming the row
   (``UPDATE ... WHERE status = 'pending'``), writes the order, and marks the row processed. If the
   process dies half-way the transaction rolls back and the delivery is still pending; if two
   processes race, the claim lets only one of them through.

An order's newer state replaces the stored one (upsert on workspace, source and order key); a
state older than the stored one (by the source's own ``updated_at``) does not. Refunds are kept per
refund id and summed into ``orders.refunded``, capped at the subtotal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from influscope.attribution.landing import with_landing_utm
from influscope.db import commerce as ct
from influscope.db import tables as t
from influscope.ingest.commerce import shopify, stripe, woocommerce
from influscope.ingest.commerce.common import (OrderRecord, PayloadError, RefundRecord, check_order, check_refund,
                                               final_status, redact)

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _json_safe(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(redact(value), default=str))


# ------------------------------------------------------------------------------------------------
# Orders and refunds. The statements are built once, with bind parameters, so that each delivery
# pays only for executing them (building SQLAlchemy statements per call cost more than running them).

_o, _rf, _d, _s = t.orders, ct.order_refunds, ct.webhook_deliveries, ct.stores
_B = sa.bindparam
_Q_ORDER = sa.select(_o.c.id, _o.c.updated_at, _o.c.new_customer, _o.c.status).where(
    _o.c.workspace_id == _B("ws"), _o.c.source == _B("src"), _o.c.key == _B("k"))
_Q_ORDER_REFUND = sa.select(_o.c.id, _o.c.subtotal, _o.c.status).where(
    _o.c.workspace_id == _B("ws"), _o.c.source == _B("src"), _o.c.key == _B("k"))
_Q_REFUNDED = sa.select(_rf.c.amount).where(
    _rf.c.workspace_id == _B("ws"), _rf.c.source == _B("src"), _rf.c.order_key == _B("k"))
_Q_REFUND = sa.select(_rf.c.id, _rf.c.amount).where(
    _rf.c.workspace_id == _B("ws"), _rf.c.source == _B("src"), _rf.c.refund_key == _B("rk"))
_Q_EARLIER = sa.select(_o.c.id).where(
    _o.c.workspace_id == _B("ws"), _o.c.customer_id == _B("cust"), _o.c.created_at < _B("at"),
    ~((_o.c.source == _B("src")) & (_o.c.key == _B("k")))).limit(1)
_INS_ORDER = _o.insert()
_UPD_ORDER = _o.update().where(_o.c.id == _B("oid"))
_INS_REFUND = _rf.insert()
_UPD_REFUND = _rf.update().where(_rf.c.id == _B("rid"))


def put_refund(conn: sa.Connection, ws: int, source: str, r: RefundRecord) -> None:
    """Insert or replace one refund (by its own id)."""
    check_refund(r)
    found = conn.execute(_Q_REFUND, {"ws": ws, "src": source, "rk": r.key}).first()
    values = {"order_key": r.order_key, "amount": r.amount, "currency": r.currency, "created_at": r.created_at}
    if found is None:
        conn.execute(_INS_REFUND, {"workspace_id": ws, "source": source, "refund_key": r.key, **values})
    elif found.amount != r.amount:
        conn.execute(_UPD_REFUND, {"rid": found.id, **values})


def _refunded(conn: sa.Connection, ws: int, source: str, key: str) -> Decimal | None:
    amounts = conn.execute(_Q_REFUNDED, {"ws": ws, "src": source, "k": key}).scalars().all()
    return sum(amounts, Decimal(0)) if amounts else None


def refresh_refunds(conn: sa.Connection, ws: int, source: str, key: str) -> bool:
    """Re-net the refunds of a stored order; False when the order is not stored (yet)."""
    row = conn.execute(_Q_ORDER_REFUND, {"ws": ws, "src": source, "k": key}).first()
    if row is None:
        return False
    refunded = _refunded(conn, ws, source, key)
    if refunded is None:
        return True
    refunded = min(refunded, row.subtotal) if row.subtotal is not None and row.subtotal >= 0 else refunded
    base = "cancelled" if row.status == "cancelled" else (
        "pending" if row.status == "pending" else "paid")
    conn.execute(_UPD_ORDER, {"oid": row.id, "refunded": refunded,
                              "status": final_status(base, row.subtotal, refunded)})
    return True


def _stale(existing: Any, rec: OrderRecord, version: dt.datetime | None) -> bool:
    """Whether a delivery's state must not replace the stored one.

    Versions are the source's own ``updated_at`` / ``date_modified_gmt`` (signed, inside the body):
    an older state is stale; a state without a version never replaces one that has a version; and
    a cancelled order goes back to another state only by a strictly newer version (a replayed
    create of a cancelled order changes nothing).
    """
    if existing.updated_at is not None and (version is None or version < existing.updated_at):
        return True
    if existing.status == "cancelled" and rec.status != "cancelled":
        return version is None or existing.updated_at is None or version <= existing.updated_at
    return False


def upsert_order(conn: sa.Connection, ws: int, source: str, rec: OrderRecord, *,
                 version: dt.datetime | None = None, merge: bool = False) -> str:
    """Store REC as the current state of its order: 'inserted', 'updated' or 'stale' (older than stored).

    With ``merge`` (order exports, which lack click ids and landing URLs) only the fields REC knows
    overwrite the stored ones; 'unchanged' when nothing differs."""
    o = t.orders
    check_order(rec)
    version = rec.version or version
    for refund in rec.refunds:
        put_refund(conn, ws, source, refund)
    existing = conn.execute(_Q_ORDER, {"ws": ws, "src": source, "k": rec.key}).first()
    if existing is not None and not merge and _stale(existing, rec, version):
        refresh_refunds(conn, ws, source, rec.key)
        return "stale"
    new_customer = rec.new_customer
    if new_customer is None and existing is not None:
        new_customer = existing.new_customer
    if new_customer is None and rec.customer_id:
        earlier = conn.execute(_Q_EARLIER, {"ws": ws, "cust": rec.customer_id, "at": rec.created_at,
                                            "src": source, "k": rec.key}).first()
        new_customer = earlier is None
    refunded = _refunded(conn, ws, source, rec.key)
    if refunded is None:
        refunded = rec.refunded_hint
    if refunded is not None and rec.subtotal >= 0:
        refunded = min(refunded, rec.subtotal)
    values = {
        "created_at": rec.created_at, "currency": rec.currency, "subtotal": rec.subtotal,
        "discounts": rec.discounts, "tax": rec.tax, "shipping": rec.shipping, "total": rec.total,
        "refunded": refunded, "status": final_status(rec.status, rec.subtotal, refunded),
        "discount_codes": rec.discount_codes, "landing_url": rec.landing_url, "click_id": rec.click_id,
        "customer_id": rec.customer_id, "new_customer": new_customer, "units": rec.units,
        "referrer": rec.referrer, "raw": _json_safe(rec.raw), "updated_at": version,
    }
    if existing is None:
        conn.execute(_INS_ORDER, {"workspace_id": ws, "source": source, "key": rec.key, **with_landing_utm(values)})
        return "inserted"
    if merge:
        stored = conn.execute(sa.select(o).where(o.c.id == existing.id)).mappings().one()
        values = {k: v for k, v in values.items() if v is not None and k not in ("raw", "updated_at")}
        if rec.refunded_hint is None and _refunded(conn, ws, source, rec.key) is None:
            values.pop("refunded", None)
            values["status"] = final_status(rec.status, rec.subtotal, stored["refunded"])
        values = {k: v for k, v in values.items() if stored[k] != v}
        if not values:
            return "unchanged"
    with_landing_utm(values)
    conn.execute(_UPD_ORDER, {"oid": existing.id, **values})
    return "updated"


def cancel_order(conn: sa.Connection, ws: int, source: str, key: str) -> bool:
    o = t.orders
    n = conn.execute(o.update().where(o.c.workspace_id == ws, o.c.source == source, o.c.key == key)
                     .values(status="cancelled")).rowcount
    return bool(n)


# ------------------------------------------------------------------------------------------------
# Deliveries


@dataclass
class Stored:
    id: int | None  # None: a duplicate of an earlier delivery
    duplicate: bool


def store_delivery(engine: sa.Engine, *, workspace_id: int, store_id: int, delivery_id: str, topic: str,
                   body: bytes, triggered_at: dt.datetime | None = None) -> Stored:
    """Insert a verified delivery (one statement: durable once this returns).

    A delivery is a duplicate when its id or its body (by SHA-256) was stored before for the store:
    delivery-id headers are not signed, the body is."""
    try:
        with engine.begin() as conn:
            new_id = conn.execute(_INS_DELIVERY, {
                "workspace_id": workspace_id, "store_id": store_id, "delivery_id": delivery_id[:128],
                "topic": topic[:64], "received_at": utcnow(), "triggered_at": triggered_at, "body": body,
                "body_sha256": hashlib.sha256(body).hexdigest(), "status": "pending"}).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        return Stored(None, True)
    return Stored(new_id, False)


class _Lost(Exception):
    """Another processor claimed the delivery first."""


def _parsed(parse, payload: Any):
    """PARSE(PAYLOAD), any surprise in the payload's shape reported as a PayloadError (a failed
    delivery with a reason), never as an exception that would leave the delivery pending."""
    if not isinstance(payload, dict):
        raise PayloadError("body: a JSON object expected")
    try:
        return parse(payload)
    except PayloadError:
        raise
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, OverflowError, ArithmeticError) as exc:
        raise PayloadError(f"payload: unexpected shape ({type(exc).__name__}: {str(exc)[:200]})") from None


def _apply(conn: sa.Connection, kind: str, source: str, ws: int, topic: str, payload: Any,
           triggered_at: dt.datetime | None) -> tuple[str, str | None, str | None]:
    """Write what one delivery says. Returns (status, order_key, note)."""
    try:
        if kind == "shopify":
            if topic in shopify.ORDER_TOPICS:
                rec = _parsed(shopify.parse_order, payload)
                if payload.get("test") is True:
                    return "ignored", rec.key, "test order"
                return "processed", rec.key, upsert_order(conn, ws, source, rec, version=triggered_at)
            if topic in shopify.REFUND_TOPICS:
                ref = _parsed(shopify.parse_refund, payload)
                put_refund(conn, ws, source, ref)
                found = refresh_refunds(conn, ws, source, ref.order_key)
                return "processed", ref.order_key, None if found else "refund kept until its order arrives"
            return "ignored", None, f"topic {topic!r} is not an order topic"
        if kind == "woocommerce":
            if topic in woocommerce.ORDER_TOPICS:
                rec = _parsed(woocommerce.parse_order, payload)
                return "processed", rec.key, upsert_order(conn, ws, source, rec, version=triggered_at)
            if topic in woocommerce.DELETE_TOPICS:
                key = str(payload.get("id", "")) if isinstance(payload, dict) else ""
                if not key:
                    raise PayloadError("id: missing")
                return "processed", key, None if cancel_order(conn, ws, source, key) else "order not stored"
            return "ignored", None, f"topic {topic!r} is not an order topic"
        if kind == "stripe":
            if topic in stripe.ORDER_TYPES:
                rec = _parsed(stripe.parse_session, payload)
                return "processed", rec.key, upsert_order(conn, ws, source, rec, version=triggered_at)
            if topic in stripe.REFUND_TYPES:
                ref = _parsed(stripe.parse_charge_refunded, payload)
                put_refund(conn, ws, source, ref)
                found = refresh_refunds(conn, ws, source, ref.order_key)
                return "processed", ref.order_key, None if found else "refund kept until its order arrives"
            return "ignored", None, f"event type {topic!r} is not handled"
    except PayloadError as exc:
        return "failed", None, str(exc)
    return "failed", None, f"unknown store kind {kind!r}"


_CLAIM = _d.update().where(_d.c.id == _B("pk"), _d.c.status == "pending").values(status="pending")
_FINISH = _d.update().where(_d.c.id == _B("pk"), _d.c.status == "pending")
_Q_DELIVERY = sa.select(_d.c.topic, _d.c.body, _d.c.workspace_id, _d.c.triggered_at, _s.c.kind, _s.c.name).join(
    _s, _s.c.id == _d.c.store_id).where(_d.c.id == _B("pk"))
_INS_DELIVERY = _d.insert()


def process_one(engine: sa.Engine, delivery_pk: int) -> str | None:
    """Process one pending delivery exactly once; returns its new status (None if already taken)."""
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                # Claim first: the first statement writes, so SQLite takes its write lock before reading.
                claimed = conn.execute(_CLAIM, {"pk": delivery_pk}).rowcount
                if claimed != 1:
                    return None
                row = conn.execute(_Q_DELIVERY, {"pk": delivery_pk}).one()
                try:
                    payload = json.loads(bytes(row.body))
                except ValueError as exc:
                    raise _Failed(f"body is not JSON: {exc}") from None
                status, order_key, note = _apply(conn, row.kind, row.name, row.workspace_id, row.topic,
                                                 payload, row.triggered_at)
                if status == "failed":
                    raise _Failed(note)
                # Once processed, the body keeps what was read, without the buyer's personal data
                # (a failed delivery keeps its raw body, to be processed again after a fix).
                kept = json.dumps(redact(payload), ensure_ascii=False, separators=(",", ":")).encode()
                done = conn.execute(_FINISH, {"pk": delivery_pk, "status": status, "order_key": order_key,
                                              "processed_at": utcnow(), "body": kept,
                                              "error": note if note not in ("inserted", "updated") else None}).rowcount
                if done != 1:
                    raise _Lost()
                return status
        except _Failed as exc:
            with engine.begin() as conn:
                conn.execute(_FINISH, {"pk": delivery_pk, "status": "failed", "order_key": None,
                                       "error": str(exc)[:2000], "processed_at": utcnow()})
            return "failed"
        except _Lost:
            return None
        except (sa.exc.IntegrityError, sa.exc.OperationalError) as exc:
            # A concurrent writer inserted the same order first, or the database was busy: retry.
            log.info("retrying delivery %s after %s", delivery_pk, type(exc).__name__)
            continue
    return "pending"


class _Failed(Exception):
    pass


def process_pending(engine: sa.Engine, *, limit: int | None = None) -> dict[str, int]:
    """Process every pending delivery in arrival order; returns counts by resulting status."""
    d = ct.webhook_deliveries
    counts: dict[str, int] = {}
    done = 0
    last = 0
    while True:
        with engine.connect() as conn:
            ids = conn.execute(sa.select(d.c.id).where(d.c.status == "pending", d.c.id > last)
                               .order_by(d.c.id).limit(200)).scalars().all()
        if not ids:
            return counts
        for pk in ids:
            last = pk
            status = process_one(engine, pk)
            if status is not None:
                counts[status] = counts.get(status, 0) + 1
            done += 1
            if limit is not None and done >= limit:
                return counts


def retry_failed(engine: sa.Engine) -> int:
    """Put failed deliveries back in the queue (after fixing what made them fail); returns how many."""
    with engine.begin() as conn:
        return conn.execute(_d.update().where(_d.c.status == "failed").values(
            status="pending", processed_at=None)).rowcount


def prune(engine: sa.Engine, days: int = 30) -> int:
    """Delete processed and ignored deliveries received more than DAYS ago (failed and pending stay).
    Shops retry for hours (Shopify) to days (Stripe), so DAYS must stay well above that: a delivery
    id forgotten by pruning would be processed again if it were retried after it."""
    if days < 7:
        raise ValueError("days: at least 7 (shops retry deliveries for up to 3 days)")
    cutoff = utcnow() - dt.timedelta(days=days)
    with engine.begin() as conn:
        return conn.execute(_d.delete().where(_d.c.status.in_(("processed", "ignored")),
                                              _d.c.received_at < cutoff)).rowcount


class Processor:
    """A background thread per process that drains pending deliveries when kicked (and every few
    seconds, which also picks up deliveries left pending by a crash or another process)."""

    _instances: dict[str, "Processor"] = {}
    _guard = threading.Lock()

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.wake = threading.Event()
        self.idle = threading.Event()
        self.thread = threading.Thread(target=self._run, name="influscope-deliveries", daemon=True)
        self.thread.start()

    @classmethod
    def for_engine(cls, engine: sa.Engine) -> "Processor":
        key = engine.url.render_as_string(hide_password=False)
        with cls._guard:
            proc = cls._instances.get(key)
            if proc is None or not proc.thread.is_alive():
                proc = cls._instances[key] = cls(engine)
        return proc

    def kick(self) -> None:
        self.idle.clear()
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait(timeout=5.0)
            self.wake.clear()
            try:
                process_pending(self.engine)
            except Exception:  # keep the thread alive; the delivery stays pending and is retried
                log.exception("processing webhook deliveries failed")
            if not self.wake.is_set():
                self.idle.set()
