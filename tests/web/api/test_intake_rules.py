"""One set of rules at every door, checked through a real ``influscope serve`` process on 127.0.0.1:
the bundle upload, the REST API and the redirect agree on what is accepted, nothing malformed
answers 500, and a hostile upload neither stalls the server nor writes anything."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import sqlalchemy as sa

from influscope.auth import keys
from influscope.auth.users import create_user
from influscope.db import tables as t
from influscope.db.engine import get_engine
from tests.support.server import running_server

ENV = {"INFLUSCOPE_API_RATE": "100000", "INFLUSCOPE_ARGON2_MEMORY_KIB": "8192", "INFLUSCOPE_ARGON2_TIME_COST": "1"}
CAMPAIGN = """id: {slug}
name: Door test
goal: bofu
start: 2026-03-01
end: 2026-03-31
timezone: Asia/Taipei
currency: TWD
"""


def alias_bomb() -> bytes:
    """Nine levels of nine aliases: about 1 KB that expands to 9**9 strings when walked."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('doors') / 'influscope.db'}"
    engine = get_engine(url)
    with pytest.MonkeyPatch.context() as mp:
        for k, v in ENV.items():
            mp.setenv(k, v)
        create_user(engine, "ann@acme.example", "correct horse battery", workspace="acme")
        create_user(engine, "gil@globex.example", "correct horse battery", workspace="globex")
    with engine.connect() as conn:
        ws = dict(conn.execute(sa.select(t.workspaces.c.slug, t.workspaces.c.id)).all())
    key = keys.create_key(engine, ws["acme"], scopes="read write", can_see_costs=True).key
    other = keys.create_key(engine, ws["globex"], scopes="read write", can_see_costs=True).key
    with running_server(url, env=ENV) as (base, _proc):
        yield {"base": base, "key": key, "other": other, "engine": engine}
    engine.dispose()


def _upload(srv, files: dict[str, bytes | str], key: str | None = None) -> httpx.Response:
    return httpx.post(srv["base"] + "/api/v1/imports", headers={"Authorization": f"Bearer {key or srv['key']}"},
                      files=[("files", (n, d.encode() if isinstance(d, str) else d)) for n, d in files.items()],
                      timeout=120)


def _api(srv, method: str, path: str, key: str | None = None, **kw) -> httpx.Response:
    return httpx.request(method, srv["base"] + path, headers={"Authorization": f"Bearer {key or srv['key']}"},
                         timeout=30, **kw)


def _located(resp: httpx.Response) -> list[tuple[str, int, str]]:
    return [(e["file"], e["line"], e["column"]) for e in resp.json()["errors"]]


def _dump(engine, *, but: tuple[str, ...] = ()) -> list[str]:
    """The whole database as SQL text (without the rows of tables BUT): equal dumps mean nothing was written."""
    skip = tuple(f'INSERT INTO "{name}"' for name in but)
    with engine.connect() as conn:
        return [line for line in conn.connection.driver_connection.iterdump()
                if not skip or not line.startswith(skip)]


def _site(server) -> None:
    """The campaign "bomb-site" that the link tests use (made once, whichever test runs first)."""
    made = _api(server, "POST", "/api/v1/campaigns", json={
        "slug": "bomb-site", "name": "B", "goal": "bofu", "start": "2026-03-01", "end": "2026-03-31",
        "currency": "TWD"})
    assert made.status_code in (201, 409), made.text


def test_alias_bomb_is_refused_at_once_and_the_redirect_keeps_answering(server):
    _site(server)
    link = _api(server, "POST", "/api/v1/links", json={"campaign": "bomb-site", "platform": "instagram",
                                                       "destination": "https://shop.example.com/"})
    assert link.status_code == 201, link.text
    slug = link.json()["slug"]
    bomb = alias_bomb()
    assert len(bomb) < 1200
    before = _dump(server["engine"], but=("clicks", "click_days", "tracking_salts"))  # the redirects below record their clicks
    answers: list[tuple[int, float]] = []
    uploading = threading.Event()

    def redirects():
        uploading.wait()
        for _ in range(20):
            t0 = time.perf_counter()
            r = httpx.get(f"{server['base']}/l/{slug}", follow_redirects=False, timeout=10)
            answers.append((r.status_code, time.perf_counter() - t0))

    walker = threading.Thread(target=redirects)
    walker.start()
    uploading.set()
    t0 = time.perf_counter()
    results = [_upload(server, {"campaign.yaml": bomb}) for _ in range(5)]
    elapsed = (time.perf_counter() - t0) / 5
    walker.join(30)
    for resp in results:
        assert resp.status_code == 422
        err = resp.json()["errors"][0]
        assert err["file"] == "campaign.yaml" and err["line"] == 1 and "aliases" in err["message"]
    assert elapsed < 10  # was 82 s; the 1 s goal is measured in bench/, not asserted here
    assert len(answers) == 20 and all(code == 302 for code, _ in answers)
    after = _dump(server["engine"], but=("clicks", "click_days", "tracking_salts"))
    assert set(after) ^ set(before) == set() and after == before


