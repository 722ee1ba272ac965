"""``refresh(engine, workspace_id, campaign_id=None)``: bring the audience tables up to date.

1. Classifies every comment of the workspace (or of the campaign's posts) that has no label yet,
   or whose label came from another model: language, sentiment (label, polarity score,
   confidence) and purchase intent/advocacy. Labels are looked up first in ``sentiment_cache`` by
   (model, sha256 of the text), so a text is classified once per model.
2. Recomputes ``mentions`` of the campaign's brand and competitor terms in its post captions and
   in the comments under its posts: one row per post caption or comment and kind (brand,
   competitor), so that counting rows counts mentioning items; ``term`` is the first matching
   hashtag term, else the first matching term in configuration order.
3. Recomputes ``account_credibility`` of the creator accounts (of the campaign's creators, or of
   the workspace), comparing likes per comment with the other accounts of the workspace on the
   same platform.

It writes, so it runs when comments arrive or as a background job (``influscope audience refresh``,
:mod:`influscope.audience.background`), never while KPIs are read: readers only count what is
still waiting (:func:`pending_comments`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

import sqlalchemy as sa

from influscope.audience.intent import detect_intent
from influscope.audience.langid import detect
from influscope.audience.mentions import Matcher
from influscope.audience.sentiment import (
    Sentiment,
    SentimentModel,
    classify,
    current_model_name,
    default_model,
    text_hash,
)
from influscope.db import audience as at
from influscope.db import tables as t
from influscope.events import records as event_records

if TYPE_CHECKING:  # imported where credibility is computed: readers of pending_comments() skip its word tables
    from influscope.audience import credibility as cred

BATCH = 500
MAX_COMMENTS_PER_ACCOUNT = 5000


@dataclass
class RefreshSummary:
    classified: int = 0  # comments labelled in this run
    cache_hits: int = 0  # of which taken from the sentiment cache
    mentions: int = 0  # mention rows written
    accounts: int = 0  # credibility rows written
    model: str = ""
    skipped: bool = False  # mentions and credibility were up to date

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def label_texts(texts: list[str], model: SentimentModel | None = None,
                sentiments: list[Sentiment] | None = None) -> list[dict]:
    """Language, sentiment and intent of each text (no database); SENTIMENTS when already known."""
    if sentiments is None:
        sentiments = classify(texts, model or default_model())
    out = []
    for text, s in zip(texts, sentiments):
        intent = detect_intent(text)
        if intent is not None and s.label == "neg" and s.probs[0] >= 0.5:
            intent = None  # "I regret buying this" is not purchase intent; a weak lean keeps it
        out.append({"lang": detect(text), "label": s.label, "score": s.score, "confidence": s.confidence,
                    "intent": intent is not None, "intent_kind": intent.kind if intent else None})
    return out


def _comments_query(workspace_id: int, campaign_id: int | None, model_name: str, columns=None):
    c, lab, p = t.comments, at.comment_labels, t.posts
    q = (sa.select(*(columns or (c.c.id, c.c.text)))
         .select_from(c.outerjoin(lab, lab.c.comment_id == c.c.id))
         .where(c.c.workspace_id == workspace_id)
         .where(sa.or_(lab.c.comment_id.is_(None), lab.c.model != model_name)))
    if campaign_id is not None:
        q = q.where(c.c.post_id.in_(sa.select(p.c.id).where(p.c.campaign_id == campaign_id,
                                                            p.c.workspace_id == workspace_id)))
    return q


def pending_comments(engine: sa.Engine | sa.Connection, workspace_id: int, campaign_id: int | None = None,
                     model_name: str | None = None) -> int:
    """How many comments (of the workspace, or under the campaign's posts) wait for analysis.

    A comment waits while it has no label, or a label from another model than the current one.
    Only reads; loads no model.
    """
    name = model_name or current_model_name()
    q = _comments_query(workspace_id, campaign_id, name, (sa.func.count(),))
    if isinstance(engine, sa.Connection):
        return int(engine.execute(q).scalar() or 0)
    with engine.connect() as conn:
        return int(conn.execute(q).scalar() or 0)


Progress = Callable[[int, int], None]  # (comments done, comments to do)


def free_cores() -> int:
    """Cores this process may run on that are not busy: their number less the 1-minute load
    average, rounded, at least 1 (a shared machine gets fewer worker processes)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return max(1, min(cores, int(cores - load + 0.5)))


def _worker_init() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["OPENBLAS_NUM_THREADS"] = "1"


def _sentiment_chunk(texts: list[str]) -> list[Sentiment]:
    return classify(texts)


class _Labeller:
    """Labels texts in this process, or in up to WORKERS processes of one thread each (default
    model only): as many as there are free cores when the labeller starts (:func:`free_cores`).

    With worker processes, only the sentiment is computed there, once per text as the encoder
    reads it (:func:`influscope.audience.embedding.prepare`: a comment that differs from another
    only by its mentions, links or spacing is not encoded again); language and intent, which are
    cheap, are found here."""

    CHUNK = 64

    def __init__(self, model: SentimentModel | None, workers: int):
        self.model = model
        self.pool = None
        self.workers = min(workers, free_cores()) if workers > 1 and model is None else 1
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_worker_init)

    def __call__(self, texts: list[str]) -> list[dict]:
        if self.pool is None or len(texts) <= self.CHUNK:
            return label_texts(texts, self.model)
        from influscope.audience.embedding import prepare

        index: dict[str, int] = {}
        rows = [index.setdefault(prepare(text), len(index)) for text in texts]
        unique = list(index)
        chunks = [unique[i:i + self.CHUNK] for i in range(0, len(unique), self.CHUNK)]
        found = [s for part in self.pool.map(_sentiment_chunk, chunks) for s in part]
        return label_texts(texts, sentiments=[found[r] for r in rows])

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def classify_comments(engine: sa.Engine, workspace_id: int, campaign_id: int | None = None,
                      model: SentimentModel | None = None, *, progress: Progress | None = None,
                      workers: int = 1) -> tuple[int, int]:
    """Label the comments that wait for analysis, in batches; returns (labelled, taken from the cache).

    Each batch: the texts are looked up in ``sentiment_cache`` by (model, sha256 of the text); only
    texts never analysed by this model are analysed (outside any transaction, in WORKERS processes
    when more than one), then cache rows and labels are written in one short transaction.
    """
    name = model.name if model is not None else current_model_name()
    total = pending_comments(engine, workspace_id, campaign_id, name)
    if progress:
        progress(0, total)
    if not total:
        return 0, 0
    labeller = _Labeller(model, workers)
    classified = hits = 0
    last_id = 0
    cache = at.sentiment_cache
    try:
        while True:
            with engine.connect() as conn:
                rows = conn.execute(_comments_query(workspace_id, campaign_id, name)
                                    .where(t.comments.c.id > last_id).order_by(t.comments.c.id).limit(BATCH)).all()
                if not rows:
                    break
                hashes = [text_hash(r.text or "") for r in rows]
                cached = {r.text_hash: r for r in conn.execute(
                    sa.select(cache).where(cache.c.workspace_id == workspace_id, cache.c.model == name,
                                           cache.c.text_hash.in_(set(hashes))))}
            last_id = rows[-1].id
            missing = sorted({(h, r.text or "") for h, r in zip(hashes, rows) if h not in cached})
            labels = labeller([text for _, text in missing]) if missing else []
            now = _now()
            with engine.begin() as conn:
                new_rows = [{"workspace_id": workspace_id, "model": name, "text_hash": h, "created_at": now, **lab}
                            for (h, _), lab in zip(missing, labels)]
                if new_rows:  # another job may have analysed some of them meanwhile: keep its rows
                    present = set(conn.execute(sa.select(cache.c.text_hash).where(
                        cache.c.workspace_id == workspace_id, cache.c.model == name,
                        cache.c.text_hash.in_([r["text_hash"] for r in new_rows]))).scalars())
                    fresh_rows = [r for r in new_rows if r["text_hash"] not in present]
                    if fresh_rows:
                        conn.execute(sa.insert(cache), fresh_rows)
                    cached.update({r["text_hash"]: _AttrDict(r) for r in new_rows})
                ids = [r.id for r in rows]
                conn.execute(sa.delete(at.comment_labels).where(at.comment_labels.c.comment_id.in_(ids)))
                conn.execute(sa.insert(at.comment_labels), [
                    {"comment_id": r.id, "workspace_id": workspace_id, "lang": cached[h].lang,
                     "label": cached[h].label, "score": cached[h].score, "confidence": cached[h].confidence,
                     "intent": cached[h].intent, "intent_kind": cached[h].intent_kind, "model": name,
                     "text_hash": h, "labelled_at": now}
                    for r, h in zip(rows, hashes)])
            classified += len(rows)
            fresh = {h for h, _ in missing}
            hits += sum(1 for h in hashes if h not in fresh)
            if progress:
                progress(min(classified, total), max(total, classified))
    finally:
        labeller.close()
    return classified, hits


