"""A report asks the KPI engine once for everything it shows of a period: the leaderboard, the
daily trends and the posts come from one call; a comparison period is one more, without
diagnostics; a panel asks only for its own breakdown; the home page's row for the campaign KPIs."""

from __future__ import annotations

import datetime as dt

import pytest

from influscope.reports import build

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from influscope.db.engine import get_engine
    from influscope.demo import create_demo

    engine = get_engine(f"sqlite:///{tmp_path_factory.mktemp('calls') / 'demo.db'}")
    create_demo(engine, workspace="demo", scale=0.05, today=TODAY)
    yield engine
    engine.dispose()


@pytest.fixture
def calls(monkeypatch):
    """The engine calls made (each one read of the store), recorded around the real engine."""
    from influscope.kpi import api

    made: list[dict] = []
    real = api.kpis_by

    def recording(campaign, breakdowns, *args, **kwargs):
        made.append({"breakdowns": list(breakdowns), "start": kwargs.get("start"),
                     "diagnostics": kwargs.get("diagnostics", True)})
        return real(campaign, breakdowns, *args, **kwargs)

    monkeypatch.setattr(api, "kpis_by", recording)
    build.clear_cache()
    yield made
    build.clear_cache()


def test_the_pdf_report_makes_one_call_for_its_breakdowns_and_one_for_the_previous_period(demo, calls):
    rep = build.build_report(demo, "demo", "spring-launch", lang="en", parts=("daily", "posts"))
    assert len(calls) == 2
    assert calls[0] == {"breakdowns": ["creator", "day", "post"], "start": None, "diagnostics": True}
    assert calls[1]["breakdowns"] == [None] and calls[1]["start"] is not None and calls[1]["diagnostics"] is False
    assert rep.tables["creators"].rows and rep.tables["daily"].rows and rep.tables["posts"].rows
    assert rep.diagnostics and rep.cards[0].comparisons


def test_the_same_report_again_makes_no_call_and_says_the_same(demo, calls):
    first = build.build_report(demo, "demo", "spring-launch", lang="en", parts=("daily", "posts"))
    n = len(calls)
    again = build.build_report(demo, "demo", "spring-launch", lang="en", parts=("daily", "posts"))
    assert len(calls) == n
    assert [c.display for c in again.cards] == [c.display for c in first.cards]
    assert [d.message for d in again.diagnostics] == [d.message for d in first.diagnostics]


def test_a_panel_asks_only_for_its_breakdown_and_reuses_what_the_page_computed(demo, calls):
    # nothing wanted: the campaign KPIs alone
    build.build_report(demo, "demo", "glow-awareness", lang="en", parts=(), board=False, compare="none")
    assert calls[-1]["breakdowns"] == [None] and calls[-1]["diagnostics"] is False
    calls.clear()
    build.clear_cache()
    page = build.build_report(demo, "demo", "glow-awareness", lang="en", parts=())
    assert [c["breakdowns"] for c in calls] == [["creator"], [None]]
    daily = build.build_report(demo, "demo", "glow-awareness", lang="en", parts=("daily",), board=False,
                               compare="none")
    assert [c["breakdowns"] for c in calls][2:] == [["day"]]
    assert daily.daily and "creators" not in daily.tables and daily.summary is None
    assert page.summary is not None


def test_the_campaign_kpis_alone_come_from_any_cached_breakdown(demo, calls):
    with_rows = build.compute(demo, "demo", "finlit-webinars", by="creator")
    n = len(calls)
    alone = build.compute(demo, "demo", "finlit-webinars", diagnostics=False)
    assert len(calls) == n
    assert alone["kpis"] == with_rows["kpis"] and alone["rows"] == []
    # and results without diagnostics never stand in for a call that wants them
    build.clear_cache()
    build.compute(demo, "demo", "finlit-webinars", by="day", diagnostics=False)
    wanted = build.compute(demo, "demo", "finlit-webinars", by="day")
    assert calls[-1]["diagnostics"] is True and wanted["diagnostics"]


def test_requests_made_together_for_the_same_result_make_one_call(demo, calls):
    # the creator page's history rows and its valuation ask for the same per-creator results at once
    import threading

    results: list[dict] = []
    barrier = threading.Barrier(4)

    def ask() -> None:
        barrier.wait()
        results.append(build.compute(demo, "demo", "spring-launch", by="creator", diagnostics=False))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(calls) == 1 and calls[0]["breakdowns"] == ["creator"]
    assert len(results) == 4 and all(r["rows"] == results[0]["rows"] for r in results)
    assert not build._FLIGHTS  # nothing left behind
    # different campaigns each get their own call
    threads = [threading.Thread(target=build.compute, args=(demo, "demo", slug),
                                kwargs={"by": "creator", "diagnostics": False})
               for slug in ("glow-awareness", "finlit-webinars")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(c["breakdowns"][0] for c in calls[1:]) == ["creator", "creator"] and len(calls) == 3
