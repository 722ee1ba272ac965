"""The hand-written DuckDB reference of bench/kpi gives influscope's values (and says so when not)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "kpi"


def _load(name: str):
    """A bench script as a module, under a name no installed package has."""
    spec = importlib.util.spec_from_file_location(f"bench_kpi_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load("build")
reference = _load("reference")


@pytest.fixture(scope="module")
def bundle_db(tmp_path_factory):
    """The benchmark's one-campaign bundle, small: codes, click ids (some too late), utm_content,
    sitewide codes, refunds, cancellations, USD orders and costs."""
    from influscope.db.engine import get_engine
    from influscope.ingest.canonical import import_bundle

    root = tmp_path_factory.mktemp("refbundle")
    engine = get_engine(f"sqlite:///{root / 'store.db'}")
    import_bundle(engine, build.clicks_bundle(root / "bundle", 6000, seed=3), workspace="demo")
    yield engine, root / "store.db"
    engine.dispose()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from influscope.db.engine import get_engine
    from influscope.demo import create_demo

    root = tmp_path_factory.mktemp("refdemo")
    engine = get_engine(f"sqlite:///{root / 'store.db'}")
    create_demo(engine, workspace="demo", scale=0.05, seed=7, today=dt.date(2026, 11, 1))
    yield engine, root / "store.db"
    engine.dispose()


@pytest.mark.parametrize("by", [None, "creator"])
def test_bundle_values_equal(bundle_db, by):
    engine, path = bundle_db
    con = reference.copy_from_sqlite(path)
    ref = reference.kpis(con, "demo", "bench-1m", by)
    c = ref["campaign"]
    # the bundle exercises every part of the definitions
    assert c["clicks"] > c["unique_clicks"] > 0 and c["bot_clicks"] > 0 and c["orders"] > 0
    assert isinstance(c["spend"], Decimal) and isinstance(c["revenue"], Decimal)
    assert reference.check(engine, con, "demo", "bench-1m", by) == 17 * (1 + (40 if by else 0))


@pytest.mark.parametrize("slug", ["glow-awareness", "finlit-webinars", "spring-launch"])
def test_demo_values_equal(demo_db, slug):
    engine, path = demo_db
    con = reference.copy_from_sqlite(path)
    assert reference.check(engine, con, "demo", slug, "creator") > 17


def test_a_difference_is_reported(bundle_db):
    engine, path = bundle_db
    con = reference.copy_from_sqlite(path)
    ref = reference.kpis(con, "demo", "bench-1m", "creator")
    ours = reference.influscope_values(engine, "demo", "bench-1m", "creator")
    assert reference.differences(ref, ours) == []
    key = sorted(ours["creators"])[0]
    ours["creators"][key]["revenue"] += Decimal("0.0001")
    ours["campaign"]["ctr"] *= 1 + 1e-8
    ours["campaign"]["clicks"] = float(ours["campaign"]["clicks"])  # a count must stay an int
    diff = reference.differences(ref, ours)
    assert [d.split(":")[:2] for d in diff] == [["campaign", " clicks"], ["campaign", " ctr"],
                                                [f"creator {key}", " revenue"]]


def test_whole_process_script_reads_a_copied_file(bundle_db, tmp_path):
    engine, path = bundle_db
    script = str(BENCH / "reference.py")
    url = f"sqlite:///{path}"
    subprocess.run([sys.executable, script, "--db", url, "--copy-to", str(tmp_path / "c.duckdb")], check=True,
                   capture_output=True)
    out = subprocess.run([sys.executable, script, "bench-1m", "--workspace", "demo", "--duckdb",
                          str(tmp_path / "c.duckdb")], check=True, capture_output=True, text=True).stdout
    from_file = json.loads(out)["campaign"]
    ref = reference.kpis(reference.copy_from_sqlite(path), "demo", "bench-1m")["campaign"]
    assert from_file == json.loads(json.dumps(reference._plain(ref)))
    checked = subprocess.run([sys.executable, script, "bench-1m", "--workspace", "demo", "--db", url, "--check"],
                             capture_output=True, text=True)
    assert checked.returncode == 0 and "17 values equal" in checked.stdout
