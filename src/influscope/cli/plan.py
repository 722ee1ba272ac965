"""``influscope plan``: value a creator before signing and split a budget across creators."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Optional

import typer

from influscope.cli import _common

plan_app = typer.Typer(help="Plan campaigns: value creators before signing, allocate a budget.", no_args_is_help=True)


def _range(text: Optional[str], name: str):
    if text is None:
        return None
    parts = text.replace(" ", "").split("-")
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or not all(parts):
        _common.fail(f"{name}: expected LOW-HIGH (e.g. 10-25) or one number, got {text!r}")
    return parts[0], parts[1]


def _read_posts(path: Path) -> list[dict]:
    """Rows of a posts CSV (canonical posts.csv columns); the latest as_of per post_id is kept."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        _common.fail(f"{path}: file not found")
    latest: dict[str, dict] = {}
    out = []
    for row in rows:
        pid = (row.get("post_id") or "").strip()
        if not pid:
            out.append(row)
        elif pid not in latest or (row.get("as_of") or "") > (latest[pid].get("as_of") or ""):
            latest[pid] = row
    return out + list(latest.values())


@plan_app.command("value")
def value_cmd(
    creator: Optional[str] = typer.Argument(None, help="A creator in the store (key, handle or id): value them from their own history."),
    followers: Optional[int] = typer.Option(None, "--followers", help="Follower count of an account not in the store."),
    platform: Optional[str] = typer.Option(None, "--platform", help="Platform of that account (instagram, tiktok, youtube, ...)."),
    campaign: Optional[str] = typer.Option(None, "--campaign", help="Planned campaign: its currency, goal and target CPM/CPE/CPC/CPA set the fee."),
    goal: Optional[str] = typer.Option(None, "--goal", help="tofu, mofu or bofu: which target sets the fee (default: the campaign's)."),
    coverage: float = typer.Option(0.8, "--coverage", help="Coverage of the intervals (0.8: 80 %)."),
    posts: Optional[Path] = typer.Option(None, "--posts", help="CSV of recent posts (posts.csv columns: impressions, reach, views, likes, comments, shares, saves, link_clicks)."),
    deliverables: int = typer.Option(1, "--deliverables", "-n", help="Number of posts in the deal."),
    cpm: Optional[str] = typer.Option(None, "--cpm", help="Your CPM range in --currency, LOW-HIGH (default: the published band for the tier, USD)."),
    cpe: Optional[str] = typer.Option(None, "--cpe", help="Cost per engagement range for a cross-check, LOW-HIGH."),
    currency: Optional[str] = typer.Option(None, "--currency", help="Currency of the fee range and EMV (default: the campaign's, else USD)."),
    fx_rate: Optional[str] = typer.Option(None, "--fx-rate", help="Units of --currency per 1 USD, to convert USD benchmarks and tables."),
    emv_table: str = typer.Option("default", "--emv-table", help="EMV rate table: a shipped name or a YAML file."),
    tiers: str = typer.Option("default", "--tiers", help="Follower tier preset (default, hypeauditor, upfluence)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Expected results per deliverable of a creator, what they cost per result, and a fair fee range.

    With CREATOR: from their posts and campaigns in the store (intervals, past CPM/CPE/CPC/CPA/ROAS,
    tier benchmarks, credibility). With --followers and --platform: an account not in the store.
    """
    from influscope.kpi.emv import EmvTableError
    from influscope.planning.valuation import value_creator

    if creator is not None:
        if followers is not None or posts is not None:
            _common.fail("give either CREATOR (from the store) or --followers/--platform/--posts, not both")
        _value_stored(creator, campaign=campaign, goal=goal, coverage=coverage, deliverables=deliverables,
                      currency=currency, emv_table=emv_table, tiers=tiers, as_json=as_json, db=db, workspace=workspace)
        return
    if followers is None or platform is None:
        _common.fail("give a CREATOR in the store, or --followers and --platform for an account not in the store")
    rows = _read_posts(posts) if posts else []
    try:
        v = value_creator(followers, platform, rows, deliverables=deliverables, preset=tiers, emv_table=emv_table,
                          cpm_range=_range(cpm, "--cpm"), cpe_range=_range(cpe, "--cpe"), currency=currency or "USD",
                          fx_rate=fx_rate)
    except (ValueError, LookupError, EmvTableError) as exc:
        _common.fail(f"error: {exc}")
    if as_json:
        typer.echo(json.dumps(v.to_dict(), indent=2, ensure_ascii=False))
        return
    typer.echo(f"{v.platform} account, {v.followers:,} followers, tier {v.tier}; {v.posts_used} recent post(s); "
               f"{v.deliverables} deliverable(s)")
    typer.echo("expected per post:")
    for name, e in v.per_post.items():
        shown = "n/a" if e.value is None else (f"{e.value:,.2f} %" if name == "engagement_rate" else f"{e.value:,.0f}")
        typer.echo(f"  {name:16} {shown:>14}  {'estimated: ' if e.estimated else ''}{e.basis}")
    emv = "n/a" if v.emv is None else f"{v.emv:,.2f} {v.currency}"
    typer.echo(f"EMV (estimate)     {emv}  [{v.emv_table}]")
    if v.fee_low is not None:
        typer.echo(f"fair fee           {v.fee_low:,.2f} - {v.fee_high:,.2f} {v.currency} (mid {v.fee_mid:,.2f})")
        typer.echo(f"  CPM basis: {v.cpm_basis}")
    else:
        typer.echo("fair fee           n/a")
    if v.cpe_fee_low is not None:
        typer.echo(f"CPE cross-check    {v.cpe_fee_low:,.2f} - {v.cpe_fee_high:,.2f} {v.currency}")
    for f in v.formulas:
        typer.echo(f"  {f}")
    for n in v.notes:
        typer.echo(f"note: {n}")


def _num(x, digits: int = 0) -> str:
    return "n/a" if x is None else f"{x:,.{digits}f}"


def _value_stored(creator: str, *, campaign, goal, coverage, deliverables, currency, emv_table, tiers, as_json,
                  db, workspace) -> None:
    from influscope.kpi.emv import EmvTableError
    from influscope.planning.creator_value import value_of

    if goal is not None and goal not in ("tofu", "mofu", "bofu"):
        _common.fail(f"--goal must be tofu, mofu or bofu, got {goal!r}")
    engine = _common.engine(db, workspace)
    ws = _common.apply().workspace
    try:
        v = value_of(engine, creator, workspace=ws, campaign=campaign, deliverables=deliverables, coverage=coverage,
                     currency=currency, goal=goal, emv_table=emv_table, preset=tiers)
    except (ValueError, LookupError, EmvTableError) as exc:
        _common.fail(f"error: {exc}")
    if as_json:
        typer.echo(json.dumps(v.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    pct = f"{v.coverage:.0%}"
    typer.echo(f"{v.name or v.creator} ({v.creator}); {v.deliverables} deliverable(s); goal {v.goal}; "
               f"currency {v.currency}; past campaigns: {', '.join(v.campaigns) or 'none'}")
    for a in v.accounts:
        typer.echo("")
        typer.echo(f"{a.platform} @{a.handle}: {_num(a.followers)} followers, tier {a.tier or 'n/a'}; "
                   f"history: {a.posts_used} post(s) in {a.campaigns_used} campaign(s)")
        typer.echo(f"  expected per deliverable      value   {pct} interval        basis")
        for name, e in a.expected.items():
            d = 2 if name in ("revenue", "emv") else (1 if e.value is not None and e.value < 10 else 0)
            rng = "" if e.low is None else f"{_num(e.low, d)} - {_num(e.high, d)}"
            typer.echo(f"  {name:16} {_num(e.value, d):>18} {rng:>24}  {e.note}")
        act = a.actual
        typer.echo("  actual cost per result: " + ", ".join(
            f"{k.upper()} {_num(act.get(k), 2)}" for k in ("cpm", "cpe", "cpc", "cpa")) + f", ROAS {_num(act.get('roas'), 2)}"
                   + (f" (spend {_num(act['spend'], 2)} {v.currency})" if act.get("spend") else " (no costs recorded)"))
        bench = []
        for k, b in a.benchmarks.items():
            if b.get("low") is not None and b.get("high") is not None:
                bench.append(f"{k} {b['low']:g}-{b['high']:g}{' ' + b['currency'] if b.get('currency') else ''}")
            elif b.get("value") is not None:
                bench.append(f"{k} {b['value']:g}")
        typer.echo("  tier benchmarks: " + "; ".join(bench))
        f = a.fee
        if f["low"] is not None:
            typer.echo(f"  fair fee: {f['low']:,} - {f['high']:,} {f['currency']} (mid {f['mid']:,}); basis: {f['basis_text']}")
        else:
            typer.echo("  fair fee: n/a (no target cost per result and no expected impressions)")
        for line in f["formulas"]:
            typer.echo(f"    {line}")
        cred = a.credibility
        if cred is None:
            typer.echo("  credibility: not computed yet")
        else:
            typer.echo(f"  credibility: {_num(cred['score'])}" + (f"; {cred['discount']}" if cred["discount"] else ""))
            for r in cred["fired"]:
                typer.echo(f"    - {r['message'] or r['id']}")
        for n in a.notes:
            typer.echo(f"  note: {n}")
    for n in v.notes:
        typer.echo(f"note: {n}")


@plan_app.command("allocate")
def allocate_cmd(
    file: Path = typer.Argument(..., help="CSV of candidates: creator_id, fee, [min_fee, max_fee, handle, platform, followers], and the objective column."),
    budget: str = typer.Option(..., "--budget", help="Budget to allocate, in the currency of the fees."),
    goal: str = typer.Option("bofu", "--goal", help="Campaign goal: tofu (reach), mofu (clicks), bofu (revenue)."),
    objective: Optional[str] = typer.Option(None, "--objective", help="Override the goal's objective: reach, impressions, engagements, clicks, leads, revenue, emv."),
    alpha: float = typer.Option(0.5, "--alpha", help="Diminishing-returns exponent in (0, 1]; 1 is linear."),
    step: Optional[str] = typer.Option(None, "--step", help="Spend increment (default: budget / 100)."),
    fmt: str = typer.Option("table", "--format", help="table, json or csv."),
) -> None:
    """Split a budget across candidate creators to maximise the goal's objective."""
    from influscope.planning.allocation import (
        GOAL_OBJECTIVE,
        PlanFileError,
        allocate,
        read_candidates,
    )

    if fmt not in ("table", "json", "csv"):
        _common.fail(f"--format must be table, json or csv, got {fmt!r}")
    if goal not in GOAL_OBJECTIVE:
        _common.fail(f"--goal must be tofu, mofu or bofu, got {goal!r}")
    obj = objective or GOAL_OBJECTIVE[goal]
    try:
        cands = read_candidates(file, obj)
        result = allocate(cands, budget, goal=goal, objective=obj, alpha=alpha, step=step)
    except (PlanFileError, ValueError) as exc:
        _common.fail(f"error: {exc}")
    if fmt == "json":
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["creator_id", "handle", "booked", "spend", f"expected_{obj}", "marginal_return", "estimated"])
        for i in result.items:
            w.writerow([i.id, i.label or "", int(i.booked), i.spend, f"{i.outcome:.4f}",
                        "" if i.marginal_return is None else f"{i.marginal_return:.6f}", int(i.estimated)])
        typer.echo(buf.getvalue(), nl=False)
        return
    typer.echo(f"goal {result.goal}: maximise {obj}; budget {result.budget:,.2f}, spent {result.spent:,.2f}, "
               f"unspent {result.unspent:,.2f}")
    typer.echo(f"model: outcome(x) = expected {obj} at the quoted fee x (x / fee) ^ {result.alpha}; "
               f"greedy marginal return in steps of {result.step:,.2f}")
    typer.echo(f"{'creator':20} {'spend':>14} {'expected ' + obj:>20} {'next return/unit':>17}")
    for i in result.items:
        name = i.label or i.id
        mr = "" if i.marginal_return is None else f"{i.marginal_return:.4f}"
        flag = " (estimated)" if i.estimated else ""
        typer.echo(f"{name:20} {i.spend:>14,.2f} {i.outcome:>20,.1f} {mr:>17}{flag}")
    typer.echo(f"{'total':20} {result.spent:>14,.2f} {result.outcome:>20,.1f}")


@plan_app.command("benchmarks")
def benchmarks_cmd(
    platform: Optional[str] = typer.Option(None, "--platform", help="Platform for the CTR baseline and ER band."),
    followers: Optional[int] = typer.Option(None, "--followers", help="Follower count for the tier and ER band."),
    tiers: str = typer.Option("default", "--tiers", help="Follower tier preset."),
) -> None:
    """The benchmarks that apply to an account (tier, CTR baseline, ER band), each with its source and year."""
    from influscope.kpi import benchmarks as bm

    try:
        if followers is not None:
            typer.echo(f"tier ({tiers}): {bm.tier(followers, tiers).label}")
        else:
            typer.echo(f"tiers ({tiers}): " + ", ".join(t.label for t in bm.tiers(tiers)))
    except ValueError as exc:
        _common.fail(f"error: {exc}")
    found = [("ctr", bm.ctr_baseline(platform))]
    er = bm.for_kpi("engagement_rate", platform, followers) if platform else None
    if er is not None:
        found.append(("engagement_rate", er))
    for kid in ("credibility_score", "roas"):
        found.append((kid, bm.for_kpi(kid)))
    for kid, b in found:
        band = f"{b.low:g}-{b.high:g}" if b.low is not None and b.high is not None else (
            f">= {b.low:g}" if b.low is not None else f"{b.value:g}")
        unit = "" if b.unit == "score" else (" x" if b.unit == "x" else " %")
        typer.echo(f"{kid:18} {band}{unit}  {b.scope}")
        typer.echo(f"{'':18} source: {b.source.cite()}")


@plan_app.command("emv-tables")
def emv_tables_cmd() -> None:
    """The shipped EMV rate tables (EMV is an estimate of paid-media equivalent, not revenue)."""
    from influscope.kpi import emv

    for info in emv.list_tables():
        t = emv.load_table(info.name)
        mark = " (default)" if info.default else ""
        typer.echo(f"{t.name}{mark}: {t.title}")
        typer.echo(f"  version {t.version}, {t.currency}, compiled {t.compiled.isoformat()}; source: {t.source['name']}"
                   f"{'; ' + t.source['url'] if t.source.get('url') else ''}")
        for platform, rates in t.rates.items():
            typer.echo(f"  {platform:10} " + ", ".join(f"{a} {r}" for a, r in rates.items()))


list_app = typer.Typer(help="Candidate lists for a planned campaign: store creators and imported prospects.",
                       no_args_is_help=True)
plan_app.add_typer(list_app, name="list")


def _list_call(fn, *args, **kw):
    from influscope.planning.candidates import ProspectFileError

    try:
        return fn(*args, **kw)
    except ProspectFileError as exc:
        for p in exc.problems:
            typer.echo(p, err=True)
        _common.fail(f"rejected: {len(exc.problems)} problem(s); nothing was written")
    except (ValueError, LookupError) as exc:
        _common.fail(f"error: {exc}")


@list_app.command("create")
def list_create(
    slug: str = typer.Argument(..., help="Short name of the list."),
    name: Optional[str] = typer.Option(None, "--name", help="Display name."),
    campaign: Optional[str] = typer.Option(None, "--campaign", help="The planned campaign (its currency, goal and targets apply)."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Start a candidate list, optionally for a planned campaign."""
    from influscope.planning.candidates import create_list

    engine = _common.engine(db, workspace)
    _list_call(create_list, engine, _common.apply().workspace, slug, name=name, campaign=campaign)
    typer.echo(f"created candidate list {slug}")


@list_app.command("add")
def list_add(
    slug: str = typer.Argument(..., help="The list."),
    creators: list[str] = typer.Argument(..., help="Creators of the store: key, handle or id."),
    platform: Optional[str] = typer.Option(None, "--platform", help="Which account (default: the largest)."),
    fee: Optional[str] = typer.Option(None, "--fee", help="Quoted fee per deliverable, in the list's currency."),
    min_deliverables: int = typer.Option(1, "--min", help="Fewest deliverables if booked."),
    max_deliverables: int = typer.Option(1, "--max", help="Most deliverables."),
    choice: str = typer.Option("auto", "--choice", help="auto, include (always book) or exclude (never)."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Put store creators on a candidate list."""
    from influscope.planning.candidates import add_creators

    engine = _common.engine(db, workspace)
    n = _list_call(add_creators, engine, _common.apply().workspace, slug, creators, platform=platform, fee=fee,
                   min_deliverables=min_deliverables, max_deliverables=max(max_deliverables, min_deliverables),
                   choice=choice)
    typer.echo(f"{n} candidate(s) on {slug}")


@list_app.command("import")
def list_import(
    slug: str = typer.Argument(..., help="The list."),
    file: Path = typer.Argument(..., help="Prospects CSV: platform, handle, followers, posts, impressions, reach, views, likes, comments, shares, saves, link_clicks, quoted_fee, currency, min_deliverables, max_deliverables, choice."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Add prospects from a CSV (all or nothing; every problem is reported with its line)."""
    from influscope.planning.candidates import import_prospects

    engine = _common.engine(db, workspace)
    n = _list_call(import_prospects, engine, _common.apply().workspace, slug, file)
    typer.echo(f"{n} prospect(s) imported into {slug}")


@list_app.command("set")
def list_set(
    slug: str = typer.Argument(..., help="The list."),
    handle: str = typer.Argument(..., help="The candidate's handle."),
    platform: Optional[str] = typer.Option(None, "--platform", help="When the handle is on several platforms."),
    choice: Optional[str] = typer.Option(None, "--choice", help="auto, include or exclude."),
    fee: Optional[str] = typer.Option(None, "--fee", help="Quoted fee per deliverable."),
    min_deliverables: Optional[int] = typer.Option(None, "--min"),
    max_deliverables: Optional[int] = typer.Option(None, "--max"),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Change a candidate: must include or exclude, quoted fee, deliverables."""
    from influscope.db.types import to_decimal
    from influscope.planning.candidates import set_candidate

    engine = _common.engine(db, workspace)
    quoted = None
    if fee is not None:
        try:
            quoted = to_decimal(fee, field="fee")
        except ValueError as exc:
            _common.fail(f"error: {exc}")
    _list_call(set_candidate, engine, _common.apply().workspace, slug, handle, platform=platform, choice=choice,
               quoted_fee=quoted, min_deliverables=min_deliverables, max_deliverables=max_deliverables)
    typer.echo(f"updated @{handle.lstrip('@')} on {slug}")


@list_app.command("show")
def list_show(
    slug: str = typer.Argument(..., help="The list."),
    coverage: float = typer.Option(0.8, "--coverage", help="Coverage of the intervals."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """The candidates valued side by side: expected results per deliverable, fee, fair range, credibility."""
    from influscope.planning.candidates import value_list

    engine = _common.engine(db, workspace)
    lv = _list_call(value_list, engine, _common.apply().workspace, slug, coverage=coverage)
    if as_json:
        typer.echo(json.dumps(lv.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    typer.echo(f"{lv.name}: {len(lv.candidates)} candidate(s); campaign {lv.campaign or '-'}; goal {lv.goal}; "
               f"currency {lv.currency}; per deliverable, {lv.coverage:.0%} intervals")
    typer.echo(f"{'candidate':28} {'tier':6} {'reach':>9} {'clicks':>8} {'revenue':>11} {'fee':>11} "
               f"{'fair range':>23} {'cred.':>5} {'deliv.':>6} choice")
    for c in lv.candidates:
        e = c.expected
        fair = "" if c.fair_low is None else f"{c.fair_low:,.0f}-{c.fair_high:,.0f}"
        quoted = "" if c.quoted_fee is None else f"{c.quoted_fee:,.0f}"
        typer.echo(f"{c.label[:28]:28} {c.tier or '-':6} {_num(e['reach'].value):>9} {_num(e['clicks'].value, 1):>8} "
                   f"{_num(e['revenue'].value):>11} {quoted:>11} {fair:>23} {_num(c.credibility):>5} "
                   f"{c.min_deliverables}-{c.max_deliverables:<4} {c.choice}{'' if c.from_history else ' (no history)'}")
    for n in lv.notes:
        typer.echo(f"note: {n}")


@plan_app.command("split")
def split_cmd(
    slug: str = typer.Argument(..., help="The candidate list."),
    budget: str = typer.Option(..., "--budget", help="Budget in the list's currency."),
    objective: Optional[str] = typer.Option(None, "--objective", help="reach, impressions, views, engagements, emv, clicks, orders or revenue (default: the goal's)."),
    goal: Optional[str] = typer.Option(None, "--goal", help="tofu, mofu or bofu (default: the campaign's)."),
    alpha: float = typer.Option(0.7, "--alpha", help="Diminishing returns: d deliverables bring d ^ alpha times one."),
    coverage: float = typer.Option(0.8, "--coverage", help="Coverage of the outcome's interval."),
    fmt: str = typer.Option("table", "--format", help="table, json or csv."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Split a budget over a candidate list: who to book, for how many deliverables, and what to expect."""
    from influscope.planning.candidates import split_list

    if fmt not in ("table", "json", "csv"):
        _common.fail(f"--format must be table, json or csv, got {fmt!r}")
    engine = _common.engine(db, workspace)
    lv, sp = _list_call(split_list, engine, _common.apply().workspace, slug, budget, objective=objective,
                        alpha=alpha, coverage=coverage, goal=goal)
    from influscope.planning.revenue import expected_revenue

    rv = _list_call(expected_revenue, engine, _common.apply().workspace, lv, sp, alpha=alpha)
    if fmt == "json":
        typer.echo(json.dumps({**sp.to_dict(), "expected_revenue": None if rv is None else rv.to_dict()}, indent=2,
                              ensure_ascii=False))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["candidate", "deliverables", "fee_per_deliverable", "spend", f"expected_{sp.objective}", "choice"])
        for r in sp.rows:
            w.writerow([r["label"], r["deliverables"], r["fee_per_deliverable"], r["spend"], f"{r['expected']:.2f}",
                        r["choice"]])
        typer.echo(buf.getvalue(), nl=False)
        return
    lo = "n/a" if sp.low is None else f"{sp.low:,.0f}"
    hi = "n/a" if sp.high is None else f"{sp.high:,.0f}"
    typer.echo(f"{lv.name}: maximise {sp.objective}; budget {sp.budget:,.2f} {lv.currency}, spent {sp.spent:,.2f}")
    typer.echo(f"expected {sp.objective}: {sp.outcome:,.0f} ({sp.coverage:.0%} interval {lo} - {hi})")
    typer.echo(f"{'candidate':28} {'deliv.':>6} {'spend':>14} {'expected ' + sp.objective:>18}")
    for r in sp.rows:
        if r["deliverables"]:
            typer.echo(f"{r['label'][:28]:28} {r['deliverables']:>6} {Decimal(r['spend']):>14,.2f} {r['expected']:>18,.0f}")
    nb = sp.next_best
    if nb:
        typer.echo(f"next best: {nb['what']} {nb['label']} ({nb['deliverables']} deliverable(s)): +{nb['adds']:,.0f} "
                   f"{sp.objective} for {Decimal(nb['costs']):,.2f}" + (f", {Decimal(nb['short_by']):,.2f} over the budget"
                                                                        if Decimal(nb["short_by"]) > 0 else ""))
    for n in sp.notes:
        typer.echo(f"note: {n}")
    if rv is not None:
        _print_revenue(rv)


def _print_revenue(rv) -> None:
    pct = f"{rv.coverage:.0%}"

    def line(name, e):
        if e.value is None:
            return f"  {name:22} n/a"
        rng = "" if e.low is None else f" ({pct} interval {e.low:,.0f} - {e.high:,.0f})"
        return f"  {name:22} {e.value:,.0f} {rv.currency}{rng}"

    typer.echo(f"expected revenue (BOFU), for {rv.fees:,.2f} {rv.currency} of creator fees: "
               + line("", rv.expected).strip())
    for name, e in (("from creators' values", rv.creators), ("from sales forecast", rv.forecast)):
        name = name + (" *" if e is rv.expected else "")
        typer.echo(line(name, e))
        for r in e.rests_on:
            typer.echo(f"    - {r}")
    typer.echo("  * the headline: the creators' values came closer to what campaigns sold in backtests")
    for n in rv.notes:
        typer.echo(f"note: {n}")


@plan_app.command("review")
def review_cmd(
    campaign: str = typer.Argument(..., help="A campaign planned with a candidate list."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """After the campaign: each creator's results per post beside what the plan expected."""
    from influscope.planning.review import REVIEWED, plan_vs_actual

    engine = _common.engine(db, workspace)
    rv = _list_call(plan_vs_actual, engine, _common.apply().workspace, campaign)
    if as_json:
        typer.echo(json.dumps(rv.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    if not rv.lists:
        _common.fail(f"no candidate list plans campaign {campaign!r}")
    typer.echo(f"{campaign}: planned by {', '.join(rv.lists)}; per post, actual vs expected ({rv.coverage:.0%} interval)")
    for r in rv.rows:
        if r["note"]:
            typer.echo(f"  {r['label']}: {r['note']}")
            continue
        parts = []
        for m in REVIEWED:
            c = r["metrics"].get(m)
            if not c or c["actual"] is None:
                continue
            mark = "" if c["inside"] is None else (" ok" if c["inside"] else " OUTSIDE")
            rng = "" if c["low"] is None else f" ({_num(c['low'])}-{_num(c['high'])})"
            parts.append(f"{m} {_num(c['actual'])} vs {_num(c['expected'])}{rng}{mark}")
        typer.echo(f"  {r['label']} [{r['posts']} post(s)]: " + "; ".join(parts))
    if rv.inside_share is not None:
        typer.echo(f"inside the interval: {rv.inside_share:.0%}")


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
