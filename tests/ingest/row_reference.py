"""The importer's former reader, one cell at a time, kept as the reference the columnar reader
is checked against (tests/ingest/test_columnar.py): same cells, same values, same located problems."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from influscope.ingest import rules
from influscope.ingest.bundle_spec import FileSpec
from influscope.ingest.canonical import MAX_ROWS, _Collector
from influscope.ingest.cells import cell_parser
from influscope.ingest.columnar import csv_error


def read_rows(path: Path, spec: FileSpec, tz: dt.tzinfo, problems: _Collector) -> tuple[list[str], list[dict[str, Any]]] | None:
    name = spec.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        problems.add(name, line, "-", f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        problems.add(name, 1, "-", "empty file (a header line is required)")
        return None
    except csv.Error as exc:
        problems.add(name, 1, "-", csv_error(exc))
        return None
    header = [h.strip() for h in header]
    known = {c.name: c for c in spec.columns}
    header_ok = True
    seen: set[str] = set()
    for h in header:
        if h not in known:
            problems.add(name, 1, h or "(blank)", f"unknown column (expected: {', '.join(spec.names)})")
            header_ok = False
        elif h in seen:
            problems.add(name, 1, h, "column appears twice")
            header_ok = False
        seen.add(h)
    for col in spec.columns:
        if col.must_fill and col.name not in seen:
            problems.add(name, 1, col.name, "missing key column")
            header_ok = False
    if not header_ok:
        return None
    cols = [known[h] for h in header]
    parsers = [(c.name, c.must_fill, cell_parser(c, tz)) for c in cols]
    rows: list[dict[str, Any]] = []
    keys: dict[tuple, int] = {}
    ncols = len(cols)
    end = 1
    check_platform = "handle" in header and "platform" in header
    records = iter(reader)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.add(name, end + 1, "-", csv_error(exc))
            return None
        start, end = end + 1, reader.line_num  # a quoted cell may span lines
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        if len(rows) >= MAX_ROWS:
            problems.add(name, start, "-", f"more than {MAX_ROWS:,} rows: split the file into several imports")
            return None
        if len(record) != ncols:
            problems.add(name, start, "-", f"has {len(record)} cells, the header has {ncols}")
            continue
        row: dict[str, Any] = {"_line": start}
        for (cname, must_fill, parse), cell in zip(parsers, record):
            cell = cell.strip()
            if not cell:
                if must_fill:
                    problems.add(name, start, cname, "is required")
                row[cname] = None
                continue
            try:
                row[cname] = parse(cell)
            except ValueError as exc:
                problems.add(name, start, cname, str(exc))
                row[cname] = None
        if check_platform and row.get("handle") and row.get("platform"):
            try:
                rules.check_handle(row["handle"], row["platform"])
            except ValueError as exc:
                problems.add(name, start, "handle", str(exc))
        key = tuple(row.get(k) if row.get(k) is not None else "" for k in spec.unique)
        if key in keys:
            problems.add(name, start, spec.unique[-1] if len(spec.unique) == 1 else "+".join(spec.unique),
                         f"duplicate key {'/'.join(map(str, key))} (first on line {keys[key]})")
        else:
            keys[key] = start
        rows.append(row)
    return header, rows
