"""The imports page asks the server how far an upload's import is while it waits for the answer."""

from __future__ import annotations

import io
import threading
import time
import zipfile

from tests.web.ui.bundle import write_bundle


def _big_bundle_zip(tmp_path, clicks: int) -> bytes:
    folder = write_bundle(tmp_path / "bundle", slug="progress-sale")
    links = (folder / "links.csv").read_text().splitlines()
    slug = links[1].split(",")[links[0].split(",").index("link_id")]
    lines = ["click_id,link_id,ts,is_bot,visitor_hash"] + [
        f"pg{i:07d},{slug},2026-03-0{1 + i % 9}T{i % 24:02d}:{i % 60:02d}:00Z,false,v{i % 5000}" for i in range(clicks)]
    (folder / "clicks.csv").write_text("\n".join(lines) + "\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, f"progress-sale/{p.name}")
    return buf.getvalue()


def test_progress_of_a_running_import_is_reported_to_its_page(owner, viewer, tmp_path):
    token = "t" * 8 + "0123456789abcdef"
    data = _big_bundle_zip(tmp_path, 150_000)
    answer = {}

    def upload() -> None:
        answer["r"] = owner.post("/imports", data={"csrf_token": owner.csrf, "progress": token},
                                 files=[("files", ("progress-sale.zip", data, "application/zip"))])

    thread = threading.Thread(target=upload)
    thread.start()
    seen = []
    while thread.is_alive():
        r = owner.get(f"/imports/progress/{token}", headers={"accept": "application/json"})
        if r.status_code == 200:
            seen.append(r.json())
            # following an import takes the role that may import
            assert viewer.get(f"/imports/progress/{token}").status_code == 403
        time.sleep(0.05)
    thread.join()
    assert answer["r"].status_code == 200, answer["r"].text[:800]
    assert 'id="import-ok"' in answer["r"].text
    assert seen, "the import finished before it was ever seen"
    assert {s["phase"] for s in seen} <= {"reading", "checking", "writing", "done"}
    assert all(s["total"] >= s["rows"] >= 0 for s in seen)
    writing = [s for s in seen if s["phase"] == "writing"]
    assert any(s["total"] >= 150_000 for s in seen)
    assert all(s["rows_per_s"] >= 0 for s in writing)
    # once answered, the token is forgotten
    assert owner.get(f"/imports/progress/{token}").status_code == 404


def test_progress_needs_a_known_token(owner):
    assert owner.get("/imports/progress/unknown-token-000000").status_code == 404
    page = owner.get("/imports")
    assert 'id="import-progress"' in page.text and 'name="progress"' in page.text
