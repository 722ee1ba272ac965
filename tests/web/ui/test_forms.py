"""Imports, links and codes, settings: validated, located errors, nothing half-written."""

from __future__ import annotations

import io
import zipfile

import sqlalchemy as sa

from influscope.db import tables as t
from tests.web.ui.bundle import write_bundle


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def _zip(folder) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, f"bundle/{p.name}")
    return buf.getvalue()


def test_upload_with_an_error_is_located_and_imports_nothing(owner, demo_engine, tmp_path):
    before = {tb.name: _count(demo_engine, tb) for tb in (t.orders, t.campaigns, t.posts, t.clicks)}
    folder = write_bundle(tmp_path / "bad", slug="autumn-sale", bad_line=True)
    r = owner.post("/imports", data={"csrf_token": owner.csrf},
                   files=[("files", ("autumn.zip", _zip(folder), "application/zip"))])
    assert r.status_code == 422
    assert "orders.csv:4: subtotal:" in r.text and "Nothing was imported." in r.text
    after = {tb.name: _count(demo_engine, tb) for tb in (t.orders, t.campaigns, t.posts, t.clicks)}
    assert after == before


def test_upload_a_good_bundle_as_files(owner, demo_engine, tmp_path):
    folder = write_bundle(tmp_path / "good", slug="autumn-sale")
    files = [("files", (p.name, p.read_bytes(), "text/plain")) for p in sorted(folder.iterdir())]
    r = owner.post("/imports", data={"csrf_token": owner.csrf}, files=files)
    assert r.status_code == 200, r.text
    assert "Imported." in r.text and "orders.csv" in r.text
    assert "autumn-sale" in owner.get("/").text


def test_zip_with_path_traversal_is_refused(owner, demo_engine):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../campaign.yaml", "id: x\n")
    r = owner.post("/imports", data={"csrf_token": owner.csrf},
                   files=[("files", ("evil.zip", buf.getvalue(), "application/zip"))])
    assert r.status_code == 422 and "unsafe path" in r.text


def test_upload_needs_csrf_and_analyst(owner, viewer):
    r = owner.post("/imports", files=[("files", ("a.zip", b"PK", "application/zip"))])
    assert r.status_code == 403
    r = viewer.post("/imports", data={"csrf_token": viewer.csrf}, files=[("files", ("a.zip", b"x", "application/zip"))])
    assert r.status_code == 403


def test_links_page_create_copy_and_qr(owner, demo_engine):
    page = owner.get("/links")
    assert page.status_code == 200 and "/l/acme/spring-mei-lin" in page.text and 'data-copy="' in page.text
    r = owner.post("/links", data={"csrf_token": owner.csrf, "campaign": "spring-launch", "creator": "omar",
                                   "platform": "tiktok", "destination": "https://shop.example.com/new"},
                   follow_redirects=False)
    assert r.status_code == 303
    slug = r.headers["location"].split("created=")[1]
    assert len(slug) == 12  # random and unguessable, at /l/<slug>
    qr = owner.get(f"/links/{slug}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml") and b"<svg" in qr.content
    assert f"/l/{slug}".encode() in qr.content or b"<path" in qr.content
    # a slug of one's own lives under the workspace id; taken again in the workspace, it is refused
    own = {"csrf_token": owner.csrf, "campaign": "spring-launch", "platform": "tiktok",
           "destination": "https://shop.example.com/own", "slug": "omar-tt"}
    assert owner.post("/links", data=own, follow_redirects=False).status_code == 303
    assert "/l/acme/omar-tt" in owner.get("/links?q=omar-tt").text
    again = owner.post("/links", data=own)
    assert again.status_code == 422 and "already used by a link of this workspace" in again.text
    bad = owner.post("/links", data={"csrf_token": owner.csrf, "campaign": "spring-launch", "platform": "tiktok",
                                     "destination": "javascript:alert(1)"})
    assert bad.status_code == 422 and "destination" in bad.text


