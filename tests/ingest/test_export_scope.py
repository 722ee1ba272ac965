"""``influscope export --campaign X`` writes what campaign X owns and nothing of another campaign."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from influscope.db.engine import get_engine
from influscope.ingest.canonical import import_bundle


def _campaign(slug: str, creator: str, handle: str, code: str) -> dict[str, str]:
    return {
        "campaign.yaml": f"id: {slug}\nname: {slug}\ngoal: bofu\nstart: 2026-03-01\nend: 2026-03-31\n"
                         f"timezone: Asia/Taipei\ncurrency: TWD\nbudget: 1000\n",
        "creators.csv": f"creator_id,platform,handle\n{creator},instagram,{handle}\n",
        "codes.csv": f"code,creator_id,kind\n{code},{creator},affiliate\n",
        "links.csv": f"link_id,creator_id,platform,destination_url\n{slug}-l1,{creator},instagram,https://shop.example.com/\n",
        "costs.csv": f"cost_id,creator_id,kind,amount,currency,incurred_on\nfee-{creator},{creator},fee,500,TWD,2026-03-02\n",
    }


WORKSPACE_FILES = {
    "orders.csv": "order_id,created_at,currency,subtotal,status,discount_codes,landing_url\n"
                  "o-spring,2026-03-05T10:00:00Z,TWD,1000,paid,MEI15,\n"
                  "o-webinar,2026-03-06T10:00:00Z,TWD,2000,paid,KAI10,\n"
                  "o-utm,2026-03-07T10:00:00Z,TWD,3000,paid,,https://shop.example.com/?utm_content=kai.talks\n"
                  "o-none,2026-03-08T10:00:00Z,TWD,4000,paid,,\n",
    "leads.csv": "lead_id,type,ts,code,utm_content\n"
                 "L-spring,signup,2026-03-05T11:00:00Z,MEI15,\n"
                 "L-webinar,webinar,2026-03-06T11:00:00Z,,kai.talks\n",
    "traffic.csv": "date,source,medium,campaign,content,sessions\n"
                   "2026-03-05,instagram,influencer,spring,mei.eats,10\n"
                   "2026-03-05,instagram,influencer,webinar,kai.talks,20\n"
                   "2026-03-05,,,,,300\n",
    "followers.csv": "platform,handle,date,followers\ninstagram,mei.eats,2026-03-01,100\ninstagram,kai.talks,2026-03-01,200\n",
}


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _export(url: str, out: Path, *extra: str) -> None:
    done = subprocess.run(check=False, args=[sys.executable, "-m", "influscope.cli", "--db", url, "--workspace", "acme", "export",
                           str(out), "--campaign", "spring", *extra], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_a_campaign_export_holds_only_what_the_campaign_owns(tmp_path):
    url = f"sqlite:///{tmp_path / 'influscope.db'}"
    engine = get_engine(url)
    import_bundle(engine, _write(tmp_path / "spring", _campaign("spring", "mei", "mei.eats", "MEI15")), workspace="acme")
    import_bundle(engine, _write(tmp_path / "webinar", _campaign("webinar", "kai", "kai.talks", "KAI10")),
                  workspace="acme")
    import_bundle(engine, _write(tmp_path / "events", WORKSPACE_FILES), workspace="acme")
    engine.dispose()

    out = tmp_path / "out"
    _export(url, out)
    assert [r["order_id"] for r in _rows(out / "orders.csv")] == ["o-spring"]
    assert [r["lead_id"] for r in _rows(out / "leads.csv")] == ["L-spring"]
    assert [r["creator_id"] for r in _rows(out / "creators.csv")] == ["mei"]
    assert [r["code"] for r in _rows(out / "codes.csv")] == ["MEI15"]
    assert [r["link_id"] for r in _rows(out / "links.csv")] == ["spring-l1"]
    assert [r["cost_id"] for r in _rows(out / "costs.csv")] == ["fee-mei"]
    assert sorted(r["campaign"] for r in _rows(out / "traffic.csv")) == ["", "spring"]
    assert [r["handle"] for r in _rows(out / "followers.csv")] == ["mei.eats"]
    text = "".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    for secret in ("webinar", "kai", "KAI10", "o-utm", "o-none"):
        assert secret not in text, secret

    everything = tmp_path / "all"
    _export(url, everything, "--all")
    assert {r["order_id"] for r in _rows(everything / "orders.csv")} == {"o-spring", "o-webinar", "o-utm", "o-none"}
    assert {r["lead_id"] for r in _rows(everything / "leads.csv")} == {"L-spring", "L-webinar"}
    # the campaign's own files stay the campaign's
    assert [r["creator_id"] for r in _rows(everything / "creators.csv")] == ["mei"]
