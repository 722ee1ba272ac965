"""Tracking links: create (one or in bulk), list, look up.

A link belongs to a campaign and usually to a creator and the platform where it is published
(optionally to one post). The redirect sends visitors to the destination with the UTM tags of
:mod:`~influscope.tracking.utm` and a click id.

Slugs reveal nothing about other workspaces. A link's slug (its key) is unique in its workspace
only. Its short URL is ``<base URL>/l/<token>`` for a generated slug, a random token of
:data:`SLUG_LENGTH` characters (about 59 bits: nobody finds one by trying), and
``<base URL>/l/<workspace>/<slug>`` for a slug the user chose, so two workspaces may choose the same
words and a refused slug only ever means "taken in this workspace". Links made before this keep
their short URL (the ``slug`` column holds the public path, the ``key`` column the slug).

Bulk creation (a list, or a CSV file) is all or nothing: every row is checked first and every
problem is reported with its file, line and field; nothing is written unless all rows are valid.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable

import sqlalchemy as sa

from influscope.config import get_settings
from influscope.db import slugs
from influscope.db import tables as t
from influscope.ingest import rules
from influscope.tracking import utm
from influscope.tracking.destinations import allowed_hosts

SLUG_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: easy to read aloud and type
SLUG_LENGTH = 12  # 31**12 is about 2**59.5: unguessable, and still short to type
SLUG_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# A link's slug as the workspace knows it (rows inserted around the writers have only the path).
_KEY = sa.func.coalesce(t.links.c.key, t.links.c.slug)
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0", ""}

# CSV header aliases: the bundle's links.csv names and the short ones of the CLI options.
CSV_COLUMNS = {
    "campaign": ("campaign", "campaign_id"),
    "creator": ("creator", "creator_id"),
    "platform": ("platform",),
    "destination": ("destination", "destination_url"),
    "post": ("post", "post_id"),
    "paid": ("paid",),
    "slug": ("slug", "link_id"),
}


@dataclass(frozen=True)
class LinkSpec:
    """What a user asks for; validated by :func:`create_links`."""

    campaign: str
    destination: str
    platform: str
    creator: str | None = None
    post: str | None = None
    paid: bool = False
    slug: str | None = None
    line: int | None = None  # where it came from (CSV line), for error messages


@dataclass(frozen=True)
class Link:
    slug: str
    campaign: str
    creator: str | None
    platform: str | None
    destination_url: str
    post: str | None
    paid: bool
    created_at: dt.datetime
    short_url: str
    tagged_url: str  # the destination as visitors reach it, without the per-click id
    clicks: int | None = None  # human clicks (bots excluded), when counted
    bot_clicks: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat() + "Z" if self.created_at else None
        return d


@dataclass
class LinkProblem:
    source: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.field}: {self.message}" if where else f"{self.field}: {self.message}"


class LinkError(ValueError):
    """Links were rejected; nothing was written. ``problems`` locates each one."""

    def __init__(self, problems: list[LinkProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def short_url(path: str, base_url: str | None = None) -> str:
    """The short URL of a link whose public path (the ``slug`` column) is PATH."""
    base = (base_url or get_settings().public_base_url).rstrip("/")
    return f"{base}/l/{path}"


def chosen_path(workspace_slug: str, slug: str) -> str:
    """The public path of a slug a user chose: ``<workspace>/<slug>`` (ValueError if the workspace id
    cannot be part of a URL path)."""
    return f"{rules.check_link_namespace(workspace_slug)}/{slug}"


def new_slug(length: int = SLUG_LENGTH) -> str:
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(length))


def workspace_id(conn: sa.Connection, workspace: str | None = None, *, create: bool = False) -> int:
    return _workspace(conn, workspace, create=create)[0]


def _workspace(conn: sa.Connection, workspace: str | None = None, *, create: bool = False) -> tuple[int, str]:
    slug = workspace or get_settings().workspace
    found = slugs.workspace_id(conn, slug)
    if found is None:
        if not create:
            raise LinkError([LinkProblem("", None, "workspace", f"unknown workspace {slug!r}")])
        found = slugs.create_workspace(conn, slug)
    return found, slug


def create_link(engine: sa.Engine, *, campaign: str, destination: str, platform: str, creator: str | None = None,
                post: str | None = None, paid: bool = False, slug: str | None = None,
                workspace: str | None = None, base_url: str | None = None) -> Link:
    """Create one link and return it (raises :class:`LinkError` naming the bad field)."""
    spec = LinkSpec(campaign=campaign, destination=destination, platform=platform, creator=creator, post=post,
                    paid=paid, slug=slug)
    return create_links(engine, [spec], workspace=workspace, source="link", base_url=base_url)[0]


def create_links(engine: sa.Engine, specs: Iterable[LinkSpec], *, workspace: str | None = None,
                 source: str = "links", base_url: str | None = None,
                 on_created: Callable[[sa.Connection, list[Link]], None] | None = None) -> list[Link]:
    """Create every link of SPECS in one transaction, or none (raising :class:`LinkError`).

    ON_CREATED is called inside that transaction with the new links (an audit log, say).
    """
    specs = list(specs)
    problems: list[LinkProblem] = []
    with engine.begin() as conn:
        ws, ws_slug = _workspace(conn, workspace)
        campaigns = dict(conn.execute(sa.select(t.campaigns.c.slug, t.campaigns.c.id)
                                      .where(t.campaigns.c.workspace_id == ws)).all())
        creators = dict(conn.execute(sa.select(t.creators.c.key, t.creators.c.id)
                                     .where(t.creators.c.workspace_id == ws)).all())
        posts = {k: (i, c, cr) for k, i, c, cr in conn.execute(
            sa.select(t.posts.c.key, t.posts.c.id, t.posts.c.campaign_id, t.posts.c.creator_id)
            .where(t.posts.c.workspace_id == ws))}
        hosts = allowed_hosts(conn, ws)
        wanted = [s.slug for s in specs if s.slug]
        # Chosen slugs are compared with this workspace's links only: whatever other workspaces hold
        # is never looked at, so no answer here can depend on it.
        taken = set(conn.execute(sa.select(_KEY).where(t.links.c.workspace_id == ws, _KEY.in_(wanted))).scalars()) \
            if wanted else set()
        seen: set[str] = set()
        rows: list[dict[str, Any]] = []
        now = _now()
        paths: dict[str, str] = {}
        for i, spec in enumerate(specs):
            line = spec.line if spec.line is not None else (i + 1 if len(specs) > 1 else None)

            def bad(field_name: str, message: str) -> None:
                problems.append(LinkProblem(source, line, field_name, message))

            n_before = len(problems)
            campaign_id = campaigns.get(spec.campaign)
            if campaign_id is None:
                bad("campaign", f"unknown campaign {spec.campaign!r} in this workspace")
            platform = (spec.platform or "").strip().lower()
            if platform not in t.PLATFORMS:
                bad("platform", f"{spec.platform!r} is not one of {', '.join(t.PLATFORMS)}")
            creator_id = None
            if spec.creator:
                creator_id = creators.get(spec.creator)
                if creator_id is None:
                    bad("creator", f"unknown creator {spec.creator!r} in this workspace (import creators.csv first)")
            try:
                destination = utm.check_destination(spec.destination, allowed_hosts=hosts)
            except utm.InvalidDestination as exc:
                bad("destination", str(exc))
                destination = ""
            post_id = None
            if spec.post:
                found = posts.get(spec.post)
                if found is None:
                    bad("post", f"unknown post {spec.post!r}")
                else:
                    post_id = found[0]
                    if campaign_id is not None and found[1] != campaign_id:
                        bad("post", f"post {spec.post!r} belongs to another campaign")
                    elif creator_id is not None and found[2] != creator_id:
                        bad("post", f"post {spec.post!r} belongs to another creator")
            slug = spec.slug
            if slug:
                if not SLUG_RE.match(slug):
                    bad("slug", f"{slug!r} must be 1-64 letters, digits, '-' or '_'")
                elif slug in taken or slug in seen:
                    bad("slug", f"slug {slug!r} is already used by a link of this workspace: choose another")
                else:
                    try:
                        paths[slug] = chosen_path(ws_slug, slug)
                    except ValueError as exc:
                        bad("slug", str(exc))
            if len(problems) > n_before:
                continue
            if not slug:
                slug = _free_slug(conn, ws, taken | seen)
                paths[slug] = slug
            seen.add(slug)
            rows.append({"workspace_id": ws, "campaign_id": campaign_id, "key": slug, "slug": paths[slug],
                         "creator_id": creator_id,
                         "platform": platform, "destination_url": destination, "post_id": post_id,
                         "paid": bool(spec.paid), "created_at": now})
        if problems:
            raise LinkError(problems)
        if rows:
            try:
                with conn.begin_nested():
                    conn.execute(t.links.insert(), rows)
            except sa.exc.IntegrityError:  # a link made at the same moment took a slug of this workspace
                raise LinkError([LinkProblem(source, None, "slug", "a slug was taken by a link made at the same "
                                             "time in this workspace; nothing was written: try again")]) from None
            _join_campaigns(conn, {(r["campaign_id"], r["creator_id"]) for r in rows if r["creator_id"]})
        slugs = [r["key"] for r in rows]
        found_links = {link.slug: link for link in _select(conn, ws, slugs=slugs, base_url=base_url)}
        made = [found_links[s] for s in slugs]
        if on_created is not None:
            on_created(conn, made)
    return made


def list_links(engine: sa.Engine, *, workspace: str | None = None, campaign: str | None = None,
               creator: str | None = None, counts: bool = True, base_url: str | None = None) -> list[Link]:
    with engine.connect() as conn:
        ws = workspace_id(conn, workspace)
        return _select(conn, ws, campaign=campaign, creator=creator, counts=counts, base_url=base_url)


def get_link(engine: sa.Engine, slug: str, *, workspace: str | None = None, base_url: str | None = None) -> Link | None:
    with engine.connect() as conn:
        ws = workspace_id(conn, workspace)
        found = _select(conn, ws, slugs=[slug], counts=True, base_url=base_url)
    return found[0] if found else None


def read_links_csv(path: str | Path, *, campaign: str | None = None) -> list[LinkSpec]:
    """Parse a CSV of links (header names: :data:`CSV_COLUMNS`); CAMPAIGN fills a missing column."""
    path = Path(path)
    problems: list[LinkProblem] = []
    specs: list[LinkSpec] = []
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LinkError([LinkProblem(name, None, "file", f"cannot read: {exc}")]) from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    columns: dict[str, str] = {}
    for key, aliases in CSV_COLUMNS.items():
        for alias in aliases:
            if alias in header:
                columns[key] = reader.fieldnames[header.index(alias)]
                break
    required = ["destination", "platform"] + ([] if campaign else ["campaign"])
    missing = [k for k in required if k not in columns]
    if missing:
        raise LinkError([LinkProblem(name, 1, k, f"missing column (accepted names: {', '.join(CSV_COLUMNS[k])})")
                         for k in missing])
    for n, row in enumerate(reader, start=2):
        def cell(key: str) -> str:
            col = columns.get(key)
            return (row.get(col) or "").strip() if col else ""

        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        paid_raw = cell("paid").lower()
        if paid_raw not in _TRUE | _FALSE:
            problems.append(LinkProblem(name, n, "paid", f"{cell('paid')!r} is not true/false"))
            continue
        specs.append(LinkSpec(campaign=cell("campaign") or campaign or "", destination=cell("destination"),
                              platform=cell("platform"), creator=cell("creator") or None, post=cell("post") or None,
                              paid=paid_raw in _TRUE, slug=cell("slug") or None, line=n))
    if problems:
        raise LinkError(problems)
    return specs


def import_links_csv(engine: sa.Engine, path: str | Path, *, campaign: str | None = None,
                     workspace: str | None = None, base_url: str | None = None) -> list[Link]:
    """Create every link of the CSV at PATH, or none."""
    specs = read_links_csv(path, campaign=campaign)
    return create_links(engine, specs, workspace=workspace, source=Path(path).name, base_url=base_url)


# ------------------------------------------------------------------------------------ helpers

def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _free_slug(conn: sa.Connection, ws: int, reserved: set[str]) -> str:
    """A new random token, free as a public path and as a slug of workspace WS.

    A clash (about one in 2**59 per existing link) just draws again, so it tells nothing.
    """
    for _ in range(20):
        slug = new_slug()
        if slug in reserved:
            continue
        clash = conn.execute(sa.select(t.links.c.id).where(
            sa.or_(t.links.c.slug == slug, sa.and_(t.links.c.workspace_id == ws, t.links.c.key == slug)))).first()
        if clash is None:
            return slug
    raise RuntimeError("could not find a free slug after 20 tries")


def _join_campaigns(conn: sa.Connection, pairs: set[tuple[int, int]]) -> None:
    """Make each creator a member of the campaign they got a link for."""
    cc = t.campaign_creators
    for campaign_id, creator_id in sorted(pairs):
        exists = conn.execute(sa.select(cc.c.campaign_id).where(
            cc.c.campaign_id == campaign_id, cc.c.creator_id == creator_id)).first()
        if exists is None:
            conn.execute(cc.insert().values(campaign_id=campaign_id, creator_id=creator_id))


def _select(conn: sa.Connection, ws: int, *, slugs: list[str] | None = None, campaign: str | None = None,
            creator: str | None = None, counts: bool = False, base_url: str | None = None) -> list[Link]:
    l, c, cr, ca, p = t.links, t.campaigns, t.creators, t.creator_accounts, t.posts
    cols = [_KEY.label("key"), l.c.slug.label("path"), c.c.slug.label("campaign"), cr.c.key.label("creator"), l.c.platform, l.c.destination_url,
            p.c.key.label("post"), l.c.paid, l.c.created_at, ca.c.handle]
    q = (sa.select(*cols)
         .join_from(l, c, c.c.id == l.c.campaign_id)
         .outerjoin(cr, cr.c.id == l.c.creator_id)
         .outerjoin(ca, sa.and_(ca.c.creator_id == l.c.creator_id, ca.c.platform == l.c.platform))
         .outerjoin(p, p.c.id == l.c.post_id)
         .where(l.c.workspace_id == ws))
    if slugs is not None:
        q = q.where(_KEY.in_(slugs))
    if campaign:
        q = q.where(c.c.slug == campaign)
    if creator:
        q = q.where(cr.c.key == creator)
    q = q.order_by(c.c.slug, l.c.created_at, _KEY)
    out = []
    for r in conn.execute(q).mappings():
        tags = utm.utm_tags(platform=r["platform"], campaign=r["campaign"], handle=r["handle"] or r["creator"],
                            paid=bool(r["paid"]))
        out.append(Link(slug=r["key"], campaign=r["campaign"], creator=r["creator"], platform=r["platform"],
                        destination_url=r["destination_url"], post=r["post"], paid=bool(r["paid"]),
                        created_at=r["created_at"], short_url=short_url(r["path"], base_url),
                        tagged_url=utm.tag_url(r["destination_url"], tags)))
    return with_click_counts(conn, ws, out) if counts else out


def with_click_counts(conn: sa.Connection, ws: int, links: list[Link]) -> list[Link]:
    """LINKS with their human and bot clicks, counted in one query grouped by link and bot flag (in
    the event store when one is configured)."""
    from influscope.events.clicks import counts_by_link

    if not links:
        return links
    ids = dict(conn.execute(sa.select(t.links.c.id, _KEY).where(
        t.links.c.workspace_id == ws, _KEY.in_([link.slug for link in links]))).all())
    by_id = counts_by_link(ws, list(ids))
    if by_id is None:
        # by the workspace's link ids only, so that the clicks' (link_id, ...) index answers each count
        q = (sa.select(t.clicks.c.link_id, t.clicks.c.is_bot, sa.func.count())
             .where(t.clicks.c.link_id.in_(list(ids)))
             .group_by(t.clicks.c.link_id, t.clicks.c.is_bot))
        by_id = {(link_id, bool(bot)): n for link_id, bot, n in conn.execute(q)}
    counts = {(ids[link_id], bot): n for (link_id, bot), n in by_id.items()}
    return [replace(link, clicks=counts.get((link.slug, False), 0), bot_clicks=counts.get((link.slug, True), 0))
            for link in links]


__all__ = ["Link", "LinkSpec", "LinkError", "LinkProblem", "create_link", "create_links", "list_links",
           "get_link", "read_links_csv", "import_links_csv", "short_url", "chosen_path", "new_slug"]
