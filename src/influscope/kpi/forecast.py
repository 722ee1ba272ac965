"""sales_forecast: projected revenue to the campaign end and over the next days, with an interval.

Public API::

    sales_forecast(daily: Iterable[tuple[date, Decimal | int | str]], start: date, end: date,
                   today: date, horizon_days: int = 30, *, level: float = 0.8,
                   min_days: int = 7, n_boot: int = 400, seed: int = 0) -> SalesForecast

Input: attributed revenue per day (code and link sales) in campaign currency. Several entries
for one day are added up. Only complete days are used: ``start <= day < today``; a day in that
range without an entry had no sales (0). Entries before ``start`` or from ``today`` on are ignored.

Method (also in docs/goals-and-forecast.md):

1. Trend: a Theil-Sen line over (day number, revenue): the slope is the median of the slopes of
   all pairs of days, the intercept the median of ``revenue - slope x day``. It is robust: one
   viral day or one bulk order moves it little.
2. Simulation: each of ``n_boot`` bootstrap rounds resamples the observed days with
   replacement, refits the Theil-Sen line, and for each future day takes the line plus a
   residual drawn from the original fit, floored at 0 (revenue is never negative); the days are
   summed. ``to_end`` = actual revenue to date + the sum over the remaining campaign days from
   ``today`` to ``end`` inclusive; ``next`` = the sum over ``horizon_days`` days from ``today``.
3. Point forecast = the median of the simulated sums; interval (``level``, default 80 %) = the
   central ``level`` share of them. Occasional spikes (bulk orders) therefore show up in the
   forecast at their observed frequency, while the trend itself ignores them. The random
   generator is seeded, so results are reproducible.

When ``today`` is after ``end``, ``to_end`` is the actual campaign revenue (no projection).
No projection is made, with a ``reason``, before the campaign starts, when no sale was recorded,
or with fewer than ``min_days`` complete days of history. Results are Decimal rounded to 0.01
and always ``estimated=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Iterable

import numpy as np

from influscope.db.types import to_decimal

__all__ = ["SalesForecast", "bootstrap_theil_sen", "sales_forecast", "theil_sen"]

METHOD = "Theil-Sen trend on daily revenue; bootstrap (days resampled, residuals added) interval"
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class SalesForecast:
    actual_to_date: Decimal | None
    to_end: Decimal | None
    to_end_low: Decimal | None
    to_end_high: Decimal | None
    next: Decimal | None
    next_low: Decimal | None
    next_high: Decimal | None
    horizon_days: int
    level: float
    days_used: int
    trend_per_day: Decimal | None
    method: str
    reason: str | None
    estimated: bool = True

    def to_dict(self) -> dict:
        out = {}
        for k, v in self.__dict__.items():
            out[k] = str(v) if isinstance(v, Decimal) else v
        return out


def _money(x: float) -> Decimal:
    return Decimal(repr(float(x))).quantize(_CENT, rounding=ROUND_HALF_EVEN)


def theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(intercept, slope) of the Theil-Sen line; slope 0 when all x are equal."""
    dx = x[None, :] - x[:, None]
    dy = y[None, :] - y[:, None]
    mask = dx > 0
    slope = float(np.median(dy[mask] / dx[mask])) if mask.any() else 0.0
    intercept = float(np.median(y - slope * x))
    return intercept, slope


_BLOCK = 64  # weights summed per block of this many sorted values before the one block is searched


