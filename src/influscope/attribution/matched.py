"""The creator each code list and each utm pair names, kept by the database (SQLite).

The ``code`` rule credits an order to the creator of the first affiliate code its code list names;
the ``utm`` rule to the creator whose handle its ``utm_content`` is (on the ``utm_source`` platform
when the handle is on several). Neither depends on a setting, and a store holds few distinct code
lists and utm pairs however many orders name them. Two small tables keep the answer for each
distinct value that orders and leads name:

- ``matched_code_lists`` (workspace, code list): ``creator_id`` and ``code`` of the first affiliate
  code of a creator the list names (NULL when none). An order's list is ``discount_codes``; a lead's
  is its ``code`` in upper case.
- ``matched_utm_pairs`` (workspace, utm_content, utm_source): ``creator_id`` and ``platform`` of the
  account whose handle ``utm_content`` is, preferring the account on ``utm_source``, then the lowest
  creator id and platform. An order's pair is its landing URL's ``landing_utm_content`` and
  ``landing_utm_source`` (``''`` when absent); a lead's is its ``utm_content`` as a handle (trimmed,
  lower case, one leading ``@`` dropped) and ``''``.

so that crediting joins each order to one row of each by primary key, instead of working the maps
out from the window's orders every time the KPIs are read (:mod:`influscope.attribution.credit`).

SQLite keeps them with triggers, in the writer's own transaction: an order or lead naming a list or
pair not yet kept adds it, resolved; a code or account written, changed or deleted resolves again
the rows whose list names the code or whose utm_content is the handle. Rows no order names any more
stay (they are few and harmless) until :func:`rebuild` (``influscope db rebuild``) makes the tables
again from the raw records. SQLite runs one writer at a time, so an order and a code committed
together cannot miss each other; on PostgreSQL they could (each trigger would not see the other's
uncommitted row), so there the tables stay empty and crediting decides both rules in the query,
where PostgreSQL's hash joins make that cheap. :func:`recompute` gives every kept row from the raw
records in Python, for checks.
"""

from __future__ import annotations

import string

import sqlalchemy as sa

from influscope.db import tables as t

TRIGGERS = ("orders_matched_ins", "orders_matched_upd", "leads_matched_ins", "leads_matched_upd",
            "codes_matched_ins", "codes_matched_upd", "codes_matched_del",
            "creator_accounts_matched_ins", "creator_accounts_matched_upd", "creator_accounts_matched_del")
WHITESPACE = " \t\n\r\x0b\x0c"  # what the crediting query's strip() removes (Python's str.strip default)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # SQLite's LOWER()

# the first affiliate code of a creator that the list named by matched_code_lists names (SQLite lets
# a correlated subquery order only by its own columns, hence the position computed in a derived table)
_CODE = ("SELECT creator_id, code FROM (SELECT c.creator_id, c.code, "
         "INSTR(' ' || matched_code_lists.codes || ' ', ' ' || c.code || ' ') AS pos FROM codes AS c "
         "WHERE c.workspace_id = matched_code_lists.workspace_id AND c.kind = 'affiliate' "
         "AND c.creator_id IS NOT NULL) WHERE pos > 0 ORDER BY pos LIMIT 1")
# the account whose handle matched_utm_pairs.utm_content is, on utm_source's platform first
_UTM = ("SELECT creator_id, platform FROM (SELECT a.creator_id, a.platform, "
        "CASE WHEN a.platform = matched_utm_pairs.utm_source THEN 0 ELSE 1 END AS pref FROM creator_accounts AS a "
        "WHERE a.workspace_id = matched_utm_pairs.workspace_id AND LOWER(a.handle) = matched_utm_pairs.utm_content) "
        "ORDER BY pref, creator_id, platform LIMIT 1")
RESOLVE_CODES = f"UPDATE matched_code_lists SET (creator_id, code) = ({_CODE})"
RESOLVE_UTMS = f"UPDATE matched_utm_pairs SET (creator_id, platform) = ({_UTM})"


def _sqlite_handle(col: str) -> str:
    """A lead's utm_content as a handle, in SQLite: what :func:`influscope.attribution.credit._norm_handle` computes."""
    chars = "char(" + ", ".join(str(ord(c)) for c in WHITESPACE) + ")"
    s = f"LOWER(TRIM({col}, {chars}))"
    return f"NULLIF(CASE WHEN SUBSTR({s}, 1, 1) = '@' THEN SUBSTR({s}, 2) ELSE {s} END, '')"


# what each kind of event names: (code list, utm_content, utm_source), as SQL over the row R
NAMED = {
    "orders": ("{r}.discount_codes", "{r}.landing_utm_content", "COALESCE({r}.landing_utm_source, '')"),
    "leads": ("UPPER({r}.code)", None, "''"),
}
WATCHED = {"orders": "workspace_id, discount_codes, landing_utm_content, landing_utm_source",
           "leads": "workspace_id, code, utm_content"}


