"""Settings page: methodology (workspace overrides, validated), EMV rate tables with their
sources, exchange rates (currencies), campaign targets and the hosts tracking links may send
visitors to."""

from __future__ import annotations

import json

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from influscope.auth.deps import Principal, principal, require
from influscope.db import tables as t
from influscope.tracking.destinations import allowed_hosts, set_allowed_hosts
from influscope.web.ui._common import engine_of, kpi_names, lang_of, page, plain_number

router = APIRouter(include_in_schema=False)


def _emv_tables() -> list[dict]:
    from influscope.kpi import emv
    out = []
    for info in emv.list_tables():
        try:
            table = emv.load_table(info.name)
        except Exception:  # noqa: BLE001 - a broken table file is listed without rates
            table = None
        out.append({"info": info, "table": table})
    return out


def _fx(conn, ws: int) -> list[dict]:
    latest = (sa.select(t.fx_rates.c.base, t.fx_rates.c.currency, sa.func.max(t.fx_rates.c.date).label("date"),
                        sa.func.count().label("days"))
              .where(t.fx_rates.c.workspace_id == ws).group_by(t.fx_rates.c.base, t.fx_rates.c.currency)).subquery()
    q = (sa.select(latest.c.base, latest.c.currency, latest.c.date, latest.c.days, t.fx_rates.c.rate)
         .join(t.fx_rates, sa.and_(t.fx_rates.c.workspace_id == ws, t.fx_rates.c.base == latest.c.base,
                                   t.fx_rates.c.currency == latest.c.currency, t.fx_rates.c.date == latest.c.date))
         .order_by(latest.c.base, latest.c.currency))
    return [dict(r) for r in conn.execute(q).mappings()]


def _render(request: Request, p: Principal, *, problems: list[str] | None = None, saved: bool = False,
            status: int = 200, form_text: str | None = None, hosts_text: str | None = None) -> HTMLResponse:
    from influscope.kpi import methodology as m

    engine = engine_of(request)
    with engine.connect() as conn:
        ws_over = conn.execute(sa.select(t.workspaces.c.methodology).where(t.workspaces.c.id == p.workspace_id)).scalar() or {}
        camps = [dict(r) for r in conn.execute(
            sa.select(t.campaigns.c.slug, t.campaigns.c.name, t.campaigns.c.goal, t.campaigns.c.currency,
                      t.campaigns.c.targets, t.campaigns.c.methodology)
            .where(t.campaigns.c.workspace_id == p.workspace_id).order_by(t.campaigns.c.slug)).mappings()]
        fx = _fx(conn, p.workspace_id)
        hosts = allowed_hosts(conn, p.workspace_id)
    if not p.can_see_costs:
        from influscope.auth.roles import cost_kpis

        hidden = cost_kpis()
        for c in camps:
            c["targets"] = {k: v for k, v in (c["targets"] or {}).items() if k not in hidden}
    lang = lang_of(request)
    from influscope.web.i18n.data_texts import setting_text

    settings = [{"name": s.name, "default": shown(m.describe({s.name: s.default})[s.name], lang),
                 "allowed": setting_text(shown(s.allowed, lang), lang), "doc": setting_text(s.doc, lang),
                 "override": None if ws_over.get(s.name) is None else shown(ws_over.get(s.name), lang)}
                for s in m.SETTINGS.values()]
    from influscope.reports.build import kpi_unit, stage_defaults

    from influscope.metrics.policy import COST_KPIS

    for c in camps:  # the stage's KPIs, each with its target (if any) to edit as a number
        current = c["targets"] or {}
        ids = list(dict.fromkeys([k for k in stage_defaults().get(c["goal"], []) if kpi_unit(k) in TARGET_UNITS
                                  and (p.can_see_costs or k not in COST_KPIS)] + list(current)))
        c["target_fields"] = [{"id": k, "unit": kpi_unit(k), "value": plain_number(current.get(k))} for k in ids]
    return page(request, "settings.html", principal=p, active="settings", lang=lang, settings=settings,
                campaigns=camps, fx=fx, emv_tables=_emv_tables(), problems=problems or [], saved=saved,
                status=status, names=kpi_names(lang), destination_hosts=hosts,
                hosts_text=hosts_text if hosts_text is not None else "\n".join(hosts),
                overrides_text=form_text if form_text is not None else
                "\n".join(f"{k}={_plain(v)}" for k, v in ws_over.items()))


TARGET_UNITS = ("%", "x", "money", "count", "s", "score")


def shown(value, lang: str) -> str:
    """A setting's value as a reader writes it: yes/no, comma-separated lists, – for none."""
    from influscope.web import i18n

    _ = i18n.gettext_for(lang)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(shown(v, lang) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {shown(v, lang)}" for k, v in value.items())
    if isinstance(value, str) and value in ("True", "False"):
        return _("yes") if value == "True" else _("no")
    return str(value)


def _plain(v) -> str:
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v)
    if isinstance(v, dict):
        return ",".join(f"{k}:{x}" for k, x in v.items())
    return str(v)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    return _render(request, p, saved=request.query_params.get("saved") == "1")


