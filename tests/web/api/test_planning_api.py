"""/api/v1/benchmarks, /api/v1/emv/tables and /api/v1/plan/*: answers and permissions."""

from decimal import Decimal


def test_reference_data_for_readers(env):
    c = env.client("key_read")
    b = c.get("/api/v1/benchmarks").json()
    assert b["ctr"]["default"]["value"] == 1.36 and b["ctr"]["default"]["source"]["verified"] is True
    assert b["ctr"]["default"]["source"]["name"].startswith("Later, 8 Influencer Marketing KPIs")
    assert b["tiers"]["default"][1] == {"id": "micro", "min": 10000, "max": 100000}
    assert b["er_bands"]["instagram"][2]["low"] == 0.84
    tables = c.get("/api/v1/emv/tables").json()
    default = next(t for t in tables if t["default"])
    assert default["name"] == "ayzenberg" and default["estimate"] is True
    assert default["rates"]["instagram"]["comments"] == "3.46"
    assert env.client().get("/api/v1/benchmarks").status_code == 401


def test_plan_value(env):
    body = {"followers": 85000, "platform": "instagram", "deliverables": 2,
            "posts": [{"impressions": 42000, "likes": 1200, "comments": 40}, {"impressions": 38000, "likes": 900, "comments": 30}]}
    r = env.client("analyst").post("/api/v1/plan/value", json=body)
    assert r.status_code == 200, r.text
    j = r.json()
    assert j["fee"]["low"] == "800.00" and j["fee"]["high"] == "2000.00" and j["tier"] == "micro"
    assert j["per_post"]["impressions"]["value"] == 40000
    # fees are costs: a viewer without cost access is refused
    assert env.client("viewer").post("/api/v1/plan/value", json=body).status_code == 403
    assert env.client("viewer_costs").post("/api/v1/plan/value", json=body).status_code == 200
    bad = env.client("analyst").post("/api/v1/plan/value", json={**body, "emv_table": "nope"})
    assert bad.status_code == 422 and "unknown EMV table" in bad.text
    half = env.client("analyst").post("/api/v1/plan/value", json={**body, "cpm_low": "5"})
    assert half.status_code == 422 and "cpm_low and cpm_high" in half.text
    path = env.client("analyst").post("/api/v1/plan/value", json={**body, "emv_table": "../../etc/passwd.yaml"})
    assert path.status_code == 422  # only shipped table names


def test_plan_allocate(env):
    body = {"budget": "80000", "goal": "bofu", "candidates": [
        {"id": "big", "fee": "50000", "outcome": 150000}, {"id": "mid", "fee": "20000", "outcome": 80000},
        {"id": "small", "fee": "10000", "outcome": 25000}, {"id": "pricey", "fee": "90000", "outcome": 90000}]}
    r = env.client("key_write_costs").post("/api/v1/plan/allocate", json=body)
    assert r.status_code == 200, r.text
    j = r.json()
    assert j["objective"] == "revenue" and Decimal(j["spent"]) == 80000
    assert {i["id"] for i in j["items"] if i["booked"]} == {"big", "mid", "small"}
    assert env.client("key_write").post("/api/v1/plan/allocate", json=body).status_code == 403
    tiny = env.client("analyst").post("/api/v1/plan/allocate", json={**body, "step": "0.01"})
    assert tiny.status_code == 422 and "too small" in tiny.text
    assert env.client("analyst").post("/api/v1/plan/allocate", json={}).status_code == 422


