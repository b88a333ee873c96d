"""The ``newsclaims`` command: parse options, build settings, call the library.

Exit codes (``spec/cli.md``): 0 done and nothing inconsistent; 1 ``factcheck``
found an inconsistency; 2 bad usage, or input that could not be read at all.
Records that fail inside a batch are reported and kept; they do not change the code.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeVar

import click

from . import __version__
from .errors import NewsclaimsError
from .models import CLAIM_TYPES
from .settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("newsclaims")


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"newsclaims: error: {message}", err=True)
    sys.exit(code)


def _parse_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def build_settings(ctx: click.Context, /, **overrides: Any) -> Settings:
    """Settings from the group's --config/--set plus command overrides."""
    obj = ctx.find_root().obj or {}
    merged: dict[str, Any] = dict(obj.get("set", {}))
    merged.update({k: v for k, v in overrides.items() if v is not None})
    return load_settings(obj.get("config"), merged)


def input_options(func: F) -> F:
    """Options that say how input records are read."""
    opts = [
        click.option("--timezone", "tz", help="Zone for times without one (default UTC; recorded per article)."),
        click.option("--id-field", help="Field holding the record id (default: found by common names)."),
        click.option("--title-field", help="Field holding the title (default: title/headline)."),
        click.option("--body-field", help="Field holding the text (default: body/text/content)."),
        click.option("--time-field", help="Field holding the publication time (default: published_at/published_utc/date)."),
        click.option("--url-field", help="Field holding the URL."),
        click.option("--source-field", help="Field holding the publisher."),
        click.option("--follow-symlinks", is_flag=True, default=None, help="Follow links that lead outside the input folder."),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


def input_overrides(kw: dict[str, Any]) -> dict[str, Any]:
    return {
        "ingest.default_timezone": kw.pop("tz", None),
        "ingest.id_field": kw.pop("id_field", None),
        "ingest.title_field": kw.pop("title_field", None),
        "ingest.body_field": kw.pop("body_field", None),
        "ingest.time_field": kw.pop("time_field", None),
        "ingest.url_field": kw.pop("url_field", None),
        "ingest.source_field": kw.pop("source_field", None),
        "ingest.follow_symlinks": kw.pop("follow_symlinks", None),
    }


def guarded(func: F) -> F:
    """Turn the library's errors into a message and exit code 2."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NewsclaimsError as exc:
            fail(str(exc))
        except BrokenPipeError:
            sys.exit(0)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsclaims")
@click.option("--config", "config", type=click.Path(dir_okay=False), help="A settings TOML file (see `newsclaims config`).")
@click.option("--set", "sets", multiple=True, metavar="SECTION.KEY=VALUE", help="Override one setting, e.g. --set dedup.threshold=0.85.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def main(ctx: click.Context, /, config: str | None, sets: tuple[str, ...], verbose: int) -> None:
    """Extract numeric market claims from crypto news and check them.

    \b
    Quick start:
      newsclaims run corpus/            # ingest, dedup, extract, check into newsclaims.db
      newsclaims factcheck article.txt  # check one article
      newsclaims export --db newsclaims.db --table claims_wide --format csv -o claims.csv
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    parsed: dict[str, Any] = {}
    for item in sets:
        if "=" not in item:
            raise click.BadParameter(f"{item!r}: expected SECTION.KEY=VALUE", param_hint="--set")
        key, raw = item.split("=", 1)
        parsed[key.strip()] = _parse_value(raw.strip())
    ctx.obj = {"config": config, "set": parsed}


# --------------------------------------------------------------------------- batch


class ProgressLine:
    """A one-line progress display on stderr (only when stderr is a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._last = 0.0

    def __call__(self, stats: Any) -> None:
        import time

        if not self.enabled or time.monotonic() - self._last < 0.2:
            return
        self._last = time.monotonic()
        flags = stats.checks.get("inconsistent", 0)
        line = (
            f"\r{stats.read:,} read  {stats.stored:,} stored  {stats.duplicates:,} duplicates  "
            f"{sum(stats.claims.values()):,} claims  {flags:,} flags  {stats.articles_per_s:,.0f} articles/s"
        )
        click.echo(line, err=True, nl=False)

    def close(self) -> None:
        if self.enabled:
            click.echo("", err=True)


def _summary(stats: Any, db: str, stage: str) -> str:
    lines = [
        f"{stage} done in {stats.elapsed:.1f} s ({stats.articles_per_s:,.0f} records/s)" + (" - interrupted, re-run to resume" if stats.interrupted else ""),
        f"  records read      {stats.read:,}",
        f"  articles stored   {stats.stored:,}" + (f"  (+{stats.already_stored:,} already in the database)" if stats.already_stored else ""),
        f"  near-duplicates   {stats.duplicates:,}  ({stats.clusters:,} clusters in the database)",
    ]
    claims = ", ".join(f"{k} {v:,}" for k, v in stats.claims.most_common()) or "none"
    lines.append(f"  claims            {sum(stats.claims.values()):,}  ({claims})")
    if stage == "run":
        lines.append(f"  stories           {stats.stories:,}")
        checks = ", ".join(f"{k} {v:,}" for k, v in stats.checks.most_common()) or "none"
        lines.append(f"  checks            {sum(stats.checks.values()):,}  ({checks})")
    if stats.zones.get("zoneless_articles"):
        z = stats.zones
        used = ", ".join(f"{k} {v}" for k, v in z["inferred_zones"].items()) or "none"
        lines.append(
            f"  zones             {z['zoneless_articles']:,} articles without a zone; {z['sources_inferred']} of "
            f"{z['sources_with_claims']} sources with price claims got one inferred ({used}), the rest read in "
            f"{z['default_zone']}; {z['articles_retimed']:,} articles re-timed"
        )
    rej = ", ".join(f"{k} {v:,}" for k, v in stats.rejected.most_common()) or "none"
    lines.append(f"  rejected          {sum(stats.rejected.values()):,}  ({rej})")
    lines.append(f"  database          {db}")
    return "\n".join(lines)


def _batch(ctx: click.Context, /, stage: str, paths: Sequence[str], db: str, market: str | None, workers: int | None, kw: dict[str, Any]) -> None:
    from .pipeline import run_pipeline

    settings = build_settings(ctx, **input_overrides(kw), **{"market.path": market})
    stop = threading.Event()

    def on_sigint(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        click.echo("\nstopping after the current batch (Ctrl-C again to abort)...", err=True)

    old = signal.signal(signal.SIGINT, on_sigint)
    progress = ProgressLine(sys.stderr.isatty())
    try:
        stats = run_pipeline(list(paths), db, settings, stage=stage, market_path=market, workers=workers, progress=progress, stop=stop, argv=sys.argv[1:])  # type: ignore[arg-type]
    finally:
        progress.close()
        signal.signal(signal.SIGINT, old)
    click.echo(_summary(stats, db, stage))
    if stage == "run":
        click.echo(
            f"\nNext: newsclaims export --db {db} --table claims_wide --format csv -o claims.csv\n"
            f"      newsclaims report --db {db} -o report/   (then open report/index.html)"
        )
    if stats.stored + stats.already_stored == 0:
        fail("no article could be read from the input" + (f" ({sum(stats.rejected.values())} rejected, see the rejections table)" if stats.rejected else ""))
    if stats.interrupted:
        sys.exit(130)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--db", required=True, type=click.Path(dir_okay=False), help="SQLite database file (created if missing).")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: number of cores).")
@input_options
@click.pass_context
@guarded
def ingest(ctx: click.Context, /, paths: tuple[str, ...], db: str, workers: int | None, **kw: Any) -> None:
    """Read, clean and deduplicate articles into the database (claims are extracted too)."""
    _batch(ctx, "ingest", paths, db, None, workers, kw)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--db", default="newsclaims.db", show_default=True, type=click.Path(dir_okay=False), help="SQLite database file.")
@click.option("--market", type=click.Path(exists=True), help="Market data file or folder (default: the bundled Binance candles).")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: number of cores).")
@input_options
@click.pass_context
@guarded
def run(ctx: click.Context, /, paths: tuple[str, ...], db: str, market: str | None, workers: int | None, **kw: Any) -> None:
    """The batch job: ingest, deduplicate, extract, check, store."""
    _batch(ctx, "run", paths, db, market, workers, kw)


# --------------------------------------------------------------------------- one-off


@contextmanager
def _open_out(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        yield f


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "table"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@input_options
@click.pass_context
@guarded
def extract(ctx: click.Context, /, paths: tuple[str, ...], fmt: str, output: str | None, **kw: Any) -> None:
    """Extract claims without a database (one claim per line with --format jsonl)."""
    from .pipeline import extract_paths

    settings = build_settings(ctx, **input_overrides(kw))
    rows: list[dict[str, Any]] = []
    articles = 0
    with _open_out(output) as out:
        for res in extract_paths(list(paths), settings):
            if res.rejection is not None:
                click.echo(f"newsclaims: skipped {res.rejection.source_id}: {res.rejection.reason.value}: {res.rejection.detail}", err=True)
                continue
            articles += 1
            for c in res.claims:
                row = c.model_dump(mode="json")
                if fmt == "jsonl":
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                else:
                    rows.append(row)
        if fmt == "json":
            out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        elif fmt == "table":
            out.write(_claims_table(rows) + "\n")
    if articles == 0:
        fail("no article could be read from the input")


def _claims_table(rows: list[dict[str, Any]]) -> str:
    from tabulate import tabulate

    cols = ["source_id", "type", "asset", "value", "value_max", "unit", "window", "qualifier", "text"]
    return str(tabulate([[str(r.get(c) if r.get(c) is not None else "")[:60] for c in cols] for r in rows], headers=cols))


@main.command()
@click.argument("path", type=click.Path())
@click.option("--published-at", help="Publication time (ISO 8601; without a zone read in the default zone). Overrides the record's own.")
@click.option("--market", type=click.Path(exists=True), help="Market data file or folder (default: the bundled Binance candles).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "html"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout (required for html).")
@click.option("--color/--no-color", default=None, help="Colour the table (default: when stdout is a terminal).")
@input_options
@click.pass_context
@guarded
def factcheck(ctx: click.Context, /, path: str, published_at: str | None, market: str | None, fmt: str, output: str | None, color: bool | None, **kw: Any) -> None:
    """Extract and check one article (or each article of a dump).

    Exits 1 when anything is inconsistent, so it can gate a publishing pipeline.
    """
    from .check import render_checks
    from .pipeline import factcheck_paths
    from .read.records import parse_time

    settings = build_settings(ctx, **input_overrides(kw), **{"market.path": market})
    when: datetime | None = None
    if published_at is not None:
        when, _ = parse_time(published_at, settings)
        if when is None:
            fail(f"--published-at {published_at!r} is not a time (use ISO 8601, e.g. 2025-05-19T15:33:04Z)")
    results = factcheck_paths([path], settings, published_at=when, market_path=market, market_cache=settings.market.cache_dir)
    for r in results:
        if r.rejection is not None:
            click.echo(f"newsclaims: skipped {r.rejection.source_id}: {r.rejection.reason.value}: {r.rejection.detail}", err=True)
    done = [r for r in results if r.article is not None]
    if not done:
        fail("no article could be read from the input")
    _zone_notes(done)
    checks = [k for r in done for k in r.checks]
    if fmt == "html":
        if output is None:
            fail("--format html needs -o FILE")
        from .export import safe_output_path
        from .market import open_market
        from .report import render_article_page, render_articles_page

        mkt = open_market(market, cache_dir=Path(settings.market.cache_dir) if settings.market.cache_dir else None)
        target = safe_output_path(output, Path(output).resolve().parent)
        items = [({**r.article.model_dump(), "time_zone": r.zone, "time_zone_inferred": r.zone_inferred}, r.claims, r.checks) for r in done if r.article is not None]
        page = render_article_page(*items[0], mkt) if len(items) == 1 else render_articles_page(items, mkt)
        target.write_text(page, encoding="utf-8")
        click.echo(f"wrote {target}", err=True)
    else:
        use_color = color if color is not None else (output is None and sys.stdout.isatty())
        text = render_checks(checks, fmt, use_color)  # type: ignore[arg-type]
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
        else:
            click.echo(text)
    if any(k.verdict == "inconsistent" for k in checks):
        sys.exit(1)


def _zone_notes(done: list[Any]) -> None:
    """On stderr, how each zone-less publication time was read (the zone, inferred or default)."""
    from .zones import describe_zone

    for r in done:
        a = r.article
        if a is not None and a.time_zone_assumed and a.published_at is not None:
            click.echo(f"newsclaims: {a.source_id}: published {a.published_at:%Y-%m-%d %H:%M} UTC ({describe_zone(r.zone, r.zone_inferred, True)})", err=True)


@main.command("eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--show-errors/--no-show-errors", default=True, help="List misses and extras.")
@click.option("--compare-rules/--no-compare-rules", default=True, show_default=True,
              help="Also score the rules alone and print both side by side (when the model is on).")
@click.option("--bootstrap", type=click.IntRange(0, 100000), default=1000, show_default=True,
              help="Resamples of articles for the 95% intervals of F1 (0: none).")
@input_options
@click.pass_context
@guarded
def eval_cmd(ctx: click.Context, /, gold: str, paths: tuple[str, ...], fmt: str, show_errors: bool,
             compare_rules: bool, bootstrap: int, **kw: Any) -> None:
    """Score extraction against a gold file (spec/claims.md scoring): P/R/F1 per type with
    bootstrap intervals, qualifier/direction/status/when accuracy, a type confusion table,
    and the rules-only figures beside the model's."""
    from .evaluate import evaluate, format_eval, format_side_by_side, load_gold
    from .pipeline import extract_paths

    settings = build_settings(ctx, **input_overrides(kw))
    gold_rows = load_gold(gold)
    wanted = {g["source_id"] for g in gold_rows}
    predicted = [c for r in extract_paths(list(paths), settings) for c in r.claims if c.source_id in wanted]
    report = evaluate(gold_rows, predicted, bootstrap=bootstrap)
    name = settings.extract.extractor
    reports = {name: report}
    if compare_rules and name == "model":
        rules_settings = settings.model_copy(update={"extract": settings.extract.model_copy(update={"model": "none"})})
        rules_pred = [c for r in extract_paths(list(paths), rules_settings) for c in r.claims
                      if c.source_id in wanted]
        reports["rules"] = evaluate(gold_rows, rules_pred, bootstrap=0)
    if fmt == "json":
        click.echo(json.dumps({k: v.model_dump() for k, v in reports.items()}, indent=2)
                   if len(reports) > 1 else report.model_dump_json(indent=2))
        return
    click.echo(f"extractor: {name}")
    click.echo(format_eval(report, max_items=50 if show_errors else 0))
    if len(reports) > 1:
        click.echo("")
        click.echo("side by side, same articles, one run")
        click.echo(format_side_by_side(reports))


@main.command("train")
@click.option("--articles", "articles", multiple=True, type=click.Path(exists=True, dir_okay=False),
              default=["corpus/gold/train/train.articles.jsonl"], show_default=True,
              help="Training articles (JSONL: id, headline, body); repeatable.")
@click.option("--gold", "gold", multiple=True, type=click.Path(exists=True, dir_okay=False),
              default=["corpus/gold/train/train.gold.jsonl"], show_default=True,
              help="Their gold claims (spec/claims.md); repeatable.")
@click.option("--test-ids", type=click.Path(exists=True, dir_okay=False),
              default="corpus/gold/train/test.ids.txt", show_default=True,
              help="The frozen test split: these articles are never trained on.")
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), default="models/claims-minilm",
              show_default=True, help="Model folder to write.")
