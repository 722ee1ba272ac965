"""One running server for the commerce tests (starting one costs seconds): a temp SQLite file, the
stores of every kind, a workspace pair and API keys."""

import os

import pytest

from influscope.db.engine import get_engine
from influscope.ingest.canonical import ensure_workspace
from influscope.ingest.commerce.stores import add_store
from tests.support.server import Server

SHOP_SECRET = "shpss_3b1f0c9e2d"
WOO_SECRET = "wc-secret-9f8e7d"
STRIPE_SECRET = "whsec_5c4b3a29"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    from influscope.auth.keys import create_key

    url = f"sqlite:///{tmp_path_factory.mktemp('commerce') / 'influscope.db'}"
    engine = get_engine(url)
    with engine.begin() as conn:
        ws = ensure_workspace(conn, "default")
        other = ensure_workspace(conn, "other")
    os.environ["TEST_WOO_SECRET"] = WOO_SECRET  # the server reads this store's secret from its environment
    add_store(engine, "shopify", "acme-hk", secret=SHOP_SECRET)
    add_store(engine, "woocommerce", "acme-eu", secret_env="TEST_WOO_SECRET")
    add_store(engine, "stripe", "acme-us", secret=STRIPE_SECRET)
    add_store(engine, "web", "acme-site")
    srv = Server(url).start()
    srv.engine = engine
    srv.ws = ws
    srv.other_ws = other
    srv.write_key = create_key(engine, ws, scopes="write", name="shop backend").key
    srv.read_key = create_key(engine, ws, scopes="read", name="viewer").key
    srv.other_key = create_key(engine, other, scopes="write", name="other workspace").key
    yield srv
    srv.stop()
