import itertools
from decimal import Decimal

import pytest

from influscope.planning.allocation import (Candidate, PlanFileError, allocate, read_candidates, response)
from hypothesis import given, settings, strategies as st


def test_response_curve():
    c = Candidate("a", Decimal(1000), 400.0)
    assert response(c, Decimal(0)) == 0
    assert response(c, Decimal(1000)) == 400
    assert response(c, Decimal(4000)) == pytest.approx(800)  # sqrt(4) x 400
    assert response(c, Decimal(4000), alpha=1) == pytest.approx(1600)


def test_greedy_is_optimal_without_minimum_fees():
    # concave responses, no entry cost: greedy on the step grid equals the exhaustive optimum
    cands = [
        Candidate("a", Decimal(1000), 500.0, min_fee=Decimal(0), max_fee=Decimal(5000)),
        Candidate("b", Decimal(2000), 1500.0, min_fee=Decimal(0), max_fee=Decimal(5000)),
        Candidate("c", Decimal(500), 120.0, min_fee=Decimal(0), max_fee=Decimal(3000)),
    ]
    budget, step = Decimal(6000), Decimal(500)
    got = allocate(cands, budget, goal="tofu", step=step)
    grid = [Decimal(500) * i for i in range(11)]
    best = 0.0
    for xs in itertools.product(grid, repeat=3):
        if sum(xs) <= budget and all(x <= c.hi for x, c in zip(xs, cands)):
            best = max(best, sum(response(c, x) for c, x in zip(cands, xs)))
    assert got.outcome == pytest.approx(best)
    assert got.spent == budget and got.unspent == 0 and got.objective == "reach"


def test_quoted_deals_only_pick_best_ratio_within_budget():
    cands = [
        Candidate("big", Decimal(50_000), 150_000.0, label="@big"),     # 3.0 per unit
        Candidate("mid", Decimal(20_000), 80_000.0),                     # 4.0
        Candidate("small", Decimal(10_000), 25_000.0),                   # 2.5
        Candidate("pricey", Decimal(90_000), 90_000.0),                  # 1.0, never fits
    ]
    got = allocate(cands, Decimal(80_000), goal="bofu")
    booked = {i.id: i.spend for i in got.items if i.booked}
    assert booked == {"mid": Decimal(20_000), "big": Decimal(50_000), "small": Decimal(10_000)}
    assert got.outcome == pytest.approx(255_000) and got.unspent == 0
    assert got.items[0].id == "big" and got.items[0].label == "@big"
    assert got.items[-1].id == "pricey" and not got.items[-1].booked and got.items[-1].spend == 0


def test_ratio_trap_is_avoided():
    # greedy by ratio alone books "cheap" (ratio 2) and then cannot afford "big" (ratio 1)
    cands = [Candidate("cheap", Decimal(1), 2.0), Candidate("big", Decimal(100), 100.0)]
    got = allocate(cands, Decimal(100), alpha=1.0)
    assert {i.id: i.spend for i in got.items if i.booked} == {"big": Decimal(100)}
    assert got.outcome == 100


def test_min_and_max_fees_are_respected():
    cands = [
        Candidate("a", Decimal(1000), 1000.0, min_fee=Decimal(800), max_fee=Decimal(3000)),
        Candidate("b", Decimal(1000), 900.0, min_fee=Decimal(1000), max_fee=Decimal(1500)),
    ]
    got = allocate(cands, Decimal(10_000), goal="mofu", step=Decimal(100))
    spend = {i.id: i.spend for i in got.items}
    assert spend == {"a": Decimal(3000), "b": Decimal(1500)}  # both capped at max_fee
    assert got.unspent == Decimal(5500) and got.objective == "clicks"
    small = allocate(cands, Decimal(700), goal="mofu")
    assert small.spent == 0 and small.outcome == 0  # no minimum fee fits


def test_diminishing_returns_spread_the_budget():
    cands = [Candidate(n, Decimal(1000), 1000.0, min_fee=Decimal(0), max_fee=Decimal(10_000)) for n in "abcd"]
    got = allocate(cands, Decimal(4000), step=Decimal(250))
    assert sorted(i.spend for i in got.items) == [Decimal(1000)] * 4
    linear = allocate(cands, Decimal(4000), step=Decimal(250), alpha=1.0)
    assert linear.outcome == pytest.approx(4000)


def test_allocate_rejects_bad_input():
    c = Candidate("a", Decimal(100), 1.0)
    with pytest.raises(ValueError, match="goal"):
        allocate([c], 100, goal="sales")
    with pytest.raises(ValueError, match="objective"):
        allocate([c], 100, objective="likes")
    with pytest.raises(ValueError, match="duplicate candidate id"):
        allocate([c, c], 100)
    with pytest.raises(ValueError, match="min_fee <= max_fee"):
        allocate([Candidate("b", Decimal(100), 1.0, min_fee=Decimal(50), max_fee=Decimal(10))], 100)
    with pytest.raises(ValueError, match="alpha"):
        allocate([c], 100, alpha=0)


