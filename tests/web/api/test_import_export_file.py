"""POST /api/v1/imports with ``source``: one native export file, answered with its per-file report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

EXP = Path(__file__).resolve().parents[2] / "ingest" / "fixtures" / "exports"


def test_export_file_import_answers_with_its_report(env):
    client = env.client("key_write")
    data = (EXP / "youtube_Totals.csv").read_bytes()
    resp = client.post("/api/v1/imports", data={"source": "youtube_studio@acme.channel"},
                       files=[("files", ("Totals.csv", data))])
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["changes"] == 3 and body["source"] == "youtube_studio" and body["file"] == "Totals.csv"
    assert body["report"] == {"rows_read": 3, "rows_stored": 3, "columns_used": ["Date", "Average view duration"],
                              "columns_ignored": [], "warnings": []}
    again = client.post("/api/v1/imports", data={"source": "youtube_studio@acme.channel"},
                        files=[("files", ("Totals.csv", data))])
    assert again.status_code == 201 and again.json()["changes"] == 0


def test_rejected_export_file_is_located(env):
    data = (EXP / "youtube_split_subscription.csv").read_bytes()
    resp = env.client("key_write").post("/api/v1/imports", data={"source": "youtube_studio@acme.channel"},
                                        files=[("files", ("Chart data.csv", data))])
    assert resp.status_code == 422
    err = resp.json()["errors"][0]
    assert (err["file"], err["line"], err["column"]) == ("Chart data.csv", 2, "Subscription status")


def test_export_file_import_takes_one_file(env):
    resp = env.client("key_write").post("/api/v1/imports", data={"source": "youtube_studio@acme.channel"},
                                        files=[("files", ("a.csv", b"Date,Views\n")), ("files", ("b.csv", b"x"))])
    assert resp.status_code == 422 and "exactly one" in resp.text


def test_per_video_table_needs_its_period(env):
    import sqlalchemy as sa

    from influscope.db import tables as t

    with env.engine.begin() as conn:  # the campaign creator's channel
        conn.execute(t.creator_accounts.insert().values(workspace_id=env.ws["acme"],
                                                        creator_id=env.objects["acme"]["creator_id"],
                                                        platform="youtube", handle="acme.cooks"))
    client = env.client("key_write")
    data = (EXP / "youtube_Table_data.csv").read_bytes()
    post = lambda **form: client.post("/api/v1/imports", data={"source": "youtube_studio@acme.cooks", **form},  # noqa: E731
                                      files=[("files", ("Table data.csv", data))])
    resp = post()
    assert resp.status_code == 422
    err = resp.json()["errors"][0]
    assert (err["file"], err["line"], err["column"]) == ("Table data.csv", 1, "-")
    assert err["message"].startswith("the counts of a per-video table are those of the period chosen in YouTube Studio")
    resp = post(period="last year")
    assert resp.status_code == 422 and resp.json()["errors"][0]["column"] == "period"
    resp = post(period="2025-06-08..2025-06-14")
    assert resp.status_code == 201, resp.text
    assert resp.json()["report"]["rows_stored"] == 1
    with env.engine.connect() as conn:
        got = conn.execute(sa.select(t.posts.c.key, t.post_metrics.c.as_of, t.post_metrics.c.views)
                           .join(t.post_metrics, t.post_metrics.c.post_id == t.posts.c.id)
                           .where(t.posts.c.key.like("dQw4w9WgXc%"))).all()
    assert [tuple(r) for r in got] == [("dQw4w9WgXc1", dt.datetime(2025, 6, 15), 48211)]
