"""A store made before the planning tables existed upgrades in place, keeping its data."""

import datetime as dt

import sqlalchemy as sa
from alembic import command

from influscope.db import tables as t
from influscope.db.engine import (
    alembic_config,
    current_revisions,
    get_engine,
    heads,
    upgrade,
)


def test_store_without_planning_tables_upgrades_in_place(any_engine):
    url = any_engine.url.render_as_string(hide_password=False)
    # the previous schema: every branch but planning
    command.downgrade(alembic_config(any_engine), "planning@-2")
    assert "0002_planning" not in current_revisions(any_engine)
    assert "candidates" not in sa.inspect(any_engine).get_table_names()
    old = sa.Table("campaigns", sa.MetaData(), autoload_with=any_engine)  # without the status column
    with any_engine.begin() as conn:
        ws = conn.execute(t.workspaces.insert().values(slug="acme", name="Acme").returning(t.workspaces.c.id)).scalar_one()
        conn.execute(old.insert().values(
            workspace_id=ws, slug="spring", name="Spring", goal="tofu", start_date=dt.date(2026, 3, 1),
            end_date=dt.date(2026, 3, 31), timezone="UTC", currency="TWD", targets={"cpm": 200}, brand_accounts=[],
            brand_terms=[], competitor_terms=[], methodology={}))
    upgrade(any_engine)
    assert current_revisions(any_engine) == heads()
    assert {"candidate_lists", "candidates"} <= set(sa.inspect(any_engine).get_table_names())
    with any_engine.connect() as conn:
        assert conn.execute(sa.select(t.campaigns.c.targets).where(t.campaigns.c.slug == "spring")).scalar() == {"cpm": 200}
    from influscope.planning.candidates import create_list

    assert create_list(get_engine(url), "acme", "autumn", campaign="spring") > 0
