"""The conversion API and the browser snippet against a running server (and a real Chromium)."""

import http.server
import shutil
import threading
import time
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa

from influscope.db import tables as t


def rows(engine, table, *where):
    with engine.connect() as c:
        return c.execute(sa.select(table).where(*where)).all()


def test_sale_is_idempotent_on_invoice_id(server):
    h = {"Authorization": f"Bearer {server.write_key}"}
    sale = {"invoice_id": "INV-1001", "amount": 12990, "currency": "twd", "tax": 650, "click_id": "k7Hq2",
            "code": "mira15", "customer_id": "cust-9", "landing_url": "/p?utm_content=mira&isc=k7Hq2"}
    r = httpx.post(server.base + "/api/v1/track/sale", json=sale, headers=h)
    assert r.status_code == 201 and r.json() == {"invoice_id": "INV-1001", "status": "created"}
    r = httpx.post(server.base + "/api/v1/track/sale", json=dict(sale, amount=1), headers=h)
    assert r.status_code == 200 and r.json()["status"] == "duplicate"
    (o,) = rows(server.engine, t.orders, t.orders.c.key == "INV-1001")
    assert o.source == "api" and o.currency == "TWD" and o.subtotal == Decimal("129.90")
    assert o.tax == Decimal("6.50") and o.total == Decimal("136.40") and o.discount_codes == "MIRA15"
    assert o.click_id == "k7Hq2" and o.workspace_id == server.ws and o.new_customer is True
    yen = httpx.post(server.base + "/api/v1/track/sale", headers=h,
                     json={"invoice_id": "INV-JP-1", "amount": 5000, "currency": "JPY", "customer_id": "cust-9"})
    assert yen.status_code == 201
    (j,) = rows(server.engine, t.orders, t.orders.c.key == "INV-JP-1")
    assert j.subtotal == Decimal("5000") and j.new_customer is False  # cust-9 bought before


def test_auth_and_validation(server):
    sale = {"invoice_id": "INV-2", "amount": 100, "currency": "USD"}
    assert httpx.post(server.base + "/api/v1/track/sale", json=sale).status_code == 401
    r = httpx.post(server.base + "/api/v1/track/sale", json=sale,
                   headers={"Authorization": f"Bearer {server.read_key}"})
    assert r.status_code == 403
    h = {"Authorization": f"Bearer {server.write_key}"}
    assert httpx.post(server.base + "/api/v1/track/sale", json=dict(sale, amount=1.5), headers=h).status_code == 422
    assert httpx.post(server.base + "/api/v1/track/sale", json=dict(sale, currency="dollars"), headers=h).status_code == 422
    assert httpx.post(server.base + "/api/v1/track/lead", json={"lead_id": "L", "type": "party"}, headers=h).status_code == 422
    assert rows(server.engine, t.orders, t.orders.c.key == "INV-2") == []


def test_leads_are_idempotent_and_scoped_to_the_key_workspace(server):
    h = {"Authorization": f"Bearer {server.write_key}"}
    lead = {"lead_id": "signup-u42", "type": "signup", "landing_url": "/join?utm_content=mira&isc=Zx9"}
    assert httpx.post(server.base + "/api/v1/track/lead", json=lead, headers=h).status_code == 201
    assert httpx.post(server.base + "/api/v1/track/lead", json=lead, headers=h).status_code == 200
    other = {"Authorization": f"Bearer {server.other_key}"}
    assert httpx.post(server.base + "/api/v1/track/lead", json=lead, headers=other).status_code == 201
    found = rows(server.engine, t.leads, t.leads.c.key == "signup-u42")
    assert len(found) == 2 and {r.workspace_id for r in found} == {server.ws, server.other_ws}
    mine = [r for r in found if r.workspace_id == server.ws][0]
    assert mine.type == "signup" and mine.click_id == "Zx9" and mine.utm_content == "mira"


