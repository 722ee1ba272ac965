"""``influscope report`` end to end on a small bundle: PDF per language, CSV and XLSX."""

from __future__ import annotations

import csv
from decimal import Decimal
import shutil
import subprocess

import openpyxl
import pytest
from typer.testing import CliRunner

from influscope.cli import app
from tests.web.ui.bundle import write_bundle


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from influscope.db.engine import get_engine
    from influscope.ingest.canonical import import_bundle

    folder = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{folder / 'influscope.db'}"
    import_bundle(get_engine(url), write_bundle(folder / "bundle"), workspace="acme")
    return url


def _run(db, *args):
    return CliRunner().invoke(app, ["--db", db, "--workspace", "acme", "report", *args])


def test_report_pdf_csv_xlsx_in_chinese(db, tmp_path):
    r = _run(db, "spring-launch", "--pdf", str(tmp_path / "r.pdf"), "--lang", "zh-Hant", "--csv",
             str(tmp_path / "csv"), "--xlsx", str(tmp_path / "r.xlsx"), "--compare", "none")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    if shutil.which("pdffonts"):
        assert "Noto-Sans-CJK-TC" in subprocess.run(["pdffonts", str(tmp_path / "r.pdf")], capture_output=True,
                                                    text=True).stdout
    names = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert names == ["creators.csv", "daily.csv", "diagnostics.csv", "kpis.csv", "posts.csv"]
    rows = {r["creator"]: r for r in csv.DictReader(open(tmp_path / "csv" / "creators.csv", encoding="utf-8"))}
    assert Decimal(rows["omar"]["revenue"]) == 30000 and rows["omar"]["name"] == "عمر"
    kpis = {r["id"]: r for r in csv.DictReader(open(tmp_path / "csv" / "kpis.csv", encoding="utf-8"))}
    assert Decimal(kpis["spend"]["value"]) == 30000 and kpis["roas"]["kpi"] == "廣告投資報酬率 (ROAS)"
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["kpis", "creators", "posts", "daily", "diagnostics"]


def test_report_errors_are_clear(db, tmp_path):
    assert "nothing to write" in _run(db, "spring-launch").output
    assert "--lang" in _run(db, "spring-launch", "--pdf", str(tmp_path / "x.pdf"), "--lang", "fr").output
    r = _run(db, "nope", "--pdf", str(tmp_path / "x.pdf"))
    assert r.exit_code == 1 and "no campaign 'nope'" in r.output
    assert not (tmp_path / "x.pdf").exists()
