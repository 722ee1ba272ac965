"""The click each order and lead carries, resolved by the database whenever either side is written.

The ``click`` rule credits an order (or lead) to the creator of the link of the click whose id it
carries, when that click was no later than the order and within the attribution window. The window
is a setting, the click is not: each order and lead keeps

- ``click_link_id``: the link of the click its ``click_id`` names in its workspace (NULL when no
  stored click has that id), and
- ``click_age_s``: the order's time minus the click's, in whole seconds as the store's engine counts
  them (:func:`influscope.metrics.timezones.epoch_s`), NULL when the click is later than the order,

so that crediting reads two columns of the order and a small join with the links (whose creator may
change) instead of looking each click up among millions: the window is still applied when the KPIs
are read (``click_age_s <= window``).

The store keeps them itself, with triggers (SQLite and PostgreSQL), so that every writer of orders,
leads or clicks keeps them exact in its own transaction, whatever path it takes: an order or lead
inserted or given another click id or time resolves its click; a click inserted late, changed or
deleted (retention, erasure, a deleted link's clicks) resolves again the orders and leads that
carry its id. :func:`install` creates the triggers (the migration, a database made by ``create_all``)
and :func:`rebuild` fills the columns from the raw records (``influscope db rebuild``).
:func:`recompute` gives every value from the raw records in Python, for checks. Readers use the
columns only when the triggers are present (:func:`kept_for`) and the clicks are in this store, not
in an event store.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from influscope.db import tables as t

COLUMNS = ("click_link_id", "click_age_s")
KINDS = {"orders": "created_at", "leads": "ts"}  # table -> its time column
TRIGGERS = ("orders_carried_click_ins", "orders_carried_click_upd", "leads_carried_click_ins",
            "leads_carried_click_upd", "clicks_carried_ins", "clicks_carried_upd", "clicks_carried_del")
_PG_FUNCTIONS = ("orders_carried_click", "leads_carried_click", "clicks_carried")
_EPOCH = dt.datetime(1970, 1, 1)


def _sqlite_epoch(col: str) -> str:
    return f"CAST(STRFTIME('%s', {col}) AS INTEGER)"


def _pg_epoch(col: str) -> str:
    return f"CAST(EXTRACT('epoch' FROM {col}) AS BIGINT)"


def _changed(differs: str) -> str:
    """A click's update changes what an order resolves (DIFFERS: the dialect's null-safe "differs")."""
    return " OR ".join(f"OLD.{c} {differs} NEW.{c}" for c in ("workspace_id", "key", "ts", "link_id"))


def _sqlite_ddl() -> list[str]:
    out = []
    for kind, at in KINDS.items():
        resolve = (f"UPDATE {kind} SET (click_link_id, click_age_s) = ("
                   f"SELECT k.link_id, CASE WHEN k.ts <= NEW.{at} THEN {_sqlite_epoch(f'NEW.{at}')} - "
                   f"{_sqlite_epoch('k.ts')} END FROM clicks AS k "
                   f"WHERE k.workspace_id = NEW.workspace_id AND k.key = NEW.click_id) WHERE id = NEW.id;")
        # an inserted row resolves its click (or clears values a writer copied in without one)
        out.append(f"CREATE TRIGGER {kind}_carried_click_ins AFTER INSERT ON {kind} "
                   f"WHEN NEW.click_id IS NOT NULL OR NEW.click_link_id IS NOT NULL OR NEW.click_age_s IS NOT NULL "
                   f"BEGIN {resolve} END")
        out.append(f"CREATE TRIGGER {kind}_carried_click_upd AFTER UPDATE OF workspace_id, click_id, {at} ON {kind} "
                   f"BEGIN {resolve} END")
    # a click written, changed or deleted: the orders and leads carrying its id resolve it again
    # (setting click_id to itself runs their update trigger)
    touch = " ".join(f"UPDATE {kind} SET click_id = click_id WHERE workspace_id = {{row}}.workspace_id "
                     f"AND click_id = {{row}}.key;" for kind in KINDS)
    # (a new click is looked up first: most clicks are named by no order or lead, and a look-up is
    # cheaper than an update that finds nothing)
    named = " OR ".join(f"EXISTS (SELECT 1 FROM {kind} WHERE workspace_id = NEW.workspace_id AND click_id = NEW.key)"
                        for kind in KINDS)
    out.append(f"CREATE TRIGGER clicks_carried_ins AFTER INSERT ON clicks WHEN {named} "
               f"BEGIN {touch.format(row='NEW')} END")
    out.append("CREATE TRIGGER clicks_carried_upd AFTER UPDATE OF workspace_id, key, ts, link_id ON clicks "
               f"WHEN {_changed('IS NOT')} BEGIN {touch.format(row='OLD')} {touch.format(row='NEW')} END")
    out.append(f"CREATE TRIGGER clicks_carried_del AFTER DELETE ON clicks BEGIN {touch.format(row='OLD')} END")
    return out


def _pg_ddl() -> list[str]:
    out = []
    for kind, at in KINDS.items():
        out.append(f"""CREATE FUNCTION {kind}_carried_click() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.click_link_id := NULL;
  NEW.click_age_s := NULL;
  IF NEW.click_id IS NOT NULL THEN
    SELECT k.link_id, CASE WHEN k.ts <= NEW.{at} THEN {_pg_epoch(f'NEW.{at}')} - {_pg_epoch('k.ts')} END
      INTO NEW.click_link_id, NEW.click_age_s
      FROM clicks AS k WHERE k.workspace_id = NEW.workspace_id AND k.key = NEW.click_id;
  END IF;
  RETURN NEW;
