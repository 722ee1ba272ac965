"""Clicks recorded by the redirect are part of the canonical bundle (clicks.csv, with the bot flag)."""

import asyncio
import csv

import httpx

from influscope.tracking import links
from influscope.tracking.redirect import create_redirect_app
from tests.tracking.user_agents import BOTS, HUMANS


def test_export_writes_redirect_clicks_with_their_bot_flag(engine, seeded, tmp_path):
    from influscope.ingest.canonical import export_bundle, import_bundle

    links.create_link(engine, campaign="spring", creator="mei-lin", platform="instagram", slug="mei-ig",
                      destination="https://shop.example.com/")
    app = create_redirect_app(engine.url.render_as_string(hide_password=False))

    async def hits():
        transport = httpx.ASGITransport(app=app, client=("168.95.1.1", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            for ua in (HUMANS["instagram_ios"][0], BOTS["whatsapp"][0]):
                await c.get("/l/default/mei-ig", headers={"user-agent": ua, "referer": "https://l.instagram.com/",
                                                  "accept-language": "zh-TW"})

    try:
        asyncio.run(hits())
    finally:
        app.sink.close()
    export_bundle(engine, "spring", tmp_path / "out")
    with open(tmp_path / "out" / "clicks.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["link_id"], r["is_bot"], r["bot_reason"], r["country"], r["app"], r["user_agent"]) for r in rows] == [
        ("mei-ig", "false", "", "TW", "Instagram", HUMANS["instagram_ios"][0]),
        ("mei-ig", "true", "list:crawlerdetect", "TW", "", BOTS["whatsapp"][0])]
    assert all(len(r["visitor_hash"]) == 32 and r["click_id"] for r in rows)
    # and the bundle loads back unchanged
    report = import_bundle(engine, tmp_path / "out")
    assert report.files["clicks.csv"].inserted == 0 and report.files["clicks.csv"].updated == 0
