"""The canonical bundle: a folder of UTF-8 CSV files plus ``campaign.yaml`` (DESIGN section 3).

``read_bundle`` parses and validates everything first and collects every problem as
``FILE:LINE: COLUMN: message``; ``import_bundle`` then writes the whole bundle in one transaction,
upserting on the natural keys and counting what changed. ``export_bundle`` writes a campaign back
in the same format, so that import -> export -> import changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pyarrow.compute as pc
import numpy as np
import sqlalchemy as sa
import yaml

from influscope.attribution.landing import landing_utm
from influscope.db import slugs
from influscope.db import tables as t
from influscope.db.engine import refresh_statistics
from influscope.events import importer as event_clicks
from influscope.events import records as event_records
from influscope.ingest import bulk_sqlite, columnar, rules
from influscope.ingest.bundle_spec import BY_NAME, CAMPAIGN_FIELDS, FILES, Col, FileSpec
from influscope.ingest.cells import (  # noqa: F401 - public names
    cell_parser, check_value, normalise_handle, parse_cell, to_utc_naive)
from influscope.metrics import click_rollups, unique_windows
from influscope.tracking.destinations import allowed_hosts

MAX_PROBLEMS = 200
MAX_YAML_BYTES = 64 * 1024  # campaign.yaml: a few dozen fields
MAX_CELL = columnar.MAX_CELL  # characters in one CSV cell
MAX_ROWS = columnar.MAX_ROWS  # data rows in one CSV file


# --------------------------------------------------------------------------------------- problems

@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class BundleError(Exception):
    """The bundle was rejected; nothing was written. ``problems`` lists every located problem."""

    def __init__(self, problems: list[Problem], truncated: int = 0):
        self.problems = problems
        self.truncated = truncated
        lines = [str(p) for p in problems]
        if truncated:
            lines.append(f"... and {truncated} more problems")
        super().__init__("\n".join(lines))


class _Collector:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.dropped = 0

    def add(self, file: str, line: int, column: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, line, column, message))
        else:
            self.dropped += 1

    def raise_if_any(self) -> None:
        if self.items:
            raise BundleError(self.items, self.dropped)


# ----------------------------------------------------------------------------------- reading

@dataclass
class ParsedFile:
    spec: FileSpec
    columns: list[str]  # columns present in the header
    table: pa.Table  # parsed values by column (the store's terms, see influscope.ingest.columnar), plus "_line"
    _rows: list[dict[str, Any]] | None = None

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows as dicts of the rules' Python values, plus "_line" (made once, on first use)."""
        if self._rows is None:
            self._rows = columnar.to_rows(self.spec, self.table)
        return self._rows

    def __len__(self) -> int:
        return self.table.num_rows


@dataclass
class Bundle:
    path: Path
    campaign: dict[str, Any] | None
    files: dict[str, ParsedFile] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)  # files refused as a whole (header, encoding, CSV syntax)

    def rows(self, name: str) -> list[dict[str, Any]]:
        parsed = self.files.get(name)
        return parsed.rows if parsed else []


class _PlainLoader(yaml.SafeLoader):
    """YAML's safe subset without anchors and aliases: an alias can make a tiny file expand a
    billion-fold when it is walked (the "billion laughs"), and a campaign has no use for them."""

    def compose_node(self, parent, index):  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "anchors and aliases (&name, *name) are not accepted",
                                              event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """Parse TEXT as plain YAML (no anchors, aliases or custom tags); raise yaml.YAMLError."""
    return yaml.load(text, Loader=_PlainLoader)  # _PlainLoader is a SafeLoader


def _read_campaign(path: Path, problems: _Collector) -> dict[str, Any] | None:
    file = path / "campaign.yaml"
    if not file.exists():
        return None
    size = file.stat().st_size
    if size > MAX_YAML_BYTES:
        problems.add("campaign.yaml", 1, "-", f"larger than {MAX_YAML_BYTES} bytes ({size})")
        return None
    try:
        text = file.read_bytes().decode("utf-8-sig")
        if "\x00" in text:
            problems.add("campaign.yaml", text[: text.index("\x00")].count("\n") + 1, "-", "contains a NUL character")
            return None
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add("campaign.yaml", (mark.line + 1) if mark else 1, "-", f"not valid YAML: {exc}")
        return None
    except UnicodeDecodeError as exc:
        problems.add("campaign.yaml", 1, "-", f"not UTF-8: {exc.reason}")
        return None
    except RecursionError:
        problems.add("campaign.yaml", 1, "-", "nested too deeply")
        return None
    if not isinstance(data, dict):
        problems.add("campaign.yaml", 1, "-", "must be a mapping of fields")
        return None
    lines = _yaml_key_lines(file)
    known = {c.name for c in CAMPAIGN_FIELDS}
    for key in data:
        if key not in known:
            problems.add("campaign.yaml", lines.get(key, 1), str(key), "unknown field")
    out: dict[str, Any] = {}
    tz: dt.tzinfo = dt.timezone.utc
    for col in CAMPAIGN_FIELDS:
        line = lines.get(col.name, 1)
        value = data.get(col.name)
        if value is None or value == "":
            if col.must_fill:
                problems.add("campaign.yaml", line, col.name, "is required")
            continue
        try:
            out[col.name] = _campaign_value(col, value)
        except ValueError as exc:
            problems.add("campaign.yaml", line, col.name, str(exc))
    if "timezone" in out:
        try:
            tz = ZoneInfo(out["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.add("campaign.yaml", lines.get("timezone", 1), "timezone", f"unknown time zone {out['timezone']!r}")
    out["_tz"] = tz
    if "start" in out and "end" in out and out["end"] < out["start"]:
        problems.add("campaign.yaml", lines.get("end", 1), "end", "is before start")
    return out


def _yaml_key_lines(file: Path) -> dict[str, int]:
    lines: dict[str, int] = {}
    for no, line in enumerate(file.read_bytes().decode("utf-8-sig").splitlines(), 1):
        if line and not line[0].isspace() and ":" in line and not line.startswith("#"):
            lines.setdefault(line.split(":", 1)[0].strip(), no)
    return lines


def _yaml_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"must be a date (YYYY-MM-DD), not a date and time: {value}")  # noqa: TRY004 - a user's value, reported as such
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD): {str(value)[:40]!r}") from None


def _yaml_scalar(key: Any, value: Any) -> Any:
    if not isinstance(key, str):
        raise ValueError(f"keys must be text, got {key!r}")  # noqa: TRY004 - a user's value, reported as such
    rules.check_key(key, 64)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return rules.check_number(value) if isinstance(value, float) else int(rules.check_number(value))
    if isinstance(value, str):
        return rules.check_text(value, rules.MAX_NAME)
    raise ValueError(f"{key}: must be a number, text or true/false")


def _campaign_value(col: Col, value: Any) -> Any:
    name = col.name
    if name in ("start", "end"):
        return _yaml_date(value)
    if name == "baseline":
        if not isinstance(value, dict) or set(value) != {"start", "end"}:
            raise ValueError("must be {start: DATE, end: DATE}")
        start, end = _yaml_date(value["start"]), _yaml_date(value["end"])
        if end < start:
            raise ValueError("baseline end is before its start")
        return {"start": start, "end": end}
    if name in ("targets", "methodology"):
        if not isinstance(value, dict):
            raise ValueError("must be a mapping")
        if len(value) > 200:
            raise ValueError("more than 200 entries")
        out = {k: _yaml_scalar(k, v) for k, v in value.items()}
        if name == "targets":
            for k, v in out.items():
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise ValueError(f"{k}: a target must be a number")  # noqa: TRY004 - a user's value, reported as such
        return out
    if name == "brand_accounts":
        if not isinstance(value, list) or len(value) > 200 or not all(
                isinstance(v, dict) and {"platform", "handle"} <= set(v) for v in value):
            raise ValueError("must be a list of {platform, handle}")
        accounts = []
        for v in value:
            platform = str(v["platform"]).lower()
            if platform not in t.PLATFORMS:
                raise ValueError(f"{platform!r} is not one of {', '.join(t.PLATFORMS)}")
            accounts.append({"platform": platform, "handle": rules.check_handle(str(v["handle"]), platform)})
        return accounts
    if name in ("brand_terms", "competitor_terms"):
        if not isinstance(value, list) or len(value) > 200:
            raise ValueError("must be a list of terms (at most 200)")
        return [rules.check_text(str(v), rules.MAX_NAME) for v in value]
    if name == "budget":
        if isinstance(value, (dict, list)):
            raise ValueError("must be a number")
        return rules.check_money(value)
    if name == "id":
        return rules.check_campaign_slug(str(value).strip())
    if isinstance(value, (dict, list)):
        raise ValueError("must be a single value")  # noqa: TRY004 - a user's value, reported as such
    return parse_cell(col, str(value).strip(), dt.timezone.utc)