class _AttrDict(dict):
    __getattr__ = dict.__getitem__


def _campaign_ids(conn, workspace_id: int, campaign_id: int | None) -> list[int]:
    q = sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == workspace_id)
    if campaign_id is not None:
        q = q.where(t.campaigns.c.id == campaign_id)
    return list(conn.execute(q).scalars())


def _mention_term(found: list[str]) -> str | None:
    """One mention per post or comment and kind: the first hashtag term matched, else the first term."""
    if not found:
        return None
    return next((term for term in found if term.lstrip().startswith(("#", "＃"))), found[0])


def refresh_mentions(engine: sa.Engine, workspace_id: int, campaign_id: int | None = None) -> int:
    written = 0
    with engine.begin() as conn:
        for cid in _campaign_ids(conn, workspace_id, campaign_id):
            camp = conn.execute(sa.select(t.campaigns.c.brand_terms, t.campaigns.c.competitor_terms)
                                .where(t.campaigns.c.id == cid)).one()
            matchers = [("brand", Matcher(camp.brand_terms or [])), ("competitor", Matcher(camp.competitor_terms or []))]
            conn.execute(sa.delete(at.mentions).where(at.mentions.c.campaign_id == cid,
                                                      at.mentions.c.workspace_id == workspace_id))
            if not any(m for _, m in matchers):
                continue
            out = []
            posts = conn.execute(sa.select(t.posts.c.id, t.posts.c.caption, t.posts.c.posted_at)
                                 .where(t.posts.c.campaign_id == cid, t.posts.c.workspace_id == workspace_id)).all()
            for p in posts:
                for kind, matcher in matchers:
                    term = _mention_term(matcher.find(p.caption or ""))
                    if term:
                        out.append({"post_id": p.id, "comment_id": None, "term": term, "kind": kind, "ts": p.posted_at})
            comments = conn.execute(
                sa.select(t.comments.c.id, t.comments.c.post_id, t.comments.c.text, t.comments.c.ts)
                .where(t.comments.c.workspace_id == workspace_id,
                       t.comments.c.post_id.in_(sa.select(t.posts.c.id).where(t.posts.c.campaign_id == cid)))).all()
            for c in comments:
                for kind, matcher in matchers:
                    term = _mention_term(matcher.find(c.text or ""))
                    if term:
                        out.append({"post_id": c.post_id, "comment_id": c.id, "term": term, "kind": kind, "ts": c.ts})
            if out:
                conn.execute(sa.insert(at.mentions), [{"workspace_id": workspace_id, "campaign_id": cid, **r} for r in out])
            written += len(out)
    return written


