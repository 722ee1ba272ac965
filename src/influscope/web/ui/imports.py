"""Imports page: upload a canonical bundle (a .zip of the folder, or its files) or one native
export file; see every problem located by file, line and column; nothing is half-imported
(the importer writes a bundle in one transaction or not at all)."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path, PurePosixPath

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from influscope.auth.deps import Principal, require
from influscope.web import i18n
from influscope.web.ui._common import engine_of, lang_of, page

router = APIRouter(include_in_schema=False)

MAX_FILES = 64
MAX_UNZIPPED = 200 * 1024 * 1024  # bytes a zip may expand to
BUNDLE_NAMES = {"campaign.yaml", "campaign.yml"}


class UploadProblem(ValueError):
    pass


# Imports under way in this process, by the token the page sent with its upload: the page asks
# GET /imports/progress/{token} while it waits for the answer to its POST.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_running: dict[str, tuple[str, object]] = {}
_running_lock = threading.Lock()


def _track(token: str | None, workspace: str):
    """An ImportProgress registered under TOKEN (None without a valid token)."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    from influscope.ingest.canonical import ImportProgress

    progress = ImportProgress()
    with _running_lock:
        _running[token] = (workspace, progress)
    return progress


def _untrack(token: str | None) -> None:
    with _running_lock:
        _running.pop(token or "", None)


@router.get("/imports/progress/{token}")
def import_progress(token: str, p: Principal = Depends(require("analyst"))) -> JSONResponse:
    """Where the upload sent with TOKEN is: phase, rows done of total, rows/s, seconds left."""
    with _running_lock:
        found = _running.get(token)
    if found is None or found[0] != p.workspace_slug:
        return JSONResponse({"phase": "unknown"}, status_code=404)
    return JSONResponse(found[1].as_dict())  # type: ignore[attr-defined]


def _sources() -> list[str]:
    try:
        from influscope.ingest import exports

        names = getattr(exports, "SOURCES", None) or getattr(exports, "FORMATS", None) or {}
        return sorted(names)
    except ImportError:
        return []


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, p: Principal = Depends(require("analyst"))) -> HTMLResponse:
    return page(request, "imports.html", principal=p, active="imports", sources=_sources())


def _safe_extract(data: Path, dest: Path) -> None:
    """Extract a zip refusing absolute paths, '..', links and zip bombs."""
    try:
        zf = zipfile.ZipFile(data)
    except zipfile.BadZipFile:
        raise UploadProblem("the .zip file is damaged or not a zip file") from None
    with zf:
        total = 0
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES:
            raise UploadProblem(f"the zip holds {len(members)} files; at most {MAX_FILES} are accepted")
        for m in members:
            name = PurePosixPath(m.filename)
            if name.is_absolute() or ".." in name.parts or m.filename.startswith(("/", "\\")):
                raise UploadProblem(f"{m.filename}: unsafe path in the zip")
            if (m.external_attr >> 16) & 0o170000 == 0o120000:
                raise UploadProblem(f"{m.filename}: symbolic links are not accepted")
            total += m.file_size
            if total > MAX_UNZIPPED:
                raise UploadProblem("the zip expands to more than 200 MB")
            if name.name.startswith(".") or "__MACOSX" in name.parts:
                continue
            target = dest / name.name  # flatten: a bundle is one folder
            with zf.open(m) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


def _holds_bundle(path: Path) -> bool:
    """Whether the zip PATH is a campaign bundle (it has campaign.yaml) rather than a platform's export
    download; a damaged zip counts as a bundle, whose reader says what is wrong."""
    try:
        with zipfile.ZipFile(path) as zf:
            return any(PurePosixPath(n).name in BUNDLE_NAMES for n in zf.namelist())
    except zipfile.BadZipFile:
        return True


def _bundle_dir(root: Path) -> Path:
    if any((root / n).exists() for n in BUNDLE_NAMES):
        return root
    raise UploadProblem("no campaign.yaml in the upload: a bundle is a folder with campaign.yaml and CSV files")


def _period(text: str) -> dict:
    """The period field: ``FROM..TO`` (ISO dates) or ``lifetime``, as the export importer's options."""
    from influscope.ingest.exports import period_options

    try:
        return period_options(text)
    except ValueError as exc:
        raise UploadProblem(str(exc)) from None


def _shop_export(path: Path) -> bool:
    """Whether PATH is a shop's own orders export (Shopify, WooCommerce) rather than a platform's."""
    from influscope.ingest.commerce.common import PayloadError
    from influscope.ingest.commerce.exports import detect

    if path.suffix.lower() != ".csv":
        return False
    try:
        detect(path)
    except (PayloadError, OSError):
        return False
    return True


