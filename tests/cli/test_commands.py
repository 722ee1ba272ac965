"""The command list: one table (influscope.cli.COMMANDS) that names every command and its module,
checked against what the modules register; --help lists them all; a command imports only its own."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

import influscope.cli as cli

REPO = Path(__file__).resolve().parents[2]


def _registered() -> dict[str, str]:
    """Every top-level command each module of the package registers, with the module's name."""
    out: dict[str, str] = {}
    for info in pkgutil.iter_modules(cli.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"influscope.cli.{info.name}")
        scratch = typer.Typer()
        module.register(scratch)
        for name in typer.main.get_group(scratch).commands:
            assert name not in out, f"{name} is registered by {out[name]} and {info.name}"
            out[name] = info.name
    return out


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "200", "TERMINAL_WIDTH": "200"}
    return subprocess.run([sys.executable, "-m", "influscope.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_command_table_is_what_the_modules_register():
    assert cli.COMMANDS == _registered()


def test_help_lists_every_command_in_the_table_order():
    proc = _run("--help")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "Commands" in line and line.lstrip().startswith("╭"))
    listed = []
    for line in lines[start + 1:]:
        if line.lstrip().startswith("╰"):
            break
        cell = line.strip().strip("│").strip()
        if cell and line.strip().startswith("│ ") and not line.strip().startswith("│  "):
            listed.append(cell.split()[0])
    assert listed == list(cli.COMMANDS)
    assert set(listed) == set(_registered())


def test_every_command_answers_help():
    runner = CliRunner()
    for name in cli.COMMANDS:
        out = runner.invoke(cli.app, [name, "--help"])
        assert out.exit_code == 0, (name, out.output)
        assert f"influscope {name}" in out.output


def test_a_mistyped_command_is_refused_with_a_suggestion():
    out = CliRunner().invoke(cli.app, ["kpis"])
    assert out.exit_code != 0
    assert "No such command 'kpis'" in out.output and "'kpi'" in out.output


# What a command process imported, from the modules this package keeps lazy.
_IMPORTED = """
import contextlib, io, json, sys
from influscope.cli import main
sys.argv = ["influscope", *json.loads(sys.argv[1])]
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, exc.code
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("influscope.cli.", "sqlalchemy", "numpy")))))
"""


def test_a_command_imports_its_own_module_only():
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-c", _IMPORTED, json.dumps(["kpi", "--list"])], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == ["influscope.cli._common", "influscope.cli.kpi"]
