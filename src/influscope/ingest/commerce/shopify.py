"""Shopify: webhook payloads (REST Order and Refund resources) and the native orders CSV export.

Topics handled: ``orders/create``, ``orders/updated``, ``orders/paid``, ``orders/cancelled`` (the
full order) and ``refunds/create`` (a Refund). Field meanings follow the REST Order resource:

- ``subtotal_price`` is merchandise after discounts, before tax and shipping -> canonical subtotal;
  ``total_price`` -> total; ``total_tax`` -> tax; shipping is the sum of ``shipping_lines``
  (``discounted_price``, else ``price``).
- Refunded merchandise is the sum of ``refund_line_items[].subtotal`` of each refund (shipping and
  tax refunds are not merchandise); a refund without line items counts its successful refund
  transactions minus shipping refunds. Refunds are keyed by their id, so a refund seen in
  ``refunds/create`` and again in the order's ``refunds[]`` counts once.
- ``financial_status`` voided -> cancelled; ``cancelled_at`` set -> cancelled unless the money was
  refunded (``refunded`` / ``partially_refunded``: then the refunds decide, see :func:`order_status`);
  pending, authorized or partially_paid -> pending; anything else -> paid (then refunds make it
  partially_refunded or refunded).
- Click id: a ``note_attributes`` entry named ``isc`` (or ``click_id``/``influscope_click_id``), else
  the ``isc`` parameter of ``landing_site``. UTMs stay in ``landing_site`` (the landing URL).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from influscope.ingest.commerce.common import (
    OrderRecord,
    PayloadError,
    RefundRecord,
    click_id_from_pairs,
    click_id_from_url,
    codes_text,
    currency_code,
    hashed_email,
    money,
    utc_naive,
)

ORDER_TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/edited",
                "orders/fulfilled", "orders/partially_fulfilled")
REFUND_TOPICS = ("refunds/create",)


def order_status(cancelled: bool, financial: str) -> str:
    """The canonical status before refunds are netted.

    A cancelled order whose money was taken and given back (``refunded`` / ``partially_refunded``)
    is a sale that was refunded, not one that never happened: it stays ``paid`` and its refunds make
    it ``refunded`` (or ``partially_refunded`` when the shop kept part, which then still counts as
    revenue). ``cancelled`` is kept for orders cancelled without a refund (never paid, voided, or
    not yet refunded)."""
    if financial == "voided":
        return "cancelled"
    if cancelled and financial not in ("refunded", "partially_refunded"):
        return "cancelled"
    if financial in ("pending", "authorized", "partially_paid"):
        return "pending"
    return "paid"


# What the export writes in "Discount Code" for discounts applied without a code.
AUTOMATIC_DISCOUNT_TITLES = frozenset({"AUTOMATIC DISCOUNTS", "AUTOMATIC DISCOUNT"})


def export_codes(text: str) -> str | None:
    """The codes of the export's "Discount Code" cell: separated by commas. Shopify codes have no
    spaces, so an entry with one is the title of an automatic discount (Shopify writes
    ``AUTOMATIC DISCOUNTS``), not a code anyone typed; it is left out (kept in raw)."""
    entries = [e.strip() for e in text.split(",")]
    return codes_text(e for e in entries if e and e.upper() not in AUTOMATIC_DISCOUNT_TITLES and " " not in e)


def _sum(values: list[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def parse_order(p: dict[str, Any]) -> OrderRecord:
    if not isinstance(p, dict) or p.get("id") in (None, ""):
        raise PayloadError("id: missing (not a Shopify order)")
    key = str(p["id"])
    created = utc_naive(p.get("created_at") or p.get("processed_at"), field="created_at")
    if created is None:
        raise PayloadError("created_at: missing")
    currency = currency_code(p.get("currency"), field="currency")
    discounts = money(p.get("total_discounts"), field="total_discounts")
    subtotal = money(p.get("subtotal_price"), field="subtotal_price")
    if subtotal is None:
        items = money(p.get("total_line_items_price"), field="total_line_items_price")
        if items is None:
            raise PayloadError("subtotal_price: missing")
        subtotal = items - (discounts or 0)
    shipping_lines = p.get("shipping_lines") or []
    shipping = _sum([money(s.get("discounted_price", s.get("price")), field=f"shipping_lines[{i}].price")
                     for i, s in enumerate(shipping_lines) if isinstance(s, dict)])
    if shipping is None and shipping_lines == []:
        shipping = Decimal(0)
    tax = money(p.get("total_tax"), field="total_tax")
    total = money(p.get("total_price"), field="total_price")
    if total is None:
        total = subtotal + (tax or 0) + (shipping or 0)

    financial = str(p.get("financial_status") or "").lower()
    status = order_status(bool(p.get("cancelled_at")), financial)

    notes = p.get("note_attributes") or []
    pairs = [(n.get("name"), n.get("value")) for n in notes if isinstance(n, dict)]
    landing = p.get("landing_site") or None
    click = click_id_from_pairs(pairs) or click_id_from_url(landing)

    customer = p.get("customer") if isinstance(p.get("customer"), dict) else None
    customer_id = str(customer["id"]) if customer and customer.get("id") is not None else None
    new_customer = None
    if customer and isinstance(customer.get("orders_count"), int):
        new_customer = customer["orders_count"] <= 1
    if customer_id is None:
        customer_id = hashed_email(p.get("email") or p.get("contact_email"))

    units = None
    items = p.get("line_items")
    if isinstance(items, list):
        units = sum(int(li.get("quantity") or 0) for li in items if isinstance(li, dict))

    refunds = [parse_refund(r, order_key=key) for r in (p.get("refunds") or []) if isinstance(r, dict)]
    hint = subtotal if financial == "refunded" and not refunds else None

    return OrderRecord(
        key=key, created_at=created, currency=currency, subtotal=subtotal, discounts=discounts, tax=tax,
        shipping=shipping, total=total, status=status,
        discount_codes=codes_text(d.get("code") for d in (p.get("discount_codes") or []) if isinstance(d, dict)),
        landing_url=landing, click_id=click, customer_id=customer_id, new_customer=new_customer, units=units,
        referrer=p.get("referring_site") or None,
        version=utc_naive(p.get("updated_at"), field="updated_at"),
        refunds=refunds, refunded_hint=hint, raw=p,
    )


def parse_refund(r: dict[str, Any], order_key: str | None = None) -> RefundRecord:
    if r.get("id") in (None, ""):
        raise PayloadError("id: missing (not a Shopify refund)")
    okey = order_key or (str(r["order_id"]) if r.get("order_id") not in (None, "") else None)
    if okey is None:
        raise PayloadError("order_id: missing")
    lines = [li for li in (r.get("refund_line_items") or []) if isinstance(li, dict)]
    currency = None
    if lines:
        amount = _sum([money(li.get("subtotal"), field=f"refund_line_items[{i}].subtotal")
                       for i, li in enumerate(lines)]) or Decimal(0)
    else:
        paid_back = Decimal(0)
        for i, tr in enumerate(r.get("transactions") or []):
            if not isinstance(tr, dict) or tr.get("kind") != "refund" or tr.get("status") not in (None, "success"):
                continue
            paid_back += money(tr.get("amount"), field=f"transactions[{i}].amount") or 0
        shipping_back = Decimal(0)
        for i, adj in enumerate(r.get("order_adjustments") or []):
            if isinstance(adj, dict) and adj.get("kind") == "shipping_refund":
                shipping_back += abs(money(adj.get("amount"), field=f"order_adjustments[{i}].amount") or 0)
                shipping_back += abs(money(adj.get("tax_amount"), field=f"order_adjustments[{i}].tax_amount") or 0)
        amount = max(paid_back - shipping_back, Decimal(0))
    for tr in r.get("transactions") or []:
        if isinstance(tr, dict) and tr.get("currency"):
            currency = str(tr["currency"]).upper()
            break
    return RefundRecord(order_key=okey, key=str(r["id"]), amount=amount, currency=currency,
                        created_at=utc_naive(r.get("processed_at") or r.get("created_at"), field="created_at"))


# ----------------------------------------------------------------------------------------------
# The native orders export (Admin > Orders > Export): one row per line item, the order's own
# columns filled on its first row only.

EXPORT_REQUIRED = ("Name", "Currency", "Subtotal", "Total", "Created at")


def read_export(path: str | Path) -> list[OrderRecord]:
    """Orders from a Shopify orders CSV; raises :class:`PayloadError` naming file, line and column."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in EXPORT_REQUIRED if c not in header]
    if missing:
        raise PayloadError(f"{path.name}: line 1: not a Shopify orders export, missing column(s) {', '.join(missing)}")
    orders: dict[str, OrderRecord] = {}
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):
        name = (row.get("Name") or "").strip()
        if not name:
            problems.append(f"{path.name}: line {line}: Name: empty")
            continue
        rec = orders.get(name)  # rows are grouped by Name; only the first carries the order's columns
        qty = (row.get("Lineitem quantity") or "").strip()
        if rec is not None:  # a further line item of the same order
            if qty.isdigit():
                rec.units = (rec.units or 0) + int(qty)
            continue
        try:
            rec = _export_row(row)
        except PayloadError as exc:
            problems.append(f"{path.name}: line {line}: {exc}")
            continue
        orders[name] = rec
    if problems:
        raise PayloadError("\n".join(problems))
    return list(orders.values())


