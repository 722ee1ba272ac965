"""The creator page names passed credibility checks in the reader's language, never by their ids."""

from influscope.audience.credibility import MESSAGES
from influscope.reports.build import credibility_check_names, credibility_checks


def test_every_check_has_a_name_in_each_language():
    english = credibility_check_names("en")
    assert set(english) == set(MESSAGES)
    for lang in ("zh-Hant", "ar"):
        names = credibility_check_names(lang)
        assert set(names) == set(MESSAGES)
        untranslated = [i for i in names if names[i] == english[i]]
        assert not untranslated, f"{lang}: {untranslated}"


def test_passed_and_skipped_checks_read_as_names():
    reasons = [{"id": "comment_pods", "fired": False}, {"id": "follower_spike", "fired": None, "reason": "no history"},
               {"id": "er_too_low", "fired": True, "message": "low"}]
    checks = credibility_checks(reasons, "ar")
    assert checks["passed"] == ["مجموعات التعليق المتبادل"]
    assert checks["skipped"] == ["قفزة في عدد المتابعين: no history"]
    assert credibility_checks(reasons, "en")["passed"] == ["Comment pods"]
