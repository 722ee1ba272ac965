"""CSV and XLSX exports of every table of a report, safe to open in a spreadsheet.

Formula injection: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return (after any leading spaces) would be run as a formula by Excel, LibreOffice or Google
Sheets. Such cells are written with a leading apostrophe (the OWASP recommendation), so they
show as the text they are. Numbers stay numbers (a negative ROI is a number, not text), money
is written exactly (Decimal), and empty values stay empty (missing is not zero).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from influscope.reports.model import Report, Table

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")
EXPORT_ORDER = ("kpis", "creators", "posts", "daily", "diagnostics")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading apostrophe; other values pass."""
    if isinstance(value, str):
        stripped = value.lstrip(" ")
        if stripped[:1] in DANGEROUS:
            return "'" + value
        return value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal, dt.date, dt.datetime)):
        return value
    if isinstance(value, (list, tuple)):
        return neutralise(", ".join(str(v) for v in value))
    return neutralise(str(value))


def tables_of(report: Report) -> list[Table]:
    names = [n for n in EXPORT_ORDER if n in report.tables] + [n for n in report.tables if n not in EXPORT_ORDER]
    return [report.tables[n] for n in names]


def table_csv(table: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([neutralise(c.key) for c in table.columns])
    for row in table.rows:
        out = []
        for c in table.columns:
            v = _cell(row.get(c.key))
            out.append("" if v is None else (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v))
        w.writerow(out)
    return buf.getvalue()


def write_csv_dir(report: Report, folder: str | Path) -> list[Path]:
    """One UTF-8 CSV per table (``creators.csv``, ``posts.csv``, ...); each file is written atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables_of(report):
        path = folder / f"{table.id}.csv"
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(table_csv(table), encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written


def csv_zip(report: Report) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for table in tables_of(report):
            zf.writestr(f"{table.id}.csv", table_csv(table))
    return buf.getvalue()


def xlsx_bytes(tables: Iterable[Table], *, rtl: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        ws = wb.create_sheet(title=_sheet_title(table.id))
        ws.sheet_view.rightToLeft = rtl
        ws.append([c.label for c in table.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.value = neutralise(cell.value)
            cell.data_type = TYPE_STRING
        for r, row in enumerate(table.rows, start=2):
            for ci, col in enumerate(table.columns, start=1):
                v = _cell(row.get(col.key))
                if isinstance(v, Decimal):
                    v = float(v) if col.unit not in ("money",) else v
                cell = ws.cell(row=r, column=ci, value=v)
                if isinstance(v, str):
                    cell.data_type = TYPE_STRING  # never a formula, whatever the text
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(report: Report, path: str | Path) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(xlsx_bytes(tables_of(report), rtl=report.dir == "rtl"))
    tmp.replace(path)
    return path


def _sheet_title(name: str) -> str:
    bad = '[]:*?/\\'
    clean = "".join("_" if ch in bad else ch for ch in name)[:31]
    return clean or "sheet"