def _export_row(row: dict[str, str]) -> OrderRecord:
    g = lambda k: (row.get(k) or "").strip()  # noqa: E731
    currency = currency_code(g("Currency"), field="Currency")
    subtotal = money(g("Subtotal"), field="Subtotal")
    if subtotal is None:
        raise PayloadError("Subtotal: empty")
    created = utc_naive(g("Created at"), field="Created at")
    financial = g("Financial Status").lower()
    status = order_status(bool(g("Cancelled at")), financial)
    refunded = money(g("Refunded Amount"), field="Refunded Amount")
    pairs = []
    for line in g("Note Attributes").splitlines():
        k, sep, v = line.partition(":")
        if sep:
            pairs.append((k.strip(), v.strip()))
    qty = g("Lineitem quantity")
    return OrderRecord(
        key=g("Id") or g("Name"), created_at=created, currency=currency, subtotal=subtotal,
        discounts=money(g("Discount Amount"), field="Discount Amount"), tax=money(g("Taxes"), field="Taxes"),
        shipping=money(g("Shipping"), field="Shipping"), total=money(g("Total"), field="Total"), status=status,
        discount_codes=export_codes(g("Discount Code")),
        click_id=click_id_from_pairs(pairs), customer_id=hashed_email(g("Email")),
        units=int(qty) if qty.isdigit() else None,
        refunded_hint=min(refunded, subtotal) if refunded else None,
        raw={k: v for k, v in row.items() if k and not k.startswith(("Billing", "Shipping ", "Phone", "Email"))},
    )
