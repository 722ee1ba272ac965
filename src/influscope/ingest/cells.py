"""Parsing one cell of a canonical bundle: which rule of :mod:`influscope.ingest.rules` reads each
column, and the value it gives (the importer reads whole columns at once and calls these for the
cells its vectorised checks cannot vouch for, so every value and every message comes from here)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from babel.numbers import list_currencies

from influscope.ingest import rules
from influscope.ingest.bundle_spec import Col

CURRENCIES = frozenset(list_currencies())
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})

normalise_handle = rules.normalise_handle

# Text columns that hold ids (checked as keys), names and URLs; the other text columns are free text.
ID_COLUMNS = frozenset({"creator_id", "post_id", "cost_id", "code", "click_id", "order_id", "lead_id",
                         "comment_id", "customer_id", "source", "visitor_hash", "bucket", "language"})
NAME_COLUMNS = frozenset({"name", "author", "bot_reason", "device", "os", "browser", "app", "medium", "campaign",
                           "content", "utm_content"})


def to_utc_naive(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def parse_cell(col: Col, raw: str, tz: dt.tzinfo) -> Any:
    """Parse one non-empty cell; raise ValueError with a message for the user."""
    return cell_parser(col, tz)(raw)


def check_value(col: Col, value: Any) -> Any:
    """A typed value (from a connector, a native export or an API payload) checked by COL's rule, exactly
    as a bundle cell of that column is; returns it normalised (None stays None) or raises ValueError."""
    if value is None:
        return None
    kind = col.type
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, float):
            raise ValueError(f"not a whole number: {value!r}")
        return rules.check_count(value)
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError(f"not a number: {value!r}")
        return rules.check_number(value)
    if kind == "money":
        return rules.check_money(value)
    if kind == "decimal":
        return rules.check_rate(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"not true/false: {value!r}")
        return value
    if kind == "date":
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise ValueError(f"not a date: {value!r}")
        return value
    if kind == "datetime":
        if not isinstance(value, dt.datetime):
            raise ValueError(f"not a date-time: {value!r}")
        return value if value.tzinfo is None else to_utc_naive(value, dt.timezone.utc)
    if not isinstance(value, str):
        raise ValueError(f"not text: {value!r}")
    return cell_parser(col, dt.timezone.utc)(value)


def cell_parser(col: Col, tz: dt.tzinfo) -> Callable[[str], Any]:
    """The parser of COL's non-empty cells (built once per file: the hot loop only calls it)."""
    kind = col.type

    if kind == "text":
        name = col.name
        if name == "handle":
            return rules.check_handle
        if name == "link_id":
            return rules.check_link_slug
        if name == "code" and col.key:  # codes.csv: a code we hand out (leads.csv: what a visitor typed)
            return rules.check_code
        if name == "destination_url":
            return rules.check_destination
        if name in ID_COLUMNS:
            return rules.check_key
        if name in NAME_COLUMNS:
            return lambda raw: rules.check_text(raw, rules.MAX_NAME)
        if name in ("url", "landing_url", "referrer"):
            return lambda raw: rules.check_text(raw, rules.MAX_URL)
        return rules.check_text

    if kind == "int":
        return rules.check_count

    if kind == "number":
        return rules.check_number

    if kind == "money":
        return rules.check_money

    if kind == "decimal":
        return rules.check_rate

    if kind == "bool":
        def parse_bool(raw: str) -> bool:
            low = raw.lower()
            if low in TRUE_WORDS:
                return True
            if low in FALSE_WORDS:
                return False
            raise ValueError(f"not true/false: {raw!r}")
        return parse_bool

    if kind == "date":
        def parse_date(raw: str) -> dt.date:
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                raise ValueError(f"not a date (YYYY-MM-DD): {raw!r}") from None
        return parse_date

    if kind == "datetime":
        utc = dt.timezone.utc

        def parse_datetime(raw: str) -> dt.datetime:
            try:
                value = dt.datetime.fromisoformat(raw)
            except ValueError:
                raise ValueError(f"not an ISO 8601 date-time: {raw!r}") from None
            if value.tzinfo is utc:
                return value.replace(tzinfo=None)
            try:
                return to_utc_naive(value, tz)
            except OverflowError:
                raise ValueError(f"out of range: {raw!r}") from None
        return parse_datetime

    if kind == "choice":
        choices, listed = frozenset(col.choices), ", ".join(col.choices)

        def parse_choice(raw: str) -> str:
            low = raw.lower()
            if low not in choices:
                raise ValueError(f"{raw!r} is not one of {listed}")
            return low
        return parse_choice

    if kind == "currency":
        def parse_currency(raw: str) -> str:
            up = raw.upper()
            if up not in CURRENCIES:
                raise ValueError(f"not an ISO 4217 currency code: {raw!r}")
            return up
        return parse_currency

    if kind == "country":
        def parse_country(raw: str) -> str:
            up = raw.upper()
            if len(up) != 2 or not up.isalpha():
                raise ValueError(f"not an ISO 3166 two-letter country code: {raw!r}")
            return up
        return parse_country

    if kind == "code_list":
        return lambda raw: " ".join(rules.check_key(c).upper() for c in rules.check_text(raw).split()) or None
    raise AssertionError(f"unknown column type {kind}")
