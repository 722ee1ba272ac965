"""A database made by the previous schema upgrades in place: every record and KPI value unchanged."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import command

from influscope.db.engine import alembic_config, current_revisions, heads, upgrade
from influscope.kpi.api import kpis

# what the previous main had, per migration branch: the newer revisions are undone down to these
PREVIOUS = ("0002_tracking", "0002_commerce", "0002_planning", "0002_connectors")
# tables the upgrade creates (empty before and after) and columns it derives from the records
NEW_TABLES = {"candidate_lists", "candidates", "destination_hosts", "post_daily_metrics"}
DERIVED = {"webhook_deliveries": {"body_sha256"}, "links": {"key"}, "clicks": {"unique_30m", "unique_1h", "unique_1d", "unique_30m_with_bots", "unique_1h_with_bots",
                      "unique_1d_with_bots"}}


def _records(engine) -> dict[str, str]:
    """A digest of every row of every table, leaving out the columns the upgrade derives."""
    out = {}
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            if name == "alembic_version":
                continue
            if name in NEW_TABLES:
                continue
            cols = [c for c in table.c if c.name not in DERIVED.get(name, set())]
            h = hashlib.sha256()
            for row in conn.execute(sa.select(*cols).order_by(*table.primary_key.columns or cols)):
                h.update(repr(tuple(row)).encode())
            out[name] = h.hexdigest()
    return out


def _values(engine) -> dict:
    out = {}
    for slug in ("spring-launch", "glow-awareness", "finlit-webinars"):
        for by in (None, "creator"):
            r = kpis(slug, by=by, workspace="demo", engine=engine, refresh_audience=False).to_dict()
            out[(slug, by)] = ({k: v["value"] for k, v in r["kpis"].items()},
                               [{k: v["value"] for k, v in row["kpis"].items()} for row in r["rows"]])
    return out


def test_previous_schema_upgrades_in_place(any_engine):
    from influscope.demo import create_demo

    create_demo(any_engine, scale=0.05, planned=False)  # the previous schema has no planned status
    values, records = _values(any_engine), _records(any_engine)
    for target in PREVIOUS:  # the database as the previous main made it
        command.downgrade(alembic_config(any_engine), target)
    assert current_revisions(any_engine) != heads()
    assert "status" not in {c["name"] for c in sa.inspect(any_engine).get_columns("campaigns")}
    upgrade(any_engine)
    assert current_revisions(any_engine) == heads()
    assert _records(any_engine) == records  # every campaign with every value, and "started" as before
    assert _values(any_engine) == values
    with any_engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT slug, status FROM campaigns ORDER BY slug")).all()
    assert statuses == [("finlit-webinars", "started"), ("glow-awareness", "started"), ("spring-launch", "started")]
