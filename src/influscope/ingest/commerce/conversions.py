"""The conversion API's logic: sales and leads reported by a site, idempotent on their own ids.

- A sale (``invoice_id``) becomes an order of source ``api`` (or the web source's name when the
  browser snippet reports it). ``amount`` is an integer in the currency's minor unit (cents; whole
  yen for JPY), meaning merchandise after discounts, before tax and shipping (the canonical
  subtotal); ``tax`` and ``shipping`` likewise. Reporting the same invoice again changes nothing.
- A lead (``lead_id``) becomes a row of ``leads`` with its type (signup, newsletter, download,
  webinar, demo, trial, other). Reporting the same lead again changes nothing.
- The click id comes from ``click_id``, else from the ``isc`` parameter of ``landing_url``;
  ``utm_content`` of a lead from the field, else from ``landing_url``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from influscope.db import tables as t
from influscope.ingest import rules
from influscope.ingest.commerce.common import (
    OrderRecord,
    PayloadError,
    click_id_from_url,
    codes_text,
    currency_code,
    from_minor,
    utc_naive,
    utms,
)
from influscope.ingest.commerce.sink import upsert_order, utcnow

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@#/+=-]{0,127}$")
CLICK_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class Result:
    key: str
    created: bool

    def as_dict(self, what: str) -> dict[str, Any]:
        return {what: self.key, "status": "created" if self.created else "duplicate"}


def _id(payload: dict, name: str) -> str:
    value = payload.get(name)
    if value is None or not ID_RE.match(str(value)):
        raise PayloadError(f"{name}: required, 1-128 characters (letters, digits and _.:@#/+=-)")
    return str(value)


def _click(payload: dict) -> str | None:
    click = payload.get("click_id") or click_id_from_url(payload.get("landing_url"))
    if click in (None, ""):
        return None
    if not CLICK_RE.match(str(click)):
        raise PayloadError("click_id: 1-64 characters a-z, A-Z, 0-9, '_' or '-'")
    return str(click)


def _ts(payload: dict) -> dt.datetime:
    ts = utc_naive(payload.get("ts"), field="ts") if payload.get("ts") not in (None, "") else None
    now = utcnow()
    if ts is None:
        return now
    if ts > now + dt.timedelta(minutes=10):
        raise PayloadError("ts: in the future")
    return ts


def _text(payload: dict, name: str, limit: int, rule=rules.check_text) -> str | None:
    """A text field, by the rule of the bundle column it is stored as (no NUL or control characters;
    ids also no line breaks or direction controls)."""
    value = payload.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise PayloadError(f"{name}: text of at most {limit} characters")
    try:
        return rule(value)
    except ValueError as exc:
        raise PayloadError(f"{name}: {exc}") from None


def record_sale(engine: sa.Engine, workspace_id: int, payload: dict[str, Any], *, source: str = "api") -> Result:
    if not isinstance(payload, dict):
        raise PayloadError("body: a JSON object expected")
    key = _id(payload, "invoice_id")
    currency = currency_code(payload.get("currency"))
    amount = from_minor(payload.get("amount"), currency, field="amount")
    if amount is None or amount < 0:
        raise PayloadError("amount: required, a non-negative integer in minor units")
    tax = from_minor(payload.get("tax"), currency, field="tax")
    shipping = from_minor(payload.get("shipping"), currency, field="shipping")
    discount = from_minor(payload.get("discount"), currency, field="discount")
    status = payload.get("status") or "paid"
    if status not in ("paid", "pending"):
        raise PayloadError("status: paid or pending")
    codes = payload.get("codes") if isinstance(payload.get("codes"), list) else [payload.get("code")]
    new_customer = payload.get("new_customer")
    if new_customer is not None and not isinstance(new_customer, bool):
        raise PayloadError("new_customer: true or false")
    metadata = payload.get("metadata")
    if metadata is not None and (not isinstance(metadata, dict) or len(str(metadata)) > 10_000):
        raise PayloadError("metadata: an object of at most 10,000 characters")
    rec = OrderRecord(
        key=key, created_at=_ts(payload), currency=currency, subtotal=amount, discounts=discount, tax=tax,
        shipping=shipping, total=amount + (tax or 0) + (shipping or 0), status=status,
        discount_codes=codes_text(c for c in codes if isinstance(c, str)),
        landing_url=_text(payload, "landing_url", 2000), click_id=_click(payload),
        customer_id=_text(payload, "customer_id", 128, rules.check_key), new_customer=new_customer,
        referrer=_text(payload, "referrer", 2000), raw={"reported": payload},
    )
    o = t.orders
    for _ in range(3):
        try:
            with engine.begin() as conn:
                exists = conn.execute(sa.select(o.c.id).where(o.c.workspace_id == workspace_id, o.c.source == source,
                                                              o.c.key == key)).first()
                if exists is not None:
                    return Result(key, False)
                upsert_order(conn, workspace_id, source, rec)
                return Result(key, True)
        except sa.exc.IntegrityError:  # the same invoice reported twice at once: the other one won
            continue
    return Result(key, False)


def record_lead(engine: sa.Engine, workspace_id: int, payload: dict[str, Any], *, origin: str = "api") -> Result:
    if not isinstance(payload, dict):
        raise PayloadError("body: a JSON object expected")
    key = _id(payload, "lead_id")
    kind = payload.get("type") or "other"
    if kind not in t.LEAD_TYPES:
        raise PayloadError(f"type: one of {', '.join(t.LEAD_TYPES)}")
    landing = _text(payload, "landing_url", 2000)
    currency = payload.get("currency")
    value = None
    if payload.get("value") not in (None, ""):
        currency = currency_code(currency)
        value = from_minor(payload.get("value"), currency, field="value")
    elif currency:
        currency = currency_code(currency)
    code = _text(payload, "code", 64, rules.check_key)
    utm_content = _text(payload, "utm_content", 128) or utms(landing).get("utm_content")
    row = {"workspace_id": workspace_id, "key": key, "type": kind, "ts": _ts(payload), "click_id": _click(payload),
           "code": code.strip().upper() if code else None, "utm_content": (utm_content or "")[:128] or None,
           "value": value, "currency": currency if value is not None else None,
           "raw": {"origin": origin, "landing_url": landing, "metadata": payload.get("metadata")}}
    try:
        with engine.begin() as conn:
            exists = conn.execute(sa.select(t.leads.c.id).where(t.leads.c.workspace_id == workspace_id,
                                                                t.leads.c.key == key)).first()
            if exists is not None:
                return Result(key, False)
            conn.execute(t.leads.insert().values(**row))
    except sa.exc.IntegrityError:
        return Result(key, False)
    return Result(key, True)