@click.option("--epochs", type=click.IntRange(1, 50), default=3, show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 256), default=32, show_default=True)
@click.option("--lr", type=float, default=8e-5, show_default=True, help="Encoder learning rate (heads: 20x).")
@click.option("--seed", type=int, default=13, show_default=True)
@click.pass_context
@guarded
def train_cmd(ctx: click.Context, /, articles: tuple[str, ...], gold: tuple[str, ...], test_ids: str,
              out: str, epochs: int, batch_size: int, lr: float, seed: int) -> None:
    """Rebuild the claim model from gold files (needs the `train` extra: torch==2.13.0)."""
    try:
        from .extract.learned.train import train
    except ImportError as exc:
        fail(f"training needs the train extra (pip install 'newsclaims[train]'): {exc}")
    frozen = {line.strip() for line in Path(test_ids).read_text(encoding="utf-8").splitlines() if line.strip()}
    train(list(articles), list(gold), out, test_ids=frozen, epochs=epochs, batch_size=batch_size,
          lr=lr, seed=seed, echo=click.echo)


# --------------------------------------------------------------------------- outputs


@main.command()
@click.option("--db", required=True, type=click.Path(exists=True, dir_okay=False), help="The database a run wrote.")
@click.option("--table", required=True, type=click.Choice(["articles", "clusters", "stories", "claims", "checks", "rejections", "claims_wide", "all"]), help="Table to write (`all` with --format sqlite: every table).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet", "sqlite"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Output file (default stdout for csv/jsonl).")
@click.option("--type", "type_", type=click.Choice(CLAIM_TYPES), help="Only claims of this type.")
@click.option("--asset", help="Only claims about this asset (ticker).")
@click.option("--verdict", type=click.Choice(["consistent", "inconsistent", "unverifiable"]), help="Only checks (or claims) with this verdict.")
@click.option("--since", help="Only articles published at or after this time.")
@click.option("--until", help="Only articles published before this time.")
@click.option("--source", help="Only articles from this publisher.")
@click.pass_context
@guarded
def export(ctx: click.Context, /, db: str, table: str, fmt: str, output: str | None, type_: str | None, asset: str | None, verdict: str | None, since: str | None, until: str | None, source: str | None) -> None:
    """Write a table as CSV, JSON Lines, Parquet or a Datasette-ready SQLite copy."""
    from .export import ExportFilters, export_table
    from .read.records import parse_time
    from .storage import open_db

    settings = build_settings(ctx)

    def when(v: str | None, name: str) -> datetime | None:
        if v is None:
            return None
        t, _ = parse_time(v, settings)
        if t is None:
            fail(f"--{name} {v!r} is not a time (use ISO 8601)")
        return t

    filters = ExportFilters(type=type_, asset=asset, verdict=verdict, since=when(since, "since"), until=when(until, "until"), source=source)
    if fmt in ("parquet", "sqlite") and output is None:
        fail(f"--format {fmt} needs -o FILE")
    if table == "all" and fmt != "sqlite":
        fail("--table all goes with --format sqlite")
    out = Path(output) if output else None
    base = Path.cwd() if out is None or not out.is_absolute() else out.parent
    n = export_table(open_db(db), table, fmt, out, filters, base_dir=base, stream=sys.stdout)  # type: ignore[arg-type]
    if output:
        click.echo(f"wrote {n:,} rows to {output}", err=True)
    if fmt == "sqlite" and out is not None:
        from .export import metadata_path

        click.echo(f"Datasette metadata: {metadata_path(out)}  (datasette {out} -m {metadata_path(out)})", err=True)


@main.command()
@click.option("--db", required=True, type=click.Path(exists=True, dir_okay=False), help="The database a run wrote.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the static site.")
@click.option("--market", type=click.Path(exists=True), help="Market data for the charts (default: what the run imported).")
@click.pass_context
@guarded
def report(ctx: click.Context, /, db: str, out_dir: str, market: str | None) -> None:
    """Write a static HTML report: stories, conflicts, and each article with its claims."""
    from .market import MarketData, open_market
    from .report import write_report
    from .storage import open_db

    database = open_db(db)
    mkt = open_market(market, db=database) if market else MarketData.from_db(database)
    bar = ProgressLine(sys.stderr.isatty())

    def on_page(done: int, total: int) -> None:
        if bar.enabled and (done % 50 == 0 or done == total):
            click.echo(f"\r{done:,}/{total:,} article pages", err=True, nl=False)

    index = write_report(database, Path(out_dir), market=mkt, progress=on_page)
    bar.close()
    click.echo(f"wrote {index}")


@main.group()
def market() -> None:
    """Import or fetch market data (candles)."""


@market.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--db", required=True, type=click.Path(dir_okay=False), help="Database to import into.")
@guarded
def market_import(paths: tuple[str, ...], db: str) -> None:
    """Import candle files: canonical CSV, Binance kline CSV/ZIP, CoinGecko JSON, CCXT JSON."""
    from .market import import_market
    from .storage import open_db

    summary = import_market(open_db(db), list(paths))
    click.echo(str(summary))


@market.command("fetch")
@click.option("--exchange", default="binance", show_default=True)
@click.option("--symbol", required=True, help="e.g. BTC/USDT")
@click.option("--since", required=True, help="Start time (ISO 8601).")
@click.option("--until", help="End time (ISO 8601; default now).")
@click.option("--timeframe", default="1h", show_default=True)
@click.option("--db", required=True, type=click.Path(dir_okay=False), help="Database to cache the candles in.")
@click.option("--base-url", help="Exchange API base URL (for a mirror or a recorded test server).")
@click.pass_context
@guarded
def market_fetch(ctx: click.Context, /, exchange: str, symbol: str, since: str, until: str | None, timeframe: str, db: str, base_url: str | None) -> None:
    """Fetch candles from an exchange through ccxt (needs network and the 'live' extra)."""
    from .market import fetch_market
    from .read.records import parse_time
    from .storage import open_db

    settings = build_settings(ctx)
    start, _ = parse_time(since, settings)
    end, _ = parse_time(until, settings) if until else (None, False)
    if start is None:
        fail(f"--since {since!r} is not a time")
    n = fetch_market(open_db(db), exchange=exchange, symbol=symbol, since=start, timeframe=timeframe, until=end, base_url=base_url)
    click.echo(f"stored {n:,} candles for {symbol} {timeframe} from {exchange}")


@main.command()
@click.pass_context
@guarded
def config(ctx: click.Context) -> None:
    """Print the effective settings as TOML (a starting point for --config)."""
    settings = build_settings(ctx)
    click.echo(f"# settings fingerprint {settings.fingerprint()}")
    click.echo(settings.to_toml())


if __name__ == "__main__":  # pragma: no cover
    main()
