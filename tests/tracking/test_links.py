import pytest
import sqlalchemy as sa

from influscope.db import tables as t
from influscope.tracking import links


def test_create_link_with_generated_slug(engine, seeded):
    link = links.create_link(engine, campaign="spring", creator="mei-lin", platform="instagram",
                             destination="https://shop.example.com/tea?x=1#top", base_url="https://go.example")
    assert len(link.slug) == links.SLUG_LENGTH and set(link.slug) <= set(links.SLUG_ALPHABET)
    assert link.short_url == f"https://go.example/l/{link.slug}"
    assert link.tagged_url == ("https://shop.example.com/tea?x=1&utm_source=instagram&utm_medium=influencer"
                               "&utm_campaign=spring&utm_content=meilin.eats#top")
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.links).where(t.links.c.key == link.slug)).mappings().one()
        member = conn.execute(sa.select(t.campaign_creators)).all()
    assert row["creator_id"] == seeded["mei"] and row["platform"] == "instagram" and row["paid"] is False
    assert (seeded["campaign"], seeded["mei"]) in member


def test_paid_link_and_custom_slug_and_post(engine, seeded):
    link = links.create_link(engine, campaign="spring", creator="mei-lin", platform="instagram", post="ig-post-1",
                             destination="https://shop.example.com/", paid=True, slug="mei-ig-1")
    assert link.slug == "mei-ig-1" and link.post == "ig-post-1" and link.paid
    assert "utm_medium=paid_influencer" in link.tagged_url


def test_handle_falls_back_to_creator_key_without_an_account(engine, seeded):
    link = links.create_link(engine, campaign="spring", creator="sam", platform="instagram",
                             destination="https://shop.example.com/")
    assert "utm_content=sam" in link.tagged_url


def test_every_problem_is_reported_and_nothing_written(engine, seeded):
    specs = [
        links.LinkSpec(campaign="spring", creator="mei-lin", platform="instagram",
                       destination="https://shop.example.com/", slug="ok-1"),
        links.LinkSpec(campaign="nope", creator="ghost", platform="myspace", destination="shop.example.com"),
        links.LinkSpec(campaign="spring", creator="sam", platform="youtube", destination="https://x.example/",
                       slug="ok-1"),
        links.LinkSpec(campaign="autumn", creator="sam", platform="youtube", destination="https://x.example/",
                       post="ig-post-1"),
    ]
    with pytest.raises(links.LinkError) as err:
        links.create_links(engine, specs, source="batch")
    got = {(p.line, p.field) for p in err.value.problems}
    assert got == {(2, "campaign"), (2, "creator"), (2, "platform"), (2, "destination"), (3, "slug"), (4, "post")}
    assert "batch:2: platform:" in str(err.value)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.links)).scalar() == 0


def test_taken_slug_is_refused(engine, seeded):
    links.create_link(engine, campaign="spring", platform="instagram", destination="https://a.example/", slug="x1")
    with pytest.raises(links.LinkError, match="already used by a link of this workspace"):
        links.create_link(engine, campaign="spring", platform="tiktok", destination="https://b.example/", slug="x1")
    with pytest.raises(links.LinkError, match="slug"):
        links.create_link(engine, campaign="spring", platform="tiktok", destination="https://b.example/",
                          slug="has space")


def test_unknown_workspace(engine, seeded):
    with pytest.raises(links.LinkError, match="unknown workspace 'elsewhere'"):
        links.list_links(engine, workspace="elsewhere")


def test_list_is_scoped_to_the_workspace(engine, seeded):
    from tests.tracking.conftest import seed

    seed(engine, "other")
    links.create_link(engine, campaign="spring", platform="instagram", destination="https://a.example/", slug="a1")
    links.create_link(engine, campaign="spring", platform="instagram", destination="https://b.example/", slug="b1",
                      workspace="other")
    assert [l.slug for l in links.list_links(engine)] == ["a1"]
    assert [l.slug for l in links.list_links(engine, workspace="other")] == ["b1"]
    assert links.get_link(engine, "b1") is None
    assert links.list_links(engine)[0].clicks == 0


def test_csv_import_all_or_nothing(engine, seeded, tmp_path):
    good = tmp_path / "links.csv"
    good.write_text("creator_id,platform,destination_url,paid,link_id\n"
                    "mei-lin,instagram,https://shop.example.com/a,false,mei-ig\n"
                    "mei-lin,tiktok,https://shop.example.com/b?ref=tt,true,\n"
                    ",,\n"
                    "sam,youtube,https://shop.example.com/c,,sam-yt\n", encoding="utf-8")
    made = links.import_links_csv(engine, good, campaign="spring")
    assert [l.slug for l in made][0] == "mei-ig" and made[2].slug == "sam-yt"
    assert made[1].paid and "utm_content=meilin_tt" in made[1].tagged_url

    bad = tmp_path / "more.csv"
    bad.write_text("campaign,creator,platform,destination\n"
                   "spring,sam,youtube,https://shop.example.com/d\n"
                   "spring,sam,youtube,not-a-url\n", encoding="utf-8")
    with pytest.raises(links.LinkError, match=r"more.csv:3: destination"):
        links.import_links_csv(engine, bad)
    assert len(links.list_links(engine)) == 3


