"""Every stage over a whole dump: does any article end as a ``processing_error``?

Runs the batch job (read, clean, sign, deduplicate, extract, check, stories) over
the dump into a scratch database, then lists every ``processing_error`` rejection
with the stage's traceback (captured from the pipeline's log when the run is
in-process, ``--workers 1``, the default) and prints the totals.

Usage:
    python benchmarks/stages.py ../shared/data/news/bitcoin-news-2025.jsonl.gz
    python benchmarks/stages.py DUMP --workers 2 --timezone +02:00 --keep-db run.db

Exit status: 0 when no record failed, 1 otherwise (so it can gate a release).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from newsclaims.pipeline import run_pipeline
from newsclaims.settings import load_settings
from newsclaims.storage import open_db

#: distinct errors listed with a traceback (the first article of each).
MAX_KINDS = 20


class _Failures(logging.Handler):
    """Keeps the tracebacks the pipeline logs for articles that fail."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.tracebacks: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.args:
            tb = "".join(traceback.format_exception(*record.exc_info)[-6:])
            self.tracebacks[str(record.args[0])] = tb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump", nargs="+", help="dump file(s) or folder(s)")
    ap.add_argument("--workers", type=int, default=1, help="worker processes (1: in-process, with tracebacks)")
    ap.add_argument("--timezone", default=None, help="zone for zone-less times (e.g. Europe/Berlin)")
    ap.add_argument("--keep-db", default=None, help="write the database here instead of a scratch file")
    ap.add_argument("--set", action="append", default=[], help="SECTION.KEY=VALUE setting overrides")
    args = ap.parse_args(argv)

    overrides: dict[str, object] = {"ingest.default_timezone": args.timezone}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = value
    settings = load_settings(overrides=overrides)
    failures = _Failures()
    logging.getLogger("newsclaims.pipeline").addHandler(failures)
    with tempfile.TemporaryDirectory() as scratch:
        db_path = Path(args.keep_db) if args.keep_db else Path(scratch) / "stages.db"
        t0 = time.perf_counter()
        crashed: str | None = None
        try:
            stats = run_pipeline(args.dump, db_path, settings, stage="run", workers=args.workers)
        except Exception:  # a crash outside the per-article guard (stories, storage)
            crashed = traceback.format_exc()
            stats = None
        elapsed = time.perf_counter() - t0
        db = open_db(db_path)
        errors = list(
            db.query("SELECT source_id, detail, origin FROM rejections WHERE reason = 'processing_error' ORDER BY source_id")
        )
        reasons = Counter(r[0] for r in db.execute("SELECT reason FROM rejections"))
        checks = Counter(r[0] for r in db.execute("SELECT verdict FROM checks"))
        db.close()
    print(f"records read        {stats.read if stats else '?'}")
    print(f"articles stored     {stats.stored if stats else '?'}")
    print(f"checks              {sum(checks.values())} ({', '.join(f'{k} {v}' for k, v in checks.most_common())})")
    print(f"rejections          {dict(reasons)}")
    print(f"elapsed             {elapsed:.0f} s")
    print(f"processing_error    {len(errors)}")
    kinds = Counter(str(e["detail"]).split(":")[0] + ": " + str(e["detail"]).splitlines()[0][:120] for e in errors)
    for kind, n in kinds.most_common(MAX_KINDS):
        print(f"  {n:6d}  {kind}")
    shown: set[str] = set()
    for e in errors:
        kind = str(e["detail"]).splitlines()[0][:120]
        if kind in shown or len(shown) >= MAX_KINDS:
            continue
        shown.add(kind)
        print(f"\n- {e['source_id']} ({e['origin']}): {e['detail']}")
        tb = failures.tracebacks.get(e["source_id"])
        if tb:
            print("  " + tb.replace("\n", "\n  "))
    if crashed:
        print("\nthe run itself failed:\n" + crashed)
    return 1 if errors or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
