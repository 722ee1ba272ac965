"""Small hand-made canonical bundles for the audience tests."""

from __future__ import annotations

import csv
from pathlib import Path

CAMPAIGN_YAML = """\
id: spring
name: Spring launch
brand: acme
goal: tofu
start: 2026-03-01
end: 2026-03-31
timezone: UTC
currency: USD
brand_terms: ["acme", "@acme_tw", "#AcmeSpring", "愛可美"]
competitor_terms: ["globex"]
"""


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def make_bundle(folder: Path, *, creators, posts, comments, followers=None, campaign_yaml=CAMPAIGN_YAML) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "campaign.yaml").write_text(campaign_yaml, encoding="utf-8")
    write_csv(folder / "creators.csv", creators)
    write_csv(folder / "posts.csv", posts)
    if comments:
        write_csv(folder / "comments.csv", comments)
    if followers:
        write_csv(folder / "followers.csv", followers)
    return folder
