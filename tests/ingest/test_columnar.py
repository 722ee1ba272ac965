"""The columnar reader against the former cell-by-cell reader (tests/ingest/row_reference.py):
for any file, the same rows with the same values and the same located problems, in the same order.
"""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influscope.ingest import canonical, columnar
from influscope.ingest.bundle_spec import BY_NAME
from tests.ingest.row_reference import read_rows

# Cells a column may meet: the plain shapes the vectorised checks accept, and their neighbours
# that only the rules can judge.
PLAIN = ["mei-lin", "k0001", "l1", "instagram", "TWD", "usd", "TW", "tw", "true", "FALSE", "yes", "0", "1", "42",
         "007", "1800", "1800.5", "0.0001", "12.34567", "-3", "-0", "3.5", "2026-03-01", "2026-02-30", "0999-01-01",
         "2026-03-01T10:00:00Z", "2026-03-01 10:00:00", "2026-03-01T10:00:00.5+08:00", "2026-03-01T10:00:00-05:30",
         "2026-03-08T02:30:00", "2026-11-01T01:30:00", "2026-03-01T24:00:00", "2026-03-01T10:00:60Z",
         "2026-03-01T10:00:00+24:00", "9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00", "20260301",
         "2026-03-01T10:00", "MEILIN15 vip-2", "a  b", "https://shop.example/p?a=1", "@Mei.Lin", "@@x", "美食家小王",
         "fee", "reel", "paid", "signup", "age", "F", "18-24", "32.15", "999999999999.9999", "1000000000000",
         "1e3", "1,000", "+5", "1_000", "１２", "٣", "nan", "inf", " 7 ", "\u00a07\u00a0", "\u20287", "x\u200ey",
         "tab\there", "nul\x00", "bell\x07", "x" * 129, "y" * 201, "ÄÖ", "K", "İ", "true\u0301", "\x1c5\x1f"]
TEXT = st.one_of(st.sampled_from(PLAIN), st.text(alphabet=string.ascii_letters + string.digits + "-_.@ ", max_size=12),
                 st.text(max_size=6))

VALID = {"int": ["0", "42", "007", "1800", " 12 "], "number": ["3.5", "-3", "0", "183000.25"],
         "money": ["1800", "1800.5", "0.0001", "999999999999.9999", "12.50"], "decimal": ["32.15", "1", "0.00000001"],
         "bool": ["true", "FALSE", "yes", "0", "1", "n", "T"], "date": ["2026-03-01", "2026-12-31", "2024-02-29"],
         "datetime": ["2026-03-01T10:00:00Z", "2026-03-01 10:00:00", "2026-03-01T10:00:00.5+08:00",
                      "2026-11-01T01:30:00", "2026-03-08T02:30:00", "2026-03-01T10:00:00.123456-03:30",
                      "9999-12-31T23:00:00", "0001-01-01T00:30:00"],
         "currency": ["TWD", "usd"], "country": ["TW", "us"], "code_list": ["MEILIN15 vip-2", "a", "x_1"],
         "text": ["mei-lin", "k0001", "l1", "@Mei.Lin", "meilin.eats", "MEILIN15", "https://shop.example/p"]}


def cells_of(col) -> st.SearchStrategy[str]:
    valid = list(col.choices) + [c.upper() for c in col.choices] if col.type == "choice" else VALID[col.type]
    return st.one_of(st.sampled_from(valid), TEXT)


SPECS = ["clicks.csv", "orders.csv", "posts.csv", "creators.csv", "traffic.csv", "fx_rates.csv", "codes.csv",
         "followers.csv", "leads.csv", "costs.csv", "comments.csv", "audience.csv"]


def quote(cell: str, style: int) -> str:
    if style == 1 or any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def csv_files(draw):
    spec = BY_NAME[draw(st.sampled_from(SPECS))]
    names = spec.names
    keys = [c.name for c in spec.columns if c.must_fill]
    optional = [n for n in names if n not in keys]
    others = draw(st.lists(st.sampled_from(optional), unique=True, max_size=5)) if optional else []
    header = keys + others
    if len(header) > 1 and draw(st.booleans()):
        header = draw(st.permutations(header))
    row = st.tuples(*(cells_of(spec.col(h)) for h in header)).map(list)
    rows = draw(st.lists(row, max_size=12))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = [",".join(header)]
    for row in rows:
        shape = draw(st.integers(0, 30))
        if shape == 0:
            lines.append("")  # blank line
        elif shape == 1:
            lines.append("   ")  # whitespace only
        elif shape == 2:
            row = row + ["extra"]  # a cell too many
        elif shape == 3 and row:
            row[0] = 'ab"c'  # a quote inside an unquoted cell
        elif shape == 4 and row:
            row[-1] = '"ab"c'  # text after a closing quote
        elif shape == 5 and row:
            row[0] = row[0] + "\n" + "second line"
        lines.append(",".join(quote(c, draw(st.integers(0, 3))) if shape not in (3, 4) else c for c in row))
    text = ending.join(lines)
    if draw(st.booleans()):
        text += ending
    if draw(st.integers(0, 20)) == 0:
        text += '"unclosed'
    bom = draw(st.integers(0, 10)) == 0
    tz = draw(st.sampled_from([dt.timezone.utc, ZoneInfo("Asia/Taipei"), ZoneInfo("America/New_York")]))
    return spec, ("\ufeff" if bom else "") + text, tz


