"""Looking workspaces and campaigns up by slug, the one way every module does it."""

import datetime as dt

from influscope.db import slugs
from influscope.db import tables as t


def test_workspace_and_campaign_by_slug(any_engine):
    from influscope.db.engine import upgrade

    upgrade(any_engine)
    with any_engine.begin() as conn:
        assert slugs.workspace_id(conn, "acme") is None
        ws = slugs.create_workspace(conn, "acme", "Acme Ltd")
        assert slugs.workspace_id(conn, "acme") == ws
        assert conn.execute(t.workspaces.select().where(t.workspaces.c.id == ws)).mappings().one()["name"] == "Acme Ltd"
        other = slugs.create_workspace(conn, "other")
        assert slugs.campaign(conn, ws, "spring") is None
        conn.execute(t.campaigns.insert().values(workspace_id=ws, slug="spring", name="Spring", goal="bofu",
                                                 start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 3, 31),
                                                 timezone="UTC", currency="USD", methodology={}))
        assert slugs.campaign(conn, ws, "spring")["name"] == "Spring"
        assert slugs.campaign(conn, other, "spring") is None  # a slug names a campaign within its workspace only