def _named(kind: str, row: str) -> tuple[str, str, str]:
    codes, utm, source = NAMED[kind]
    utm_sql = _sqlite_handle(f"{row}.utm_content") if utm is None else utm.format(r=row)
    return codes.format(r=row), utm_sql, source.format(r=row)


def _sqlite_ddl() -> list[str]:
    out = []
    for kind in NAMED:
        codes, utm, source = _named(kind, "NEW")
        # a list or pair not kept yet is added and resolved (one not-exists look-up per event otherwise)
        body = (f"INSERT INTO matched_code_lists (workspace_id, codes) SELECT NEW.workspace_id, {codes} "
                f"WHERE {codes} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM matched_code_lists "
                f"WHERE workspace_id = NEW.workspace_id AND codes = {codes}); "
                f"{RESOLVE_CODES} WHERE workspace_id = NEW.workspace_id AND codes = {codes} AND changes() > 0; "
                f"INSERT INTO matched_utm_pairs (workspace_id, utm_content, utm_source) "
                f"SELECT NEW.workspace_id, {utm}, {source} WHERE {utm} IS NOT NULL AND NOT EXISTS ("
                f"SELECT 1 FROM matched_utm_pairs WHERE workspace_id = NEW.workspace_id AND utm_content = {utm} "
                f"AND utm_source = {source}); "
                f"{RESOLVE_UTMS} WHERE workspace_id = NEW.workspace_id AND utm_content = {utm} "
                f"AND utm_source = {source} AND changes() > 0;")
        out.append(f"CREATE TRIGGER {kind}_matched_ins AFTER INSERT ON {kind} BEGIN {body} END")
        out.append(f"CREATE TRIGGER {kind}_matched_upd AFTER UPDATE OF {WATCHED[kind]} ON {kind} BEGIN {body} END")
    # a code or an account written, changed or deleted: the kept rows it could change resolve again
    code_touch = ("{resolve} WHERE workspace_id = {row}.workspace_id "
                  "AND INSTR(' ' || codes || ' ', ' ' || {row}.code || ' ') > 0;")
    handle_touch = "{resolve} WHERE workspace_id = {row}.workspace_id AND utm_content = LOWER({row}.handle);"
    for table, touch, resolve, watched in (
            ("codes", code_touch, RESOLVE_CODES, "workspace_id, code, kind, creator_id"),
            ("creator_accounts", handle_touch, RESOLVE_UTMS, "workspace_id, handle, platform, creator_id")):
        new, old = touch.format(resolve=resolve, row="NEW"), touch.format(resolve=resolve, row="OLD")
        out.append(f"CREATE TRIGGER {table}_matched_ins AFTER INSERT ON {table} BEGIN {new} END")
        out.append(f"CREATE TRIGGER {table}_matched_upd AFTER UPDATE OF {watched} ON {table} BEGIN {old} {new} END")
        out.append(f"CREATE TRIGGER {table}_matched_del AFTER DELETE ON {table} BEGIN {old} END")
    return out


def uninstall(conn: sa.Connection) -> None:
    """Drop the triggers, if present."""
    if conn.dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def install(conn: sa.Connection) -> int:
    """On SQLite, create the triggers (replacing any) and make the tables from the raw records;
    returns how many rows the tables hold. Elsewhere nothing (the tables stay empty)."""
    if conn.dialect.name != "sqlite":
        return 0
    uninstall(conn)
    for ddl in _sqlite_ddl():
        conn.exec_driver_sql(ddl)
    return rebuild(conn)


def present(conn: sa.Connection) -> bool:
    """Whether every trigger is in place (never on another store than SQLite)."""
    if conn.dialect.name != "sqlite":
        return False
    return set(TRIGGERS) <= set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())


def ensure(conn: sa.Connection) -> bool:
    """Install the triggers on SQLite when the tables exist and a trigger is missing (a table rebuilt
    by a migration loses its triggers); returns whether it installed them."""
    if conn.dialect.name != "sqlite" or not sa.inspect(conn).has_table("matched_code_lists") or present(conn):
        return False
    install(conn)
    return True


def kept_for(con) -> bool:
    """Whether the KPI connection CON (:mod:`influscope.kpi.connection`) reads a store that keeps the
    tables: SQLite with the triggers (checked once per connection)."""
    if getattr(con, "name", None) != "sqlite":
        return False
    known = con.__dict__.get("_influscope_matched")
    if known is None:
        cur = con.con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {r[0] for r in cur.fetchall()}
        cur.close()
        known = con.__dict__["_influscope_matched"] = set(TRIGGERS) <= names
    return known


