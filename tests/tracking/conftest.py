"""Small hand-made workspaces for the tracking tests."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from influscope.db import tables as t


def seed(engine: sa.Engine, workspace: str = "default") -> dict[str, int]:
    """A workspace with one campaign ('spring'), two creators and their accounts."""
    now = dt.datetime(2026, 3, 1)
    with engine.begin() as conn:
        ws = conn.execute(t.workspaces.insert().values(slug=workspace, name=workspace, methodology={},
                                                       created_at=now)).inserted_primary_key[0]
        camp = conn.execute(t.campaigns.insert().values(
            workspace_id=ws, slug="spring", name="Spring launch", goal="bofu", start_date=dt.date(2026, 3, 1),
            end_date=dt.date(2026, 3, 31), timezone="Asia/Taipei", currency="TWD", targets={},
            brand_accounts=[], brand_terms=[], competitor_terms=[], methodology={}, created_at=now,
        )).inserted_primary_key[0]
        other = conn.execute(t.campaigns.insert().values(
            workspace_id=ws, slug="autumn", name="Autumn", goal="tofu", start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2026, 9, 30), timezone="UTC", currency="TWD", targets={},
            brand_accounts=[], brand_terms=[], competitor_terms=[], methodology={}, created_at=now,
        )).inserted_primary_key[0]
        mei = conn.execute(t.creators.insert().values(workspace_id=ws, key="mei-lin", name="Mei Lin",
                                                      created_at=now)).inserted_primary_key[0]
        sam = conn.execute(t.creators.insert().values(workspace_id=ws, key="sam", name="Sam",
                                                      created_at=now)).inserted_primary_key[0]
        conn.execute(t.creator_accounts.insert(), [
            {"workspace_id": ws, "creator_id": mei, "platform": "instagram", "handle": "meilin.eats"},
            {"workspace_id": ws, "creator_id": mei, "platform": "tiktok", "handle": "meilin_tt"},
            {"workspace_id": ws, "creator_id": sam, "platform": "youtube", "handle": "samcooks"},
        ])
        post = conn.execute(t.posts.insert().values(workspace_id=ws, campaign_id=camp, creator_id=mei,
                                                    key="ig-post-1", platform="instagram",
                                                    content_type="reel")).inserted_primary_key[0]
    return {"workspace": ws, "campaign": camp, "other_campaign": other, "mei": mei, "sam": sam, "post": post}


@pytest.fixture
def seeded(engine):
    return seed(engine)


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch):
    """Commands set process-wide settings (--db, --workspace): start and end every test without them."""
    from influscope import config

    monkeypatch.setattr(config, "_override", None)
    yield
