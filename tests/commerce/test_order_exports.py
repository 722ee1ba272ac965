"""The shops' own order CSV exports, through the CLI, into canonical orders (merged with webhooks)."""

from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from influscope.cli import app
from influscope.db import tables as t
from influscope.db.engine import get_engine
from influscope.ingest.commerce.shopify import parse_order
from influscope.ingest.commerce.sink import upsert_order
from tests.commerce.support import shopify_order

DATA = Path(__file__).parent / "data"


def orders(engine, source):
    with engine.connect() as c:
        return {r.key: r for r in c.execute(sa.select(t.orders).where(t.orders.c.source == source))}


def test_shopify_export_merges_with_webhook_orders(sqlite_url):
    engine = get_engine(sqlite_url)
    with engine.begin() as conn:
        from influscope.ingest.canonical import ensure_workspace
        ws = ensure_workspace(conn, "default")
        # Received by webhook earlier, with a click id the export does not carry.
        upsert_order(conn, ws, "acme-hk", parse_order(shopify_order(6200407294252, note_attributes=[
            {"name": "isc", "value": "Wh00k"}])))
    r = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(DATA / "shopify_orders_export.csv"),
                                 "--source", "acme-hk"])
    assert r.exit_code == 0, r.output
    assert '"unchanged": 1' in r.output and '"inserted": 1' in r.output
    got = orders(engine, "acme-hk")
    assert got["6200407294252"].click_id == "Wh00k" and got["6200407294252"].subtotal == Decimal("164.90")
    o = got["6200407294999"]
    assert o.currency == "HKD" and o.subtotal == Decimal("250.00") and o.units == 3
    assert o.refunded == Decimal("50.00") and o.status == "partially_refunded"
    assert o.discount_codes == "MIRA15" and o.click_id == "k7Hq2" and o.customer_id.startswith("email:")
    assert str(o.created_at) == "2025-01-24 15:00:00"
    # Importing again changes nothing.
    r = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(DATA / "shopify_orders_export.csv"),
                                 "--source", "acme-hk"])
    assert '"unchanged": 2' in r.output


def test_woocommerce_export_needs_a_currency_and_bad_rows_write_nothing(sqlite_url, tmp_path):
    engine = get_engine(sqlite_url)
    path = DATA / "woocommerce_orders_export.csv"
    r = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(path)])
    assert r.exit_code == 1 and "--currency" in r.output
    r = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(path), "--currency", "EUR",
                                 "--timezone", "Europe/Berlin"])
    assert r.exit_code == 0, r.output
    got = orders(engine, "woocommerce")
    assert str(got["501"].created_at) == "2025-03-01 11:00:00"  # 12:00 in Berlin
    assert got["501"].subtotal == Decimal("45.00") and got["501"].new_customer is True
    assert got["501"].discount_codes == "MIRA10" and got["501"].currency == "EUR"
    assert got["502"].new_customer is False and got["502"].status == "paid"
    bad = tmp_path / "bad.csv"
    bad.write_text(path.read_text().replace('"45.00"\n', '"4x5"\n'))
    r = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(bad), "--currency", "EUR",
                                 "--source", "other"])
    assert r.exit_code == 1 and "bad.csv: line 2: N. Revenue" in r.output
    assert orders(engine, "other") == {}


def test_shopify_automatic_discounts_are_not_codes_and_cancelled_refunds_stay_refunds(sqlite_url):
    engine = get_engine(sqlite_url)
    r = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(DATA / "shopify_orders_automatic.csv"),
                                 "--source", "acme-tw"])
    assert r.exit_code == 0, r.output
    got = orders(engine, "acme-tw")
    assert got["6300000000001"].discount_codes is None  # only the automatic discount
    assert got["6300000000001"].subtotal == Decimal("900.00") and got["6300000000001"].discounts == Decimal("100.00")
    assert got["6300000000002"].discount_codes == "MEI15"
    # paid, cancelled and fully refunded: a refunded sale, its refund visible
    assert (got["6300000000003"].status, got["6300000000003"].refunded) == ("refunded", Decimal("1000.00"))
    # cancelled before any refund: cancelled
    assert got["6300000000004"].status == "cancelled"
    # cancelled with part of the money kept: partially refunded, the rest still revenue
    assert (got["6300000000005"].status, got["6300000000005"].refunded) == ("partially_refunded", Decimal("700.00"))
    assert str(got["6300000000001"].created_at) == "2025-06-03 02:00:00"


