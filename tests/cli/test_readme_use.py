"""The README's "Use" examples, run as written and in order, after ``influscope demo``.

Each command line of the README's ``sh`` block runs as a real subprocess in a fresh folder (the
default database ``sqlite:///influscope.db`` lands there, as for a new user). Two lines stand for a
user's own things, which the test supplies: ``Overview.csv`` (TikTok Studio's Overview export, the
recorded fixture) and the ``SHOPIFY_SECRET`` environment variable. ``influscope serve`` runs until
it answers, then is stopped; ``users create`` reads its password from the prompt.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]
TIKTOK_OVERVIEW = ROOT / "tests" / "ingest" / "fixtures" / "exports" / "tiktok_Overview.csv"


def use_commands(readme: str) -> list[str]:
    """The command lines of the first ``sh`` block under "## Use", continuations joined, comments cut."""
    section = readme.split("\n## Use", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    lines = block.replace("\\\n", " ").splitlines()
    return [line.split("   #")[0].split("  #")[0].strip() for line in lines if line.strip()]


def python_snippet(readme: str) -> str:
    section = readme.split("\n## Use", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUSCOPE_")}
    env["SHOPIFY_SECRET"] = "shpss_readme_test_secret"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


CLI = [sys.executable, "-m", "influscope.cli"]


def _run(args: list[str], cwd: Path, env: dict, cli: list[str] = CLI, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*cli, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, **kw)


def _serve(args: list[str], cwd: Path, env: dict, cli: list[str] = CLI) -> None:
    port = free_port()
    proc = subprocess.Popen([*cli, *args, "--port", str(port)], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, "influscope serve exited"
            assert time.monotonic() < deadline, "influscope serve did not answer within 60 s"
            time.sleep(0.3)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _use_commands_run(readme: str, folder: Path, env: dict, cli: list[str] = CLI) -> None:
    """Run the README's Use commands in order in FOLDER (the demo already loaded there) and check
    what they say."""
    commands = use_commands(readme)
    assert commands[0].startswith("influscope kpi spring-launch") and len(commands) >= 12
    shutil.copy(TIKTOK_OVERVIEW, folder / "Overview.csv")
    outputs: dict[str, str] = {}
    for line in commands:
        args = shlex.split(line)
        assert args[0] == "influscope", line
        if args[1] == "serve":
            _serve(args[1:], folder, env, cli)
            continue
        extra = {"input": "a long demo password 2026\n" * 2} if args[1:3] == ["users", "create"] else {}
        out = _run(args[1:], folder, env, cli, **extra)
        assert out.returncode == 0, f"{line}\n{out.stdout}\n{out.stderr}"
        outputs[line] = out.stdout
    assert "Conversions" in outputs[commands[0]]
    by_creator = json.loads(outputs[commands[1]])
    assert any("meilin-eats" in json.dumps(row) for row in by_creator["rows"])
    link = next(v for k, v in outputs.items() if k.startswith("influscope links create"))
    assert link.strip().startswith("http")
    codes = next(v for k, v in outputs.items() if k.startswith("influscope codes generate"))
    assert re.search(r"\bMEILIN[2-9]{3}\b", codes), codes
    example = re.search(r"readable on video \(e\.g\. ([A-Z0-9-]+)\)", readme).group(1)
    assert re.fullmatch(r"MEILIN[2-9]{3}", example), f"the README's example code {example} is not one the command makes"
    assert (folder / "report.pdf").read_bytes()[:5] == b"%PDF-"
    assert (folder / "out" / "campaign.yaml").exists()


def test_the_readme_use_examples_run_as_written_after_the_demo(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    env = _env()
    demo = _run(["demo", "--scale", "0.03", "--no-serve"], tmp_path, env)
    assert demo.returncode == 0, demo.stderr
    _use_commands_run(readme, tmp_path, env)
    snippet = subprocess.run([sys.executable, "-c", python_snippet(readme).replace(
        ".to_frame()", ".to_frame().pipe(lambda f: print(len(f)))")], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=300)
    assert snippet.returncode == 0, snippet.stderr
    assert int(snippet.stdout.strip().splitlines()[-1]) >= 3


@pytest.mark.slow
def test_the_readme_set_up_and_use_commands_run_in_order_in_a_fresh_virtual_environment(tmp_path):
    """A copy of the repository's tracked files; ``scripts/demo`` (the README's first command)
    makes its own ``.venv`` there, installs influscope into it and loads the demo; then the Use
    commands run with that environment's ``influscope`` (the README's ``. .venv/bin/activate``).

    The new environment borrows the test environment's installed dependencies through a ``.pth``
    file, so nothing is downloaded again; what is checked is the script, the install of the project
    into a virtual environment it made itself, and the commands in order."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout to copy its tracked files")
    repo = tmp_path / "influscope"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(repo / ".venv")], check=True, timeout=300)
    site = next((repo / ".venv" / "lib").glob("python3*/site-packages"))
    import sysconfig

    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in _env().items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(sys.prefix))
    demo = subprocess.run(["scripts/demo", "--scale", "0.02", "--no-serve"], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-3000:]
    influscope = repo / ".venv" / "bin" / "influscope"
    assert influscope.exists(), "scripts/demo did not install the influscope command into .venv"
    found = subprocess.run([str(repo / ".venv" / "bin" / "python"), "-c", "import influscope; print(influscope.__file__)"],
                           env=env, capture_output=True, text=True, check=True).stdout
    assert found.strip().startswith(str(repo / "src")), found
    _use_commands_run((repo / "README.md").read_text(encoding="utf-8"), repo, env, [str(influscope)])


def test_a_missing_campaign_or_creator_names_the_ones_that_exist(tmp_path):
    env = _env()
    assert _run(["demo", "--scale", "0.02", "--no-serve"], tmp_path, env).returncode == 0
    out = _run(["kpi", "spring"], tmp_path, env)
    assert out.returncode == 1
    assert "no campaign 'spring'" in out.stderr
    assert "campaigns in 'default': finlit-webinars, glow-awareness, holiday-gifts, spring-launch" in out.stderr
    out = _run(["--workspace", "acme", "report", "spring-launch", "--pdf", "r.pdf"], tmp_path, env)
    assert out.returncode == 1 and "workspaces: default" in out.stderr and "'acme' does not exist" in out.stderr
    out = _run(["links", "create", "--campaign", "spring-launch", "--creator", "mei-lin", "--platform", "instagram",
                "--destination", "https://shop.acme.example/spring"], tmp_path, env)
    assert out.returncode == 1
    assert "creators of 'spring-launch': " in out.stderr and "meilin-eats" in out.stderr