def test_bundle_links_obey_the_destination_rule_of_the_api(server):
    _site(server)
    camp = CAMPAIGN.format(slug="imp-js")
    bad = {"javascript:alert(1)": "must be an absolute http(s) URL",
           "http://127.0.0.1:8080/admin": "loopback, private or reserved",
           "https://10.1.2.3/": "loopback, private or reserved",
           "https://user:pass@shop.example.com/": "user name or password",
           "https://evil.example\\@shop.example.com/": "backslash",
           "http://localhost/": "local host name"}
    for i, (url, why) in enumerate(bad.items()):
        resp = _upload(server, {"campaign.yaml": camp, "links.csv": f"link_id,destination_url\nimp-js{i},{url}\n"})
        assert resp.status_code == 422, url
        assert _located(resp) == [("links.csv", 2, "destination_url")]
        assert why in resp.json()["errors"][0]["message"]
        assert httpx.get(f"{server['base']}/l/acme/imp-js{i}", follow_redirects=False).status_code == 404
        api = _api(server, "POST", "/api/v1/links", json={"campaign": "bomb-site", "platform": "instagram",
                                                          "destination": url})
        assert api.status_code == 422 and why in api.text, url
    ok = _upload(server, {"campaign.yaml": camp, "links.csv": "link_id,destination_url\nimp-ok,https://shop.example.com/a\n"})
    assert ok.status_code == 201, ok.text
    loc = httpx.get(f"{server['base']}/l/acme/imp-ok", follow_redirects=False).headers["location"]
    assert loc.startswith("https://shop.example.com/a?")


def test_cjk_handles_import_and_every_route_shows_them(server):
    camp = CAMPAIGN.format(slug="cjk")
    creators = ("creator_id,platform,handle,name,followers\nwang,weibo,美食家小王,小王,1000\n"
                "wang,xiaohongshu,@美食家小王,小王,2000\n")
    resp = _upload(server, {"campaign.yaml": camp, "creators.csv": creators})
    assert resp.status_code == 201, resp.text
    listing = _api(server, "GET", "/api/v1/creators?limit=1000")
    assert listing.status_code == 200
    wang = next(c for c in listing.json() if c["key"] == "wang")
    assert {a["handle"] for a in wang["accounts"]} == {"美食家小王"}
    assert _api(server, "GET", f"/api/v1/creators/{wang['id']}").status_code == 200
    # the REST API accepts what the importer accepts, and refuses what it refuses
    made = _api(server, "POST", "/api/v1/creators", json={"key": "li", "accounts": [
        {"platform": "bilibili", "handle": "美食家小李"}]})
    assert made.status_code == 201, made.text
    for door in ("api", "bundle"):
        if door == "api":
            r = _api(server, "POST", "/api/v1/creators", json={"key": "zh", "accounts": [
                {"platform": "instagram", "handle": "美食家"}]})
        else:
            r = _upload(server, {"campaign.yaml": camp,
                                 "creators.csv": "creator_id,platform,handle\nzh,instagram,美食家\n"})
            assert _located(r) == [("creators.csv", 2, "handle")]
        assert r.status_code == 422 and "not a instagram handle" in r.text