def _latest_metrics(pm=None):
    pm = t.post_metrics if pm is None else pm
    latest = sa.select(pm.c.post_id, sa.func.max(pm.c.as_of).label("as_of")).group_by(pm.c.post_id).subquery()
    return (sa.select(pm.c.post_id, pm.c.likes, pm.c.comments)
            .join(latest, sa.and_(latest.c.post_id == pm.c.post_id, latest.c.as_of == pm.c.as_of))).subquery()


def _account_data(conn, workspace_id: int, acc, metrics) -> cred.AccountData:
    from influscope.audience import credibility as cred

    p = t.posts
    posts = conn.execute(
        sa.select(p.c.id, p.c.posted_at, metrics.c.likes, metrics.c.comments)
        .select_from(p.outerjoin(metrics, metrics.c.post_id == p.c.id))
        .where(p.c.workspace_id == workspace_id, p.c.creator_id == acc.creator_id, p.c.platform == acc.platform)).all()
    post_ids = [r.id for r in posts]
    if event_records.enabled():  # the follower counts live in the event store
        series = [SimpleNamespace(date=d, followers=n)
                  for d, n in event_records.follower_counts(workspace_id, acc.platform, acc.handle)]
    else:
        series = conn.execute(
            sa.select(t.follower_snapshots.c.date, t.follower_snapshots.c.followers)
            .where(t.follower_snapshots.c.workspace_id == workspace_id,
                   t.follower_snapshots.c.platform == acc.platform,
                   t.follower_snapshots.c.handle == acc.handle)).all()
    comments = []
    if post_ids:
        c, lab = t.comments, at.comment_labels
        comments = conn.execute(
            sa.select(c.c.post_id, c.c.author, c.c.text, c.c.ts, lab.c.lang, lab.c.comment_id.label("labelled"))
            .select_from(c.outerjoin(lab, lab.c.comment_id == c.c.id))
            .where(c.c.workspace_id == workspace_id, c.c.post_id.in_(post_ids))
            .order_by(c.c.ts.desc(), c.c.id.desc()).limit(MAX_COMMENTS_PER_ACCOUNT)).all()
    return cred.AccountData(
        platform=acc.platform, handle=acc.handle, followers=acc.followers, following=acc.following,
        language=acc.language,
        posts=[cred.PostStats(r.id, r.likes, r.comments, r.posted_at) for r in posts],
        follower_series=[(r.date, int(r.followers)) for r in series],
        comments=[cred.CommentRecord(r.post_id, r.author, r.text or "", r.ts,
                                     # a labelled comment with lang NULL had no letters: keep it out of the test
                                     r.lang if r.labelled is None or r.lang is not None else "")
                  for r in comments],
    )


