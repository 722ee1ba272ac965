"""Click sinks for taking the redirect's server CPU apart (``bench/redirect/cpu.py --decompose``).

Neither is a valid store; each answers "how much of the CPU per redirect is this part":

- :func:`stores_nothing`: the redirect's own work (bot check, geo, visitor hash, click id, the
  response) with a sink that returns at once;
- :func:`without_visitor_index`: the default SQLite sink's group commit, rollups included, into a
  database whose ``clicks`` table has lost its index on ``(link_id, visitor_hash, ts)``; as nothing can
  then look a visitor's earlier hits up, every hit gets the flags of a visitor's first hit (wrong
  for a returning visitor, and the bench's visitors almost never return). The difference to the
  default sink is what that index and the look-up cost per click.

Named in ``INFLUSCOPE_CLICK_SINK=what_if_sinks:<factory>`` with this folder on the path.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Sequence

import sqlalchemy as sa

from influscope.metrics import unique_windows
from influscope.tracking import sink as sinks


class StoresNothing(sinks.ClickSink):
    async def record(self, click: sinks.Click) -> None:
        return None


def stores_nothing(engine: sa.Engine) -> sinks.ClickSink:
    return StoresNothing()


def _first_hit_flags(conn: sqlite3.Connection, hits: Sequence[Any], changes: list | None = None) -> list:
    first_human, first_bot = unique_windows._single_hit_flags(False), unique_windows._single_hit_flags(True)
    return [first_bot if h.is_bot else first_human for h in hits]


def without_visitor_index(engine: sa.Engine) -> sinks.ClickSink:
    path = sinks.sqlite_path(engine)
    if path is None:
        raise ValueError("without_visitor_index needs a SQLite file")
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX IF EXISTS ix_clicks_link_visitor_ts")
    sinks.flags_for_new_sqlite = _first_hit_flags  # this bench process only
    return sinks.SQLiteSink(path)