def _read_csv(path: Path, spec: FileSpec, tz: dt.tzinfo, problems: _Collector) -> ParsedFile | None:
    name = spec.name
    try:
        raw, header = columnar.read_header(path)
    except columnar.ReadProblem as exc:
        problems.add(name, exc.line, "-", exc.message)
        return None
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
    read = columnar.read_columns(path, spec, tz, header, raw)
    for line, _order, column, message in read.problems:
        problems.add(name, line, column, message)
    if read.fatal:
        problems.add(name, read.fatal[0], "-", read.fatal[1])
        return None
    return ParsedFile(spec, header, read.table)


def read_bundle(path: str | Path) -> Bundle:
    """Parse and validate the syntax of every file; raise BundleError with every problem found."""
    bundle, problems = _parse_bundle(Path(path))
    problems.raise_if_any()
    return bundle


def _parse_bundle(path: Path, progress: ImportProgress | None = None) -> tuple[Bundle, _Collector]:
    problems = _Collector()
    if not path.is_dir():
        raise BundleError([Problem(str(path), 0, "-", "not a folder")])
    campaign = _read_campaign(path, problems)
    tz = campaign["_tz"] if campaign else dt.timezone.utc
    bundle = Bundle(path, campaign)
    known = {f.name for f in FILES} | {"campaign.yaml"}
    present = sorted(p.name for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    for fname in present:
        if fname not in known and fname.endswith((".csv", ".yaml", ".yml")):
            problems.add(fname, 1, "-", f"unknown file (expected: {', '.join(sorted(known))})")
    for spec in FILES:
        fpath = path / spec.name
        if fpath.exists():
            parsed = _read_csv(fpath, spec, tz, problems)
            if parsed is not None:  # a file with its header and no rows is a bundle file too
                bundle.files[spec.name] = parsed
                if progress:
                    progress.read(spec.name, len(parsed))
            else:
                bundle.unreadable.add(spec.name)
    if not bundle.files and campaign is None and not problems.items:
        problems.add(str(path), 0, "-", "no bundle files (campaign.yaml or the CSV files of the format)")
    if (campaign is None and not (path / "campaign.yaml").exists()
            and any(f.spec.scope == "campaign" for f in bundle.files.values())):
        first = next(f.spec.name for f in bundle.files.values() if f.spec.scope == "campaign")
        problems.add("campaign.yaml", 0, "-", f"missing: {first} belongs to a campaign")
    return bundle, problems


# ----------------------------------------------------------------------------------- writing

@dataclass
class FileReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changes(self) -> int:
        return self.inserted + self.updated


@dataclass
class ImportReport:
    workspace: str
    campaign: str | None
    files: dict[str, FileReport] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return sum(r.changes for r in self.files.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace, "campaign": self.campaign, "changes": self.changes,
            "files": {k: {"inserted": v.inserted, "updated": v.updated, "unchanged": v.unchanged}
                      for k, v in self.files.items()},
        }


def ensure_workspace(conn: sa.Connection, slug: str, name: str | None = None) -> int:
    found = slugs.workspace_id(conn, slug)
    return found if found is not None else slugs.create_workspace(conn, slug, name)


def _sync(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], key: tuple[str, ...],
          scope: sa.ColumnElement, report: FileReport, columns: Iterable[str] | None = None,
          want_ids: bool = False) -> dict[tuple, int]:
    """Upsert ROWS (table column names) on KEY within SCOPE; with WANT_IDS return {key: id} of all rows in scope.

    Only the columns named in ``columns`` (default: every key of the first row) are compared and
    written, so that a file that omits an optional column leaves existing values alone.
    """
    cols = list(columns if columns is not None else (rows[0].keys() if rows else key))
    fetch = list(dict.fromkeys([*key, *cols]))
    existing: dict[tuple, Any] = {}
    for rec in conn.execute(sa.select(table.c.id, *[table.c[c] for c in fetch]).where(scope)):
        m = rec._mapping
        existing[tuple(m[k] for k in key)] = m
    inserts, updates = [], []
    for row in rows:
        k = tuple(row[c] for c in key)
        old = existing.get(k)
        if old is None:
            inserts.append(row)
        elif any(old[c] != row[c] for c in cols):
            updates.append({"_id": old["id"], **{c: row[c] for c in cols if c not in key}})
        else:
            report.unchanged += 1
    _insert(conn, table, inserts)
    if updates:
        upd_cols = [c for c in cols if c not in key]
        stmt = table.update().where(table.c.id == sa.bindparam("_id")).values(
            {c: sa.bindparam(c) for c in upd_cols})
        for chunk in _chunks(updates, 20_000):
            conn.execute(stmt, chunk)
    report.inserted += len(inserts)
    report.updated += len(updates)
    if not want_ids:
        return {}
    if not inserts:
        return {k: v["id"] for k, v in existing.items()}
    return {tuple(r[:-1]): r[-1] for r in conn.execute(sa.select(*[table.c[c] for c in key], table.c.id).where(scope))}


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ROWS in the open transaction through the driver: COPY on PostgreSQL, executemany on SQLite.

    Values go through each column type's own bind processor, so they are stored exactly as SQLAlchemy
    would store them; skipping SQLAlchemy's per-row statement machinery makes bulk loads several times faster.
    """
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        for chunk in _chunks(rows, 20_000):
            conn.execute(table.insert(), chunk)
        return
    cols = list(rows[0].keys())
    procs = [_json_text if dialect == "postgresql" and isinstance(table.c[c].type, sa.JSON)
             else table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in cols]
    values = ([p(row[c]) if p else row[c] for c, p in zip(cols, procs)] for row in rows)
    names = ", ".join(f'"{c}"' for c in cols)
    cursor = conn.connection.driver_connection.cursor()
    try:
        if dialect == "postgresql":
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as cp:
                for v in values:
                    cp.write_row(v)
        else:
            cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(cols))})', values)
    finally:
        cursor.close()


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _present(bundle: Bundle, name: str, mapping: dict[str, str]) -> list[str]:
    """Table columns to write for FILE: those whose CSV column is in the header."""
    header = set(bundle.files[name].columns)
    return [tcol for csv_col, tcol in mapping.items() if csv_col in header]


class _Refs:
    """Natural key -> id maps for references, from the database and the bundle."""

    def __init__(self, conn: sa.Connection, ws: int):
        self.conn, self.ws = conn, ws

    def creators(self) -> dict[str, int]:
        return dict(self.conn.execute(sa.select(t.creators.c.key, t.creators.c.id).where(t.creators.c.workspace_id == self.ws)).all())

    def accounts(self) -> set[tuple[str, str]]:
        q = sa.select(t.creators.c.key, t.creator_accounts.c.platform).join_from(
            t.creator_accounts, t.creators).where(t.creators.c.workspace_id == self.ws)
        return {(k, p) for k, p in self.conn.execute(q)}

    def posts(self) -> dict[str, tuple[int, int]]:
        q = sa.select(t.posts.c.key, t.posts.c.id, t.posts.c.campaign_id).where(t.posts.c.workspace_id == self.ws)
        return {k: (i, c) for k, i, c in self.conn.execute(q)}

    def links(self) -> dict[str, tuple[int, int]]:
        """This workspace's links: {link_id (the key): (id, campaign id)}; other workspaces' are never read."""
        key = sa.func.coalesce(t.links.c.key, t.links.c.slug)
        q = sa.select(key, t.links.c.id, t.links.c.campaign_id).where(t.links.c.workspace_id == self.ws)
        return {k: (i, c) for k, i, c in self.conn.execute(q)}

    def codes(self) -> dict[str, int]:
        q = sa.select(t.codes.c.code, t.codes.c.campaign_id).where(t.codes.c.workspace_id == self.ws)
        return dict(self.conn.execute(q).all())


def _check_references(conn: sa.Connection, bundle: Bundle, ws: int | None, campaign_id: int | None,
                      problems: _Collector, workspace: str | None = None) -> None:
    """Cross-file checks against the bundle itself and what the workspace already holds.

    A reference into a file that could not be read at all is not checked (its rows are unknown).
    """
    if bundle.unreadable & {"creators.csv", "posts.csv", "links.csv"}:
        return
    refs = _Refs(conn, ws) if ws is not None else None
    creator_keys = {r["creator_id"] for r in bundle.rows("creators.csv")} | (set(refs.creators()) if refs else set())
    accounts = {(r["creator_id"], r["platform"]) for r in bundle.rows("creators.csv")} | (refs.accounts() if refs else set())
    db_posts = refs.posts() if refs else {}
    post_keys = {r["post_id"] for r in bundle.rows("posts.csv")} | set(db_posts)
    db_links = refs.links() if refs else {}
    link_keys = {r["link_id"] for r in bundle.rows("links.csv")} | set(db_links)

    first_attrs: dict[str, dict[str, Any]] = {}
    for r in bundle.rows("creators.csv"):
        prev = first_attrs.setdefault(r["creator_id"], r)
        for c in ("name", "country", "language"):
            if prev is not r and c in r and r.get(c) != prev.get(c):
                problems.add("creators.csv", r["_line"], c, f"differs from line {prev['_line']} for creator {r['creator_id']}")
    post_first: dict[str, dict[str, Any]] = {}
    for r in bundle.rows("posts.csv"):
        if r["creator_id"] and r["creator_id"] not in creator_keys:
            problems.add("posts.csv", r["_line"], "creator_id", f"unknown creator {r['creator_id']!r}")
        elif r["creator_id"] and r["platform"] and (r["creator_id"], r["platform"]) not in accounts:
            problems.add("posts.csv", r["_line"], "platform", f"creator {r['creator_id']!r} has no {r['platform']} account in creators.csv")
        prev = post_first.setdefault(r["post_id"], r)
        if prev is not r:
            for c in ("creator_id", "platform", "content_type", "url", "posted_at", "sponsored", "caption"):
                if c in r and r.get(c) != prev.get(c):
                    problems.add("posts.csv", r["_line"], c, f"differs from line {prev['_line']} for post {r['post_id']}")
        other = db_posts.get(r["post_id"])
        if other and campaign_id is not None and other[1] != campaign_id:
            problems.add("posts.csv", r["_line"], "post_id", f"post {r['post_id']!r} belongs to another campaign")
    for fname in ("costs.csv", "codes.csv", "links.csv"):
        for r in bundle.rows(fname):
            if r.get("creator_id") and r["creator_id"] not in creator_keys:
                problems.add(fname, r["_line"], "creator_id", f"unknown creator {r['creator_id']!r}")
    db_codes = refs.codes() if refs else {}
    for r in bundle.rows("codes.csv"):
        kind = r.get("kind") or "affiliate"
        if kind == "affiliate" and not r.get("creator_id"):
            problems.add("codes.csv", r["_line"], "creator_id", "an affiliate code needs its creator")
        if r["code"] in db_codes and campaign_id is not None and db_codes[r["code"]] != campaign_id:
            problems.add("codes.csv", r["_line"], "code", f"code {r['code']!r} belongs to another campaign")
    for r in bundle.rows("links.csv"):
        if r.get("post_id") and r["post_id"] not in post_keys:
            problems.add("links.csv", r["_line"], "post_id", f"unknown post {r['post_id']!r}")
        other = db_links.get(r["link_id"])
        if other and campaign_id is not None and other[1] != campaign_id:
            problems.add("links.csv", r["_line"], "link_id",
                         f"link {r['link_id']!r} belongs to another campaign of this workspace")
        elif other is None and r["link_id"] and workspace is not None:
            try:  # a new link's short URL is /l/<workspace>/<link_id>
                from influscope.tracking.links import chosen_path

                chosen_path(workspace, r["link_id"])
            except ValueError as exc:
                problems.add("links.csv", r["_line"], "link_id", str(exc))
    hosts = allowed_hosts(conn, ws) if ws is not None else []
    for r in bundle.rows("links.csv"):
        if hosts and r.get("destination_url"):
            try:
                rules.check_destination(r["destination_url"], allowed_hosts=hosts)
            except ValueError as exc:
                problems.add("links.csv", r["_line"], "destination_url", str(exc))
    _unknown(bundle, "clicks.csv", "link_id", link_keys, "unknown link", problems)
    _unknown(bundle, "comments.csv", "post_id", post_keys, "unknown post", problems)
    found: list[tuple[int, int, str, str]] = []
    orders = _table(bundle, "orders.csv")
    if orders is not None:
        for order, c in enumerate(("subtotal", "discounts", "tax", "shipping", "total", "refunded")):
            if c in orders.column_names:
                found += _where(orders, pc.less(orders.column(c), 0), order, c, "must not be negative")
        if "refunded" in orders.column_names:
            found += _where(orders, pc.greater(orders.column("refunded"), orders.column("subtotal")), 6, "refunded",
                            "is more than the subtotal")
    _report_sorted("orders.csv", found, problems)
    found = []
    rates = _table(bundle, "fx_rates.csv")
    if rates is not None:
        found += _where(rates, pc.less_equal(rates.column("rate"), 0), 0, "rate", "must be positive")
        if not bundle.campaign:
            base = rates.column("base") if "base" in rates.column_names else pa.nulls(rates.num_rows, pa.large_string())
            found += _where(rates, pc.is_null(base), 1, "base", "is required when the bundle has no campaign.yaml")
    _report_sorted("fx_rates.csv", found, problems)


def _table(bundle: Bundle, name: str) -> pa.Table | None:
    parsed = bundle.files.get(name)
    return parsed.table if parsed is not None and len(parsed) else None


def _where(table: pa.Table, condition: pa.Array, order: int, column: str, message: str) -> list[tuple[int, int, str, str]]:
    rows = pc.filter(table.column("_line"), pc.fill_null(condition, False)).to_pylist()
    return [(line, order, column, message) for line in rows]


def _report_sorted(name: str, found: list[tuple[int, int, str, str]], problems: _Collector) -> None:
    for line, _order, column, message in sorted(found, key=lambda p: (p[0], p[1])):
        problems.add(name, line, column, message)


def _unknown(bundle: Bundle, name: str, column: str, known: set[str], what: str, problems: _Collector) -> None:
    """Rows of NAME whose COLUMN names none of KNOWN."""
    table = _table(bundle, name)
    if table is None:
        return
    values = table.column(column)
    missing = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=pa.array(sorted(k for k in known if k is not None), pa.large_string()))))
    picked = table.select([column, "_line"]).filter(missing)
    for value, line in zip(picked.column(0).to_pylist(), picked.column(1).to_pylist()):
        problems.add(name, line, column, f"{what} {value!r}")


@dataclass
class ImportProgress:
    """How far a running import is, for a progress bar: ``phase`` (reading, checking, writing,
    done), ``rows`` done of ``total`` rows in the bundle's files. ON_CHANGE is called after each step
    (from the importing thread)."""

    on_change: Callable[[ImportProgress], None] | None = None
    phase: str = "reading"
    rows: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    phase_started: float = field(default_factory=time.monotonic)
    _files: dict[str, list[int]] = field(default_factory=dict)  # name -> [done, total]

    def _changed(self) -> None:
        if self.on_change:
            self.on_change(self)

    def read(self, name: str, rows: int) -> None:
        self._files[name] = [0, rows]
        self.total += rows
        self.rows += rows
        self._changed()

    def begin(self, phase: str) -> None:
        self.phase, self.rows, self.phase_started = phase, 0, time.monotonic()
        self._changed()

    def step(self, name: str) -> Callable[[int], None]:
        """A callback adding rows written of file NAME."""
        def add(rows: int) -> None:
            counts = self._files.setdefault(name, [0, 0])
            counts[0] += rows
            self.rows += rows
            self._changed()
        return add

    def finish(self) -> None:
        self.phase, self.rows = "done", self.total
        self._changed()

    def done(self, name: str) -> None:
        counts = self._files.setdefault(name, [0, 0])
        self.rows += max(counts[1] - counts[0], 0)
        counts[0] = counts[1]
        self._changed()

    @property
    def rate(self) -> float:
        """Rows per second in the current phase so far (0 at its start)."""
        elapsed = time.monotonic() - self.phase_started
        return self.rows / elapsed if elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        rate = self.rate
        left = (self.total - self.rows) / rate if rate and self.phase == "writing" else None
        return {"phase": self.phase, "rows": self.rows, "total": self.total, "rows_per_s": round(rate),
                "seconds_left": None if left is None else round(left, 1),
                "elapsed_s": round(time.monotonic() - self.started, 1)}


class CostsNotAllowed(BundleError):
    """The bundle carries budgets or costs and the caller may not write them."""


def import_bundle(engine: sa.Engine, path: str | Path, workspace: str = "default", *,
                  costs: bool = True, progress: ImportProgress | None = None) -> ImportReport:
    """Validate and load a bundle in one transaction; raise BundleError and write nothing on any problem.

    Every problem is reported in one pass: cell problems and reference problems together (up to
    ``MAX_PROBLEMS``). With ``costs=False`` (a caller without access to budgets and costs) a bundle
    with ``costs.csv`` rows, a ``budget`` or targets of cost KPIs raises :class:`CostsNotAllowed`,
    and a campaign's stored budget is left as it is.
    """
    bundle, problems = _parse_bundle(Path(path), progress)
    if not costs:
        denied = _Collector()
        if bundle.rows("costs.csv") or "costs.csv" in bundle.unreadable:
            denied.add("costs.csv", 1, "-", "budgets and costs are not shared with this account")
        if bundle.campaign and "budget" in bundle.campaign:
            denied.add("campaign.yaml", _yaml_key_lines(Path(path) / "campaign.yaml").get("budget", 1), "budget",
                       "budgets and costs are not shared with this account")
        if bundle.campaign and bundle.campaign.get("targets"):
            from influscope.auth.roles import cost_kpis

            hidden = sorted(set(bundle.campaign["targets"]) & cost_kpis())
            if hidden:
                denied.add("campaign.yaml", _yaml_key_lines(Path(path) / "campaign.yaml").get("targets", 1), "targets",
                           f"targets of {', '.join(hidden)}: budgets and costs are not shared with this account")
        if denied.items:
            raise CostsNotAllowed(denied.items)
    with engine.connect() as conn:
        ws_id = slugs.workspace_id(conn, workspace)
        camp_id = None
        if ws_id is not None and bundle.campaign and "id" in bundle.campaign:
            camp_id = conn.execute(sa.select(t.campaigns.c.id).where(
                t.campaigns.c.workspace_id == ws_id, t.campaigns.c.slug == bundle.campaign["id"])).scalar()
        if progress:
            progress.begin("checking")
        _check_references(conn, bundle, ws_id, camp_id, problems, workspace)
        if camp_id is not None and (bundle.campaign or {}).get("status") == "planned":
            was = conn.execute(sa.select(t.campaigns.c.status).where(t.campaigns.c.id == camp_id)).scalar()
            if was != "planned":
                problems.add("campaign.yaml", 1, "status", f"campaign {bundle.campaign['id']!r} is {was}; "
                             "a started campaign cannot be planned again")
    problems.raise_if_any()
    if progress:
        progress.begin("writing")
    with engine.connect() as conn:
        conn.execution_options(sqlite_immediate=True)  # a transaction for writing (see db.engine)
        # staged files are let go after the transaction; clicks written to an event store are taken
        # back out if the transaction fails after them (its COMMIT included)
        with event_clicks.all_or_nothing() as event_writes, bulk_sqlite.staging(conn), conn.begin():
            report = _write(conn, bundle, workspace, costs=costs, progress=progress, event_writes=event_writes)
    if report.changes:
        refresh_statistics(engine)
    if progress:
        progress.finish()
    return report


def _write(conn: sa.Connection, bundle: Bundle, workspace: str, *, costs: bool = True,
           progress: ImportProgress | None = None, event_writes: event_clicks.Writes | None = None) -> ImportReport:
    ws = ensure_workspace(conn, workspace)
    c = bundle.campaign
    report = ImportReport(workspace, c["id"] if c else None)
    campaign_id = None
    pending_clicks = None
    pending_progress = None
    if c:
        row = {
            "workspace_id": ws, "slug": c["id"], "name": c["name"], "brand": c.get("brand"), "goal": c["goal"],
            "start_date": c["start"], "end_date": c["end"], "timezone": c.get("timezone", "UTC"),
            "currency": c["currency"], "budget": c.get("budget"),
            "baseline_start": c.get("baseline", {}).get("start"), "baseline_end": c.get("baseline", {}).get("end"),
            "targets": c.get("targets", {}), "brand_accounts": c.get("brand_accounts", []),
            "brand_terms": c.get("brand_terms", []), "competitor_terms": c.get("competitor_terms", []),
            "methodology": c.get("methodology", {}),
        }
        if c.get("status"):  # absent: a new campaign is started, an existing one keeps its status
            row["status"] = c["status"]
        if not costs:
            del row["budget"]  # a new campaign has none; an existing one keeps its own
            from influscope.auth.roles import cost_kpis

            hidden = cost_kpis()
            old = conn.execute(sa.select(t.campaigns.c.targets).where(
                t.campaigns.c.workspace_id == ws, t.campaigns.c.slug == c["id"])).scalar() or {}
            row["targets"] = {**{k: v for k, v in old.items() if k in hidden}, **row["targets"]}
        rep = report.files.setdefault("campaign.yaml", FileReport())
        ids = _sync(conn, t.campaigns, [row], ("workspace_id", "slug"),
                    (t.campaigns.c.workspace_id == ws) & (t.campaigns.c.slug == c["id"]), rep, want_ids=True)
        campaign_id = ids[(ws, c["id"])]

    # creators and their accounts
    creator_rows = bundle.rows("creators.csv")
    if creator_rows:
        rep = report.files.setdefault("creators.csv", FileReport())
        people: dict[str, dict[str, Any]] = {}
        for r in creator_rows:
            people.setdefault(r["creator_id"], {"workspace_id": ws, "key": r["creator_id"],
                                                **{k: r.get(k) for k in ("name", "country", "language")}})
        pcols = ["workspace_id", "key"] + [k for k in ("name", "country", "language") if k in bundle.files["creators.csv"].columns]
        _sync(conn, t.creators, list(people.values()), ("workspace_id", "key"), t.creators.c.workspace_id == ws,
              FileReport(), pcols)
    creator_ids = _Refs(conn, ws).creators()
    if creator_rows:
        acc = [{"workspace_id": ws, "creator_id": creator_ids[r["creator_id"]], "platform": r["platform"],
                "handle": r["handle"], "followers": r.get("followers"), "following": r.get("following")}
               for r in creator_rows]
        cols = ["workspace_id", "creator_id", "platform", "handle"] + _present(
            bundle, "creators.csv", {"followers": "followers", "following": "following"})
        _sync(conn, t.creator_accounts, acc, ("creator_id", "platform"), t.creator_accounts.c.workspace_id == ws, rep, cols)

    # campaign membership: everyone named by the campaign's files
    if campaign_id is not None:
        members = {r["creator_id"] for f in ("creators.csv", "posts.csv", "costs.csv", "codes.csv", "links.csv")
                   for r in bundle.rows(f) if r.get("creator_id")}
        have = set(conn.execute(sa.select(t.campaign_creators.c.creator_id).where(
            t.campaign_creators.c.campaign_id == campaign_id)).scalars())
        new = [{"campaign_id": campaign_id, "creator_id": creator_ids[k]} for k in sorted(members)
               if creator_ids[k] not in have]
        if new:
            conn.execute(t.campaign_creators.insert(), new)

    # posts and their metric snapshots
    post_rows = bundle.rows("posts.csv")
    if post_rows:
        rep = report.files.setdefault("posts.csv", FileReport())
        attrs = ("content_type", "url", "posted_at", "sponsored", "caption")
        posts = {}
        for r in post_rows:
            posts[r["post_id"]] = {"workspace_id": ws, "campaign_id": campaign_id, "key": r["post_id"],
                                   "creator_id": creator_ids[r["creator_id"]], "platform": r["platform"],
                                   **{a: r.get(a) for a in attrs}}
            if posts[r["post_id"]]["content_type"] is None:
                posts[r["post_id"]]["content_type"] = "post"
        header = bundle.files["posts.csv"].columns
        pcols = ["workspace_id", "campaign_id", "key", "creator_id", "platform"] + [a for a in attrs if a in header]
        if "content_type" not in pcols:
            pcols.append("content_type")
        post_ids = {k[1]: v for k, v in _sync(conn, t.posts, list(posts.values()), ("workspace_id", "key"),
                                              t.posts.c.workspace_id == ws, FileReport(), pcols, want_ids=True).items()}
        metric_names = [m for m in ("impressions", "reach", "views", "likes", "comments", "shares", "saves",
                                    "reactions", "link_clicks", "watch_time_s") if m in header]
        snaps = [{"post_id": post_ids[r["post_id"]], "as_of": r["as_of"], "source": "csv",
                  **{m: r.get(m) for m in metric_names}} for r in post_rows]
        if event_records.enabled():  # into the event store when the transaction commits
            event_records.defer(conn, "post_metrics", ws, snaps, metric_names, rep)
        else:
            scope = t.post_metrics.c.post_id.in_(sa.select(t.posts.c.id).where(t.posts.c.workspace_id == ws))
            _sync(conn, t.post_metrics, snaps, ("post_id", "as_of"), scope, rep, ["post_id", "as_of", *metric_names])
    refs = _Refs(conn, ws)
    post_map = {k: v[0] for k, v in refs.posts().items()}

    if bundle.rows("costs.csv"):
        rep = report.files.setdefault("costs.csv", FileReport())
        rows = [{"workspace_id": ws, "campaign_id": campaign_id, "key": r["cost_id"],
                 "creator_id": creator_ids.get(r.get("creator_id")), "kind": r["kind"], "amount": r["amount"],
                 "currency": r["currency"], "incurred_on": r["incurred_on"], "note": r.get("note")}
                for r in bundle.rows("costs.csv")]
        cols = ["workspace_id", "campaign_id", "key", "kind", "amount", "currency", "incurred_on"] + _present(
            bundle, "costs.csv", {"creator_id": "creator_id", "note": "note"})
        _sync(conn, t.costs, rows, ("campaign_id", "key"), t.costs.c.campaign_id == campaign_id, rep, cols)

    if bundle.rows("codes.csv"):
        rep = report.files.setdefault("codes.csv", FileReport())
        rows = [{"workspace_id": ws, "campaign_id": campaign_id, "code": r["code"].upper(),
                 "creator_id": creator_ids.get(r.get("creator_id")), "kind": r.get("kind") or "affiliate"}
                for r in bundle.rows("codes.csv")]
        cols = ["workspace_id", "campaign_id", "code", "kind"] + _present(bundle, "codes.csv", {"creator_id": "creator_id"})
        _sync(conn, t.codes, rows, ("workspace_id", "code"), t.codes.c.workspace_id == ws, rep, cols)

    if bundle.rows("links.csv"):
        rep = report.files.setdefault("links.csv", FileReport())
        from influscope.tracking.links import chosen_path

        # a new link's public path is /l/<workspace>/<link_id>; a link already here keeps its own
        known = _Refs(conn, ws).links()
        rows = [{"workspace_id": ws, "campaign_id": campaign_id, "key": r["link_id"],
                 "slug": None if r["link_id"] in known else chosen_path(workspace, r["link_id"]), "creator_id": creator_ids.get(r.get("creator_id")), "platform": r.get("platform"),
                 "destination_url": r["destination_url"], "post_id": post_map.get(r.get("post_id")),
                 "paid": bool(r.get("paid"))}
                for r in bundle.rows("links.csv")]
        cols = ["workspace_id", "campaign_id", "key", "destination_url"] + _present(
            bundle, "links.csv", {"creator_id": "creator_id", "platform": "platform", "post_id": "post_id", "paid": "paid"})
        _sync(conn, t.links, rows, ("key",), t.links.c.workspace_id == ws, rep, cols)

    if _table(bundle, "clicks.csv") is not None:
        rep = report.files.setdefault("clicks.csv", FileReport())
        link_ids = {k: v[0] for k, v in _Refs(conn, ws).links().items()}
        if event_clicks.enabled():  # into the event store, once every other record is written (below)
            pending_clicks = (bundle.files["clicks.csv"], link_ids, rep)
            pending_progress = progress.step("clicks.csv") if progress else None
        elif conn.dialect.name == "sqlite":
            _write_clicks_sqlite(conn, bundle.files["clicks.csv"], ws, link_ids, rep, progress)
        else:
            _write_clicks(conn, bundle.files["clicks.csv"], ws, link_ids, rep)
        if progress and pending_clicks is None:
            progress.done("clicks.csv")

    _simple(conn, bundle, report, ws, "orders.csv", t.orders, ("workspace_id", "source", "key"),
            {"order_id": "key", "source": "source", "created_at": "created_at", "currency": "currency",
             "subtotal": "subtotal", "discounts": "discounts", "tax": "tax", "shipping": "shipping", "total": "total",
             "refunded": "refunded", "status": "status", "discount_codes": "discount_codes",
             "landing_url": "landing_url", "click_id": "click_id", "customer_id": "customer_id",
             "new_customer": "new_customer", "units": "units", "_utm_content": "landing_utm_content",
             "_utm_source": "landing_utm_source"},
            defaults={"source": "", "status": "paid"}, extra=_landing_utm_columns(bundle), progress=progress)
    _simple(conn, bundle, report, ws, "leads.csv", t.leads, ("workspace_id", "key"),
            {"lead_id": "key", "type": "type", "ts": "ts", "click_id": "click_id", "code": "code",
             "utm_content": "utm_content", "value": "value", "currency": "currency"}, progress=progress)
    _simple(conn, bundle, report, ws, "traffic.csv", t.traffic,
            ("workspace_id", "date", "source", "medium", "campaign", "content"),
            {"date": "date", "source": "source", "medium": "medium", "campaign": "campaign", "content": "content",
             "sessions": "sessions", "new_users": "new_users", "returning_users": "returning_users",
             "engaged_sessions": "engaged_sessions",
             "pageviews": "pageviews", "session_duration_s": "session_duration_s"},
            defaults={"source": "", "medium": "", "campaign": "", "content": ""}, progress=progress)
    _simple(conn, bundle, report, ws, "followers.csv", t.follower_snapshots,
            ("workspace_id", "platform", "handle", "date"),
            {"platform": "platform", "handle": "handle", "date": "date", "followers": "followers"}, progress=progress)
    comments = _table(bundle, "comments.csv")
    if comments is not None:
        keys = sorted(post_map)
        post_col = pc.take(pa.array([post_map[k] for k in keys], pa.int64()),
                           pc.index_in(comments.column("post_id"), value_set=pa.array(keys, pa.large_string())))
        _simple(conn, bundle, report, ws, "comments.csv", t.comments, ("workspace_id", "key"),
                {"comment_id": "key", "_post": "post_id", "author": "author", "text": "text", "ts": "ts",
                 "likes": "likes"}, defaults={"text": ""}, extra={"_post": post_col}, progress=progress)
    _simple(conn, bundle, report, ws, "audience.csv", t.audience,
            ("workspace_id", "platform", "handle", "date", "dimension", "bucket"),
            {"platform": "platform", "handle": "handle", "date": "date", "dimension": "dimension", "bucket": "bucket",
             "share": "share"}, progress=progress)
    rates = _table(bundle, "fx_rates.csv")
    if rates is not None:
        base = rates.column("base") if "base" in rates.column_names else pa.nulls(rates.num_rows, pa.large_string())
        _simple(conn, bundle, report, ws, "fx_rates.csv", t.fx_rates, ("workspace_id", "date", "base", "currency"),
                {"date": "date", "base": "base", "currency": "currency", "rate": "rate"},
                extra={"base": pc.fill_null(base, c["currency"]) if c else base}, progress=progress)
    if c or bundle.rows("links.csv"):  # a campaign's new time zone, links moved to another campaign
        click_rollups.follow_zones(conn, ws)
    if pending_clicks is not None:  # last, so that a failure rolls back the whole transaction
        event_clicks.write_bundle_clicks(*pending_clicks, ws=ws, writes=event_writes,
                                         progress=pending_progress)
    return report


def _landing_utm_columns(bundle: Bundle) -> dict[str, pa.Array]:
    """The utm values of orders.csv's landing URLs, kept with each order (``_utm_content``, ``_utm_source``)."""
    parsed = bundle.files.get("orders.csv")
    if parsed is None or "landing_url" not in parsed.columns:
        return {}
    seen: dict[str | None, dict[str, str | None]] = {}
    found = [seen.get(u) or seen.setdefault(u, landing_utm(u)) for u in parsed.table.column("landing_url").to_pylist()]
    return {f"_utm_{part}": pa.array([f[f"landing_utm_{part}"] for f in found], pa.large_string())
            for part in ("content", "source")}