def test_out_of_range_numbers_and_oversized_cells_are_located_errors(server):
    camp = CAMPAIGN.format(slug="numbers")
    before = _dump(server["engine"])
    creators = ("creator_id,platform,handle,followers\n"
                f"a,instagram,a.a,{'9' * 40}\n"
                "b,instagram,b.b,9223372036854775808\n"
                "c,instagram,c.c,-1\n")
    costs = f"cost_id,kind,amount,currency,incurred_on\nfee,fee,{'9' * 200},TWD,2026-03-01\n"
    big = "x" * (100 * 1024)
    comments = f"comment_id,post_id,text\nc1,p1,{big}\n"
    resp = _upload(server, {"campaign.yaml": camp, "creators.csv": creators, "costs.csv": costs,
                            "comments.csv": comments})
    assert resp.status_code == 422, resp.text[:500]
    where = _located(resp)
    for loc in (("creators.csv", 2, "followers"), ("creators.csv", 3, "followers"), ("creators.csv", 4, "followers"),
                ("costs.csv", 2, "amount"), ("comments.csv", 2, "-")):
        assert loc in where, (loc, where)
    assert "Traceback" not in resp.text and "OverflowError" not in resp.text
    budget = _upload(server, {"campaign.yaml": camp + f"budget: {'9' * 200}\n"})
    assert budget.status_code == 422 and _located(budget) == [("campaign.yaml", 8, "budget")]
    assert _dump(server["engine"]) == before


def test_strict_csv_quoting_and_nul_bytes(server):
    camp = CAMPAIGN.format(slug="quotes")
    unclosed = _upload(server, {"campaign.yaml": camp, "creators.csv": 'creator_id,platform,handle,name\na,x,a,"Ann\n'})
    assert unclosed.status_code == 422 and _located(unclosed) == [("creators.csv", 2, "-")]
    assert "not closed" in unclosed.json()["errors"][0]["message"]
    nul = _upload(server, {"campaign.yaml": camp, "creators.csv": "creator_id,platform,handle,name\na,x,a,An\x00n\n"})
    assert nul.status_code == 422 and _located(nul) == [("creators.csv", 2, "name")]
    assert "NUL" in nul.json()["errors"][0]["message"]


def test_cell_and_reference_problems_come_in_one_pass(server):
    camp = CAMPAIGN.format(slug="one-pass")
    creators = "creator_id,platform,handle\nmei,instagram,mei\n"
    posts = ("post_id,creator_id,platform,as_of,posted_at,likes\n"
             "p1,mei,instagram,2026-03-05T00:00:00Z,yesterday,10\n"
             "p2,mei,instagram,2026-03-05T00:00:00Z,2026-03-03T10:00:00Z,lots\n"
             "p3,nobody,instagram,2026-03-05T00:00:00Z,2026-03-03T10:00:00Z,1\n")
    resp = _upload(server, {"campaign.yaml": camp, "creators.csv": creators, "posts.csv": posts})
    assert resp.status_code == 422
    assert _located(resp) == [("posts.csv", 2, "posted_at"), ("posts.csv", 3, "likes"), ("posts.csv", 4, "creator_id")]


def test_slugs_say_nothing_about_another_workspace(server):
    """Chosen slugs live under the workspace id, so another workspace's words are neither refused nor
    reachable; generated ones are random tokens. The same at the bundle upload, the API and the QR code."""
    camp = CAMPAIGN.format(slug="rival-secret-launch")
    mine = _upload(server, {"campaign.yaml": camp, "links.csv": "link_id,destination_url\nshared-slug,https://a.example.com/\n"})
    assert mine.status_code == 201, mine.text
    # the other workspace gets exactly what it would get if nobody held the words
    theirs = _upload(server, {"campaign.yaml": CAMPAIGN.format(slug="x"),
                              "links.csv": "link_id,destination_url\nshared-slug,https://b.example.com/\n"},
                     key=server["other"])
    assert theirs.status_code == 201, theirs.text
    fresh = _upload(server, {"campaign.yaml": CAMPAIGN.format(slug="x"),
                             "links.csv": "link_id,destination_url\nnobody-has-it,https://b.example.com/\n"},
                    key=server["other"])
    assert fresh.status_code == 201
    api = _api(server, "POST", "/api/v1/links", key=server["other"], json={
        "campaign": "x", "platform": "instagram", "destination": "https://b.example.com/", "slug": "api-shared"})
    assert api.status_code == 201 and api.json()["short_url"].endswith("/l/globex/api-shared")
    assert _api(server, "POST", "/api/v1/links", json={
        "campaign": "rival-secret-launch", "platform": "instagram", "destination": "https://a.example.com/",
        "slug": "api-shared"}).status_code == 201
    # the redirect: each workspace's link under its own id, with its own campaign
    a = httpx.get(f"{server['base']}/l/acme/shared-slug", follow_redirects=False)
    b = httpx.get(f"{server['base']}/l/globex/shared-slug", follow_redirects=False)
    assert a.status_code == b.status_code == 302
    assert "utm_campaign=rival-secret-launch" in a.headers["location"] and "rival" not in b.headers["location"]
    assert httpx.get(f"{server['base']}/l/shared-slug", follow_redirects=False).status_code == 404
    # a conflict names only the caller's own workspace
    again = _api(server, "POST", "/api/v1/links", key=server["other"], json={
        "campaign": "x", "platform": "instagram", "destination": "https://b.example.com/", "slug": "shared-slug"})
    assert again.status_code == 422 and "this workspace" in again.text and "rival" not in again.text
    # each workspace reads its own link by the slug; the QR code carries its own short URL
    got = _api(server, "GET", "/api/v1/links/shared-slug", key=server["other"]).json()
    assert got["campaign"] == "x" and got["short_url"].endswith("/l/globex/shared-slug")
    qr = _api(server, "GET", "/api/v1/links/shared-slug/qr.svg", key=server["other"])
    assert qr.status_code == 200 and b"/l/globex/shared-slug" in qr.content
    # a generated slug: 12 random characters at the root
    gen = _api(server, "POST", "/api/v1/links", key=server["other"], json={
        "campaign": "x", "platform": "instagram", "destination": "https://b.example.com/"}).json()
    assert len(gen["slug"]) == 12 and gen["short_url"].endswith(f"/l/{gen['slug']}")
    assert httpx.get(f"{server['base']}/l/{gen['slug']}", follow_redirects=False).status_code == 302