def test_codes_create_and_reject_duplicates(owner, demo_engine):
    ok = owner.post("/codes", data={"csrf_token": owner.csrf, "code": "jordan5", "campaign": "spring-launch",
                                    "creator": "jordan", "kind": "affiliate"}, follow_redirects=False)
    assert ok.status_code == 303
    assert "JORDAN5" in owner.get("/links").text
    dup = owner.post("/codes", data={"csrf_token": owner.csrf, "code": "MEILIN15", "campaign": "spring-launch",
                                     "creator": "mei-lin", "kind": "affiliate"})
    assert dup.status_code == 422 and "already exists" in dup.text
    bad = owner.post("/codes", data={"csrf_token": owner.csrf, "code": "=cmd()", "campaign": "spring-launch",
                                     "creator": "", "kind": "affiliate"})
    assert bad.status_code == 422


def test_settings_methodology_validated_and_saved(owner, demo_engine):
    page = owner.get("/settings")
    assert page.status_code == 200 and "er_denominator" in page.text and "ayzenberg" in page.text
    bad = owner.post("/settings/methodology", data={"csrf_token": owner.csrf, "overrides": "er_denominator=likes"})
    assert bad.status_code == 422 and "er_denominator" in bad.text and "Nothing was saved." in bad.text
    ok = owner.post("/settings/methodology", data={"csrf_token": owner.csrf,
                                                   "overrides": "er_denominator=reach\nattribution_window_days=14"},
                    follow_redirects=False)
    assert ok.status_code == 303
    with demo_engine.connect() as conn:
        stored = conn.execute(sa.select(t.workspaces.c.methodology).where(t.workspaces.c.slug == "acme")).scalar()
    assert stored == {"er_denominator": "reach", "attribution_window_days": 14}
    # the card explanation shows the new setting
    page = owner.get("/campaigns/spring-launch?compare=none").text
    assert "attribution_window_days = 14" in page


def test_targets_edit(owner, demo_engine):
    bad = owner.post("/settings/targets/spring-launch", data={"csrf_token": owner.csrf, "targets": "roas=abc\nnope=1"})
    assert bad.status_code == 422 and "targets line 1: roas: not a number" in bad.text
    assert "targets line 2: unknown KPI id" in bad.text
    ok = owner.post("/settings/targets/spring-launch", data={"csrf_token": owner.csrf, "targets": "roas=4\ncpa=900"},
                    follow_redirects=False)
    assert ok.status_code == 303
    with demo_engine.connect() as conn:
        assert conn.execute(sa.select(t.campaigns.c.targets)).scalar() == {"roas": 4.0, "cpa": 900.0}


def test_targets_are_edited_as_numbers_and_settings_read_plainly(owner, demo_engine):
    page = owner.get("/settings").text
    form = page.split('data-campaign="spring-launch"', 1)[1].split("</form>", 1)[0]
    assert 'type="number"' in form and 'name="target_roas"' in form and 'name="target_cpa"' in form
    methodology = page.split('class="methodology"', 1)[1].split("</table>", 1)[0]
    assert "True" not in methodology and "False" not in methodology and "['" not in methodology
    ok = owner.post("/settings/targets/spring-launch", data={"csrf_token": owner.csrf, "target_roas": "3.5",
                                                             "target_cpa": "", "target_conversion_rate": "2"},
                    follow_redirects=False)
    assert ok.status_code == 303
    with demo_engine.connect() as conn:
        stored = conn.execute(sa.select(t.campaigns.c.targets).where(t.campaigns.c.slug == "spring-launch")).scalar()
    assert stored == {"roas": 3.5, "conversion_rate": 2.0}  # an empty field is no target
    bad = owner.post("/settings/targets/spring-launch", data={"csrf_token": owner.csrf, "target_roas": "lots"})
    assert bad.status_code == 422 and "target roas: not a number" in bad.text
    # a large target reads as typed, never in exponent notation
    assert owner.post("/settings/targets/spring-launch", data={
        "csrf_token": owner.csrf, "target_roas": "3.5", "target_conversions": "2500000"},
        follow_redirects=False).status_code == 303
    form = owner.get("/settings").text.split('data-campaign="spring-launch"', 1)[1].split("</form>", 1)[0]
    assert 'name="target_conversions" value="2500000"' in form and 'value="3.5"' in form and "e+" not in form


