"""A KPI declared once in the catalogue appears everywhere: computed, listed, in the schema, on the page."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import jsonschema
import pytest
from typer.testing import CliRunner

from influscope.kpi import catalogue
from influscope.kpi.api import kpis
from influscope.metrics.expr import Div, Ref

KID = "revenue_per_click"


@pytest.fixture
def declared(monkeypatch):
    from influscope.reports.build import clear_cache

    kpi = catalogue.declare(
        KID, "money", "up", ("bofu",), ("Revenue per click", "每次點擊營收", "الإيرادات لكل نقرة"),
        Div(Ref("revenue"), Ref("clicks")),
        ("Attributed revenue per human click.", "每次真人點擊的歸因營收。", "الإيرادات المنسوبة لكل نقرة بشرية."))
    monkeypatch.setitem(catalogue.KPIS, KID, kpi)
    clear_cache()
    yield kpi
    clear_cache()


def test_a_declared_kpi_is_computed_listed_in_the_schema_and_shown(declared, demo_engine, owner):
    from influscope.kpi.schema import result_schema

    # computed by the engine from its declaration, exactly
    res = kpis("spring-launch", workspace="acme", engine=demo_engine)
    revenue, clicks = res.value("revenue"), res.value("clicks")
    assert revenue is not None and clicks
    assert res.value(KID) == (revenue / clicks).quantize(Decimal("0.0001"))
    doc = res.to_dict()
    assert doc["kpis"][KID]["formula"]["en"] == "Revenue / Clicks"
    # in the JSON Schema, which the result satisfies
    schema = result_schema()
    assert KID in schema["$defs"]["kpi_id"]["enum"]
    jsonschema.validate(json.loads(json.dumps(doc)), schema)
    # in the CLI's list
    from influscope.cli import app

    out = CliRunner().invoke(app, ["kpi", "--list"], catch_exceptions=False).output
    assert KID in out and "Revenue per click" in out
    # in the API's catalogue and the campaign's KPIs
    api = owner.get("/api/v1/kpis/catalogue", headers={"accept": "application/json"})
    assert api.status_code == 200 and KID in {k["id"] for k in api.json()}
    # on the dashboard's campaign page, with its formula
    page = owner.get("/campaigns/spring-launch?compare=none").text
    assert KID in re.findall(r'data-kpi="([a-z_]+)"', page)
    assert "Revenue / Clicks" in page
