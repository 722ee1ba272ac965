"""Run ``influscope serve`` in a subprocess on 127.0.0.1 for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``influscope serve`` (optionally ``--links-only``) in its own process group."""

    def __init__(self, db_url: str, log_path: Path, *, links_only: bool = False, workers: int = 1,
                 env: dict[str, str] | None = None):
        self.db_url = db_url
        self.log_path = log_path
        self.links_only = links_only
        self.workers = workers
        self.env = env or {}
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> "Server":
        cmd = [sys.executable, "-c", "from influscope.cli import main; main()", "--db", self.db_url, "serve",
               "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        if self.links_only:
            cmd.append("--links-only")
        env = {**os.environ, **self.env}
        env.pop("INFLUSCOPE_DATABASE_URL", None)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text(errors='replace')}")
            try:
                httpx.head(f"{self.base_url}/l/-", timeout=1.0)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text(errors='replace')}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send SIG to the server's whole process group (granian's main process and its workers)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        self.proc = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
