"""/api/v1/campaigns: created planned, listed by status, started once."""

BODY = {"slug": "autumn", "name": "Autumn", "goal": "bofu", "start": "2026-09-01", "end": "2026-09-30",
        "currency": "TWD", "budget": "120000", "status": "planned"}


def test_create_planned_filter_and_start(env):
    c = env.client("key_write")
    r = c.post("/api/v1/campaigns", json=BODY)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["status"] == "planned"
    assert [x["slug"] for x in c.get("/api/v1/campaigns", params={"status": "planned"}).json()] == ["autumn"]
    assert "autumn" not in [x["slug"] for x in c.get("/api/v1/campaigns", params={"status": "started"}).json()]
    assert c.get("/api/v1/campaigns", params={"status": "paused"}).status_code == 422
    # a plain create is started, as before
    plain = c.post("/api/v1/campaigns", json={k: v for k, v in BODY.items() if k != "status"} | {"slug": "plain"})
    assert plain.json()["status"] == "started"
    assert env.client("key_read").post(f"/api/v1/campaigns/{made['id']}/start").status_code == 403
    started = c.post(f"/api/v1/campaigns/{made['id']}/start")
    assert started.status_code == 200 and started.json()["status"] == "started"
    again = c.post(f"/api/v1/campaigns/{made['id']}/start")
    assert again.status_code == 409 and "not planned" in again.text
    # another workspace's campaign is not found
    other = env.objects["other"]["campaign_id"]
    assert c.post(f"/api/v1/campaigns/{other}/start").status_code == 404
    # the status is not changed by PATCH (starting is its own step)
    assert c.patch(f"/api/v1/campaigns/{made['id']}", json={"status": "planned"}).status_code == 422
