"""Changing a campaign's time zone through the API makes its links' click rollups again in the new zone."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from influscope.db.tracking import click_days
from influscope.metrics import click_rollups
from influscope.tracking import sink as sinks


def test_a_new_time_zone_rebuilds_the_campaigns_click_rollups(env):
    acme, ws = env.objects["acme"], env.ws["acme"]
    start = dt.datetime(2026, 3, 3, 14, 0)  # 22:00 in Taipei, 15:00 in Berlin: local days differ for later hits
    sinks.SQLAlchemyBatchWriter(env.engine).write([
        sinks.Click(ws, f"z{i}", acme["link_id"], start + dt.timedelta(minutes=50 * i), False, None, f"v{i % 3}",
                    None, None, None, None, None, None) for i in range(40)])
    with env.engine.connect() as conn:
        taipei = click_rollups.stored(conn, ws)
    assert {k[1] for k in taipei} == {"Asia/Taipei"}
    resp = env.client("analyst").patch(f"/api/v1/campaigns/{acme['campaign_id']}", json={"timezone": "Europe/Berlin"})
    assert resp.status_code == 200, resp.text
    with env.engine.connect() as conn:
        berlin = click_rollups.stored(conn, ws)
        assert berlin == click_rollups.recompute(conn, ws)
        assert {r[0] for r in conn.execute(sa.select(click_days.c.zone).distinct())} == {"Europe/Berlin"}
    assert sum(v[0] for v in berlin.values()) == sum(v[0] for v in taipei.values()) == 40
    assert sorted(k[2] for k in berlin) != sorted(k[2] for k in taipei)