def _simple(conn, bundle: Bundle, report: ImportReport, ws: int, name: str, table: sa.Table, key: tuple[str, ...],
            mapping: dict[str, str], defaults: dict[str, Any] | None = None, extra: dict[str, pa.Array] | None = None,
            progress: ImportProgress | None = None) -> None:
    """A workspace file whose rows map one to one onto a table (EXTRA: computed columns by CSV name)."""
    parsed = bundle.files.get(name)
    if parsed is None or not len(parsed):
        return
    defaults = defaults or {}
    extra = extra or {}
    header = set(parsed.columns) | set(extra) | {k for k in mapping if k.startswith("_")}
    used = {csv_col: tcol for csv_col, tcol in mapping.items() if csv_col in header or tcol in key or tcol in defaults}
    rep = report.files.setdefault(name, FileReport())
    if table.name in event_records.KINDS and event_records.enabled():  # into the event store at the commit
        rows = [{tcol: defaults.get(tcol) if r.get(csv_col) is None else r.get(csv_col) for csv_col, tcol in used.items()}
                for r in parsed.rows]
        event_records.defer(conn, table.name, ws, rows, [tcol for csv_col, tcol in used.items() if csv_col in header], rep)
    elif conn.dialect.name == "sqlite":
        n = len(parsed)
        arrays: dict[str, pa.Array] = {}
        for csv_col, tcol in used.items():
            if csv_col in extra:
                arr = extra[csv_col]
            elif csv_col in parsed.columns:
                arr = parsed.table.column(csv_col)
            else:
                arr = pa.nulls(n, pa.large_string())
            if tcol in defaults:
                arr = pc.fill_null(arr, defaults[tcol])
            arrays[tcol] = arr
        values = bulk_sqlite.Columns({tcol: bulk_sqlite.storage_arrow(table.c[tcol], arr) for tcol, arr in arrays.items()})
        keys = tuple(k for k in key if k != "workspace_id")
        plan = bulk_sqlite.plan(conn, table, values, keys, table.c.workspace_id == ws, values.names)
        order = arrays["key"] if "key" in arrays else None
        bulk_sqlite.insert(conn, table, {"workspace_id": ws}, values, plan.inserts, order_by=order,
                           progress=progress.step(name) if progress else None)
        bulk_sqlite.update(conn, table, values.subset(c for c in values.names if c not in keys), plan.updates,
                           plan.update_ids)
        rep.inserted += len(plan.inserts)
        rep.updated += len(plan.updates)
        rep.unchanged += plan.unchanged
    else:
        extra_values = {k: v.to_pylist() for k, v in extra.items()}
        rows = []
        for i, r in enumerate(parsed.rows):
            row = {"workspace_id": ws}
            for csv_col, tcol in used.items():
                value = extra_values[csv_col][i] if csv_col in extra_values else r.get(csv_col)
                row[tcol] = defaults.get(tcol) if value is None and tcol in defaults else value
            rows.append(row)
        _sync(conn, table, rows, key, table.c.workspace_id == ws, rep, ["workspace_id", *used.values()])
    if progress:
        progress.done(name)


