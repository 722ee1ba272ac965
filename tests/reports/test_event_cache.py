"""The report cache sees clicks that arrive in the event store: a page computed before them is not
served after them."""

from __future__ import annotations

import gc

import pytest

from influscope import config
from influscope.db.engine import get_engine
from influscope.events import store
from influscope.ingest.canonical import import_bundle
from influscope.reports.build import clear_cache, compute, data_version

pytestmark = pytest.mark.clickhouse

CAMPAIGN = ("id: spring\nname: Spring\ngoal: bofu\nstart: 2026-03-01\nend: 2026-03-31\ntimezone: Asia/Taipei\n"
            "currency: TWD\n")


def _bundle(path, clicks: list[tuple[str, str, str]]):
    path.mkdir(parents=True)
    (path / "campaign.yaml").write_text(CAMPAIGN)
    (path / "creators.csv").write_text("creator_id,platform,handle\nmei,instagram,mei.lin\n")
    (path / "links.csv").write_text("link_id,creator_id,platform,destination_url\n"
                                    "mei-ig,mei,instagram,https://shop.example.com/\n")
    (path / "clicks.csv").write_text("click_id,link_id,ts,is_bot,visitor_hash\n" + "".join(
        f"{key},mei-ig,{ts},false,{visitor}\n" for key, ts, visitor in clicks))
    return path


@pytest.fixture
def events(tmp_path):
    gc.collect()  # chdb allows one engine path per process: let an earlier test's engine go
    config.configure(events_url=f"chdb://{tmp_path / 'events'}")
    clear_cache()
    yield
    store.close_all()
    config.configure(events_url="")
    clear_cache()


def test_new_clicks_in_the_event_store_change_the_data_version(tmp_path, events):
    engine = get_engine(f"sqlite:///{tmp_path / 'influscope.db'}")
    import_bundle(engine, _bundle(tmp_path / "one", [("k1", "2026-03-02T10:00:00Z", "a"),
                                                     ("k2", "2026-03-02T11:00:00Z", "b")]), workspace="w")
    first = compute(engine, "w", "spring")
    assert first["kpis"]["clicks"]["value"] == 2
    assert compute(engine, "w", "spring") is first  # nothing changed: the cached result
    before = data_version(engine, "w", "spring")

    # clicks arrive in the event store only: the operational store does not change
    import_bundle(engine, _bundle(tmp_path / "two", [("k3", "2026-03-03T10:00:00Z", "c")]), workspace="w")
    after = data_version(engine, "w", "spring")
    assert after != before
    assert compute(engine, "w", "spring")["kpis"]["clicks"]["value"] == 3

    # a click written again with other values (a re-import correcting it) is a new row version
    import_bundle(engine, _bundle(tmp_path / "three", [("k3", "2026-03-03T10:00:00Z", "d")]), workspace="w")
    assert data_version(engine, "w", "spring") != after


def test_traffic_in_the_event_store_changes_the_data_version(tmp_path, events):
    engine = get_engine(f"sqlite:///{tmp_path / 'influscope.db'}")
    import_bundle(engine, _bundle(tmp_path / "one", [("k1", "2026-03-02T10:00:00Z", "a")]), workspace="w")
    before = data_version(engine, "w", "spring")
    day = _bundle(tmp_path / "two", [("k1", "2026-03-02T10:00:00Z", "a")])
    (day / "traffic.csv").write_text("date,source,medium,campaign,content,sessions\n"
                                     "2026-03-02,instagram,influencer,spring,mei.lin,40\n")
    import_bundle(engine, day, workspace="w")  # the clicks are unchanged: only the traffic is new
    after = data_version(engine, "w", "spring")
    assert after != before
    (day / "traffic.csv").write_text("date,source,medium,campaign,content,sessions\n"
                                     "2026-03-02,instagram,influencer,spring,mei.lin,55\n")
    import_bundle(engine, day, workspace="w")  # a corrected day is a new row version
    assert data_version(engine, "w", "spring") != after


def test_without_an_event_store_the_version_has_no_event_part(tmp_path):
    config.configure(events_url="")
    engine = get_engine(f"sqlite:///{tmp_path / 'influscope.db'}")
    import_bundle(engine, _bundle(tmp_path / "one", [("k1", "2026-03-02T10:00:00Z", "a")]), workspace="w")
    assert data_version(engine, "w", "spring")[-1] is None
