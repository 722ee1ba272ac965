"""A store made before daily per-post metrics existed upgrades in place, keeping its posts, snapshots
and account metrics, and then takes a daily per-video chart."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command

from influscope.db import connectors as ct
from influscope.db import tables as t
from influscope.db.engine import alembic_config, current_revisions, get_engine, heads, upgrade
from influscope.ingest.canonical import import_bundle
from influscope.ingest.exports import import_export_file

from tests.ingest.exports.support import AS_OF, EXP, FIX


def _rows(engine, table: sa.Table) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def test_store_without_post_daily_metrics_upgrades_in_place(any_engine):
    url = any_engine.url.render_as_string(hide_password=False)
    import_bundle(any_engine, FIX / "bundle", workspace="default")
    import_export_file(any_engine, EXP / "youtube_Table_data.csv", source="youtube_studio@meilincooks", as_of=AS_OF,
                       lifetime=True)
    import_export_file(any_engine, EXP / "youtube_days_total.csv", source="youtube_studio@meilincooks")
    before = {name: _rows(any_engine, table) for name, table in
              (("posts", t.posts), ("post_metrics", t.post_metrics), ("account_metrics", ct.account_metrics))}
    assert all(before.values())
    command.downgrade(alembic_config(any_engine), "0002_connectors")  # the connectors branch as main had it
    assert "post_daily_metrics" not in sa.inspect(any_engine).get_table_names()
    assert "0003_connectors_post_days" not in current_revisions(any_engine)

    upgrade(any_engine)
    assert current_revisions(any_engine) == heads()
    assert {name: _rows(any_engine, table) for name, table in
            (("posts", t.posts), ("post_metrics", t.post_metrics), ("account_metrics", ct.account_metrics))} == before
    engine = get_engine(url)
    rep = import_export_file(engine, EXP / "youtube_daily_videos.csv", source="youtube_studio@meilincooks", as_of=AS_OF)
    assert rep.files["post_daily_metrics"].inserted == 8
    with engine.connect() as conn:
        got = conn.execute(sa.select(ct.post_daily_metrics.c.date, ct.post_daily_metrics.c.value)
                           .order_by(ct.post_daily_metrics.c.post_id, ct.post_daily_metrics.c.date)).all()
    assert (dt.date(2025, 6, 2), 1250.0) in [tuple(r) for r in got]