def _write_clicks(conn: sa.Connection, parsed: ParsedFile, ws: int, link_ids: dict[str, int], rep: FileReport) -> None:
    """Clicks through SQLAlchemy (PostgreSQL and other stores), then their links' unique windows."""
    optional = ("bot_reason", "visitor_hash", "country", "device", "os", "browser", "app", "referrer", "user_agent",
                "request_hints")
    rows = [{"workspace_id": ws, "key": r["click_id"], "link_id": link_ids[r["link_id"]], "ts": r["ts"],
             "is_bot": bool(r.get("is_bot")), **{o: r.get(o) for o in optional}}
            for r in parsed.rows]
    header = parsed.columns
    cols = ["workspace_id", "key", "link_id", "ts"] + (["is_bot"] if "is_bot" in header else []) + [
        o for o in optional if o in header]
    written = rep.inserted + rep.updated
    c = t.clicks
    before: dict[str, int] = {}  # stored hits' links: a hit moved to another link changes both
    if conn.execute(sa.select(c.c.id).where(c.c.workspace_id == ws).limit(1)).first() is not None:
        before = dict(conn.execute(sa.select(c.c.key, c.c.link_id).where(c.c.workspace_id == ws)).all())
    _sync(conn, t.clicks, rows, ("workspace_id", "key"), t.clicks.c.workspace_id == ws, rep, cols)
    if rep.inserted + rep.updated > written:  # new or changed hits: their links' unique windows and rollups
        touched = {r["link_id"] for r in rows} | {before[r["key"]] for r in rows
                                                  if r["key"] in before and before[r["key"]] != r["link_id"]}
        unique_windows.rebuild(conn, ws, touched)
        click_rollups.rebuild(conn, ws, touched)


