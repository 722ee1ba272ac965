"""Engine queries compiled once per shape and run with bound values (influscope.kpi.prepared)."""

from __future__ import annotations

import datetime as dt

import pytest

from influscope.attribution import credit
from influscope.ingest.canonical import import_bundle
from influscope.kpi import methodology, prepared
from influscope.kpi.api import kpis
from influscope.kpi.backends import connect, disconnecting, table
from influscope.metrics import timezones
from tests.kpi import handmade

SPAN = (dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1))
TODAY = dt.date(2026, 5, 1)


@pytest.fixture
def store(any_engine, tmp_path):
    """The hand-made campaign in a fresh SQLite or PostgreSQL store (workspace id 1)."""
    import_bundle(any_engine, handmade.write(tmp_path / "bundle"), workspace="w")
    return any_engine


def _sorted(rows):
    return sorted(rows, key=lambda r: [(v is None, str(v)) for v in r.values()])


def _orders_on_or_after(con, p):
    o = table(con, "orders")
    return o.filter(o.workspace_id == p("ws", "int64"), o.created_at >= p("start", "timestamp")).select(
        "key", "created_at", "subtotal")


def _codes_like(con, p):
    o = table(con, "orders")
    # a '%' written into the SQL itself (LIKE patterns), beside a bound value
    return o.filter(o.workspace_id == p("ws", "int64"), o.discount_codes.like("%10")).select(
        "key", marked=o.discount_codes + p("mark", "string"))


def test_a_shape_is_compiled_once_and_each_call_binds_its_own_values(store):
    prepared.clear()
    settings = methodology.resolve()
    with disconnecting(connect(store)) as con:
        clicked = {}
        for days in (40, 20, 30):
            s = {**settings, "attribution_window_days": days}
            offsets, schedule = timezones.schedule_values("Asia/Taipei", 2024, 2028)
            shape = (*credit._shape(con, "orders", 1, *SPAN, s), offsets)
            values = {**credit._span(1, *SPAN, s), **schedule}
            bound = prepared.rows(con, credit._order_buckets, *shape, **values)
            # the same query with the values written in as literals (what Ibis alone would run)
            assert _sorted(bound) == _sorted(prepared._rows_as_literals(con, credit._order_buckets, shape, values))
            clicked[days] = sum(r["n"] for r in bound if r["rule"] == "click")
        assert prepared.stats()["compiled"] == 1 and prepared.stats()["reused"] == 2
        # o7's click is 34 days before it, o9's 22: a 40-day window credits both, 30 days o9, 20 neither
        assert clicked[40] == clicked[30] + 1 == clicked[20] + 2


def test_bound_values_give_what_literals_give(store):
    prepared.clear()
    with disconnecting(connect(store)) as con:
        for start in (dt.datetime(2026, 3, 5, 10, 0), dt.datetime(2026, 3, 5, 10, 0, 0, 1), dt.datetime(2026, 1, 1)):
            values = {"ws": 1, "start": start}
            bound = prepared.rows(con, _orders_on_or_after, **values)
            literal = prepared._rows_as_literals(con, _orders_on_or_after, (), values)
            assert _sorted(bound) == _sorted(literal)
            assert {r["key"] for r in bound} == {r["key"] for r in literal if r["created_at"] >= start}
        assert {r["key"] for r in prepared.rows(con, _orders_on_or_after, ws=1, start=dt.datetime(2026, 3, 5, 10))} \
            == {"o3", "o4", "o5", "o6", "o7", "o8", "o9"}  # the boundary order (o3, 10:00:00) included
        marked = prepared.rows(con, _codes_like, ws=1, mark="!")
        assert _sorted(marked) == _sorted(prepared._rows_as_literals(con, _codes_like, (), {"ws": 1, "mark": "!"}))
        assert {r["marked"] for r in marked} == {"AMY10!", "BEN10!"}
        assert prepared.rows(con, _orders_on_or_after, ws=2, start=dt.datetime(2026, 1, 1)) == []
        assert prepared.stats()["compiled"] == 2


