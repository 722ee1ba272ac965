"""CSV and XLSX exports: every table, formulas neutralised, numbers kept as numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from influscope.reports.exports import csv_zip, neutralise, table_csv, write_csv_dir, write_xlsx
from tests.reports.sample import sample_report


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "  =cmd|' /C calc'!A0"])
def test_dangerous_text_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["acme", "100%", "3.2x", "", "a=b", 5, -3.5, Decimal("-10.25"), None])
def test_harmless_values_pass_unchanged(value):
    assert neutralise(value) == value


def test_csv_neutralises_and_keeps_numbers(tmp_path):
    report = sample_report("zh-Hant")
    text = table_csv(report.tables["creators"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["handle"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["roas"] == "3.1" and rows[1]["roas"] == "4.1"
    assert rows[0]["creator"] == "創作者 0"
    files = write_csv_dir(report, tmp_path / "out")
    assert [p.name for p in files] == ["creators.csv"]
    assert not list((tmp_path / "out").glob("*.part"))
    with zipfile.ZipFile(io.BytesIO(csv_zip(report))) as zf:
        assert zf.namelist() == ["creators.csv"]


def test_xlsx_has_no_formulas_and_exact_numbers(tmp_path):
    report = sample_report("ar")
    path = write_xlsx(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["creators"]
    assert ws.sheet_view.rightToLeft is True
    assert [c.value for c in ws[1]] == ["صانع المحتوى", "handle", "العائد على الإنفاق الإعلاني"]
    for row in ws.iter_rows(min_row=2):
        assert row[1].data_type == "s" and row[1].value.startswith("'=")
        assert isinstance(row[2].value, (int, float))
    assert ws.cell(row=2, column=3).value == pytest.approx(3.1)
