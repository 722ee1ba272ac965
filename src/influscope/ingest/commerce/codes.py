"""Promo codes: generation, import, export for the shop, and leakage detection.

Generation
    Codes must survive being read aloud, typed from a video or copied from a screenshot. A pattern
    shapes them: ``{NAME}`` is the creator's name as it reads (the first word of the creator id, its
    letters in capitals, at most 8: ``grace-fit`` gives ``GRACE``), ``%`` one random digit from 2-9,
    ``#`` one random character of the 32 unambiguous ``ABCDEFGHJKLMNPQRSTUVWXYZ23456789`` (no 0/O,
    no 1/I), ``{CREATOR}`` the creator's id in capitals with the ambiguous characters left out (at
    most 8); anything else is kept as written (it must itself be unambiguous: A-Z without O and I,
    2-9, '-' and '_'). The default ``{NAME}%%%`` gives codes such as ``GRACE352``: a name then digits,
    so a letter is never read where a digit belongs (8^3 = 512 codes per name; use more ``%`` or
    ``#`` for more). A code is never issued when it, or a code that reads the same once 0/O and 1/I/L
    are confused, exists in the workspace.

Leakage
    :func:`leaks` looks at the redemptions of each creator's affiliate code in a campaign and
    reports, with the figures that fired it:

    - ``code_redeemed_without_click``: most redemptions have no click of that creator (no click id of
      the creator's links and no landing URL whose ``utm_content`` names the creator), the pattern of
      a code that travels without its creator's audience (coupon sites, deal forums);
    - ``code_redemption_burst``: many redemptions inside one short window, far above the code's own
      average rate;
    - ``code_on_coupon_site``: orders with the code that arrived from a known coupon or deal site.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa

from influscope.db import tables as t
from influscope.events.read import with_click_creators
from influscope.ingest import rules
from influscope.ingest.commerce.common import PayloadError

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DIGITS = "23456789"
LITERAL_OK = set(ALPHABET) | {"-", "_"}
DEFAULT_PATTERN = "{NAME}%%%"
_PLACEHOLDERS = ("{CREATOR}", "{NAME}")
_CONFUSE = str.maketrans({"0": "O", "1": "I", "L": "I"})

# Coupon, voucher and deal sites whose referrals signal a leaked code.
COUPON_SITES = (
    "retailmenot.com", "honey.com", "joinhoney.com", "couponfollow.com", "coupons.com", "couponcabin.com",
    "dealspotr.com", "knoji.com", "wethrift.com", "couponbirds.com", "slickdeals.net", "offers.com",
    "savings.com", "dontpayfull.com", "promocodes.com", "couponchief.com", "goodshop.com", "groupon.com",
    "hotdeals.com", "vouchercodes.co.uk", "myvouchercodes.co.uk", "vouchercloud.com", "latestdeals.co.uk",
    "hotukdeals.com", "mydealz.de", "gutscheine.de", "picodi.com", "cuponation.com", "cupom.org",
    "dealabs.com", "ma-reduc.com", "igraal.com", "topcashback.com", "rakuten.com", "capitaloneshopping.com",
    "karmanow.com", "simplycodes.com", "couponbirds.com", "discountreactor.com", "coupert.com",
)


def normalise(code: str) -> str:
    """How a code reads: upper case, separators dropped, 0/O and 1/I/L folded together."""
    return re.sub(r"[\s_-]", "", code.upper()).translate(_CONFUSE)


def creator_part(key: str, limit: int = 8) -> str:
    return "".join(ch for ch in key.upper() if ch in ALPHABET)[:limit]


def name_part(key: str, limit: int = 8) -> str:
    """The creator's name as it reads: the letters of the id's first word, in capitals."""
    first = re.split(r"[-_.\s]", key.strip(), maxsplit=1)[0]
    def letters(text: str) -> str:
        return "".join(ch for ch in text.upper() if "A" <= ch <= "Z")[:limit]

    return letters(first) or letters(key) or creator_part(key, limit)


def check_pattern(pattern: str) -> None:
    rest = pattern
    for placeholder in _PLACEHOLDERS:
        rest = rest.replace(placeholder, "")
    if "#" not in rest and "%" not in rest:
        raise PayloadError("pattern: needs at least one '#' (a random character) or '%' (a random digit)")
    bad = sorted({ch for ch in rest if ch not in "#%" and ch not in LITERAL_OK})
    if bad:
        raise PayloadError(f"pattern: {''.join(bad)!r} not allowed "
                           "(use A-Z without O and I, 2-9, '-', '_', '#', '%', {NAME}, {CREATOR})")
    longest = pattern
    for placeholder in _PLACEHOLDERS:
        longest = longest.replace(placeholder, "X" * 8)
    if len(longest) > 64:
        raise PayloadError("pattern: codes would be longer than 64 characters")


def render(pattern: str, creator_key: str = "", rng=secrets) -> str:
    out = pattern.replace("{CREATOR}", creator_part(creator_key)).replace("{NAME}", name_part(creator_key))
    return "".join(rng.choice(ALPHABET) if ch == "#" else rng.choice(DIGITS) if ch == "%" else ch
                   for ch in out).strip("-_")


def _campaign(conn: sa.Connection, workspace: str, campaign: str):
    row = conn.execute(sa.select(t.campaigns, t.workspaces.c.slug.label("ws_slug")).join(
        t.workspaces, t.workspaces.c.id == t.campaigns.c.workspace_id).where(
        t.workspaces.c.slug == workspace, t.campaigns.c.slug == campaign)).first()
    if row is None:
        raise PayloadError(f"campaign: no campaign {campaign!r} in workspace {workspace!r}")
    return row


def _campaign_creators(conn: sa.Connection, campaign_id: int) -> dict[str, int]:
    rows = conn.execute(sa.select(t.creators.c.key, t.creators.c.id).join(
        t.campaign_creators, t.campaign_creators.c.creator_id == t.creators.c.id).where(
        t.campaign_creators.c.campaign_id == campaign_id).order_by(t.creators.c.key)).all()
    return dict(rows)


@dataclass
class IssuedCode:
    code: str
    creator_id: str | None
    kind: str
    new: bool = True


def generate(engine: sa.Engine, campaign: str, *, workspace: str = "default", creators: Iterable[str] | None = None,
             pattern: str = DEFAULT_PATTERN, kind: str = "affiliate", per_creator: int = 1,
             dry_run: bool = False, rng=secrets) -> list[IssuedCode]:
    """Issue ``per_creator`` new codes to each creator of the campaign (or the listed ones)."""
    check_pattern(pattern)
    if kind not in t.CODE_KINDS:
        raise PayloadError(f"kind: one of {', '.join(t.CODE_KINDS)}")
    if not 1 <= per_creator <= 1000:
        raise PayloadError("per_creator: 1 to 1000")
    with engine.begin() as conn:
        camp = _campaign(conn, workspace, campaign)
        members = _campaign_creators(conn, camp.id)
        wanted = list(creators) if creators is not None else list(members)
        unknown = [c for c in wanted if c not in members]
        if unknown:
            raise PayloadError(f"creators: not in campaign {campaign!r}: {', '.join(unknown)}")
        if kind == "sitewide":
            wanted = [None]  # type: ignore[list-item]
        if not wanted:
            raise PayloadError(f"campaign {campaign!r} has no creators")
        taken = {normalise(c) for c in conn.execute(
            sa.select(t.codes.c.code).where(t.codes.c.workspace_id == camp.workspace_id)).scalars()}
        issued: list[IssuedCode] = []
        for creator in wanted:
            for _ in range(per_creator):
                for _attempt in range(200):
                    # a sitewide code reads as the campaign ({NAME} of "spring-launch" is SPRING)
                    code = (render(pattern, creator, rng) if creator else
                            render(pattern.replace("{CREATOR}", ""), campaign, rng))
                    if code and normalise(code) not in taken:
                        break
                else:
                    raise PayloadError(f"pattern: no free code left for {creator or 'sitewide'} after 200 tries; "
                                       "add more '#' to the pattern")
                taken.add(normalise(code))
                issued.append(IssuedCode(code, creator, kind))
        if not dry_run:
            for c in issued:
                conn.execute(t.codes.insert().values(
                    workspace_id=camp.workspace_id, campaign_id=camp.id, code=c.code, kind=c.kind,
                    creator_id=members[c.creator_id] if c.creator_id else None,
                    created_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
    return issued


def import_codes(engine: sa.Engine, campaign: str, path: str | Path, *, workspace: str = "default") -> list[IssuedCode]:
    """Existing codes from a CSV with columns code, creator_id (blank = sitewide) and kind (optional).
    All or nothing; problems name the file, line and column."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "code" not in header:
        raise PayloadError(f"{path.name}: line 1: code: column missing (expected code, creator_id, kind)")
    problems: list[str] = []
    out: list[IssuedCode] = []
    with engine.begin() as conn:
        camp = _campaign(conn, workspace, campaign)
        members = _campaign_creators(conn, camp.id)
        existing = {r.code: r for r in conn.execute(sa.select(t.codes).where(t.codes.c.workspace_id == camp.workspace_id))}
        seen: dict[str, int] = {}
        for line, raw in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
            creator = row.get("creator_id") or None
            kind = (row.get("kind") or ("affiliate" if creator else "sitewide")).lower()
            try:  # the rule of every door (the API, the dashboard, the bundle's codes.csv)
                code = rules.check_code(row.get("code", ""))
            except ValueError as exc:
                problems.append(f"{path.name}: line {line}: code: {exc}")
                continue
            if code in seen:
                problems.append(f"{path.name}: line {line}: code: {code} repeats line {seen[code]}")
                continue
            seen[code] = line
            if kind not in t.CODE_KINDS:
                problems.append(f"{path.name}: line {line}: kind: {kind!r} is not one of {', '.join(t.CODE_KINDS)}")
                continue
            if creator and creator not in members:
                problems.append(f"{path.name}: line {line}: creator_id: {creator!r} is not in campaign {campaign!r}")
                continue
            if kind == "affiliate" and not creator:
                problems.append(f"{path.name}: line {line}: creator_id: an affiliate code needs its creator")
                continue
            cid = members.get(creator) if creator else None
            old = existing.get(code)
            if old is not None:
                if (old.campaign_id, old.creator_id, old.kind) != (camp.id, cid, kind):
                    problems.append(f"{path.name}: line {line}: code: {code} is already issued elsewhere in the workspace")
                    continue
                out.append(IssuedCode(code, creator, kind, new=False))
                continue
            out.append(IssuedCode(code, creator, kind))
        if problems:
            raise PayloadError("\n".join(problems))
        for c in out:
            if c.new:
                conn.execute(t.codes.insert().values(
                    workspace_id=camp.workspace_id, campaign_id=camp.id, code=c.code, kind=c.kind,
                    creator_id=members[c.creator_id] if c.creator_id else None,
                    created_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
    return out


EXPORT_COLUMNS = ("code", "creator_id", "creator_name", "kind", "campaign")


def export_codes(engine: sa.Engine, campaign: str, *, workspace: str = "default") -> str:
    """The campaign's codes as CSV text for the shop's discount set-up."""
    with engine.connect() as conn:
        camp = _campaign(conn, workspace, campaign)
        rows = conn.execute(sa.select(t.codes.c.code, t.codes.c.kind, t.creators.c.key, t.creators.c.name)
                            .outerjoin(t.creators, t.creators.c.id == t.codes.c.creator_id)
                            .where(t.codes.c.campaign_id == camp.id).order_by(t.codes.c.code)).all()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EXPORT_COLUMNS)
    for r in rows:
        w.writerow([r.code, r.key or "", _safe_cell(r.name or ""), r.kind, campaign])
    return buf.getvalue()


def _safe_cell(text: str) -> str:
    """Keep spreadsheet formulas out of exported cells."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# ------------------------------------------------------------------------------------------ leakage

MESSAGES = {
    "code_redeemed_without_click": {
        "en": "Code {code} ({creator}): {without_click} of {redemptions} redemptions ({share_without_click_pct}%) came without a click from the creator; the code has probably leaked to coupon or deal sites.",
        "zh-Hant": "折扣碼 {code}（{creator}）：{redemptions} 次使用中有 {without_click} 次（{share_without_click_pct}%）沒有來自創作者的點擊；此折扣碼可能已外流到優惠券或特價網站。",
        "ar": "الرمز {code} ({creator}): {without_click} من أصل {redemptions} استخدامًا ({share_without_click_pct}%) جاءت دون نقرة من صانع المحتوى؛ يُرجَّح أن الرمز تسرّب إلى مواقع القسائم أو العروض.",
    },
    "code_redemption_burst": {
        "en": "Code {code} ({creator}): {max_in_window} redemptions within {window_minutes} minutes from {window_start}, {ratio}x its average rate; check where the code was shared.",
        "zh-Hant": "折扣碼 {code}（{creator}）：自 {window_start} 起 {window_minutes} 分鐘內被使用 {max_in_window} 次，是平均速率的 {ratio} 倍；請檢查此折扣碼被分享到哪裡。",
        "ar": "الرمز {code} ({creator}): {max_in_window} استخدامًا خلال {window_minutes} دقيقة بدءًا من {window_start}، أي {ratio} ضعف معدله المتوسط؛ تحقّق من مكان مشاركة الرمز.",
    },
    "code_on_coupon_site": {
        "en": "Code {code} ({creator}): {orders_from_coupon_sites} orders arrived from coupon sites ({sites}).",
        "zh-Hant": "折扣碼 {code}（{creator}）：有 {orders_from_coupon_sites} 筆訂單來自優惠券網站（{sites}）。",
        "ar": "الرمز {code} ({creator}): وصلت {orders_from_coupon_sites} طلبات من مواقع القسائم ({sites}).",
    },
}

# The finding in a few words, and what to do about it (the diagnostics table's columns).
TITLES = {
    "code_redeemed_without_click": {"en": "Code used without the creator's clicks", "zh-Hant": "折扣碼使用未伴隨創作者點擊",
                                    "ar": "استخدام الرمز دون نقرات صانع المحتوى"},
    "code_redemption_burst": {"en": "Burst of code redemptions", "zh-Hant": "折扣碼短時間內大量使用",
                              "ar": "موجة مفاجئة من استخدام الرمز"},
    "code_on_coupon_site": {"en": "Code on coupon sites", "zh-Hant": "折扣碼出現在優惠券網站", "ar": "الرمز على مواقع القسائم"},
}
ACTIONS = {
    "code_redeemed_without_click": {"en": "Replace the code; cap its uses", "zh-Hant": "換新折扣碼並限制使用次數",
                                    "ar": "استبدل الرمز وحدّد عدد مرات استخدامه"},
    "code_redemption_burst": {"en": "Find where the code was shared; cap its uses", "zh-Hant": "找出折扣碼被分享的位置並限制次數",
                              "ar": "ابحث عن مكان مشاركة الرمز وحدّد استخدامه"},
    "code_on_coupon_site": {"en": "Ask the sites to remove it; issue a fresh code", "zh-Hant": "要求網站移除，並發新折扣碼",
                            "ar": "اطلب من المواقع إزالته وأصدر رمزًا جديدًا"},
}


@dataclass
class Finding:
    id: str
    severity: str  # info | warning | critical
    code: str
    creator: str | None
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> dict[str, str]:
        values = {"code": self.code, "creator": self.creator or "-", **self.figures}
        if isinstance(values.get("sites"), dict):
            values["sites"] = ", ".join(f"{k} {v}" for k, v in values["sites"].items())
        return {lang: text.format(**values) for lang, text in MESSAGES[self.id].items()}

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "code": self.code, "creator": self.creator,
                "figures": self.figures, "message": self.message}

    def to_diagnostic(self):
        """The same finding as a :class:`influscope.kpi.diagnostics.Diagnostic` (subject = the creator)."""
        from influscope.kpi.diagnostics import Diagnostic

        return Diagnostic(id=self.id, severity=self.severity, message=self.message,
                          figures={"code": self.code, **self.figures}, kpis=("code_redemptions",),
                          subject=self.creator, title=dict(TITLES[self.id]), action=dict(ACTIONS[self.id]))


def leak_diagnostics(engine: sa.Engine, campaign: str, *, workspace: str = "default", **thresholds) -> list:
    """:func:`leaks` as KPI-engine diagnostics, for ``KpiResult.diagnostics``."""
    return [f.to_diagnostic() for f in leaks(engine, campaign, workspace=workspace, **thresholds)]


_EPOCH = dt.datetime(1970, 1, 1)


def coupon_site(referrer: str | None) -> str | None:
    if not referrer:
        return None
    try:
        host = (urlsplit(referrer if "//" in referrer else "//" + referrer).hostname or "").lower()
    except ValueError:
        return None
    for site in COUPON_SITES:
        if host == site or host.endswith("." + site):
            return site
    return None


def _window(camp) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(camp.timezone or "UTC")
    start = dt.datetime.combine(camp.start_date, dt.time(), tz).astimezone(dt.timezone.utc).replace(tzinfo=None)
    end = dt.datetime.combine(camp.end_date + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.timezone.utc).replace(tzinfo=None)
    return start, end


def _unusual(dialect: str, text: sa.ColumnElement) -> sa.ColumnElement[bool] | None:
    """SQL: TEXT holds a character outside printable ASCII (a space, a control, a letter of another
    script); None on an engine without a character-class match (every text then counts as unusual).
    A text without any is read alike in SQL and by Python's URL parsing (no space to strip, no case
    folding beyond ASCII)."""
    if dialect == "sqlite":
        return text.op("GLOB")("*[^!-~]*")
    if dialect == "postgresql":
        return text.op("~")("[^!-~]")
    return None


def _coded_groups(conn: sa.Connection, ws: int, start: dt.datetime, end: dt.datetime, codes: Iterable[str]) -> list:
    """The campaign window's not cancelled orders listing one of CODES counted (``n``) per instant (``at``),
    code list (``codes``), landing content, coupon-site referrer and clicked creator, each group with
    its lowest order id (``first_id``).

    ``content`` is the landing URL's ``utm_content`` as the order keeps it and crediting reads it
    (:mod:`influscope.attribution.landing`: as a handle, ``utm_content=%40mira`` is ``mira``).
    ``referrer`` is the referrer when it may name
    a coupon site (it contains one's name, or an unusual character), else NULL: the other referrers
    are never one. ``click_creator`` is the creator of the link the order's click id names (kept on
    the order by the store, :mod:`influscope.attribution.carried`, else joined through the clicks);
    with an event store the groups split by ``click_id`` instead and the creator is read from its
    clicks. Times come back as the driver gives them (text on SQLite), for :func:`_epoch_us`.
    """
    from influscope.attribution import carried
    from influscope.events.store import configured

    events = configured() is not None
    source = "events" if events else "carried" if carried.present(conn) else "clicks"
    q = _coded_query(conn.dialect.name, source)
    rows = list(conn.execute(q, {"ws": ws, "start": start, "end": end, "codes": sorted(set(codes))}).all())
    if events and rows:
        rows = with_click_creators(conn, ws, rows)
    return rows


@functools.lru_cache(maxsize=32)
def _coded_query(dialect: str, source: str) -> sa.Select:
    """The statement of :func:`_coded_groups` for DIALECT and the clicks' SOURCE (events: the event
    store, carried: the link kept on the order, clicks: a join with the clicks)."""
    o, k, lk = t.orders, t.clicks, t.links
    may_be_site = sa.or_(*(sa.func.lower(o.c.referrer).contains(site, autoescape=True)
                           for site in dict.fromkeys(COUPON_SITES)))
    unusual_referrer = _unusual(dialect, o.c.referrer)
    referrer = o.c.referrer if unusual_referrer is None else \
        sa.case((o.c.referrer.is_(None), sa.null()), (sa.or_(unusual_referrer, may_be_site), o.c.referrer))
    joined: sa.FromClause
    click_id: sa.ColumnElement
    creator: sa.ColumnElement
    if source == "events":
        joined, click_id, creator = o, o.c.click_id, sa.null()
    elif source == "carried":
        joined, click_id, creator = o.outerjoin(lk, lk.c.id == o.c.click_link_id), sa.null(), lk.c.creator_id
    else:
        joined = (o.outerjoin(k, sa.and_(k.c.workspace_id == o.c.workspace_id, k.c.key == o.c.click_id))
                  .outerjoin(lk, lk.c.id == k.c.link_id))
        click_id, creator = sa.null(), lk.c.creator_id
    created = o.c.created_at
    keys = (created, o.c.discount_codes, o.c.landing_utm_content, referrer, click_id, creator)
    return (sa.select(sa.type_coerce(created, sa.String).label("at"), o.c.discount_codes.label("codes"),
                      o.c.landing_utm_content.label("content"), referrer.label("referrer"),
                      click_id.label("click_id"), creator.label("click_creator"), sa.func.count().label("n"),
                      sa.func.min(o.c.id).label("first_id"))
            .select_from(joined)
            .where(o.c.workspace_id == sa.bindparam("ws"), created >= sa.bindparam("start", type_=sa.DateTime),
                   created < sa.bindparam("end", type_=sa.DateTime), o.c.status != "cancelled",
                   # the codes alone, or with others (a list with a space: which codes it names is read in Python)
                   sa.or_(o.c.discount_codes.in_(sa.bindparam("codes", expanding=True)),
                          o.c.discount_codes.contains(" ")))
            .group_by(*(key for key in keys if not isinstance(key, sa.Null))))


def _epoch_us(values: list) -> np.ndarray:
    """Microseconds since 1970 of naive UTC times given as datetimes or as SQLite's text."""
    return np.array(values, dtype="datetime64[us]").astype(np.int64)