def test_names_are_isolated_and_direction_controls_dropped_in_titles_and_headings(server):
    camp = CAMPAIGN.format(slug="bidi").replace("name: Door test", 'name: "\\u202egnp.exe <b>"')
    creators = 'creator_id,platform,handle,name\nrtl,weibo,rtl,"\u202eevil"\n'
    assert _upload(server, {"campaign.yaml": camp, "creators.csv": creators}).status_code == 201
    page = _api(server, "GET", "/campaigns/bidi?compare=none")
    assert page.status_code == 200
    assert "\u202e" not in page.text
    assert "<title>\u2068gnp.exe &lt;b&gt;\u2069 · influscope</title>" in page.text
    assert "<h1><bdi>gnp.exe &lt;b&gt;</bdi></h1>" in page.text
    creator = _api(server, "GET", "/creators/rtl")
    assert creator.status_code == 200 and "<h1><bdi>evil</bdi></h1>" in creator.text and "\u202e" not in creator.text


def _login_client(base: str, source: str) -> tuple[httpx.Client, dict]:
    import re

    client = httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address=source))
    page = client.get("/login")
    token = re.search(r"""name=["']csrf_token["'] value=["']([^"']+)""", page.text).group(1)
    return client, {"email": "gil@globex.example", "csrf_token": token}


def test_failed_logins_from_one_client_do_not_lock_the_owner_out(server):
    attacker, form = _login_client(server["base"], "127.0.0.2")
    try:
        codes = [attacker.post("/login", data={**form, "password": f"guess {i}"}).status_code for i in range(10)]
        assert codes == [401] * 10
        locked = attacker.post("/login", data={**form, "password": "correct horse battery"})
        assert locked.status_code == 429
    finally:
        attacker.close()
    owner, form = _login_client(server["base"], "127.0.0.1")
    try:
        resp = owner.post("/login", data={**form, "password": "correct horse battery"}, follow_redirects=False)
        assert resp.status_code == 303  # the owner, from their own client, is let in
    finally:
        owner.close()