@pytest.mark.browser
def test_snippet_keeps_the_click_id_and_reports_a_lead_from_chromium(server, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    assert httpx.get(server.base + "/t/influscope-track.js").headers["content-type"].startswith("application/javascript")
    # The shop: another origin serving a page that loads the snippet from influscope.
    (tmp_path / "landing.html").write_text(
        '<!doctype html><html><body><form><input type="hidden" name="isc"></form>'
        f'<script src="{server.base}/t/influscope-track.js" data-source="acme-site"></script></body></html>')
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **k)  # noqa: E731
    shop = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=shop.serve_forever, daemon=True).start()
    shop_url = f"http://127.0.0.1:{shop.server_address[1]}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(shop_url + "/landing.html?utm_source=instagram&utm_content=mira&isc=Ab3dE")
            page.wait_for_function("window.influscope !== undefined")
            assert page.evaluate("influscope.clickId()") == "Ab3dE"
            assert page.eval_on_selector('input[name="isc"]', "e => e.value") == "Ab3dE"
            # A later page view without the parameter still knows the click (first-party cookie).
            page.goto(shop_url + "/landing.html")
            page.wait_for_function("window.influscope !== undefined")
            assert page.evaluate("influscope.clickId()") == "Ab3dE"
            assert "isc=Ab3dE" in page.evaluate("document.cookie")
            page.evaluate("influscope.lead('newsletter', {lead_id: 'nl-77'})")
            page.evaluate("influscope.sale({invoice_id: 'WEB-1', amount: 4500, currency: 'EUR'})")
            deadline = time.time() + 30  # beacons are sent asynchronously, in any order
            while time.time() < deadline and not (rows(server.engine, t.orders, t.orders.c.key == "WEB-1")
                                                  and rows(server.engine, t.leads, t.leads.c.key == "nl-77")):
                time.sleep(0.1)
            browser.close()
    finally:
        shop.shutdown()
    found = rows(server.engine, t.leads, t.leads.c.key == "nl-77"), rows(server.engine, t.orders, t.orders.c.key == "WEB-1")
    assert all(found), f"a beacon was not stored; the server said:\n{server.log()}"
    (lead,) = found[0]
    assert lead.type == "newsletter" and lead.click_id == "Ab3dE" and lead.utm_content == "mira"
    (sale,) = found[1]
    assert sale.source == "acme-site" and sale.subtotal == Decimal("45.00") and sale.click_id == "Ab3dE"
    # Unknown web sources are refused.
    assert httpx.post(server.base + "/t/nobody/lead", content=b'{"lead_id":"x"}').status_code == 404


