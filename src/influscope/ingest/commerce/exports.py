"""Order CSV exports of the shops themselves, into the canonical orders (all or nothing).

- ``shopify``: Admin > Orders > Export (one row per line item; Name, Email, Financial Status,
  Currency, Subtotal, Shipping, Taxes, Total, Discount Code, Discount Amount, Created at,
  Lineitem quantity, Cancelled at, Refunded Amount, Note Attributes, Id, ...).
- ``woocommerce``: Analytics > Orders > Download (Date, Order #, Status, Customer type, Coupon(s),
  Items sold, N. Revenue / Net Sales, or only "N. Revenue (formatted)" like "৳2,999"; Attribution is
  kept in raw); it has no currency column, so ``currency`` is required. Also the order-export
  plugins' layout ("Order Number","Order Status","Order Date", ..., one row per line item), which
  may carry its own "Order Currency".

Rows are merged into orders already received by webhook from the same ``source`` (same order key):
fields the export lacks (click id, landing URL) are kept.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from influscope.ingest.commerce import shopify, woocommerce
from influscope.ingest.commerce.common import PayloadError
from influscope.ingest.commerce.sink import upsert_order
from influscope.ingest.exports.common import Reading

FORMATS = ("shopify", "woocommerce")


# The columns each layout's reader turns into order fields; the others are kept in the order's raw
# (or, for personal data, dropped) and are reported as not used.
USED = {
    "shopify": ("Name", "Id", "Email", "Financial Status", "Currency", "Subtotal", "Shipping", "Taxes", "Total",
                "Discount Code", "Discount Amount", "Created at", "Lineitem quantity", "Cancelled at",
                "Refunded Amount", "Note Attributes"),
    "woocommerce": ("Date", "Order #", "Status", "Customer type", "Items sold", "Coupon(s)", *woocommerce.EXPORT_NET),
    "woocommerce_plugin": ("Order Number", "Order Status", "Order Date", "Quantity", "Order Currency", "Currency",
                           "Cart Discount Amount", "Order Tax Amount", "Order Shipping Amount", "Order Total Amount",
                           "Order Subtotal Amount", "Order Refund Amount", "Coupons Used", "Coupon Code",
                           "Email (Billing)"),
}


@dataclass
class ExportReport:
    source: str
    counts: dict[str, int] = field(default_factory=dict)
    file: str = ""
    reading: Reading = field(default_factory=Reading)  # rows read and stored, columns used and ignored, warnings
    parts: list = field(default_factory=list)  # (one file: no parts; the same shape as a platform export's report)

    def as_dict(self) -> dict:
        return {"source": self.source, **self.counts, "file": self.file, "report": self.reading.as_dict()}


def _reading(path: Path, fmt: str, records: list) -> Reading:
    """What the file gave: its data rows, the orders stored, the columns read, and what to know."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows, [])
        read = sum(1 for row in rows if any(cell.strip() for cell in row))
    layout = "woocommerce_plugin" if fmt == "woocommerce" and all(k in header for k in woocommerce.PLUGIN_KEYS) \
        else fmt
    reading = Reading(rows_read=read, rows_stored=len(records))
    reading.columns(header, [h for h in header if h in USED[layout]])
    if read > len(records):
        reading.warn(f"{read - len(records)} row(s) are further line items of an order above (counted in its units)")
    if fmt == "shopify":
        titles: dict[str, int] = {}  # an automatic discount's title, by the orders it is on
        for r in records:
            for entry in {e.strip() for e in (r.raw.get("Discount Code") or "").split(",") if e.strip()}:
                if entry.upper() in shopify.AUTOMATIC_DISCOUNT_TITLES or " " in entry:
                    titles[entry] = titles.get(entry, 0) + 1
        for title, n in sorted(titles.items()):
            reading.warn(f"{n} order(s) with the automatic discount {title!r} in Discount Code: a discount's title, "
                         "not a code a buyer typed; not stored as a code (the discount amount is)")
        cancelled_refunds = [r.key for r in records if (r.raw.get("Cancelled at") or "").strip() and
                             (r.raw.get("Financial Status") or "").strip().lower() in ("refunded", "partially_refunded")]
        if cancelled_refunds:
            reading.warn(f"{len(cancelled_refunds)} cancelled order(s) had money refunded: stored as refunded "
                         "(the sale and its refund), not as cancelled, so revenue after refunds stays right")
    return reading


def detect(path: Path) -> str:
    head = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()[:1]
    first = head[0] if head else ""
    if "Financial Status" in first and "Lineitem quantity" in first:
        return "shopify"
    if "Order #" in first and ("N. Revenue" in first or "Net Sales" in first):
        return "woocommerce"
    if all(k in first for k in ("Order Number", "Order Status", "Order Date")):
        return "woocommerce"
    raise PayloadError(f"{path.name}: line 1: not a Shopify or WooCommerce orders export (give --format)")


def import_orders(engine: sa.Engine, path: str | Path, *, workspace: str = "default", fmt: str | None = None,
                  source: str | None = None, currency: str | None = None, timezone: str = "UTC") -> ExportReport:
    path = Path(path)
    fmt = fmt or detect(path)
    if fmt == "shopify":
        records = shopify.read_export(path)
    elif fmt == "woocommerce":
        records = woocommerce.read_export(path, currency=currency, timezone=timezone)
    else:
        raise PayloadError(f"--format: one of {', '.join(FORMATS)}")
    src = (source or fmt).strip().lower()
    report = ExportReport(src, file=path.name, reading=_reading(path, fmt, records))
    from influscope.ingest.canonical import ensure_workspace

    with engine.begin() as conn:
        ws = ensure_workspace(conn, workspace)
        for rec in records:
            outcome = upsert_order(conn, ws, src, rec, merge=True)
            report.counts[outcome] = report.counts.get(outcome, 0) + 1
    return report
