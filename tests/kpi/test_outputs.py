"""The JSON output validates against the published schema; the glossary matches the catalogue; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from influscope.kpi.catalogue import KPIS, LANGS, STAGE_DEFAULTS

ROOT = Path(__file__).parents[2]


def _schema() -> dict:
    from influscope.kpi.schema import result_schema

    return result_schema()


def test_schema_lists_every_kpi_id():
    schema = _schema()
    assert schema["$defs"]["kpi_id"]["enum"] == list(KPIS)
    assert schema["$defs"]["kpis"]["required"] == list(KPIS)


@pytest.mark.parametrize("by", [None, "creator", "post", "platform", "content_type", "day"])
def test_json_output_validates(hand, by):
    doc = json.loads(json.dumps(hand(by=by).to_dict()))
    jsonschema.validate(doc, _schema(), format_checker=jsonschema.FormatChecker())
    assert doc["currency"] == "TWD" and doc["campaign"] == "hand"
    if by:
        assert doc["rows"] and all(set(r["kpis"]) == set(KPIS) for r in doc["rows"])


def test_schema_rejects_a_broken_document(hand):
    doc = json.loads(json.dumps(hand().to_dict()))
    doc["kpis"]["roi"]["unit"] = "percent"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, _schema())
    doc = json.loads(json.dumps(hand().to_dict()))
    doc["kpis"]["roi"]["value"] = None
    doc["kpis"]["roi"]["reason"] = None
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, _schema())


def test_glossary_is_generated_from_the_catalogue():
    from influscope.kpi.glossary import render

    committed = (ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/kpis.md is stale: run python -m influscope.kpi.glossary > docs/kpis.md"
    for kid in KPIS:
        assert f"`{kid}`" in committed


def test_catalogue_is_complete():
    for k in KPIS.values():
        for lang in LANGS:
            assert k.name[lang] and k.formula[lang] and k.description[lang], (k.id, lang)
            assert "{" not in k.formula[lang], (k.id, lang)
        assert k.direction in ("up", "down", "none")
        assert set(k.stages) <= {"tofu", "mofu", "bofu"}
    assert set(STAGE_DEFAULTS) == {"tofu", "mofu", "bofu"}


@pytest.fixture
def cli(hand_engine):
    from influscope.cli import app

    url = hand_engine.url.render_as_string(hide_password=False)

    def run(*args):
        return CliRunner().invoke(app, ["--db", url, "--workspace", "w", "kpi", *args])

    return run


def test_cli_table_shows_the_stage_set_with_targets(cli):
    res = cli("hand")
    assert res.exit_code == 0, res.output
    assert "BOFU KPIs" in res.output and "All other KPIs" in res.output
    assert res.output.index("Conversions") < res.output.index("Impressions")
    assert "2.00x" in res.output  # the ROAS target


def test_cli_by_creator_ranks(cli):
    res = cli("hand", "--by", "creator")
    assert res.exit_code == 0, res.output
    assert "ranked by revenue" in res.output
    assert res.output.index("amy") < res.output.index("ben")


def test_cli_json_and_csv(cli):
    res = cli("hand", "--format", "json", "--set", "er_denominator=reach")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    jsonschema.validate(doc, _schema())
    assert doc["settings"]["er_denominator"] == "reach"
    res = cli("hand", "--format", "csv", "--by", "creator")
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert lines[0].startswith("creator,kpi,value,unit")
    assert any(line.startswith("amy,revenue,3400") for line in lines)


@pytest.mark.parametrize("args, message", [
    (["hand", "--set", "nope=1"], "unknown setting 'nope'"),
    (["hand", "--set", "er_denominator=likes"], "er_denominator: 'likes' is not one of"),
    (["hand", "--set", "reach"], "expected SETTING=VALUE"),
    (["hand", "--format", "xml"], "--format"),
    (["hand", "--by", "country"], "unknown breakdown"),
    (["missing"], "no campaign 'missing'"),
])
def test_cli_errors(cli, args, message):
    res = cli(*args)
    assert res.exit_code != 0
    assert message in res.output


def test_cli_list_in_three_languages(cli):
    for lang, word in (("en", "Engagement rate"), ("zh-Hant", "互動率"), ("ar", "معدل التفاعل")):
        res = cli("--list", "--lang", lang)
        assert res.exit_code == 0 and word in res.output


def test_package_level_function():
    import influscope
    from influscope.kpi.api import kpis

    assert influscope.kpis is kpis
