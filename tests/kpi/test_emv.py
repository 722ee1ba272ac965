from datetime import date
from decimal import Decimal

import pytest

from influscope.kpi import emv


def test_default_table_is_ayzenberg_with_source_and_date():
    t = emv.load_table()
    assert t.name == "ayzenberg" and t.currency == "USD"
    assert t.compiled == date(2026, 11, 23) and t.source["url"].startswith("https://")
    assert t.rate("instagram", "comments") == Decimal("3.46")
    assert t.rate("IG", "likes") == Decimal("0.07")
    assert t.to_dict()["estimate"] is True


def test_list_tables():
    infos = {i.name: i for i in emv.list_tables()}
    assert set(infos) >= {"ayzenberg", "aspire_tmv"}
    assert infos["ayzenberg"].default and not infos["aspire_tmv"].default
    assert "pinterest" in infos["aspire_tmv"].platforms


def test_value_hand_computed():
    t = emv.load_table("ayzenberg")
    # TikTok: 10,000 views x 0.00689 + 200 likes x 0.09 + 10 comments x 3.52 + 5 shares x 1.72
    got = emv.value(t, "tiktok", {"views": 10_000, "likes": 200, "comments": 10, "shares": 5})
    assert got == Decimal("68.9") + Decimal("18") + Decimal("35.2") + Decimal("8.6")
    assert isinstance(got, Decimal)
    aspire = emv.load_table("aspire_tmv")
    # Instagram: 50,000 impressions x 0.003 + 1,000 likes x 0.15 + 40 clicks x 3
    assert emv.value(aspire, "instagram", {"impressions": 50_000, "likes": 1000, "clicks": 40}) == Decimal("420")


def test_missing_counts_are_not_zero():
    t = emv.load_table()
    assert emv.value(t, "instagram", {"likes": None, "comments": None}) is None
    assert emv.value(t, "instagram", {"views": 100}) is None  # no rate for views on Instagram
    assert emv.value(t, "instagram", {"likes": 0}) == Decimal(0)
    assert emv.breakdown(t, "instagram", {"likes": 100, "comments": None, "views": 5}) == {"likes": Decimal("7.00")}


def test_value_errors():
    t = emv.load_table()
    with pytest.raises(emv.UnknownPlatform, match="no rates for platform 'weibo'"):
        emv.value(t, "weibo", {"likes": 1})
    with pytest.raises(ValueError, match="unknown action 'hearts'"):
        emv.value(t, "instagram", {"hearts": 1})
    with pytest.raises(ValueError, match="must not be negative"):
        emv.value(t, "instagram", {"likes": -1})
    with pytest.raises(ValueError, match="whole number"):
        emv.value(t, "instagram", {"likes": 1.5})
    with pytest.raises(LookupError, match="unknown EMV table 'nope'"):
        emv.load_table("nope")


def test_cpm_model():
    assert emv.cpm_value(52_000, "6.50") == Decimal("338")
    assert emv.cpm_value(1, Decimal("7")) == Decimal("0.007")
    assert emv.cpm_value(None, 5) is None
    assert emv.cpm_preset().cpm == Decimal("6.50")
    assert emv.cpm_preset("fair_influence", "youtube").cpm == Decimal("20")
    with pytest.raises(emv.UnknownPlatform):
        emv.cpm_preset("fair_influence", "x")


CUSTOM = """\
name: brand-2026
title: Our own paid-media rates
compiled: 2026-01-15
source: {name: "Acme paid social buying, Q4 2025", year: 2025}
versions:
  - version: "2025q4"
    effective_from: 2025-10-01
    currency: TWD
    rates:
      instagram: {likes: "2", comments: "30", views: 0.1}
  - version: "2026q1"
    effective_from: 2026-01-01
    currency: TWD
    rates:
      instagram: {likes: "2.5", comments: "35"}
"""


def test_custom_table_versions(tmp_path):
    path = tmp_path / "rates.yaml"
    path.write_text(CUSTOM, encoding="utf-8")
    latest = emv.load_table(path)
    assert latest.version == "2026q1" and latest.currency == "TWD" and latest.versions == ("2025q4", "2026q1")
    assert emv.value(latest, "instagram", {"likes": 10, "comments": 2}) == Decimal("95.0")
    old = emv.load_table(str(path), on=date(2025, 12, 31))
    assert old.version == "2025q4" and old.rate("instagram", "views") == Decimal("0.1")
    assert emv.load_table(path, on=date(2020, 1, 1)).version == "2025q4"  # earlier than all: earliest
    assert emv.load_table(path, version="2025q4").rate("instagram", "likes") == Decimal("2")
    with pytest.raises(LookupError, match="no version 'x'"):
        emv.load_table(path, version="x")


@pytest.mark.parametrize(
    "broken,line,field,message",
    [
        (CUSTOM.replace('likes: "2.5"', 'likes: "abc"'), 15, "versions[1].rates.instagram.likes", "not a number: 'abc'"),
        (CUSTOM.replace('instagram: {likes: "2.5"', 'myspace: {likes: "2.5"'), 15, "versions[1].rates.myspace", "unknown platform"),
        (CUSTOM.replace("comments: \"35\"", "hearts: 3"), 15, "versions[1].rates.instagram.hearts", "unknown action"),
        (CUSTOM.replace("    currency: TWD\n    rates:\n      instagram: {likes: \"2.5\"", "    currency: twd\n    rates:\n      instagram: {likes: \"2.5\""), 13, "versions[1].currency", "ISO 4217"),
        (CUSTOM.replace("compiled: 2026-01-15\n", ""), 1, "", "missing required field 'compiled'"),
        (CUSTOM.replace("effective_from: 2026-01-01", "effective_from: soon"), 12, "versions[1].effective_from", "not a date"),
        (CUSTOM.replace('likes: "2.5"', 'likes: "-1"'), 15, "versions[1].rates.instagram.likes", "negative"),
        (CUSTOM.replace("version: \"2026q1\"", "version: \"2025q4\""), 11, "versions[1].version", "duplicate version"),
        (CUSTOM + "extra: 1\n", 16, "extra", "unknown field"),
    ],
)
def test_custom_table_errors_name_file_line_and_field(tmp_path, broken, line, field, message):
    path = tmp_path / "bad.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(emv.EmvTableError) as info:
        emv.load_table(path)
    err = info.value
    assert err.file == str(path) and err.line == line and err.field == field
    assert message in str(err) and str(path) in str(err) and f"line {line}" in str(err)


def test_custom_table_unreadable(tmp_path):
    with pytest.raises(emv.EmvTableError, match="file not found"):
        emv.load_table(tmp_path / "missing.yaml")
    bad = tmp_path / "syntax.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(emv.EmvTableError, match="not valid YAML"):
        emv.load_table(bad)
