"""Local days computed in the database equal Python's conversion, across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import ibis
import pandas as pd
import pytest

from influscope.metrics.timezones import day_of, local_day_number, offsets

ZONES = ("America/New_York", "Europe/London", "Asia/Kathmandu", "Australia/Lord_Howe", "Asia/Taipei")


def _instants() -> list[int]:
    out = []
    for zone in ZONES:  # every minute around each change, and a spread over the years
        for start, _ in offsets(zone, 2025, 2027)[1:]:
            out += [start + m * 60 for m in range(-90, 91, 7)]
    out += [int(dt.datetime(2025, 1, 1).timestamp()) + k * 7919 for k in range(0, 9000)]
    return out


@pytest.mark.parametrize("backend", ["sqlite", "duckdb"])
def test_local_days_in_the_query_equal_python(backend, tmp_path):
    con = ibis.sqlite.connect(str(tmp_path / "t.db")) if backend == "sqlite" else ibis.duckdb.connect()
    seconds = _instants()
    t = con.create_table("hits", pd.DataFrame({"s": seconds}))
    for zone in ZONES:
        tz = ZoneInfo(zone)
        got = t.select(t.s, d=local_day_number(t.s, zone, 2025, 2027)).execute()
        for s, d in zip(got["s"], got["d"]):
            expected = dt.datetime.fromtimestamp(int(s), dt.timezone.utc).astimezone(tz).date()
            assert day_of(d) == expected, (zone, s)
