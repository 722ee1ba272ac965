"""Warming the KPI engine at server start-up: it reads only, and the first page then compiles nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from influscope.kpi import prepared
from influscope.kpi.api import kpis, warm_up

TODAY = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from influscope.db.engine import make_engine, upgrade
    from influscope.demo import create_demo

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('warm') / 'demo.db'}")
    upgrade(engine)
    create_demo(engine, workspace="demo", scale=0.03, seed=7, today=TODAY)
    yield engine
    engine.dispose()


def _dump(engine) -> dict[str, list]:
    with engine.connect() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]
        return {n: sorted(map(repr, conn.execute(sa.text(f'SELECT * FROM "{n}"')).all())) for n in names}


def test_warm_up_reads_only_and_prepares_the_latest_campaign(demo):
    with demo.connect() as conn:
        latest = conn.execute(sa.text("SELECT slug FROM campaigns WHERE status != 'planned' "
                                      "ORDER BY start_date DESC, id DESC LIMIT 1")).scalar()
    before = _dump(demo)
    prepared.clear()
    assert warm_up(demo) == latest
    assert prepared.stats()["compiled"] > 0
    assert _dump(demo) == before  # nothing written
    compiled = prepared.stats()["compiled"]
    kpis(latest, by="creator", workspace="demo", engine=demo)  # what the campaign page asks
    assert prepared.stats()["compiled"] == compiled  # every query of the page was ready


def test_an_empty_store_has_nothing_to_warm(tmp_path):
    from influscope.db.engine import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    assert warm_up(engine) is None


def test_the_server_warms_up_when_asked(demo, monkeypatch):
    from fastapi.testclient import TestClient

    from influscope.web.app import create_app

    monkeypatch.setenv("INFLUSCOPE_WARM_UP", "1")
    app = create_app()
    app.state.engine = demo
    prepared.clear()
    with TestClient(app):  # runs the start-up hooks
        app.state.warm_up.join(timeout=120)
        assert not app.state.warm_up.is_alive()
    assert prepared.stats()["compiled"] > 0
    monkeypatch.delenv("INFLUSCOPE_WARM_UP")
    cold = create_app()
    cold.state.engine = demo
    with TestClient(cold):  # tests and embedded apps start cold unless asked
        assert not hasattr(cold.state, "warm_up")
