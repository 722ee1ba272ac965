"""WooCommerce: webhook payloads (REST v3 order) and the native Analytics > Orders CSV download.

Topics handled: ``order.created``, ``order.updated``, ``order.restored`` (the full order) and
``order.deleted`` (the order becomes cancelled). The form-encoded ``webhook_id=<n>`` ping that
WooCommerce sends, unsigned, when a webhook is saved is answered 200 and stores nothing.

- Amounts are decimal strings. Subtotal = the sum of ``line_items[].total`` (after discounts, before
  tax); without line items: ``total`` - ``total_tax`` - ``shipping_total`` - ``shipping_tax``.
- Status: processing, completed -> paid; pending, on-hold -> pending; cancelled, failed, trash ->
  cancelled; refunded -> paid with the refunds netted (so it ends as refunded).
- Refunds: ``refunds[]`` entries ``{id, total}`` (``total`` is negative), keyed by id.
- Coupons: ``coupon_lines[].code``. Click id: ``meta_data`` key ``isc`` (or ``_isc``, ``click_id``),
  else the ``isc`` parameter of the order-attribution entry URL.
- Landing URL: the built-in order attribution's ``_wc_order_attribution_session_entry`` when it is in
  ``meta_data``; its ``_wc_order_attribution_utm_*`` values are added to it when the URL lacks them.
- Customer: ``customer_id`` (0 = guest, then a hash of the billing e-mail).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from influscope.ingest.commerce.common import (
    UTM_KEYS,
    OrderRecord,
    PayloadError,
    RefundRecord,
    click_id_from_pairs,
    click_id_from_url,
    codes_text,
    currency_code,
    hashed_email,
    money,
    query_params,
    utc_naive,
)

ORDER_TOPICS = ("order.created", "order.updated", "order.restored")
DELETE_TOPICS = ("order.deleted",)
ATTR = "_wc_order_attribution_"

_STATUS = {"processing": "paid", "completed": "paid", "refunded": "paid", "pending": "pending",
           "on-hold": "pending", "cancelled": "cancelled", "failed": "cancelled", "trash": "cancelled",
           "checkout-draft": "pending"}


def is_ping(body: bytes) -> bool:
    text = body.strip()
    return text.startswith(b"webhook_id=") and text[len(b"webhook_id="):].isdigit()


def _meta(p: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for m in p.get("meta_data") or []:
        if isinstance(m, dict) and m.get("key") is not None:
            out[str(m["key"])] = m.get("value")
    return out


def landing_from_meta(meta: dict[str, Any]) -> str | None:
    entry = meta.get(ATTR + "session_entry") or None
    present = query_params(entry)
    extra = {}
    for k in UTM_KEYS:
        v = meta.get(ATTR + k)
        if v and k not in present and str(v) != "(none)":
            extra[k] = str(v)
    if not entry and not extra:
        return None
    if not extra:
        return str(entry)
    base = str(entry or "")
    return base + ("&" if "?" in base else "?") + urlencode(extra)


def parse_order(p: dict[str, Any]) -> OrderRecord:
    if not isinstance(p, dict) or p.get("id") in (None, ""):
        raise PayloadError("id: missing (not a WooCommerce order)")
    key = str(p["id"])
    created = utc_naive(p.get("date_created_gmt"), field="date_created_gmt") or utc_naive(
        p.get("date_created"), field="date_created")
    if created is None:
        raise PayloadError("date_created_gmt: missing")
    currency = currency_code(p.get("currency"), field="currency")
    total = money(p.get("total"), field="total")
    tax = money(p.get("total_tax"), field="total_tax")
    shipping = money(p.get("shipping_total"), field="shipping_total")
    shipping_tax = money(p.get("shipping_tax"), field="shipping_tax")
    items = [li for li in (p.get("line_items") or []) if isinstance(li, dict)]
    line_totals = [money(li.get("total"), field=f"line_items[{i}].total") for i, li in enumerate(items)]
    if items and all(v is not None for v in line_totals):
        subtotal = sum(line_totals, Decimal(0))
    elif total is not None:
        subtotal = total - (tax or 0) - (shipping or 0) - (shipping_tax or 0)
    else:
        raise PayloadError("total: missing")
    if total is None:
        total = subtotal + (tax or 0) + (shipping or 0)
    raw_status = str(p.get("status") or "").lower()
    status = _STATUS.get(raw_status, "paid")
    meta = _meta(p)
    landing = landing_from_meta(meta)
    click = click_id_from_pairs(meta.items()) or click_id_from_url(landing)
    customer = p.get("customer_id")
    billing = p.get("billing") if isinstance(p.get("billing"), dict) else {}
    customer_id = str(customer) if customer not in (None, "", 0, "0") else hashed_email(billing.get("email"))
    refunds = []
    for i, r in enumerate(p.get("refunds") or []):
        if not isinstance(r, dict) or r.get("id") in (None, ""):
            continue
        amount = abs(money(r.get("total"), field=f"refunds[{i}].total") or Decimal(0))
        refunds.append(RefundRecord(order_key=key, key=str(r["id"]), amount=min(amount, subtotal), currency=currency))
    hint = subtotal if raw_status == "refunded" and not refunds else None
    units = sum(int(li.get("quantity") or 0) for li in items) if items else None
    return OrderRecord(
        key=key, created_at=created, currency=currency, subtotal=subtotal,
        discounts=money(p.get("discount_total"), field="discount_total"), tax=tax, shipping=shipping, total=total,
        status=status,
        discount_codes=codes_text(c.get("code") for c in (p.get("coupon_lines") or []) if isinstance(c, dict)),
        landing_url=landing, click_id=click, customer_id=customer_id, units=units,
        referrer=meta.get(ATTR + "referrer") or None,
        version=utc_naive(p.get("date_modified_gmt"), field="date_modified_gmt"),
        refunds=refunds, refunded_hint=hint, raw=p,
    )


# ----------------------------------------------------------------------------------------------
# The native Analytics > Orders "Download" CSV. Its columns (WooCommerce Admin's orders report
# export): Date, Order #, N. Revenue (formatted), Status, Customer, Customer type, Product(s),
# Items sold, Coupon(s), N. Revenue ("Net Sales" in older versions), and since order attribution
# (WooCommerce 8.5) Attribution. It carries no currency, so the importer asks for one. Net revenue
# there is after discounts and refunds, before tax and shipping.
#
# Order-export plugins write one row per line item with the order's columns repeated: the most
# common layout starts "Order Number","Order Status","Order Date" and has "Order Subtotal Amount"
# (before discounts), "Cart Discount Amount", "Order Tax Amount", "Order Shipping Amount",
# "Order Refund Amount", "Order Total Amount", "Coupon Code" / "Coupons Used", "Quantity" and often
# "Order Currency".

EXPORT_NET = ("N. Revenue", "Net Sales", "Net sales", "N. Revenue (formatted)", "Net Sales (formatted)")
PLUGIN_KEYS = ("Order Number", "Order Status", "Order Date")


def formatted_money(text: str, *, field: str) -> Decimal | None:
    """An amount as the shop displays it: "৳2,999", "€1.234,50", "2,99 €", "NT$1,200", "-$5.00"."""
    t = text.strip()
    if not t:
        return None
    negative = t.startswith(("-", "\u2212")) or "(" in t or "-" in t[:3]
    digits = "".join(ch for ch in t if ch.isdigit() or ch in ",.")
    if not digits or not any(ch.isdigit() for ch in digits):
        raise PayloadError(f"{field}: not an amount: {text!r}")
    if "," in digits and "." in digits:
        decimal_sep = "," if digits.rindex(",") > digits.rindex(".") else "."
    elif "," in digits:
        tail = digits.split(",")[-1]
        decimal_sep = "," if digits.count(",") == 1 and len(tail) != 3 else ""
    elif "." in digits:
        tail = digits.split(".")[-1]
        decimal_sep = "." if digits.count(".") == 1 and len(tail) != 3 else ""
    else:
        decimal_sep = ""
    thousands = {",", "."} - {decimal_sep}
    plain = "".join(ch for ch in digits if ch not in thousands)
    if decimal_sep:
        plain = plain.replace(decimal_sep, ".")
    value = money(plain, field=field)
    return -value if negative and value is not None else value


def read_export(path: str | Path, *, currency: str | None, timezone: str = "UTC") -> list[OrderRecord]:
    """Orders of the download (or of an order-export plugin's CSV); dates are the site's local time,
    read in TIMEZONE."""
    path = Path(path)
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PayloadError(f"--timezone: unknown time zone {timezone!r}") from None
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    header = reader.fieldnames or []
    if all(k in header for k in PLUGIN_KEYS):
        return _read_plugin_export(path, reader, currency=currency, tz=tz)
    if not currency:
        raise PayloadError(f"{path.name}: the WooCommerce export has no currency column: give --currency")
    cur = currency_code(currency, field="--currency")
    net_col = next((c for c in EXPORT_NET if c in header), None)
    missing = [c for c in ("Date", "Order #", "Status") if c not in header] + ([] if net_col else ["N. Revenue"])
    if missing:
        raise PayloadError(f"{path.name}: line 1: not a WooCommerce orders export, missing column(s) {', '.join(missing)}")
    formatted = net_col is not None and net_col.endswith("(formatted)")
    out: list[OrderRecord] = []
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):
        g = lambda k: (row.get(k) or "").strip()  # noqa: E731
        try:
            number = g("Order #")
            if not number:
                raise PayloadError("Order #: empty")
            net = formatted_money(g(net_col), field=net_col) if formatted else money(g(net_col), field=net_col)
            if net is None:
                raise PayloadError(f"{net_col}: empty")
            raw_status = g("Status").lower().replace(" ", "-")
            ctype = g("Customer type").lower()
            items = g("Items sold")
            out.append(OrderRecord(
                key=number, created_at=utc_naive(g("Date"), field="Date", tz=tz), currency=cur, subtotal=net,
                status=_STATUS.get(raw_status, "paid"),
                discount_codes=codes_text(g("Coupon(s)").replace(",", " ").split()),
                new_customer=True if ctype == "new" else False if ctype == "returning" else None,
                units=int(items) if items.isdigit() else None,
                raw={k: v for k, v in row.items() if k and k != "Customer"},
            ))
        except PayloadError as exc:
            problems.append(f"{path.name}: line {line}: {exc}")
    if problems:
        raise PayloadError("\n".join(problems))
    return out


def _read_plugin_export(path: Path, reader: csv.DictReader, *, currency: str | None, tz) -> list[OrderRecord]:
    header = reader.fieldnames or []
    if "Order Subtotal Amount" not in header and "Order Total Amount" not in header:
        raise PayloadError(f"{path.name}: line 1: an order-export plugin layout without \"Order Subtotal Amount\" "
                           "or \"Order Total Amount\": add one of them to the export's fields")
    cur_col = next((c for c in ("Order Currency", "Currency") if c in header), None)
    if not cur_col and not currency:
        raise PayloadError(f"{path.name}: the export has no Order Currency column: give --currency")
    orders: dict[str, OrderRecord] = {}
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):
        def g(k: str, row: dict = row) -> str:
            return (row.get(k) or "").strip()
        number = g("Order Number")
        try:
            if not number:
                raise PayloadError("Order Number: empty")
            qty = g("Quantity")
            if number in orders:  # a further line item of the same order
                if qty.isdigit():
                    orders[number].units = (orders[number].units or 0) + int(qty)
                continue
            cur = currency_code(g(cur_col) if cur_col and g(cur_col) else currency, field=cur_col or "--currency")
            discount = money(g("Cart Discount Amount"), field="Cart Discount Amount")
            tax = money(g("Order Tax Amount"), field="Order Tax Amount")
            shipping = money(g("Order Shipping Amount"), field="Order Shipping Amount")
            total = money(g("Order Total Amount"), field="Order Total Amount")
            gross = money(g("Order Subtotal Amount"), field="Order Subtotal Amount")
            if gross is not None:
                subtotal = gross - (discount or 0)
            elif total is not None:
                subtotal = total - (tax or 0) - (shipping or 0)
            else:
                raise PayloadError("Order Subtotal Amount: empty")
            refunded = money(g("Order Refund Amount"), field="Order Refund Amount")
            refunded = abs(refunded) if refunded else None
            raw_status = g("Order Status").lower().replace(" ", "-")
            raw_status = raw_status.removeprefix("wc-")
            codes = g("Coupons Used") or g("Coupon Code")
            orders[number] = OrderRecord(
                key=number, created_at=utc_naive(g("Order Date"), field="Order Date", tz=tz), currency=cur,
                subtotal=subtotal, discounts=discount, tax=tax, shipping=shipping, total=total,
                status=_STATUS.get(raw_status, "paid"),
                discount_codes=codes_text(codes.replace(",", " ").replace(";", " ").split()),
                customer_id=hashed_email(g("Email (Billing)")), units=int(qty) if qty.isdigit() else None,
                refunded_hint=min(refunded, subtotal) if refunded else None,
                raw={k: v for k, v in row.items() if k and "(Billing)" not in k and "(Shipping)" not in k
                     and k not in ("Customer Note",)},
            )
        except PayloadError as exc:
            problems.append(f"{path.name}: line {line}: {exc}")
    if problems:
        raise PayloadError("\n".join(problems))
    return list(orders.values())
