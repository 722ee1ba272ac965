"""``influscope report``: a campaign's PDF report and CSV/XLSX exports of every table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from influscope.cli import _common


def _date(value: Optional[str], name: str) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


def report(
    campaign: str = typer.Argument(..., help="Campaign id (slug)."),
    pdf: Optional[Path] = typer.Option(None, "--pdf", help="Write the PDF report to this file."),
    csv_dir: Optional[Path] = typer.Option(None, "--csv", help="Write one CSV per table into this folder."),
    xlsx: Optional[Path] = typer.Option(None, "--xlsx", help="Write every table as a sheet of this XLSX file."),
    lang: str = typer.Option("en", "--lang", help="Language: en, zh-Hant or ar."),
    start: Optional[str] = typer.Option(None, "--start", help="First day (default: the campaign start)."),
    end: Optional[str] = typer.Option(None, "--end", help="Last day (default: the campaign end)."),
    compare: str = typer.Option("previous", "--compare", help="none, previous, last_year or both."),
    hide_costs: bool = typer.Option(False, "--hide-costs", help="Leave budget, spend and cost KPIs out."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Write a campaign report: PDF (KPI cards, charts, creator table, diagnostics) and/or CSV/XLSX tables."""
    from influscope.reports import build
    from influscope.web import i18n

    if not (pdf or csv_dir or xlsx):
        _common.fail("nothing to write: give --pdf FILE, --csv DIR and/or --xlsx FILE", 2)
    code = i18n.normalise_lang(lang)
    if code is None:
        _common.fail(f"--lang: {lang!r} is not one of {', '.join(i18n.LANGS)}", 2)
    if compare not in build.COMPARE_CHOICES:
        _common.fail(f"--compare: {compare!r} is not one of {', '.join(build.COMPARE_CHOICES)}", 2)
    s, e = _date(start, "--start"), _date(end, "--end")
    if s and e and e < s:
        _common.fail("--end is before --start", 2)
    engine = _common.engine(db, workspace)
    ws = _common.apply().workspace
    try:
        rep = build.build_report(engine, ws, campaign, lang=code, start=s, end=e, compare=compare,
                                 show_costs=not hide_costs)
    except build.CampaignNotFound as exc:
        _common.fail_missing(str(exc), engine)
    except ValueError as exc:  # a bad stored methodology setting, reported by the KPI engine
        _common.fail(str(exc))
    if pdf:
        from influscope.reports.pdf import FontsMissing, write_pdf

        try:
            write_pdf(rep, pdf)
        except FontsMissing as exc:
            _common.fail(f"{pdf}: {exc}")
        typer.echo(f"PDF  {pdf}")
    if csv_dir:
        from influscope.reports.exports import write_csv_dir

        for path in write_csv_dir(rep, csv_dir):
            typer.echo(f"CSV  {path}")
    if xlsx:
        from influscope.reports.exports import write_xlsx

        write_xlsx(rep, xlsx)
        typer.echo(f"XLSX {xlsx}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