END $$""")
        out.append(f"CREATE TRIGGER {kind}_carried_click_ins BEFORE INSERT ON {kind} "
                   f"FOR EACH ROW EXECUTE FUNCTION {kind}_carried_click()")
        out.append(f"CREATE TRIGGER {kind}_carried_click_upd BEFORE UPDATE OF workspace_id, click_id, {at} ON {kind} "
                   f"FOR EACH ROW EXECUTE FUNCTION {kind}_carried_click()")
    touch = "\n".join(f"    UPDATE {kind} SET click_id = click_id WHERE workspace_id = r.workspace_id "
                      f"AND click_id = r.key;" for kind in KINDS)
    out.append(f"""CREATE FUNCTION clicks_carried() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    r := OLD;
{touch}
  END IF;
  IF TG_OP <> 'DELETE' THEN
    r := NEW;
{touch}
  END IF;
  RETURN NULL;
END $$""")
    out.append("CREATE TRIGGER clicks_carried_ins AFTER INSERT ON clicks FOR EACH ROW EXECUTE FUNCTION clicks_carried()")
    out.append("CREATE TRIGGER clicks_carried_upd AFTER UPDATE OF workspace_id, key, ts, link_id ON clicks "
               f"FOR EACH ROW WHEN ({_changed('IS DISTINCT FROM')}) EXECUTE FUNCTION clicks_carried()")
    out.append("CREATE TRIGGER clicks_carried_del AFTER DELETE ON clicks FOR EACH ROW EXECUTE FUNCTION clicks_carried()")
    return out


def _tables_of_trigger(name: str) -> str:
    return name.split("_", 1)[0]


def uninstall(conn: sa.Connection) -> None:
    """Drop the triggers (and PostgreSQL's functions), if present."""
    pg = conn.dialect.name == "postgresql"
    for name in TRIGGERS:
        on = f" ON {_tables_of_trigger(name)}" if pg else ""
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{on}")
    if pg:
        for fn in _PG_FUNCTIONS:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}()")


def install(conn: sa.Connection) -> int:
    """Create the triggers that keep the columns (replacing any), then fill the columns from the raw
    records; returns how many orders and leads changed."""
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise RuntimeError(f"the carried clicks are kept by SQLite and PostgreSQL only, not {dialect}")
    uninstall(conn)
    for ddl in _sqlite_ddl() if dialect == "sqlite" else _pg_ddl():
        conn.exec_driver_sql(ddl)
    return rebuild(conn)


def present(conn: sa.Connection) -> bool:
    """Whether every trigger is in place."""
    if conn.dialect.name == "sqlite":
        q = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    elif conn.dialect.name == "postgresql":
        q = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        return False
    return set(TRIGGERS) <= set(conn.exec_driver_sql(q).scalars())


def ensure(conn: sa.Connection) -> bool:
    """Install the triggers when the columns exist and a trigger is missing (a table rebuilt by a
    migration on SQLite loses its triggers); returns whether it installed them."""
    if conn.dialect.name not in ("sqlite", "postgresql"):
        return False
    inspector = sa.inspect(conn)
    for kind in KINDS:
        if not set(COLUMNS) <= {c["name"] for c in inspector.get_columns(kind)}:
            return False
    if present(conn):
        return False
    install(conn)
    return True


