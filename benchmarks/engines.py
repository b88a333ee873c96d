"""The Ray engine against the local engine on one machine: overhead, throughput, memory, equality.

Runs `run` (local, N worker processes) and `run --engine ray` (a local Ray cluster
with N CPUs) on the same dump, each in a child process whose process tree's resident
memory is sampled every 100 ms (for Ray: the driver, raylet, GCS, workers; the object
store's shared memory is counted in each process that maps it, so the Ray figure is
an upper bound). The Ray output is imported into SQLite and compared row by row with
the local database. A run over the first 50 records measures Ray's fixed cost
(cluster start, actor start-up, one shuffle per step).

Usage:
    python benchmarks/engines.py ../shared/data/news/bitcoin-news-2025.jsonl.gz
    python benchmarks/engines.py DUMP --limit 2000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from run import _tree_rss, make_input  # the sibling benchmark's helpers

TABLES = ("articles", "signatures", "clusters", "stories", "claims", "checks", "rejections", "source_zones", "story_embeddings")


def child(args: argparse.Namespace) -> None:
    from newsclaims.settings import load_settings

    if args.child == "local":
        from newsclaims.pipeline import run_pipeline

        stats = run_pipeline([args.input], args.target, load_settings(), workers=args.workers)
    else:
        from newsclaims.distributed.job import run_on_ray

        stats = run_on_ray([args.input], args.target, load_settings(overrides={"ray.workers": args.workers}))
        shuffle = json.loads((Path(args.target) / "manifest.json").read_text(encoding="utf-8")).get("shuffle")
        print(json.dumps({**stats.as_dict(), "shuffle": shuffle}))
        return
    print(json.dumps(stats.as_dict()))


def measure(engine: str, input_path: Path, workers: int, target: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", engine, "--input", str(input_path), "--target", str(target), "--workers", str(workers)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    done.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"{engine} run failed ({proc.returncode}):\n{err[-3000:]}")
    stats: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    stats.update(wall_s=time.perf_counter() - t0, peak_tree_bytes=peak)
    return stats


def snapshot(db: Path) -> dict[str, set[tuple[Any, ...]]]:
    conn = sqlite3.connect(db)
    out: dict[str, set[tuple[Any, ...]]] = {}
    for table in TABLES:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])") if r[1] != "run_id"]
        out[table] = set(conn.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{table}]"))
    conn.close()
    return out


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def report(label: str, s: dict[str, Any]) -> None:
    print(f"\n== {label}")
    print(f"  records {s['read']:,}  stored {s['stored']:,}  clusters {s['clusters']:,}  claims {sum(s['claims'].values()):,}  checks {sum(s['checks'].values()):,}  stories {s['stories']:,}")
    print(f"  wall {s['wall_s']:.1f} s  ({s['read'] / s['wall_s']:,.0f} records/s with start-up)   pipeline {s['elapsed_s']:.1f} s")
    print(f"  peak memory (process tree) {s['peak_tree_bytes'] / 1024**2:,.0f} MiB")
    driver = {"plan", "market_import", "boilerplate", "process", "duplicate_ids", "dedup", "stories", "write", "dedup_load", "batches", "store"}
    steps = {k: v for k, v in s["stage_seconds"].items() if k in driver}
    if steps:
        print("  steps (wall seconds): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    work = {k: v for k, v in s["stage_seconds"].items() if k not in driver}
    print("  worker seconds (summed over workers): " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(work.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump", nargs="?", type=Path)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--limit", type=int, help="only the first N records of the dump")
    ap.add_argument("--keep", type=Path, help="copy both databases here (local.db, ray.db) to study a difference")
    ap.add_argument("--no-fixed", action="store_true", help="skip the 50-record runs (Ray's fixed cost)")
    ap.add_argument("--child", choices=["local", "ray"], help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    ap.add_argument("--target", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    if args.dump is None:
        ap.error("DUMP is required")
    from newsclaims.distributed import import_output

    with tempfile.TemporaryDirectory(prefix="nc-engines-") as d:
        tmp = Path(d)
        inp = make_input(args.dump, 1, args.limit, tmp)
        (tmp / "tiny").mkdir()
        tiny = make_input(args.dump, 1, 50, tmp / "tiny")
        print(f"input: {args.dump}" + (f" (first {args.limit:,})" if args.limit else "") + f"; {os.cpu_count()} cores, {args.workers} workers")
        local = measure("local", inp, args.workers, tmp / "local.db")
        report(f"local engine, {args.workers} processes", local)
        ray = measure("ray", inp, args.workers, tmp / "out")
        report(f"Ray engine, local cluster of {args.workers} CPUs", ray)
        fixed = fixed_local = None
        if not args.no_fixed:
            fixed = measure("ray", tiny, args.workers, tmp / "tiny-out")
            fixed_local = measure("local", tiny, args.workers, tmp / "tiny.db")
        t = time.perf_counter()
        import_output(tmp / "out", tmp / "ray.db")
        import_s = time.perf_counter() - t
        a, b = snapshot(tmp / "local.db"), snapshot(tmp / "ray.db")
        same = all(a[t_] == b[t_] for t_ in TABLES)
        if fixed is not None and fixed_local is not None:
            print(f"\nfixed cost on 50 records: Ray {fixed['wall_s']:.1f} s, local {fixed_local['wall_s']:.1f} s")
        print(f"throughput: Ray {ray['read'] / ray['wall_s']:,.0f} records/s, local {local['read'] / local['wall_s']:,.0f} records/s ({ray['wall_s'] / local['wall_s']:.2f}x the local time)")
        print(f"dedup shuffle (rows): {ray.get('shuffle')}")
        print(f"peak memory: Ray {ray['peak_tree_bytes'] / 1024**2:,.0f} MiB, local {local['peak_tree_bytes'] / 1024**2:,.0f} MiB")
        work = tmp / "out" / "_work"
        print(f"sizes: shard work files {folder_bytes(work / 'shards') / 1024**2:,.1f} MiB, output tables {(folder_bytes(tmp / 'out') - folder_bytes(work)) / 1024**2:,.1f} MiB, "
              f"local database {(tmp / 'local.db').stat().st_size / 1024**2:,.1f} MiB; import {import_s:.1f} s")
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp / "local.db", args.keep / "local.db")
            shutil.copy(tmp / "ray.db", args.keep / "ray.db")
        for t_ in TABLES:  # what differs, a few rows each way (the first columns)
            for side, rows in (("local-only", sorted(a[t_] - b[t_], key=repr)[:5]), ("ray-only", sorted(b[t_] - a[t_], key=repr)[:5])):
                for row in rows:
                    print(f"  {t_} {side}: " + " | ".join(str(v)[:80] for v in row[:12]))
        print("tables equal: " + ("yes, every row of " + ", ".join(f"{t_} ({len(a[t_]):,})" for t_ in TABLES) if same else "NO: " + ", ".join(f"{t_} local-only {len(a[t_] - b[t_])} ray-only {len(b[t_] - a[t_])}" for t_ in TABLES)))


if __name__ == "__main__":
    main()
