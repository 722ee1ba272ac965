"""``/api/v1/settings/destination-hosts``: the workspace's allow-list of link destination hosts (admin).

Empty (the default): a tracking link may send visitors to any public host. With hosts listed,
only those hosts and their subdomains are accepted wherever a link is made (REST API, dashboard,
CLI, bundle import). Loopback, private and reserved addresses and local host names are refused for
every link, listed or not, so they cannot be listed either.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import Field

from influscope.auth import audit
from influscope.auth.deps import Principal, db, require
from influscope.ingest import rules
from influscope.tracking.destinations import allowed_hosts, set_allowed_hosts
from influscope.web.api._common import ERRORS, WRITE_ERRORS, Model, Text, strict_query

router = APIRouter(prefix="/api/v1/settings/destination-hosts", tags=["settings"], responses=ERRORS,
                   dependencies=[Depends(strict_query)])


class DestinationHosts(Model):
    hosts: Annotated[list[Text(253, 1)], Field(max_length=rules.MAX_ALLOWED_HOSTS)] = Field(  # type: ignore[valid-type]
        default_factory=list,
        description="Host names links may send visitors to (each also allows its subdomains); empty: any public host.")


@router.get("", response_model=DestinationHosts, summary="The allow-list of link destination hosts")
def get_hosts(p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> DestinationHosts:
    with engine.connect() as conn:
        return DestinationHosts(hosts=allowed_hosts(conn, p.workspace_id))


@router.put("", response_model=DestinationHosts, responses=WRITE_ERRORS,
            summary="Replace the allow-list of link destination hosts (an empty list allows any public host)")
def put_hosts(body: DestinationHosts, p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)):
    errors = []
    for i, host in enumerate(body.hosts):
        try:
            rules.parse_host_list(host)
        except ValueError as exc:
            errors.append({"location": ["body", "hosts", i], "message": str(exc)})
    if errors:
        return JSONResponse(status_code=422, content={
            "status": 422, "message": f"invalid request: hosts: {errors[0]['message']}", "errors": errors})

    def log(conn: sa.Connection, hosts: list[str]) -> None:
        audit.record_for(conn, p, "settings.destination_hosts", detail={"hosts": hosts})

    return DestinationHosts(hosts=set_allowed_hosts(engine, p.workspace_id, body.hosts, on_saved=log))