def kept_for(con) -> bool:
    """Whether the Ibis backend CON keeps the carried clicks: SQLite or PostgreSQL with the triggers,
    and the clicks in this store rather than an event store (checked once per connection)."""
    from influscope.events.read import reader_of

    if getattr(con, "name", None) not in ("sqlite", "postgres"):
        return False
    events = reader_of(con)
    if events is not None and events.has("clicks"):
        return False
    known = con.__dict__.get("_influscope_carried")
    if known is None:
        if con.name == "sqlite":
            cur = con.con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            names = {r[0] for r in cur.fetchall()}
            cur.close()
        else:
            with con.con.cursor() as cur:
                cur.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
                names = {r[0] for r in cur.fetchall()}
        known = con.__dict__["_influscope_carried"] = set(TRIGGERS) <= names
    return known


def rebuild(conn: sa.Connection, workspace_id: int | None = None) -> int:
    """Resolve the carried click of every order and lead (of one workspace) from the raw clicks, in
    SQL; returns how many rows changed."""
    epoch = _pg_epoch if conn.dialect.name == "postgresql" else _sqlite_epoch
    changed = 0
    for kind, at in KINDS.items():
        where = "" if workspace_id is None else " AND e.workspace_id = :ws"
        link = "(SELECT k.link_id FROM clicks AS k WHERE k.workspace_id = e.workspace_id AND k.key = e.click_id)"
        age = (f"(SELECT CASE WHEN k.ts <= e.{at} THEN {epoch(f'e.{at}')} - {epoch('k.ts')} END FROM clicks AS k "
               "WHERE k.workspace_id = e.workspace_id AND k.key = e.click_id)")
        sql = (f"UPDATE {kind} AS e SET click_link_id = {link}, click_age_s = {age} "
               f"WHERE (e.click_link_id IS DISTINCT FROM {link} OR e.click_age_s IS DISTINCT FROM {age}){where}")
        if conn.dialect.name == "sqlite":  # SQLite says IS NOT for "is distinct from"
            sql = sql.replace("IS DISTINCT FROM", "IS NOT")
        params = {} if workspace_id is None else {"ws": workspace_id}
        changed += conn.execute(sa.text(sql), params).rowcount or 0
    return changed


def _epoch(ts: dt.datetime, dialect: str) -> int:
    """Seconds since 1970 of TS as DIALECT counts them: SQLite drops the fraction, PostgreSQL rounds it."""
    delta = ts - _EPOCH
    seconds = delta.days * 86400 + delta.seconds
    if dialect == "postgresql":
        return int((Decimal(seconds) + Decimal(delta.microseconds) / 10**6).to_integral_value(ROUND_HALF_UP))
    return seconds


def recompute(conn: sa.Connection, workspace_id: int) -> dict[tuple[str, int], tuple[int | None, int | None]]:
    """Every order's and lead's (kind, id) -> (click_link_id, click_age_s), from the raw records in Python."""
    k = t.clicks
    clicks = {r.key: (r.link_id, r.ts) for r in conn.execute(
        sa.select(k.c.key, k.c.link_id, k.c.ts).where(k.c.workspace_id == workspace_id))}
    out: dict[tuple[str, int], tuple[int | None, int | None]] = {}
    for kind, at in KINDS.items():
        e = getattr(t, kind)
        for r in conn.execute(sa.select(e.c.id, e.c.click_id, e.c[at]).where(e.c.workspace_id == workspace_id)):
            hit = clicks.get(r.click_id) if r.click_id is not None else None
            if hit is None:
                out[(kind, r.id)] = (None, None)
                continue
            link, ts = hit
            age = (_epoch(r[2], conn.dialect.name) - _epoch(ts, conn.dialect.name)) if ts <= r[2] else None
            out[(kind, r.id)] = (link, age)
    return out


def stored(conn: sa.Connection, workspace_id: int) -> dict[tuple[str, int], tuple[int | None, int | None]]:
    """What the store keeps, in the shape of :func:`recompute`."""
    out: dict[tuple[str, int], tuple[int | None, int | None]] = {}
    for kind in KINDS:
        e = getattr(t, kind)
        for r in conn.execute(sa.select(e.c.id, e.c.click_link_id, e.c.click_age_s).where(e.c.workspace_id == workspace_id)):
            out[(kind, r.id)] = (r.click_link_id, r.click_age_s)
    return out
