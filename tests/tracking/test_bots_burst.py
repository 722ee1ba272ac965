import datetime as dt

from influscope.tracking.bots_burst import BurstDetector

T0 = dt.datetime(2026, 3, 2, 12, 0, 0)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_the_fifth_hit_within_the_window_and_later_ones_are_a_burst():
    d = BurstDetector(threshold=5, window_s=10)
    assert [d.hit(1, "v", at(i)) for i in range(7)] == [False] * 4 + [True] * 3
    assert d.hit(1, "v", at(17)) is False  # the window (from the first hit) is over: a fresh count
    assert d.hit(2, "v", at(7)) is False  # another link
    assert d.hit(1, "w", at(7)) is False  # another visitor
    assert d.hit(1, None, at(7)) is False  # no visitor hash: never a burst


def test_a_person_tapping_twice_is_no_burst():
    d = BurstDetector()
    assert not any(d.hit(1, "v", at(s)) for s in (0, 0.4, 30, 30.5, 90))


def test_memory_stays_bounded():
    d = BurstDetector(max_keys=100)
    for i in range(1000):
        d.hit(1, f"v{i}", at(i * 0.001))  # all live: the table starts afresh when full
        assert len(d._seen) <= 100
    for i in range(1000):
        d.hit(1, f"w{i}", at(100 + i * 20))  # windows long over: dropped when the table is full
    assert len(d._seen) <= 100
