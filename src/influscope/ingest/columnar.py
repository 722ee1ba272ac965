"""Reading one CSV file of a canonical bundle column by column.

The file is split into cells by Arrow's CSV reader, and each column is checked at once with
vectorised tests (pyarrow.compute, RE2 patterns). A vectorised test only ever *accepts*: it
recognises the plain shapes of a value (``2026-03-01T10:00:00Z``, ``1800.50``, ``mei-lin``) whose
meaning is certain, and converts them in bulk. Every other non-empty cell goes through the same
rule a single cell would (:func:`influscope.ingest.cells.cell_parser`, over
:mod:`influscope.ingest.rules`), which either reads it or gives the message. So the values and the
messages are those of the rules, and only the plain cells skip Python.

Lines: each data row carries the line its record starts on, found from the raw bytes (newlines
outside quoted cells end a record; a quoted cell may span lines).

Arrow's reader is used when the file's quoting is regular: every quote opens a cell, closes it, or
is doubled inside it, and no cell is longer than the cell limit. Anything else (a stray quote
inside an unquoted cell, text after a closing quote, an unclosed quote, a row with the wrong
number of cells, an over-long cell) is split by Python's csv module in strict mode, whose errors
are reported as they always were; the cells then go through the same column checks.

Values come out as Arrow arrays in the store's terms: money as integer ten-thousandths, rates as
integer hundred-millionths, times as naive UTC microsecond timestamps, days as dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from influscope.db.types import MONEY_SCALE, RATE_SCALE
from influscope.ingest import cells, rules
from influscope.ingest.bundle_spec import Col, FileSpec

MAX_CELL = 64 * 1024  # characters in one CSV cell
MAX_ROWS = 5_000_000  # data rows in one CSV file
BLOCK_SIZE = 8 << 20  # bytes Arrow splits a file into (read in parallel)
csv.field_size_limit(MAX_CELL)

# Python's str.strip() removes these (str.isspace); the ASCII ones are trimmed in bulk, a cell that
# starts or ends with one of the others is stripped by Python.
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_OTHER_SPACE = r"[\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # rules.check_text refuses these (tab and newlines are text)
_NOT_IN_KEY = r"[\x00-\x1f\x{061c}\x{200e}\x{200f}\x{202a}-\x{202e}\x{2066}-\x{2069}]"  # rules.check_key
_DATETIME = (r"^(?P<d>[1-9][0-9]{3}-[0-9]{2}-[0-9]{2})[T ](?P<t>(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])"
             r"(?:\.(?P<f>[0-9]{1,6}))?(?P<z>Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?$")


_EPOCH = dt.datetime(1970, 1, 1)
_FIRST_US = (dt.datetime.min - _EPOCH) // dt.timedelta(microseconds=1)
_LAST_US = (dt.datetime.max - _EPOCH) // dt.timedelta(microseconds=1)


class ReadProblem(Exception):
    """The file cannot be read at all (encoding, empty); LINE and MESSAGE locate it."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


@dataclass
class Columns:
    """A file's header and its rows as parsed columns (one Arrow array per header column, plus
    ``_line``). ``problems`` are (line, order, column, message) in reading order; ``fatal`` is a
    problem that refuses the whole file, reported after the rows read before it."""

    header: list[str]
    table: pa.Table | None
    problems: list[tuple[int, int, str, str]]
    fatal: tuple[int, str] | None = None




# ------------------------------------------------------------------------------- splitting


