"""Candidate lists: the creators considered for a planned campaign, valued side by side.

    create_list(engine, workspace, slug, name=None, campaign=None) -> int
    add_creators(engine, workspace, slug, refs, *, platform=None, fee=None, min_deliverables=1,
                 max_deliverables=1, choice="auto") -> int
    import_prospects(engine, workspace, slug, path) -> int          # a CSV of prospects
    set_candidate(engine, workspace, slug, handle, *, platform=None, **changes) -> None
    value_list(engine, workspace, slug, *, coverage=0.8) -> ListValue

A list tied to a campaign takes that campaign's currency, goal and targets (and the campaign's own
posts are left out of every valuation: it is the one being planned). Store creators are valued
from their history (:func:`influscope.planning.creator_value.value_of`); prospects from their
follower count and the typical post given in the CSV, weighed against the workspace's creators of
the same platform and tier.

Prospect CSV columns: ``platform`` and ``handle`` (required), ``followers`` (required unless the
account is in the store), ``name``, ``posts`` (how many recent posts the metrics average),
``impressions``, ``reach``, ``views``, ``likes``, ``comments``, ``shares``, ``saves``,
``link_clicks``, ``quoted_fee`` (per deliverable, in the list's currency), ``currency``,
``min_deliverables``, ``max_deliverables``, ``choice`` (auto, include, exclude). Every problem is
reported with file, line and column, and nothing is written unless the whole file is valid.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from influscope.db import slugs
from influscope.db import tables as t
from influscope.db.planning import CHOICES, candidate_lists, candidates
from influscope.db.types import to_decimal
from influscope.planning import creator_value as cv
from influscope.planning import forecast
from influscope.planning.notes import N_, metric_word, note

__all__ = ["GOAL_OBJECTIVE", "CandidateValue", "ListValue", "ProspectFileError", "add_creators", "create_list",
           "import_prospects", "set_candidate", "split_list", "value_list"]

GOAL_OBJECTIVE = {"tofu": "reach", "mofu": "clicks", "bofu": "revenue"}

_INT_METRICS = ("followers", "posts", "impressions", "reach", "views", "likes", "comments", "shares", "saves",
                "link_clicks")
MAX_DELIVERABLES = 100


class ProspectFileError(ValueError):
    """A prospects file is wrong: ``problems`` lists every one with file, line and column."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _workspace(conn, workspace: str) -> int:
    ws = slugs.workspace_id(conn, workspace)
    if ws is None:
        raise LookupError(f"no workspace {workspace!r}")
    return ws


def _list(conn, ws: int, slug: str) -> dict:
    row = conn.execute(sa.select(candidate_lists).where(candidate_lists.c.workspace_id == ws,
                                                        candidate_lists.c.slug == slug)).mappings().first()
    if row is None:
        raise LookupError(f"no candidate list {slug!r}")
    return dict(row)


def create_list(engine, workspace: str, slug: str, name: str | None = None, campaign: str | None = None) -> int:
    """A new candidate list, optionally tied to the campaign being planned."""
    if not slug or len(slug) > 64 or not all(c.isalnum() or c in "-_." for c in slug):
        raise ValueError(f"list slug must be 1-64 letters, digits, '-', '_' or '.', got {slug!r}")
    with engine.begin() as conn:
        ws = _workspace(conn, workspace)
        camp_id = None
        if campaign is not None:
            camp_id = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == ws,
                                                                     t.campaigns.c.slug == campaign)).scalar()
            if camp_id is None:
                raise LookupError(f"no campaign {campaign!r}")
        if conn.execute(sa.select(candidate_lists.c.id).where(candidate_lists.c.workspace_id == ws,
                                                              candidate_lists.c.slug == slug)).scalar():
            raise ValueError(f"candidate list {slug!r} exists already")
        return conn.execute(candidate_lists.insert().values(workspace_id=ws, slug=slug, name=name or slug,
                                                            campaign_id=camp_id)
                            .returning(candidate_lists.c.id)).scalar_one()


