"""``GET /l/{slug}``: the tracking redirect, a plain ASGI callable outside the web framework.

``{slug}`` is the link's public path (the ``slug`` column): a generated token, or
``<workspace>/<slug>`` for a slug the user chose (see :mod:`~influscope.tracking.links`).

For each GET of a known slug it

1. classifies the visitor (:mod:`~influscope.tracking.bots`: bot or human, device, OS, browser,
   in-app browser), looks up the country of the address (:mod:`~influscope.tracking.geo`) and
   computes the visitor hash (keyed BLAKE2b of address, user agent and workspace with the salt of
   the UTC day; the address itself is never stored);
2. records the click through the durable sink (:mod:`~influscope.tracking.sink`) and waits until it
   is committed;
3. answers ``302`` to the destination with the UTM tags and ``isc=<click id>``.

Unknown slugs get ``404`` and write nothing. ``HEAD`` (link checkers, previews) gets the ``302`` and
``OPTIONS`` a ``204``; both are recorded as bot hits (``method:head``, ``method:options``), like
every other bot: kept and flagged, excluded from clicks by default. Other methods get ``405``. If
the click cannot be stored the visitor gets ``503`` rather than a redirect whose click would be
lost.

Beyond the agent string, the redirect flags a burst of hits from one visitor hash on one link
(:class:`~influscope.tracking.bots_burst.BurstDetector`, per server process) as ``signal:burst``.

Links are cached per process for ``INFLUSCOPE_LINK_CACHE_SECONDS`` (default 30 s): a changed
destination is served everywhere within that time; a new link is found at once.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa

from influscope.db import tables as t
from influscope.db.tracking import tracking_salts
from influscope.tracking import bots, geo, utm
from influscope.tracking.bots_burst import BurstDetector
from influscope.tracking.sink import Click, ClickSink, default_sink

log = logging.getLogger("influscope.tracking")

PREFIX = "/l/"
# a generated token (or a slug from before namespaces), or <workspace>/<chosen slug>
SLUG_RE = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}/)?[A-Za-z0-9_-]{1,64}$")
CACHE_ENV = "INFLUSCOPE_LINK_CACHE_SECONDS"
MAX_REFERRER = 2048
AGENT_CACHE_SIZE = 16384  # distinct (user agent, request hints) verdicts kept per process

_PREFETCH_HEADERS = frozenset(h.encode() for h in bots.PREFETCH_HEADERS)
_PREFETCH_VALUES = tuple(v.encode() for v in bots.PREFETCH_VALUES)
_ALLOW = (b"allow", b"GET, HEAD, OPTIONS")


def new_click_id(now: float | None = None) -> str:
    """The click id (the ``isc`` parameter): 24 hex characters, milliseconds since 1970 (NOW, default
    the current time) then 48 random bits.

    Time first keeps the store's unique index on click ids append-mostly, so a batch of clicks
    touches a few index pages instead of one page per click.
    """
    return f"{int((time.time() if now is None else now) * 1000):012x}{_random_hex12()}"


class _RandomPool(threading.local):
    """Random bytes from the operating system, drawn 1,536 at a time (one system call per 256 click ids)."""

    hex = ""
    pos = 0


_pool = _RandomPool()


def _random_hex12() -> str:
    """48 random bits as 12 hex characters."""
    pool = _pool
    pos = pool.pos
    if pos >= len(pool.hex):
        pool.hex, pos = os.urandom(1536).hex(), 0
    pool.pos = pos + 12
    return pool.hex[pos:pos + 12]


def _new_pool_after_fork() -> None:  # a forked worker must not hand out the ids its parent had drawn
    global _pool
    _pool = _RandomPool()


os.register_at_fork(after_in_child=_new_pool_after_fork)


_new_click = tuple.__new__  # Click(...) without the keyword handling of a named tuple's constructor


class _Clock:
    """Naive UTC datetimes of POSIX times, the whole second converted once (the slow part)."""

    def __init__(self) -> None:
        self._last: tuple[int, datetime] = (0, datetime(1970, 1, 1))  # one object: safe to share between threads

    def naive_utc(self, seconds: float) -> datetime:
        whole = int(seconds)
        last = self._last
        if whole != last[0]:
            last = self._last = (whole, datetime.fromtimestamp(whole, timezone.utc).replace(tzinfo=None))
        return last[1].replace(microsecond=int((seconds - whole) * 1_000_000))


_clock = _Clock()


@dataclass(frozen=True, slots=True)
class Target:
    link_id: int
    workspace_id: int
    prefix: str  # tagged destination up to and including "isc="
    suffix: str  # "#fragment" or ""
    plain: str  # tagged destination without a click id


def load_target(conn: sa.Connection, slug: str) -> Target | None:
    """The redirect target of SLUG with its UTM tags, or None (also for a destination the link rules refuse)."""
    l, c, cr, ca = t.links, t.campaigns, t.creators, t.creator_accounts
    q = (sa.select(l.c.id, l.c.workspace_id, l.c.destination_url, l.c.platform, l.c.paid,
                   c.c.slug.label("campaign"), cr.c.key.label("creator"), ca.c.handle)
         .join_from(l, c, c.c.id == l.c.campaign_id)
         .outerjoin(cr, cr.c.id == l.c.creator_id)
         .outerjoin(ca, sa.and_(ca.c.creator_id == l.c.creator_id, ca.c.platform == l.c.platform))
         .where(l.c.slug == slug).limit(1))
    row = conn.execute(q).first()
    if row is None:
        return None
    try:  # once per cache fill, not per hit: a destination stored before the rule existed is not served
        utm.check_destination(row.destination_url)
    except utm.InvalidDestination:
        return None
    tags = utm.utm_tags(platform=row.platform, campaign=row.campaign, handle=row.handle or row.creator,
                        paid=bool(row.paid))
    destination = utm.ascii_url(row.destination_url)
    prefix, suffix = utm.split_for_click(destination, tags)
    return Target(row.id, row.workspace_id, prefix, suffix, utm.tag_url(destination, tags))


class LinkCache:
    """slug -> Target, read from the store and kept for TTL seconds."""

    def __init__(self, engine: sa.Engine, ttl: float = 30.0):
        self.engine = engine
        self.ttl = ttl
        self._hits: dict[str, tuple[float, Target | None]] = {}
        self.blocking = engine.dialect.name != "sqlite"  # a network round trip: keep it off the loop

    def cached(self, slug: str) -> tuple[bool, Target | None]:
        hit = self._hits.get(slug)
        if hit is not None and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def load(self, slug: str) -> Target | None:
        with self.engine.connect() as conn:
            target = load_target(conn, slug)
        if len(self._hits) > 100_000:
            self._hits.clear()
        # Known links are kept for TTL; unknown slugs only briefly, so a new link works at once.
        self._hits[slug] = (time.monotonic() + (self.ttl if target else min(self.ttl, 1.0)), target)
        return target

    def invalidate(self, slug: str | None = None) -> None:
        if slug is None:
            self._hits.clear()
        else:
            self._hits.pop(slug, None)


class DailySalt:
    """The salt of the current UTC day, shared by every process through ``tracking_salts``."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._day: date | None = None
        self._salt = b""
        self._hasher: Any = None

    def for_day(self, day: date) -> bytes:
        if day != self._day:
            self._salt = self._load(day)
            self._hasher = hashlib.blake2b(key=self._salt, digest_size=16)
            self._day = day
        return self._salt

    def hasher(self, day: date) -> Any:
        """A keyed BLAKE2b of the salt of DAY, to ``copy()`` and feed (see :func:`visitor_hash`)."""
        if day != self._day:
            self.for_day(day)
        return self._hasher

    def _load(self, day: date) -> bytes:
        ts = tracking_salts
        with self.engine.begin() as conn:
            salt = conn.execute(sa.select(ts.c.salt).where(ts.c.day == day)).scalar()
            if salt is None:
                try:
                    with conn.begin_nested():
                        conn.execute(ts.insert().values(day=day, salt=secrets.token_hex(32)))
                except sa.exc.IntegrityError:  # another process made it first
                    pass
                salt = conn.execute(sa.select(ts.c.salt).where(ts.c.day == day)).scalar_one()
                # Rotation: yesterday's salt is deleted, so older hashes can no longer be recomputed.
                conn.execute(ts.delete().where(ts.c.day < day))
        return bytes.fromhex(salt)


