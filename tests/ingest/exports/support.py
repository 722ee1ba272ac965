"""What the native-export tests share: the fixture folders, the as-of time and a SQL helper."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

FIX = Path(__file__).resolve().parent.parent / "fixtures"
EXP = FIX / "exports"
AS_OF = dt.datetime(2025, 6, 15)


def q(engine, sql: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql))]