def test_a_workspace_allow_list_of_destination_hosts_holds_at_every_door(server):
    import subprocess
    import sys

    url = str(server["engine"].url)

    def hosts(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "influscope.cli", "--db", url, "--workspace", "acme", "links",
                               "hosts", *args], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    _site(server)
    assert hosts() == "any public host (no allow-list)"
    assert hosts("shop.example.com") == "shop.example.com"
    try:
        camp = CAMPAIGN.format(slug="allow")
        refused = _upload(server, {"campaign.yaml": camp,
                                   "links.csv": "link_id,destination_url\nallow-1,https://elsewhere.example/\n"})
        assert refused.status_code == 422 and _located(refused) == [("links.csv", 2, "destination_url")]
        assert "not one of this workspace's destination hosts" in refused.text
        api = _api(server, "POST", "/api/v1/links", json={"campaign": "bomb-site", "platform": "instagram",
                                                          "destination": "https://elsewhere.example/"})
        assert api.status_code == 422 and "destination hosts" in api.text
        ok = _upload(server, {"campaign.yaml": camp,
                              "links.csv": "link_id,destination_url\nallow-2,https://eu.shop.example.com/x\n"})
        assert ok.status_code == 201, ok.text
        # another workspace's links are not bound by this list
        other = _api(server, "POST", "/api/v1/campaigns", key=server["other"], json={
            "slug": "free", "name": "F", "goal": "bofu", "start": "2026-03-01", "end": "2026-03-31", "currency": "TWD"})
        assert other.status_code == 201
        free = _api(server, "POST", "/api/v1/links", key=server["other"], json={
            "campaign": "free", "platform": "instagram", "destination": "https://elsewhere.example/"})
        assert free.status_code == 201, free.text
    finally:
        assert hosts("--clear") == "any public host (no allow-list)"


def test_a_destination_stored_before_the_rule_is_not_served(server):
    _site(server)
    engine = server["engine"]
    with engine.begin() as conn:
        ws, camp = conn.execute(sa.select(t.campaigns.c.workspace_id, t.campaigns.c.id)
                                .where(t.campaigns.c.slug == "bomb-site")).one()
        for slug, url in (("old-js", "javascript:alert(1)"), ("old-local", "http://127.0.0.1:8080/admin"),
                          ("old-ok", "https://shop.example.com/ok")):
            conn.execute(t.links.insert().values(workspace_id=ws, campaign_id=camp, slug=slug, platform="instagram",
                                                 destination_url=url, paid=False))
    assert httpx.get(f"{server['base']}/l/old-js", follow_redirects=False).status_code == 404
    assert httpx.get(f"{server['base']}/l/old-local", follow_redirects=False).status_code == 404
    ok = httpx.get(f"{server['base']}/l/old-ok", follow_redirects=False)
    assert ok.status_code == 302 and ok.headers["location"].startswith("https://shop.example.com/ok?")


def test_promo_codes_follow_one_rule_at_every_door(server):
    with server["engine"].connect() as conn:
        camp = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.slug == "cjk")).scalar()
    if camp is None:
        assert _upload(server, {"campaign.yaml": CAMPAIGN.format(slug="cjk")}).status_code == 201
        with server["engine"].connect() as conn:
            camp = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.slug == "cjk")).scalar()
    for bad in ("A B", "x;y", "a" * 65):
        api = _api(server, "POST", "/api/v1/codes", json={"code": bad, "campaign_id": camp, "kind": "sitewide"})
        assert api.status_code == 422, bad
        bundle = _upload(server, {"campaign.yaml": CAMPAIGN.format(slug="cjk"),
                                  "codes.csv": f'code,kind\n"{bad}",sitewide\n'})
        assert bundle.status_code == 422 and _located(bundle) == [("codes.csv", 2, "code")], bad
    made = _api(server, "POST", "/api/v1/codes", json={"code": "春季15", "campaign_id": camp, "kind": "sitewide"})
    assert made.status_code == 201 and made.json()["code"] == "春季15"
    ok = _upload(server, {"campaign.yaml": CAMPAIGN.format(slug="cjk"), "codes.csv": "code,kind\nspring_10,sitewide\n"})
    assert ok.status_code == 201, ok.text
    # the command line's `codes import` takes and refuses the same codes
    import subprocess
    import sys
    import tempfile

    def cli_import(text: str) -> subprocess.CompletedProcess:
        with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", delete=False) as fh:
            fh.write(text)
        return subprocess.run([sys.executable, "-m", "influscope.cli", "--db", str(server["engine"].url),
                               "--workspace", "acme", "codes", "import", "cjk", fh.name],
                              capture_output=True, text=True, timeout=120, check=False)

    for bad in ("A B", "x;y", "a" * 65):
        done = cli_import(f'code,kind\n"{bad}",sitewide\n')
        assert done.returncode == 1 and ": line 2: code:" in done.stderr and "Traceback" not in done.stderr, bad
    done = cli_import("code,kind\n夏季20,sitewide\n")
    assert done.returncode == 0, done.stderr
    assert _api(server, "GET", f"/api/v1/codes?campaign_id={camp}").status_code == 200