def visitor_hash(salt: bytes, ip: str | None, user_agent: str, workspace_id: int) -> str | None:
    if not ip:
        return None
    data = f"{ip}\x00{user_agent}\x00{workspace_id}".encode("utf-8", "surrogateescape")
    return hashlib.blake2b(data, key=salt, digest_size=16).hexdigest()


class RedirectApp:
    """The ASGI callable. Build it with :func:`create_redirect_app`."""

    def __init__(self, engine: sa.Engine, sink: ClickSink, *, trusted_proxies: geo.TrustedProxies | None = None,
                 cache_ttl: float | None = None, freeze_gc: bool = False):
        self.engine = engine
        # In a server worker, the objects built at start-up (the whole application) never die: moving them
        # out of the collector's reach at the first request keeps full collections, and the latency
        # spikes they cause, small.
        self._freeze_gc = freeze_gc
        self.sink = sink
        self.proxies = trusted_proxies if trusted_proxies is not None else geo.TrustedProxies()
        ttl = cache_ttl if cache_ttl is not None else float(os.environ.get(CACHE_ENV, "30"))
        self.links = LinkCache(engine, ttl)
        self.salt = DailySalt(engine)
        self.bursts = BurstDetector()
        # (User-Agent header as sent, request hints) -> (agent string as stored, the same encoded for the
        # visitor hash, the verdict): a browser's second request costs one look-up
        self._agents: dict[tuple[bytes, str | None], tuple[str, bytes, bots.Agent]] = {}

    def _classify(self, raw: bytes, hints: str | None) -> tuple[str, bytes, bots.Agent]:
        """The stored form of the agent header RAW and the verdict on it with the request's hints, kept
        per distinct pair (bounded)."""
        if len(self._agents) >= AGENT_CACHE_SIZE:
            self._agents.clear()
        user_agent = bots.normalize(raw.decode("latin-1"))
        entry = self._agents[(raw, hints)] = (user_agent, user_agent.encode("utf-8", "surrogateescape"),
                                              bots.classify_stored(user_agent, hints))
        return entry

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            await self.handle(scope, send)
        elif kind == "lifespan":
            await self.lifespan(receive, send)

    async def lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close(self) -> None:
        """Write the clicks still pending and release the sink (at server shutdown)."""
        self.sink.close()

    async def handle(self, scope: dict, send: Any) -> None:
        if self._freeze_gc:
            self._freeze_gc = False
            gc.freeze()
        path: str = scope["path"]
        slug = path[len(PREFIX):] if path.startswith(PREFIX) else ""
        if slug.endswith("/"):
            slug = slug[:-1]
        if not SLUG_RE.match(slug):
            return await _plain(send, 404, b"unknown link")
        method = scope["method"]
        if method != "GET" and method != "HEAD" and method != "OPTIONS":
            return await _plain(send, 405, b"method not allowed", [_ALLOW])

        fresh, target = self.links.cached(slug)
        if not fresh:
            if self.links.blocking:
                target = await asyncio.get_running_loop().run_in_executor(None, self.links.load, slug)
            else:
                target = self.links.load(slug)
        if target is None:
            return await _plain(send, 404, b"unknown link")

        raw_agent = b""
        referrer = forwarded = None
        purposes: dict[bytes, bytes] | None = None  # prefetch headers (rare): the last of each name counts
        no_language = True
        for name, value in scope["headers"]:
            if name == b"user-agent":
                raw_agent = value
            elif name == b"x-forwarded-for":
                forwarded = value.decode("latin-1")
            elif name == b"accept-language":
                no_language = not value.decode("latin-1").strip()
            elif name == b"referer":
                referrer = value[:MAX_REFERRER].decode("latin-1")
            elif name in _PREFETCH_HEADERS:
                if purposes is None:
                    purposes = {}
                purposes[name] = value
        prefetch = purposes is not None and any(v in value.lower() for value in purposes.values()
                                                for v in _PREFETCH_VALUES)
        hints = bots.hints_of(method, prefetch, no_language)
        entry = self._agents.get((raw_agent, hints))
        if entry is None:
            entry = self._classify(raw_agent, hints)
        user_agent, agent_bytes, agent = entry
        client = scope.get("client")
        ip = self.proxies.client_ip(client[0] if client else None, forwarded)
        seconds = time.time()
        now = _clock.naive_utc(seconds)
        key = new_click_id(seconds)
        ws = target.workspace_id
        if ip:  # visitor_hash(), from the keyed hasher of the day and the agent encoded once
            hasher = self.salt.hasher(now.date()).copy()
            hasher.update(b"%s\x00%s\x00%d" % (ip.encode("utf-8", "surrogateescape"), agent_bytes, ws))
            vhash: str | None = hasher.hexdigest()
        else:
            vhash = None
        if self.bursts.hit(target.link_id, vhash, now) and not agent.is_bot:
            agent = agent.flagged("signal:burst")
        click = _new_click(Click, (ws, key, target.link_id, now, agent.is_bot, agent.bot_reason, vhash, geo.country(ip),
                                   agent.device, agent.os, agent.browser, agent.app, referrer or None, user_agent,
                                   hints))
        try:
            await self.sink.record(click)
        except Exception:
            log.exception("click on %s not recorded; answering 503", slug)
            return await _plain(send, 503, b"try again", [(b"retry-after", b"1")])
        if method == "OPTIONS":
            return await _empty(send, 204, [_ALLOW])
        await _redirect(send, target.prefix + key + target.suffix)