def _import_orders(engine, path: Path, workspace: str):
    """A shop's orders export, with its file report; a layout that needs what the page does not ask
    (a WooCommerce Analytics download has no currency, and its dates are the site's time zone) is
    refused, saying how to import it."""
    from influscope.ingest.canonical import BundleError, Problem
    from influscope.ingest.commerce.common import PayloadError
    from influscope.ingest.commerce.exports import import_orders

    try:
        return import_orders(engine, path, workspace=workspace)
    except PayloadError as exc:
        message = str(exc)
        if "--currency" in message:
            message = (f"{path.name}: a WooCommerce Analytics download states neither its currency nor its time zone: "
                       "import it with influscope orders import FILE --currency CODE --timezone ZONE")
        problems = []
        for text in message.splitlines():  # "FILE: line N: COLUMN: message"
            m = re.fullmatch(r"(?:.+?: )?line (\d+): (?:([^:]{1,64}): )?(.*)", text.removeprefix(f"{path.name}: "))
            problems.append(Problem(path.name, int(m[1]), m[2] or "-", m[3]) if m else
                            Problem(path.name, 0, "-", text.removeprefix(f"{path.name}: ")))
        raise BundleError(problems) from None


def _import(engine, tmp: Path, root: Path, names: list[str], source: str | None, workspace: str,
            costs: bool = True, account: str | None = None, year: int | None = None, progress=None,
            period: dict | None = None):
    """Run the importer (in a worker thread); returns (report, problems, truncated)."""
    from influscope.ingest.canonical import BundleError, import_bundle

    try:
        if len(names) == 1 and names[0].lower().endswith(".zip") and not _holds_bundle(root / names[0]):
            from influscope.ingest.exports import import_export_file  # a platform's export download

            return import_export_file(engine, root / names[0], source=source, workspace=workspace, year=year,
                                      account=account, **(period or {})), [], 0
        if len(names) == 1 and names[0].lower().endswith(".zip"):
            unpacked = tmp / "unzipped"
            unpacked.mkdir()
            _safe_extract(root / names[0], unpacked)
            return import_bundle(engine, _bundle_dir(unpacked), workspace=workspace, costs=costs,
                                 progress=progress), [], 0
        if len(names) == 1 and not source and _shop_export(root / names[0]):
            return _import_orders(engine, root / names[0], workspace), [], 0
        if len(names) == 1 and not any((root / n).exists() for n in BUNDLE_NAMES):
            from influscope.ingest.exports import import_export_file

            return import_export_file(engine, root / names[0], source=source, workspace=workspace, year=year,
                                      account=account, **(period or {})), [], 0
        return import_bundle(engine, _bundle_dir(root), workspace=workspace, costs=costs, progress=progress), [], 0
    except BundleError as exc:
        return None, [str(pr) for pr in exc.problems], exc.truncated


@router.post("/imports", response_class=HTMLResponse)
async def upload(request: Request, p: Principal = Depends(require("analyst"))) -> HTMLResponse:
    lang = lang_of(request)
    _ = i18n.gettext_for(lang)
    form = await request.form()
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    source = (form.get("source") or "").strip() or None
    account_field, year_field, period_field = form.get("account"), form.get("year"), form.get("period")
    account = account_field.strip() or None if isinstance(account_field, str) else None
    year_text = year_field.strip() if isinstance(year_field, str) else ""
    token = str(form.get("progress") or "")
    progress = _track(token, p.workspace_slug)
    problems: list[str] = []
    report = None
    truncated = 0
    with tempfile.TemporaryDirectory(prefix="influscope-upload-") as tmp:
        root = Path(tmp) / "bundle"
        root.mkdir()
        try:
            if not files:
                raise UploadProblem(_("Choose a bundle .zip, the files of a bundle, or an export file."))
            if year_text and not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
                raise UploadProblem(f"year: not a year: {year_text!r}")
            year = int(year_text) if year_text else None
            period = _period(period_field if isinstance(period_field, str) else "")
            if len(files) > MAX_FILES:
                raise UploadProblem(f"{len(files)} files; at most {MAX_FILES} are accepted")
            for f in files:
                name = PurePosixPath(f.filename.replace("\\", "/")).name
                if not name or name.startswith("."):
                    raise UploadProblem(f"{f.filename}: not a file name")
                target = root / name
                with open(target, "wb") as out:
                    shutil.copyfileobj(f.file, out)
            report, problems, truncated = await run_in_threadpool(
                _import, engine_of(request), Path(tmp), root, [PurePosixPath(f.filename.replace("\\", "/")).name
                                                              for f in files], source, p.workspace_slug, p.can_see_costs,
                account, year, progress, period)
        except UploadProblem as exc:
            problems = [str(exc)]
        except (ValueError, LookupError) as exc:  # importer refusing a file it cannot read
            problems = [str(exc)]
        finally:
            _untrack(token)
    status = 422 if problems else 200
    return page(request, "imports.html", principal=p, active="imports", lang=lang, sources=_sources(),
                problems=problems, truncated=truncated, report=report, status=status)