def _deliverables(lo: int, hi: int) -> None:
    if not 1 <= lo <= hi <= MAX_DELIVERABLES:
        raise ValueError(f"need 1 <= min_deliverables <= max_deliverables <= {MAX_DELIVERABLES}, got {lo}-{hi}")


def add_creators(engine, workspace: str, slug: str, refs: list[str], *, platform: str | None = None, fee=None,
                 min_deliverables: int = 1, max_deliverables: int = 1, choice: str = "auto") -> int:
    """Put store creators (key, handle or id) on the list: their largest account, or the one on ``platform``."""
    if choice not in CHOICES:
        raise ValueError(f"choice must be one of {', '.join(CHOICES)}, got {choice!r}")
    _deliverables(min_deliverables, max_deliverables)
    fee = None if fee is None else to_decimal(fee, field="fee")
    if fee is not None and fee <= 0:
        raise ValueError("fee must be positive")
    added = 0
    with engine.begin() as conn:
        ws = _workspace(conn, workspace)
        lst = _list(conn, ws, slug)
        for ref in refs:
            c = cv.resolve_creator(conn, ws, ref)
            q = sa.select(t.creator_accounts).where(t.creator_accounts.c.creator_id == c["id"])
            if platform:
                q = q.where(t.creator_accounts.c.platform == platform)
            accounts = conn.execute(q.order_by(t.creator_accounts.c.followers.desc().nulls_last())).mappings().all()
            if not accounts:
                raise LookupError(f"creator {ref!r} has no {platform or ''} account".replace("  ", " "))
            a = accounts[0]
            values = {"creator_id": c["id"], "name": c["name"], "followers": None, "quoted_fee": fee,
                      "min_deliverables": min_deliverables, "max_deliverables": max_deliverables, "choice": choice}
            existing = conn.execute(sa.select(candidates.c.id).where(
                candidates.c.list_id == lst["id"], candidates.c.platform == a["platform"],
                candidates.c.handle == a["handle"])).scalar()
            if existing:
                conn.execute(candidates.update().where(candidates.c.id == existing).values(**values))
            else:
                conn.execute(candidates.insert().values(workspace_id=ws, list_id=lst["id"], platform=a["platform"],
                                                        handle=a["handle"], metrics={}, **values))
            added += 1
    return added


