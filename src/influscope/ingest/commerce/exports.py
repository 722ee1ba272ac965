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

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from influscope.ingest.commerce import shopify, woocommerce
from influscope.ingest.commerce.common import PayloadError
from influscope.ingest.commerce.sink import upsert_order

FORMATS = ("shopify", "woocommerce")


@dataclass
class ExportReport:
    source: str
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"source": self.source, **self.counts}


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
    report = ExportReport(src)
    from influscope.ingest.canonical import ensure_workspace

    with engine.begin() as conn:
        ws = ensure_workspace(conn, workspace)
        for rec in records:
            outcome = upsert_order(conn, ws, src, rec, merge=True)
            report.counts[outcome] = report.counts.get(outcome, 0) + 1
    return report
