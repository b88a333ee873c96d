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


#: exit code when the tool itself failed (a bug, a broken database), per spec/cli.md.
EXIT_FAILURE = 3


def guarded(func: F) -> F:
    """Turn the library's errors into a message and exit code 2, and a crash into exit 3.

    A crash must not exit 1, which means "found an inconsistency" to a publishing gate.
    """
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NewsclaimsError as exc:
            fail(str(exc))
        except BrokenPipeError:
            sys.exit(0)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            log.debug("internal error", exc_info=True)
            fail(f"internal error: {type(exc).__name__}: {exc} (run with -vv for the traceback)", EXIT_FAILURE)

    return wrapper  # type: ignore[return-value]


#: the database every command uses when --db is not given.
DEFAULT_DB = "newsclaims.db"


def _root_obj(ctx: click.Context) -> dict[str, Any]:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = {"config": None, "set": {}}
    obj: dict[str, Any] = root.obj
    return obj


def _parse_sets(sets: Sequence[str]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for item in sets:
        if "=" not in item:
            raise click.BadParameter(f"{item!r}: expected SECTION.KEY=VALUE", param_hint="--set")
        key, raw = item.split("=", 1)
        parsed[key.strip()] = _parse_value(raw.strip())
    return parsed


def _set_verbosity(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)


def _on_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        _root_obj(ctx)["config"] = value


def _on_set(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> None:
    if value:
        _root_obj(ctx)["set"].update(_parse_sets(value))


def _on_verbose(ctx: click.Context, param: click.Parameter, value: int) -> None:
    if value:
        obj = _root_obj(ctx)
        obj["verbose"] = obj.get("verbose", 0) + value
        _set_verbosity(obj["verbose"])


def global_options(func: F) -> F:
    """--config, --set and -v, accepted after the command as well as before it."""
    opts = [
        click.option("--config", type=click.Path(dir_okay=False), expose_value=False, callback=_on_config, help="A settings TOML file (see `newsclaims config`)."),
        click.option("--set", "sets", multiple=True, metavar="SECTION.KEY=VALUE", expose_value=False, callback=_on_set, help="Override one setting, e.g. --set dedup.threshold=0.85."),
        click.option("-v", "--verbose", count=True, expose_value=False, callback=_on_verbose, help="More log output (-vv for debug)."),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsclaims")
@click.option("--config", "config", type=click.Path(dir_okay=False), help="A settings TOML file (see `newsclaims config`).")
@click.option("--set", "sets", multiple=True, metavar="SECTION.KEY=VALUE", help="Override one setting, e.g. --set dedup.threshold=0.85.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def main(ctx: click.Context, /, config: str | None, sets: tuple[str, ...], verbose: int) -> None:
    """Extract numeric market claims from crypto news and check them.

    --config, --set and -v go before or after the command.

    \b
    Quick start:
      newsclaims run corpus/            # ingest, dedup, extract, check into newsclaims.db
      newsclaims factcheck article.txt  # check one article
      newsclaims export --table claims_wide --format csv -o claims.csv
    """
    _set_verbosity(verbose)
    ctx.obj = {"config": config, "set": _parse_sets(sets), "verbose": verbose}


# --------------------------------------------------------------------------- batch


#: seconds between plain progress lines when stderr is not a terminal (logs, CI).
PLAIN_PROGRESS_SECONDS = 10.0
#: seconds between redraws of the progress bar on a terminal.
BAR_REDRAW_SECONDS = 0.2
BAR_WIDTH = 24


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_text(stats: Any) -> str:
    """One progress line: phase, bar with percent, counts, rate and ETA.

    Words match the summary's ("inconsistent" is a count of inconsistent checks).
    """
    f = stats.fraction
    bar = ""
    eta = ""
    if f is not None:
        filled = round(BAR_WIDTH * f)
        bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {100 * f:3.0f}%  "
        if 0.005 < f < 1 and stats.phase_elapsed > 1:
            eta = f"  ETA {_duration(stats.phase_elapsed * (1 - f) / f)}"
    if stats.phase == "market":
        return "preparing market data (the first run on a machine imports the bundled candles once)"
    if stats.phase == "boilerplate":
        return f"1/3 learning boilerplate  {bar}{_duration(stats.phase_elapsed)} elapsed{eta}"
    if stats.phase == "zones":
        return f"3/3 inferring publication zones per source  {_duration(stats.phase_elapsed)} elapsed"
    if stats.phase == "stories":
        return f"3/3 grouping stories, comparing copies  ({stats.stored + stats.already_stored:,} articles)  {_duration(stats.phase_elapsed)} elapsed"
    rate = stats.read / stats.phase_elapsed if stats.phase_elapsed > 0 else 0.0
    incons = stats.checks.get("inconsistent", 0)
    return (
        f"2/3 articles  {bar}{stats.read:,} read  {stats.stored:,} stored  {stats.duplicates:,} near-duplicates  "
        f"{sum(stats.claims.values()):,} claims  {incons:,} inconsistent  {rate:,.0f} records/s{eta}"
    )


class ProgressLine:
    """Progress on stderr: a redrawn bar on a terminal, a plain line every few seconds otherwise."""

    def __init__(self, tty: bool, *, plain_every: float = PLAIN_PROGRESS_SECONDS) -> None:
        self.tty = tty
        self.plain_every = plain_every
        self._last = float("-inf")
        self._phase = ""
        self._width = 0
        self._fraction: float | None = None

    def __call__(self, stats: Any) -> None:
        import time

        now = time.monotonic()
        changed = stats.phase != self._phase
        finished = stats.fraction == 1.0 and self._fraction != 1.0  # always show a phase's 100%
        self._fraction = stats.fraction
        if not (changed or finished) and now - self._last < (BAR_REDRAW_SECONDS if self.tty else self.plain_every):
            return
        self._last = now
        text = progress_text(stats)
        if self.tty:
            if changed and self._phase:
                click.echo("", err=True)
            pad = max(0, self._width - len(text))
            self._width = len(text)
            click.echo("\r" + text + " " * pad, err=True, nl=False)
        else:
            click.echo(text, err=True)
        self._phase = stats.phase

    def close(self) -> None:
        if self.tty and self._phase:
            click.echo("", err=True)


def _program() -> str:
    """How to call newsclaims again: its name when on PATH, else the script's path."""
    import os
    import shutil

    script = Path(sys.executable).with_name("newsclaims")
    found = shutil.which("newsclaims")
    if not script.exists() or (found is not None and Path(found).resolve() == script.resolve()):
        return "newsclaims"
    try:
        rel = os.path.relpath(script)
    except ValueError:
        return str(script)
    return str(script) if rel.startswith("..") else rel


def _summary(stats: Any, db: str, stage: str, zone: str = "UTC", where: str = "database") -> str:
    lines = [
        f"{stage} done in {stats.elapsed:.1f} s ({stats.articles_per_s:,.0f} records/s)" + (" - interrupted, re-run to resume" if stats.interrupted else ""),
        f"  records read      {stats.read:,}",
        f"  articles stored   {stats.stored:,}" + (f"  (+{stats.already_stored:,} already in the database)" if stats.already_stored else ""),
        f"  near-duplicates   {stats.duplicates:,}  ({stats.clusters:,} clusters in the database)",
    ]
    if stats.zone_assumed:
        lines.append(f"  time zone         {zone} assumed for {stats.zone_assumed:,} of {stats.stored:,} articles (their times have no zone; --timezone to change)")
    else:
        lines.append(f"  time zone         every time had a zone ({zone} would have been assumed)" if stats.stored else f"  time zone         {zone} for times without one")
    claims = ", ".join(f"{k} {v:,}" for k, v in stats.claims.most_common()) or "none"
    lines.append(f"  claims            {sum(stats.claims.values()):,}  ({claims})")
    if stage == "run":
        lines.append(f"  stories           {stats.stories:,}")
        checks = ", ".join(f"{k} {v:,}" for k, v in stats.checks.most_common()) or "none"
        lines.append(f"  checks            {sum(stats.checks.values()):,}  ({checks})")
        if stats.cross_copy:
            cc = ", ".join(f"{k} {v:,}" for k, v in stats.cross_copy.most_common())
            lines.append(f"    of which cross-copy {sum(stats.cross_copy.values()):,}  ({cc})")
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
    lines.append(f"  {where:<17} {db}")
    return "\n".join(lines)


def _batch(ctx: click.Context, /, stage: str, paths: Sequence[str], db: str, market: str | None, workers: int | None, kw: dict[str, Any]) -> None:
    import shlex

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
    click.echo(_summary(stats, db, stage, settings.ingest.default_timezone))
    prog = _program()
    nothing = stats.stored + stats.already_stored == 0
    if stats.interrupted:
        again = " ".join(shlex.quote(a) for a in [prog, *sys.argv[1:]]) if sys.argv[1:] else f"{prog} {stage} ..."
        click.echo(f"\nInterrupted: the database holds part of the input. Next: run the same command again to resume:\n      {again}")
    elif stage == "run" and not nothing:
        click.echo(
            f"\nNext: {prog} export --db {db} --table claims_wide --format csv -o claims.csv\n"
            f"      {prog} report --db {db} -o report/   (then open report/index.html)"
        )
        if prog != "newsclaims":
            click.echo(f"      (or `source {Path(prog).parent}/activate` to call it as newsclaims)")
    if nothing:
        fail("no article could be read from the input" + (f" ({sum(stats.rejected.values())} rejected, see the rejections table)" if stats.rejected else ""))
    if stats.interrupted:
        sys.exit(130)


@main.command()
@global_options
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="SQLite database file (created if missing).")
@click.option("--workers", type=click.IntRange(min=0), help="Worker processes (0 or unset: number of cores, or run.workers).")
@input_options
@click.pass_context
@guarded
def ingest(ctx: click.Context, /, paths: tuple[str, ...], db: str, workers: int | None, **kw: Any) -> None:
    """Read, clean and deduplicate articles into the database (claims are extracted too)."""
    _batch(ctx, "ingest", paths, db, None, workers, kw)


@main.command()
@global_options
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="SQLite database file (created if missing).")
@click.option("--market", type=click.Path(exists=True), help="More market data, a file or folder (added to the bundled Binance candles, which are shared by all runs).")
@click.option("--workers", type=click.IntRange(min=0), help="Worker processes (0 or unset: number of cores, or run.workers).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True, help="local: processes on this machine; ray: a Ray cluster (the `ray` extra).")
@click.option("--out", type=click.Path(file_okay=False), help="With --engine ray: folder for the Parquet tables (see `newsclaims import`).")
@input_options
@click.pass_context
@guarded
def run(ctx: click.Context, /, paths: tuple[str, ...], db: str, market: str | None, workers: int | None, engine: str, out: str | None, **kw: Any) -> None:
    """The batch job: ingest, deduplicate, extract, check, store.

    With --engine ray it runs on the Ray cluster named by `ray.address` or RAY_ADDRESS
    (a local one otherwise) and writes one Parquet dataset per table under --out;
    running it again over the same --out resumes.
    """
    if engine == "ray":
        if out is None:
            raise click.UsageError("--engine ray writes Parquet tables: give --out DIR")
        _batch_ray(ctx, paths, out, market, workers, kw)
        return
    if out is not None:
        raise click.UsageError("--out is for --engine ray; the local engine writes --db")
    _batch(ctx, "run", paths, db, market, workers, kw)


def _batch_ray(ctx: click.Context, /, paths: Sequence[str], out: str, market: str | None, workers: int | None, kw: dict[str, Any]) -> None:
    settings = build_settings(ctx, **input_overrides(kw), **{"market.path": market, "ray.workers": workers or None})
    try:
        from .distributed.job import run_on_ray
    except ImportError as exc:
        fail(str(exc))
    progress = ProgressLine(sys.stderr.isatty())
    try:
        stats = run_on_ray(list(paths), out, settings, market_path=market, progress=progress, argv=sys.argv[1:])
    except KeyboardInterrupt:
        progress.close()
        click.echo("interrupted: run the same command again to resume", err=True)
        sys.exit(130)
    progress.close()
    click.echo(_summary(stats, out, "run", where="output"))
    click.echo(f"\nNext: newsclaims import {out} --db newsclaims.db   (then export, report, Datasette)")
    if stats.stored == 0:
        fail("no article could be read from the input" + (f" ({sum(stats.rejected.values())} rejected, see the rejections table)" if stats.rejected else ""))


@main.command("import")
@global_options
@click.argument("out_dir", metavar="DIR", type=click.Path(exists=True, file_okay=False))
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="SQLite database file (created if missing).")
@guarded
def import_cmd(out_dir: str, db: str) -> None:
    """Load the Parquet tables of `run --engine ray --out DIR` into a database."""
    from .distributed import import_output

    counts = import_output(out_dir, db)
    click.echo("\n".join(f"  {t:<12} {n:,}" for t, n in counts.items()))
    click.echo(f"  database     {db}")


# --------------------------------------------------------------------------- one-off


@contextmanager
def _open_out(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        yield f


@main.command()
@global_options
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

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):  # 1.7e+09 reads badly: 1,700,000,000
            return f"{value:,.0f}" if value == int(value) else f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.2f}"
        return str(value)[:60]

    return str(tabulate([[cell(r.get(c)) for c in cols] for r in rows], headers=cols, disable_numparse=True))


def _stdin_to_file(folder: Path) -> Path:
    """Standard input saved as a file the readers understand (its format sniffed)."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    head = data.lstrip()[:1]
    suffix = ".jsonl" if head in (b"{", b"[") else ".html" if head == b"<" else ".txt"
    if head == b"[":
        suffix = ".json"
    target = folder / f"stdin{suffix}"
    target.write_bytes(data)
    return target


def _use_color(flag: bool | None, output: str | None) -> bool:
    """--color/--no-color, else colour on a terminal unless NO_COLOR is set (no-color.org)."""
    import os

    if flag is not None:
        return flag
    return output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _write_output(output: str, text: str) -> Path:
    """Write a one-off output, creating its folder as ``report`` and ``export`` do."""
    target = Path(output).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}")
    return target


@main.command()
@global_options
@click.argument("path", type=click.Path(allow_dash=True))
@click.option("--published-at", help="Publication time (ISO 8601; without a zone read in the default zone). Overrides the record's own.")
@click.option("--market", type=click.Path(exists=True), help="More market data, a file or folder (added to the bundled Binance candles).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "json-report", "markdown", "html"]), default="table", show_default=True, help="json: the array of checks; json-report: each article with its summary and checks.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout (required for html; the folder is created).")
@click.option("--color/--no-color", default=None, help="Colour the table (default: on a terminal, unless NO_COLOR is set).")
@click.option("--fail-on", "fail_on", type=click.FloatRange(0.0, 1.0), default=None, metavar="CONFIDENCE",
              help="Exit 1 only when a flag's confidence (the probability it is real) is at least this "
                   "(default: any inconsistency).")
@input_options
@click.pass_context
@guarded
def factcheck(ctx: click.Context, /, path: str, published_at: str | None, market: str | None, fmt: str, output: str | None, color: bool | None, fail_on: float | None, **kw: Any) -> None:
    """Extract and check one article (or each article of a dump); PATH - reads standard input.

    Exits 1 when anything is inconsistent (with --fail-on, when a flag is at least that
    likely to be real), so it can gate a publishing pipeline; 2 on bad usage or
    unreadable input; 3 when the tool itself failed. Flags are listed most confident first.
    """
    import tempfile

    from .check import render_checks
    from .check.render import ArticleChecks, render_report
    from .market import open_run_market
    from .pipeline import factcheck_paths
    from .read.records import parse_time

    settings = build_settings(ctx, **input_overrides(kw), **{"market.path": market})
    when: datetime | None = None
    if published_at is not None:
        when, _ = parse_time(published_at, settings)
        if when is None:
            fail(f"--published-at {published_at!r} is not a time (use ISO 8601, e.g. 2025-05-19T15:33:04Z)")
    with tempfile.TemporaryDirectory(prefix="newsclaims-stdin-") as tmp:
        source = str(_stdin_to_file(Path(tmp))) if path == "-" else path
        mkt = open_run_market(None, market, cache_dir=settings.market.cache_dir)
        results = factcheck_paths([source], settings, published_at=when, market=mkt)
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
        from .report import render_article_page, render_articles_page

        items = [
            ({**r.article.model_dump(), "time_zone": r.zone, "time_zone_inferred": r.zone_inferred}, r.claims, r.checks)
            for r in done
            if r.article is not None
        ]
        page = render_article_page(*items[0], mkt) if len(items) == 1 else render_articles_page(items, mkt)
        click.echo(f"wrote {_write_output(output, page)}", err=True)
    elif fmt == "json":
        text = render_checks(checks, "json")
        if output:
            _write_output(output, text + "\n")
        else:
            click.echo(text)
    else:
        from .zones import describe_zone

        report_items = []
        for r in done:
            assert r.article is not None
            assets = sorted({c.asset for c in r.claims if c.asset and c.asset in mkt.assets()})
            note = describe_zone(r.zone, r.zone_inferred, True) if r.zone is not None else None
            report_items.append(ArticleChecks(r.article, r.checks, {a: mkt.coverage(a) for a in assets}, note))
        text = render_report(report_items, fmt, _use_color(color, output), zone=settings.ingest.default_timezone)  # type: ignore[arg-type]
        if output:
            _write_output(output, text)
        else:
            click.echo(text, nl=False)
    threshold = 0.0 if fail_on is None else fail_on
    if any(k.verdict == "inconsistent" and (k.confidence or 0.0) >= threshold for k in checks):
        sys.exit(1)


def _zone_notes(done: list[Any]) -> None:
    """On stderr, how each zone-less publication time was read (the zone, inferred or default)."""
    from .zones import describe_zone

    for r in done:
        a = r.article
        if a is not None and a.time_zone_assumed and a.published_at is not None:
            click.echo(f"newsclaims: {a.source_id}: published {a.published_at:%Y-%m-%d %H:%M} UTC ({describe_zone(r.zone, r.zone_inferred, True)})", err=True)


@main.command("eval")
@global_options
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
@click.option("--epochs", type=click.IntRange(1, 50), default=6, show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 256), default=32, show_default=True)
@click.option("--lr", type=float, default=8e-5, show_default=True, help="Encoder learning rate (heads: 20x).")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--distill", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Weight of keeping the encoder's title-and-lead embeddings near the pretrained MiniLM's "
                   "(the story grouping embeds with this encoder); 0: off.")
@click.pass_context
@guarded
def train_cmd(ctx: click.Context, /, articles: tuple[str, ...], gold: tuple[str, ...], test_ids: str,
              out: str, epochs: int, batch_size: int, lr: float, seed: int, distill: float) -> None:
    """Rebuild the claim model from gold files (needs the `train` extra: torch==2.13.0)."""
    try:
        from .extract.learned.train import train
    except ImportError as exc:
        fail(f"training needs the train extra (pip install 'newsclaims[train]'): {exc}")
    frozen = {line.strip() for line in Path(test_ids).read_text(encoding="utf-8").splitlines() if line.strip()}
    train(list(articles), list(gold), out, test_ids=frozen, epochs=epochs, batch_size=batch_size,
          lr=lr, seed=seed, distill=distill, echo=click.echo)


# --------------------------------------------------------------------------- outputs


@main.command()
@global_options
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(exists=True, dir_okay=False), help="The database a run wrote.")
@click.option("--table", required=True, type=click.Choice(["articles", "clusters", "stories", "claims", "checks", "rejections", "claims_wide", "source_zones", "all"]), help="Table to write (`all` with --format sqlite: every table).")
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
    from .export import unmatched_filters

    database = open_db(db)
    for warning in unmatched_filters(database, filters):
        click.echo(f"newsclaims: warning: {warning}", err=True)
    n = export_table(database, table, fmt, out, filters, base_dir=base, stream=sys.stdout)  # type: ignore[arg-type]
    if output:
        click.echo(f"wrote {n:,} rows to {output}", err=True)
    if fmt == "sqlite" and out is not None:
        from .export import metadata_path

        click.echo(f"Datasette metadata: {metadata_path(out)}  (datasette {out} -m {metadata_path(out)})", err=True)


@main.command()
@global_options
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(exists=True, dir_okay=False), help="The database a run wrote.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the static site.")
@click.option("--market", type=click.Path(exists=True), help="More market data for the charts (added to the bundled candles and what the run imported).")
@click.pass_context
@guarded
def report(ctx: click.Context, /, db: str, out_dir: str, market: str | None) -> None:
    """Write a static HTML report: stories, conflicts, and each article with its claims."""
    from .market import open_run_market
    from .report import write_report
    from .storage import open_db

    settings = build_settings(ctx)
    database = open_db(db)
    mkt = open_run_market(database, market, cache_dir=settings.market.cache_dir)
    tty = sys.stderr.isatty()

    def on_page(done: int, total: int) -> None:
        if tty and (done % 50 == 0 or done == total):
            click.echo(f"\r{done:,}/{total:,} article pages", err=True, nl=False)

    index = write_report(database, Path(out_dir), market=mkt, progress=on_page)
    if tty:
        click.echo("", err=True)
    click.echo(f"wrote {index}")


@main.group()
@global_options
def market() -> None:
    """Import or fetch market data (candles)."""


@market.command("import")
@global_options
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="Database to import into.")
@guarded
def market_import(paths: tuple[str, ...], db: str) -> None:
    """Import candle files: canonical CSV, Binance kline CSV/ZIP, CoinGecko JSON, CCXT JSON."""
    from .market import import_market
    from .storage import open_db

    summary = import_market(open_db(db), list(paths))
    click.echo(_import_table(summary, db))


def _import_table(summary: Any, db: str) -> str:
    from tabulate import tabulate

    rows = [
        [f.path, f.format or "-", ", ".join(f.series) or "-", f"{f.rows:,}" if f.status == "imported" else "-",
         "imported" if f.status == "imported" else "skipped (unchanged)"]
        for f in summary.files
    ]
    table = tabulate(rows, headers=["file", "format", "series", "candles", "status"], disable_numparse=True)
    return f"{table}\n{summary.imported:,} files imported, {summary.skipped:,} skipped, {summary.rows:,} candles into {db}"


@market.command("fetch")
@global_options
@click.option("--exchange", default="binance", show_default=True)
@click.option("--symbol", required=True, help="e.g. BTC/USDT")
@click.option("--since", required=True, help="Start time (ISO 8601).")
@click.option("--until", help="End time (ISO 8601; default now).")
@click.option("--timeframe", default="1h", show_default=True)
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="Database to cache the candles in.")
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
@global_options
@click.pass_context
@guarded
def config(ctx: click.Context) -> None:
    """Print the effective settings as TOML (a starting point for --config)."""
    settings = build_settings(ctx)
    click.echo(f"# settings fingerprint {settings.fingerprint()}")
    click.echo(settings.to_toml())


if __name__ == "__main__":  # pragma: no cover
    main()
