"""Throughput and memory of the whole batch job (`newsclaims run`) on a real dump.

Runs the pipeline in a child process per configuration, side by side in one
invocation, and samples the resident memory of the child and its workers (summed
over the process tree, from /proc) every 100 ms.

Usage:
    python benchmarks/run.py ../shared/data/news/bitcoin-news-2025.jsonl.gz
    python benchmarks/run.py DUMP --repeat 4          # the dump 4 times with new ids
    python benchmarks/run.py DUMP --limit 5000 --workers 2 --no-single

Prints articles/s, each stage's share of the time, peak memory, and the ratio of
N workers to one worker.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    total = 0
    pids = [pid]
    seen: set[int] = set()
    while pids:
        p = pids.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            with open(f"/proc/{p}/task/{p}/children") as f:
                pids.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _main_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    return 0


def make_input(dump: Path, repeat: int, limit: int | None, out_dir: Path) -> Path:
    """The dump (or its first `limit` records) `repeat` times, each copy with new ids."""
    if repeat == 1 and limit is None:
        return dump
    out = out_dir / f"input-x{repeat}.jsonl.gz"
    opener = gzip.open if dump.suffix == ".gz" else open
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=1) as w:
        for k in range(repeat):
            with opener(dump, "rt", encoding="utf-8") as f:  # type: ignore[operator]
                for i, line in enumerate(f):
                    if limit is not None and i >= limit:
                        break
                    if k == 0:
                        w.write(line)
                        continue
                    rec = json.loads(line)
                    rec["id"] = f"{rec.get('id', i)}-copy{k}"
                    w.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


def child(args: argparse.Namespace) -> None:
    from newsclaims.pipeline import run_pipeline
    from newsclaims.settings import load_settings

    settings = load_settings()
    stats = run_pipeline([args.input], args.db, settings, workers=args.workers, market_path=args.market)
    print(json.dumps(stats.as_dict()))


def measure(input_path: Path, workers: int, market: str | None, tmp: Path) -> dict[str, Any]:
    db = tmp / f"bench-w{workers}-{time.time_ns()}.db"
    cmd = [sys.executable, __file__, "--child", "--input", str(input_path), "--db", str(db), "--workers", str(workers)]
    if market:
        cmd += ["--market", market]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_tree = peak_main = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree, peak_main
        while not done.is_set():
            peak_tree = max(peak_tree, _tree_rss(proc.pid))
            peak_main = max(peak_main, _main_rss(proc.pid))
            time.sleep(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    done.set()
    th.join()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({proc.returncode}):\n{err[-3000:]}")
    stats = json.loads(out.strip().splitlines()[-1])
    stats.update(wall_s=wall, peak_tree_bytes=peak_tree, peak_main_bytes=peak_main, db_bytes=db.stat().st_size)
    db.unlink(missing_ok=True)
    for ext in ("-wal", "-shm"):
        Path(str(db) + ext).unlink(missing_ok=True)
    return stats


def report(label: str, s: dict[str, Any]) -> None:
    gib = 1024**3
    print(f"\n== {label}")
    print(f"  records {s['read']:,}  stored {s['stored']:,}  duplicates {s['duplicates']:,}  claims {sum(s['claims'].values()):,}  checks {sum(s['checks'].values()):,}  stories {s['stories']:,}")
    print(f"  pipeline time {s['elapsed_s']:.1f} s   wall (with start-up) {s['wall_s']:.1f} s")
    print(f"  throughput    {s['articles_per_s']:,.0f} articles/s")
    print(f"  peak memory   {s['peak_main_bytes'] / gib:.2f} GiB main process, {s['peak_tree_bytes'] / gib:.2f} GiB with workers")
    print(f"  database      {s['db_bytes'] / 1024**2:,.0f} MiB")
    secs = s["stage_seconds"]
    total = sum(secs.values()) or 1.0
    if s.get("peak_rss_mib"):
        print("  main-process peak memory after each phase (MiB): " + ", ".join(f"{k} {v:,.0f}" for k, v in s["peak_rss_mib"].items()))
    print("  stage seconds (worker stages summed over workers):")
    for k, v in sorted(secs.items(), key=lambda kv: -kv[1]):
        print(f"    {k:18s} {v:8.1f} s  {100 * v / total:5.1f}%")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump", nargs="?", type=Path)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--repeat", type=int, default=1, help="repeat the dump with new ids (memory flatness)")
    ap.add_argument("--limit", type=int, help="only the first N records of the dump")
    ap.add_argument("--market", help="market data path (default: bundled)")
    ap.add_argument("--no-single", action="store_true", help="skip the one-worker run")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    if args.dump is None:
        ap.error("DUMP is required")
    with tempfile.TemporaryDirectory(prefix="nc-bench-") as d:
        tmp = Path(d)
        inp = make_input(args.dump, args.repeat, args.limit, tmp)
        print(f"input: {args.dump} x{args.repeat}" + (f" (first {args.limit:,})" if args.limit else "") + f"; {os.cpu_count()} cores")
        multi = measure(inp, args.workers, args.market, tmp)
        report(f"{args.workers} workers", multi)
        if not args.no_single and args.workers != 1:
            single = measure(inp, 1, args.market, tmp)
            report("1 worker (in-process)", single)
            print(f"\nratio {args.workers} workers / 1 worker: {multi['articles_per_s'] / max(single['articles_per_s'], 1e-9):.2f}x")
        per_article = multi["peak_main_bytes"] / max(multi["read"], 1)
        print(f"main-process peak memory per input record: {per_article / 1024:.1f} KiB (an upper bound on the dedup index's growth)")


if __name__ == "__main__":
    main()
