"""docs/bundle.md documents exactly the columns the importer accepts."""

import re
from pathlib import Path

from influscope.ingest.bundle_docs import render
from influscope.ingest.bundle_spec import CAMPAIGN_FIELDS, FILES

DOC = Path(__file__).resolve().parents[2] / "docs" / "bundle.md"


def test_committed_page_is_the_generated_one():
    assert DOC.read_text(encoding="utf-8") == render(), "regenerate: python -m influscope.ingest.bundle_docs > docs/bundle.md"


def test_documented_columns_are_the_importers_columns():
    text = DOC.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    documented = {s.splitlines()[0].strip(): re.findall(r"^\| `([^`]+)` \|", s, flags=re.M) for s in sections}
    expected = {f.name: f.names for f in FILES} | {"campaign.yaml": [c.name for c in CAMPAIGN_FIELDS]}
    assert documented == expected
