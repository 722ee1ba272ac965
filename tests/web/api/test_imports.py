"""Bundle upload: files or a zip, transactional, located errors, nothing outside the staging folder."""

from __future__ import annotations

import io
import zipfile

import sqlalchemy as sa

from influscope.db import tables as t

CAMPAIGN = b"""id: summer
name: Summer
goal: tofu
start: 2026-06-01
end: 2026-06-30
timezone: Asia/Taipei
currency: TWD
budget: 100000
"""
CREATORS = b"creator_id,platform,handle,name,followers\nmei,instagram,mei.eats,Mei,48200\nkai,tiktok,kai,Kai,9000\n"
BAD_CREATORS = b"creator_id,platform,handle,followers\nmei,instagram,mei.eats,lots\nkai,myspace,kai,9000\n"


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _campaigns(env):
    with env.engine.connect() as conn:
        return set(conn.execute(sa.select(t.campaigns.c.slug).where(t.campaigns.c.workspace_id == env.ws["acme"]))
                   .scalars())


def test_upload_files_and_zip(env):
    client = env.client("key_write_costs")
    resp = client.post("/api/v1/imports", files=[("files", ("campaign.yaml", CAMPAIGN)),
                                                  ("files", ("creators.csv", CREATORS))])
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["campaign"] == "summer" and body["files"]["creators.csv"]["inserted"] == 2
    assert "summer" in _campaigns(env)
    again = client.post("/api/v1/imports", files=[("files", ("bundle.zip", _zip(
        {"summer/campaign.yaml": CAMPAIGN, "summer/creators.csv": CREATORS, "__MACOSX/._creators.csv": b"x"})))])
    assert again.status_code == 201 and again.json()["changes"] == 0


def test_rejected_bundle_is_located_and_writes_nothing(env):
    before = _campaigns(env)
    resp = env.client("key_write_costs").post("/api/v1/imports", files=[("files", ("campaign.yaml", CAMPAIGN)),
                                                                  ("files", ("creators.csv", BAD_CREATORS))])
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    assert {"file": "creators.csv", "line": 2, "column": "followers"} == {k: errors[0][k] for k in ("file", "line", "column")}
    assert any(e["line"] == 3 and e["column"] == "platform" for e in errors)
    assert "nothing was written" in resp.json()["message"]
    assert _campaigns(env) == before


def test_hostile_uploads_are_refused(env):
    client = env.client("key_write")
    # path traversal inside a zip: only the base name counts, and unknown names are refused
    evil = _zip({"../../etc/passwd": b"root", "campaign.yaml": CAMPAIGN})
    resp = client.post("/api/v1/imports", files=[("files", ("x.zip", evil))])
    assert resp.status_code == 422 and "unknown file" in resp.json()["errors"][0]["message"]
    resp = client.post("/api/v1/imports", files=[("files", ("../campaign.yaml", b"id: [unclosed"))])
    assert resp.status_code == 422 and resp.json()["errors"][0]["file"] == "campaign.yaml"
    resp = client.post("/api/v1/imports", files=[("files", ("x.zip", b"PK\x03\x04 not really a zip"))])
    assert resp.status_code == 422 and "not a valid zip" in resp.json()["errors"][0]["message"]
    dup = client.post("/api/v1/imports", files=[("files", ("creators.csv", CREATORS)), ("files", ("creators.csv", CREATORS))])
    assert dup.status_code == 422 and "twice" in dup.json()["errors"][0]["message"]
    # a zip bomb: small compressed, huge unpacked
    from influscope.web.api import imports

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("creators.csv", b"0" * (imports.MAX_UNZIPPED_BYTES + 1024))
    assert len(buf.getvalue()) < 1024 * 1024
    resp = client.post("/api/v1/imports", files=[("files", ("bomb.zip", buf.getvalue()))])
    assert resp.status_code == 422 and "larger than" in resp.json()["errors"][0]["message"]
    assert env.client("key_read").post("/api/v1/imports", files=[("files", ("creators.csv", CREATORS))]).status_code == 403


def test_a_key_without_cost_access_cannot_import_costs_or_budgets(env):
    client = env.client("key_write")
    resp = client.post("/api/v1/imports", files=[("files", ("campaign.yaml", CAMPAIGN.replace(b"summer", b"autumn")))])
    assert resp.status_code == 403
    assert resp.json()["errors"][0] == {"file": "campaign.yaml", "line": 8, "column": "budget",
                                        "message": "budgets and costs are not shared with this account"}
    costs = b"cost_id,kind,amount,currency,incurred_on\nfee-1,fee,100,TWD,2026-06-01\n"
    no_budget = CAMPAIGN.replace(b"summer", b"autumn").replace(b"budget: 100000\n", b"")
    resp = client.post("/api/v1/imports", files=[("files", ("campaign.yaml", no_budget)),
                                                  ("files", ("costs.csv", costs))])
    assert resp.status_code == 403 and resp.json()["errors"][0]["file"] == "costs.csv"
    assert "autumn" not in _campaigns(env)
    # without costs the same key imports, and an existing campaign keeps its budget
    assert client.post("/api/v1/imports", files=[("files", ("campaign.yaml", no_budget))]).status_code == 201
    with env.engine.begin() as conn:
        conn.execute(t.campaigns.update().where(t.campaigns.c.slug == "autumn").values(budget=5000,
                                                                                       targets={"roas": 3.0}))
    assert client.post("/api/v1/imports", files=[("files", ("campaign.yaml", no_budget))]).status_code == 201
    with env.engine.connect() as conn:
        budget, targets = conn.execute(sa.select(t.campaigns.c.budget, t.campaigns.c.targets)
                                       .where(t.campaigns.c.slug == "autumn")).one()
    assert budget == 5000 and targets == {"roas": 3.0}
