"""The command line of the commerce area: stores, codes, and processing stored deliveries."""

import json
import os
import re

from typer.testing import CliRunner

from influscope.cli import app
from influscope.db.engine import get_engine
from influscope.ingest.commerce import sink
from influscope.ingest.commerce.stores import get_store
from tests.commerce.support import dumps, shopify_order
from tests.commerce.test_codes import make_campaign


def run(*args):
    return CliRunner().invoke(app, list(args))


def test_stores_add_list_process_and_remove(sqlite_url, tmp_path):
    secret_file = tmp_path / "shop.secret"
    secret_file.write_text("from-a-file-123\n")
    r = run("--db", sqlite_url, "stores", "add", "shopify", "acme-hk", "--secret-file", str(secret_file))
    assert r.exit_code == 0 and "POST /hooks/shopify/acme-hk" in r.output
    os.environ["CLI_TEST_STRIPE_SECRET"] = "whsec_env_123"
    assert run("--db", sqlite_url, "stores", "add", "stripe", "acme-us", "--secret-env", "CLI_TEST_STRIPE_SECRET").exit_code == 0
    assert run("--db", sqlite_url, "stores", "add", "stripe", "acme-us", "--secret", "12345678").exit_code == 1
    r = run("--db", sqlite_url, "stores", "add", "woocommerce", "x", "--secret", "short")
    assert r.exit_code == 1 and "too short" in r.output
    r = run("--db", sqlite_url, "stores", "add", "magento", "m", "--secret", "long-enough")
    assert r.exit_code == 1 and "kind" in r.output
    r = run("--db", sqlite_url, "stores", "list", "--json")
    listed = {s["name"]: s for s in json.loads(r.output)}
    assert listed["acme-hk"]["secret"].startswith("file:") and listed["acme-us"]["secret"] == "env:CLI_TEST_STRIPE_SECRET"
    assert "from-a-file" not in r.output and "whsec_env" not in r.output
    engine = get_engine(sqlite_url)
    store = get_store(engine, "shopify", "acme-hk")
    sink.store_delivery(engine, workspace_id=store.workspace_id, store_id=store.id, delivery_id="one",
                        topic="orders/create", body=dumps(shopify_order(1)))
    sink.store_delivery(engine, workspace_id=store.workspace_id, store_id=store.id, delivery_id="two",
                        topic="orders/create", body=b"{not json")
    r = run("--db", sqlite_url, "stores", "process")
    assert json.loads(r.output) == {"processed": 1, "failed": 1}
    r = run("--db", sqlite_url, "stores", "process", "--retry-failed")
    assert json.loads(r.output) == {"failed": 1}
    assert run("--db", sqlite_url, "stores", "prune", "--days", "3").exit_code == 1
    import datetime as dt
    import sqlalchemy as sa
    from influscope.db import commerce as ct
    with engine.begin() as c:
        c.execute(sa.update(ct.webhook_deliveries).values(received_at=dt.datetime(2020, 1, 1)))
    r = run("--db", sqlite_url, "stores", "prune")
    assert "deleted 1 deliveries" in r.output  # the processed one; the failed one stays
    assert run("--db", sqlite_url, "stores", "remove", "acme-hk").exit_code == 0
    assert run("--db", sqlite_url, "stores", "remove", "acme-hk").exit_code == 1


def test_codes_generate_export_and_leaks(sqlite_url, tmp_path):
    make_campaign(get_engine(sqlite_url), tmp_path)
    r = run("--db", sqlite_url, "codes", "generate", "spring", "-c", "mira", "--count", "3", "--dry-run")
    assert r.exit_code == 0 and len(re.findall(r"\bMIRA[2-9]{3}\b", r.output)) == 3  # the name, then digits
    r = run("--db", sqlite_url, "codes", "generate", "spring")
    assert r.exit_code == 0 and len(r.stdout.strip().splitlines()) == 3 and "3 code(s) issued" in r.output
    out = tmp_path / "codes.csv"
    assert run("--db", sqlite_url, "codes", "export", "spring", "-o", str(out)).exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "code,creator_id,creator_name,kind,campaign" and len(lines) == 4
    r = run("--db", sqlite_url, "codes", "leaks", "spring")
    assert r.exit_code == 0 and "no leak signals" in r.output
    r = run("--db", sqlite_url, "codes", "generate", "nope")
    assert r.exit_code == 1 and "no campaign 'nope'" in r.output