def test_creator_value_from_the_store(env):
    mei = env.objects["acme"]["creator_id"]
    r = env.client("analyst").get(f"/api/v1/creators/{mei}/value", params={"deliverables": 2, "coverage": 0.9})
    assert r.status_code == 200, r.text
    j = r.json()
    assert j["creator"] == "acme-mei" and j["deliverables"] == 2 and j["coverage"] == 0.9
    (acc,) = j["accounts"]
    assert acc["handle"] == "acme_mei" and acc["from_history"] is True and acc["posts_used"] == 1
    imp = acc["expected_per_deliverable"]["impressions"]
    assert imp["observations"] == 1 and imp["low"] < imp["value"] < imp["high"]
    # 12,000 TWD fee for 1,000 impressions in the one past campaign
    assert acc["actual_cost_per_result"]["cpm"] == 12000.0
    # fees are costs; another workspace's creator is not found; bad parameters are refused
    assert env.client("viewer").get(f"/api/v1/creators/{mei}/value").status_code == 403
    assert env.client("viewer_costs").get(f"/api/v1/creators/{mei}/value").status_code == 200
    other = env.objects["other"]["creator_id"]
    assert env.client("analyst").get(f"/api/v1/creators/{other}/value").status_code == 404
    assert env.client("analyst").get(f"/api/v1/creators/{mei}/value", params={"coverage": 2}).status_code == 422
    missing = env.client("analyst").get(f"/api/v1/creators/{mei}/value", params={"campaign": "nope"})
    assert missing.status_code == 404 and "no campaign 'nope'" in missing.text


def test_candidate_lists_and_split(env):
    w = env.client("analyst")
    r = w.post("/api/v1/plan/lists", json={"slug": "autumn", "name": "Autumn"})
    assert r.status_code == 201, r.text
    assert w.post("/api/v1/plan/lists", json={"slug": "autumn"}).status_code == 422  # exists already
    missing = w.post("/api/v1/plan/lists", json={"slug": "x", "campaign": "nope"})
    assert missing.status_code == 404 and "no campaign 'nope'" in missing.text
    r = w.post("/api/v1/plan/lists/autumn/creators", json={"creators": ["acme-mei"], "fee": "3000", "max_deliverables": 2})
    assert r.status_code == 200 and r.json() == {"added": 1}
    csv_body = "platform,handle,followers,reach,impressions,likes,quoted_fee\ninstagram,new.face,45000,7000,9000,400,2000\n"
    r = w.post("/api/v1/plan/lists/autumn/prospects", content=csv_body, headers={"content-type": "text/csv"})
    assert r.status_code == 200 and r.json() == {"imported": 1}
    bad = w.post("/api/v1/plan/lists/autumn/prospects", content="platform,handle\nmyspace,x\n",
                 headers={"content-type": "text/csv"})
    assert bad.status_code == 422 and "line 2: platform" in bad.text
    listed = w.get("/api/v1/plan/lists/autumn").json()
    assert {c["handle"] for c in listed["candidates"]} == {"acme_mei", "new.face"}
    prospect = next(c for c in listed["candidates"] if c["handle"] == "new.face")
    assert prospect["quoted_fee"] == "2000" and prospect["from_history"] is False
    r = w.patch(f"/api/v1/plan/lists/autumn/candidates/{prospect['id']}", json={"choice": "exclude"})
    assert r.status_code == 200, r.text
    sp = w.get("/api/v1/plan/lists/autumn/split", params={"budget": "10000", "goal": "tofu"})
    assert sp.status_code == 200, sp.text
    j = sp.json()
    assert j["objective"] == "reach" and Decimal(j["spent"]) <= 10000
    booked = {r["label"]: r["deliverables"] for r in j["rows"]}
    assert booked["instagram @new.face"] == 0 and booked["instagram @acme_mei"] >= 1
    assert j["interval"]["low"] < j["outcome"] < j["interval"]["high"]
    assert booked["instagram @acme_mei"] == 2 and j["next_best"] is None  # mei at her maximum; new.face excluded
    assert j["expected_revenue"] is None  # a TOFU split: no revenue expectation
    bofu = w.get("/api/v1/plan/lists/autumn/split", params={"budget": "10000", "goal": "bofu"}).json()
    rev = bofu["expected_revenue"]
    assert set(rev) >= {"expected", "from_creators", "from_sales_forecast", "currency", "coverage", "fees"}
    assert rev["from_creators"]["rests_on"] and rev["from_sales_forecast"]["rests_on"]
    nobudget = w.get("/api/v1/plan/lists/autumn/split")
    assert nobudget.status_code == 422 and "budget: required" in nobudget.text
    # fees are costs; other workspaces do not see the list
    assert env.client("viewer").get("/api/v1/plan/lists/autumn").status_code == 403
    assert env.client("other_owner").get("/api/v1/plan/lists/autumn").status_code == 404
    assert env.client("viewer").post("/api/v1/plan/lists", json={"slug": "x"}).status_code == 403
