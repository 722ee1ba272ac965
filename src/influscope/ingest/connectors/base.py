"""What every platform connector shares: the HTTP client with retries, pagination helpers, the
retired-metric fallback, tokens read by reference, and the run context (window and as_of).

A connector is a class with ``platform`` and ``fetch(ctx) -> Batch``; it never touches the
database itself (:mod:`influscope.ingest.connectors.sync` writes its batch).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx

from influscope.ingest.connectors.retired import replacement
from influscope.ingest.connectors.store import Batch

USER_AGENT = "influscope-connector/1"


class ConnectorError(Exception):
    """A connector could not complete; the message says what to fix."""


class ApiError(ConnectorError):
    def __init__(self, status: int, payload: Any, url: str):
        self.status, self.payload, self.url = status, payload, url
        super().__init__(f"{url}: HTTP {status}: {error_message(payload)}")


class RateLimitExhausted(ConnectorError):
    pass


def error_message(payload: Any) -> str:
    """The human message of an error body in the shapes the platforms use."""
    if isinstance(payload, dict):
        err = payload.get("error")
        if isinstance(err, dict):
            return str(err.get("message") or err.get("code") or err)
        if isinstance(err, str):
            return err
        if payload.get("errors"):
            first = payload["errors"][0]
            return str(first.get("detail") or first.get("message") or first)
        if "message" in payload:
            return str(payload["message"])
    return str(payload)[:300]


def read_token(ref: str | None) -> str:
    """Resolve ``env:NAME`` or ``file:PATH`` (a bare NAME means env:NAME); the token is never stored."""
    if not ref:
        raise ConnectorError("no token configured (token_ref is empty)")
    kind, _, value = ref.partition(":")
    if not value:
        kind, value = "env", ref
    if kind == "env":
        token = os.environ.get(value, "").strip()
        if not token:
            raise ConnectorError(f"environment variable {value} is not set (token_ref {ref!r})")
        return token
    if kind == "file":
        path = Path(value).expanduser()
        if not path.is_file():
            raise ConnectorError(f"token file {path} does not exist (token_ref {ref!r})")
        return path.read_text(encoding="utf-8").strip()
    raise ConnectorError(f"token_ref must be env:NAME or file:PATH, not {ref!r}")


def retry_after_seconds(resp: httpx.Response, attempt: int, now: float | None = None) -> float:
    """Seconds to wait: Retry-After (seconds or HTTP date), else X's x-rate-limit-reset, else backoff."""
    now = time.time() if now is None else now
    value = resp.headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - now)
        except (TypeError, ValueError):
            pass
    reset = resp.headers.get("x-rate-limit-reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - now)
    return float(min(2 ** attempt, 60))


@dataclass
class Context:
    """One run of one connector account."""

    account_id: str
    token: str
    since: dt.datetime  # naive UTC, window start
    until: dt.datetime  # naive UTC, window end; also the as_of of every snapshot of the run
    handle: str | None = None
    campaign_id: int | None = None
    creator_id: int | None = None
    brand_terms: list[str] = field(default_factory=list)
    known_posts: list[str] = field(default_factory=list)  # the account's posts already in its campaign
    options: dict[str, Any] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)  # stream -> metrics known to be retired
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None
    max_retries: int = 5

    @property
    def as_of(self) -> dt.datetime:
        return self.until


class Http:
    """httpx with retry on rate limits (Retry-After honoured) and on 5xx, with backoff."""

    def __init__(self, ctx: Context, batch: Batch, base_url: str, headers: dict[str, str] | None = None,
                 rate_limited: Callable[[httpx.Response, Any], bool] | None = None):
        self.ctx, self.batch = ctx, batch
        self.client = httpx.Client(base_url=base_url, timeout=30.0, transport=ctx.transport,
                                   headers={"User-Agent": USER_AGENT, **(headers or {})})
        self.rate_limited = rate_limited or (lambda resp, payload: False)

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, url: str, **kw: Any) -> Any:
        attempt = 0
        while True:
            resp = self.client.request(method, url, **kw)
            try:
                payload = resp.json()
            except ValueError:
                payload = resp.text
            limited = resp.status_code == 429 or self.rate_limited(resp, payload)
            if limited or resp.status_code >= 500:
                if attempt >= self.ctx.max_retries:
                    if limited:
                        raise RateLimitExhausted(f"{resp.request.url.path}: still rate limited after "
                                                 f"{attempt} retries")
                    raise ApiError(resp.status_code, payload, resp.request.url.path)
                wait = retry_after_seconds(resp, attempt)
                self.batch.note("rate_limited" if limited else "server_error", path=resp.request.url.path,
                                status=resp.status_code, wait_s=round(wait, 3))
                self.ctx.sleep(wait)
                attempt += 1
                continue
            if resp.status_code >= 400:
                raise ApiError(resp.status_code, payload, resp.request.url.path)
            return payload

    def get(self, url: str, **kw: Any) -> Any:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.request("POST", url, **kw)