CSV = """creator_id,handle,platform,followers,fee,min_fee,max_fee,revenue,impressions,likes,comments
mei,@mei,instagram,85000,30000,,,120000,42000,1200,40
jun,@jun,tiktok,250000,45000,45000,90000,150000,,,
ana,@ana,instagram,12000,8000,,,20000,9000,300,12
"""


def test_read_candidates_and_allocate(tmp_path):
    path = tmp_path / "cands.csv"
    path.write_text(CSV, encoding="utf-8")
    cands = read_candidates(path, "revenue")
    assert [c.id for c in cands] == ["mei", "jun", "ana"]
    assert cands[1].hi == Decimal(90000) and cands[0].lo == cands[0].hi == Decimal(30000)
    got = allocate(cands, Decimal(100_000), goal="bofu")
    assert got.spent <= Decimal(100_000) and got.outcome > 0
    # objective estimated from followers and typical post metrics
    imp = tmp_path / "imp.csv"
    imp.write_text(CSV.replace("jun,@jun,tiktok,250000,45000,45000,90000,150000,,,", "jun,@jun,tiktok,250000,45000,45000,90000,150000,200000,,"), encoding="utf-8")
    direct = {c.id: c for c in read_candidates(imp, "impressions")}
    assert direct["mei"].outcome == 42000 and not direct["mei"].estimated
    clicks = {c.id: c for c in read_candidates(imp, "clicks")}
    assert clicks["mei"].outcome == pytest.approx(273) and clicks["mei"].estimated  # 42,000 x 0.65 %
    assert clicks["jun"].outcome == pytest.approx(2000)  # 200,000 x 1.0 % (TikTok midpoint)
    eng = {c.id: c for c in read_candidates(path, "engagements")}
    assert eng["mei"].outcome == 1240 and eng["jun"].outcome == pytest.approx(250000 * 0.84 / 100)


@pytest.mark.parametrize(
    "text,message",
    [
        ("creator_id,revenue\nmei,100\n", "line 1: missing column 'fee'"),
        ("creator_id,fee,revenue\nmei,abc,100\n", "line 2: fee: not a number: 'abc'"),
        ("creator_id,fee,revenue\nmei,100,100\nmei,100,100\n", "line 3: creator_id: duplicate 'mei' (first on line 2)"),
        ("creator_id,fee,revenue\nmei,100,\n", "line 2: revenue: required"),
        ("creator_id,fee,min_fee,max_fee,revenue\nmei,100,50,10,5\n", "line 2: max_fee: 10 is below min_fee 50"),
        ("creator_id,fee,revenue\n,100,5\n", "line 2: creator_id: required"),
        ("creator_id,fee,revenue\nmei,0,5\n", "line 2: fee: must be positive"),
        ("creator_id,fee\n", "no candidates"),
    ],
)
def test_read_candidates_errors(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanFileError) as info:
        read_candidates(path, "revenue")
    assert message in str(info.value) and str(path) in str(info.value)


def test_reach_objective_needs_data(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("creator_id,fee,platform,followers\nmei,100,instagram,5000\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match="line 2: reach: empty and cannot be estimated"):
        read_candidates(path, "reach")


_cand = st.builds(
    lambda fee, out, lo_f, span: Candidate(
        id="", fee=Decimal(fee), outcome=float(out),
        min_fee=(Decimal(fee) * Decimal(lo_f)).quantize(Decimal("0.01")),
        max_fee=(Decimal(fee) * Decimal(lo_f)).quantize(Decimal("0.01")) + Decimal(span)),
    st.integers(100, 50_000), st.integers(0, 100_000), st.sampled_from(["0", "0.5", "1"]), st.integers(0, 50_000))


@settings(max_examples=60, deadline=None)
@given(st.lists(_cand, min_size=1, max_size=6), st.integers(0, 200_000), st.sampled_from([0.3, 0.5, 1.0]))
def test_allocation_invariants(cands, budget, alpha):
    cands = [Candidate(f"c{i}", c.fee, c.outcome, c.min_fee, c.max_fee) for i, c in enumerate(cands)]
    got = allocate(cands, Decimal(budget), alpha=alpha)
    assert got.spent + got.unspent == Decimal(budget) and got.spent <= Decimal(budget)
    by_id = {c.id: c for c in cands}
    for item in got.items:
        c = by_id[item.id]
        if item.booked:
            assert c.lo <= item.spend <= c.hi
        else:
            assert item.spend == 0 and item.outcome == 0
        assert item.outcome == pytest.approx(response(c, item.spend, alpha))
    assert got.outcome == pytest.approx(sum(i.outcome for i in got.items))
    # never worse than booking the single best affordable deal alone at its minimum fee
    single = max([response(c, c.lo, alpha) for c in cands if 0 < c.lo <= budget] or [0.0])
    assert got.outcome >= single or got.outcome == pytest.approx(single)