def _positions(weights: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Per row of WEIGHTS, how many of its running sums are K (of that row) or less: the position
    of the row's K-th unit (from 0) among the sorted values. The running sums are taken per block
    of values, then within the one block where K falls."""
    rows, m = weights.shape
    full = m // _BLOCK * _BLOCK
    sums = weights[:, :full].reshape(rows, -1, _BLOCK).sum(axis=2, dtype=np.int64)
    if full < m:
        sums = np.concatenate([sums, weights[:, full:].sum(axis=1, dtype=np.int64)[:, None]], axis=1)
    ends = np.cumsum(sums, axis=1)
    block = np.minimum((ends <= k[:, None]).sum(axis=1), ends.shape[1] - 1)  # every value before it is within K
    before = np.where(block > 0, ends[np.arange(rows), block - 1], 0)
    at = block[:, None] * _BLOCK + np.arange(_BLOCK)
    inside = np.where(at < m, weights[np.arange(rows)[:, None], np.minimum(at, m - 1)], 0)
    within = (before[:, None] + np.cumsum(inside, axis=1, dtype=np.int64) <= k[:, None]) & (at < m)
    return block * _BLOCK + within.sum(axis=1)


def _weighted_middles(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row of WEIGHTS (how many times each of the sorted VALUES occurs in that row's multiset),
    the multiset's median as ``np.median`` gives it (the mean of the two middle values when the
    count is even); 0 for a row with no value."""
    if not len(values):
        return np.zeros(len(weights))
    total = weights.sum(axis=1, dtype=np.int64)
    lo = np.minimum(_positions(weights, (total - 1) // 2), len(values) - 1)
    hi = np.minimum(_positions(weights, total // 2), len(values) - 1)
    return np.where(total > 0, (values[lo] + values[hi]) / 2, 0.0)


def bootstrap_theil_sen(x: np.ndarray, y: np.ndarray, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`theil_sen` of ``(x[idx], y[idx])`` for every row ``idx`` of SAMPLES, all at once and
    with the same floating-point results: a resample's pair slopes are the slopes of the pairs of
    distinct original points, each as many times as the product of how often the two points were
    drawn, so each slope median is a weighted median over the original pairs, sorted once."""
    n = len(x)
    a, b = np.nonzero(x[None, :] - x[:, None] > 0)  # original pairs with x[a] < x[b]
    slopes = (y[b] - y[a]) / (x[b] - x[a])
    order = np.argsort(slopes, kind="stable")
    slopes, a, b = slopes[order], a[order], b[order]
    rows = np.arange(len(samples))[:, None] * n
    counts = np.bincount((rows + samples).ravel(), minlength=len(samples) * n).reshape(len(samples), n).astype(np.int32)
    # a pair of positions in a resample has dx > 0 only for two distinct points, the lower first;
    # a few resamples at a time keep the (resamples x pairs) weights small
    step = max(1, 200_000 // max(len(slopes), 1))
    slope = np.concatenate([_weighted_middles(slopes, counts[i:i + step, a] * counts[i:i + step, b])
                            for i in range(0, len(samples), step)]) if len(samples) else np.zeros(0)
    xs, ys = x[samples], y[samples]
    intercept = np.median(ys - slope[:, None] * xs, axis=1)
    return intercept, slope


def _empty(reason: str, horizon: int, level: float, actual=None, days=0) -> SalesForecast:
    return SalesForecast(actual, None, None, None, None, None, None, horizon, level, days, None, METHOD, reason)


def sales_forecast(daily: Iterable[tuple[date, object]], start: date, end: date, today: date,
                   horizon_days: int = 30, *, level: float = 0.8, min_days: int = 7,
                   n_boot: int = 400, seed: int = 0) -> SalesForecast:
    """Project revenue to the campaign end and over the next ``horizon_days`` days (see module docs)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if min_days < 2:
        raise ValueError("min_days must be at least 2")

    totals: dict[date, Decimal] = {}
    any_sale = False
    for i, item in enumerate(daily):
        try:
            day, amount = item
        except (TypeError, ValueError):
            raise ValueError(f"daily[{i}]: expected (date, amount), got {item!r}") from None
        if not isinstance(day, date):
            raise ValueError(f"daily[{i}]: not a date: {day!r}")
        if amount is None:
            continue
        amount = to_decimal(amount, field=f"daily[{i}]")
        if start <= day < today:
            totals[day] = totals.get(day, Decimal(0)) + amount
            any_sale = True

    if today <= start:
        return _empty("campaign has not started", horizon_days, level)
    n = (today - start).days
    actual = sum(totals.values(), Decimal(0))
    if not any_sale:
        return _empty("no sales recorded", horizon_days, level, days=n)
    if n < min_days:
        return _empty(f"too little data: {n} complete day(s) of sales history, at least {min_days} needed",
                      horizon_days, level, actual, n)

    x = np.arange(n, dtype=float)
    y = np.array([float(totals.get(start + timedelta(days=i), 0)) for i in range(n)])
    a, b = theil_sen(x, y)
    resid = y - (a + b * x)

    remaining = max((end - today).days + 1, 0)
    t_end = np.arange(n, n + remaining, dtype=float)
    t_next = np.arange(n, n + horizon_days, dtype=float)

    # Each round draws the resampled days (n), then a residual for each remaining campaign day and
    # for each day of the horizon, all uniform integers below n (a residual is drawn by its index):
    # the generator gives the same numbers drawn for all rounds at once, one round per row.
    draws = np.random.default_rng(seed).integers(0, n, (n_boot, n + remaining + horizon_days))
    ab, bb = bootstrap_theil_sen(x, y, draws[:, :n])
    # one row per round, summed along the row as a single round's days are summed
    sims_end = np.clip(ab[:, None] + bb[:, None] * t_end + resid[draws[:, n:n + remaining]], 0, None).sum(axis=1)
    sims_next = np.clip(ab[:, None] + bb[:, None] * t_next + resid[draws[:, n + remaining:]], 0, None).sum(axis=1)
    lo_q, hi_q = (1 - level) / 2 * 100, (1 + level) / 2 * 100

    actual_r = actual.quantize(_CENT, rounding=ROUND_HALF_EVEN)
    if today > end:
        campaign_actual = sum((v for d, v in totals.items() if d <= end), Decimal(0)).quantize(_CENT, rounding=ROUND_HALF_EVEN)
        to_end = to_end_low = to_end_high = campaign_actual
    else:
        to_end = actual_r + _money(np.median(sims_end))
        to_end_low = actual_r + _money(np.percentile(sims_end, lo_q))
        to_end_high = actual_r + _money(np.percentile(sims_end, hi_q))
    return SalesForecast(
        actual_to_date=actual_r,
        to_end=to_end,
        to_end_low=to_end_low,
        to_end_high=to_end_high,
        next=_money(np.median(sims_next)),
        next_low=_money(np.percentile(sims_next, lo_q)),
        next_high=_money(np.percentile(sims_next, hi_q)),
        horizon_days=horizon_days,
        level=level,
        days_used=n,
        trend_per_day=_money(b),
        method=METHOD,
        reason=None,
    )
