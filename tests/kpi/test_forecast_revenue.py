"""The sales forecast's daily revenue: each bucket in another currency converted on its own, as the
engine's revenue of that bucket alone, with each currency's rate of a day looked up once."""

import datetime as dt
import importlib.util
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from influscope.kpi import api, forecast, methodology
from influscope.kpi.engine import Context, Value, _revenue, counted_orders

TODAY = dt.date(2026, 11, 1)


def _bench_build():
    """bench/kpi/build.py as a module, under a name no installed package has."""
    spec = importlib.util.spec_from_file_location("bench_kpi_build_forecast",
                                                  Path(__file__).resolve().parents[2] / "bench" / "kpi" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The benchmark's one-campaign bundle, small: orders in TWD and in USD, refunds, cancellations."""
    from influscope.db.engine import get_engine
    from influscope.ingest.canonical import import_bundle

    root = tmp_path_factory.mktemp("fc")
    engine = get_engine(f"sqlite:///{root / 'store.db'}")
    import_bundle(engine, _bench_build().clicks_bundle(root / "bundle", 6000, seed=3), workspace="demo")
    yield engine
    engine.dispose()


def _bucket_by_bucket(facts, ctx, today):
    """The forecast with every bucket's revenue taken from the engine one bucket at a time."""
    daily: dict[dt.date, Decimal] = {}
    for o in counted_orders(ctx):
        rev, reason = _revenue(ctx, [o])
        if rev is None:
            return Value(None, reason, estimated=True)
        daily[o["day"]] = daily.get(o["day"], Decimal(0)) + rev
    c = facts.campaign
    fc = forecast.sales_forecast(sorted(daily.items()), c.start, c.end, today, horizon_days=30)
    if fc.to_end is None:
        return Value(None, fc.reason or "no forecast", estimated=True)
    return Value(fc.to_end, estimated=True, detail={k: (str(v) if isinstance(v, Decimal) else v)
                                                    for k, v in fc.to_dict().items()})


def _context(engine, slug, settings=None):
    from influscope.kpi.backends import connect
    from influscope.kpi.facts import load, load_campaign

    camp = load_campaign(engine, slug, "demo")
    resolved = methodology.resolve(workspace=camp.workspace_methodology, campaign=camp.methodology, call=settings)
    facts = load(connect(engine), camp, resolved)
    return facts, resolved


@pytest.mark.parametrize("basis", ["net", "gross"])
def test_the_daily_revenue_is_the_engines_bucket_by_bucket(store, basis):
    facts, resolved = _context(store, "bench-1m", {"revenue_basis": basis})
    assert len({o["currency"] for o in facts.orders}) > 1  # buckets in another currency are converted
    for today in (facts.campaign.start + dt.timedelta(days=9), facts.campaign.end, TODAY):
        ctx = Context(facts, resolved, "campaign", today)
        got = api._forecast(facts, ctx, today)
        assert got == _bucket_by_bucket(facts, ctx, today) and got.value is not None


def test_a_missing_rate_gives_the_engines_reason(store):
    facts, resolved = _context(store, "bench-1m")
    foreign = sorted({o["currency"] for o in facts.orders} - {facts.campaign.currency})
    assert foreign
    facts = replace(facts, fx={k: v for k, v in facts.fx.items() if k != foreign[0]})
    ctx = Context(facts, resolved, "campaign", TODAY)
    got = api._forecast(facts, ctx, TODAY)
    assert got == _bucket_by_bucket(facts, ctx, TODAY)
    assert got.value is None and "exchange rate" in got.reason
