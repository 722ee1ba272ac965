"""Every face hides exactly the KPIs that reveal costs from a principal who may not see costs."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl

from influscope.kpi.catalogue import KPIS
from influscope.metrics.policy import COST_KPIS


def _page_kpis(client) -> set[str]:
    return set(re.findall(r'data-kpi="([a-z_]+)"', client.get("/campaigns/spring-launch?compare=none").text))


def _xlsx_kpis(client) -> set[str]:
    wb = openpyxl.load_workbook(io.BytesIO(client.get("/campaigns/spring-launch/report.xlsx").content))
    sheet = wb["kpis"]
    head = [c.value for c in sheet[1]]
    return {row[head.index("id")] for row in sheet.iter_rows(min_row=2, values_only=True)}


def _csv_kpis(client) -> set[str]:
    z = zipfile.ZipFile(io.BytesIO(client.get("/campaigns/spring-launch/report-csv.zip").content))
    return {r["id"] for r in csv.DictReader(io.StringIO(z.read("kpis.csv").decode("utf-8")))}


def _api_hidden(client) -> set[str]:
    cid = next(c["id"] for c in client.get("/api/v1/campaigns", headers={"accept": "application/json"}).json()
               if c["slug"] == "spring-launch")
    doc = client.get(f"/api/v1/campaigns/{cid}/kpis", headers={"accept": "application/json"}).json()
    return {k for k, v in doc["kpis"].items() if v["value"] is None and "hidden" in (v["reason"] or "")}


def test_every_face_hides_the_same_cost_kpis(owner, viewer):
    assert COST_KPIS and COST_KPIS < set(KPIS)
    # the API blanks exactly the cost KPIs, with a reason
    assert _api_hidden(viewer) == set(COST_KPIS) and _api_hidden(owner) == set()
    # the page, the XLSX and the CSV leave out exactly the cost KPIs that the owner sees
    for face in (_page_kpis, _xlsx_kpis, _csv_kpis):
        seen_by_owner, seen_by_viewer = face(owner), face(viewer)
        assert seen_by_owner & COST_KPIS, face.__name__  # the owner does see costs there
        assert seen_by_owner - seen_by_viewer == seen_by_owner & COST_KPIS, face.__name__
        assert not seen_by_viewer & COST_KPIS, face.__name__


def test_a_share_link_without_the_budget_hides_the_same_set(owner):
    cid = next(c["id"] for c in owner.get("/api/v1/campaigns", headers={"accept": "application/json"}).json()
               if c["slug"] == "spring-launch")
    made = owner.post("/api/v1/shares", json={"campaign_id": cid, "show_budget": False},
                      headers={"accept": "application/json", "x-csrf-token": owner.csrf})
    assert made.status_code == 201, made.text
    shared = owner.get(made.json()["api_path"], headers={"accept": "application/json"}).json()
    kpis = shared["report"]["kpis"]
    hidden = {k for k, v in kpis.items() if v["value"] is None and "hidden" in (v["reason"] or "")}
    assert hidden == set(COST_KPIS)
