"""Shared set-up for connector tests: a workspace with one campaign and one creator, and fixtures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(platform: str, name: str):
    return json.loads((FIXTURES / platform / name).read_text(encoding="utf-8"))


@pytest.fixture
def campaign_engine(engine):
    from influscope.ingest.canonical import import_bundle

    import_bundle(engine, FIXTURES / "bundle", workspace="default")
    return engine


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


def rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


UNTIL = dt.datetime(2025, 6, 15)
LATER = dt.datetime(2025, 6, 16)
