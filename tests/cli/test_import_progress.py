"""``influscope import`` shows a progress bar (rows, rows/s, time left) on a terminal, and none otherwise."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys


def _bundle(folder, clicks: int):
    folder.mkdir()
    (folder / "campaign.yaml").write_text("id: p\nname: P\ngoal: mofu\nstart: 2026-03-01\nend: 2026-03-31\ncurrency: USD\n")
    (folder / "links.csv").write_text("link_id,destination_url\np1,https://shop.example.com/\n")
    (folder / "clicks.csv").write_text("click_id,link_id,ts,visitor_hash\n" + "".join(
        f"c{i},p1,2026-03-0{1 + i % 9}T{i % 24:02d}:{i % 60:02d}:{i % 59:02d}Z,v{i % 997}\n" for i in range(clicks)))
    return folder


def test_import_on_a_terminal_shows_a_progress_bar(tmp_path):
    bundle = _bundle(tmp_path / "b", 300_000)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "influscope.cli", "--db", f"sqlite:///{tmp_path / 'db.sqlite'}",
                             "import", str(bundle)], stdout=subprocess.PIPE, stderr=follower, text=True,
                            env={**os.environ, "COLUMNS": "120", "TERM": "xterm"})
    os.close(follower)
    screen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            screen += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read()
    assert proc.wait(timeout=300) == 0, screen.decode(errors="replace")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.decode(errors="replace"))  # without colours and moves
    assert "writing" in text and re.search(r"\d+/300001 rows +[\d,]+ rows/s", text), text[-2000:]
    assert re.search(r"clicks.csv\s+300000 new", out), out


def test_import_without_a_terminal_prints_no_bar(tmp_path):
    bundle = _bundle(tmp_path / "b", 100)
    done = subprocess.run([sys.executable, "-m", "influscope.cli", "--db", f"sqlite:///{tmp_path / 'db.sqlite'}",
                           "import", str(bundle)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "rows/s" not in done.stderr and "\x1b[" not in done.stderr
