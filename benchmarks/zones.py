"""How many sources of a dump get an inferred publication zone, and which.

    python benchmarks/zones.py ../shared/data/news/bitcoin-news-2025.jsonl.gz [--db DB] [--workers 2]

Ingests the dump (clean, deduplicate, extract; no checks) into DB (a temporary file
unless named; an existing DB is reused), reads the bundled market data (the shared
market cache, as a run does), then infers each source's zone for its zone-less times as ``newsclaims run`` does,
with the default zone UTC. Prints one line per source and the totals.

Control: the articles whose times do state their zone (``Z``) are run through the
same inference as if they had none; a sound inference finds +00:00 for them or
declines, and never another offset.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path

from newsclaims.market import open_run_market
from newsclaims.pipeline import claim_from_row, run_pipeline, zone_samples
from newsclaims.settings import load_settings
from newsclaims.storage import open_db
from newsclaims.zones import PriceSample, SourceZone, infer_zones, price_samples


def stated_samples(db: object) -> list[PriceSample]:
    """Samples of the articles whose time states its zone, taken at their true UTC clock."""
    out: list[PriceSample] = []
    for row in db.query(  # type: ignore[attr-defined]
        "SELECT c.*, a.source AS a_source, a.published_at AS a_published FROM claims c "
        "JOIN articles a ON a.id = c.article_id WHERE a.time_zone_assumed = 0 "
        "AND a.source IS NOT NULL AND a.published_at IS NOT NULL AND c.type = 'price'"
    ):
        local = datetime.fromisoformat(row["a_published"]).replace(tzinfo=None)
        out.extend(price_samples(row["a_source"], local, [claim_from_row(row)]))
    return out


def show(title: str, decided: dict[str, SourceZone], articles: Counter[str]) -> None:
    print(f"\n{title}")
    print(f"{'source':28} {'articles':>8} {'claims':>6} {'status':16} {'zone':7} {'best':7} {'best%':>6} {'dflt%':>6} {'2h+%':>6}")
    for src, z in sorted(decided.items(), key=lambda kv: -articles[kv[0]]):
        def pct(x: float | None) -> str:
            return "" if x is None else f"{x:.2f}"
        print(f"{src[:28]:28} {articles[src]:>8} {z.claims:>6} {z.status:16} {z.zone:7} {z.best_offset or '':7} "
              f"{pct(z.best_pct):>6} {pct(z.default_pct):>6} {pct(z.runner_up_pct):>6}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dump", help="the news dump (or any input newsclaims reads)")
    ap.add_argument("--db", help="database to ingest into / reuse (default: a temporary file)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--default-zone", default="UTC", help="the zone a source keeps when nothing is inferred (e.g. +02:00)")
    args = ap.parse_args()
    settings = load_settings()
    db_path = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "zones.db"
    if not db_path.exists():
        stats = run_pipeline([args.dump], db_path, settings, stage="ingest", workers=args.workers)
        print(f"ingested {stats.stored:,} articles in {stats.elapsed:.0f} s into {db_path}")
    db = open_db(db_path)
    market = open_run_market(db, None, cache_dir=settings.market.cache_dir)
    zoneless = Counter(r[0] for r in db.execute("SELECT source FROM articles WHERE time_zone_assumed = 1"))
    stated = Counter(r[0] for r in db.execute("SELECT source FROM articles WHERE time_zone_assumed = 0"))
    total_zoneless = sum(zoneless.values())

    # the ingest read zone-less times in UTC (the packaged default): that is their clock
    decided = infer_zones(zone_samples(db, "UTC"), market, args.default_zone)
    show(f"zone-less times (default {args.default_zone})", decided, zoneless)
    inferred = {s: z for s, z in decided.items() if z.inferred}
    covered = sum(zoneless[s] for s in inferred)
    print(f"\nsources with zone-less times: {len(zoneless)}; with current-price claims: {len(decided)}; "
          f"zone inferred: {len(inferred)} ({dict(Counter(z.zone for z in inferred.values()).most_common())})")
    print(f"zone-less articles whose source got an inferred zone: {covered:,} of {total_zoneless:,} "
          f"({covered / max(total_zoneless, 1):.1%}); the rest stay in the default zone")

    control = infer_zones(stated_samples(db), market, args.default_zone)
    show("control: times that state their zone (Z), inferred as if zone-less", control, stated)
    wrong = {s: z.zone for s, z in control.items() if z.inferred and z.best_offset != "+00:00"}
    print(f"\ncontrol: {sum(1 for z in control.values() if z.inferred)} of {len(control)} sources inferred; "
          f"inferred an offset other than UTC: {len(wrong)} {wrong or ''}")


if __name__ == "__main__":
    main()
