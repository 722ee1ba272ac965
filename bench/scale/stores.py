"""Where the scale benchmark keeps its stores, and the PostgreSQL cluster it starts and stops.

Under one work folder WORK, for a bundle of N clicks:

- ``bundle-N/``: the generated bundle (generate.py);
- ``sqlite-N.db``: everything in one SQLite file (the default store);
- ``postgres``: database ``scale_N`` of a throwaway cluster whose data folder is ``WORK/pg``
  (initdb on first use, started by :func:`postgres` and stopped when its block ends);
- ``clickhouse-N/``: the ClickHouse event store (chdb folder) with the operational records in
  ``clickhouse-N.db`` (``INFLUSCOPE_EVENTS_URL=chdb:///WORK/clickhouse-N``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.pgcluster import _free_port, _run, pg_bin, wait_for_port  # noqa: E402

STORES = ("sqlite", "postgres", "clickhouse")


def bundle(work: Path, n: int) -> Path:
    return work / f"bundle-{n}"


def sqlite_url(work: Path, n: int, store: str) -> str:
    name = f"sqlite-{n}.db" if store == "sqlite" else f"clickhouse-{n}.db"
    return f"sqlite:///{work / name}"


def events_url(work: Path, n: int) -> str:
    return f"chdb://{work / f'clickhouse-{n}'}"


def pg_database(n: int) -> str:
    return f"scale_{n}"


@contextlib.contextmanager
def postgres(work: Path) -> Iterator[str]:
    """Start the cluster in WORK/pg (created if missing); yield its admin URL; stop it afterwards.
    A cluster another bench process started is used as it is and left running for that process."""
    user = "postgres" if os.geteuid() == 0 else None
    base = work / "pg"
    data, sock = base / "data", base / "sock"
    pid_file = data / "postmaster.pid"
    if pid_file.exists():
        lines = pid_file.read_text().splitlines()
        try:
            os.kill(int(lines[0]), 0)
            yield f"postgresql+psycopg://postgres@127.0.0.1:{int(lines[3])}/postgres"
            return
        except (ProcessLookupError, ValueError, IndexError):
            pass
    fresh = not data.exists()
    sock.mkdir(parents=True, exist_ok=True)
    if user:
        pw = pwd.getpwnam(user)
        for p in (base, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    if fresh:
        _run([pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C.UTF-8"], user)
    port = _free_port()
    _run([pg_bin("pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"), "-o",
          f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
          f"-c full_page_writes=off -c timezone=UTC -c shared_buffers=1GB -c work_mem=64MB "
          f"-c max_wal_size=8GB", "start"], user)
    try:
        wait_for_port(port)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        _run([pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"], user)


def pg_url(admin: str, n: int) -> str:
    return admin.rsplit("/", 1)[0] + f"/{pg_database(n)}"


def create_pg_database(admin: str, n: int) -> str:
    import sqlalchemy as sa

    eng = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_database(n)}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{pg_database(n)}"')
    eng.dispose()
    return pg_url(admin, n)
