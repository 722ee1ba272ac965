"""Shared pieces of the /api/v1 routers: error schema, bounded types, workspace-scoped lookups.

Every lookup by id goes through :func:`row_or_404`, which filters on the caller's workspace, so an
object of another workspace is indistinguishable from a missing one (404).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import HTTPException, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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


Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"),
                 AfterValidator(_clean_text)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Amount = Annotated[Decimal, Field(ge=0, le=MAX_MONEY, max_digits=17, decimal_places=4)]
Count = Annotated[int, Field(ge=0, le=10**15)]
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
