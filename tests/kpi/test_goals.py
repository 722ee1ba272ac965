from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from influscope.kpi.goals import attainment, elapsed_share, pacing


def test_attainment_higher_is_better():
    assert attainment(3.3, 3.0, "up") == pytest.approx(110.0)
    assert attainment(1.0, 1.36, "up") == pytest.approx(73.5294117647)
    assert attainment(Decimal("150000"), Decimal("200000"), "up") == 75.0


def test_attainment_lower_is_better():
    # cpa 250 against a target of 200: 200 / 250 x 100 = 80
    assert attainment(250, 200, "down") == 80.0
    assert attainment(Decimal("100"), Decimal("200"), "down") == 200.0


def test_attainment_undefined_cases():
    assert attainment(None, 3, "up") is None
    assert attainment(3, None, "up") is None
    assert attainment(3, 0, "up") is None
    assert attainment(0, 200, "down") is None  # a cpa of 0 has no ratio
    assert attainment(-50, 100, "up") is None  # roi below zero against a positive target
    assert attainment(0, 100, "up") == 0.0
    assert attainment(5, 3, "none") is None
    with pytest.raises(ValueError, match="direction"):
        attainment(1, 1, "sideways")
    with pytest.raises(ValueError, match="must be a number"):
        attainment("1", 1)


@given(st.floats(0.01, 1e6), st.floats(0.01, 1e6))
def test_attainment_directions_are_reciprocal(v, t):
    assert attainment(v, t, "up") * attainment(v, t, "down") == pytest.approx(10_000)


def test_elapsed_share():
    s, e = date(2026, 3, 1), date(2026, 3, 31)
    assert elapsed_share(s, e, date(2026, 2, 20)) == 0
    assert elapsed_share(s, e, s) == pytest.approx(1 / 31)
    assert elapsed_share(s, e, date(2026, 3, 10)) == pytest.approx(10 / 31)
    assert elapsed_share(s, e, e) == 1
    assert elapsed_share(s, e, date(2026, 5, 1)) == 1
    with pytest.raises(ValueError, match="before start"):
        elapsed_share(e, s, s)


def test_cumulative_pacing_projects_from_elapsed_share():
    # 10 of 31 days gone, 100,000 of revenue: 310,000 projected against 300,000
    p = pacing(Decimal("100000"), Decimal("300000"), date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 10))
    assert p.projected == Decimal("310000") and p.on_track is True
    assert p.projected_attainment == pytest.approx(310000 / 300000 * 100)
    behind = pacing(800, 3000, date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 10))
    assert behind.projected == pytest.approx(2480) and behind.on_track is False


def test_pacing_lower_is_better_budget():
    # spend 200,000 of a 500,000 budget after 10 of 31 days: projected 620,000 > budget
    p = pacing(Decimal("200000"), Decimal("500000"), date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 10), direction="down")
    assert p.projected == Decimal("620000") and p.on_track is False


def test_rate_pacing_keeps_current_value():
    p = pacing(1.1, 1.36, date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 10), kind="rate")
    assert p.projected == 1.1 and p.on_track is False
    assert pacing(2.0, 1.36, date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 10), kind="rate").on_track is True


def test_pacing_edge_cases():
    s, e = date(2026, 3, 1), date(2026, 3, 31)
    before = pacing(0, 100, s, e, date(2026, 2, 1))
    assert before.projected is None and before.reason == "campaign has not started" and before.on_track is None
    after = pacing(90, 100, s, e, date(2026, 4, 15))
    assert after.projected == 90 and after.on_track is False and after.elapsed_share == 1
    missing = pacing(None, 100, s, e, date(2026, 3, 5))
    assert missing.projected is None and missing.reason == "no value so far"
    assert pacing(10, None, s, e, date(2026, 3, 5)).on_track is None
    assert pacing(10, 100, s, e, date(2026, 3, 5)).to_dict()["kind"] == "cumulative"
    with pytest.raises(ValueError, match="kind"):
        pacing(1, 1, s, e, s, kind="average")
