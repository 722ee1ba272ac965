"""Running the command line and reading the event store from a separate process.

chdb holds its folder for the process that opened it and allows one engine path per process, so
the tests look at the store the way a user does: through ``influscope`` commands and short
helper processes, never by opening the folder in the test process while a server may use it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def env(extra: dict[str, str] | None = None) -> dict[str, str]:
    out = {**os.environ, **(extra or {})}
    out.pop("INFLUSCOPE_DATABASE_URL", None)
    out.pop("INFLUSCOPE_EVENTS_URL", None)
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return out


def cli(*args: str, db: str, events: str | None = None, check: bool = True,
        extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``influscope --db DB [--events EVENTS] ARGS`` in its own process."""
    cmd = [sys.executable, "-m", "influscope.cli", "--db", db]
    if events:
        cmd += ["--events", events]
    proc = subprocess.run([*cmd, *args], capture_output=True, text=True, env=env(extra_env), timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"influscope {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


_QUERY = """
import json, sys
from influscope.events.store import parse, session
with session(parse(sys.argv[1])) as client:
    rows = client.query(sys.argv[2], settings={"final": int(sys.argv[3])}).result_rows
print(json.dumps([[str(v) if not isinstance(v, (int, float, bool, type(None))) else v for v in r] for r in rows]))
"""


def query(events: str, sql: str, *, final: bool = True) -> list[list]:
    """Rows of SQL on the event store EVENTS, run by a helper process."""
    proc = subprocess.run([sys.executable, "-c", _QUERY, events, sql, "1" if final else "0"], capture_output=True,
                          text=True, env=env(), timeout=120)
    if proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return json.loads(proc.stdout)


def sqlite_then_events(tmp_path: Path, monkeypatch, events_url: str):
    """(name, engine): a fresh SQLite store alone ("sqlite"), then one whose events go to
    EVENTS_URL ("events"), so that a test takes the same steps on both and compares; each engine
    is disposed of when the loop moves on."""
    from influscope.db.engine import get_engine

    for name, events in (("sqlite", None), ("events", events_url)):
        if events:
            monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", events)
        else:
            monkeypatch.delenv("INFLUSCOPE_EVENTS_URL", raising=False)
        engine = get_engine(f"sqlite:///{tmp_path / name}.db")
        try:
            yield name, engine
        finally:
            engine.dispose()
