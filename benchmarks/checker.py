"""Measure the checker on real articles and real prices.

1. The dev articles' GOLD current-price claims (type ``price``, window null, USD, one
   of the five assets the bundled market data covers) are checked as published
   against the bundled Binance candles. A claim "agrees with the market" when it lies
   within ``--agree-pct`` (2%) of the close of the finest candle holding the
   publication time; false alarms are the agreeing claims the checker calls
   inconsistent.
2. Each agreeing claim is moved by +/-5%, +/-12% and +/-30% and checked again: the
   share called inconsistent is the detection rate.
3. The gold ``price_change`` claims of those assets: verdicts, and how far the stated
   change lies from the market's (the change tolerance's calibration).
4. With ``--dump``, the calibration of the price tolerance: "Bitcoin is trading at $X"
   statements of the real news dump against the candles around publication (how far
   outside the window's [low, high] they lie, as percentiles).

Publication times ending in Z are UTC; zone-less ones are read in
``--default-timezone`` (the dump's README: they appear to be UTC+2), through
``settings.ingest.default_timezone`` like any input.

Usage:
    .venv/bin/python benchmarks/checker.py [--dump ../shared/data/news/bitcoin-news-2025.jsonl.gz]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from newsclaims.check import check_claims
from newsclaims.check.base import time_reference, to_utc
from newsclaims.market import MarketData, open_market
from newsclaims.models import Claim
from newsclaims.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ("BTC", "ETH", "SOL", "XRP", "BNB")
MOVES = (5.0, 12.0, 30.0)


def parse_time(value: str | None, settings: Settings) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return to_utc(dt, settings)


def article_text(a: dict[str, Any]) -> str:
    title = a.get("headline") or a.get("title") or ""
    body = a.get("body") or ""
    return f"{title}\n\n{body}" if title and not body.startswith(title) else body


_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z$“\"(])|\n+")


def sentence_of(text: str, start: int, end: int) -> str:
    left = 0
    for m in _SENT_END.finditer(text, 0, start):
        left = m.end()
    m = _SENT_END.search(text, end)
    right = m.start() if m else len(text)
    return text[left:right].strip()


def gold_claim(g: dict[str, Any], article_id: str, text: str) -> Claim:
    at = text.find(g["text"])
    start, end = (at, at + len(g["text"])) if at >= 0 else (0, 0)
    sentence = sentence_of(text, start, end) if at >= 0 else g["text"]
    return Claim(
        id=Claim.make_id(article_id, start, end, g["type"]) + ("" if at >= 0 else g["text"][:8]),
        article_id=article_id,
        source_id=g["source_id"],
        type=g["type"],
        asset=g["asset"],
        subject=g.get("subject"),
        value=float(g["value"]),
        value_max=g.get("value_max"),
        unit=g["unit"],
        direction=g.get("direction"),
        window=g.get("window"),
        side=g.get("side"),
        qualifier=g.get("qualifier") or "exact",
        text=g["text"],
        start=start,
        end=end,
        sentence=sentence,
        extractor="gold",
    )


def candle_close(market: MarketData, asset: str, at: datetime) -> float | None:
    point = market.price_at(asset, at)
    return None if point is None else point.close


def verdict_of(claim: Claim, published: datetime | None, market: MarketData, settings: Settings, check: str) -> str:
    rows = check_claims([claim], published_at=published, market=market, settings=settings)
    for r in rows:
        if r.check == check:
            return r.verdict
    return "none"


def pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:5.1f}%" if d else "   n/a"


def bench_prices(
    articles: dict[str, dict[str, Any]], gold: list[dict[str, Any]], market: MarketData,
    settings: Settings, agree_pct: float, verbose: bool,
) -> None:
    claims: list[tuple[Claim, datetime | None]] = []
    for g in gold:
        if g["type"] != "price" or g.get("window") or g["unit"] != "USD" or g["asset"] not in ASSETS:
            continue
        a = articles.get(g["source_id"])
        if a is None:
            continue
        claims.append((gold_claim(g, a["id"], article_text(a)), parse_time(a.get("published_utc"), settings)))
    agree: list[tuple[Claim, datetime | None]] = []
    verdicts_all: Counter[str] = Counter()
    refs: Counter[str] = Counter()
    for c, pub in claims:
        v = verdict_of(c, pub, market, settings, "market_price")
        verdicts_all[v] += 1
        ref = time_reference(c)[0]
        refs[ref] += 1
        close = candle_close(market, c.asset or "", pub) if pub else None
        agrees = close is not None and abs(c.value - close) / close <= agree_pct / 100
        if verbose:
            print(f"  {c.source_id} {c.asset} {c.value:>10g} {c.qualifier:8s} {ref:7s} close={close} "
                  f"{'AGREE' if agrees else '     '} -> {v}: {c.text[:60]!r}")
        if agrees:
            agree.append((c, pub))
    print(f"\nGold current-price claims (type price, window null, USD, {'/'.join(ASSETS)}): {len(claims)}")
    print(f"  time reference: {dict(refs)}")
    print(f"  verdicts as published: {dict(verdicts_all)}")
    print(f"  agreeing with the market (within {agree_pct:g}% of the candle close at publication): {len(agree)}")
    fa = Counter(verdict_of(c, p, market, settings, "market_price") for c, p in agree)
    print("\n| price moved by | checks | inconsistent (detected / false alarm) | consistent | unverifiable | detected by time reference |")
    print("|---|---|---|---|---|---|")
    n = len(agree)
    print(f"| 0% (as published) | {n} | {pct(fa['inconsistent'], n)} false alarms | "
          f"{pct(fa['consistent'], n)} | {pct(fa['unverifiable'], n)} | |")
    for move in MOVES:
        counts: Counter[str] = Counter()
        by_ref: dict[str, Counter[str]] = {}
        for c, p in agree:
            for sign in _falsifying_signs(c):
                factor = 1 + sign * move / 100
                moved = c.model_copy(update={
                    "value": c.value * factor,
                    "value_max": None if c.value_max is None else c.value_max * factor,
                })
                v = verdict_of(moved, p, market, settings, "market_price")
                counts[v] += 1
                by_ref.setdefault(time_reference(c)[0], Counter())[v] += 1
        m = sum(counts.values())
        refs_txt = ", ".join(
            f"{ref} {pct(cnt['inconsistent'], sum(cnt.values())).strip()} of {sum(cnt.values())}"
            for ref, cnt in sorted(by_ref.items())
        )
        print(f"| +/-{move:g}% | {m} | {pct(counts['inconsistent'], m)} detected | "
              f"{pct(counts['consistent'], m)} | {pct(counts['unverifiable'], m)} | {refs_txt} |")


def _falsifying_signs(c: Claim) -> tuple[int, ...]:
    """The moves that make a claim false: both for a price, one for a bound.

    "Above $110,000" moved down to "above $96,800" is still true, so a bound is only
    moved away from the market (at_least up, at_most down).
    """
    if c.qualifier == "at_least":
        return (1,)
    if c.qualifier == "at_most":
        return (-1,)
    return (1, -1)


def bench_changes(
    articles: dict[str, dict[str, Any]], gold: list[dict[str, Any]], market: MarketData,
    settings: Settings, verbose: bool,
) -> None:
    diffs: list[float] = []
    verdicts: Counter[str] = Counter()
    for g in gold:
        if g["type"] != "price_change" or g["asset"] not in ASSETS or g["unit"] != "percent":
            continue
        a = articles.get(g["source_id"])
        if a is None:
            continue
        pub = parse_time(a.get("published_utc"), settings)
        c = gold_claim(g, a["id"], article_text(a))
        rows = check_claims([c], published_at=pub, market=market, settings=settings)
        row = next(r for r in rows if r.check == "market_change")
        verdicts[row.verdict] += 1
        if row.expected is not None and c.qualifier == "exact" and c.value_max is None:
            diffs.append(abs(c.value - row.expected))
        if verbose:
            print(f"  {c.source_id} {c.asset} {c.value:+g}% {c.window} {c.qualifier} -> {row.verdict} "
                  f"(market {row.expected}): {row.reason[:110]}")
    print(f"\nGold price_change claims ({'/'.join(ASSETS)}, percent): {sum(verdicts.values())}: {dict(verdicts)}")
    if diffs:
        qs = statistics.quantiles(diffs, n=10) if len(diffs) >= 2 else diffs
        print(f"  |stated - market| in points over {len(diffs)} exact claims: median {statistics.median(diffs):.2f}, "
              f"deciles {[round(q, 2) for q in qs]}")


_TRADING = re.compile(
    r"\b(?:Bitcoin|BTC)\b(?:\s*\(BTC\))?\s+(?:is|was)?\s*(?:currently\s+)?"
    r"(?:trading|trades|traded|changing hands|changed hands|hovering|hovers|sits|priced)\s+"
    r"(?:at|around|near)\s+\$\s?(\d{2,3}(?:,\d{3})+(?:\.\d+)?|\d{2,3}(?:\.\d+)?\s?[Kk])\b"
)


def bench_dump(dump: Path, market: MarketData, settings: Settings, limit: int) -> None:
    t0 = time.perf_counter()
    half = timedelta(hours=settings.check.price_window_hours)
    outside: list[float] = []
    to_close: list[float] = []
    seen = 0
    with gzip.open(dump, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            body = rec.get("body") or ""
            m = _TRADING.search(body)
            if not m:
                continue
            pub = parse_time(rec.get("published_utc"), settings)
            if pub is None:
                continue
            raw = m.group(1).replace(",", "").replace(" ", "")
            value = float(raw[:-1]) * 1000 if raw[-1] in "Kk" else float(raw)
            rng = market.price_range("BTC", pub - half, pub + half)
            close = candle_close(market, "BTC", pub)
            if rng is None or close is None:
                continue
            if value < rng.low:
                outside.append((rng.low - value) / rng.low * 100)
            elif value > rng.high:
                outside.append((value - rng.high) / rng.high * 100)
            else:
                outside.append(0.0)
            to_close.append(abs(value - close) / close * 100)
            seen += 1
            if limit and seen >= limit:
                break
    n = len(outside)
    print(f"\nCalibration on the dump: {n} 'Bitcoin is trading at $X' statements "
          f"({time.perf_counter() - t0:.1f} s), window +/-{settings.check.price_window_hours:g} h")
    if not n:
        return
    qs = statistics.quantiles(outside, n=20)
    print(f"  distance outside the window's [low, high], percentiles 50/80/90/95: "
          f"{qs[9]:.2f} / {qs[15]:.2f} / {qs[17]:.2f} / {qs[18]:.2f} %")
    print(f"  within 2% of the 4h close: {pct(sum(d <= 2 for d in to_close), n)}")
    print("| tolerance | statements within |")
    print("|---|---|")
    for tol in (0.0, 1.0, 2.0, 2.5, 3.0, 5.0):
        print(f"| {tol:g}% | {pct(sum(d <= tol for d in outside), n)} |")


def _extractor(settings: Settings) -> Any:
    """``(clean_article, extract_claims, nlp)`` when the extractor is installed, else None."""
    try:
        from newsclaims.clean import clean_article
        from newsclaims.extract import extract_claims
        from newsclaims.nlp import build_pipeline
    except ImportError:
        return None
    return clean_article, extract_claims, build_pipeline(settings)


def bench_extracted(articles: dict[str, dict[str, Any]], market: MarketData, settings: Settings) -> None:
    """The dev articles through the real extractor and the checker: verdicts per check, speed."""
    from newsclaims.models import Article, CleanArticle

    ex = _extractor(settings)
    if ex is None:
        print("\n(newsclaims.extract not available: extracted-claims section skipped)")
        return
    clean_article, extract_claims, nlp = ex
    batches: list[tuple[list[Claim], datetime | None]] = []
    failures = 0
    for a in articles.values():
        pub = parse_time(a.get("published_utc"), settings)
        art = Article(id=a["id"], source_id=a["id"], title=a.get("headline") or "", body=a["body"], published_at=pub)
        clean = clean_article(art, settings)
        if isinstance(clean, CleanArticle):
            try:
                batches.append((extract_claims(clean, nlp, settings), pub))
            except Exception as exc:  # the extractor is another stage: report, go on
                failures += 1
                print(f"  extractor failed on {a['id']}: {exc!r}")
    t0 = time.perf_counter()
    rows = [r for claims, pub in batches for r in check_claims(claims, published_at=pub, market=market, settings=settings)]
    elapsed = time.perf_counter() - t0
    n_claims = sum(len(c) for c, _ in batches)
    table: dict[str, Counter[str]] = {}
    for r in rows:
        table.setdefault(r.check, Counter())[r.verdict] += 1
    print(f"\nExtractor's claims on the {len(batches)} dev articles: {n_claims} claims, {len(rows)} check rows, "
          f"checked in {elapsed:.2f} s ({n_claims / elapsed if elapsed else 0:,.0f} claims/s)")
    print("| check | consistent | inconsistent | unverifiable |")
    print("|---|---|---|---|")
    for check, cnt in sorted(table.items()):
        print(f"| {check} | {cnt['consistent']} | {cnt['inconsistent']} | {cnt['unverifiable']} |")


def bench_stories(dump: Path, limit: int, settings: Settings) -> None:
    """Story grouping on the first ``limit`` full articles of the dump (real extraction)."""
    from newsclaims.check import StoryInput, group_stories
    from newsclaims.models import Article, CleanArticle

    ex = _extractor(settings)
    if ex is None:
        return
    clean_article, extract_claims, nlp = ex
    inputs = []
    t0 = time.perf_counter()
    with gzip.open(dump, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if (rec.get("body_chars") or 0) < 800:
                continue
            pub = parse_time(rec.get("published_utc"), settings)
            art = Article(id=rec["id"], source_id=rec["id"], title=rec.get("headline") or "", body=rec["body"],
                          published_at=pub)
            clean = clean_article(art, settings)
            if not isinstance(clean, CleanArticle):
                continue
            try:
                claims = tuple(extract_claims(clean, nlp, settings))
            except Exception:  # the extractor is another stage: skip the article
                continue
            inputs.append(StoryInput(article_id=rec["id"], published_at=pub, claims=claims))
            if len(inputs) >= limit:
                break
    t1 = time.perf_counter()
    stories = group_stories(inputs, settings)
    t2 = time.perf_counter()
    sizes = Counter(stories.values())
    multi = [n for n in sizes.values() if n > 1]
    print(f"\nStories on {len(inputs)} full articles of the dump (no near-duplicate clusters given, so "
          f"every join is by shared claims): {len(multi)} stories of 2+ articles holding {sum(multi)} articles, "
          f"largest {max(sizes.values())}; grouping {t2 - t1:.2f} s (extraction {t1 - t0:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=Path, default=ROOT / "corpus/gold/dev.articles.jsonl")
    p.add_argument("--gold", type=Path, default=ROOT / "corpus/gold/dev.gold.jsonl")
    p.add_argument("--market", type=Path, default=None, help="market data (default: bundled)")
    p.add_argument("--cache-dir", type=Path, default=None, help="market cache folder")
    p.add_argument("--dump", type=Path, default=None, help="news dump for the tolerance calibration")
    p.add_argument("--dump-limit", type=int, default=0)
    p.add_argument("--stories", type=int, default=0, help="group this many dump articles into stories")
    p.add_argument("--default-timezone", default="Etc/GMT-2", help="zone of zone-less times (UTC+2)")
    p.add_argument("--agree-pct", type=float, default=2.0)
    p.add_argument("--flag-min-confidence", type=float, default=None,
                   help="check.flag_min_confidence: hold flags below this confidence (default: the settings')")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    settings = load_settings(overrides={
        "ingest.default_timezone": args.default_timezone,
        "check.flag_min_confidence": args.flag_min_confidence,
    })
    market = open_market(args.market, cache_dir=args.cache_dir)
    articles = {}
    with args.articles.open(encoding="utf-8") as fh:
        for line in fh:
            a = json.loads(line)
            articles[a["id"]] = a
    gold = [json.loads(line) for line in args.gold.open(encoding="utf-8") if line.strip()]
    print(f"settings.check: {settings.check.model_dump()}")
    print(f"zone-less times read as {args.default_timezone}")
    bench_prices(articles, gold, market, settings, args.agree_pct, args.verbose)
    bench_changes(articles, gold, market, settings, args.verbose)
    bench_extracted(articles, market, settings)
    if args.dump:
        bench_dump(args.dump, market, settings, args.dump_limit)
        if args.stories:
            bench_stories(args.dump, args.stories, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
