"""The conversion API and the browser snippet.

Server to server (API key with the ``write`` scope):

- ``POST /api/v1/track/sale``: ``{"invoice_id", "amount" (integer, minor units), "currency", ...}``
- ``POST /api/v1/track/lead``: ``{"lead_id", "type", ...}``

Both are idempotent on their id: the first report answers 201 ``created``, a repeat 200 ``duplicate``
and changes nothing.

From the browser (the snippet ``/t/influscope-track.js``, no credentials): ``POST /t/{source}/lead``
and ``/t/{source}/sale`` for a configured ``web`` source. Anyone can post there, as with any
analytics tag; sites whose shop sends webhooks should report sales from the webhooks, not from the page.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import threading
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from influscope.ingest.commerce import conversions, stores
from influscope.ingest.commerce.common import PayloadError

router = APIRouter(tags=["conversions"])

SNIPPET = Path(__file__).resolve().parent.parent / "static" / "js" / "influscope-track.js"
MAX_BEACON = 16 * 1024

Id = Annotated[str, Field(min_length=1, max_length=128)]
Minor = Annotated[int, Field(ge=0, le=10**15, description="Integer amount in the currency's minor unit (cents; whole units for JPY, KRW, ...)")]


class SaleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice_id: Id = Field(description="Your order or invoice id; the idempotency key.")
    amount: Minor = Field(description="Merchandise after discounts, before tax and shipping, in minor units.")
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    ts: dt.datetime | None = Field(None, description="When the sale happened (default: now).")
    click_id: Annotated[str, Field(max_length=64)] | None = Field(None, description="The isc click id kept by the snippet.")
    customer_id: Annotated[str, Field(max_length=128)] | None = None
    new_customer: bool | None = None
    code: Annotated[str, Field(max_length=64)] | None = Field(None, description="Promo code used.")
    codes: list[Annotated[str, Field(max_length=64)]] | None = Field(None, max_length=20)
    landing_url: Annotated[str, Field(max_length=2000)] | None = None
    referrer: Annotated[str, Field(max_length=2000)] | None = None
    tax: Minor | None = None
    shipping: Minor | None = None
    discount: Minor | None = None
    status: Literal["paid", "pending"] = "paid"
    metadata: dict[str, Any] | None = None


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead_id: Id = Field(description="Your id for this lead; the idempotency key.")
    type: Literal["signup", "newsletter", "download", "webinar", "demo", "trial", "other"] = "other"
    ts: dt.datetime | None = None
    click_id: Annotated[str, Field(max_length=64)] | None = None
    code: Annotated[str, Field(max_length=64)] | None = None
    utm_content: Annotated[str, Field(max_length=128)] | None = None
    landing_url: Annotated[str, Field(max_length=2000)] | None = None
    value: Minor | None = Field(None, description="Value of the lead in minor units (optional).")
    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    metadata: dict[str, Any] | None = None


class TrackOut(BaseModel):
    status: Literal["created", "duplicate"]
    invoice_id: str | None = None
    lead_id: str | None = None


def _problem(exc: PayloadError) -> JSONResponse:
    return JSONResponse({"status": 422, "message": str(exc)}, status_code=422)


def _auth():
    from influscope.auth.deps import require

    return require("write")


def _engine_dep():
    from influscope.auth.deps import db

    return db


@router.post("/api/v1/track/sale", response_model=TrackOut, status_code=201,
             summary="Report a sale (idempotent on invoice_id)",
             responses={200: {"model": TrackOut, "description": "Already reported: nothing changed"}})
def track_sale(sale: SaleIn, p=Depends(_auth()), engine=Depends(_engine_dep())):
    try:
        result = conversions.record_sale(engine, p.workspace_id, sale.model_dump(exclude_none=True))
    except PayloadError as exc:
        return _problem(exc)
    return JSONResponse(result.as_dict("invoice_id"), status_code=201 if result.created else 200)


@router.post("/api/v1/track/lead", response_model=TrackOut, status_code=201,
             summary="Report a lead (idempotent on lead_id)",
             responses={200: {"model": TrackOut, "description": "Already reported: nothing changed"}})
def track_lead(lead: LeadIn, p=Depends(_auth()), engine=Depends(_engine_dep())):
    try:
        result = conversions.record_lead(engine, p.workspace_id, lead.model_dump(exclude_none=True))
    except PayloadError as exc:
        return _problem(exc)
    return JSONResponse(result.as_dict("lead_id"), status_code=201 if result.created else 200)


# ------------------------------------------------------------------------------------------ browser

class _Window:
    """Beacons per client address and source in a sliding minute (in memory, per process)."""

    def __init__(self) -> None:
        self.hits: dict[tuple[str, str], collections.deque] = {}
        self.lock = threading.Lock()

    def allow(self, key: tuple[str, str], limit: int) -> bool:
        now = time.monotonic()
        with self.lock:
            if len(self.hits) > 50_000:
                self.hits = {k: q for k, q in self.hits.items() if q and q[-1] > now - 60}
            q = self.hits.setdefault(key, collections.deque())
            while q and q[0] <= now - 60:
                q.popleft()
            if len(q) >= limit:
                return False
            q.append(now)
            return True


_BEACONS = _Window()


def _beacon_limit() -> int:
    try:
        return max(1, int(os.environ.get("INFLUSCOPE_BEACON_RATE", "120")))
    except ValueError:
        return 120


_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
         "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "86400"}


@router.get("/t/influscope-track.js", include_in_schema=False)
def snippet() -> Response:
    return Response(SNIPPET.read_bytes(), media_type="application/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"})


@router.options("/t/{source}/{kind}", include_in_schema=False)
def beacon_preflight(source: str, kind: str) -> Response:
    return Response(status_code=204, headers=_CORS)


@router.post("/t/{source}/{kind}", include_in_schema=False)
async def beacon(source: str, kind: str, request: Request) -> Response:
    if kind not in ("lead", "sale"):
        return JSONResponse({"error": "lead or sale"}, status_code=404, headers=_CORS)
    client = (request.client.host if request.client else "?")
    if not _BEACONS.allow((client, source), _beacon_limit()):
        return JSONResponse({"error": "too many reports"}, status_code=429, headers={**_CORS, "Retry-After": "60"})
    body = await request.body()
    if len(body) > MAX_BEACON:
        return JSONResponse({"error": "body too large"}, status_code=413, headers=_CORS)
    from influscope.auth.deps import db

    engine = db(request)
    found = await run_in_threadpool(stores.lookup, engine, "web", source)
    if found is None:
        return JSONResponse({"error": f"no web source named {source!r}"}, status_code=404, headers=_CORS)
    store, _ = found
    try:
        payload = json.loads(body or b"{}")
        model = LeadIn if kind == "lead" else SaleIn
        data = model.model_validate(payload).model_dump(exclude_none=True)
        if kind == "lead":
            result = await run_in_threadpool(conversions.record_lead, engine, store.workspace_id, data,
                                             origin="browser:" + store.name)
        else:
            result = await run_in_threadpool(conversions.record_sale, engine, store.workspace_id, data,
                                             source=store.name)
    except (ValueError, PayloadError) as exc:  # pydantic's ValidationError is a ValueError
        return JSONResponse({"error": str(exc)[:500]}, status_code=422, headers=_CORS)
    return JSONResponse({"status": "created" if result.created else "duplicate"},
                        status_code=201 if result.created else 200, headers=_CORS)