def _session(server, email: str, source: str) -> httpx.Client:
    """A logged-in dashboard session (cookie and CSRF header) from the client address SOURCE."""
    import re

    client = httpx.Client(base_url=server["base"], transport=httpx.HTTPTransport(local_address=source), timeout=30)
    token = re.search(r"""name=["']csrf_token["'] value=["']([^"']+)""", client.get("/login").text).group(1)
    done = client.post("/login", data={"email": email, "password": "correct horse battery", "csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get("/settings")
    client.headers["X-CSRF-Token"] = re.search(r"""name=["']csrf_token["'] value=["']([^"']+)""", page.text).group(1)
    return client


def test_the_allow_list_is_kept_by_admins_through_the_api_and_the_settings_page(server):
    with pytest.MonkeyPatch.context() as mp:
        for k, v in ENV.items():
            mp.setenv(k, v)
        try:
            create_user(server["engine"], "ana@acme.example", "correct horse battery", workspace="acme",
                        role="analyst")
        except Exception:  # noqa: BLE001 - made by an earlier run of this module's server
            pass
    _site(server)
    path = "/api/v1/settings/destination-hosts"
    owner, analyst = _session(server, "ann@acme.example", "127.0.0.3"), _session(server, "ana@acme.example", "127.0.0.4")
    try:
        # admins and owners only, as for every workspace setting: an analyst's session and a write key get 403
        assert _api(server, "GET", path).status_code == 403
        assert _api(server, "PUT", path, json={"hosts": ["shop.example.com"]}).status_code == 403
        assert analyst.put(path, json={"hosts": ["shop.example.com"]}).status_code == 403
        assert analyst.post("/settings/destination-hosts", data={"hosts": "shop.example.com"}).status_code == 403
        assert owner.get(path).json() == {"hosts": []}
        # what every link refuses cannot be listed either; a refused list changes nothing
        for bad, why in (("127.0.0.1", "not a public host"), ("10.1.2.3", "not a public host"),
                         ("intranet.local", "not a public host"), ("user@shop.example.com", "not a host name")):
            resp = owner.put(path, json={"hosts": ["shop.example.com", bad]})
            assert resp.status_code == 422 and why in resp.text, bad
            assert resp.json()["errors"][0]["location"] == ["body", "hosts", 1]
        assert owner.get(path).json() == {"hosts": []}
        page = owner.post("/settings/destination-hosts", data={"hosts": "shop.example.com\n192.168.0.10"})
        assert page.status_code == 422 and "not a public host" in page.text and "Nothing was saved" in page.text
        assert owner.get(path).json() == {"hosts": []}
        # set through the API: the list holds for the API, the bundle and the dashboard form alike
        assert owner.put(path, json={"hosts": ["Shop.Example.com."]}).json() == {"hosts": ["shop.example.com"]}
        elsewhere = {"campaign": "bomb-site", "platform": "instagram", "destination": "https://elsewhere.example/"}
        assert _api(server, "POST", "/api/v1/links", json=elsewhere).status_code == 422
        form = owner.post("/links", data=elsewhere)
        assert form.status_code == 422 and "destination hosts" in form.text
        assert "shop.example.com" in owner.get("/settings").text
        # set through the settings page; an empty list allows any public host again
        saved = owner.post("/settings/destination-hosts", data={"hosts": "brand.example\nshop.example.com"},
                           follow_redirects=False)
        assert saved.status_code == 303
        assert owner.get(path).json() == {"hosts": ["brand.example", "shop.example.com"]}
        assert owner.post("/settings/destination-hosts", data={}).status_code == 422  # no field: nothing changes
        assert owner.get(path).json() == {"hosts": ["brand.example", "shop.example.com"]}
        assert owner.post("/settings/destination-hosts", data={"hosts": ""}, follow_redirects=False).status_code == 303
        assert owner.get(path).json() == {"hosts": []}
        assert _api(server, "POST", "/api/v1/links", json=elsewhere).status_code == 201
        audit = owner.get("/api/v1/audit").json()
        assert any(e["action"] == "settings.destination_hosts" for e in audit)
    finally:
        owner.put(path, json={"hosts": []})
        owner.close()
        analyst.close()


def test_private_and_credential_destinations_are_refused_by_default_at_the_form_and_the_cli(server):
    import subprocess
    import sys

    _site(server)
    owner = _session(server, "ann@acme.example", "127.0.0.3")
    try:
        for url in ("http://127.0.0.1:8080/admin", "https://192.168.1.1/", "https://user:pass@shop.example.com/",
                    "http://[::1]/", "http://2130706433/"):
            form = owner.post("/links", data={"campaign": "bomb-site", "platform": "instagram", "destination": url})
            assert form.status_code == 422 and "destination" in form.text, url
            done = subprocess.run([sys.executable, "-m", "influscope.cli", "--db", str(server["engine"].url),
                                   "--workspace", "acme", "links", "create", "--campaign", "bomb-site", "--platform",
                                   "instagram", "--destination", url], capture_output=True, text=True, timeout=120,
                                  check=False)
            assert done.returncode == 1 and "destination" in done.stderr and "Traceback" not in done.stderr, url
    finally:
        owner.close()


def test_the_pdf_running_header_shows_a_hostile_name_once_through_the_server(server):
    import subprocess
    import tempfile

    camp = CAMPAIGN.format(slug="bidi-pdf").replace("name: Door test", 'name: "\\u202egnp.exe <script>&amp;"')
    assert _upload(server, {"campaign.yaml": camp}).status_code == 201
    pdf = _api(server, "GET", "/campaigns/bidi-pdf/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf.content)
        fh.flush()
        text = subprocess.run(["pdftotext", "-layout", fh.name, "-"], check=True, capture_output=True,
                              text=True).stdout
    text = "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u202d\u202e\u200e\u200f")
    assert text.count("gnp.exe <script>&amp;") >= 2  # the running header and the heading, as typed
    assert "&lt;" not in text and "exe.png" not in text


def test_budgets_costs_and_cost_targets_need_cost_access_at_every_door(server):
    """A write key without cost access: costs and budgets are refused through the upload as through
    POST /api/v1/costs; the targets form refuses cost KPIs and keeps them; a post without the field
    changes nothing."""
    engine = server["engine"]
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "acme")).scalar_one()
    blind = keys.create_key(engine, ws, scopes="read write", can_see_costs=False).key
    camp = CAMPAIGN.format(slug="costly")
    assert _upload(server, {"campaign.yaml": camp + "budget: 5000\ntargets: {roas: 3.0, ctr: 1.5}\n"}).status_code == 201
    before = _dump(engine, but=("api_keys",))  # a key's last use is noted
    budget = _upload(server, {"campaign.yaml": camp + "budget: 1\n"}, key=blind)
    assert budget.status_code == 403 and budget.json()["errors"][0]["column"] == "budget"
    costs = _upload(server, {"campaign.yaml": camp, "costs.csv": "cost_id,kind,amount,currency,incurred_on\n"
                                                                 "fee-1,fee,100,TWD,2026-03-02\n"}, key=blind)
    assert costs.status_code == 403 and costs.json()["errors"][0]["file"] == "costs.csv"
    targets = _upload(server, {"campaign.yaml": camp + "targets: {roas: 9}\n"}, key=blind)
    assert targets.status_code == 403 and "roas" in targets.text
    api = _api(server, "POST", "/api/v1/costs", key=blind, json={
        "campaign": "costly", "kind": "fee", "amount": "100", "currency": "TWD", "incurred_on": "2026-03-02"})
    assert api.status_code == 403
    form = _api(server, "POST", "/settings/targets/costly", key=blind, data={"target_roas": "9", "target_ctr": "2"})
    assert form.status_code == 422 and "budgets and costs are not shared" in form.text
    empty = _api(server, "POST", "/settings/targets/costly", key=blind, data={})
    assert empty.status_code == 422 and "nothing was changed" in empty.text
    assert _dump(engine, but=("api_keys",)) == before  # nothing of it was written
    ok = _api(server, "POST", "/settings/targets/costly", key=blind, data={"target_ctr": "2"}, follow_redirects=False)
    assert ok.status_code == 303
    with engine.connect() as conn:
        budget_now, targets_now = conn.execute(sa.select(t.campaigns.c.budget, t.campaigns.c.targets).where(
            t.campaigns.c.workspace_id == ws, t.campaigns.c.slug == "costly")).one()
    assert budget_now == 5000 and targets_now == {"roas": 3.0, "ctr": 2.0}  # the hidden cost target kept
