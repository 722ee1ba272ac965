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
