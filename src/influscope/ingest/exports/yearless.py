"""The year of a daily export whose dates have none (TikTok Studio's ``August 31``), settled from what
the file and its name carry, never guessed.

A daily file lists days in order, so the year of its first row fixes every other row (a December ->
January step moves to the next year). The candidates are the years that keep every day between the
first day TikTok Studio lets anyone export (17 July 2022) and tomorrow; then each piece of evidence
narrows them:

- the export time that TikTok Studio writes into its file names as Unix seconds
  (``Overview_2026-06-18_1786845545_meilin.eats.zip``): the file's last day is within a week before
  it (its data lags the export by a day or two);
- a full date in the file name that is the file's first or last day (the start of the exported range
  in the same names);
- the days themselves: a 29 February exists only in leap years, and a sequence near either end of the
  window may fit only one year.

Exactly one candidate left settles the year; otherwise the import is refused, asking for it.
"""

from __future__ import annotations

import datetime as dt
import re

# TikTok Studio's web analytics reach back to this day, and analytics are downloaded there
STUDIO_FIRST_DAY = dt.date(2022, 7, 17)
EXPORT_LAG = (dt.timedelta(days=7), dt.timedelta(days=2))  # last day from 7 days before to 2 days after the stamp

_STAMP = re.compile(r"(?<!\d)(1[4-9]\d{8}|[23]\d{9})(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


class Unsettled(ValueError):
    """No single year fits: the message says what was tried."""


def year_offsets(month_days: list[tuple[int, int]]) -> list[int]:
    """Each row's year relative to the first row's, from the December -> January steps (and back)."""
    offsets, year, prev = [], 0, None
    for md in month_days:
        if prev is not None:
            if prev[0] == 12 and md[0] == 1:
                year += 1
            elif prev[0] == 1 and md[0] == 12:
                year -= 1
        offsets.append(year)
        prev = md
    return offsets


def _dates(first_year: int, month_days: list[tuple[int, int]], offsets: list[int]) -> list[dt.date] | None:
    try:
        return [dt.date(first_year + off, m, d) for (m, d), off in zip(month_days, offsets)]
    except ValueError:  # 29 February of a common year
        return None


def name_stamps(name: str) -> list[dt.datetime]:
    """The Unix-seconds times a file name carries (naive UTC)."""
    return [dt.datetime.fromtimestamp(int(s), dt.timezone.utc).replace(tzinfo=None) for s in _STAMP.findall(name)]


def name_dates(name: str) -> list[dt.date]:
    out = []
    for y, m, d in _ISO.findall(name):
        try:
            out.append(dt.date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return out


def settle_year(month_days: list[tuple[int, int]], name: str, latest: dt.date | None = None,
                earliest: dt.date = STUDIO_FIRST_DAY) -> tuple[int, str]:
    """(the year of the first row, what settled it) for rows of MONTH_DAYS in file order, from file
    NAME; raises :class:`Unsettled` when no single year fits. LATEST defaults to tomorrow (UTC)."""
    if not month_days:
        raise Unsettled("no dates")
    latest = latest or dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1)
    offsets = year_offsets(month_days)
    candidates: dict[int, list[dt.date]] = {}
    for y in range(earliest.year - max(offsets), latest.year - min(offsets) + 1):
        days = _dates(y, month_days, offsets)
        if days and min(days) >= earliest and max(days) <= latest:
            candidates[y] = days
    if len(candidates) == 1:
        (year, days), = candidates.items()
        why = "29 February is in it" if (2, 29) in month_days else "no other year keeps its days"
        return year, f"{why}, between {earliest} (the first day TikTok Studio exports) and {latest}"
    evidence = []
    for stamp in name_stamps(name):
        fit = {y: d for y, d in candidates.items() if stamp.date() - EXPORT_LAG[0] <= d[-1] <= stamp.date() + EXPORT_LAG[1]}
        if fit:
            candidates = fit
            evidence.append(f"the export time in the file name ({stamp:%Y-%m-%d %H:%M} UTC)")
    for day in name_dates(name):
        fit = {y: d for y, d in candidates.items() if day in (d[0], d[-1])}
        if fit:
            candidates = fit
            evidence.append(f"the date in the file name ({day}, its {'first' if fit[next(iter(fit))][0] == day else 'last'} day)")
    if len(candidates) == 1 and evidence:
        return next(iter(candidates)), " and ".join(evidence)
    if not candidates:
        raise Unsettled(f"no year puts these days between {earliest} and {latest}: give the year of the first row "
                        "(--year) or the export's date range (--date-range START..END)")
    years = sorted(candidates, reverse=True)
    shown = ", ".join(str(y) for y in years[:4]) + (" or earlier" if len(years) > 4 else "")
    raise Unsettled(f"the dates have no year and nothing in the file or its name settles it (the first day could be in "
                    f"{shown}): give the year of the first row (--year) or the export's date range "
                    "(--date-range START..END), or import the .zip as TikTok Studio named it "
                    "(Overview_<date>_<number>_<account>.zip), whose name carries it")