def test_a_setting_that_changes_the_query_never_reuses_the_old_sql(store):
    prepared.clear()
    with disconnecting(connect(store)) as con:
        taipei = timezones.schedule_values("Asia/Taipei", 2024, 2028)[0]
        new_york = timezones.schedule_values("America/New_York", 2024, 2028)[0]
        shapes = [("last_click", True, "clicks", False, taipei), ("first_click", True, "clicks", False, taipei),
                  ("last_click", False, "clicks", False, taipei), ("last_click", True, "clicks", False, new_york)]
        compiled = [prepared.compile_shape(con, credit._order_buckets, *s) for s in shapes]
        assert len({c.sql for c in compiled}) == len(shapes)
        assert prepared.compile_shape(con, credit._order_buckets, *shapes[0]) is compiled[0]
    # the whole engine: a run with other settings after a default run equals the same run in a fresh cache
    variant = {"attribution": "first_click", "code_beats_link": False, "attribution_window_days": 40}
    kpis("hand", workspace="w", engine=store, today=TODAY)
    after_default = kpis("hand", by="creator", workspace="w", engine=store, today=TODAY, settings=variant)
    prepared.clear()
    fresh = kpis("hand", by="creator", workspace="w", engine=store, today=TODAY, settings=variant)
    assert after_default.to_dict() == fresh.to_dict()
    default = kpis("hand", by="creator", workspace="w", engine=store, today=TODAY)
    assert default.to_dict()["rows"] != fresh.to_dict()["rows"]  # o1 goes to ben's click, o7 is credited


def test_values_must_match_the_slots(engine):
    with disconnecting(connect(engine)) as con:
        with pytest.raises(TypeError, match="missing \\['start'\\]"):
            prepared.rows(con, _orders_on_or_after, ws=1)
        with pytest.raises(TypeError, match="not slots \\['cid'\\]"):
            prepared.rows(con, _orders_on_or_after, ws=1, start=dt.datetime(2026, 1, 1), cid=3)

        def twice(con, p):
            o = table(con, "orders")
            return o.filter(o.workspace_id == p("ws", "int64"), o.key == p("ws", "string"))

        with pytest.raises(ValueError, match="declared as int64 and as string"):
            prepared.rows(con, twice, ws=1)


def test_duckdb_runs_the_same_builders_with_literals(store):
    from influscope.kpi.backends import copy_canonical

    prepared.clear()
    duck = copy_canonical(store, "duckdb")
    values = {"ws": 1, "start": dt.datetime(2026, 3, 5, 10)}
    with disconnecting(connect(store)) as con:
        assert _sorted(prepared.rows(duck, _orders_on_or_after, **values)) == \
            _sorted(prepared.rows(con, _orders_on_or_after, **values))
    assert prepared.stats()["compiled"] == 1  # the store's SQL only: DuckDB keeps the expression


def _local_days(con, p, offsets):
    o = table(con, "orders")
    return o.filter(o.workspace_id == p("ws", "int64")).select(
        "key", day=timezones.local_day_slots(o.created_at, p, offsets))


def _local_days_literal(con, p, zone):
    o = table(con, "orders")
    return o.filter(o.workspace_id == p("ws", "int64")).select(
        "key", day=timezones.local_day(o.created_at, zone, 2024, 2028))


def test_zones_with_as_many_offsets_share_one_query_and_keep_their_own_days(store):
    prepared.clear()
    zones = ("America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Taipei", "Pacific/Chatham")
    with disconnecting(connect(store)) as con:
        for zone in zones:
            offsets, schedule = timezones.schedule_values(zone, 2024, 2028)
            bound = {r["key"]: r["day"] for r in prepared.rows(con, _local_days, offsets, ws=1, **schedule)}
            literal = {r["key"]: r["day"] for r in prepared.rows(con, _local_days_literal, zone, ws=1)}
            assert bound == literal and len(bound) == 9, zone
        # one compiled query per number of offsets (New York, Berlin, Sydney and Chatham have 11 from 2024 to
        # 2028, Taipei 1), where the schedule written as literals needs one per zone
        counts = {timezones.schedule_values(z, 2024, 2028)[0] for z in zones}
        assert prepared.stats()["compiled"] == len(counts) + len(zones)