def import_prospects(engine, workspace: str, slug: str, path: str | os.PathLike) -> int:
    """Add or update the list's candidates from a prospects CSV (see the module docstring); all or nothing."""
    name = str(path)
    with engine.connect() as conn:  # an unknown workspace or list is reported before the file
        _list(conn, _workspace(conn, workspace), slug)
    try:
        with open(path, newline="", encoding="utf-8-sig") as raw:
            text = raw.read()
    except FileNotFoundError:
        raise ProspectFileError([f"{name}: file not found"]) from None
    except UnicodeDecodeError as exc:
        raise ProspectFileError([f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    problems: list[str] = []
    rows: list[dict] = []
    with io.StringIO(text, newline="") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        missing = [c for c in ("platform", "handle") if c not in cols]
        if missing:
            raise ProspectFileError([(f"{name}: line 1: missing column(s) {', '.join(missing)} "
                                      f"(columns: {', '.join(cols) or 'none'})")])
        seen: dict[tuple[str, str], int] = {}
        for row in reader:
            line = reader.line_num

            def bad(col, msg, line=line):
                problems.append(f"{name}: line {line}: {col}: {msg}")

            platform = (row.get("platform") or "").strip().lower()
            handle = (row.get("handle") or "").strip().lstrip("@").lower()
            if platform not in t.PLATFORMS:
                bad("platform", f"must be one of {', '.join(t.PLATFORMS)}, got {platform!r}")
            if not handle:
                bad("handle", "required")
            if (platform, handle) in seen:
                bad("handle", f"duplicate {platform} @{handle} (first on line {seen[(platform, handle)]})")
            seen[(platform, handle)] = line
            out = {"platform": platform, "handle": handle, "name": (row.get("name") or "").strip() or None,
                   "metrics": {}, "line": line}
            for col in _INT_METRICS:
                raw = (row.get(col) or "").strip().replace(",", "")
                if not raw:
                    continue
                try:
                    d = to_decimal(raw, field=col)
                except ValueError:
                    bad(col, f"not a number: {raw!r}")
                    continue
                if d < 0 or d != d.to_integral_value():
                    bad(col, f"must be a whole number >= 0, got {raw!r}")
                    continue
                if col in ("followers", "posts"):
                    out[col] = int(d)
                else:
                    out["metrics"][col] = int(d)
            raw_fee = (row.get("quoted_fee") or row.get("fee") or "").strip().replace(",", "")
            out["quoted_fee"] = None
            if raw_fee:
                try:
                    out["quoted_fee"] = to_decimal(raw_fee, field="quoted_fee")
                    if out["quoted_fee"] <= 0:
                        bad("quoted_fee", f"must be positive, got {raw_fee!r}")
                except ValueError:
                    bad("quoted_fee", f"not an amount: {raw_fee!r}")
            cur = (row.get("currency") or "").strip().upper()
            if cur and (len(cur) != 3 or not cur.isalpha()):
                bad("currency", f"must be an ISO 4217 code, got {cur!r}")
            out["currency"] = cur or None
            for col, default in (("min_deliverables", 1), ("max_deliverables", None)):
                raw = (row.get(col) or "").strip()
                if not raw:
                    out[col] = default
                elif not raw.isdigit():
                    bad(col, f"must be a whole number, got {raw!r}")
                    out[col] = default
                else:
                    out[col] = int(raw)
            if out["max_deliverables"] is None:
                out["max_deliverables"] = out["min_deliverables"]
            try:
                _deliverables(out["min_deliverables"] or 0, out["max_deliverables"] or 0)
            except ValueError as exc:
                bad("max_deliverables", str(exc))
            choice = (row.get("choice") or "auto").strip().lower() or "auto"
            if choice not in CHOICES:
                bad("choice", f"must be one of {', '.join(CHOICES)}, got {choice!r}")
            out["choice"] = choice
            rows.append(out)
    if not rows and not problems:
        problems.append(f"{name}: no prospects")
    with engine.begin() as conn:
        ws = _workspace(conn, workspace)
        lst = _list(conn, ws, slug)
        known = {(r.platform, r.handle): (r.creator_id, r.followers) for r in conn.execute(
            sa.select(t.creator_accounts.c.platform, t.creator_accounts.c.handle, t.creator_accounts.c.creator_id,
                      t.creator_accounts.c.followers).where(t.creator_accounts.c.workspace_id == ws))}
        for r in rows:
            creator_id, _ = known.get((r["platform"], r["handle"]), (None, None))
            r["creator_id"] = creator_id
            if creator_id is None and not r.get("followers"):
                problems.append(f"{name}: line {r['line']}: followers: required for an account not in the store")
        if problems:
            raise ProspectFileError(problems)
        for r in rows:
            values = {k: r.get(k) for k in ("creator_id", "name", "followers", "metrics", "posts", "quoted_fee",
                                            "currency", "min_deliverables", "max_deliverables", "choice")}
            existing = conn.execute(sa.select(candidates.c.id).where(
                candidates.c.list_id == lst["id"], candidates.c.platform == r["platform"],
                candidates.c.handle == r["handle"])).scalar()
            if existing:
                conn.execute(candidates.update().where(candidates.c.id == existing).values(**values))
            else:
                conn.execute(candidates.insert().values(workspace_id=ws, list_id=lst["id"], platform=r["platform"],
                                                        handle=r["handle"], **values))
    return len(rows)


def set_candidate(engine, workspace: str, slug: str, handle: str, *, platform: str | None = None, **changes) -> None:
    """Change a candidate's choice (auto/include/exclude), quoted fee or deliverables."""
    allowed = {"choice", "quoted_fee", "min_deliverables", "max_deliverables"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    if "choice" in changes and changes["choice"] not in CHOICES:
        raise ValueError(f"choice must be one of {', '.join(CHOICES)}, got {changes['choice']!r}")
    with engine.begin() as conn:
        ws = _workspace(conn, workspace)
        lst = _list(conn, ws, slug)
        q = sa.select(candidates).where(candidates.c.list_id == lst["id"],
                                        candidates.c.handle == handle.lstrip("@").lower())
        if platform:
            q = q.where(candidates.c.platform == platform)
        found = conn.execute(q).mappings().all()
        if len(found) != 1:
            raise LookupError(f"{'no' if not found else 'more than one'} candidate @{handle} on list {slug!r}"
                              + ("" if not found else ": give the platform"))
        row = dict(found[0])
        row.update({k: v for k, v in changes.items() if v is not None})
        _deliverables(row["min_deliverables"], row["max_deliverables"])
        conn.execute(candidates.update().where(candidates.c.id == row["id"]).values(
            **{k: v for k, v in changes.items() if v is not None}))


@dataclass
class CandidateValue:
    id: int
    platform: str
    handle: str
    name: str | None
    creator: str | None  # the store creator's key; None for a prospect
    followers: int | None
    tier: str | None
    from_history: bool
    expected: dict[str, forecast.Estimate]  # per deliverable
    quoted_fee: Decimal | None
    fair_low: Decimal | None
    fair_mid: Decimal | None
    fair_high: Decimal | None
    credibility: float | None
    min_deliverables: int
    max_deliverables: int
    choice: str
    notes: list[str] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)  # the store creator's past campaigns it is valued from

    @property
    def label(self) -> str:
        return f"{self.platform} @{self.handle}"

    @property
    def fee(self) -> Decimal | None:
        """Fee per deliverable used by the split: as quoted, else the middle of the fair range."""
        return self.quoted_fee if self.quoted_fee is not None else self.fair_mid

    def to_dict(self) -> dict:
        def m(x):
            return None if x is None else str(x)

        return {"id": self.id, "platform": self.platform, "handle": self.handle, "name": self.name,
                "creator": self.creator, "followers": self.followers, "tier": self.tier,
                "from_history": self.from_history,
                "expected_per_deliverable": {k: v.to_dict() for k, v in self.expected.items()},
                "quoted_fee": m(self.quoted_fee), "fair_fee": {"low": m(self.fair_low), "mid": m(self.fair_mid),
                                                               "high": m(self.fair_high)},
                "fee": m(self.fee), "credibility": self.credibility, "min_deliverables": self.min_deliverables,
                "max_deliverables": self.max_deliverables, "choice": self.choice, "notes": list(self.notes),
                "campaigns": list(self.campaigns)}


@dataclass
class ListValue:
    slug: str
    name: str
    campaign: str | None
    currency: str
    goal: str
    coverage: float
    candidates: list[CandidateValue]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"slug": self.slug, "name": self.name, "campaign": self.campaign, "currency": self.currency,
                "goal": self.goal, "coverage": self.coverage, "candidates": [c.to_dict() for c in self.candidates],
                "notes": list(self.notes)}


def value_list(engine, workspace: str, slug: str, *, coverage: float = 0.8, goal: str | None = None,
               before=None) -> ListValue:
    """Value every candidate of the list (one deliverable each) for the list's campaign."""
    with engine.connect() as conn:
        ws = _workspace(conn, workspace)
        lst = _list(conn, ws, slug)
        campaign = None
        if lst["campaign_id"] is not None:
            campaign = conn.execute(sa.select(t.campaigns.c.slug).where(t.campaigns.c.id == lst["campaign_id"])).scalar()
        rows = [dict(r) for r in conn.execute(sa.select(candidates, t.creators.c.key.label("creator_key"))
                                              .select_from(candidates.outerjoin(t.creators, t.creators.c.id == candidates.c.creator_id))
                                              .where(candidates.c.list_id == lst["id"])
                                              .order_by(candidates.c.id)).mappings()]
    ctx = cv.load_context(engine, workspace, campaign=campaign, goal=goal, before=before)
    followers_of = cv._followers_by_key(engine, ctx)
    out = []
    for r in rows:
        notes: list[str] = []
        cred = None
        past: list[str] = []
        if r["creator_id"] is not None:
            v = cv.value_of(engine, r["creator_key"], workspace=workspace, coverage=coverage, context=ctx)
            acc = next((a for a in v.accounts if a.platform == r["platform"] and a.handle == r["handle"]), None)
            if acc is None:
                notes.append(note(N_("the account is no longer in the store")))
                continue
            expected, fee, followers, tier, hist = acc.expected, acc.fee, acc.followers, acc.tier, acc.from_history
            cred = None if acc.credibility is None else acc.credibility["score"]
            past = list(v.campaigns)
            notes += acc.notes
        else:
            expected, fee, tier = cv.value_prospect(engine, ctx, r["platform"], r["followers"], r["metrics"],
                                                    coverage=coverage, followers_of=followers_of)
            followers, hist = r["followers"], False
            notes.append(note(N_("prospect: followers and the typical post of the list, weighed against comparable "
                                 "creators")))
        quoted = r["quoted_fee"]
        if quoted is not None and r["currency"] and r["currency"] != ctx.currency:
            rate = ctx.fx.get(r["currency"])
            if rate is None:
                with engine.connect() as conn:
                    from influscope.planning import history

                    rate = history.fx_rate(conn, ws, r["currency"], ctx.currency)
            if rate is None:
                notes.append(note(N_("quoted fee in %(quoted)s without a rate to %(currency)s: the fair fee is used"),
                                  quoted=r["currency"], currency=ctx.currency))
                quoted = None
            else:
                quoted = (quoted * Decimal(repr(rate))).quantize(Decimal("0.01"))
        out.append(CandidateValue(
            id=r["id"], platform=r["platform"], handle=r["handle"], name=r["name"], creator=r["creator_key"],
            followers=followers, tier=tier, from_history=hist, expected=expected, quoted_fee=quoted,
            fair_low=fee["low"], fair_mid=fee["mid"], fair_high=fee["high"], credibility=cred,
            min_deliverables=r["min_deliverables"], max_deliverables=r["max_deliverables"], choice=r["choice"],
            notes=notes, campaigns=past))
    return ListValue(lst["slug"], lst["name"], campaign, ctx.currency, ctx.goal, coverage, out, list(ctx.notes))


def split_list(engine, workspace: str, slug: str, budget, *, objective: str | None = None, alpha: float = 0.7,
               coverage: float = 0.8, goal: str | None = None, valued: ListValue | None = None):
    """The budget split over the list for its campaign's goal: (ListValue, Split)."""
    from influscope.planning.split import Option, split

    lv = valued or value_list(engine, workspace, slug, coverage=coverage, goal=goal)
    objective = objective or GOAL_OBJECTIVE.get(lv.goal, "reach")
    if objective not in cv.EXPECTED:
        raise ValueError(f"objective must be one of {', '.join(cv.EXPECTED)}, got {objective!r}")
    options, notes = [], []
    for c in lv.candidates:
        e = c.expected.get(objective)
        if c.fee is None or c.fee <= 0:
            notes.append(note(N_("%(candidate)s: left out, no quoted fee and no fair fee range"), candidate=c.label))
            continue
        if e is None or e.value is None:
            notes.append(note(N_("%(candidate)s: left out, no expected %(metric)s"), candidate=c.label,
                              metric=metric_word(objective)))
            continue
        options.append(Option(str(c.id), c.label, c.fee, e.value, e.low, e.high, c.min_deliverables,
                              c.max_deliverables, c.choice))
    result = split(options, budget, objective=objective, alpha=alpha, coverage=coverage)
    result.notes = notes + result.notes
    return lv, result
