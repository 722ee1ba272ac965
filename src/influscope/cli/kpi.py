"""``influscope kpi``: every KPI of a campaign, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from typing import List, Optional

import typer

from influscope.cli import _common, start_up_done

FORMATS = ("table", "json", "csv")


def _list(lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from influscope.kpi.catalogue import KPIS

    table = Table(title="KPI catalogue")
    for col in ("id", "name", "formula", "unit", "stages"):
        table.add_column(col)
    for k in KPIS.values():
        table.add_row(k.id, k.name[lang], k.formula[lang], k.unit, ", ".join(k.stages) or "-")
    Console(width=200).print(table)


def _table(result, lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from influscope.kpi.catalogue import KPIS, STAGE_DEFAULTS
    from influscope.kpi.catalogue import format_plain as _fmt

    d = result.to_dict()
    console = Console(width=200)
    cur = d["currency"]
    stage = STAGE_DEFAULTS.get(d["goal"], [])
    console.print(f"[bold]{d['name']}[/bold] ({d['campaign']}) - goal {d['goal'].upper()}, "
                  f"{d['period']['start']} to {d['period']['end']} ({d['period']['timezone']}), {cur}")
    if not d["by"]:
        for title, ids in ((f"{d['goal'].upper()} KPIs", stage), ("All other KPIs", [k for k in d["kpis"] if k not in stage])):
            table = Table(title=title)
            for col in ("KPI", "id", "value", "target", "attainment", "benchmark", "note"):
                table.add_column(col)
            for kid in ids:
                o = d["kpis"][kid]
                unit = o["unit"]
                note = o["reason"] or ("estimate" if o["estimated"] else "")
                table.add_row(KPIS[kid].name[lang], kid, _fmt(o["value"], unit, cur), _fmt(o["target"], unit, cur),
                              _fmt(o["attainment"], "%"), _fmt(o["benchmark"], unit, cur), note)
            console.print(table)
        ga = d["kpis"]["goal_attainment"]
        if ga.get("detail"):
            console.print("Pacing to the end date:")
            for kid, g in ga["detail"].items():
                p = g.get("pacing") or {}
                console.print(f"  {kid}: projected {_fmt(p.get('projected'), KPIS[kid].unit, cur)}, "
                              f"on track: {p.get('on_track')}")
    else:
        table = Table(title=f"By {d['by']}" + (f", ranked by {d['rows'][0].get('rank_by')}" if d["rows"] and
                                               d["rows"][0].get("rank_by") else ""))
        cols = stage[:8]
        table.add_column("#")
        table.add_column(d["by"])
        for kid in cols:
            table.add_column(KPIS[kid].name[lang])
        for r in d["rows"]:
            key = r["key"]
            name = key.get(d["by"]) or ""
            if key.get("name"):
                name += f" ({key['name']})"
            if r.get("tier"):
                name += f" [{r['tier']}]"
            table.add_row(str(r.get("rank", "")), name, *[_fmt(r["kpis"][k]["value"], r["kpis"][k]["unit"], cur)
                                                         for k in cols])
        console.print(table)
    if d["diagnostics"]:
        table = Table(title="Diagnostics, most urgent first")
        for col in ("#", "severity", "finding", "creator", "what to do"):
            table.add_column(col)
        for i, diag in enumerate(d["diagnostics"], 1):
            title, action = diag.get("title") or {}, diag.get("action") or {}
            msg = diag.get("message", {})
            table.add_row(str(i), diag.get("severity", "info"), title.get(lang) or title.get("en") or msg.get(lang) or "",
                          _creator(diag.get("subject")), action.get(lang) or action.get("en") or "")
        console.print(table)
        for i, diag in enumerate(d["diagnostics"], 1):
            msg = diag.get("message", {})
            console.print(f"{i}. [{diag.get('severity', 'info')}] {_creator(diag.get('subject')) or 'campaign'}: "
                          f"{msg.get(lang) or msg.get('en')}", markup=False)


def _creator(subject) -> str:
    """A diagnostic's subject, "key/Name", as "Name (key)"; "" for the whole campaign."""
    if not subject:
        return ""
    key, _sep, name = str(subject).partition("/")
    return f"{name} ({key})" if name else key


def _csv(result) -> None:
    d = result.to_dict()
    w = csv.writer(sys.stdout, lineterminator="\n")
    head = ([d["by"]] if d["by"] else []) + ["kpi", "value", "unit", "estimated", "reason", "target", "attainment",
                                             "benchmark"]
    w.writerow(head)
    sources = [(None, d["kpis"])] if not d["by"] else [(r["key"].get(d["by"]), r["kpis"]) for r in d["rows"]]
    for key, kpis in sources:
        for kid, o in kpis.items():
            row = ([key] if d["by"] else []) + [kid] + ["" if o[c] is None else o[c] for c in (
                "value", "unit", "estimated", "reason", "target", "attainment", "benchmark")]
            w.writerow(row)


def register(app: typer.Typer) -> None:
    @app.command("kpi")
    def kpi(
        campaign: Optional[str] = typer.Argument(None, help="Campaign id (slug)."),
        by: Optional[str] = typer.Option(None, "--by", help="Breakdown: creator, post, platform, content_type, day."),
        fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
        set_: Optional[List[str]] = typer.Option(None, "--set", help="Methodology setting SETTING=VALUE (repeatable)."),
        list_: bool = typer.Option(False, "--list", help="Print the KPI catalogue and exit."),
        lang: str = typer.Option("en", "--lang", help="Language of names: en, zh-Hant, ar."),
        start: Optional[str] = typer.Option(None, "--start", help="First day to include (YYYY-MM-DD)."),
        end: Optional[str] = typer.Option(None, "--end", help="Last day to include (YYYY-MM-DD)."),
        db: Optional[str] = _common.DbOption,
        workspace: Optional[str] = _common.WorkspaceOption,
    ) -> None:
        """Every KPI of CAMPAIGN: the stage's set first, with targets, attainment and benchmarks."""
        from influscope.kpi.catalogue import LANGS
        from influscope.kpi.methodology import SettingError, parse_assignments

        if lang not in LANGS:
            _common.fail(f"--lang: {lang!r} is not one of {', '.join(LANGS)}")
        if list_:
            _list(lang)
            return
        if not campaign:
            _common.fail("give a CAMPAIGN (or --list)")
        if fmt not in FORMATS:
            _common.fail(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
        try:
            overrides = parse_assignments(set_)
        except SettingError as exc:
            _common.fail(str(exc), 2)
        try:
            days = [dt.date.fromisoformat(x) if x else None for x in (start, end)]
        except ValueError as exc:
            _common.fail(f"--start/--end: {exc}", 2)
        from influscope.kpi.api import kpis
        from influscope.kpi.facts import CampaignNotFound

        settings = _common.apply(db, workspace)
        engine = _common.engine(db, workspace)
        start_up_done()
        try:
            result = kpis(campaign, by=by, settings=overrides, workspace=settings.workspace, engine=engine,
                          start=days[0], end=days[1])
        except CampaignNotFound as exc:
            _common.fail_missing(str(exc), engine)
        except (SettingError, ValueError) as exc:
            _common.fail(str(exc), 2)
        if fmt == "json":
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            _csv(result)
        else:
            _table(result, lang)
