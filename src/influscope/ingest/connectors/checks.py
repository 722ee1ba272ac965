"""The record rules of the bundle, applied to what a connector run or a native export produced.

Connectors (Instagram, TikTok, YouTube, Facebook, X, GA4) and native export files write through
:func:`~influscope.ingest.connectors.store.write_batch`, which calls :func:`check_batch` before
anything is written. Every value is checked by the rule of the bundle column it is stored as
(:func:`influscope.ingest.canonical.check_value`, i.e. :mod:`influscope.ingest.rules`): ids,
handles per platform, text without NUL or control characters, URLs, counts that fit the store,
finite numbers, dates. What the bundle importer or the REST API refuses, no connector lets in.

A problem is located by the source file and line when the record came from one (native exports),
else by the connector's source name; the message names the record (post, account, date ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from influscope.ingest import bundle_spec as spec
from influscope.ingest import rules
from influscope.ingest.canonical import Problem, check_value

if TYPE_CHECKING:
    from influscope.ingest.connectors.store import Batch

MAX_PROBLEMS = 200
_METRIC = spec.Col("metric", "text", "", key=True)
_KIND = spec.Col("kind", "text", "", key=True)
_VALUE = spec.Col("value", "number", "")
_ID = spec.Col("object_id", "text", "", key=True)
_SOURCE = spec.Col("source", "text", "", key=True)  # a source's name (ga4 ...): account metrics, raw payloads


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def value(self, record: dict[str, Any], name: str, col: spec.Col, what: str,
              line: tuple[str, int] | None = None) -> None:
        """Check RECORD[NAME] by COL's rule, storing the normalised value back."""
        if name not in record:
            return
        try:
            record[name] = check_value(col, record[name])
        except ValueError as exc:
            self.add(name, f"{what}: {exc}", line)

    def handle(self, record: dict[str, Any], what: str, line: tuple[str, int] | None = None) -> None:
        if record.get("handle") is None:
            return
        try:
            record["handle"] = rules.check_handle(record["handle"], record.get("platform"))
        except ValueError as exc:
            self.add("handle", f"{what}: {exc}", line)

    def add(self, column: str, message: str, line: tuple[str, int] | None = None) -> None:
        file, number = line if line else (self.file, 0)
        self.problems.append(Problem(file, number, column, message))


def check_batch(batch: Batch, file: str | None = None) -> list[Problem]:
    """Every value of BATCH checked (and normalised in place); the problems found, at most MAX_PROBLEMS."""
    c = _Checker(file or batch.source)
    posts, followers, audience, comments, traffic = (spec.POSTS, spec.FOLLOWERS, spec.AUDIENCE, spec.COMMENTS,
                                                     spec.TRAFFIC)
    for key, post in list(batch.posts.items()):
        line = post.get("_line")
        what = f"post {key!r}"
        try:
            check_value(posts.col("post_id"), key)
        except ValueError as exc:
            c.add("post_id", f"{what}: {exc}", line)
        for name in ("platform", "content_type", "url", "posted_at", "sponsored", "caption"):
            c.value(post, name, posts.col(name), what, line)
        if post.get("creator_key") is not None:
            c.value(post, "creator_key", spec.CREATORS.col("creator_id"), what, line)
    for snap in batch.snapshots:
        what = f"post {snap['post_key']!r} at {snap['as_of']}"
        c.value(snap, "as_of", posts.col("as_of"), what)
        for name in list(snap["metrics"]):
            c.value(snap["metrics"], name, posts.col(name), what)
    for key, person in batch.creators.items():
        what = f"account {key!r}"
        try:
            check_value(spec.CREATORS.col("creator_id"), key)
        except ValueError as exc:
            c.add("creator_id", f"{what}: {exc}")
        c.value(person, "platform", spec.CREATORS.col("platform"), what)
        c.handle(person, what)
        c.value(person, "name", spec.CREATORS.col("name"), what)
    for row in batch.followers:
        what = f"followers of {row.get('handle')!r} on {row.get('date')}"
        for name in ("platform", "date", "followers"):
            c.value(row, name, followers.col(name), what)
        c.handle(row, what)
    for row in batch.audience:
        what = f"audience of {row.get('handle')!r} on {row.get('date')}"
        for name in ("platform", "date", "dimension", "bucket", "share"):
            c.value(row, name, audience.col(name), what)
        c.handle(row, what)
    for row in batch.comments:
        what = f"comment {row.get('key')!r}"
        c.value(row, "key", comments.col("comment_id"), what)
        c.value(row, "post_key", comments.col("post_id"), what)
        for name in ("author", "text", "ts", "likes"):
            c.value(row, name, comments.col(name), what)
    for row in batch.traffic:
        what = f"traffic on {row.get('date')}"
        for col in traffic.columns:
            c.value(row, col.name, col, what)
    for row in batch.account_metrics:
        what = f"{row.get('metric')} of {row.get('handle')!r} on {row.get('date')}"
        c.value(row, "platform", _SOURCE, what)
        c.value(row, "date", followers.col("date"), what)
        c.value(row, "metric", _METRIC, what)
        c.value(row, "value", _VALUE, what)
        c.handle(row, what)
    for row in batch.raw:
        what = f"raw {row.get('kind')} payload"
        c.value(row, "platform", _SOURCE, what)
        c.value(row, "kind", _KIND, what)
        c.value(row, "object_id", _ID, what)
    return c.problems[:MAX_PROBLEMS]