def rebuild(conn: sa.Connection, workspace_id: int | None = None) -> int:
    """Make the tables (of one workspace) again from the raw records, in SQL; returns how many rows
    they hold for it. Only on SQLite."""
    if conn.dialect.name != "sqlite":
        return 0
    where = "" if workspace_id is None else " WHERE workspace_id = :ws"
    params = {} if workspace_id is None else {"ws": workspace_id}
    rows = 0
    for table, resolve in (("matched_code_lists", RESOLVE_CODES), ("matched_utm_pairs", RESOLVE_UTMS)):
        conn.execute(sa.text(f"DELETE FROM {table}{where}"), params)
        for kind in NAMED:
            codes, utm, source = _named(kind, "e")
            if table == "matched_code_lists":
                cols, values, named = "workspace_id, codes", f"e.workspace_id, {codes}", f"{codes} IS NOT NULL"
            else:
                cols, values, named = ("workspace_id, utm_content, utm_source", f"e.workspace_id, {utm}, {source}",
                                       f"{utm} IS NOT NULL")
            ws = "" if workspace_id is None else " AND e.workspace_id = :ws"
            conn.execute(sa.text(f"INSERT OR IGNORE INTO {table} ({cols}) SELECT DISTINCT {values} FROM {kind} AS e "
                                 f"WHERE {named}{ws}"), params)
        rows += conn.execute(sa.text(f"{resolve}{where}"), params).rowcount or 0
    return rows


def recompute(conn: sa.Connection, workspace_id: int, also: dict[str, dict[tuple, tuple]] | None = None
              ) -> dict[str, dict[tuple, tuple]]:
    """Every row the tables should hold for the workspace, from the raw records in Python:
    ``{"codes": {(list,): (creator_id, code)}, "utms": {(utm_content, utm_source): (creator_id, platform)}}``,
    for what the orders and leads name and the keys of ALSO (rows kept from before, in the same shape)."""
    c, a = t.codes, t.creator_accounts
    affiliate = [(r.code, r.creator_id) for r in conn.execute(sa.select(c.c.code, c.c.creator_id).where(
        c.c.workspace_id == workspace_id, c.c.kind == "affiliate", c.c.creator_id.is_not(None)))]
    accounts = sorted(((r.handle.translate(_ASCII_LOWER), r.creator_id, r.platform) for r in conn.execute(
        sa.select(a.c.handle, a.c.creator_id, a.c.platform).where(a.c.workspace_id == workspace_id))),
        key=lambda x: (x[1], x[2]))
    lists: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    o, ld = t.orders, t.leads
    for r in conn.execute(sa.select(o.c.discount_codes, o.c.landing_utm_content, o.c.landing_utm_source).where(
            o.c.workspace_id == workspace_id)):
        if r.discount_codes is not None:
            lists.add(r.discount_codes)
        if r.landing_utm_content is not None:
            pairs.add((r.landing_utm_content, r.landing_utm_source or ""))
    for r in conn.execute(sa.select(ld.c.code, ld.c.utm_content).where(ld.c.workspace_id == workspace_id)):
        if r.code is not None:
            lists.add(r.code.upper())
        handle = _handle(r.utm_content)
        if handle is not None:
            pairs.add((handle, ""))
    also = also or {}
    lists.update(k[0] for k in also.get("codes", {}))
    pairs.update(also.get("utms", {}))
    codes: dict[tuple, tuple] = {}
    for listed in lists:
        found = sorted((p, code, creator) for code, creator in affiliate
                       if (p := f" {listed} ".find(f" {code} ")) >= 0)
        codes[(listed,)] = (found[0][2], found[0][1]) if found else (None, None)
    utms: dict[tuple, tuple] = {}
    for utm, source in pairs:
        hits = [(0 if platform == source else 1, creator, platform) for handle, creator, platform in accounts
                if handle == utm]
        best = min(hits) if hits else None
        utms[(utm, source)] = (best[1], best[2]) if best else (None, None)
    return {"codes": codes, "utms": utms}


def _handle(value: str | None) -> str | None:
    if value is None:
        return None
    s = value.strip(WHITESPACE).translate(_ASCII_LOWER)
    s = s[1:] if s.startswith("@") else s
    return s or None


def stored(conn: sa.Connection, workspace_id: int) -> dict[str, dict[tuple, tuple]]:
    """What the store keeps, in the shape of :func:`recompute`."""
    mc, mu = t.matched_code_lists, t.matched_utm_pairs
    return {
        "codes": {(r.codes,): (r.creator_id, r.code) for r in conn.execute(
            sa.select(mc.c.codes, mc.c.creator_id, mc.c.code).where(mc.c.workspace_id == workspace_id))},
        "utms": {(r.utm_content, r.utm_source): (r.creator_id, r.platform) for r in conn.execute(
            sa.select(mu.c.utm_content, mu.c.utm_source, mu.c.creator_id, mu.c.platform).where(
                mu.c.workspace_id == workspace_id))},
    }