_NO_STORE = (b"cache-control", b"no-store, max-age=0")
_NOINDEX = (b"x-robots-tag", b"noindex")


async def _redirect(send: Any, location: str) -> None:
    await send({"type": "http.response.start", "status": 302,
                "headers": [(b"location", location.encode("ascii")), _NO_STORE, _NOINDEX,
                            (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


async def _empty(send: Any, status: int, headers: list) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [_NO_STORE, (b"content-length", b"0")] + headers})
    await send({"type": "http.response.body", "body": b""})


async def _plain(send: Any, status: int, body: bytes, headers: list | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), _NO_STORE,
                            (b"content-length", str(len(body)).encode())] + (headers or [])})
    await send({"type": "http.response.body", "body": body})


def create_redirect_app(database_url: str | None = None, *, sink: ClickSink | None = None,
                        trusted_proxies: str | None = None, cache_ttl: float | None = None,
                        freeze_gc: bool | None = None) -> RedirectApp:
    """The redirect for DATABASE_URL (default: the configured database), migrated and ready.

    FREEZE_GC (default: when no DATABASE_URL is given, i.e. in a server worker) calls ``gc.freeze()``
    at the first request.
    """
    from influscope.db.engine import get_engine

    engine = get_engine(database_url)
    bots.warm_up()
    return RedirectApp(engine, sink if sink is not None else default_sink(engine),
                       trusted_proxies=geo.TrustedProxies(trusted_proxies) if trusted_proxies is not None else None,
                       cache_ttl=cache_ttl, freeze_gc=database_url is None if freeze_gc is None else freeze_gc)