def test_csv_missing_columns_and_bad_bool(tmp_path):
    f = tmp_path / "l.csv"
    f.write_text("creator,destination\nsam,https://x.example/\n")
    with pytest.raises(links.LinkError) as err:
        links.read_links_csv(f)
    assert {(p.line, p.field) for p in err.value.problems} == {(1, "platform"), (1, "campaign")}
    f.write_text("campaign,platform,destination,paid\nspring,tiktok,https://x.example/,maybe\n")
    with pytest.raises(links.LinkError, match="l.csv:2: paid"):
        links.read_links_csv(f)


def test_generated_slugs_are_unguessable_tokens_at_the_root(engine, seeded):
    made = [links.create_link(engine, campaign="spring", platform="instagram", destination="https://a.example/",
                              base_url="https://go.example") for _ in range(50)]
    assert len({m.slug for m in made}) == 50
    for m in made:
        assert len(m.slug) == 12 and set(m.slug) <= set(links.SLUG_ALPHABET)  # 31**12: about 59 random bits
        assert m.short_url == f"https://go.example/l/{m.slug}"


def test_two_workspaces_may_choose_the_same_slug_and_learn_nothing_of_each_other(engine, seeded):
    from tests.tracking.conftest import seed

    seed(engine, "rival")
    mine = links.create_link(engine, campaign="spring", platform="instagram", destination="https://a.example/",
                             slug="launch", base_url="https://go.example")
    # whether another workspace holds the words changes nothing for this one: it gets its own link
    theirs = links.create_link(engine, campaign="autumn", platform="tiktok", destination="https://b.example/",
                               slug="launch", workspace="rival", base_url="https://go.example")
    assert mine.short_url == "https://go.example/l/default/launch"
    assert theirs.short_url == "https://go.example/l/rival/launch"
    assert mine.slug == theirs.slug == "launch"
    assert links.get_link(engine, "launch").destination_url == "https://a.example/"
    assert links.get_link(engine, "launch", workspace="rival").destination_url == "https://b.example/"
    # a refused slug can only be one's own workspace's
    with pytest.raises(links.LinkError) as err:
        links.create_link(engine, campaign="autumn", platform="tiktok", destination="https://b.example/",
                          slug="launch", workspace="rival")
    assert "spring" not in str(err.value) and "default" not in str(err.value)
    assert "this workspace" in str(err.value)


def test_a_workspace_id_that_cannot_be_a_path_gets_random_slugs_only(engine):
    from tests.tracking.conftest import seed

    seed(engine, "Acme Corp")
    with pytest.raises(links.LinkError, match="cannot be part of a URL"):
        links.create_link(engine, campaign="spring", platform="instagram", destination="https://a.example/",
                          slug="mine", workspace="Acme Corp")
    made = links.create_link(engine, campaign="spring", platform="instagram", destination="https://a.example/",
                             workspace="Acme Corp")
    assert len(made.slug) == 12


def test_a_link_made_before_namespaces_keeps_its_short_url(engine, seeded):
    """A row as the previous version wrote it (a bare chosen slug, no key) is listed and found by that slug."""
    with engine.begin() as conn:
        conn.execute(t.links.insert().values(workspace_id=seeded["workspace"], campaign_id=seeded["campaign"],
                                             slug="old-words", platform="instagram",
                                             destination_url="https://a.example/", paid=False))
    found = links.get_link(engine, "old-words", base_url="https://go.example")
    assert found is not None and found.short_url == "https://go.example/l/old-words"
    with pytest.raises(links.LinkError, match="already used"):
        links.create_link(engine, campaign="spring", platform="instagram", destination="https://a.example/",
                          slug="old-words")


def test_listings_count_the_clicks_of_links_whose_path_is_not_their_key(engine, seeded):
    """A chosen link's public path lives under the workspace (`default/mei-ig-9`) while its key is
    `mei-ig-9`: the listings find each link's clicks by its key, not by matching the key against paths."""
    import datetime as dt

    import sqlalchemy as sa

    from influscope.db import tables as t
    from influscope.tracking.sink import Click, SQLAlchemyBatchWriter

    chosen = links.create_link(engine, campaign="spring", platform="instagram", destination="https://a.example/",
                               slug="mei-ig-9")
    generated = links.create_link(engine, campaign="spring", platform="tiktok", destination="https://b.example/")
    with engine.connect() as conn:
        rows = {key: (link_id, ws, path) for link_id, ws, key, path in conn.execute(
            sa.select(t.links.c.id, t.links.c.workspace_id, t.links.c.key, t.links.c.slug))}
    assert rows[chosen.slug][2] != chosen.slug  # the case this test is about (a generated link is its own path)
    hits = {chosen.slug: (3, 1), generated.slug: (2, 0)}
    made = []
    for key, (human, bot) in hits.items():
        link_id, ws, _ = rows[key]
        for i in range(human + bot):
            made.append(Click(ws, f"{key}-{i}", link_id, dt.datetime(2026, 3, 2, 10, i), i >= human, None,
                              f"v{key}{i}", None, None, None, None, None, None))
    SQLAlchemyBatchWriter(engine).write(made)
    listed = {link.slug: (link.clicks, link.bot_clicks) for link in links.list_links(engine)}
    assert {k: listed[k] for k in hits} == hits
    assert (links.get_link(engine, chosen.slug).clicks, links.get_link(engine, chosen.slug).bot_clicks) == (3, 1)