def refresh_credibility(engine: sa.Engine, workspace_id: int, campaign_id: int | None = None) -> int:
    from influscope.audience import credibility as cred

    ca, cr = t.creator_accounts, t.creators
    with engine.begin() as conn:
        # the latest snapshot per post; with an event store, handed over from it for this transaction
        staged = event_records.stage_latest_snapshots(conn, workspace_id) if event_records.enabled() else None
        metrics = _latest_metrics(staged)
        q = (sa.select(ca.c.id, ca.c.creator_id, ca.c.platform, ca.c.handle, ca.c.followers, ca.c.following,
                       cr.c.language)
             .join(cr, cr.c.id == ca.c.creator_id).where(ca.c.workspace_id == workspace_id))
        all_accounts = conn.execute(q).all()
        if campaign_id is not None:
            members = set(conn.execute(sa.select(t.campaign_creators.c.creator_id)
                                       .where(t.campaign_creators.c.campaign_id == campaign_id)).scalars())
            members |= set(conn.execute(sa.select(t.posts.c.creator_id).where(t.posts.c.campaign_id == campaign_id))
                           .scalars())
            targets = [a for a in all_accounts if a.creator_id in members]
        else:
            targets = all_accounts
        if not targets:
            return 0
        # likes per comment of every account of the workspace, per platform, for the peer band
        p = t.posts
        ratios = conn.execute(
            sa.select(p.c.creator_id, p.c.platform, sa.func.sum(metrics.c.likes).label("likes"),
                      sa.func.sum(metrics.c.comments).label("comments"))
            .join(metrics, metrics.c.post_id == p.c.id)
            .where(p.c.workspace_id == workspace_id, metrics.c.likes.is_not(None), metrics.c.comments > 0)
            .group_by(p.c.creator_id, p.c.platform)).all()
        peer = {(r.creator_id, r.platform): r.likes / r.comments for r in ratios if r.comments}
        now = _now()
        rows = []
        for acc in targets:
            data = _account_data(conn, workspace_id, acc, metrics)
            peers = [v for (cid, plat), v in peer.items() if plat == acc.platform and cid != acc.creator_id]
            result = cred.assess(data, peers)
            rows.append({"creator_account_id": acc.id, "workspace_id": workspace_id, "score": result.score,
                         "reasons": result.reasons(), "computed_at": now})
        conn.execute(sa.delete(at.account_credibility)
                     .where(at.account_credibility.c.creator_account_id.in_([r["creator_account_id"] for r in rows])))
        conn.execute(sa.insert(at.account_credibility), rows)
        if staged is not None:
            event_records.unstage(conn, staged)
    return len(rows)