def test_shopify_webhook_cancelled_after_refund_is_refunded():
    rec = parse_order(shopify_order(12, cancelled_at="2025-01-24T10:00:00-05:00", financial_status="refunded"))
    assert rec.status == "paid" and rec.refunded_hint == rec.subtotal


def test_woocommerce_analytics_with_formatted_revenue_only(sqlite_url):
    engine = get_engine(sqlite_url)
    r = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(DATA / "woocommerce_analytics_bdt.csv"),
                                 "--currency", "BDT", "--timezone", "Asia/Dhaka"])
    assert r.exit_code == 0, r.output
    got = orders(engine, "woocommerce")
    assert got["7101"].subtotal == Decimal(2999) and got["7101"].currency == "BDT"
    assert got["7101"].discount_codes == "MIRA10" and got["7101"].new_customer is True
    assert str(got["7101"].created_at) == "2025-06-02 08:20:00"
    assert got["7102"].subtotal == Decimal("12450.50") and got["7102"].units == 2


def test_formatted_amounts():
    from influscope.ingest.commerce.woocommerce import formatted_money

    cases = {"৳2,999": "2999", "€1.234,50": "1234.50", "2,99 €": "2.99", "NT$1,200": "1200", "-$5.00": "-5.00",
             "$1,234,567.89": "1234567.89", "¥12.000": "12000"}
    for text, expected in cases.items():
        assert formatted_money(text, field="x") == Decimal(expected), text


def test_woocommerce_plugin_export_one_row_per_item(sqlite_url):
    engine = get_engine(sqlite_url)
    r = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(DATA / "woocommerce_plugin_orders.csv"),
                                 "--source", "woo-eu", "--timezone", "Europe/Berlin"])
    assert r.exit_code == 0, r.output
    got = orders(engine, "woo-eu")
    o = got["3301"]
    assert (o.currency, o.subtotal, o.discounts, o.tax, o.shipping, o.total, o.units) == (
        "EUR", Decimal("36.00"), Decimal("4.00"), Decimal("7.60"), Decimal("4.90"), Decimal("48.50"), 3)
    assert o.discount_codes == "MIRA10" and o.status == "paid" and str(o.created_at) == "2025-06-05 08:15:00"
    assert o.customer_id.startswith("email:")
    b = got["3302"]
    assert (b.status, b.refunded, b.subtotal) == ("refunded", Decimal("20.00"), Decimal("20.00"))


def test_woocommerce_analytics_with_net_sales_of_older_versions(sqlite_url, tmp_path):
    engine = get_engine(sqlite_url)
    path = tmp_path / "wc-orders-report-export-1749000000.csv"
    path.write_text('"Date","Order #","Status","Customer","Customer type","Product(s)","Items sold","Coupon(s)",'
                    '"Net Sales","Attribution"\n'
                    '"2025-06-04 10:00:00","7201","completed","L Chen","new","Tea set","3","mei5","1,280.00",'
                    '"Source: Tiktok"\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["--db", sqlite_url, "orders", "import", str(path), "--currency", "TWD",
                                 "--timezone", "Asia/Taipei"])
    assert r.exit_code == 0, r.output
    o = orders(engine, "woocommerce")["7201"]
    assert (o.subtotal, o.currency, o.units, o.discount_codes, o.new_customer, o.status) == (
        Decimal("1280.00"), "TWD", 3, "MEI5", True, "paid")
    assert str(o.created_at) == "2025-06-04 02:00:00"
