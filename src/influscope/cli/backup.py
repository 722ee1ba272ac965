"""``influscope backup`` and ``influscope restore`` for the embedded SQLite store.

Backups are online and consistent: SQLite's backup API copies a snapshot of the database while the
server, the redirect workers and other commands keep reading and writing (WAL mode). The copy is
written to a temporary file next to the target, checked with ``PRAGMA integrity_check`` and then
renamed into place, so a backup file is either complete or absent.

Restore copies a backup into the live database with the same API (other processes see the
restored data at their next transaction), after checking that the file is an intact influscope
database; it then migrates it to the current schema. PostgreSQL deployments use ``pg_dump`` and
``pg_restore`` instead.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
import typer

from influscope.cli import _common


class BackupError(Exception):
    pass


def sqlite_path(url: str) -> Path:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError("backup/restore handle the embedded SQLite store; for PostgreSQL use pg_dump and pg_restore")
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(parsed.database)


def _check(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot open: {exc}") from None
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"{path}: integrity check failed: {result}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"alembic_version", "workspaces"} <= tables:
            raise BackupError(f"{path}: not an influscope database")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a SQLite database: {exc}") from None
    finally:
        conn.close()


def backup(url: str, target: Path, *, overwrite: bool = False) -> int:
    """Copy the live database at URL to TARGET; returns the size in bytes."""
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"no database at {source}")
    target = Path(target)
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists (use --force to replace it)")
    if target.resolve() == source.resolve():
        raise BackupError("the backup must not be the database itself")
    tmp = target.with_name(f".{target.name}.partial")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(tmp)
    try:
        with dst:
            src.backup(dst, pages=1024)  # in steps, so writers are never blocked for long
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        dst.close()
        src.close()
    try:
        _check(tmp)
    except BackupError:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    return target.stat().st_size


def restore(url: str, source: Path) -> None:
    """Replace the contents of the database at URL by the backup SOURCE, then migrate it."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    _check(source)
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        dst.execute("PRAGMA journal_mode=WAL")
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    from influscope.db.engine import make_engine, upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def backup_cmd(
    path: Path = typer.Argument(..., help="File to write the backup to."),
    force: bool = typer.Option(False, "--force", help="Replace PATH if it exists."),
    db: Optional[str] = _common.DbOption,
) -> None:
    """Write a consistent copy of the database while it stays in use."""
    settings = _common.apply(db)
    try:
        size = backup(settings.database_url, path, overwrite=force)
    except BackupError as exc:
        _common.fail(str(exc))
    typer.echo(f"backup written: {path} ({size} bytes)")


def restore_cmd(
    path: Path = typer.Argument(..., help="Backup file written by `influscope backup`."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    db: Optional[str] = _common.DbOption,
) -> None:
    """Replace the database by a backup (everything written since the backup is lost)."""
    settings = _common.apply(db)
    if not yes:
        typer.confirm(f"Replace the contents of {settings.database_url} by {path}?", abort=True)
    try:
        restore(settings.database_url, path)
    except BackupError as exc:
        _common.fail(str(exc))
    typer.echo(f"restored {path} into {settings.database_url}")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
