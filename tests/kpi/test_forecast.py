from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from influscope.kpi.forecast import sales_forecast, theil_sen

START, END = date(2026, 3, 1), date(2026, 3, 31)


def series(values, start=START):
    return [(start + timedelta(days=i), Decimal(str(v))) for i, v in enumerate(values)]


def test_exact_linear_trend_hand_computed():
    # revenue 100 + 10 x on days x = 0..13 (1-14 March); today = 15 March
    f = sales_forecast(series([100 + 10 * x for x in range(14)]), START, END, date(2026, 3, 15))
    assert f.reason is None and f.estimated and f.days_used == 14
    assert f.actual_to_date == Decimal("2310.00")  # 1400 + 10 x 91
    assert f.trend_per_day == Decimal("10.00")
    # 17 remaining days t = 14..30: 1700 + 10 x 374 = 5440
    assert f.to_end == Decimal("7750.00")
    # next 30 days t = 14..43: 3000 + 10 x 855 = 11550
    assert f.next == Decimal("11550.00")
    # no noise: the interval collapses to the point
    assert f.to_end_low == f.to_end == f.to_end_high
    assert f.next_low == f.next == f.next_high


def test_noisy_series_interval_and_robustness():
    rng = np.random.default_rng(3)
    values = [round(1000 + 20 * x + float(rng.normal(0, 150)), 2) for x in range(20)]
    values[5] = 40_000  # one bulk order
    f = sales_forecast(series(values), START, END, date(2026, 3, 21))
    assert f.to_end_low < f.to_end < f.to_end_high
    assert f.next_low < f.next < f.next_high
    # the trend ignores the outlier: close to the true 20 per day
    assert 0 < f.trend_per_day < 60
    # deterministic with the same seed, different with another
    assert sales_forecast(series(values), START, END, date(2026, 3, 21)) == f
    assert sales_forecast(series(values), START, END, date(2026, 3, 21), seed=1).to_end_low != f.to_end_low


def test_declining_sales_are_floored_at_zero():
    f = sales_forecast(series([700 - 100 * x for x in range(8)]), START, END, date(2026, 3, 9))
    # line reaches 0 at x = 7; every future day is 0
    assert f.next == Decimal("0.00") and f.to_end == f.actual_to_date


def test_days_without_entries_are_zero_and_duplicates_add_up():
    daily = [(START + timedelta(days=i), 100) for i in range(0, 10, 2)]  # every other day
    daily += [(START, 50), (date(2026, 2, 20), 9999), (date(2026, 3, 11), 9999)]  # before start / today: ignored
    f = sales_forecast(daily, START, END, date(2026, 3, 11))
    assert f.actual_to_date == Decimal("550.00") and f.days_used == 10


def test_after_the_end_to_end_is_actual():
    values = [100] * 40
    f = sales_forecast(series(values), START, END, date(2026, 4, 10))
    assert f.to_end == f.to_end_low == f.to_end_high == Decimal("3100.00")
    assert f.actual_to_date == Decimal("4000.00") and f.next == Decimal("3000.00")


@pytest.mark.parametrize(
    "daily,today,reason",
    [
        (series([100] * 5), date(2026, 2, 27), "campaign has not started"),
        ([], date(2026, 3, 20), "no sales recorded"),
        ([(START, None)], date(2026, 3, 20), "no sales recorded"),
        (series([100] * 3), date(2026, 3, 4), "too little data: 3 complete day(s) of sales history, at least 7 needed"),
    ],
)
def test_no_projection_with_a_reason(daily, today, reason):
    f = sales_forecast(daily, START, END, today)
    assert f.reason == reason and f.to_end is None and f.next is None
    assert f.to_dict()["reason"] == reason


def test_bad_input():
    with pytest.raises(ValueError, match="before start"):
        sales_forecast([], END, START, END)
    with pytest.raises(ValueError, match=r"daily\[0\]: not a date"):
        sales_forecast([("2026-03-01", 5)], START, END, END)
    with pytest.raises(ValueError, match="horizon_days"):
        sales_forecast([], START, END, END, horizon_days=0)


def test_theil_sen_matches_hand_example():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([1.0, 3.0, 5.0, 100.0])
    a, b = theil_sen(x, y)
    # pair slopes: 2, 2, 33, 2, 48.5, 95 -> median (2 + 33) / 2 = 17.5
    assert b == pytest.approx(17.5)