def _write_clicks_sqlite(conn: sa.Connection, parsed: ParsedFile, ws: int, link_ids: dict[str, int], rep: FileReport,
                         progress: ImportProgress | None) -> None:
    """Clicks in bulk. When the links had no hits before, the new hits' unique-window flags are
    derived from the file's columns and written with them; otherwise the links' windows are derived
    again from every stored hit after the write (as :func:`unique_windows.rebuild` does)."""
    c = t.clicks
    table = parsed.table
    header = parsed.columns
    optional = [o for o in ("bot_reason", "visitor_hash", "country", "device", "os", "browser", "app", "referrer",
                            "user_agent", "request_hints") if o in header]
    slugs = sorted(link_ids)
    link = pc.take(pa.array([link_ids[s] for s in slugs], pa.int64()),
                   pc.index_in(table.column("link_id"), value_set=pa.array(slugs, pa.large_string())))
    is_bot = table.column("is_bot") if "is_bot" in header else pa.nulls(len(table), pa.bool_())
    arrays = {"key": table.column("click_id"), "link_id": link, "ts": table.column("ts"),
              "is_bot": pc.fill_null(is_bot, False), **{o: table.column(o) for o in optional}}
    values = bulk_sqlite.Columns({name: bulk_sqlite.storage_arrow(c.c[name], arr) for name, arr in arrays.items()})
    compared = ["link_id", "ts", *(["is_bot"] if "is_bot" in header else []), *optional]
    plan = bulk_sqlite.plan(conn, c, values, ("key",), c.c.workspace_id == ws, compared)
    rep.inserted += len(plan.inserts)
    rep.updated += len(plan.updates)
    rep.unchanged += plan.unchanged
    if not len(plan.inserts) and not len(plan.updates):
        return
    links_written = set(pc.unique(link).to_pylist())
    if len(plan.updates):  # a hit moved to another link changes both links
        ids = list(plan.update_ids)
        for i in range(0, len(ids), 500):
            links_written.update(conn.execute(sa.select(c.c.link_id).distinct().where(c.c.id.in_(ids[i:i + 500])))
                                 .scalars())
    touched = sorted(links_written)
    dbapi = conn.connection.driver_connection
    fresh = not len(plan.updates) and not unique_windows.links_have_hits(dbapi, touched)
    if fresh:
        visitor = arrays.get("visitor_hash", pa.nulls(len(table), pa.large_string()))
        flags = unique_windows.flags_of(
            np.asarray(link.to_numpy(zero_copy_only=False)), visitor,
            np.asarray(pc.cast(arrays["ts"], pa.int64()).to_numpy(zero_copy_only=False)), arrays["key"],
            np.asarray(arrays["is_bot"].to_numpy(zero_copy_only=False), dtype=bool))
        for j, name in enumerate(unique_windows.FLAG_COLUMNS):
            values.arrays[name] = pa.array(flags[:, j].astype(np.int64))
    bulk_sqlite.insert(conn, c, {"workspace_id": ws}, values, plan.inserts, order_by=arrays["key"],
                       progress=progress.step("clicks.csv") if progress else None)
    bulk_sqlite.update(conn, c, values.subset(compared), plan.updates, plan.update_ids)
    if fresh:  # the new hits' rollups from the same columns
        rows = np.asarray(plan.inserts, dtype=np.int64)
        click_rollups.apply_sqlite(dbapi, click_rollups.tally_columns(
            click_rollups.zones(conn, touched), np.asarray(link.to_numpy(zero_copy_only=False))[rows],
            np.asarray(pc.cast(arrays["ts"], pa.int64()).to_numpy(zero_copy_only=False))[rows],
            np.asarray(arrays["is_bot"].to_numpy(zero_copy_only=False), dtype=bool)[rows], flags[rows]))
    else:
        unique_windows.rebuild_sqlite(dbapi, touched)
        click_rollups.rebuild(conn, ws, touched)