_INDEX = re.compile(r"metric\[(\d+)\]")
_FIELD = re.compile(r"Field (\w+) is not a valid metric")


def retired_metric_in(err: ApiError, platform: str, metrics: list[str]) -> str | None:
    """Which requested metric made the platform reject the whole request, if one did.

    Meta answers ``(#100) metric[N] must be one of the following values: ...`` (N indexes the
    request's metric list); GA4 answers ``Field NAME is not a valid metric``. When the message does
    not name the metric, the first requested metric of the deprecation table is taken.
    """
    if err.status not in (400, 403):
        return None
    message = error_message(err.payload)
    m = _INDEX.search(message)
    if m and int(m.group(1)) < len(metrics):
        return metrics[int(m.group(1))]
    m = _FIELD.search(message)
    if m and m.group(1) in metrics:
        return m.group(1)
    if "metric" in message.lower():
        for name in metrics:
            if replacement(platform, name) is not False:
                return name
    return None


def with_metric_fallback(ctx: Context, batch: Batch, platform: str, stream: str, metrics: list[str],
                         call: Callable[[list[str]], Any]) -> tuple[Any, list[str]]:
    """Call with METRICS; when the platform rejects the request for a retired metric, drop it (adding
    its documented replacement), record that, and retry. Metrics already known to be retired for
    this account are not requested again."""
    known = set(ctx.retired.get(stream, []))
    wanted = [m for m in metrics if m not in known]
    for m in metrics:
        if m in known:
            repl = replacement(platform, m)
            if repl and repl not in wanted:
                wanted.append(repl)
    while True:
        try:
            return call(wanted), wanted
        except ApiError as err:
            bad = retired_metric_in(err, platform, wanted)
            if bad is None:
                raise
            repl = replacement(platform, bad) or None
            wanted = [m for m in wanted if m != bad]
            if repl and repl not in wanted:
                wanted.append(repl)
            batch.note("retired_metric", stream=stream, metric=bad, replacement=repl,
                       message=error_message(err.payload)[:300])
            ctx.retired.setdefault(stream, [])
            if bad not in ctx.retired[stream]:
                ctx.retired[stream].append(bad)
            if not wanted:
                raise


def iso_utc(value: str | int | float | None) -> dt.datetime | None:
    """Parse the platforms' timestamps into naive UTC: ISO 8601 (with +0000 or Z) or epoch seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc).replace(tzinfo=None)
    text = str(value).strip()
    if text.isdigit():
        return dt.datetime.fromtimestamp(int(text), dt.timezone.utc).replace(tzinfo=None)
    if re.fullmatch(r"[+-]\d{4}", text[-5:]) and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)


def as_int(value: Any) -> int | None:
    """Counts that may arrive as JSON strings (YouTube, GA4); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a count: {value!r}")
    if isinstance(value, (int,)):
        return value
    if isinstance(value, float):
        return int(round(value))
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return int(round(float(text)))


def pages(first: Callable[[], Any], next_of: Callable[[Any], Callable[[], Any] | None],
          limit: int = 1000) -> Iterator[Any]:
    """Yield response pages: FIRST() then whatever NEXT_OF(page) returns, until it returns None."""
    fetch: Callable[[], Any] | None = first
    n = 0
    while fetch is not None and n < limit:
        page = fetch()
        yield page
        fetch = next_of(page)
        n += 1


def matches_terms(text: str | None, terms: list[str]) -> list[str]:
    """Brand terms and hashtags found in TEXT: the audience module's matcher (folded text, hashtag
    and handle boundaries) when it is installed, else a case-insensitive substring match."""
    if not text or not terms:
        return []
    from influscope.audience.mentions import find_mentions
    return find_mentions(text, terms)
