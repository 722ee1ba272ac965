import datetime as dt

import pytest

from influscope.ingest.canonical import import_bundle
from tests.kpi import handmade

TODAY = dt.date(2026, 5, 1)


@pytest.fixture(scope="module")
def hand_engine(tmp_path_factory):
    """The hand-made campaign imported once per test module into a fresh SQLite store."""
    from influscope.db.engine import make_engine, upgrade

    path = tmp_path_factory.mktemp("hand")
    engine = make_engine(f"sqlite:///{path / 'influscope.db'}")
    upgrade(engine)
    import_bundle(engine, handmade.write(path / "bundle"), workspace="w")
    yield engine
    engine.dispose()


@pytest.fixture
def hand(hand_engine):
    """A function computing the hand-made campaign's KPIs (read-only use of the shared store)."""
    from influscope.kpi.api import kpis

    def run(by=None, settings=None, **kw):
        kw.setdefault("today", TODAY)
        return kpis("hand", by=by, settings=settings, workspace="w", engine=hand_engine, **kw)

    return run