def _decode_check(raw: bytes) -> None:
    if raw.isascii():
        return
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReadProblem(line, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


@dataclass
class _Layout:
    """Where the records of a regularly quoted file start, from the raw bytes."""

    regular: bool
    header_end: int = 0  # offset of the byte after the header record's line break
    lines: np.ndarray | None = None  # start line of each non-empty data record
    newlines_in_values: bool = False


def _layout(data: np.ndarray, scan: ByteScan) -> _Layout:
    n = data.size
    quotes, lf, cr = scan.quotes, scan.lf, scan.cr
    if cr.size:
        lone_cr = cr[(cr + 1 >= n) | (data[np.minimum(cr + 1, n - 1)] != 10)]
        breaks = np.union1d(lf, lone_cr)  # line ends: \n, \r\n (at its \n), lone \r
    else:
        breaks = lf
    inside_value = False
    if quotes.size:
        if quotes.size % 2:
            return _Layout(False)  # a quoted cell is not closed
        parity = np.arange(quotes.size) % 2  # 0: opens a quoted cell, 1: closes it (or starts a "")
        prev = np.where(quotes > 0, data[np.maximum(quotes - 1, 0)], 10)
        nxt = np.where(quotes + 1 < n, data[np.minimum(quotes + 1, n - 1)], 10)
        opening = parity == 0
        at_cell_start = (prev == 44) | (prev == 10) | (prev == 13) | (quotes == 0)
        doubled = np.zeros(quotes.size, dtype=bool)
        doubled[1:] = (quotes[1:] == quotes[:-1] + 1) & (parity[:-1] == 1)
        if not np.all(at_cell_start[opening] | doubled[opening]):
            return _Layout(False)  # a quote inside an unquoted cell
        closing = ~opening
        if not np.all(np.isin(nxt[closing], (34, 44, 10, 13))):
            return _Layout(False)  # text after a closing quote
        # a break is inside a quoted cell when an odd number of quotes come before it
        before = np.searchsorted(quotes, breaks)
        in_quotes = before % 2 == 1
        inside_value = bool(in_quotes.any())
        ends = breaks[~in_quotes]
    else:
        ends = breaks
    starts = np.concatenate(([0], ends + 1))
    lengths = np.concatenate((ends, [n])) - starts
    if lengths.size and lengths.max() > MAX_CELL:
        return _Layout(False)  # possibly an over-long cell: Python's reader says
    line_of = np.searchsorted(breaks, starts) + 1  # breaks before a record's start, plus one
    # a record is empty when it is an empty line (or the end of the file)
    empty = (starts >= n) | (lengths == 0) | ((lengths == 1) & (data[np.minimum(starts, n - 1)] == 13))
    if empty[0]:
        return _Layout(False)  # the header line is blank: Python's reader reads it as an empty header
    header_end = int(starts[1]) if starts.size > 1 else n
    data_lines = line_of[1:][~empty[1:]]
    return _Layout(True, header_end, data_lines, inside_value)


def _split_with_arrow(raw: bytes, layout: _Layout, ncols: int) -> list[pa.Array] | None:
    """The data rows' cells as string columns, or None when Arrow sees a row the layout did not expect."""
    body = pa.py_buffer(raw).slice(layout.header_end)  # the bytes where they are, not a copy
    names = [f"c{i}" for i in range(ncols)]
    bad = []

    def invalid(row: Any) -> str:
        bad.append(row)
        return "error"

    try:
        table = pacsv.read_csv(
            body,
            read_options=pacsv.ReadOptions(column_names=names, use_threads=True, block_size=BLOCK_SIZE),
            parse_options=pacsv.ParseOptions(newlines_in_values=layout.newlines_in_values, ignore_empty_lines=True,
                                             invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.large_string() for c in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 check_utf8=False))
    except pa.ArrowInvalid:
        return None
    if bad or table.num_rows != len(layout.lines):
        return None
    return [table.column(i) for i in range(ncols)]


def _split_with_python(text: str, ncols: int, name: str, problems: list) -> tuple[list[list[str]], list[int], tuple[int, str] | None]:
    """Cells and start lines of the data rows, with Python's strict csv reader (after the header)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    columns: list[list[str]] = [[] for _ in range(ncols)]
    lines: list[int] = []
    end = reader.line_num
    records = iter(reader)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:
            return columns, lines, (end + 1, csv_error(exc))
        start, end = end + 1, reader.line_num  # a quoted cell may span lines
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        if len(lines) >= MAX_ROWS:
            return columns, lines, (start, f"more than {MAX_ROWS:,} rows: split the file into several imports")
        if len(record) != ncols:
            problems.append((start, -1, "-", f"has {len(record)} cells, the header has {ncols}"))
            continue
        for col, cell in zip(columns, record):
            col.append(cell)
        lines.append(start)
    return columns, lines, None


def csv_error(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell is longer than {MAX_CELL:,} characters"
    if "unexpected end of data" in text:
        return "a quoted cell is not closed before the end of the file"
    return f"not valid CSV: {text}"


def read_header(path: Path) -> tuple[bytes, list[str]]:
    """The file's bytes (without a byte-order mark) and its header cells; raise ReadProblem."""
    raw = path.read_bytes()
    _decode_check(raw)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw:
        raise ReadProblem(1, "empty file (a header line is required)")
    first = raw[: min(len(raw), 1 << 20)].decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(first, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ReadProblem(1, "empty file (a header line is required)") from None
    except csv.Error as exc:
        raise ReadProblem(1, csv_error(exc)) from None
    return raw, [h.strip() for h in header]


SCAN_CHUNK = 1 << 20  # bytes looked at in one step of the byte scan (its temporaries stay in the cache)


@dataclass
class ByteScan:
    """What one pass over a file's bytes finds: ``counts``, how often each byte value below 35
    (controls, space, '"') occurs, and at 128 whether any byte is above 127 (what the checks that the
    bytes decide need); and where the line feeds, carriage returns and quotes are (what the record
    layout needs)."""

    counts: np.ndarray
    lf: np.ndarray
    cr: np.ndarray
    quotes: np.ndarray


def scan_bytes(raw: bytes) -> ByteScan:
    """:class:`ByteScan` of RAW, a chunk at a time: each chunk's bytes below 35 are picked out once
    (few in a CSV file), and the counts and positions come from those."""
    data = np.frombuffer(raw, dtype=np.uint8)
    counts = np.zeros(256, dtype=np.int64)
    found: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    for start in range(0, data.size, SCAN_CHUNK):
        chunk = data[start:start + SCAN_CHUNK]
        at = np.flatnonzero(chunk < 35)
        low = chunk[at]
        counts[:35] += np.bincount(low, minlength=35)
        keep = (low == 10) | (low == 13) | (low == 34)
        found.append(at[keep] + start)
        kinds.append(low[keep])
    counts[128] = 0 if raw.isascii() else 1
    where = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    kind = np.concatenate(kinds) if kinds else np.zeros(0, dtype=np.uint8)
    return ByteScan(counts, where[kind == 10], where[kind == 13], where[kind == 34])


def byte_counts(raw: bytes) -> np.ndarray:
    """:attr:`ByteScan.counts` of RAW."""
    return scan_bytes(raw).counts


def split(raw: bytes, ncols: int, name: str, scan: ByteScan | None = None
          ) -> tuple[list[pa.Array], np.ndarray, list, tuple[int, str] | None]:
    """The data rows of RAW (header included) as string columns with their start lines."""
    layout = _layout(np.frombuffer(raw, dtype=np.uint8), scan_bytes(raw) if scan is None else scan)
    if layout.regular:
        columns = _split_with_arrow(raw, layout, ncols)
        if columns is not None:
            lines = layout.lines
            fatal = None
            if lines.size > MAX_ROWS:
                fatal = (int(lines[MAX_ROWS]), f"more than {MAX_ROWS:,} rows: split the file into several imports")
                columns, lines = [c.slice(0, MAX_ROWS) for c in columns], lines[:MAX_ROWS]
            return columns, lines.astype(np.int64), [], fatal
    problems: list = []
    lists, lines_list, fatal = _split_with_python(raw.decode("utf-8"), ncols, name, problems)
    return ([pa.array(c, pa.large_string()) for c in lists], np.asarray(lines_list, dtype=np.int64), problems, fatal)


# ------------------------------------------------------------------------------- checking


def _mask(arr: pa.Array) -> np.ndarray:
    """A boolean array as numpy, nulls as False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _no_match(values: pa.Array, pattern: str) -> np.ndarray:
    return ~_mask(pc.match_substring_regex(values, pattern))


@dataclass(frozen=True)
class Scan:
    """What the whole file's bytes rule out, so that some cell checks need not run."""

    ascii_only: bool = False  # no byte above 127: no Unicode spaces, no text-direction controls
    controls: bool = True  # some byte below 32 other than tab, CR and LF
    breaks: bool = True  # a tab, or a quote (so possibly a line break inside a cell)
    spaces: bool = True  # some ASCII whitespace a cell could start or end with

    @classmethod
    def of(cls, counts: np.ndarray) -> Scan:
        """From the file's byte counts (:func:`byte_counts`)."""
        return cls(ascii_only=not counts[128:].any(), controls=bool(counts[[*range(9), 11, 12, *range(14, 32)]].any()),
                   breaks=bool(counts[9] or counts[34]),
                   spaces=bool(counts[[9, 11, 12, 13, 28, 29, 30, 31, 32]].any() or (counts[34] and counts[10])))


def _text_ok(values: pa.Array, max_length: int, scan: Scan, key: bool = False) -> np.ndarray:
    """Cells the text rule (or the key rule) accepts as they are."""
    if scan.ascii_only:  # one byte per character
        length = pc.binary_length(values).to_numpy(zero_copy_only=False)
    else:
        length = pc.utf8_length(values).to_numpy(zero_copy_only=False)
    ok = length <= max_length
    if key and (scan.controls or scan.breaks or not scan.ascii_only):
        ok &= _no_match(values, _NOT_IN_KEY)
    elif not key and scan.controls:
        ok &= _no_match(values, _CONTROL)
    return ok


def _scaled(values: pa.Array, ok: np.ndarray, digits: int, places: int, scale: int) -> tuple[pa.Array, np.ndarray]:
    """Plain decimals (at most DIGITS whole digits and PLACES decimals) as integers times SCALE."""
    parts = pc.extract_regex(values, rf"^(?P<i>[0-9]{{1,{digits}}})(?:\.(?P<f>[0-9]{{1,{places}}}))?$")
    ok = ok & _mask(pc.is_valid(parts))
    whole = pc.struct_field(parts, [0])
    frac = pc.utf8_rpad(pc.struct_field(parts, [1]), width=places, padding="0")
    text = pc.binary_join_element_wise(whole, frac, pa.scalar("", pa.large_string()))
    number = pc.cast(pc.if_else(pa.array(ok), text, None), pa.int64())
    if scale != 10 ** places:
        number = pc.multiply(number, scale // 10 ** places)
    return number, ok


def _timestamps(values: pa.Array, ok: np.ndarray, tz: dt.tzinfo) -> tuple[pa.Array, np.ndarray]:
    """Plain ISO 8601 times (as :data:`_DATETIME`) as naive UTC microseconds."""
    ok = ok & _mask(pc.match_substring_regex(values, _DATETIME))
    zoned = ok & _mask(pc.ends_with(values, "Z"))  # a plain time ends with Z, an offset or a digit
    if not np.array_equal(zoned, ok):
        zoned |= ok & _mask(pc.match_substring_regex(values, r"[+-][0-9]{2}:[0-9]{2}$"))
    local = ok & ~zoned
    micro = np.zeros(len(values), dtype=np.int64)
    try:  # Arrow's ISO 8601 reading, which refuses impossible days such as 2026-02-30
        if zoned.any():
            utc = pc.cast(pc.if_else(pa.array(zoned), values, None), pa.timestamp("us", "UTC"))
            micro = np.where(zoned, _int64(pc.cast(utc, pa.timestamp("us"))), micro)
        if local.any():
            naive = pc.cast(pc.if_else(pa.array(local), values, None), pa.timestamp("us"))
            micro = np.where(local, _int64(naive), micro)
    except pa.ArrowInvalid:  # some cell is not a real time: find which, one check per part
        micro, ok = _timestamps_by_parts(values, ok)
        local = ok & ~zoned
    ok = ok & (micro >= _FIRST_US) & (micro <= _LAST_US)  # Python's datetime range (else: "out of range")
    if local.any() and tz is not dt.timezone.utc and getattr(tz, "key", None) not in (None, "UTC", "Etc/UTC"):
        naive = pa.array(np.where(local, micro, 0), pa.timestamp("us"))
        try:
            utc = pc.assume_timezone(naive, timezone=tz.key, ambiguous="earliest", nonexistent="raise")
            micro = np.where(local, _int64(pc.cast(utc, pa.timestamp("us"))), micro)
        except pa.ArrowInvalid:  # a local time that the clock skipped: Python's rule reads it
            ok = ok & ~local
        ok = ok & (micro >= _FIRST_US) & (micro <= _LAST_US)
    return pa.array(np.where(ok, micro, 0), pa.timestamp("us"), mask=~ok), ok


def _int64(values: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.cast(values, pa.int64()), 0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _timestamps_by_parts(values: pa.Array, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Microseconds (UTC for cells with a zone, local otherwise) of plain ISO 8601 times, with the
    cells that name no real time (2026-02-30) left to the rule."""
    parts = pc.extract_regex(values, _DATETIME)
    ok = ok & _mask(pc.is_valid(parts))
    day, clock, frac, zone = (pc.struct_field(parts, [i]) for i in range(4))
    text = pc.binary_join_element_wise(day, clock, pa.scalar("T", pa.large_string()))
    text = pc.if_else(pa.array(ok), text, None)
    seconds = pc.strptime(text, format="%Y-%m-%dT%H:%M:%S", unit="s", error_is_null=True)
    # strptime rolls 2026-02-30 over into March: keep what reads back the same
    ok = ok & _mask(pc.equal(pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%S"), text))
    micro = _int64(pc.cast(seconds, pa.timestamp("us")))
    micro = micro + _int64(pc.cast(pc.utf8_rpad(frac, width=6, padding="0"), pa.int64()))
    has_offset = _mask(pc.greater(pc.utf8_length(zone), 1))
    if has_offset.any():
        sign = np.where(_mask(pc.starts_with(zone, "-")), -1, 1)
        padded = pc.if_else(pa.array(has_offset), zone, "+00:00")
        hh = _int64(pc.cast(pc.utf8_slice_codeunits(padded, 1, 3), pa.int64()))
        mm = _int64(pc.cast(pc.utf8_slice_codeunits(padded, 4, 6), pa.int64()))
        micro = micro - np.where(has_offset, sign * (hh * 3600 + mm * 60) * 1_000_000, 0)
    return micro, ok


def _in(values: pa.Array, words: frozenset[str] | tuple[str, ...]) -> np.ndarray:
    return _mask(pc.is_in(values, value_set=pa.array(sorted(words), pa.large_string())))


def _fast(col: Col, values: pa.Array, tz: dt.tzinfo, scan: Scan = Scan()) -> tuple[pa.Array | None, np.ndarray]:
    """Bulk values of COL for the plain cells of VALUES (trimmed, non-empty), and which cells those are.

    A cell not marked is read by the column's rule instead; the type is the column's Arrow type.
    """
    n = len(values)
    none = np.zeros(n, dtype=bool)
    kind, name = col.type, col.name
    if kind == "text":
        if name == "handle":
            ok = _mask(pc.match_substring_regex(values, r"^@*[A-Za-z0-9_.\-]{1,128}$"))
            return pc.utf8_lower(pc.utf8_ltrim(values, characters="@")), ok
        if name == "link_id":
            return values, _mask(pc.match_substring_regex(values, rules.LINK_SLUG.pattern.join("^$")))
        if name == "code" and col.key:
            return pc.utf8_upper(values), _mask(pc.match_substring_regex(values, r"^[A-Za-z0-9_\-]{1,64}$"))
        if name == "destination_url":
            return None, none
        if name in cells.ID_COLUMNS:
            return values, _text_ok(values, rules.MAX_KEY, scan, key=True)
        if name in cells.NAME_COLUMNS:
            return values, _text_ok(values, rules.MAX_NAME, scan)
        if name in ("url", "landing_url", "referrer"):
            return values, _text_ok(values, rules.MAX_URL, scan)
        return values, _text_ok(values, rules.MAX_TEXT, scan)
    if kind == "int":
        ok = _mask(pc.match_substring_regex(values, r"^[0-9]{1,15}$"))
        return pc.cast(pc.if_else(pa.array(ok), values, None), pa.int64()), ok
    if kind == "number":
        ok = _mask(pc.match_substring_regex(values, r"^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$"))
        return pc.cast(pc.if_else(pa.array(ok), values, None), pa.float64()), ok
    if kind == "money":
        return _scaled(values, np.ones(n, dtype=bool), 12, rules.MONEY_PLACES, MONEY_SCALE)
    if kind == "decimal":
        number, ok = _scaled(values, np.ones(n, dtype=bool), 9, 8, RATE_SCALE)
        ok = ok & _mask(pc.greater(number, 0))
        return number, ok
    if kind == "bool":
        low = pc.utf8_lower(values)
        yes, no = _in(low, cells.TRUE_WORDS), _in(low, cells.FALSE_WORDS)
        return pa.array(yes, pa.bool_()), yes | no
    if kind == "date":
        ok = _mask(pc.match_substring_regex(values, r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"))
        text = pc.if_else(pa.array(ok), values, None)
        days = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        ok = ok & _mask(pc.equal(pc.strftime(days, format="%Y-%m-%d"), text))
        return pc.cast(days, pa.date32()), ok
    if kind == "datetime":
        return _timestamps(values, np.ones(n, dtype=bool), tz)
    if kind == "choice":
        low = pc.utf8_lower(values)
        return low, _in(low, col.choices)
    if kind == "currency":
        up = pc.utf8_upper(values)
        return up, _in(up, cells.CURRENCIES)
    if kind == "country":
        return pc.utf8_upper(values), _mask(pc.match_substring_regex(values, r"^[A-Za-z]{2}$"))
    if kind == "code_list":
        ok = _mask(pc.match_substring_regex(values, r"^[A-Za-z0-9_\-]{1,128}(?: [A-Za-z0-9_\-]{1,128})*$"))
        return pc.utf8_upper(values), ok & (pc.utf8_length(values).to_numpy(zero_copy_only=False) <= rules.MAX_TEXT)
    raise AssertionError(f"unknown column type {kind}")


def arrow_type(col: Col) -> pa.DataType:
    return {"int": pa.int64(), "number": pa.float64(), "money": pa.int64(), "decimal": pa.int64(),
            "bool": pa.bool_(), "date": pa.date32(), "datetime": pa.timestamp("us")}.get(col.type, pa.large_string())


def to_arrow_value(col: Col, value: Any) -> Any:
    """A value of COL's rule in the column's Arrow terms (scaled integers for money and rates)."""
    if value is None:
        return None
    if col.type == "money":
        from influscope.db.types import Money

        return Money().process_bind_param(value, None)
    if col.type == "decimal":
        from influscope.db.types import Rate

        return Rate().process_bind_param(value, None)
    return value


def check_column(col: Col, raw: pa.Array, lines: np.ndarray, tz: dt.tzinfo, order: int,
                 problems: list, scan: Scan) -> tuple[pa.Array, np.ndarray]:
    """Parse one column; returns its values and which rows were read by the rule one by one."""
    n = len(raw)
    values = pc.utf8_trim(raw, characters=_ASCII_SPACE) if scan.spaces else raw
    slow = np.zeros(n, dtype=bool)
    if not scan.ascii_only:
        slow = _mask(pc.match_substring_regex(values, f"^{_OTHER_SPACE}|{_OTHER_SPACE}$"))
    empty = (pc.binary_length(values).to_numpy(zero_copy_only=False) == 0) & ~slow
    parsed, ok = _fast(col, values, tz, scan)
    target = arrow_type(col)
    ok = ok & ~empty & ~slow
    slow |= ~ok & ~empty
    if col.must_fill:
        for i in np.flatnonzero(empty):
            problems.append((int(lines[i]), order, col.name, "is required"))
    if parsed is None:
        parsed = pa.nulls(n, target)
    elif parsed.type != target:
        parsed = pc.cast(parsed, target)
    keep = pa.array(ok)
    result = pc.if_else(keep, parsed, pa.scalar(None, target))
    if slow.any():
        parse = cells.cell_parser(col, tz)
        rows = np.flatnonzero(slow)
        got: list[Any] = []
        for i, cell in zip(rows, raw.take(pa.array(rows)).to_pylist()):
            cell = cell.strip()
            if not cell:
                if col.must_fill:
                    problems.append((int(lines[i]), order, col.name, "is required"))
                got.append(None)
                continue
            try:
                got.append(to_arrow_value(col, parse(cell)))
            except ValueError as exc:
                problems.append((int(lines[i]), order, col.name, str(exc)))
                got.append(None)
        mask = np.zeros(n, dtype=bool)
        filled = [v for v in got if v is not None]
        if filled:
            mask[rows[[v is not None for v in got]]] = True
            result = pc.replace_with_mask(result, pa.array(mask), pa.array(filled, target))
    return result, slow


def read_columns(path: Path, spec: FileSpec, tz: dt.tzinfo, header: list[str], raw: bytes) -> Columns:
    """Parse the rows of a file whose HEADER was checked against SPEC."""
    problems: list[tuple[int, int, str, str]] = []
    ncols = len(header)
    found = scan_bytes(raw)
    counts = found.counts
    columns, lines, split_problems, fatal = split(raw, ncols, spec.name, found)
    problems.extend(split_problems)
    if ncols == 1 and len(lines):  # a blank row of a one-column file is an empty line
        blank = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(columns[0])), 0)
        keep = ~_mask(blank)
        if not keep.all():
            blank_py = [i for i in np.flatnonzero(~keep) if not columns[0][int(i)].as_py().strip()]
            keep = np.ones(len(lines), dtype=bool)
            keep[blank_py] = False
            columns, lines = [c.filter(pa.array(keep)) for c in columns], lines[keep]
    scan = Scan.of(counts)
    cols = [spec.col(h) for h in header]
    out: dict[str, pa.Array] = {}
    slow_rows: dict[str, np.ndarray] = {}
    for order, (col, arr) in enumerate(zip(cols, columns)):
        out[col.name], slow_rows[col.name] = check_column(col, arr, lines, tz, order, problems, scan)
    if "handle" in out and "platform" in out:
        _check_handles(out, slow_rows["handle"], lines, ncols, problems)
    out["_line"] = pa.array(lines, pa.int64())
    table = pa.table(out)
    _check_unique(spec, table, lines, ncols + 1, problems)
    problems.sort(key=lambda p: (p[0], p[1]))
    return Columns(header, table, problems, fatal)


def _check_handles(out: dict[str, pa.Array], slow: np.ndarray, lines: np.ndarray, order: int, problems: list) -> None:
    """A handle read by its rule is checked again for its row's platform (plain ones fit every platform)."""
    for i in np.flatnonzero(slow):
        handle, platform = out["handle"][int(i)].as_py(), out["platform"][int(i)].as_py()
        if handle and platform:
            try:
                rules.check_handle(handle, platform)
            except ValueError as exc:
                problems.append((int(lines[i]), order, "handle", str(exc)))


def _codes(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.int64())
    elif pa.types.is_date(arr.type):
        arr = arr.cast(pa.int32())
    encoded = pc.dictionary_encode(arr)
    return np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64) + 1


def _check_unique(spec: FileSpec, table: pa.Table, lines: np.ndarray, order: int, problems: list) -> None:
    """Rows repeating an earlier row's natural key (blank counts as a value)."""
    n = table.num_rows
    if not spec.unique or n < 2:
        return
    present = [c for c in spec.unique if c in table.column_names]
    if len(present) == 1 and _all_different(table.column(present[0])):
        return  # the only column of the key given is different on every row (the other parts are blank)
    code = np.zeros(n, dtype=np.int64)
    for name in spec.unique:
        part = _codes(table.column(name)) if name in table.column_names else np.zeros(n, dtype=np.int64)
        width = int(part.max()) + 1
        if width == n + 1 and part.min() > 0:  # this column alone is different on every row (no blank)
            return
        if code.max(initial=0) > (2**62) // max(width, 1):
            code = np.unique(code, return_inverse=True)[1].astype(np.int64)
        code = code * width + part
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    dups = np.flatnonzero(first[inverse] != np.arange(n))
    if not dups.size:
        return
    label = spec.unique[-1] if len(spec.unique) == 1 else "+".join(spec.unique)
    present = [c for c in spec.unique if c in table.column_names]
    for i in dups:
        row = table.select(present).slice(int(i), 1).to_pylist()[0]
        key = tuple(_key_text(spec.col(c), row.get(c)) for c in spec.unique)
        problems.append((int(lines[i]), order, label,
                         f"duplicate key {'/'.join(key)} (first on line {int(lines[first[inverse[i]]])})"))


def _all_different(values: pa.ChunkedArray | pa.Array) -> bool:
    """Whether VALUES has no blank and no value twice: at once when the values only ever grow (keys
    written in order), otherwise by counting the distinct values."""
    if values.null_count:
        return False
    n = len(values)
    if pc.all(pc.less(values.slice(0, n - 1), values.slice(1))).as_py():
        return True
    return len(pc.unique(values)) == n


def _key_text(col: Col, value: Any) -> str:
    return "" if value is None else str(python_value(col, value))


def python_value(col: Col, value: Any) -> Any:
    """An Arrow value of COL as the rule gives it (Decimal for money and rates)."""
    if value is None:
        return None
    if col.type == "money":
        from decimal import Decimal

        return Decimal(value) / MONEY_SCALE
    if col.type == "decimal":
        from decimal import Decimal

        return Decimal(value) / RATE_SCALE
    return value


def to_rows(spec: FileSpec, table: pa.Table) -> list[dict[str, Any]]:
    """The rows as dicts of Python values (the rules' types), with ``_line``."""
    converted = {}
    for name in table.column_names:
        values = table.column(name).to_pylist()
        if name != "_line":
            col = spec.col(name)
            if col.type in ("money", "decimal"):
                values = [python_value(col, v) for v in values]
        converted[name] = values
    names = list(converted)
    return [dict(zip(names, row)) for row in zip(*converted.values())]
