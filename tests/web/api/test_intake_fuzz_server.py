"""The fuzzed bundles and webhook deliveries of tests/ingest/test_fuzz_intake.py, sent to a running
``influscope serve`` on 127.0.0.1 instead of the functions: every upload and delivery is answered
without a 5xx, a refused upload names file, line and column without a traceback and leaves the
database byte for byte unchanged, and a delivery ends processed, ignored or failed with its error
named, a failed one writing nothing."""

from __future__ import annotations

import copy
import itertools
import json
import time

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from influscope.auth import keys
from influscope.db import commerce as ct
from influscope.db import tables as t
from influscope.db.engine import get_engine
from influscope.ingest.canonical import ensure_workspace
from influscope.ingest.commerce.signatures import sign_base64_hmac
from influscope.ingest.commerce.stores import add_store
from tests.commerce.support import SHOPIFY_SAMPLE, shopify_headers, woo_headers, woo_order
from tests.ingest.test_fuzz_intake import JSONISH, KNOWN_FILES, _mutate, bundles
from tests.support.server import running_server

ENV = {"INFLUSCOPE_API_RATE": "100000", "INFLUSCOPE_WEBHOOK_RATE": "100000"}
SECRET = "fuzz-s3cret-value"
_N = itertools.count()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz-server') / 'influscope.db'}"
    engine = get_engine(url)
    with engine.begin() as conn:
        ws = ensure_workspace(conn, "acme")
    key = keys.create_key(engine, ws, scopes="read write", can_see_costs=True).key
    for kind, name in (("shopify", "fz-shop"), ("woocommerce", "fz-woo")):
        add_store(engine, kind, name, secret=SECRET, workspace="acme")
    with pytest.MonkeyPatch.context() as mp:
        for k, v in ENV.items():
            mp.setenv(k, v)
        with running_server(url, env=ENV) as (base, _proc):
            yield {"base": base, "key": key, "engine": engine}
    engine.dispose()


def _dump(engine, *, but: tuple[str, ...] = ()) -> list[str]:
    skip = tuple(f'INSERT INTO "{name}"' for name in but)
    with engine.connect() as conn:
        return [line for line in conn.connection.driver_connection.iterdump() if not skip or not line.startswith(skip)]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(files=bundles())
def test_every_upload_is_imported_or_refused_with_located_problems(server, files):
    try:
        parts = [("files", (name, text.encode("utf-8", "surrogatepass"))) for name, text in files.items()]
    except UnicodeEncodeError:
        return
    if not parts:
        return
    before = _dump(server["engine"], but=("api_keys",))  # the key notes when it was last used
    resp = httpx.post(server["base"] + "/api/v1/imports", headers={"Authorization": f"Bearer {server['key']}"},
                      files=parts, timeout=120)
    event(str(resp.status_code))
    assert resp.status_code in (201, 422), resp.text
    if resp.status_code == 422:
        body = resp.json()
        assert "Traceback" not in resp.text
        for err in body["errors"]:
            assert err["file"] in KNOWN_FILES or err["file"].startswith("upload"), err
            assert isinstance(err["line"], int) and err["line"] >= 0 and err["column"] and err["message"], err
        assert _dump(server["engine"], but=("api_keys",)) == before


def _settle(engine, delivery_id: str, timeout: float = 20.0) -> tuple[str, str | None]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with engine.connect() as conn:
            row = conn.execute(sa.select(ct.webhook_deliveries.c.status, ct.webhook_deliveries.c.error)
                               .where(ct.webhook_deliveries.c.delivery_id == delivery_id)).first()
        if row is not None and row.status != "pending":
            return row.status, row.error
        time.sleep(0.05)
    raise AssertionError(f"delivery {delivery_id} still pending")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(["shopify", "woocommerce"]),
       changes=st.lists(st.tuples(st.lists(st.integers(0, 50), min_size=1, max_size=4), JSONISH), max_size=3))
def test_every_signed_delivery_is_answered_and_ends_processed_or_failed(server, kind, changes):
    n = next(_N)
    payload = copy.deepcopy(SHOPIFY_SAMPLE if kind == "shopify" else woo_order(77))
    for path, value in changes:
        payload = _mutate(payload, path, value)
    payload["fuzz_nonce"] = n  # every example is a new body, not a duplicate
    try:
        raw = json.dumps(payload, allow_nan=True).encode()
    except (ValueError, TypeError):
        return
    delivery = f"fz-{n}-{time.time_ns()}"
    if kind == "shopify":
        url, headers = server["base"] + "/hooks/shopify/fz-shop", shopify_headers(raw, SECRET, "orders/create", delivery)
    else:
        url, headers = server["base"] + "/hooks/woocommerce/fz-woo", woo_headers(raw, SECRET, "order.created", delivery)
    assert headers.get("X-Shopify-Hmac-Sha256", headers.get("X-WC-Webhook-Signature")) == sign_base64_hmac(raw, SECRET)
    before = _dump(server["engine"], but=("webhook_deliveries",))
    resp = httpx.post(url, content=raw, headers=headers, timeout=30)
    event(f"{kind} {resp.status_code}")
    assert resp.status_code < 500, resp.text
    if resp.status_code != 200 or resp.json().get("status") != "accepted":
        return
    status, error = _settle(server["engine"], delivery)
    event(status)
    assert status in ("processed", "ignored", "failed"), status
    if status == "failed":
        assert error and "Traceback" not in error
        assert _dump(server["engine"], but=("webhook_deliveries",)) == before
    with server["engine"].connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.orders)
                            .where(t.orders.c.total < 0)).scalar() == 0
