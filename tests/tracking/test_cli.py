import json

from typer.testing import CliRunner

from influscope.cli import app
from influscope.tracking import links

runner = CliRunner()


def run(sqlite_url, *args):
    return runner.invoke(app, ["--db", sqlite_url, *args], catch_exceptions=False)


def test_create_prints_the_short_url(engine, seeded, sqlite_url, monkeypatch):
    monkeypatch.setenv("INFLUSCOPE_BASE_URL", "https://go.example")
    r = run(sqlite_url, "links", "create", "--campaign", "spring", "--creator", "mei-lin", "--platform", "instagram",
            "--destination", "https://shop.example.com/tea?x=1", "--slug", "mei-ig")
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "https://go.example/l/default/mei-ig"
    assert links.get_link(engine, "mei-ig").creator == "mei-lin"


def test_create_reports_every_problem(engine, seeded, sqlite_url):
    r = run(sqlite_url, "links", "create", "--campaign", "nope", "--creator", "ghost", "--platform", "myspace",
            "--destination", "not a url")
    assert r.exit_code == 1
    for field in ("campaign", "creator", "platform", "destination"):
        assert f"link: {field}:" in r.stderr
    assert "nothing was written" in r.stderr


def test_import_list_qr_and_stats(engine, seeded, sqlite_url, tmp_path):
    f = tmp_path / "links.csv"
    f.write_text("creator,platform,destination,slug\n"
                 "mei-lin,instagram,https://shop.example.com/a,mei-ig\n"
                 "sam,youtube,https://shop.example.com/b,sam-yt\n")
    r = run(sqlite_url, "links", "import", str(f), "--campaign", "spring")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == "slug,short_url,campaign,creator,platform,tagged_url"
    assert len(r.stdout.splitlines()) == 3

    r = run(sqlite_url, "links", "list", "--format", "json")
    assert [x["slug"] for x in json.loads(r.stdout)] == ["mei-ig", "sam-yt"]
    r = run(sqlite_url, "links", "list", "--campaign", "spring")
    assert r.stdout.splitlines()[0].split() == ["slug", "campaign", "creator", "platform", "paid", "clicks",
                                                "bot_clicks", "short_url"]

    svg, png = tmp_path / "q.svg", tmp_path / "q.png"
    assert run(sqlite_url, "links", "qr", "mei-ig", "--out", str(svg)).exit_code == 0
    assert run(sqlite_url, "links", "qr", "mei-ig", "--out", str(png)).exit_code == 0
    assert svg.read_bytes().startswith(b"<?xml") and b"/l/default/mei-ig" in svg.read_bytes()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = run(sqlite_url, "links", "qr", "missing")
    assert r.exit_code == 1 and "no link 'missing'" in r.stderr

    r = run(sqlite_url, "links", "stats", "--campaign", "spring", "--by", "link")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith("spring: 0 clicks, 0 unique, 0 bots")
    r = run(sqlite_url, "links", "stats", "--campaign", "spring", "--json")
    assert json.loads(r.stdout)["totals"] == {"clicks": 0, "unique_clicks": 0, "bot_clicks": 0}
    assert run(sqlite_url, "links", "stats", "--campaign", "spring", "--by", "planet").exit_code == 1


def test_import_rejects_the_whole_file(engine, seeded, sqlite_url, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("campaign,creator,platform,destination\n"
                 "spring,mei-lin,instagram,https://shop.example.com/a\n"
                 "spring,mei-lin,fax,https://shop.example.com/b\n")
    r = run(sqlite_url, "links", "import", str(f))
    assert r.exit_code == 1 and "bad.csv:3: platform:" in r.stderr
    assert links.list_links(engine) == []