def test_targets_post_validates_before_it_writes_and_keeps_cost_targets_from_analysts(owner, demo_engine):
    def stored():
        with demo_engine.connect() as conn:
            return conn.execute(sa.select(t.campaigns.c.targets).where(t.campaigns.c.slug == "spring-launch")).scalar()

    assert owner.post("/settings/targets/spring-launch", data={"csrf_token": owner.csrf, "targets": "roas=4\nctr=2"},
                      follow_redirects=False).status_code == 303
    # a post without the field (an empty form) is refused and changes nothing
    empty = owner.post("/settings/targets/spring-launch", data={"csrf_token": owner.csrf})
    assert empty.status_code == 422 and "nothing was changed" in empty.text
    assert stored() == {"roas": 4.0, "ctr": 2.0}
    # a write key without cost access can post the form, but not targets of cost KPIs, and keeps them
    from fastapi.testclient import TestClient

    from influscope.auth import keys

    with demo_engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "acme")).scalar()
    key = keys.create_key(demo_engine, ws, scopes="read write", can_see_costs=False).key
    writer = TestClient(owner.app, base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {key}"})
    refused = writer.post("/settings/targets/spring-launch", data={"targets": "roas=9"})
    assert refused.status_code == 422 and "budgets and costs are not shared" in refused.text
    assert stored() == {"roas": 4.0, "ctr": 2.0}
    ok = writer.post("/settings/targets/spring-launch", data={"targets": "ctr=3"}, follow_redirects=False)
    assert ok.status_code == 303 and stored() == {"roas": 4.0, "ctr": 3.0}


def test_share_link_create_open_without_login_and_revoke(owner, demo_engine):
    import re

    from fastapi.testclient import TestClient

    r = owner.post("/campaigns/spring-launch/share", data={"csrf_token": owner.csrf, "days": "7"})
    assert r.status_code == 200
    url = re.search(r'<code id="share-url">([^<]+)</code>', r.text).group(1)
    path = url.split("127.0.0.1", 1)[1]
    anon = TestClient(owner.app, base_url="http://127.0.0.1")
    page = anon.get(path, headers={"accept": "text/html"})
    assert page.status_code == 200 and "春季新品上市" in page.text and 'data-kpi="revenue"' in page.text
    assert 'data-kpi="roas"' not in page.text and "NT$50,000.00" not in page.text  # budget hidden by default
    assert anon.get(path + "/report.pdf").content.startswith(b"%PDF-")
    share_id = re.findall(r'/share/(\d+)/revoke', owner.get("/campaigns/spring-launch").text)[-1]
    assert owner.post(f"/campaigns/spring-launch/share/{share_id}/revoke", data={"csrf_token": owner.csrf},
                      follow_redirects=False).status_code == 303
    assert anon.get(path, headers={"accept": "text/html"}).status_code == 404
    assert anon.get("/share/isr_nope", headers={"accept": "text/html"}).status_code == 404


def test_bundles_larger_than_the_api_body_limit_can_be_uploaded(owner, demo_engine, tmp_path):
    """The import page takes the upload limit, not the 1 MiB limit of ordinary requests."""
    folder = write_bundle(tmp_path / "big", slug="autumn-big")
    files = [("files", (p.name, p.read_bytes() + (b"\n" * (2 << 20) if p.name == "orders.csv" else b""), "text/plain"))
             for p in sorted(folder.iterdir())]
    r = owner.post("/imports", data={"csrf_token": owner.csrf}, files=files)
    assert r.status_code == 200, r.text[:500]
    assert "autumn-big" in owner.get("/").text
