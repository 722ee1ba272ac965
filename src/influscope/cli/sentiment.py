"""``influscope sentiment``: classify the comments of a CSV file; ``influscope audience refresh``.

    influscope sentiment comments.csv [--text-column text] [--format csv|json] [--output FILE]
    influscope sentiment --evaluate [FILE]      # macro-F1 per language on the held-out split (or FILE)
    influscope audience refresh [--campaign SLUG] [--workers N]
    influscope audience watch                   # the background job that `serve` starts
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Optional

import typer

from influscope.cli import _common

OUTPUT_COLUMNS = ("lang", "label", "score", "confidence", "intent", "intent_kind")
CHUNK = 128  # comments per model call in `influscope sentiment`
SHOW_PROGRESS_FROM = 500  # rows: shorter files finish without a progress bar


class _Progress:
    """A progress bar on standard error, fed (done, total) pairs."""

    def __init__(self, label: str, *, enabled: bool = True):
        self.label = label
        self.enabled = enabled
        self.bar = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if self.bar is None:
            self.bar = typer.progressbar(length=total, label=self.label, file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        if total != self.bar.length:
            self.bar.length = total
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


_WORKERS_HELP = "Worker processes (one thread each) for the model: up to N, as many as cores are free."

def _read(path: Path, text_column: str) -> tuple[list[str], list[dict]]:
    if not path.is_file():
        _common.fail(f"{path}: no such file")
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = list(reader.fieldnames or [])
            if text_column not in fields:
                _common.fail(f"{path}: line 1: no column {text_column!r} (columns: {', '.join(fields) or 'none'}); "
                             f"choose one with --text-column")
            rows = []
            for row in reader:
                if None in row:  # more cells than header fields
                    _common.fail(f"{path}: line {reader.line_num}: {len(fields) + len(row[None])} fields, "
                                 f"the header has {len(fields)}")
                rows.append(row)
    except UnicodeDecodeError as exc:
        _common.fail(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    except csv.Error as exc:
        _common.fail(f"{path}: CSV error: {exc}")
    return fields, rows


def _evaluate(path: Optional[Path], fmt: str) -> None:
    from influscope.audience.sentiment import HELDOUT_FILE, evaluate, load_rows

    source = path or HELDOUT_FILE
    try:
        rows = load_rows(source)
    except (ValueError, KeyError) as exc:
        _common.fail(str(exc))
    missing = {"text", "label", "lang"} - set(rows[0] if rows else {})
    if missing:
        _common.fail(f"{source}: line 1: missing column(s) {', '.join(sorted(missing))}")
    result = evaluate(rows)
    result["file"] = source.name
    if fmt == "json":
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(f"model {result['model']} on {source.name}")
    typer.echo(f"{'language':<10} {'n':>5} {'accuracy':>9} {'macro-F1':>9}")
    for lang, m in result["languages"].items():
        typer.echo(f"{lang:<10} {m['n']:>5} {m['accuracy']:>9.4f} {m['macro_f1']:>9.4f}")
    m = result["overall"]
    typer.echo(f"{'all':<10} {m['n']:>5} {m['accuracy']:>9.4f} {m['macro_f1']:>9.4f}")


def sentiment(
    file: Optional[Path] = typer.Argument(None, help="CSV file with one comment per row."),
    text_column: str = typer.Option("text", "--text-column", help="The column holding the comment text."),
    fmt: str = typer.Option("csv", "--format", help="csv or json (with --evaluate: table or json)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of standard output."),
    evaluate: bool = typer.Option(False, "--evaluate", help="Score the model on the held-out split (or on FILE, "
                                                           "which needs text, lang and label columns)."),
) -> None:
    """Language, sentiment (pos, neu, neg; score = P(pos) - P(neg)) and purchase intent of each row."""
    if evaluate:
        if fmt not in ("csv", "table", "json"):
            _common.fail(f"--format must be table or json, got {fmt!r}")
        _evaluate(file, "json" if fmt == "json" else "table")
        return
    if fmt not in ("csv", "json"):
        _common.fail(f"--format must be csv or json, got {fmt!r}")
    if file is None:
        _common.fail("give a CSV file (or --evaluate)")
    fields, rows = _read(file, text_column)
    from influscope.audience.refresh import label_texts

    texts = [r[text_column] or "" for r in rows]
    progress = _Progress("Analysing comments", enabled=len(texts) >= SHOW_PROGRESS_FROM)
    labels: list[dict] = []
    try:
        for start in range(0, len(texts), CHUNK):
            labels.extend(label_texts(texts[start:start + CHUNK]))
            progress(len(labels), len(texts))
    except RuntimeError as exc:  # the audience extra is not installed
        _common.fail(str(exc))
    finally:
        progress.close()
    # input columns that clash with the output keep their values under input_<name>
    renamed = {f: (f"input_{f}" if f in OUTPUT_COLUMNS else f) for f in fields}
    out_rows = []
    for row, lab in zip(rows, labels):
        out = {renamed[k]: v for k, v in row.items()}
        out.update({k: lab[k] for k in OUTPUT_COLUMNS})
        out_rows.append(out)
    sink = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "json":
            sink.write(json.dumps(out_rows, ensure_ascii=False, indent=1) + "\n")
        else:
            writer = csv.DictWriter(sink, fieldnames=[renamed[f] for f in fields] + list(OUTPUT_COLUMNS))
            writer.writeheader()
            for r in out_rows:
                writer.writerow({**r, "intent": int(r["intent"]), "intent_kind": r["intent_kind"] or "",
                                 "lang": r["lang"] or ""})
    finally:
        if output:
            sink.close()


audience_app = typer.Typer(help="Audience intelligence: comment labels, mentions, credibility.", no_args_is_help=True)


@audience_app.command("refresh")
def refresh_cmd(
    campaign: Optional[str] = typer.Option(None, "--campaign", "-c", help="Campaign slug (default: all)."),
    force: bool = typer.Option(False, "--force", help="Recompute mentions and credibility even if nothing changed."),
    workers: int = typer.Option(1, "--workers", min=1, help=_WORKERS_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Analyse the comments waiting for it (each text once per model), then mentions and credibility."""
    import sqlalchemy as sa

    from influscope import config
    from influscope.audience import refresh
    from influscope.db import slugs
    from influscope.db import tables as t

    engine = _common.engine(db, workspace)
    slug = config.get_settings().workspace
    with engine.connect() as conn:
        ws = slugs.workspace_id(conn, slug)
        if ws is None:
            _common.fail_missing(f"no workspace {slug!r}")
        cid = None
        if campaign:
            cid = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == ws,
                                                                 t.campaigns.c.slug == campaign)).scalar()
            if cid is None:
                _common.fail_missing(f"no campaign {campaign!r} in workspace {slug!r}")
    progress = _Progress("Analysing comments", enabled=not quiet)
    try:
        summary = refresh(engine, ws, cid, force=force, workers=workers, progress=progress)
    except RuntimeError as exc:  # the audience extra is not installed
        _common.fail(str(exc))
    finally:
        progress.close()
    typer.echo(json.dumps(summary.to_dict()))


@audience_app.command("watch")
def watch_cmd(
    interval: float = typer.Option(10.0, "--interval", min=0.5, help="Seconds between passes."),
    workers: int = typer.Option(1, "--workers", min=1, help=_WORKERS_HELP),
    parent: Optional[int] = typer.Option(None, "--parent", help="Stop when this process is gone."),
    db: Optional[str] = _common.DbOption,
) -> None:
    """The background job: analyse waiting comments of every workspace every few seconds."""
    from influscope.audience.background import watch

    engine = _common.engine(db)
    watch(engine, interval=interval, workers=workers, parent_pid=parent,
          log=lambda line: typer.echo(f"[audience] {line}", err=True))


def register(app: typer.Typer) -> None:
    app.command("sentiment")(sentiment)
    app.add_typer(audience_app, name="audience")
