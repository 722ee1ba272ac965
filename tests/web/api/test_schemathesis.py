"""Property-based contract test of the REST API with schemathesis, against /api/v1/openapi.json,
authenticated with an API key that may write and see costs (the most an API key can do).

Every generated request must get a non-5xx answer that matches the documented status codes,
content types, headers and response schemas. A handful of examples per operation keeps this well
under a minute; the results are recorded in bench/RESULTS.md ("API hardening").
"""

from __future__ import annotations

import collections
import json
import os

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, positive_data_acceptance

from influscope import config
from influscope.auth import keys
from influscope.auth.users import create_user
from influscope.db.engine import get_engine
from tests.web.api.conftest import _objects

EXAMPLES = int(os.environ.get("INFLUSCOPE_SCHEMATHESIS_EXAMPLES", "6"))
COVERAGE = os.environ.get("INFLUSCOPE_SCHEMATHESIS_COVERAGE", "0") == "1"
CONFIG = f"""
request-timeout = 60
[phases.coverage]
enabled = {"true" if COVERAGE else "false"}
[phases.stateful]
enabled = false
"""


@pytest.fixture(scope="module")
def api_setup(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('st') / 'influscope.db'}"
    previous = config.get_settings()
    config.configure(database_url=url, workspace="acme")
    engine = get_engine(url)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INFLUSCOPE_ARGON2_MEMORY_KIB", "8192")
        mp.setenv("INFLUSCOPE_ARGON2_TIME_COST", "1")
        create_user(engine, "owner@acme.example", "correct horse battery", workspace="acme")
        create_user(engine, "owner@other.example", "correct horse battery", workspace="other")
    with engine.begin() as conn:
        _objects(conn, 1, "acme")
        _objects(conn, 2, "other")
    key = keys.create_key(engine, 1, scopes="read write", can_see_costs=True, name="schemathesis").key
    from influscope.web.app import create_app

    app = create_app()
    app.state.engine = engine
    app.add_middleware(_StatusCounter)
    app.state.limits.api_per_min = 0  # the contract test is not a rate-limit test
    # The first KPI computation loads the engine's models; do it before the clock of any request runs.
    from fastapi.testclient import TestClient

    warm = TestClient(app, headers={"Authorization": f"Bearer {key}"}).get("/api/v1/campaigns/1/kpis")
    assert warm.status_code == 200, warm.text
    yield app, key
    config.configure(database_url=previous.database_url, workspace=previous.workspace)
    server_errors = {k: v for k, v in STATUSES.items() if k >= 500}
    summary = os.environ.get("INFLUSCOPE_SCHEMATHESIS_SUMMARY")
    if summary:  # bench/api_contract.py records these figures
        with open(summary, "w", encoding="utf-8") as fh:
            json.dump({"requests": sum(STATUSES.values()), "statuses": dict(sorted(STATUSES.items())),
                       "operations": sorted(OPERATIONS)}, fh, indent=2)
    assert sum(STATUSES.values()) > 50 and server_errors == {}, STATUSES


STATUSES: collections.Counter = collections.Counter()
OPERATIONS: set[str] = set()


class _StatusCounter:
    """Counts the status codes of every request the contract test sends (5xx must stay at zero)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def counting_send(message):
            if message["type"] == "http.response.start":
                STATUSES[message["status"]] += 1
            await send(message)

        await self.app(scope, receive, counting_send)


@pytest.fixture(scope="module")
def api_schema(api_setup):
    app, _ = api_setup
    config = SchemathesisConfig.from_str(CONFIG)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=config)


@pytest.fixture(scope="module")
def api_key(api_setup):
    return api_setup[1]


schema = schemathesis.pytest.from_fixture("api_schema")


# Operations of the accounts-and-API area get every check; the other areas' operations in the same
# document (webhooks, conversion API, planning) are held to "no server error" here and to their
# full contract in their own suites (INFLUSCOPE_SCHEMATHESIS_ALL=1 applies every check to them here).
FULL_CONTRACT = ("/api/v1/campaigns", "/api/v1/creators", "/api/v1/posts", "/api/v1/codes", "/api/v1/costs",
                 "/api/v1/imports", "/api/v1/kpis", "/api/v1/me", "/api/v1/keys", "/api/v1/members",
                 "/api/v1/audit", "/api/v1/settings", "/api/v1/shares", "/api/v1/shared")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_contract(case, api_key):
    headers = {"Authorization": f"Bearer {api_key}"}
    path = case.operation.path
    OPERATIONS.add(f"{case.method.upper()} {path}")
    if not path.startswith(FULL_CONTRACT) and os.environ.get("INFLUSCOPE_SCHEMATHESIS_ALL") != "1":
        case.call_and_validate(headers=headers, checks=[not_a_server_error])
        return
    excluded = []
    if case.method.upper() in ("POST", "PUT", "PATCH") or path.endswith("/kpis"):
        # Schema-valid writes may still be refused for reasons a schema cannot state (a reference to
        # an object that does not exist, a duplicate key, end before start): 404/409/422 with a message.
        # The KPI window is the same for reads (start/end).
        excluded.append(positive_data_acceptance)
    case.call_and_validate(headers=headers, excluded_checks=excluded)
