"""POST /api/v1/imports with ``source``: one native export file, answered with its per-file report."""

from __future__ import annotations

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
