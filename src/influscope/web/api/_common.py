"""Shared pieces of the /api/v1 routers: error schema, bounded types, workspace-scoped lookups.

Every lookup by id goes through :func:`row_or_404`, which filters on the caller's workspace, so an
object of another workspace is indistinguishable from a missing one (404).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

import re
from zoneinfo import available_timezones

import sqlalchemy as sa
from babel.numbers import list_currencies
from fastapi import HTTPException, Path, Query, Request
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from influscope.db import tables as t

MAX_ID = 2**53 - 1  # ids beyond this are not ids (and not representable in JavaScript)
MAX_MONEY = Decimal("1e12")


class Error(BaseModel):
    status: int
    message: str
    errors: list[Any] | None = None


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Bad request", 401: "Not authenticated", 403: "Not allowed", 404: "Not found",
            409: "Conflict", 413: "Request body too large", 422: "Invalid request", 429: "Too many requests"}
    return {c: {"model": Error, "description": text[c]} for c in codes}


ERRORS = _responses(401, 403, 404, 422, 429)
WRITE_ERRORS = _responses(401, 403, 404, 409, 413, 422, 429)


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def Text(max_length: int, min_length: int = 0):  # noqa: N802 - a type factory
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_clean_text)]


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_date(value):
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _iso_datetime(value):
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-03-01T10:00:00+08:00")
    return value


# Times in responses: stored naive UTC, written with their offset (RFC 3339, "Z").
UtcDateTime = Annotated[dt.datetime, AfterValidator(_utc)]
# Dates and times in requests: ISO text only (no numbers read as Unix time).
DateIn = Annotated[dt.date, BeforeValidator(_iso_date)]
DateTimeIn = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]
Flag = Annotated[bool, Field(strict=True)]
CURRENCIES = tuple(sorted(c for c in list_currencies() if re.fullmatch(r"[A-Z]{3}", c)))
TIMEZONES = tuple(sorted(available_timezones()))
Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"),
                 AfterValidator(_clean_text)]
Currency = Literal[CURRENCIES]  # type: ignore[valid-type]
Timezone = Literal[TIMEZONES]  # type: ignore[valid-type]
Amount = Annotated[Decimal, Field(ge=0, le=MAX_MONEY, max_digits=17, decimal_places=4)]
def _not_bool(value):
    if isinstance(value, bool):
        raise ValueError("must be an integer, not true/false")
    return value


# JSON integers (1e3 counts as one, true/false do not)
Count = Annotated[int, BeforeValidator(_not_bool), Field(ge=0, le=10**15)]
Ref = Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=MAX_ID)]
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
OptionalRef = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def aware_to_naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def row_or_404(conn: sa.Connection, table: sa.Table, object_id: int, workspace_id: int, what: str) -> dict:
    row = conn.execute(sa.select(table).where(table.c.id == object_id, table.c.workspace_id == workspace_id)
                       ).mappings().first()
    if row is None:
        raise HTTPException(404, f"no {what} with id {object_id}")
    return dict(row)


def check_ref(conn: sa.Connection, table: sa.Table, object_id: int | None, workspace_id: int, field: str) -> None:
    """A referenced id must exist in the caller's workspace (else 422 naming the field)."""
    if object_id is None:
        return
    found = conn.execute(sa.select(table.c.id).where(table.c.id == object_id,
                                                     table.c.workspace_id == workspace_id)).first()
    if found is None:
        raise HTTPException(422, f"{field}: no such object in this workspace: {object_id}")


def campaign_ids_of_creator(conn: sa.Connection, creator_id: int) -> list[int]:
    return list(conn.execute(sa.select(t.campaign_creators.c.campaign_id)
                             .where(t.campaign_creators.c.creator_id == creator_id)).scalars())


def strict_query(request: Request) -> None:
    """Refuse query parameters the route does not declare (a typo must not silently widen a listing)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    known: set[str] = set()
    stack = [dependant]
    while stack:
        dep = stack.pop()
        known.update(p.alias for p in dep.query_params)
        stack.extend(dep.dependencies)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise HTTPException(422, f"unknown query parameter: {unknown[0]}")
