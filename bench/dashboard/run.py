"""Dashboard server time on the demo data.

    python bench/dashboard/run.py [--scale 1.0] [--db sqlite:///path.db] [--repeat 5]

Builds the demo workspace (``influscope.demo.create_demo``) unless --db points at one, then, for
each demo campaign, times in process (ASGI, no network) what the server spends on:

- the KPI engine call the campaign page needs (``kpis(slug, by="creator")``): the reference;
- ``GET /campaigns/{slug}`` with an empty result cache (cold: the engine call for the campaign and
  for the previous period, plus rendering), and again with the cache warm (median of --repeat);
- the two panels htmx loads after the page (daily trends, posts) cold;
- the PDF report (``GET /campaigns/{slug}/report.pdf``, cache warm) in en, zh-Hant and ar (unless
  --no-pdf);
- the other pages once (home, links, settings, each campaign's headline creator), cold.

Where the engine still runs the audience analysis when it reads, it runs it once first, untimed.
Before the campaign pages, with the result cache empty, it times the home page: ``GET /`` and the
campaign rows htmx loads after it (``GET /campaigns/{slug}/summary-row``, one engine call each).

Prints Markdown tables; ratios are against the reference engine call measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", default=None)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-pdf", action="store_true", help="skip the PDF downloads")
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from influscope.auth import sessions, users
    from influscope.db.engine import get_engine
    from influscope.kpi.api import kpis
    from influscope.reports.build import clear_cache
    from influscope.web.app import create_app

    url = args.db
    if url is None:
        from influscope.demo import create_demo

        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='influscope-bench-')) / 'demo.db'}"
        t0 = time.perf_counter()
        summary = create_demo(get_engine(url), workspace="demo", scale=args.scale)
        print(f"demo imported in {time.perf_counter() - t0:.1f} s: {summary.counts}")
    engine = get_engine(url)
    email = "bench@example.com"
    try:
        users.create_user(engine, email, "bench password 12345", workspace="demo", role="owner", can_see_costs=True)
    except Exception:  # noqa: BLE001 - the user exists from an earlier run on the same database
        pass
    s = sessions.login(engine, email, "bench password 12345", "demo")
    app = create_app()
    app.state.engine = engine
    client = TestClient(app, base_url="http://127.0.0.1")
    client.cookies.set("influscope_session", s.token)
    client.headers["accept"] = "text/html"

    from influscope.demo import generate  # noqa: F401 - only to show which demo version ran

    with engine.connect() as conn:
        import sqlalchemy as sa

        from influscope.db import tables as t

        slugs = [r[0] for r in conn.execute(sa.select(t.campaigns.c.slug).join(
            t.workspaces, t.workspaces.c.id == t.campaigns.c.workspace_id).where(t.workspaces.c.slug == "demo")
            .order_by(t.campaigns.c.slug))]

    def timed(fn):
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out

    import inspect

    param = inspect.signature(kpis).parameters.get("refresh_audience")
    no_refresh = {"refresh_audience": False} if param is not None else {}

    if param is not None and param.default is True:  # an engine that analyses comments on read: once, untimed
        for slug in slugs:
            kpis(slug, workspace="demo", engine=engine)
    client.get("/")  # the first request of the process (templates compiled, imports done) is not a page view

    # the home page, cold: the list, then each campaign's row (loaded by htmx after the page shows)
    clear_cache()
    home, r = timed(lambda: client.get("/"))
    assert r.status_code == 200, r.text[:500]
    home_rows = []
    for slug in slugs:
        t_row, r = timed(lambda: client.get(f"/campaigns/{slug}/summary-row"))
        assert r.status_code == 200 and "<strong>" in r.text, r.text[:500]  # a headline KPI, not an error
        home_rows.append((slug, t_row))
    clear_cache()

    rows = []
    for slug in slugs:
        ref, _ = timed(lambda: kpis(slug, by="creator", workspace="demo", engine=engine, **no_refresh))
        clear_cache()
        cold, r = timed(lambda: client.get(f"/campaigns/{slug}"))
        assert r.status_code == 200, r.text[:500]
        warm = statistics.median(timed(lambda: client.get(f"/campaigns/{slug}"))[0] for _ in range(args.repeat))
        daily, r1 = timed(lambda: client.get(f"/campaigns/{slug}/daily"))
        posts, r2 = timed(lambda: client.get(f"/campaigns/{slug}/posts"))
        assert r1.status_code == 200 and r2.status_code == 200
        pdf = {}
        for lang in ("en", "zh-Hant", "ar") if not args.no_pdf else ():
            pdf[lang], r3 = timed(lambda: client.get(f"/campaigns/{slug}/report.pdf?lang={lang}"))
            assert r3.content.startswith(b"%PDF-")
        rows.append((slug, ref, cold, warm, daily, posts, pdf))

    from influscope.demo import PLANS, headline_creator

    others = [("/", "home"), ("/links", "links and codes"), ("/settings", "settings")] + [
        (f"/creators/{headline_creator(p)}", f"creator {headline_creator(p)}") for p in PLANS]
    clear_cache()
    other_rows = []
    for path, name in others:
        seconds, r = timed(lambda: client.get(path))
        assert r.status_code == 200, (path, r.status_code)
        other_rows.append((name, path, seconds, len(r.content)))

    print()
    print("| page | path | server time, cold | HTML size |")
    print("|---|---|---|---|")
    for name, path, seconds, size in other_rows:
        print(f"| {name} | `{path}` | {seconds:.2f} s | {size / 1024:.0f} KiB |")
    print()
    print(f"Home page, cold: `GET /` {home * 1000:.0f} ms; campaign rows (htmx, one engine call each): "
          + ", ".join(f"{slug} {t_row:.2f} s" for slug, t_row in home_rows)
          + f"; page and rows together {home + sum(t for _, t in home_rows):.2f} s")
    print()
    print("| campaign | engine call (reference) | page, cold | page, warm (median) | daily panel, cold | posts panel, cold "
          "| PDF en / zh-Hant / ar |")
    print("|---|---|---|---|---|---|---|")
    for slug, ref, cold, warm, daily, posts, pdf in rows:
        print(f"| {slug} | {ref:.2f} s | {cold:.2f} s ({cold / ref:.2f}x) | {warm * 1000:.0f} ms ({warm / ref:.3f}x) "
              f"| {daily:.2f} s | {posts:.2f} s | "
              + (f"{pdf['en']:.2f} / {pdf['zh-Hant']:.2f} / {pdf['ar']:.2f} s |" if pdf else "not run |"))


if __name__ == "__main__":
    main()
