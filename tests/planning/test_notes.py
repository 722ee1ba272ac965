"""The planning module's notes and formula texts: English text unchanged for the API and the CLI,
and every one of them in the message catalogues, translated into Chinese and Arabic.

The completeness test runs the planning engine on the demo (store creators, prospects, a split for
every objective, the expected revenue of a BOFU plan, the review of a running campaign, the
calculator) and collects every note it writes: a note written as a plain string (not marked for
translation) or one whose message is missing from a catalogue fails it.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from decimal import Decimal

import pytest
import sqlalchemy as sa

from influscope.planning.notes import N_, Benchmark, Note, Num, Range, localize, message_ids, note
from influscope.web import i18n
from influscope.web.i18n import LRI, PDI


def test_a_note_is_its_english_text_and_keeps_its_message_and_parameters():
    n = note(N_("quoted fee in %(quoted)s without a rate to %(currency)s: the fair fee is used"),
             quoted="EUR", currency="TWD")
    assert n == "quoted fee in EUR without a rate to TWD: the fair fee is used" and isinstance(n, str)
    assert json.dumps([n]) == '["quoted fee in EUR without a rate to TWD: the fair fee is used"]'
    assert n.msgid.startswith("quoted fee in %(quoted)s") and n.params == {"quoted": "EUR", "currency": "TWD"}
    again = pickle.loads(pickle.dumps(n))  # the result cache keeps it whole
    assert again == n and again.msgid == n.msgid and again.params == n.params
    assert localize(n, "en") == str(n)
    assert localize(n, "zh-Hant") == "報價以 EUR 計價，但沒有換算為 TWD 的匯率：改用合理費用"
    # Arabic: the codes are left-to-right isolates inside the right-to-left sentence
    assert localize(n, "ar") == f"الأجر المعروض بعملة {LRI}EUR{PDI} ولا يوجد سعر صرف إلى {LRI}TWD{PDI}: يُستخدم الأجر العادل"


def test_numbers_and_ranges_keep_their_english_format_and_are_formatted_per_language():
    n = note(N_("tier CPM: impressions %(impressions)s x %(deliverables)s x %(cpm)s USD x %(rate)s / 1000 = "
                "%(fee)s %(currency)s"), impressions=Num(12345.6), deliverables=Num(2, "d"),
             cpm=Range(Num(4.5, "g"), Num(9, "g")), rate=Num(31.25, "g"),
             fee=Range(Num(Decimal("3472.01"), ","), Num(Decimal("6944.03"), ",")), currency="TWD")
    assert n == "tier CPM: impressions 12,346 x 2 x 4.5-9 USD x 31.25 / 1000 = 3,472.01-6,944.03 TWD"
    assert localize(n, "zh-Hant") == "級距 CPM：曝光 12,346 × 2 × 4.5–9 USD × 31.25 / 1000 = 3,472.01–6,944.03 TWD"
    ar = localize(n, "ar")
    assert ar.startswith("سعر CPM للفئة: مرات الظهور ")
    # each number and each range is one left-to-right isolate: a range reads low to high
    assert f"{LRI}12,346{PDI}" in ar and f"{LRI}4.5–9{PDI}" in ar and f"{LRI}3,472.01–6,944.03{PDI}" in ar


def test_a_note_made_of_notes_is_translated_part_by_part():
    scope = note(N_("%(platform)s %(tier)s accounts in this workspace"), platform="instagram", tier=note(N_("micro")))
    n = note(N_("%(n)s post(s) of this creator, weighed against %(accounts)s %(scope)s"), n=Num(3, "d"),
             accounts=Num(7, "d"), scope=scope)
    assert n == "3 post(s) of this creator, weighed against 7 instagram micro accounts in this workspace"
    assert message_ids([n, "plain text"]) == {n.msgid, scope.msgid, "micro"}
    assert localize(n, "zh-Hant") == "此創作者的 3 則貼文，並與此工作區的 instagram 微型帳號比較權衡（n = 7）"
    assert "من فئة مايكرو" in localize(n, "ar")


def test_text_that_is_not_a_note_is_shown_as_it_is():
    assert localize("no workspace 'x'", "zh-Hant") == "no workspace 'x'"
    assert localize("no workspace 'x'", "ar") == f"{LRI}no workspace 'x'{PDI}"  # English inside Arabic, in order
    assert localize(None, "ar") == ""


def test_a_translation_that_breaks_its_placeholders_falls_back_to_the_english_wording(monkeypatch):
    n = note(N_("campaign not computed: %(error)s"), error="boom")
    monkeypatch.setattr(i18n, "gettext_for", lambda lang: lambda m: "%(wrong)s")
    assert localize(n, "zh-Hant") == "campaign not computed: boom"


# ------------------------------------------------------------------ every note the engine writes


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    """Every note and formula text the planning engine writes on the demo, with where it came from."""
    from influscope.audience.refresh import refresh_credibility
    from influscope.db import tables as t
    from influscope.db.engine import get_engine
    from influscope.demo import create_demo
    from influscope.planning import campaign_state as cs
    from influscope.planning import candidates as cd
    from influscope.planning.creator_value import value_of
    from influscope.planning.revenue import expected_revenue
    from influscope.planning import forecast, revenue
    from influscope.planning.review import plan_vs_actual
    from influscope.planning.valuation import value_creator
    from influscope.reports.build import clear_cache

    folder = tmp_path_factory.mktemp("notes")
    engine = get_engine(f"sqlite:///{folder / 'demo.db'}")
    create_demo(engine, scale=0.05)
    clear_cache()
    with engine.begin() as conn:  # one account follows far more accounts than follow it: the fee is discounted
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "demo")).scalar_one()
        acc = conn.execute(sa.select(t.creator_accounts).where(t.creator_accounts.c.workspace_id == ws)
                           .order_by(t.creator_accounts.c.id)).mappings().first()
        conn.execute(t.creator_accounts.update().where(t.creator_accounts.c.id == acc["id"])
                     .values(following=(acc["followers"] or 1000) * 3))
        keys = list(conn.execute(sa.select(t.creators.c.key).where(t.creators.c.workspace_id == ws)
                                 .order_by(t.creators.c.key)).scalars())
    refresh_credibility(engine, ws)

    texts: list[tuple[str, object]] = []

    def add(where, items):
        texts.extend((where, x) for x in items if x)

    def creator_value(where, v):
        add(f"{where}.notes", v.notes)
        for a in v.accounts:
            add(f"{where}.account.notes", a.notes)
            add(f"{where}.expected.note", [e.note for e in a.expected.values()])
            add(f"{where}.fee", [*a.fee["formulas"], a.fee["basis_text"], a.fee["why"]])
            add(f"{where}.credibility", [(a.credibility or {}).get("discount")])

    for key in keys:
        creator_value(f"value_of({key})", value_of(engine, key, workspace="demo"))
    # in a currency without targets nor exchange rates; and a creator with no post in the store
    creator_value("value_of(EUR)", value_of(engine, keys[0], workspace="demo", currency="EUR"))
    with engine.begin() as conn:
        cid = conn.execute(t.creators.insert().values(workspace_id=ws, key="newbie", name="Newbie")
                           .returning(t.creators.c.id)).scalar_one()
        conn.execute(t.creator_accounts.insert().values(workspace_id=ws, creator_id=cid, platform="instagram",
                                                        handle="new.bie", followers=48_000))
    creator_value("value_of(newbie)", value_of(engine, "newbie", workspace="demo"))
    start = dt.date.today() + dt.timedelta(days=40)
    cs.create_campaign(engine, "demo", "next", name="Next", goal="bofu", start=start,
                       end=start + dt.timedelta(days=30), currency="TWD", budget="200000")
    cd.create_list(engine, "demo", "next", campaign="next")
    cd.add_creators(engine, "demo", "next", keys, max_deliverables=2)
    prospects = folder / "prospects.csv"
    prospects.write_text("platform,handle,followers,reach,impressions,likes,comments,quoted_fee,currency\n"
                         "instagram,new.face,45000,7000,9000,400,12,900,EUR\n"
                         "linkedin,only.one,9000,,,,,,\n", encoding="utf-8")
    cd.import_prospects(engine, "demo", "next", prospects)
    lv = cd.value_list(engine, "demo", "next")
    add("value_list.notes", lv.notes)
    for c in lv.candidates:
        add("candidate.notes", c.notes)
        add("candidate.expected.note", [e.note for e in c.expected.values()])
    for objective in cd.cv.EXPECTED:
        _, sp = cd.split_list(engine, "demo", "next", 20_000, objective=objective, valued=lv)
        add(f"split({objective}).notes", sp.notes)
        add("split.formula", [sp.to_dict()["formula"]])
    _, sp = cd.split_list(engine, "demo", "next", 20_000, valued=lv)
    rv = expected_revenue(engine, "demo", lv, sp)
    add("revenue.notes", rv.notes)
    add("revenue.creators", rv.creators.rests_on)
    add("revenue.forecast", rv.forecast.rests_on)
    cd.create_list(engine, "demo", "review", campaign="spring-launch")
    cd.add_creators(engine, "demo", "review", keys)
    review = plan_vs_actual(engine, "demo", "spring-launch")
    add("review.notes", review.notes)
    add("review.row.note", [r["note"] for r in review.rows])
    add("from_forecast(EUR)", revenue.from_forecast(engine, "demo", "EUR", Decimal(1000), 0.8).rests_on)
    for unit in ("post", "campaign"):  # every case of an estimate, and of its calibration
        for prior, observed in ((forecast.Prior(None, 0.5, 0.5, 0, "-"), []),
                                (forecast.Prior(-3.0, 0.5, 0.5, 0, Benchmark("Instagram, micro creators")), []),
                                (forecast.Prior(None, 0.5, 0.5, 0, "-"), [100.0, 120.0])):
            add(f"estimate({unit})", [forecast.estimate(10_000, observed, prior, unit=unit).note])
    for groups, left_out, assumed in ((1, False, 0.5), (3, False, 0.0), (4, True, 0.3)):
        cal = forecast.Calibration(0.6, 5.0, 12, groups, 0.0, assumed, left_out)
        prior = forecast.Prior(-3.0, 0.5, 0.5, 4, note(N_("accounts in this workspace")), cal)
        add("calibrated estimate", [forecast.estimate(10_000, [], prior).note])
    for args in [dict(followers=48_000, platform="instagram", posts=[], cpm_range=("4", "9")),
                 dict(followers=48_000, platform="instagram", posts=[{"reach": 5000}, {"reach": 6000}], currency="EUR"),
                 dict(followers=48_000, platform="tiktok", posts=[{"views": 9000, "likes": 400, "link_clicks": 30}],
                      cpe_range=("0.5", "1.5"), currency="USD"),
                 dict(followers=480_000, platform="youtube", posts=[{"impressions": 90_000, "likes": 3000}],
                      currency="TWD", fx_rate="32")]:
        v = value_creator(**args)
        add("calculator", [*v.formulas, *v.notes, v.cpm_basis, *[e.basis for e in v.per_post.values()]])
    engine.dispose()
    return texts


def test_the_engine_writes_every_note_for_translation(produced):
    assert len(produced) > 100
    plain = sorted({f"{where}: {text}" for where, text in produced if not isinstance(text, Note)})
    assert plain == []  # a note written as an f-string has no message id: it would show in English


@pytest.mark.parametrize("lang", ["zh-Hant", "ar"])
def test_every_note_the_engine_writes_is_in_the_catalogues_and_translated(produced, lang):
    from influscope.web.i18n.__main__ import extract

    ids = {m.id for m in extract(write=False) if m.id}
    used = message_ids(text for _where, text in produced)
    assert len(used) > 40
    assert sorted(used - ids) == []  # marked with N_ where it is written, or a benchmark text of the catalogue
    _ = i18n.gettext_for(lang)
    assert sorted(m for m in used if _(m) == m) == []
    # and a rendered note has no English left in it but the codes, handles and names it quotes
    for _where, text in produced:
        shown = localize(text, lang)
        assert "this creator" not in shown and "in this workspace" not in shown, shown
