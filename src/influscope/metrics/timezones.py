"""Local days in the database: a time zone's UTC offsets as a schedule the query can apply.

A campaign's days are in its time zone. Rather than bring every hit (or every 15-minute bucket)
back to convert it, a grouped query adds the zone's offset to the UTC timestamp and divides by a
day. The offset changes only at the zone's transitions (daylight saving, rule changes), which
:func:`offsets` lists for a span of years, so the query's offset is a short CASE over the
transition instants.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
DAY_S = 86400


def _offset_s(tz: ZoneInfo, at: dt.datetime) -> int:
    return int(at.replace(tzinfo=UTC).astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]


@functools.lru_cache(maxsize=64)
def offsets(zone: str, first_year: int, last_year: int) -> tuple[tuple[int, int], ...]:
    """((from_epoch_second, offset_s), ...) for ZONE from the start of FIRST_YEAR to the end of
    LAST_YEAR (naive UTC): the offset in force from each instant to the next one."""
    tz = ZoneInfo(zone)
    start = dt.datetime(first_year, 1, 1)
    end = dt.datetime(last_year + 1, 1, 1)
    epoch = dt.datetime(1970, 1, 1)
    out = [(int((start - epoch).total_seconds()), _offset_s(tz, start))]
    day = start
    while day < end:
        nxt = day + dt.timedelta(days=1)
        if _offset_s(tz, nxt) != out[-1][1]:
            lo, hi = day, nxt  # the change is in (lo, hi]: find its minute
            while hi - lo > dt.timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    break
                if _offset_s(tz, mid) == out[-1][1]:
                    lo = mid
                else:
                    hi = mid
            out.append((int((hi - epoch).total_seconds()), _offset_s(tz, hi)))
        day = nxt
    return tuple(out)


def local_day_number(epoch_s, zone: str, first_year: int, last_year: int):
    """An Ibis integer expression: days since 1970-01-01 of EPOCH_S (an integer expression of UTC
    seconds) in ZONE; exact for instants from FIRST_YEAR to LAST_YEAR (the outermost offsets
    hold beyond)."""
    import ibis

    schedule = offsets(zone, first_year, last_year)
    if len(schedule) == 1:
        offset = ibis.literal(schedule[0][1])
    else:
        case = ibis.cases(*((epoch_s < start, prev) for (start, _), (_, prev) in zip(schedule[1:], schedule)),
                          else_=schedule[-1][1])
        offset = case
    return ((epoch_s + offset) // DAY_S).cast("int64")


def epoch_s(ts):
    """An Ibis integer expression: the seconds since 1970 of TS (a naive UTC timestamp expression)."""
    return ts.epoch_seconds().cast("int64")


def local_day(ts, zone: str, first_year: int, last_year: int):
    """:func:`local_day_number` of a naive UTC timestamp expression."""
    return local_day_number(epoch_s(ts), zone, first_year, last_year)


@functools.lru_cache(maxsize=8192)  # a campaign's rows name a few hundred days, each many times
def day_of(number: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(number))


def schedule_values(zone: str, first_year: int, last_year: int) -> tuple[int, dict[str, int]]:
    """ZONE's schedule for :func:`local_day_slots`: how many offsets it has from FIRST_YEAR to
    LAST_YEAR (the query's shape), and the values of its slots (``tz_at_1``... where each offset
    after the first begins, ``tz_off_0``... the offsets)."""
    schedule = offsets(zone, first_year, last_year)
    values = {f"tz_off_{i}": off for i, (_, off) in enumerate(schedule)}
    values.update({f"tz_at_{i}": at for i, (at, _) in enumerate(schedule) if i})
    return len(schedule), values


def local_day_slots(ts, p, size: int):
    """:func:`local_day` with the zone's schedule as SIZE bound values (slots of P, an
    :class:`influscope.kpi.prepared.Slots`), so that every zone with as many offsets in the span
    shares one compiled query."""
    import ibis

    epoch = epoch_s(ts)
    if size == 1:
        offset = p("tz_off_0", "int64")
    else:
        offset = ibis.cases(*((epoch < p(f"tz_at_{i + 1}", "int64"), p(f"tz_off_{i}", "int64")) for i in range(size - 1)),
                            else_=p(f"tz_off_{size - 1}", "int64"))
    return ((epoch + offset) // DAY_S).cast("int64")