@router.post("/settings/methodology", response_class=HTMLResponse)
async def save_methodology(request: Request, p: Principal = Depends(require("admin"))) -> Response:
    """Workspace-wide overrides, one SETTING=VALUE per line; validated before anything is stored."""
    from influscope.kpi import methodology as m

    form = await request.form()
    text = str(form.get("overrides") or "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    try:
        parsed = m.parse_assignments(lines)
        stored = m.describe(parsed)
    except m.SettingError as exc:
        return _render(request, p, problems=[str(exc)], status=422, form_text=text)
    with engine_of(request).begin() as conn:
        conn.execute(t.workspaces.update().where(t.workspaces.c.id == p.workspace_id).values(methodology=stored))
        _audit(conn, p, "settings.methodology", {"overrides": stored})
    return RedirectResponse("/settings?saved=1", status_code=303)


@router.post("/settings/destination-hosts", response_class=HTMLResponse)
async def save_destination_hosts(request: Request, p: Principal = Depends(require("admin"))) -> Response:
    """The hosts tracking links may send visitors to, one per line (empty: any public host)."""
    form = await request.form()
    if "hosts" not in form:  # validate before writing: a post without the field changes nothing
        return _render(request, p, problems=["hosts: the field is missing; nothing was changed"], status=422)
    text = str(form.get("hosts") or "")

    def log(conn, hosts: list[str]) -> None:
        _audit(conn, p, "settings.destination_hosts", {"hosts": hosts})

    try:
        set_allowed_hosts(engine_of(request), p.workspace_id, text.split(), on_saved=log)
    except ValueError as exc:
        return _render(request, p, problems=[f"hosts: {exc}"], status=422, hosts_text=text)
    return RedirectResponse("/settings?saved=1", status_code=303)


@router.post("/settings/targets/{slug}", response_class=HTMLResponse)
async def save_targets(slug: str, request: Request, p: Principal = Depends(require("analyst"))) -> Response:
    """A campaign's targets: KPI_ID=NUMBER per line (KPI ids from the catalogue)."""
    from influscope.auth.roles import cost_kpis
    from influscope.reports.build import catalogue

    with engine_of(request).connect() as conn:
        known = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == p.workspace_id,
                                                               t.campaigns.c.slug == slug)).first()
    if known is None:
        return _render(request, p, problems=[f"no campaign {slug!r}"], status=404)
    form = await request.form()
    fields = [(k[len("target_"):], str(v).strip()) for k, v in form.multi_items() if k.startswith("target_")]
    if "targets" not in form and not fields:  # validate before writing: an empty post changes nothing
        return _render(request, p, problems=["targets: the field is missing; nothing was changed"], status=422)
    problems, targets = [], {}
    ids = catalogue()
    hidden = frozenset() if p.can_see_costs else cost_kpis()
    for k, v in fields:  # the number inputs: an empty one means "no target"
        if not v:
            continue
        if k not in ids:
            problems.append(f"target {k!r}: unknown KPI id")
            continue
        if k in hidden:
            problems.append(f"target {k}: budgets and costs are not shared with this account")
            continue
        try:
            num = float(v)
            if num != num or num in (float("inf"), float("-inf")) or abs(num) > 1e15:
                raise ValueError
        except ValueError:
            problems.append(f"target {k}: not a number: {v!r}")
            continue
        targets[k] = num
    text = str(form.get("targets") or "")  # the text form: KPI_ID=NUMBER per line
    for i, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            problems.append(f"targets line {i}: expected KPI_ID=NUMBER, got {line!r}")
            continue
        k, v = (x.strip() for x in line.split("=", 1))
        if k not in ids:
            problems.append(f"targets line {i}: unknown KPI id {k!r}")
            continue
        if k in hidden:
            problems.append(f"targets line {i}: {k}: budgets and costs are not shared with this account")
            continue
        try:
            num = float(v)
            if num != num or num in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            problems.append(f"targets line {i}: {k}: not a number: {v!r}")
            continue
        if abs(num) > 1e15:
            problems.append(f"targets line {i}: {k}: out of range: {v!r}")
            continue
        targets[k] = num
    if problems:
        return _render(request, p, problems=problems, status=422)
    with engine_of(request).begin() as conn:
        if hidden:  # targets this account cannot see are kept as they are
            old = conn.execute(sa.select(t.campaigns.c.targets).where(
                t.campaigns.c.workspace_id == p.workspace_id, t.campaigns.c.slug == slug)).scalar() or {}
            targets = {**{k: v for k, v in old.items() if k in hidden}, **targets}
        done = conn.execute(t.campaigns.update().where(t.campaigns.c.workspace_id == p.workspace_id,
                                                       t.campaigns.c.slug == slug).values(targets=targets)).rowcount
        if not done:
            return _render(request, p, problems=[f"no campaign {slug!r}"], status=404)
        _audit(conn, p, "campaign.targets", {"campaign": slug, "targets": targets})
    return RedirectResponse("/settings?saved=1", status_code=303)


def _audit(conn, p: Principal, action: str, detail: dict) -> None:
    from influscope.auth import audit
    try:
        audit.record_for(conn, p, action, detail=json.loads(json.dumps(detail, default=str)))
    except TypeError:
        audit.record_for(conn, p, action)
