"""The SQLite engine's transactions: a writer waits for another writer instead of failing."""

import threading
import time

from influscope.db.engine import make_engine


def test_two_writers_that_read_first_both_commit(tmp_path):
    # Two webhooks at once: each reads (is this order known?) and then writes. With deferred
    # transactions the second would fail with "database is locked" once the first committed.
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE seen (k TEXT PRIMARY KEY)")
    errors: list[BaseException] = []

    def write(key: str, pause: float) -> None:
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM seen").all()
                time.sleep(pause)
                conn.exec_driver_sql("INSERT INTO seen VALUES (?)", (key,))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k, p)) for k, p in (("a", 0.2), ("b", 0.0))]
    for th in threads:
        th.start()
        time.sleep(0.05)
    for th in threads:
        th.join()
    assert errors == []
    with engine.connect() as conn:
        assert sorted(r[0] for r in conn.exec_driver_sql("SELECT k FROM seen")) == ["a", "b"]


def test_readers_are_not_held_by_a_writer(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    with engine.begin() as writer:
        writer.exec_driver_sql("INSERT INTO t VALUES (2)")
        started = time.monotonic()
        with engine.connect() as reader:  # WAL: a reader sees the last commit at once
            assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
        assert time.monotonic() - started < 5
