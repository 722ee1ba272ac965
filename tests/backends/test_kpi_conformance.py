"""The whole KPI catalogue gives identical results on SQLite, DuckDB, PostgreSQL and ClickHouse (chdb).

Money must be exactly equal, counts equal, rates equal to 1e-9, reasons equal. Data: the demo
generator at a small scale, and the hand-made campaign of the KPI tests (time-zone, NULL, FX and
integer-division traps).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from influscope.kpi.api import kpis
from influscope.kpi.catalogue import KPIS

TODAY = dt.date(2026, 11, 1)
SCALE = 0.02
VARIANT = {"attribution": "first_click", "er_aggregation": "median_of_posts", "unique_click_window": "1d",
           "revenue_basis": "gross", "emv_model": "cpm", "emv_cpm": "42.5"}


def _load_demo(engine):
    from influscope.demo import create_demo

    create_demo(engine, workspace="demo", scale=SCALE, seed=7, today=TODAY)


def _load_hand(engine, tmp_path):
    from influscope.ingest.canonical import import_bundle
    from tests.kpi import handmade

    import_bundle(engine, handmade.write(tmp_path / "hand-bundle"), workspace="w")


def _campaigns(engine):
    import sqlalchemy as sa

    from influscope.db import tables as t

    with engine.connect() as conn:
        return [(ws, slug) for ws, slug in conn.execute(
            sa.select(t.workspaces.c.slug, t.campaigns.c.slug).join_from(t.campaigns, t.workspaces)
            .order_by(t.workspaces.c.slug, t.campaigns.c.slug))]


def _refresh(engine) -> None:
    """Run the audience analysis once (the KPI calls below then only read its tables)."""
    for ws, slug in _campaigns(engine):
        kpis(slug, workspace=ws, engine=engine, today=TODAY, refresh_audience=True)


def _run(engine, backend=None) -> dict:
    # one default run by creator (campaign totals + creator rows) and one run with other settings by day
    out = {}
    for ws, slug in _campaigns(engine):
        out[(ws, slug, "creator")] = kpis(slug, by="creator", workspace=ws, engine=engine, backend=backend,
                                          today=TODAY, refresh_audience=False)
        out[(ws, slug, "day", "variant")] = kpis(slug, by="day", workspace=ws, engine=engine, backend=backend,
                                                 today=TODAY, settings=VARIANT, refresh_audience=False)
    return out


def _same(a, b, where: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(set(a) ^ set(b))}"]
        return [p for k in a for p in _same(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} vs {len(b)} items"]
        return [p for i, (x, y) in enumerate(zip(a, b)) for p in _same(x, y, f"{where}[{i}]")]
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return [] if a == b else [f"{where}: {a!r} != {b!r} (money must be exact)"]
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) else [f"{where}: {a!r} != {b!r}"]
    return [] if a == b and type(a) is type(b) else [f"{where}: {a!r} != {b!r}"]


def _compare(reference: dict, other: dict) -> list[str]:
    problems = []
    assert set(reference) == set(other)
    for key, ref in reference.items():
        got = other[key]
        assert set(ref.kpis) == set(KPIS)
        problems += _same(ref.kpis, got.kpis, f"{key}.kpis")
        problems += _same([r["key"] for r in ref.rows], [r["key"] for r in got.rows], f"{key}.rows.key")
        problems += _same([r["kpis"] for r in ref.rows], [r["kpis"] for r in got.rows], f"{key}.rows")
        problems += _same(ref.diagnostics, got.diagnostics, f"{key}.diagnostics")
    return problems


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Both data sets in one SQLite store, and the catalogue computed there."""
    from influscope.db.engine import make_engine, upgrade

    path = tmp_path_factory.mktemp("conformance")
    engine = make_engine(f"sqlite:///{path / 'influscope.db'}")
    upgrade(engine)
    _load_demo(engine)
    _load_hand(engine, path)
    _refresh(engine)
    results = _run(engine)
    yield engine, results
    engine.dispose()


def test_reference_covers_every_kpi_with_values(reference):
    _, results = reference
    with_value = {k for r in results.values() for k, o in r.kpis.items() if o["value"] is not None}
    # every KPI has a value somewhere in the data sets, so that the comparison covers every formula
    assert set(KPIS) <= with_value, sorted(set(KPIS) - with_value)


def test_duckdb_matches_sqlite(reference):
    from influscope.kpi.backends import copy_canonical

    engine, results = reference
    assert _compare(results, _run(engine, copy_canonical(engine, "duckdb"))) == []


@pytest.mark.clickhouse
def test_clickhouse_matches_sqlite(reference):
    from influscope.kpi.backends import copy_canonical

    engine, results = reference
    assert _compare(results, _run(engine, copy_canonical(engine, "clickhouse"))) == []


@pytest.mark.postgres
def test_postgres_matches_sqlite(reference, pg_url, tmp_path):
    from influscope.db.engine import make_engine, upgrade

    _, results = reference
    engine = make_engine(pg_url)
    try:
        upgrade(engine)
        _load_demo(engine)
        _load_hand(engine, tmp_path)
        _refresh(engine)
        assert _compare(results, _run(engine)) == []
    finally:
        engine.dispose()
