"""/api/v1/imports: upload a canonical bundle (the CSV files and campaign.yaml, or one .zip of them).

The upload is checked before anything is written: only the bundle's own file names are accepted
(paths inside a zip are ignored, so nothing can be written outside a private temporary folder),
a zip may hold at most ``MAX_ZIP_ENTRIES`` files and ``MAX_UNZIPPED_BYTES`` uncompressed, and the
import itself is one transaction. A rejected bundle answers 422 with every problem located as
``{"file", "line", "column", "message"}`` in ``errors``; nothing is written. A caller without access
to budgets and costs gets 403 for a bundle with ``costs.csv`` rows or a ``budget``. The import runs
in a worker thread (this route is synchronous), never on the server's event loop.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from influscope.auth import audit
from influscope.auth.deps import Principal, db, require
from influscope.ingest.bundle_spec import FILES
from influscope.web.api._common import WRITE_ERRORS, strict_query

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], responses=WRITE_ERRORS,
                   dependencies=[Depends(strict_query)])

KNOWN = frozenset({f.name for f in FILES} | {"campaign.yaml"})
MAX_FILES = 30
MAX_ZIP_ENTRIES = 100
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
CHUNK = 1024 * 1024


class FileCounts(BaseModel):
    inserted: int
    updated: int
    unchanged: int


class FileReading(BaseModel):
    """What a native export file gave (only for a single export file imported with ``source``)."""

    rows_read: int
    rows_stored: int
    columns_used: list[str]
    columns_ignored: list[str]
    warnings: list[str]


class ImportResult(BaseModel):
    workspace: str
    campaign: str | None
    changes: int
    files: dict[str, FileCounts]
    source: str | None = None
    file: str | None = None
    report: FileReading | None = None


class _Rejected(Exception):
    def __init__(self, problems: list[dict]):
        super().__init__("rejected")
        self.problems = problems


def _problem(file: str, message: str, line: int = 0, column: str = "-") -> dict:
    return {"file": file, "line": line, "column": column, "message": message}


def _copy_limited(src, dest: Path, budget: list[int], label: str) -> None:
    with open(dest, "wb") as out:
        while True:
            chunk = src.read(CHUNK)
            if not chunk:
                break
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise _Rejected([_problem(label, f"the bundle is larger than {MAX_UNZIPPED_BYTES} bytes unpacked")])
            out.write(chunk)


def _unpack_zip(upload: UploadFile, folder: Path, seen: set[str], budget: list[int]) -> None:
    label = upload.filename or "upload.zip"
    try:
        archive = zipfile.ZipFile(upload.file)
    except zipfile.BadZipFile:
        raise _Rejected([_problem(label, "not a valid zip archive")]) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_ENTRIES:
            raise _Rejected([_problem(label, f"more than {MAX_ZIP_ENTRIES} files in the archive")])
        problems = []
        for m in members:
            name = PurePosixPath(m.filename.replace("\\", "/")).name
            if name.startswith(".") or m.filename.startswith("__MACOSX/"):
                continue  # hidden files and macOS resource forks
            if name not in KNOWN:
                problems.append(_problem(f"{label}:{m.filename}", f"unknown file (expected: {', '.join(sorted(KNOWN))})"))
                continue
            if name in seen:
                problems.append(_problem(f"{label}:{m.filename}", f"{name} is in the upload twice"))
                continue
            if m.flag_bits & 0x1:
                problems.append(_problem(f"{label}:{m.filename}", "encrypted archive members are not supported"))
                continue
            seen.add(name)
            with archive.open(m) as src:
                _copy_limited(src, folder / name, budget, f"{label}:{m.filename}")
        if problems:
            raise _Rejected(problems)


def _stage(files: list[UploadFile], folder: Path) -> None:
    if not files:
        raise _Rejected([_problem("-", "no files uploaded")])
    if len(files) > MAX_FILES:
        raise _Rejected([_problem("-", f"at most {MAX_FILES} files per upload")])
    seen: set[str] = set()
    budget = [MAX_UNZIPPED_BYTES]
    problems = []
    for up in files:
        name = PurePosixPath((up.filename or "").replace("\\", "/")).name
        if name.lower().endswith(".zip"):
            _unpack_zip(up, folder, seen, budget)
        elif name in KNOWN:
            if name in seen:
                problems.append(_problem(name, f"{name} is in the upload twice"))
                continue
            seen.add(name)
            _copy_limited(up.file, folder / name, budget, name)
        else:
            problems.append(_problem(name or "-", f"unknown file (expected: {', '.join(sorted(KNOWN))} or a .zip)"))
    if problems:
        raise _Rejected(problems)


@router.post("", response_model=ImportResult, status_code=201, summary="Import a canonical bundle",
             description="Multipart upload of the bundle's files (field `files`, repeated) or of one zip archive. "
                         "Transactional: on any problem nothing is written and every problem is listed with its "
                         "file, line and column.")
def import_bundle(files: list[UploadFile] = File(..., description="campaign.yaml and CSV files, or a .zip"),
                  source: str | None = Form(None, description="Import one native export file instead of a bundle: "
                                                              "its format and account, NAME[@HANDLE] (see "
                                                              "`influscope sources`); the answer then carries a "
                                                              "per-file report"),
                  period: str | None = Form(None, description="With source: the period the export covers, "
                                                              "FROM..TO (ISO dates) or lifetime (a YouTube "
                                                              "per-video table needs it unless its zip states it)"),
                  p: Principal = Depends(require("write")), engine: sa.Engine = Depends(db)):
    from influscope.ingest.canonical import BundleError, CostsNotAllowed
    from influscope.ingest.canonical import import_bundle as do_import

    folder = Path(tempfile.mkdtemp(prefix="influscope-import-"))
    try:
        try:
            if source:  # a platform's native export: post metrics, traffic, followers (no costs)
                report = _import_export(files, folder, source, engine, p.workspace_slug, period)
            else:
                _stage(files, folder)
                report = do_import(engine, folder, workspace=p.workspace_slug, costs=p.can_see_costs)
        except _Rejected as exc:
            return _rejected(exc.problems)
        except BundleError as exc:
            problems = [_problem(pr.file if not pr.file.startswith(str(folder)) else "-", pr.message, pr.line,
                                 pr.column) for pr in exc.problems]
            if exc.truncated:
                problems.append(_problem("-", f"... and {exc.truncated} more problems"))
            return _rejected(problems, 403 if isinstance(exc, CostsNotAllowed) else 422)
        except UnicodeDecodeError as exc:
            return _rejected([_problem("-", f"not UTF-8 text: {exc.reason}")])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = report.as_dict()
    with engine.begin() as conn:
        audit.record_for(conn, p, "bundle.import", object_type="campaign", object_id=result["campaign"],
                         detail={"changes": result["changes"]})
    return ImportResult(**result)


def _import_export(files: list[UploadFile], folder: Path, source: str, engine: sa.Engine, workspace: str,
                   period: str | None = None):
    from influscope.ingest.exports import import_export_file, period_options

    try:
        options = period_options(period)
    except ValueError as exc:
        raise _Rejected([_problem("-", str(exc), column="period")]) from None
    if len(files) != 1:
        raise _Rejected([_problem("-", "with source, upload exactly one export file")])
    name = PurePosixPath((files[0].filename or "").replace("\\", "/")).name
    if not name or name.startswith("."):
        raise _Rejected([_problem(files[0].filename or "-", "not a file name")])
    target = folder / name
    _copy_limited(files[0].file, target, [MAX_UNZIPPED_BYTES], name)
    return import_export_file(engine, target, source=source, workspace=workspace, **options)


def _rejected(problems: list[dict], status: int = 422) -> JSONResponse:
    first = problems[0] if problems else _problem("-", "rejected")
    where = first["file"] + (f":{first['line']}" if first["line"] else "") + (
        f": {first['column']}" if first["column"] not in ("-", "") else "")
    return JSONResponse({"status": status, "message": f"the bundle was rejected; nothing was written ({where}: "
                                                      f"{first['message']})", "errors": problems}, status_code=status)

