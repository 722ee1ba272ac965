"""No table of the store has a place for an IP address (DESIGN: a daily-salted visitor hash and the
country are stored instead). Checked on the whole schema, so a column added later is covered too."""

import re

from influscope.db.schema import load

SUSPECT = re.compile(r"(^|_)(ip|ips|ipv4|ipv6|ip_address|remote_addr|client_addr|x_forwarded_for|addr)(_|$)")


def test_no_column_can_hold_an_ip_address():
    offenders = [f"{table.name}.{col.name}" for table in load().tables.values() for col in table.columns
                 if SUSPECT.search(col.name.lower())]
    assert offenders == [], f"columns that look like IP addresses: {offenders}"


def test_login_attempts_and_audit_entries_carry_no_address(engine):
    from influscope.auth import sessions
    from influscope.auth.users import create_user
    from influscope.db.auth import audit_log, login_attempts

    create_user(engine, "ann@example.com", "correct horse", workspace="acme")
    try:
        sessions.login(engine, "ann@example.com", "wrong horse")
    except sessions.LoginFailed:
        pass
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(login_attempts.select()).mappings()]
        rows += [dict(r) for r in conn.execute(audit_log.select()).mappings()]
    text = repr(rows)
    assert "127.0.0.1" not in text and "ann@example.com" not in repr(rows[0])  # attempts keyed by a digest
