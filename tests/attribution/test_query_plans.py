"""SQLite answers the crediting queries through the indexes made for them, never reading a whole table."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from influscope.attribution import credit
from influscope.kpi import methodology, prepared
from influscope.kpi.backends import connect, disconnecting
from influscope.kpi.facts import _posts, _years, load_campaign
from influscope.metrics import timezones


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from influscope.db.engine import make_engine, upgrade
    from influscope.demo import create_demo

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('plans') / 'influscope.db'}")
    upgrade(engine)
    create_demo(engine, workspace="demo", scale=0.05)  # the importer refreshes the planner's statistics
    yield engine
    engine.dispose()


def _plan(con, build, shape, values) -> list[str]:
    compiled = prepared.compile_shape(con, build, *shape)
    params = {k: prepared._bind(con, v, compiled.slots[k]) for k, v in values.items()}
    return [r[-1] for r in con.con.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", params)]


@pytest.mark.parametrize("attribution", ["last_click", "first_click"])
def test_crediting_reads_the_span_by_index_and_each_click_by_key_or_kept(demo, attribution):
    camp = load_campaign(demo, "spring-launch", "demo")
    settings = methodology.resolve(call={"attribution": attribution})
    span = camp.credit_span(settings)
    with disconnecting(connect(demo)) as con:
        # the orders' time index holds every column crediting reads of an order: no row is looked up
        for kind, build, index in (("orders", credit._order_buckets, "COVERING INDEX ix_orders_credited"),
                                   ("leads", credit._lead_buckets, "INDEX ix_leads_ts")):
            offsets, schedule = timezones.schedule_values(camp.timezone, *_years(camp))
            plan = _plan(con, build, (*credit._shape(con, kind, camp.workspace_id, *span, settings), offsets),
                         {**credit._span(camp.workspace_id, *span, settings), **schedule})
            text = " | ".join(plan)
            assert f"USING {index} (workspace_id=? AND " in text, text
            # the code and utm rules' matches kept by the store, each by its key
            assert "USING INDEX sqlite_autoindex_matched_code_lists_1 (workspace_id=? AND codes=?)" in text, text
            assert ("USING INDEX sqlite_autoindex_matched_utm_pairs_1 (workspace_id=? AND utm_content=? AND "
                    "utm_source=?)") in text, text
            if attribution == "last_click":  # the carried click's link is kept on the event: no click is read
                assert " clicks" not in text and "clicks_1" not in text, text
                assert "USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN" in text, text  # its link, by id
            else:  # each event's carried click by its unique key
                assert "USING INDEX sqlite_autoindex_clicks_1 (workspace_id=? AND key=?)" in text, text
            # no table read whole
            for table in ("orders", "leads", "clicks", "links", "codes", "matched_code_lists", "matched_utm_pairs"):
                assert not any(line.startswith("SCAN ") and line.split()[1] == table for line in plan), text


def test_followers_at_post_time_come_through_the_accounts_unique_index(demo):
    camp = load_campaign(demo, "spring-launch", "demo")
    with disconnecting(connect(demo)) as con:
        offsets, schedule = timezones.schedule_values(camp.timezone, *_years(camp))
        text = " | ".join(_plan(con, _posts, (offsets,), {"ws": camp.workspace_id, "cid": camp.id, **schedule}))
    assert "USING INDEX sqlite_autoindex_creator_accounts_1 (creator_id=? AND platform=?)" in text, text
    # each account's counts by the unique index, then the latest day's count by the same index
    assert "INDEX sqlite_autoindex_follower_snapshots_1 (workspace_id=? AND platform=? AND handle=?)" in text, text
    assert ("USING INDEX sqlite_autoindex_follower_snapshots_1 (workspace_id=? AND platform=? AND handle=? AND date=?)"
            in text), text


def test_leads_have_their_time_index(demo):
    indexes = {ix["name"]: ix["column_names"] for ix in sa.inspect(demo).get_indexes("leads")}
    assert indexes["ix_leads_ts"] == ["workspace_id", "ts"]


def test_crediting_finds_each_click_staged_from_the_event_store_by_key(demo):
    # With an event store the clicks crediting needs are staged in a temporary table of the SQLite
    # connection; without an index on their key SQLite read that table once per order.
    import datetime as dt

    import pyarrow as pa

    from influscope.events.read import STAGED_CLICKS, _temporary_clicks

    camp = load_campaign(demo, "spring-launch", "demo")
    settings = methodology.resolve(call={})
    span = camp.credit_span(settings)
    with demo.connect() as conn:
        rows = conn.execute(sa.text("SELECT workspace_id, key, link_id, ts, is_bot, visitor_hash FROM clicks")).all()
    staged = pa.table({
        "workspace_id": pa.array([r[0] for r in rows], pa.int64()), "key": pa.array([r[1] for r in rows]),
        "link_id": pa.array([r[2] for r in rows], pa.int64()),
        "ts": pa.array([dt.datetime.fromisoformat(r[3]) for r in rows], pa.timestamp("us")),
        "is_bot": pa.array([bool(r[4]) for r in rows]), "visitor_hash": pa.array([r[5] for r in rows])})
    with disconnecting(connect(demo)) as con:
        _temporary_clicks(con, staged)
        offsets, schedule = timezones.schedule_values(camp.timezone, *_years(camp))
        attribution, beats, _clicks_from, matched = credit._shape(con, "orders", camp.workspace_id, *span, settings)
        plan = _plan(con, credit._order_buckets, (attribution, beats, STAGED_CLICKS, matched, offsets),
                     {**credit._span(camp.workspace_id, *span, settings), **schedule})
        text = " | ".join(plan)
        assert f"USING INDEX {STAGED_CLICKS}_key (workspace_id=? AND key=?)" in text, text
        assert not any(line.startswith(f"SCAN {STAGED_CLICKS}") for line in plan), text