def test_stores_are_configured_through_the_api_too(server):
    from influscope.ingest.commerce.signatures import sign_base64_hmac

    h = {"Authorization": f"Bearer {server.write_key}"}
    body = {"kind": "shopify", "name": "api-shop", "secret": "shpss_via_api_1"}
    r = httpx.post(server.base + "/api/v1/stores", json=body, headers=h)
    assert r.status_code == 201 and r.json()["webhook_path"] == "/hooks/shopify/api-shop"
    assert r.json()["secret"] == "database" and "shpss" not in r.text
    assert httpx.post(server.base + "/api/v1/stores", json=body, headers=h).status_code == 409
    assert httpx.post(server.base + "/api/v1/stores", json=dict(body, name="x", secret=None), headers=h).status_code == 422
    assert httpx.post(server.base + "/api/v1/stores", json=body,
                      headers={"Authorization": f"Bearer {server.read_key}"}).status_code == 403
    listed = httpx.get(server.base + "/api/v1/stores", headers=h).json()
    assert {"api-shop", "acme-hk", "acme-site"} <= {s["name"] for s in listed}
    assert "shpss" not in str(listed)
    # The other workspace sees none of them.
    assert httpx.get(server.base + "/api/v1/stores", headers={"Authorization": f"Bearer {server.other_key}"}).json() == []
    # Deliveries signed with the new secret are accepted at once.
    raw = b'{"id": 1}'
    r = httpx.post(server.base + "/hooks/shopify/api-shop", content=raw, headers={
        "X-Shopify-Hmac-Sha256": sign_base64_hmac(raw, "shpss_via_api_1"), "X-Shopify-Topic": "products/update",
        "X-Shopify-Webhook-Id": "api-1"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert httpx.delete(server.base + "/api/v1/stores/api-shop",
                        headers={"Authorization": f"Bearer {server.other_key}"}).status_code == 404
    assert httpx.delete(server.base + "/api/v1/stores/api-shop", headers=h).status_code == 204


def test_beacons_are_limited_per_client_and_source():
    from influscope.web.api.track import _Window

    w = _Window()
    assert [w.allow(("198.51.100.7", "acme-site"), 3) for _ in range(4)] == [True, True, True, False]
    assert w.allow(("198.51.100.8", "acme-site"), 3) and w.allow(("198.51.100.7", "other-site"), 3)


def test_amounts_beyond_what_the_store_holds_are_refused_not_500(server):
    """10^15 yen is 10^19 ten-thousandths: more than a 64-bit integer; the API says so with a 422."""
    h = {"Authorization": f"Bearer {server.write_key}"}
    for sale in ({"invoice_id": "INV-BIG-1", "amount": 10**15, "currency": "JPY"},
                 {"invoice_id": "INV-BIG-2", "amount": 100, "currency": "JPY", "tax": 10**15}):
        r = httpx.post(server.base + "/api/v1/track/sale", json=sale, headers=h)
        assert r.status_code == 422 and "too large" in r.json()["message"], r.text
        assert rows(server.engine, t.orders, t.orders.c.key == sale["invoice_id"]) == []
    lead = httpx.post(server.base + "/api/v1/track/lead", headers=h,
                      json={"lead_id": "L-BIG", "type": "signup", "value": 10**15, "currency": "JPY"})
    assert lead.status_code == 422 and "too large" in lead.json()["message"], lead.text


def test_negative_amounts_and_sums_beyond_the_store_are_refused(server):
    """A sale's amounts are never negative (a refund is not reported as a negative sale), and a total
    (amount + tax + shipping) beyond what the store holds is refused even when each part fits."""
    h = {"Authorization": f"Bearer {server.write_key}"}
    cases = [({"invoice_id": "INV-NEG-1", "amount": -500, "currency": "USD"}, "amount"),
             ({"invoice_id": "INV-NEG-2", "amount": 500, "tax": -50, "currency": "USD"}, "tax"),
             ({"invoice_id": "INV-NEG-3", "amount": 500, "discount": -50, "currency": "USD"}, "discount"),
             ({"invoice_id": "INV-SUM-1", "amount": 99_999_999_999_900, "tax": 99_999_999_999_900,
               "currency": "USD"}, "total: too large")]
    for sale, why in cases:
        r = httpx.post(server.base + "/api/v1/track/sale", json=sale, headers=h)
        assert r.status_code == 422 and why in r.json()["message"], r.text
        assert rows(server.engine, t.orders, t.orders.c.key == sale["invoice_id"]) == []
    lead = httpx.post(server.base + "/api/v1/track/lead", headers=h,
                      json={"lead_id": "L-NEG", "type": "signup", "value": -100, "currency": "USD"})
    assert lead.status_code == 422 and "value" in lead.json()["message"]
    assert "greater than or equal to 0" in lead.json()["message"] or "negative" in lead.json()["message"]
    assert rows(server.engine, t.leads, t.leads.c.key == "L-NEG") == []


def test_lead_and_sale_text_follows_the_rules_of_the_bundle(server):
    """Ids without line breaks or direction controls, text without control characters: as in leads.csv
    and orders.csv."""
    h = {"Authorization": f"Bearer {server.write_key}"}
    for lead, field in (({"lead_id": "L-T1", "type": "signup", "code": "MIRA\n15"}, "code"),
                        ({"lead_id": "L-T2", "type": "signup", "code": "\u202eMIRA"}, "code"),
                        ({"lead_id": "L-T3", "type": "signup", "landing_url": "/join?\x01"}, "landing_url")):
        r = httpx.post(server.base + "/api/v1/track/lead", json=lead, headers=h)
        assert r.status_code == 422 and field in r.json()["message"], r.text
        assert rows(server.engine, t.leads, t.leads.c.key == lead["lead_id"]) == []
    sale = {"invoice_id": "INV-T1", "amount": 100, "currency": "USD", "customer_id": "cust\u202e9"}
    r = httpx.post(server.base + "/api/v1/track/sale", json=sale, headers=h)
    assert r.status_code == 422 and "customer_id" in r.json()["message"], r.text
    ok = httpx.post(server.base + "/api/v1/track/lead", headers=h,
                    json={"lead_id": "L-T4", "type": "signup", "code": "春季15", "utm_content": "美食家小王"})
    assert ok.status_code == 201, ok.text