# Bump when mentions or credibility logic changes, so that stored results are recomputed.
DERIVED_VERSION = "1"


def inputs_fingerprint(engine: sa.Engine, workspace_id: int, campaign_id: int | None) -> str:
    """A digest of everything mentions and credibility depend on (counts, highest ids, sums, terms)."""
    import hashlib
    import json

    f = sa.func
    parts: list = [DERIVED_VERSION, campaign_id]
    with engine.connect() as conn:
        camp = t.campaigns
        q = sa.select(camp.c.id, camp.c.brand_terms, camp.c.competitor_terms).where(camp.c.workspace_id == workspace_id)
        if campaign_id is not None:
            q = q.where(camp.c.id == campaign_id)
        parts.append([list(r) for r in conn.execute(q.order_by(camp.c.id))])
        events = event_records.enabled()  # snapshots and follower counts in the event store: their digest there
        for table, extra in ((t.posts, [f.sum(f.length(t.posts.c.caption))]),
                             (t.comments, []),
                             *(() if events else ((t.follower_snapshots, [f.sum(t.follower_snapshots.c.followers)]),)),
                             (t.creator_accounts, [f.sum(t.creator_accounts.c.followers),
                                                   f.sum(t.creator_accounts.c.following)]),
                             (t.creators, [f.count(t.creators.c.language)]),
                             (at.comment_labels, [f.count(at.comment_labels.c.lang)])):
            pk = next(iter(table.primary_key.columns))
            row = conn.execute(sa.select(f.count(), f.max(pk), *extra)
                               .where(table.c.workspace_id == workspace_id)).one()
            parts.append([str(x) for x in row])
        pm, p = t.post_metrics, t.posts
        if events:
            parts.append(event_records.digest(workspace_id))
        else:
            row = conn.execute(sa.select(f.count(), f.max(pm.c.id), f.sum(pm.c.likes), f.sum(pm.c.comments))
                               .join(p, p.c.id == pm.c.post_id).where(p.c.workspace_id == workspace_id)).one()
            parts.append([str(x) for x in row])
        parts.append([list(map(str, r)) for r in conn.execute(
            sa.select(t.campaign_creators).join(camp, camp.c.id == t.campaign_creators.c.campaign_id)
            .where(camp.c.workspace_id == workspace_id).order_by(*t.campaign_creators.c))])
    return hashlib.sha256(json.dumps(parts, default=str, ensure_ascii=False).encode()).hexdigest()


def refresh(engine: sa.Engine, workspace_id: int, campaign_id: int | None = None, *,
            model: SentimentModel | None = None, force: bool = False, progress: Progress | None = None,
            workers: int = 1) -> RefreshSummary:
    """Classify unlabelled comments, recompute mentions and credibility (one campaign or all).

    Mentions and credibility are recomputed only when their inputs changed since the last refresh
    of the same scope (or with FORCE); labelling is incremental anyway.
    """
    summary = RefreshSummary(model=model.name if model is not None else current_model_name())
    for attempt in range(2):
        try:
            summary.classified, summary.cache_hits = classify_comments(engine, workspace_id, campaign_id, model,
                                                                       progress=progress, workers=workers)
            break
        except sa.exc.IntegrityError:
            if attempt:  # a concurrent refresh wrote the same labels; the second pass sees them
                raise
    scope = "workspace" if campaign_id is None else f"campaign:{campaign_id}"
    state = at.audience_refresh_state
    fingerprint = inputs_fingerprint(engine, workspace_id, campaign_id)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(state.c.fingerprint).where(state.c.workspace_id == workspace_id,
                                                                   state.c.scope == scope)).scalar()
    if stored == fingerprint and not force:
        summary.skipped = True
        return summary
    summary.mentions = refresh_mentions(engine, workspace_id, campaign_id)
    summary.accounts = refresh_credibility(engine, workspace_id, campaign_id)
    with engine.begin() as conn:
        conn.execute(sa.delete(state).where(state.c.workspace_id == workspace_id, state.c.scope == scope))
        conn.execute(sa.insert(state).values(workspace_id=workspace_id, scope=scope, fingerprint=fingerprint,
                                             refreshed_at=_now()))
    return summary
