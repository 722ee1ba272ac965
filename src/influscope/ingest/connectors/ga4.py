"""Google Analytics 4 into daily traffic rows (date x source x medium x campaign x content):

- the Data API ``properties/{id}:runReport`` (all values arrive as strings; ``conversions`` was renamed
  ``keyEvents`` in 2024, so a request naming it is retried without it and the change recorded);
- the BigQuery export (``events_YYYYMMDD`` tables) read through Ibis, sessions keyed by
  ``user_pseudo_id`` + ``ga_session_id`` and attributed with ``session_traffic_source_last_click``
  (falling back to the event-scoped ``collected_traffic_source`` of the session's first event);
- a GA4 report exported as CSV from the GA4 interface.

``content`` holds utm_content (``sessionManualAdContent``), which the tracking links set to the
creator's handle: that is how referral sessions map to creators.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from influscope.ingest.connectors.base import Context, Http, with_metric_fallback
from influscope.ingest.connectors.store import Batch
from influscope.ingest.exports.common import ExportProblem, decode, norm_header, parse_date, parse_number

PLATFORM = "ga4"
DEFAULT_BASE = "https://analyticsdata.googleapis.com/v1beta"
DIMENSIONS = ["date", "sessionSource", "sessionMedium", "sessionCampaignName", "sessionManualAdContent"]
METRICS = ["sessions", "newUsers", "engagedSessions", "screenPageViews", "averageSessionDuration", "keyEvents"]
NOT_SET = {"(not set)", "(not provided)"}
TRAFFIC_FIELDS = ("sessions", "new_users", "returning_users", "engaged_sessions", "pageviews", "session_duration_s")


def _dim(value: Any) -> str:
    value = "" if value is None else str(value)
    return "" if value in NOT_SET else value[:128]


class TrafficRows:
    """Adds up rows that fall on the same traffic key (date, source, medium, campaign, content)."""

    def __init__(self) -> None:
        self.rows: dict[tuple, dict[str, Any]] = {}

    def add(self, day: dt.date, source: str, medium: str, campaign: str, content: str, values: dict[str, Any]) -> None:
        key = (day, _dim(source), _dim(medium), _dim(campaign), _dim(content))
        row = self.rows.setdefault(key, {"date": key[0], "source": key[1], "medium": key[2], "campaign": key[3],
                                         "content": key[4], **{f: None for f in TRAFFIC_FIELDS}})
        for f in TRAFFIC_FIELDS:
            v = values.get(f)
            if v is not None:
                row[f] = v if row[f] is None else row[f] + v

    def out(self) -> list[dict[str, Any]]:
        return [self.rows[k] for k in sorted(self.rows)]


# ------------------------------------------------------------------------------------------ Data API

class GA4Connector:
    """The Data API by default; with the option ``export_url`` (an Ibis connection URL such as
    ``bigquery://PROJECT/DATASET``) it reads the BigQuery export instead."""

    platform = PLATFORM

    @staticmethod
    def needs_token(options: dict) -> bool:
        return not options.get("export_url")  # BigQuery uses the environment's Google credentials

    def fetch(self, ctx: Context) -> Batch:
        if ctx.options.get("export_url"):
            import ibis

            start = min(ctx.since.date(), ctx.until.date() - dt.timedelta(days=3))
            from influscope.kpi.backends import disconnecting

            with disconnecting(ibis.connect(ctx.options["export_url"])) as con:
                return bigquery_batch(con, start, ctx.until.date(), database=ctx.options.get("dataset"),
                                      intraday=bool(ctx.options.get("intraday", False)))
        batch = Batch("ga4_data_api")
        http = Http(ctx, batch, ctx.options.get("base_url", DEFAULT_BASE), headers={"Authorization": f"Bearer {ctx.token}"})
        start, end = ctx.since.date(), ctx.until.date()
        # GA4 back-fills the daily data for up to 3 days: always re-read them
        start = min(start, end - dt.timedelta(days=3))
        wanted = list(ctx.options.get("metrics") or METRICS)
        traffic, key_events = TrafficRows(), {}
        offset, limit = 0, int(ctx.options.get("page_size", 10000))
        try:
            while True:
                def call(metrics, offset=offset):
                    return http.post(f"/properties/{ctx.account_id}:runReport", json={
                        "dateRanges": [{"startDate": start.isoformat(), "endDate": end.isoformat()}],
                        "dimensions": [{"name": d} for d in DIMENSIONS], "metrics": [{"name": m} for m in metrics],
                        "limit": limit, "offset": offset, "keepEmptyRows": False})

                payload, used = with_metric_fallback(ctx, batch, PLATFORM, "runReport", wanted, call)
                wanted = used
                batch.add_raw(PLATFORM, "report", f"{ctx.account_id}:{start}:{end}:{offset}", ctx.as_of, payload)
                self._rows(payload, traffic, key_events)
                offset += limit
                if offset >= int(payload.get("rowCount") or 0):
                    break
        finally:
            http.close()
        batch.traffic.extend(traffic.out())
        for day, value in sorted(key_events.items()):
            batch.add_account_metric(PLATFORM, ctx.account_id, day, "keyEvents", value)
        return batch

    @staticmethod
    def _rows(payload: dict, traffic: TrafficRows, key_events: dict) -> None:
        dims = [h["name"] for h in payload.get("dimensionHeaders", [])]
        mets = [h["name"] for h in payload.get("metricHeaders", [])]
        for row in payload.get("rows") or []:
            d = dict(zip(dims, (v.get("value") for v in row.get("dimensionValues", []))))
            m = dict(zip(mets, (v.get("value") for v in row.get("metricValues", []))))
            day = dt.date.fromisoformat(f"{d['date'][:4]}-{d['date'][4:6]}-{d['date'][6:8]}")
            sessions = _int(m.get("sessions"))
            avg = _float(m.get("averageSessionDuration"))
            traffic.add(day, d.get("sessionSource"), d.get("sessionMedium"), d.get("sessionCampaignName"),
                        d.get("sessionManualAdContent"), {
                            "sessions": sessions, "new_users": _int(m.get("newUsers")),
                            "engaged_sessions": _int(m.get("engagedSessions")),
                            "pageviews": _int(m.get("screenPageViews")),
                            "session_duration_s": avg * sessions if avg is not None and sessions is not None else None})
            if m.get("keyEvents") is not None:
                key_events[day] = key_events.get(day, 0.0) + float(m["keyEvents"])


def _int(v: Any) -> int | None:
    return None if v in (None, "") else int(round(float(v)))


def _float(v: Any) -> float | None:
    return None if v in (None, "") else float(v)


# ---------------------------------------------------------------------------------- BigQuery export

def events_tables(con, start: dt.date, end: dt.date, *, database: Any = None, intraday: bool = False) -> list[str]:
    """Names of the ``events_YYYYMMDD`` (and optionally ``events_intraday_YYYYMMDD``) tables in range."""
    names = []
    for name in _table_names(con, database):
        for prefix in ("events_",) + (("events_intraday_",) if intraday else ()):
            suffix = name[len(prefix):]
            if name.startswith(prefix) and len(suffix) == 8 and suffix.isdigit():
                day = dt.date(int(suffix[:4]), int(suffix[4:6]), int(suffix[6:]))
                if start <= day <= end:
                    names.append(name)
    return sorted(names)


def _table_names(con, database: Any = None) -> list[str]:
    try:
        return list(con.list_tables(database=database) if database is not None else con.list_tables())
    except AttributeError:  # ibis 12 list_tables on duckdb 2.0 calls a method duckdb removed
        cur = con.raw_sql("SELECT table_name FROM information_schema.tables")
        return [str(r[0]) for r in cur.fetchall()]


def traffic_expr(events):
    """Ibis expression: daily traffic rows from a GA4 BigQuery export table (or a union of them)."""
    import ibis

    def param(key: str, kind: str):
        return events.event_params.filter(lambda p: p.key == key).map(lambda p: p.value[kind])[0]

    cols = events.columns
    last_click = "session_traffic_source_last_click" in cols
    collected = "collected_traffic_source" in cols

    def pick(lc_field: str, ct_field: str):
        lc = events.session_traffic_source_last_click.manual_campaign[lc_field] if last_click else ibis.null(str)
        ct = events.collected_traffic_source[ct_field] if collected else ibis.null(str)
        return lc, ct

    ev = events.mutate(
        session_id=param("ga_session_id", "int_value"),
        engaged=param("session_engaged", "string_value"),
        **{f"lc_{n}": pick(lc, ct)[0] for n, lc, ct in (("source", "source", "manual_source"),
                                                          ("medium", "medium", "manual_medium"),
                                                          ("campaign", "campaign_name", "manual_campaign_name"),
                                                          ("content", "content", "manual_content"))},
        **{f"ct_{n}": pick(lc, ct)[1] for n, lc, ct in (("source", "source", "manual_source"),
                                                          ("medium", "medium", "manual_medium"),
                                                          ("campaign", "campaign_name", "manual_campaign_name"),
                                                          ("content", "content", "manual_content"))},
    ).filter(lambda t: t.session_id.notnull())
    has_ct = ev.ct_source.notnull()
    sessions = ev.group_by(["user_pseudo_id", "session_id"]).aggregate(
        day=ev.event_date.min(),
        start_us=ev.event_timestamp.min(),
        end_us=ev.event_timestamp.max(),
        engaged=(ev.engaged == "1").ifelse(1, 0).max(),
        pageviews=(ev.event_name == "page_view").ifelse(1, 0).sum(),
        new_user=(ev.event_name == "first_visit").ifelse(1, 0).max(),
        **{f"s_{n}": ibis.coalesce(ev[f"lc_{n}"].max(), ev[f"ct_{n}"].argmin(ev.event_timestamp, where=has_ct))
           for n in ("source", "medium", "campaign", "content")},
    )
    direct = sessions.s_source.isnull()
    sessions = sessions.mutate(
        source=direct.ifelse("(direct)", sessions.s_source),
        medium=direct.ifelse("(none)", sessions.s_medium.fill_null("")),
        campaign=sessions.s_campaign.fill_null(""),
        content=sessions.s_content.fill_null(""),
        duration_s=(sessions.end_us - sessions.start_us) / 1_000_000,
    )
    return sessions.group_by(["day", "source", "medium", "campaign", "content"]).aggregate(
        sessions=sessions.count(), new_users=sessions.new_user.sum(), engaged_sessions=sessions.engaged.sum(),
        pageviews=sessions.pageviews.sum(), session_duration_s=sessions.duration_s.sum(),
    ).order_by(["day", "source", "medium", "campaign", "content"])


def bigquery_batch(con, start: dt.date, end: dt.date, *, database: Any = None, intraday: bool = False) -> Batch:
    """Read the export's tables in [START, END] through CON (an Ibis backend) into a traffic batch."""
    names = events_tables(con, start, end, database=database, intraday=intraday)
    batch = Batch("ga4_bigquery")
    if not names:
        batch.note("no_tables", start=start.isoformat(), end=end.isoformat())
        return batch
    if getattr(con, "name", "") == "duckdb":
        # ibis 12 writes array lambdas with "->", which duckdb 2.0 only accepts behind this setting
        con.raw_sql("SET lambda_syntax='ENABLE_SINGLE_ARROW'")
    tables = [con.table(n, database=database) if database is not None else con.table(n) for n in names]
    events = tables[0]
    for other in tables[1:]:
        events = events.union(other)
    records = con.to_pyarrow(traffic_expr(events)).to_pylist()
    traffic = TrafficRows()
    for r in records:
        d = str(r["day"])
        traffic.add(dt.date(int(d[:4]), int(d[4:6]), int(d[6:8])), r["source"], r["medium"], r["campaign"],
                    r["content"], {"sessions": int(r["sessions"]), "new_users": int(r["new_users"]),
                                   "engaged_sessions": int(r["engaged_sessions"]), "pageviews": int(r["pageviews"]),
                                   "session_duration_s": float(r["session_duration_s"])})
    batch.traffic.extend(traffic.out())
    return batch


def import_bigquery_export(engine, con, start: dt.date, end: dt.date, *, workspace: str = "default",
                           database: Any = None, intraday: bool = False):
    """Write the daily traffic of a GA4 BigQuery export (read through the Ibis backend CON)."""
    from influscope.ingest.canonical import ImportReport
    from influscope.ingest.connectors.store import write_batch

    batch = bigquery_batch(con, start, end, database=database, intraday=intraday)
    with engine.begin() as conn:
        return write_batch(conn, workspace, batch, ImportReport(workspace, None))


# ---------------------------------------------------------------------------------- report CSV export

CSV_COLUMNS = {
    "date": ("date", "fecha", "日期", "التاريخ"),
    "source": ("session source", "sessionsource", "origen de la sesión", "工作階段來源", "会话来源", "مصدر الجلسة"),
    "medium": ("session medium", "sessionmedium", "medio de la sesión", "工作階段媒介", "会话媒介", "وسيط الجلسة"),
    "source_medium": ("session source / medium", "sessionsourcemedium", "origen / medio de la sesión",
                      "工作階段來源/媒介", "工作階段來源 / 媒介", "会话来源/媒介", "会话来源 / 媒介", "مصدر / وسيط الجلسة"),
    "campaign": ("session campaign", "sessioncampaignname", "campaña de la sesión", "工作階段廣告活動", "会话广告系列",
                 "حملة الجلسة"),
    "content": ("session manual ad content", "sessionmanualadcontent", "contenido del anuncio manual de la sesión",
                "工作階段手動廣告內容", "会话手动广告内容", "محتوى الإعلان اليدوي للجلسة"),
    "sessions": ("sessions", "sesiones", "工作階段", "会话次数", "会话数", "الجلسات"),
    "new_users": ("new users", "newusers", "usuarios nuevos", "新使用者", "新用户", "المستخدمون الجدد"),
    "returning_users": ("returning users", "returningusers", "usuarios recurrentes", "回訪使用者", "回访用户",
                        "المستخدمون العائدون"),
    "engaged_sessions": ("engaged sessions", "engagedsessions", "sesiones con interacción", "參與工作階段",
                         "互动会话数", "الجلسات المتفاعلة"),
    "pageviews": ("views", "screenpageviews", "vistas", "瀏覽", "浏览次数", "المشاهدات"),
    "avg_duration": ("average session duration", "averagesessionduration", "duración media de la sesión",
                     "平均工作階段持續時間", "平均会话时长", "متوسط مدة الجلسة"),
}
_CSV_LOOKUP = {norm_header(a): k for k, aliases in CSV_COLUMNS.items() for a in aliases}


def parse_report_csv(path: Path) -> Batch:
    """A GA4 report exported as CSV: ``#`` comment lines, then sections; the section whose header has
    Sessions is read. Rows must carry a date (add the Date dimension to the report)."""
    text = decode(path.read_bytes())
    lines = text.splitlines()
    sections, current = [], None
    for no, line in enumerate(lines, 1):
        if line.startswith("#") or not line.strip():
            current = None
            continue
        if current is None:
            current = (no, [])
            sections.append(current)
        current[1].append((no, line))
    chosen = None
    for start, body in sections:
        header = next(csv.reader([body[0][1]]))
        fields = [_CSV_LOOKUP.get(norm_header(h)) for h in header]
        if "sessions" in fields:
            chosen = (header, fields, body)
            break
    if chosen is None:
        raise ExportProblem(1, "-", "no table with a Sessions column in this GA4 export")
    header, fields, body = chosen
    if "date" not in fields:
        raise ExportProblem(body[0][0], "-", "the report has no Date column: add the Date dimension and export again")
    batch = Batch("ga4_csv")
    traffic = TrafficRows()
    numbers = [no for no, _ in body[1:]]
    for no, cells in zip(numbers, csv.reader(line for _, line in body[1:])):
        rec = {f: c.strip() for f, c in zip(fields, cells) if f}
        try:
            day = parse_date(rec["date"])
            if day is None:
                raise ValueError(f"not a date: {rec['date']!r}")
        except ValueError as exc:
            from influscope.ingest.canonical import Problem
            batch.problems.append(Problem(path.name, no, header[fields.index("date")], str(exc)))
            continue
        source, medium = rec.get("source", ""), rec.get("medium", "")
        if "source_medium" in rec:
            source, _, medium = (p.strip() for p in rec["source_medium"].partition(" / "))
        values: dict[str, Any] = {}
        for f in ("sessions", "new_users", "returning_users", "engaged_sessions", "pageviews", "avg_duration"):
            if f in rec:
                try:
                    values[f] = parse_number(rec[f])
                except ValueError as exc:
                    from influscope.ingest.canonical import Problem
                    batch.problems.append(Problem(path.name, no, header[fields.index(f)], str(exc)))
        for f in ("sessions", "new_users", "returning_users", "engaged_sessions", "pageviews"):
            if values.get(f) is not None:
                values[f] = int(round(values[f]))
        avg = values.pop("avg_duration", None)
        values["session_duration_s"] = avg * values["sessions"] if avg is not None and values.get("sessions") is not None else None
        traffic.add(day, source, medium, rec.get("campaign", ""), rec.get("content", ""), values)
    batch.traffic.extend(traffic.out())
    return batch


# ------------------------------------------------------------------------ referral sessions by creator

def creator_for_content(conn, workspace_id: int):
    """A function mapping a traffic row's ``content`` (utm_content) to a creator id, or None.

    utm_content is matched, case-insensitively, to (1) a creator's account handle, (2) a tracking
    link's slug (its creator), (3) a handle followed by ``-`` or ``_`` and a suffix (the
    ``<handle>-<post or format>`` convention), longest handle first.
    """
    import sqlalchemy as sa

    from influscope.db import tables as t

    handles = {h.lower(): c for h, c in conn.execute(sa.select(t.creator_accounts.c.handle, t.creator_accounts.c.creator_id)
                                                    .where(t.creator_accounts.c.workspace_id == workspace_id))}
    slugs = {s.lower(): c for s, c in conn.execute(sa.select(sa.func.coalesce(t.links.c.key, t.links.c.slug),
                                                             t.links.c.creator_id).where(
        t.links.c.workspace_id == workspace_id, t.links.c.creator_id.isnot(None)))}
    by_length = sorted(handles, key=len, reverse=True)

    def lookup(content: str | None) -> int | None:
        if not content:
            return None
        low = content.strip().lstrip("@").lower()
        if low in handles:
            return handles[low]
        if low in slugs:
            return slugs[low]
        for h in by_length:
            if low.startswith(h) and len(low) > len(h) and low[len(h)] in "-_":
                return handles[h]
        return None

    return lookup


def referral_sessions(engine, start: dt.date, end: dt.date, *, workspace: str = "default") -> dict[str, int]:
    """Sessions per creator (creator_id key) between START and END whose utm_content maps to them."""
    import sqlalchemy as sa

    from influscope.db import slugs
    from influscope.db import tables as t

    with engine.connect() as conn:
        ws = slugs.workspace_id(conn, workspace)
        if ws is None:
            return {}
        lookup = creator_for_content(conn, ws)
        keys = dict(conn.execute(sa.select(t.creators.c.id, t.creators.c.key).where(t.creators.c.workspace_id == ws)).all())
        out: dict[str, int] = {}
        q = (sa.select(t.traffic.c.content, sa.func.sum(t.traffic.c.sessions))
             .where(t.traffic.c.workspace_id == ws, t.traffic.c.date >= start, t.traffic.c.date <= end,
                    t.traffic.c.content != "")
             .group_by(t.traffic.c.content))
        from influscope.events import records as event_records

        found = event_records.sessions_by_content(ws, start, end) if event_records.enabled() else conn.execute(q)
        for content, sessions in found:
            cid = lookup(content)
            if cid is not None and sessions is not None:
                out[keys[cid]] = out.get(keys[cid], 0) + int(sessions)
        return out