def _largest_window(times: np.ndarray, counts: np.ndarray, width_us: int) -> tuple[int, int]:
    """(the most redemptions within WIDTH_US microseconds ending at a redemption, the time of the
    first of them) over redemptions at the sorted distinct TIMES, COUNTS of them at each; the
    earliest such window when several hold as many."""
    total = np.concatenate(([0], np.cumsum(counts)))
    first = np.searchsorted(times, times - width_us, side="left")  # the earliest time within the window
    inside = total[1:] - total[first]
    at = int(np.argmax(inside))
    return int(inside[at]), int(times[first[at]])


def leaks(engine: sa.Engine, campaign: str, *, workspace: str = "default", min_redemptions: int = 5,
          no_click_share: float = 50.0, burst_window_minutes: int = 60, burst_min: int = 5,
          burst_ratio: float = 5.0) -> list[Finding]:
    """Leak findings for every affiliate code of CAMPAIGN over the campaign's dates.

    The database counts the orders per instant, code list, landing content, coupon-site referrer
    and clicked creator (:func:`_coded_groups`); each code's figures are sums over the groups of
    the lists naming it: the share with the creator's click or handle, the coupon sites among the
    referrers (most orders first; as many, the site whose first order came first), and the largest
    number of redemptions within ``burst_window_minutes`` (a sorted search over the code's
    instants)."""
    with engine.connect() as conn:
        camp = _campaign(conn, workspace, campaign)
        ws = camp.workspace_id
        start, end = _window(camp)
        codes = conn.execute(sa.select(t.codes.c.code, t.codes.c.creator_id, t.creators.c.key).join(
            t.creators, t.creators.c.id == t.codes.c.creator_id).where(
            t.codes.c.campaign_id == camp.id, t.codes.c.kind == "affiliate")).all()
        if not codes:
            return []
        creator_ids = {c.creator_id for c in codes}
        handles: dict[int, set[str]] = {}
        for cid, key, handle in conn.execute(sa.select(t.creators.c.id, t.creators.c.key, t.creator_accounts.c.handle)
                                             .outerjoin(t.creator_accounts, t.creator_accounts.c.creator_id == t.creators.c.id)
                                             .where(t.creators.c.id.in_(creator_ids))):
            handles.setdefault(cid, {key.lower()})
            if handle:
                handles[cid].add(handle.lower())
        rows = _coded_groups(conn, ws, start, end, [c.code for c in codes])
    if not rows:
        return []
    ats, lists, kept, referrers, _, click_creators, per_instant, first_ids = zip(*rows)  # one column each
    # the groups over all instants, each with its orders and, for a coupon-site referrer, its first
    # order (time, id)
    keys = list(zip(lists, kept, referrers, click_creators))
    index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    group_of = np.fromiter(map(index.__getitem__, keys), dtype=np.int64, count=len(keys))
    orders_of = np.bincount(group_of, weights=np.array(per_instant, dtype=np.int64), minlength=len(index)).astype(np.int64)
    first_of: dict[int, tuple] = {}
    for i in np.flatnonzero(np.array([r is not None for r in referrers], dtype=bool)):
        g = int(group_of[i])
        first_of[g] = min(first_of.get(g, (ats[i], first_ids[i])), (ats[i], first_ids[i]))
    groups = {key: (int(orders_of[i]), first_of.get(i)) for key, i in index.items()}
    # the groups listing each code (a list naming a code twice counts once)
    by_code: dict[str, list[tuple]] = {}
    for key in groups:
        for listed in dict.fromkeys(key[0].split()):
            by_code.setdefault(listed, []).append(key)
    # the instants of each code list: rows of one array sorted by list
    list_index = {text: i for i, text in enumerate(dict.fromkeys(lists))}
    list_of = np.fromiter(map(list_index.__getitem__, lists), dtype=np.int64, count=len(lists))
    by_list = np.argsort(list_of, kind="stable")
    bounds = np.searchsorted(list_of[by_list], np.arange(len(list_index) + 1))
    stamps = _epoch_us(list(ats))
    instant_orders = np.array(per_instant, dtype=np.int64)
    span_min = max((end - start).total_seconds() / 60, burst_window_minutes)
    width_us = burst_window_minutes * 60 * 1_000_000

    findings: list[Finding] = []
    for code, creator_id, creator_key in codes:
        listed = by_code.get(code)
        if not listed:
            continue
        names = handles.get(creator_id, set())
        n = with_click = 0
        sites: dict[str, list] = {}  # site -> [orders, first order (time, id)]
        for key in listed:
            orders, first = groups[key]
            n += orders
            _, content, referrer, click_creator = key
            if click_creator == creator_id or (bool(content) and any(
                    content == name or content.startswith(name + "-") for name in names)):
                with_click += orders
            site = coupon_site(referrer)
            if site is not None:
                seen = sites.setdefault(site, [0, first])
                seen[0] += orders
                seen[1] = min(seen[1], first)
        without = n - with_click
        share = round(100.0 * without / n, 1)
        if n >= min_redemptions and share >= no_click_share:
            findings.append(Finding("code_redeemed_without_click", "critical" if share >= 80 else "warning", code,
                                    creator_key, {"redemptions": n, "with_click": with_click, "without_click": without,
                                                  "share_without_click_pct": share}))
        if n >= burst_min:  # fewer redemptions never make a burst
            at = np.concatenate([by_list[bounds[li]:bounds[li + 1]] for li in sorted({list_index[k[0]] for k in listed})])
            distinct, where = np.unique(stamps[at], return_inverse=True)  # an instant of several lists once
            counts = np.bincount(where.ravel(), weights=instant_orders[at], minlength=len(distinct)).astype(np.int64)
            best, first_us = _largest_window(distinct, counts, width_us)
            best_start = _EPOCH + dt.timedelta(microseconds=first_us)
            expected = n * burst_window_minutes / span_min
            ratio = round(best / expected, 1) if expected else None
            if best >= burst_min and ratio is not None and ratio >= burst_ratio:
                findings.append(Finding("code_redemption_burst", "warning", code, creator_key, {
                    "max_in_window": best, "window_minutes": burst_window_minutes,
                    "window_start": best_start.isoformat(timespec="minutes"), "expected_per_window": round(expected, 2),
                    "ratio": ratio, "redemptions": n}))
        if sites:
            # most orders first; as many: the site whose first order came first
            ranked = sorted(sites.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
            total = sum(v[0] for _, v in ranked)
            findings.append(Finding("code_on_coupon_site", "critical" if total >= 3 else "warning",
                                    code, creator_key, {"orders_from_coupon_sites": total,
                                                        "sites": {k: v[0] for k, v in ranked}, "redemptions": n}))
    return findings


