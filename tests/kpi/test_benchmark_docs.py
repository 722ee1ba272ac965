"""docs/benchmarks.md and docs/emv.md must show the figures that ship in the data files."""

from decimal import Decimal
from pathlib import Path

import pytest

from influscope.kpi import benchmarks as b
from influscope.kpi import emv

DOCS = Path(__file__).resolve().parents[2] / "docs"


def num(x) -> str:
    d = Decimal(str(x)).normalize()
    return format(d, "f")


@pytest.fixture(scope="module")
def bench_doc():
    return (DOCS / "benchmarks.md").read_text(encoding="utf-8")


def test_er_bands_are_documented(bench_doc):
    for platform in ("instagram", "tiktok"):
        for followers in (2_000, 7_000, 20_000, 70_000, 200_000, 700_000, 2_000_000):
            band = b.er_band(platform, followers)
            assert f"{num(band.low)}-{num(band.high)} %" in bench_doc, (platform, followers)
            if band.high_above is not None:
                assert f"{num(band.high_above)} %" in bench_doc


def test_ctr_and_points_are_documented(bench_doc):
    for p in (None, "facebook", "instagram", "linkedin"):
        assert f"{num(b.ctr_baseline(p).value)} %" in bench_doc
    for point in b.er_points():
        assert f"{num(point.value)} %" in bench_doc
    for src in b.sources().values():
        if src.year:
            assert str(src.year) in bench_doc


def test_emv_rates_are_documented():
    doc = (DOCS / "emv.md").read_text(encoding="utf-8")
    for info in emv.list_tables():
        assert f"`{info.name}`" in doc
        table = emv.load_table(info.name)
        assert table.version in doc
        for rates in table.rates.values():
            for rate in rates.values():
                assert num(rate) in doc
