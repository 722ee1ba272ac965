"""A web app on a fresh SQLite store with two workspaces, one user per role, API keys and one
object of every type in each workspace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from influscope import config
from influscope.auth import keys, sessions, shares
from influscope.auth.deps import SESSION_COOKIE
from influscope.auth.users import create_user
from influscope.db import tables as t
from influscope.db.engine import get_engine

PASSWORD = "correct horse battery"
ROLES = ("viewer", "viewer_costs", "analyst", "admin", "owner")


@dataclass
class Caller:
    name: str
    role: str | None  # None: anonymous
    kind: str  # anonymous | session | api_key
    scopes: frozenset
    can_see_costs: bool
    user_id: int | None = None
    workspace_id: int | None = None
    key: str | None = None


@dataclass
class Env:
    engine: sa.Engine
    app: object
    ws: dict[str, int]
    users: dict[str, int]
    callers: dict[str, Caller]
    objects: dict[str, dict[str, int]] = field(default_factory=dict)  # workspace -> {param name: id}

    def client(self, caller: str | Caller = "anonymous", **kw) -> TestClient:
        """A client for CALLER: a fresh login session (with its CSRF token as a header) or an API key."""
        c = self.callers[caller] if isinstance(caller, str) else caller
        client = TestClient(self.app, base_url="https://testserver", raise_server_exceptions=False, **kw)
        if c.kind == "session":
            new = sessions.open_session(self.engine, c.user_id, c.workspace_id)
            client.cookies.set(SESSION_COOKIE, new.token)
            client.headers["X-CSRF-Token"] = new.csrf_token
        elif c.kind == "api_key":
            client.headers["Authorization"] = f"Bearer {c.key}"
        return client


def _objects(conn: sa.Connection, ws: int, tag: str) -> dict[str, int]:
    camp = conn.execute(t.campaigns.insert().values(
        workspace_id=ws, slug=f"{tag}-launch", name=f"{tag} launch", goal="bofu", start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 3, 31), timezone="Asia/Taipei", currency="TWD", budget=500000, targets={},
        brand_accounts=[], brand_terms=[], competitor_terms=[], methodology={}).returning(t.campaigns.c.id)).scalar_one()
    creator = conn.execute(t.creators.insert().values(workspace_id=ws, key=f"{tag}-mei", name="Mei")
                           .returning(t.creators.c.id)).scalar_one()
    conn.execute(t.creator_accounts.insert().values(workspace_id=ws, creator_id=creator, platform="instagram",
                                                    handle=f"{tag}_mei", followers=48200))
    conn.execute(t.campaign_creators.insert().values(campaign_id=camp, creator_id=creator))
    post = conn.execute(t.posts.insert().values(
        workspace_id=ws, campaign_id=camp, creator_id=creator, key=f"{tag}-p1", platform="instagram",
        content_type="reel", posted_at=dt.datetime(2026, 3, 2, 4)).returning(t.posts.c.id)).scalar_one()
    conn.execute(t.post_metrics.insert().values(post_id=post, as_of=dt.datetime(2026, 3, 5), impressions=1000,
                                                reach=800, likes=50, comments=4, shares=2, saves=3))
    code = conn.execute(t.codes.insert().values(workspace_id=ws, campaign_id=camp, code=f"{tag.upper()}10",
                                                creator_id=creator, kind="affiliate").returning(t.codes.c.id)).scalar_one()
    cost = conn.execute(t.costs.insert().values(
        workspace_id=ws, campaign_id=camp, key=f"{tag}-fee", creator_id=creator, kind="fee", amount=12000,
        currency="TWD", incurred_on=dt.date(2026, 3, 1)).returning(t.costs.c.id)).scalar_one()
    link = conn.execute(t.links.insert().values(
        workspace_id=ws, campaign_id=camp, slug=f"{tag}-link", creator_id=creator, platform="instagram",
        destination_url="https://shop.example/", paid=False).returning(t.links.c.id)).scalar_one()
    from influscope.db.planning import candidate_lists, candidates

    plan = conn.execute(candidate_lists.insert().values(workspace_id=ws, slug=f"{tag}-shortlist", name="Shortlist",
                                                        campaign_id=camp).returning(candidate_lists.c.id)).scalar_one()
    candidate = conn.execute(candidates.insert().values(
        workspace_id=ws, list_id=plan, creator_id=creator, platform="instagram", handle=f"{tag}_mei", metrics={},
        min_deliverables=1, max_deliverables=2, choice="auto").returning(candidates.c.id)).scalar_one()
    return {"campaign_id": camp, "creator_id": creator, "post_id": post, "code_id": code, "cost_id": cost,
            "link_id": link, "candidate_id": candidate}


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """Tests hash many passwords: use the smallest argon2id cost the code accepts (8 MiB, 1 pass)."""
    monkeypatch.setenv("INFLUSCOPE_ARGON2_MEMORY_KIB", "8192")
    monkeypatch.setenv("INFLUSCOPE_ARGON2_TIME_COST", "1")


@pytest.fixture
def env(tmp_path, cheap_argon2) -> Env:
    yield from build_env(f"sqlite:///{tmp_path / 'influscope.db'}")


@pytest.fixture
def pg_env(pg_url, cheap_argon2) -> Env:
    yield from build_env(pg_url)


def build_env(url: str):
    previous = config.get_settings()
    config.configure(database_url=url, workspace="acme")
    engine = get_engine(url)
    users, callers = {}, {"anonymous": Caller("anonymous", None, "anonymous", frozenset(), False)}
    for role in ROLES:
        real = "viewer" if role == "viewer_costs" else role
        users[role] = create_user(engine, f"{role}@acme.example", PASSWORD, workspace="acme", role=real,
                                  can_see_costs=role == "viewer_costs")
    users["other_owner"] = create_user(engine, "owner@other.example", PASSWORD, workspace="other", role="owner")
    with engine.connect() as conn:
        ws = dict(conn.execute(sa.select(t.workspaces.c.slug, t.workspaces.c.id)).all())
    for role in ROLES:
        real = "viewer" if role == "viewer_costs" else role
        callers[role] = Caller(role, real, "session", frozenset({"read"} if real == "viewer" else {"read", "write"}),
                               real != "viewer" or role == "viewer_costs", users[role], ws["acme"])
    callers["other_owner"] = Caller("other_owner", "owner", "session", frozenset({"read", "write"}), True,
                                    users["other_owner"], ws["other"])
    for name, scopes, costs, w in (("key_read", "read", False, "acme"), ("key_write", "read write", False, "acme"),
                                   ("key_write_costs", "read write", True, "acme"),
                                   ("other_key", "read write", True, "other")):
        new = keys.create_key(engine, ws[w], scopes=scopes, can_see_costs=costs, name=name)
        callers[name] = Caller(name, "analyst" if "write" in scopes else "viewer", "api_key", new.scopes, costs,
                               None, ws[w], new.key)
    with engine.begin() as conn:
        objects = {"acme": _objects(conn, ws["acme"], "acme"), "other": _objects(conn, ws["other"], "other")}
    for w in ("acme", "other"):
        share = shares.create_share(engine, ws[w], objects[w]["campaign_id"])
        objects[w]["share_id"] = share.id
        objects[w]["share_token"] = share.token
        objects[w]["key_id"] = keys.create_key(engine, ws[w], scopes="read", name="spare").id
        objects[w]["user_id"] = users["analyst"] if w == "acme" else users["other_owner"]
    try:  # a shop of the commerce area, when it is installed
        from influscope.ingest.commerce.stores import add_store

        add_store(engine, "web", "acme-shop", workspace="acme")
        objects["acme"]["store_name"] = "acme-shop"
    except ImportError:
        pass
    from influscope.web.app import create_app

    app = create_app()
    app.state.engine = engine
    yield Env(engine, app, ws, users, callers, objects)
    config.configure(database_url=previous.database_url, workspace=previous.workspace)
    engine.dispose()
