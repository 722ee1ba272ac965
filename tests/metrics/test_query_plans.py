"""SQLite answers the campaign click query through the index made for it, with fresh statistics."""

from __future__ import annotations

import ibis
import sqlalchemy as sa

from influscope.db import tables as t
from influscope.kpi import methodology
from influscope.kpi.backends import connect, table
from influscope.kpi.facts import click_buckets


def test_click_buckets_use_the_link_index_after_an_import(engine):
    from influscope.demo import create_demo

    create_demo(engine, scale=0.05)  # the importer refreshes the planner's statistics
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id)).scalar_one()
        links = [r[0] for r in conn.execute(sa.select(t.links.c.id).where(t.links.c.workspace_id == ws))]
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'clicks'").scalar() > 0
    con = connect(engine)
    expr = click_buckets(table(con, "clicks"), ws, links[:3], methodology.resolve(), "America/New_York", (2024, 2027))
    sql = ibis.to_sql(expr, dialect="sqlite")
    with engine.connect() as conn:
        plan = " | ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "ix_clicks_link_visitor_ts" in plan, plan
    assert "uq_clicks_workspace_id" not in plan, plan


def test_the_facts_read_the_click_rollups_by_link_and_no_click(engine):
    """The KPI facts loader reads the clicks per link and day through the rollups' primary key."""
    from influscope.demo import create_demo
    from influscope.metrics import click_rollups, unique_windows

    create_demo(engine, scale=0.05)
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id)).scalar_one()
        links = [r[0] for r in conn.execute(sa.select(t.links.c.id).where(t.links.c.workspace_id == ws))]
    con = connect(engine)
    expr = click_rollups.buckets(table(con, "click_days"), ws, links[:3], unique_windows.flag_column("1h", False))
    sql = ibis.to_sql(expr, dialect="sqlite")
    with engine.connect() as conn:
        plan = " | ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "SEARCH" in plan and "click_days_1 (link_id=?)" in plan, plan  # the primary key's index
    assert "ix_clicks" not in plan and "uq_clicks" not in plan, plan
