"""A command's process ends with its database closed: whatever it wrote is in the database file
itself once it has exited (influscope.cli.main closes the engines before it leaves the rest of its
memory to the operating system), and a read leaves no write-ahead log behind."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.kpi import handmade

REPO = Path(__file__).resolve().parents[2]


def _influscope(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-m", "influscope.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_a_write_is_in_the_database_file_when_the_process_has_exited(tmp_path):
    db = tmp_path / "store.db"
    url = f"sqlite:///{db}"
    _influscope("--db", url, "--workspace", "w", "import", str(handmade.write(tmp_path / "bundle")))
    assert not Path(f"{db}-wal").exists(), "the process exited with its write-ahead log not folded in"
    alone = tmp_path / "copy.db"  # the database file alone, as a user would copy it
    shutil.copyfile(db, alone)
    with sqlite3.connect(alone) as con:
        assert con.execute("SELECT slug FROM campaigns").fetchall() == [("hand",)]

    out = _influscope("--db", url, "kpi", "hand", "--workspace", "w", "--format", "json")
    assert json.loads(out.stdout)["campaign"] == "hand"
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()



def test_a_long_running_command_gets_pythons_collector_thresholds_back():
    import gc

    import influscope.cli as cli

    before = gc.get_threshold()
    try:
        gc.set_threshold(50_000, 10, 10)  # as main() sets it for a command that ends soon
        cli.long_running()  # what the server calls before it starts (cli/serve.py)
        assert gc.get_threshold() == cli._COLLECTOR == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