def _both(tmp: Path, spec, text: str, tz):
    path = tmp / spec.name
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    old, new = canonical._Collector(), canonical._Collector()
    old_result = read_rows(path, spec, tz, old)
    parsed = canonical._read_csv(path, spec, tz, new)
    return old, old_result, new, parsed


def _same(old, old_result, new, parsed) -> None:
    assert [str(p) for p in new.items] == [str(p) for p in old.items]
    assert new.dropped == old.dropped
    if old_result is None:
        assert parsed is None
        return
    header, rows = old_result
    assert parsed is not None and parsed.columns == header
    assert parsed.rows == rows


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(case=csv_files())
def test_the_columnar_reader_reads_like_the_cell_reader(tmp_path_factory, case):
    spec, text, tz = case
    tmp = tmp_path_factory.mktemp("csv")
    _same(*_both(tmp, spec, text, tz))


@pytest.mark.parametrize("text", [
    "click_id,link_id,ts\nk1,l1,2026-03-01T10:00:00Z\n",
    'click_id,link_id,ts,referrer\n"k1","l1",2026-03-01T10:00:00Z,"a\nb, ""c"""\nk2,l1,2026-03-01T10:00:00Z,\n',
    "click_id,link_id,ts\r\n\r\nk1,l1,2026-03-01T10:00:00Z\r\n\r\nk2,l1,2026-03-01T10:00:01Z",
    "\nclick_id,link_id,ts\nk1,l1,2026-03-01T10:00:00Z\n",  # blank header line
    "click_id,link_id,ts\nk1,l1,2026-03-01T10:00:00Z\nk1,l1,2026-03-01T10:00:00Z\n",  # duplicate key
    'click_id,link_id,ts\nk1,l1,"2026-03-01T10:00:00Z\n',  # unclosed quote
    "click_id,link_id,ts\nk1,l1," + "x" * (columnar.MAX_CELL + 1) + "\n",  # over-long cell
    "click_id,link_id,ts\nk1\x00,l1,2026-03-01T10:00:00Z\n",  # NUL
    "code\nA1\n   \n\nb2\n",  # blank rows of a one-column file
])
def test_edge_files_read_alike(tmp_path, text):
    spec = BY_NAME[text.split("\n")[0 if not text.startswith("\n") else 1].split(",")[0].strip() == "code"
                   and "codes.csv" or "clicks.csv"]
    _same(*_both(tmp_path, spec, text, ZoneInfo("Asia/Taipei")))


def test_plain_cells_skip_the_rules_and_odd_ones_do_not(tmp_path):
    """The bulk path really is taken for plain cells (and only for them)."""
    spec = BY_NAME["orders.csv"]
    text = "order_id,created_at,currency,subtotal\n1,2026-03-01T10:00:00Z,TWD,1800.5\n2,2026-03-01T10:00:00Z,twd,\"1,800\"\n"
    lines = np.array([2, 3])
    for name, cells, slow in (("subtotal", ["1800.5", "1,800"], [False, True]),
                              ("currency", ["TWD", "twd"], [False, False]),
                              ("created_at", ["2026-03-01T10:00:00Z", "2026-03-01T10:00"], [False, True])):
        problems: list = []
        values, took_rule = columnar.check_column(spec.col(name), pa.array(cells, pa.large_string()), lines,
                                                  dt.timezone.utc, 0, problems, columnar.Scan())
        assert list(took_rule) == slow and not problems
    (tmp_path / "orders.csv").write_text(text)
    parsed = canonical._read_csv(tmp_path / "orders.csv", spec, dt.timezone.utc, canonical._Collector())
    assert [r["subtotal"] for r in parsed.rows] == [Decimal("1800.5"), Decimal("1800")]


def test_files_read_in_many_blocks_read_alike(tmp_path, monkeypatch):
    """Arrow reads big files in blocks: columns come in pieces, and odd cells sit in any piece."""
    monkeypatch.setattr(columnar, "BLOCK_SIZE", 512)
    rng = np.random.default_rng(3)
    lines = ["click_id,link_id,ts,is_bot,visitor_hash,country,referrer"]
    for i in range(400):
        odd = rng.integers(0, 25)
        lines.append(",".join([
            f"k{i}" if odd != 1 else f"k{i}\u200e", "l1" if odd != 2 else "l 1",
            "2026-03-01T10:00:00Z" if odd != 3 else "2026-02-30T10:00:00Z", "true" if odd != 4 else "maybe",
            f"v{i % 7}", "TW" if odd != 5 else "ÄÖ", '"https://x.example/?a=1,b=2"' if odd != 6 else "\x07"]))
    text = "\n".join(lines) + "\n"
    _same(*_both(tmp_path, BY_NAME["clicks.csv"], text, dt.timezone.utc))
