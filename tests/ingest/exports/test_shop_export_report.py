"""A shop's orders export says what it gave, like a platform's: rows read, orders stored, the columns
read and not read, and what to know (automatic discounts, cancelled orders that were refunded)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from influscope.cli import app
from influscope.db.engine import get_engine
from influscope.ingest.commerce.exports import import_orders

from tests.ingest.exports.support import q

SHOP = Path(__file__).resolve().parents[2] / "commerce" / "data"


def test_shopify_export_report_in_the_cli(sqlite_url):
    res = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(SHOP / "shopify_orders_automatic.csv"),
                                   "--source", "acme-tw"])
    assert res.exit_code == 0, res.output
    out = res.output.splitlines()
    assert out[0] == "shopify_orders_automatic.csv (acme-tw): 5 row(s) read, 5 order(s) stored"
    assert out[1] == ("columns used:    Name, Email, Financial Status, Currency, Subtotal, Shipping, Taxes, Total, "
                      "Discount Code, Discount Amount, Created at, Lineitem quantity, Note Attributes, Cancelled at, "
                      "Refunded Amount, Id")
    assert out[2].startswith("columns ignored: Paid at, Fulfillment Status,") and "Lineitem name" in out[2]
    assert "warning: 2 order(s) with the automatic discount 'AUTOMATIC DISCOUNTS' in Discount Code: a discount's " \
           "title, not a code a buyer typed; not stored as a code (the discount amount is)" in out
    assert "warning: 2 cancelled order(s) had money refunded: stored as refunded (the sale and its refund), not as " \
           "cancelled, so revenue after refunds stays right" in out
    assert json.loads(out[-1]) == {"source": "acme-tw", "inserted": 5}
    engine = get_engine(sqlite_url)
    assert [(r["key"], r["status"], r["discount_codes"]) for r in q(
        engine, "select key, status, discount_codes from orders order by key")] == [
        ("6300000000001", "paid", None), ("6300000000002", "paid", "MEI15"), ("6300000000003", "refunded", "MEI15"),
        ("6300000000004", "cancelled", None), ("6300000000005", "partially_refunded", None)]
    res = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(SHOP / "shopify_orders_automatic.csv"),
                                   "--source", "acme-tw", "--json"])
    body = json.loads(res.output)
    assert body["unchanged"] == 5 and body["report"]["rows_read"] == 5 and len(body["report"]["warnings"]) == 2


def test_woocommerce_reports_its_unused_columns_and_line_items(engine):
    rep = import_orders(engine, SHOP / "woocommerce_analytics_bdt.csv", currency="BDT", timezone="Asia/Dhaka")
    r = rep.reading
    assert (r.rows_read, r.rows_stored) == (2, 2) and r.warnings == []
    assert r.used == ["Date", "Order #", "N. Revenue (formatted)", "Status", "Customer type", "Items sold", "Coupon(s)"]
    assert r.ignored == ["Customer", "Product(s)", "Attribution"]
    rep = import_orders(engine, SHOP / "woocommerce_plugin_orders.csv", source="woo-eu")
    r = rep.reading
    assert (r.rows_read, r.rows_stored) == (3, 2)
    assert r.warnings == ["1 row(s) are further line items of an order above (counted in its units)"]
    assert "Order Number" in r.used and "Item Name" in r.ignored and "Order Total Tax Amount" in r.ignored
