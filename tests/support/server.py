"""Run ``influscope serve`` (granian) as a real subprocess on 127.0.0.1 for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``influscope serve`` (optionally ``--links-only``) in its own process group, on a free port.

    The database is given by URL; ``workspace`` and ``env`` are passed through the environment.
    ``kill()`` sends a signal to the whole process group (granian's main process and its workers),
    which is what the crash tests need.
    """

    def __init__(self, db_url: str, log_path: Path | None = None, *, workspace: str | None = None,
                 links_only: bool = False, workers: int = 1, env: dict[str, str] | None = None):
        self.db_url = db_url
        self.log_path = log_path or Path(tempfile.mkstemp(prefix="influscope-server-", suffix=".log")[1])
        self.links_only = links_only
        self.workers = workers
        self.env = dict(env or {})
        if workspace:
            self.env["INFLUSCOPE_WORKSPACE"] = workspace
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return self.base_url

    def start(self, timeout: float = 60.0) -> "Server":
        cmd = [sys.executable, "-m", "influscope.cli", "--db", self.db_url, "serve",
               "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        if self.links_only:
            cmd.append("--links-only")
        env = {**os.environ, **self.env}
        env.pop("INFLUSCOPE_DATABASE_URL", None)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        probe = f"{self.base_url}/l/-" if self.links_only else f"{self.base_url}/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                httpx.head(probe, timeout=1.0)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send SIG to the server's whole process group and wait for it to end."""
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


@contextmanager
def running_server(db_url: str, *, env: dict[str, str] | None = None, timeout: float = 60.0):
    """Start the full server; yield its base URL and the Popen; stop it afterwards."""
    server = Server(db_url, env=env).start(timeout)
    try:
        yield server.base_url, server.proc
    finally:
        server.stop()


def redirect_until_killed(server: Server, path: str, headers: Callable[[int], dict[str, str]], *, total: int,
                          concurrency: int, kill_after: int) -> tuple[list[httpx.Response], int]:
    """TOTAL GETs of PATH (the I-th with HEADERS(I)) from CONCURRENCY clients at once; when KILL_AFTER
    redirects have come back, SIGKILL the whole server (granian and its workers) while the rest are in
    flight. Returns the 302 responses received and how many requests failed."""
    import asyncio

    acked: list[httpx.Response] = []
    failed = 0

    async def load() -> None:
        nonlocal failed
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(total):
            queue.put_nowait(i)
        killed = asyncio.Event()
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=10.0) as client:
            async def worker() -> None:
                nonlocal failed
                while not queue.empty():
                    i = queue.get_nowait()
                    try:
                        r = await client.get(path, headers=headers(i))
                    except httpx.HTTPError:
                        failed += 1
                        continue
                    if r.status_code != 302:
                        failed += 1
                        continue
                    acked.append(r)
                    if len(acked) >= kill_after and not killed.is_set():
                        killed.set()
                        await asyncio.get_running_loop().run_in_executor(None, server.kill, signal.SIGKILL)

            await asyncio.gather(*(worker() for _ in range(concurrency)))

    try:
        asyncio.run(load())
    finally:
        server.kill()
    return acked, failed
