"""What the importer accepts, every API route and dashboard page can show (no 500).

Records are drawn from the edges of the shared rules (influscope.ingest.rules): the longest keys
and names, handles in any script where the platform allows it, the largest counts and amounts,
right-to-left and formula-like text. Each drawn bundle must import (a refusal means the strategy
and the rules disagree) and then every GET route of the API and every page is read.
"""

from __future__ import annotations

import json
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from influscope.db import tables as t
from influscope.ingest import rules
from influscope.ingest.canonical import import_bundle
from tests.web.api.test_route_roles import api_routes

SKIP_PATHS = ("/hooks/", "/t/", "/l/", "/lang/", "/share/", "/api/v1/shared/")
SLOW = ("/report.pdf", "/report.xlsx", "/report-csv.zip")  # rendered by the reports tests
TEXT = st.sampled_from(["\u202egnp.exe", "<script>alert(1)</script>", "=HYPERLINK(\"x\")", "美食家小王 🍜",
                        "مرحبا بالعالم", "a" * rules.MAX_NAME, "&lt;b&gt;", "O'Brien \"Ace\""])
KEY = st.sampled_from(["k" * rules.MAX_KEY, "美食-1", "a.b_c-d", "١٢٣", "K\u00e9y"])
COUNT = st.sampled_from([0, 1, rules.MAX_COUNT, 2**49 + 1])
MONEY = st.sampled_from([Decimal(0), Decimal("0.0001"), rules.MAX_MONEY, Decimal("123456789.1234")])
HANDLES = {"instagram": st.sampled_from(["a" * rules.MAX_HANDLE, "mei.eats", "_-."]),
           "weibo": st.sampled_from(["美食家小王", "ア" * rules.MAX_HANDLE, "ñandú_1"]),
           "youtube": st.sampled_from(["مطبخ", "Кухня", "x"]),
           "bilibili": st.sampled_from(["up主", "b" * 64])}


def _yaml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string


def _cell(value) -> str:
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return '"' + text.replace('"', '""') + '"'


@st.composite
def accepted_bundles(draw, n: int) -> dict[str, str]:
    platform = draw(st.sampled_from(sorted(HANDLES)))
    creator = draw(KEY)
    handle = draw(HANDLES[platform])
    name, caption, note = draw(TEXT), draw(TEXT), draw(TEXT)
    followers, likes, units = draw(COUNT), draw(COUNT), draw(COUNT)
    amount, subtotal = draw(MONEY), draw(MONEY)
    slug = f"edge-{n}"

    def rows(*cells):
        return ",".join(_cell(c) for c in cells)

    return {
        "campaign.yaml": f"id: {slug}\nname: {_yaml(name)}\nbrand: {_yaml(note)}\ngoal: bofu\nstart: 2026-03-01\n"
                         f"end: 2026-03-31\ntimezone: Asia/Taipei\ncurrency: TWD\nbudget: {format(amount, 'f')}\n",
        "creators.csv": "creator_id,platform,handle,name,followers\n" + rows(creator, platform, handle, name, followers),
        "posts.csv": "post_id,creator_id,platform,url,caption,as_of,likes\n" + rows(
            f"{slug}-p", creator, platform, "https://example.com/p?a=<b>", caption, "2026-03-05T00:00:00Z", likes),
        "costs.csv": "cost_id,creator_id,kind,amount,currency,incurred_on,note\n" + rows(
            f"{slug}-c", creator, "fee", amount, "TWD", "2026-03-02", note),
        "codes.csv": "code,creator_id,kind\n" + rows(f"E{n}CODE", creator, "affiliate"),
        "links.csv": "link_id,creator_id,platform,destination_url,post_id\n" + rows(
            f"{slug}-l", creator, platform, "https://例子.测试/路径?q=咖啡&x=<b>", f"{slug}-p"),
        "orders.csv": "order_id,created_at,currency,subtotal,discount_codes,units,customer_id\n" + rows(
            f"{slug}-o", "2026-03-05T10:00:00Z", "TWD", subtotal, f"E{n}CODE", units, draw(KEY)),
    }


def _fill(path: str, ids: dict) -> str | None:
    out = path
    for param in re.findall(r"\{([^}]+)\}", path):
        if param == "slug" and path.startswith("/links/"):
            value = ids["link_slug"]
        elif param == "slug":
            value = ids["campaign_slug"]
        elif param == "key":
            value = ids["creator_key"]
        elif param == "fmt":
            value = "svg"
        elif param in ids:
            value = ids[param]
        else:
            return None
        out = out.replace("{" + param + "}", str(value))
    return out


_counter = iter(range(10**6))


@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_every_route_and_page_shows_what_the_importer_accepted(env, data):
    n = next(_counter)
    files = data.draw(accepted_bundles(n))
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        import_bundle(env.engine, tmp, workspace="acme")  # must not raise: these values are all accepted
    slug = f"edge-{n}"
    with env.engine.connect() as conn:
        camp = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.slug == slug)).scalar_one()
        ids = {"campaign_id": camp, "campaign_slug": slug, "link_slug": f"{slug}-l",
               "post_id": conn.execute(sa.select(t.posts.c.id).where(t.posts.c.key == f"{slug}-p")).scalar_one(),
               "cost_id": conn.execute(sa.select(t.costs.c.id).where(t.costs.c.key == f"{slug}-c")).scalar_one(),
               "code_id": conn.execute(sa.select(t.codes.c.id).where(t.codes.c.code == f"E{n}CODE")).scalar_one(),
               "link_id": conn.execute(sa.select(t.links.c.id).where(t.links.c.key == f"{slug}-l")).scalar_one()}
        creator_id = conn.execute(sa.select(t.campaign_creators.c.creator_id)
                                  .where(t.campaign_creators.c.campaign_id == camp)).scalar_one()
        ids["creator_id"] = creator_id
        ids["creator_key"] = conn.execute(sa.select(t.creators.c.key).where(t.creators.c.id == creator_id)).scalar_one()
    ids.update({k: v for k, v in env.objects["acme"].items() if k not in ids})
    client = env.client("owner")
    failures = []
    seen = set()
    for method, route in api_routes(env.app):
        if method != "GET" or route.path.startswith(SKIP_PATHS) or route.path.endswith(SLOW):
            continue
        path = _fill(route.path, ids)
        if path is None or path in seen:
            continue
        seen.add(path)
        query = "?limit=1000" if path.startswith("/api/v1/") and path.rstrip("s") != path and "{" not in route.path \
            else ""
        resp = client.get(path + query, follow_redirects=False)
        if resp.status_code == 422 and query:
            resp = client.get(path, follow_redirects=False)
        if resp.status_code >= 500:
            failures.append(f"GET {path}: {resp.status_code} {resp.text[:200]}")
    for page in ("/", "/campaigns/" + slug, "/creators", "/links", "/settings", "/imports"):
        resp = client.get(page, follow_redirects=False)
        if resp.status_code >= 500:
            failures.append(f"GET {page}: {resp.status_code} {resp.text[:200]}")
    assert len(seen) >= 20
    assert failures == [], "\n".join(failures)