def test_the_bootstrap_fits_all_at_once_equal_one_fit_per_resample():
    """Every resample's Theil-Sen line, computed together, is bit for bit the one-by-one fit:
    repeated days, ties, flat and spiky series."""
    from influscope.kpi.forecast import bootstrap_theil_sen

    rng = np.random.default_rng(11)
    for trial in range(120):
        n = int(rng.integers(2, 60))
        x = np.arange(n, dtype=float)
        y = [rng.random(n) * 1000, np.round(rng.random(n) * 3), np.zeros(n), rng.exponential(90, n)][trial % 4]
        samples = rng.integers(0, n, (25, n))
        intercepts, slopes = bootstrap_theil_sen(x, y, samples)
        for k, idx in enumerate(samples):
            assert (intercepts[k], slopes[k]) == theil_sen(x[idx], y[idx])


def _one_round_at_a_time(y, n_boot, remaining, horizon, seed=0):
    """The bootstrap's simulated sums as a loop over rounds: each round draws its resampled days,
    then a residual per remaining day and per horizon day, fits its own Theil-Sen line and sums
    its days; the reference the all-rounds-at-once computation must equal bit for bit."""
    n = len(y)
    x = np.arange(n, dtype=float)
    a, b = theil_sen(x, y)
    resid = y - (a + b * x)
    t_end, t_next = np.arange(n, n + remaining, dtype=float), np.arange(n, n + horizon, dtype=float)
    rng = np.random.default_rng(seed)
    sims_end, sims_next = np.empty(n_boot), np.empty(n_boot)
    for k in range(n_boot):
        idx = rng.integers(0, n, n)
        r_end = rng.choice(resid, size=remaining) if remaining else np.empty(0)
        r_next = rng.choice(resid, size=horizon)
        ab, bb = theil_sen(x[idx], y[idx])
        sims_end[k] = np.clip(ab + bb * t_end + r_end, 0, None).sum()
        sims_next[k] = np.clip(ab + bb * t_next + r_next, 0, None).sum()
    return sims_end, sims_next


def test_the_rounds_drawn_and_summed_at_once_equal_one_round_at_a_time():
    """sales_forecast's figures are those of the round-by-round simulation, bit for bit: flat,
    spiky, declining and tied series, campaigns running or ended, several horizons and seeds."""
    from influscope.kpi.forecast import _money

    rng = np.random.default_rng(5)
    for trial in range(40):
        n = int(rng.integers(7, 70))
        kind = trial % 4
        y = [np.round(rng.random(n) * 900, 2), np.round(rng.random(n) * 3), np.maximum(500 - 40 * np.arange(n), 0.0),
             np.round(rng.exponential(120, n), 2)][kind]
        if not y.any():
            y[0] = 1.0
        start = date(2026, 1, 1)
        today = start + timedelta(days=n)
        end = today + timedelta(days=int(rng.integers(-3, 40)))  # ended, ending today, or running
        end = max(end, start)
        horizon, seed, n_boot = int(rng.integers(1, 45)), int(rng.integers(0, 5)), int(rng.integers(1, 120))
        f = sales_forecast(series(y, start), start, end, today, horizon_days=horizon, n_boot=n_boot, seed=seed)
        remaining = max((end - today).days + 1, 0)
        # the same float values the forecast sums (Decimal of each day's revenue, back to float)
        ys = np.array([float(Decimal(str(v))) for v in y])
        sims_end, sims_next = _one_round_at_a_time(ys, n_boot, remaining, horizon, seed)
        assert f.next == _money(np.median(sims_next))
        assert (f.next_low, f.next_high) == (_money(np.percentile(sims_next, 10)), _money(np.percentile(sims_next, 90)))
        if today <= end:
            actual = f.actual_to_date
            assert f.to_end == actual + _money(np.median(sims_end))
            assert f.to_end_low == actual + _money(np.percentile(sims_end, 10))
            assert f.to_end_high == actual + _money(np.percentile(sims_end, 90))


def test_the_kth_position_by_blocks_is_the_sorted_search_of_the_running_sums():
    """Around block edges (1, 63, 64, 65, 128, 200 values), with empty rows and zero weights."""
    from influscope.kpi.forecast import _positions

    rng = np.random.default_rng(2)
    for m in (1, 2, 63, 64, 65, 127, 128, 129, 200):
        weights = rng.integers(0, 4, (30, m)) * (rng.random((30, m)) < 0.4)
        weights[0] = 0
        total = weights.sum(axis=1)
        for k in ((total - 1) // 2, total // 2, np.maximum(total - 1, 0), np.zeros(30, dtype=np.int64)):
            want = [np.searchsorted(np.cumsum(w), kk, side="right") for w, kk in zip(weights, k)]
            assert _positions(weights, k).tolist() == want
