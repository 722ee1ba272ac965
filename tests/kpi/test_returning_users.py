"""Returning users: as the source reports them, else sessions minus new users marked as an estimate."""

from __future__ import annotations

from influscope.db.engine import make_engine, upgrade
from influscope.ingest.canonical import import_bundle
from influscope.kpi.api import kpis
from tests.kpi import handmade
from tests.kpi.conftest import TODAY


def test_sessions_minus_new_users_when_that_is_all_the_source_gives(hand):
    r = hand().kpis["returning_users"]
    # campaign days: (200 - 100) + (50 - 40) + (250 - 120)
    assert r["value"] == 240 and r["estimated"] is True
    assert r["detail"] == {"basis": "sessions_minus_new_users"}


def test_reported_returning_users_are_summed(tmp_path):
    traffic = handmade.FILES["traffic.csv"].replace("session_duration_s\n", "session_duration_s,returning_users\n", 1)
    lines = traffic.splitlines()
    lines = [lines[0]] + [line + ("," + str(n) if n is not None else ",") for line, n in
                          zip(lines[1:], (None, None, 70, 9, 95))]
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine)
    import_bundle(engine, handmade.write(tmp_path / "bundle", files={**handmade.FILES, "traffic.csv": "\n".join(lines) + "\n"}),
                  workspace="w")
    r = kpis("hand", workspace="w", engine=engine, today=TODAY).kpis["returning_users"]
    assert r["value"] == 70 + 9 + 95 and r["estimated"] is False and r["detail"] == {"basis": "returning_users"}