# ----------------------------------------------------------------------------------- export

def _fmt(col: Col, value: Any) -> str:
    if value is None:
        return ""
    if col.type == "datetime":
        return value.replace(tzinfo=None).isoformat() + "Z"
    if col.type == "bool":
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write_csv(path: Path, spec: FileSpec, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(spec.names)
        for row in rows:
            w.writerow([_fmt(c, row.get(c.name)) for c in spec.columns])
            n += 1
    return n


def _credited_keys(engine: sa.Engine, camp: Any, members: set[int]) -> tuple[set[int], set[int]]:
    """Ids of the orders and leads the attribution rules credit to one of the campaign's creators,
    placed from the campaign's first day to its last plus the attribution window (as the KPIs count them)."""
    from influscope.attribution.credit import credited_ids
    from influscope.kpi import methodology
    from influscope.kpi.backends import connect, disconnecting
    from influscope.kpi.facts import load_campaign

    campaign = load_campaign(engine, int(camp["id"]))
    settings = methodology.resolve(workspace=campaign.workspace_methodology, campaign=campaign.methodology)
    lo, hi = campaign.credit_span(settings)
    with disconnecting(connect(engine)) as con:
        orders = credited_ids(con, "orders", campaign.workspace_id, lo, hi, settings, members)
        leads = credited_ids(con, "leads", campaign.workspace_id, lo, hi, settings, members)
    return orders, leads


def export_bundle(engine: sa.Engine, campaign: str, path: str | Path, workspace: str = "default", *,
                  everything: bool = False) -> dict[str, int]:
    """Write CAMPAIGN to PATH as a canonical bundle.

    By default the event files hold only what the campaign owns: the orders and leads the
    attribution rules credit to its creators (see :mod:`influscope.attribution.credit`), clicks on
    its links, comments on its posts, site traffic tagged with its id (or untagged), follower and
    audience rows of its creators' and brand accounts, and exchange rates of its currency. With
    EVERYTHING the event files hold the whole workspace's (the ``--all`` option of
    ``influscope export``), which may include other campaigns' orders and leads.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        ws = slugs.workspace_id(conn, workspace)
        if ws is None:
            raise LookupError(f"no workspace {workspace!r}")
        camp = slugs.campaign(conn, ws, campaign)
        if camp is None:
            raise LookupError(f"no campaign {campaign!r} in workspace {workspace!r}")
        cid = camp["id"]
        doc: dict[str, Any] = {"id": camp["slug"], "name": camp["name"]}
        if camp["brand"]:
            doc["brand"] = camp["brand"]
        doc.update(goal=camp["goal"], start=camp["start_date"], end=camp["end_date"], timezone=camp["timezone"],
                   currency=camp["currency"])
        if camp["budget"] is not None:
            doc["budget"] = _yaml_number(camp["budget"])
        if camp["status"] == "planned":
            doc["status"] = "planned"
        if camp["baseline_start"]:
            doc["baseline"] = {"start": camp["baseline_start"], "end": camp["baseline_end"]}
        for k in ("targets", "brand_accounts", "brand_terms", "competitor_terms", "methodology"):
            if camp[k]:
                doc[k] = camp[k]
        (path / "campaign.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        counts["campaign.yaml"] = 1

        members = sa.select(t.campaign_creators.c.creator_id).where(t.campaign_creators.c.campaign_id == cid)
        q = (sa.select(t.creators.c.key.label("creator_id"), t.creator_accounts.c.platform, t.creator_accounts.c.handle,
                       t.creators.c.name, t.creator_accounts.c.followers, t.creator_accounts.c.following,
                       t.creators.c.country, t.creators.c.language)
             .join_from(t.creator_accounts, t.creators).where(t.creators.c.id.in_(members))
             .order_by(t.creators.c.key, t.creator_accounts.c.platform))
        counts["creators.csv"] = _write_csv(path / "creators.csv", BY_NAME["creators.csv"], conn.execute(q).mappings())

        pm = t.post_metrics
        q = (sa.select(t.posts.c.key.label("post_id"), t.creators.c.key.label("creator_id"), t.posts.c.platform,
                       t.posts.c.content_type, t.posts.c.url, t.posts.c.posted_at, t.posts.c.sponsored, t.posts.c.caption,
                       pm.c.as_of, pm.c.impressions, pm.c.reach, pm.c.views, pm.c.likes, pm.c.comments, pm.c.shares,
                       pm.c.saves, pm.c.reactions, pm.c.link_clicks, pm.c.watch_time_s)
             .join_from(pm, t.posts).join(t.creators, t.creators.c.id == t.posts.c.creator_id)
             .where(t.posts.c.campaign_id == cid).order_by(t.posts.c.key, pm.c.as_of))
        if event_records.enabled():  # the snapshots live in the event store: each post's, in time order
            q = (sa.select(t.posts.c.id, t.posts.c.key.label("post_id"), t.creators.c.key.label("creator_id"),
                           t.posts.c.platform, t.posts.c.content_type, t.posts.c.url, t.posts.c.posted_at,
                           t.posts.c.sponsored, t.posts.c.caption)
                 .join(t.creators, t.creators.c.id == t.posts.c.creator_id).where(t.posts.c.campaign_id == cid))
            post_rows = {r["id"]: dict(r) for r in conn.execute(q).mappings()}
            snaps = event_records.exported("post_metrics", ws, post_ids=list(post_rows))
            snaps.sort(key=lambda s: (post_rows[s["post_id"]]["post_id"], s["as_of"]))
            counts["posts.csv"] = _write_csv(path / "posts.csv", BY_NAME["posts.csv"],
                                             ({**post_rows[s["post_id"]], **s, "post_id": post_rows[s["post_id"]]["post_id"]}
                                              for s in snaps))
        else:
            counts["posts.csv"] = _write_csv(path / "posts.csv", BY_NAME["posts.csv"], conn.execute(q).mappings())

        creator = sa.select(t.creators.c.key).where(t.creators.c.id == t.costs.c.creator_id).scalar_subquery()
        q = (sa.select(t.costs.c.key.label("cost_id"), creator.label("creator_id"), t.costs.c.kind, t.costs.c.amount,
                       t.costs.c.currency, t.costs.c.incurred_on, t.costs.c.note)
             .where(t.costs.c.campaign_id == cid).order_by(t.costs.c.key))
        counts["costs.csv"] = _write_csv(path / "costs.csv", BY_NAME["costs.csv"], conn.execute(q).mappings())

        creator = sa.select(t.creators.c.key).where(t.creators.c.id == t.codes.c.creator_id).scalar_subquery()
        q = (sa.select(t.codes.c.code, creator.label("creator_id"), t.codes.c.kind)
             .where(t.codes.c.campaign_id == cid).order_by(t.codes.c.code))
        counts["codes.csv"] = _write_csv(path / "codes.csv", BY_NAME["codes.csv"], conn.execute(q).mappings())

        creator = sa.select(t.creators.c.key).where(t.creators.c.id == t.links.c.creator_id).scalar_subquery()
        post = sa.select(t.posts.c.key).where(t.posts.c.id == t.links.c.post_id).scalar_subquery()
        link_key = sa.func.coalesce(t.links.c.key, t.links.c.slug)
        q = (sa.select(link_key.label("link_id"), creator.label("creator_id"), t.links.c.platform,
                       t.links.c.destination_url, post.label("post_id"), t.links.c.paid)
             .where(t.links.c.campaign_id == cid).order_by(link_key))
        counts["links.csv"] = _write_csv(path / "links.csv", BY_NAME["links.csv"], conn.execute(q).mappings())

        ck = t.clicks
        if event_clicks.enabled():  # the clicks live in the event store
            keys = dict(conn.execute(sa.select(t.links.c.id, link_key).where(t.links.c.campaign_id == cid)).all())
            counts["clicks.csv"] = _write_csv(path / "clicks.csv", BY_NAME["clicks.csv"],
                                              event_clicks.campaign_clicks(ws, keys))
        else:
            q = (sa.select(ck.c.key.label("click_id"), link_key.label("link_id"), ck.c.ts, ck.c.is_bot,
                           ck.c.bot_reason, ck.c.visitor_hash, ck.c.country, ck.c.device, ck.c.os, ck.c.browser,
                           ck.c.app, ck.c.referrer, ck.c.user_agent, ck.c.request_hints)
                 .join_from(ck, t.links).where(t.links.c.campaign_id == cid).order_by(ck.c.ts, ck.c.key))
            counts["clicks.csv"] = _write_csv(path / "clicks.csv", BY_NAME["clicks.csv"],
                                              conn.execution_options(yield_per=50_000).execute(q).mappings())

        cm = t.comments
        q = (sa.select(cm.c.key.label("comment_id"), t.posts.c.key.label("post_id"), cm.c.author, cm.c.text, cm.c.ts,
                       cm.c.likes).join_from(cm, t.posts).where(t.posts.c.campaign_id == cid).order_by(cm.c.key))
        counts["comments.csv"] = _write_csv(path / "comments.csv", BY_NAME["comments.csv"], conn.execute(q).mappings())

        scope: dict[str, Any] = {}
        if not everything:
            member_ids = set(conn.execute(members).scalars())
            order_ids, lead_ids = _credited_keys(engine, camp, member_ids)
            accounts = {(p, h) for p, h in conn.execute(
                sa.select(t.creator_accounts.c.platform, t.creator_accounts.c.handle)
                .where(t.creator_accounts.c.creator_id.in_(member_ids)))}
            accounts |= {(a["platform"], a["handle"]) for a in camp["brand_accounts"] or []}
            scope = {"orders.csv": t.orders.c.id.in_(order_ids), "leads.csv": t.leads.c.id.in_(lead_ids),
                     "traffic.csv": t.traffic.c.campaign.in_((camp["slug"], "")),
                     "fx_rates.csv": (t.fx_rates.c.base == camp["currency"]) | (t.fx_rates.c.currency == camp["currency"])}
            for name, table in (("followers.csv", t.follower_snapshots), ("audience.csv", t.audience)):
                scope[name] = sa.tuple_(table.c.platform, table.c.handle).in_(sorted(accounts)) if accounts else sa.false()

        def where(name: str, table: sa.Table) -> sa.ColumnElement:
            return (table.c.workspace_id == ws) & scope[name] if name in scope else table.c.workspace_id == ws

        o = t.orders
        q = sa.select(o.c.key.label("order_id"), *[o.c[c] for c in (
            "source", "created_at", "currency", "subtotal", "discounts", "tax", "shipping", "total", "refunded", "status",
            "discount_codes", "landing_url", "click_id", "customer_id", "new_customer", "units")]).where(
            where("orders.csv", o)).order_by(o.c.source, o.c.key)
        counts["orders.csv"] = _write_csv(path / "orders.csv", BY_NAME["orders.csv"], conn.execute(q).mappings())
        ld = t.leads
        q = sa.select(ld.c.key.label("lead_id"), *[ld.c[c] for c in (
            "type", "ts", "click_id", "code", "utm_content", "value", "currency")]).where(
            where("leads.csv", ld)).order_by(ld.c.key)
        counts["leads.csv"] = _write_csv(path / "leads.csv", BY_NAME["leads.csv"], conn.execute(q).mappings())
        for spec, table, order in (
            (BY_NAME["traffic.csv"], t.traffic, ("date", "source", "medium", "campaign", "content")),
            (BY_NAME["followers.csv"], t.follower_snapshots, ("platform", "handle", "date")),
            (BY_NAME["audience.csv"], t.audience, ("platform", "handle", "date", "dimension", "bucket")),
            (BY_NAME["fx_rates.csv"], t.fx_rates, ("date", "base", "currency")),
        ):
            if table.name in event_records.KINDS and event_records.enabled():  # in the event store
                found = event_records.exported(
                    table.name, ws, campaigns=(camp["slug"], "") if scope and table is t.traffic else None,
                    accounts=sorted(accounts) if scope and table is t.follower_snapshots else None)
                counts[spec.name] = _write_csv(path / spec.name, spec, found)
                continue
            q = sa.select(*[table.c[c] for c in spec.names]).where(where(spec.name, table)).order_by(
                *[table.c[c] for c in order])
            counts[spec.name] = _write_csv(path / spec.name, spec, conn.execute(q).mappings())
    return counts


def _yaml_number(value: Decimal) -> int | float | str:
    return int(value) if value == value.to_integral_value() else float(value)
