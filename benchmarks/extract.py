"""Claim extraction speed on the real news dump: articles/s, one process vs a two-process pool.

Usage::

    .venv/bin/python benchmarks/extract.py /work/shared/data/news/bitcoin-news-2025.jsonl.gz \
        [--limit 2000] [--workers 2] [--min-body 1500] [--warmup 200]

Only full-text articles (body >= ``--min-body`` characters) are used. Each article is
cleaned first (not timed: cleaning has its own benchmark); the timed part is
``extract_claims`` with the default pipeline (tokenizer, sentences, assets, quantities,
claim rules). The pool workers build their own pipeline once and return only the
claim counts, so the figure measures extraction, not pickling of results.

Before timing, every process extracts ``--warmup`` other articles (read after the
timed ones): a long batch job has seen the common words already (spaCy adds each new
string to its vocabulary once), so a cold first pass would understate its speed.
``--warmup 0`` times a cold pipeline.

Wall-clock rates depend on what else the machine runs; ``articles/CPU-second``
(process CPU time, summed over the workers for the pool) is the per-core rate
without that noise.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from newsclaims.evaluate import article_for_eval
from newsclaims.extract import extract_claims
from newsclaims.models import CleanArticle
from newsclaims.nlp import build_pipeline
from newsclaims.settings import Settings, load_settings

_WORKER: tuple[object, Settings] | None = None


def read_articles(path: str, limit: int, min_body: int) -> Iterator[tuple[str, str, str]]:
    opener = gzip.open if path.endswith(".gz") else open
    n = 0
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        for line in fh:
            rec = json.loads(line)
            body = str(rec.get("body") or "")
            if len(body) < min_body:
                continue
            yield str(rec.get("id")), str(rec.get("headline") or ""), body
            n += 1
            if n >= limit:
                return


def _init_worker(warmup: list[CleanArticle]) -> None:
    global _WORKER
    settings = load_settings()
    nlp = build_pipeline(settings)
    for a in warmup:
        extract_claims(a, nlp, settings)
    _WORKER = (nlp, settings)


def _work(batch: list[CleanArticle]) -> tuple[int, float]:
    """Claims found in ``batch`` and the CPU seconds this process spent on it."""
    assert _WORKER is not None
    nlp, settings = _WORKER
    c0 = time.process_time()
    n = sum(len(extract_claims(a, nlp, settings)) for a in batch)  # type: ignore[arg-type]
    return n, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", help="news dump (JSONL, optionally gzip)")
    ap.add_argument("--limit", type=int, default=2000, help="full-text articles to use")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--min-body", type=int, default=1500)
    ap.add_argument("--warmup", type=int, default=200,
                    help="other articles each process extracts before timing")
    args = ap.parse_args(argv)

    settings = load_settings()
    raw = list(read_articles(args.path, args.limit + args.warmup, args.min_body))
    everything = [article_for_eval(i, t, b, settings) for i, t, b in raw]
    articles, warmup = everything[: args.limit], everything[args.limit :]
    chars = sum(len(a.text) for a in articles)
    print(f"articles: {len(articles)} (body >= {args.min_body} chars), "
          f"mean {chars / max(1, len(articles)):.0f} chars of cleaned text; "
          f"warm-up: {len(warmup)} other articles per process")

    nlp = build_pipeline(settings)
    for a in warmup or articles[:1]:  # regex compilation, vocabulary
        extract_claims(a, nlp, settings)
    t0 = time.perf_counter()
    c0 = time.process_time()
    n_claims = 0
    per_article: list[float] = []
    for a in articles:
        t = time.perf_counter()
        n_claims += len(extract_claims(a, nlp, settings))
        per_article.append(time.perf_counter() - t)
    one = time.perf_counter() - t0
    one_cpu = time.process_time() - c0

    # Time the stages of the pipeline on their own, for where the time goes.
    stage: dict[str, float] = {}
    docs = [nlp.make_doc(a.text) for a in articles]
    t = time.perf_counter()
    docs = [nlp.make_doc(a.text) for a in articles]
    stage["tokenizer"] = time.perf_counter() - t
    for name, proc in nlp.pipeline:
        t = time.perf_counter()
        docs = [proc(d) for d in docs]
        stage[name] = time.perf_counter() - t

    batches = [articles[i : i + 50] for i in range(0, len(articles), 50)]
    with ProcessPoolExecutor(max_workers=args.workers, initializer=_init_worker,
                             initargs=(warmup,)) as pool:
        list(pool.map(_work, batches[:1]))  # start the workers before timing
        t0 = time.perf_counter()
        results = list(pool.map(_work, batches))
        n_pool = sum(r[0] for r in results)
        many_cpu = sum(r[1] for r in results)
        many = time.perf_counter() - t0

    n = len(articles)
    print(f"claims: {n_claims} ({n_claims / max(1, n):.2f} per article); pool agrees: {n_pool == n_claims}")
    print(f"{'':<26}{'1 process':>14}{f'{args.workers} processes':>14}")
    print(f"{'articles/s':<26}{n / one:>14.1f}{n / many:>14.1f}")
    print(f"{'articles/s per core':<26}{n / one:>14.1f}{n / many / args.workers:>14.1f}")
    print(f"{'articles/CPU-second':<26}{n / one_cpu:>14.1f}{n / many_cpu:>14.1f}")
    print(f"{'ms/article (median)':<26}{1000 * statistics.median(per_article):>14.2f}")
    print(f"speed-up with {args.workers} processes: {one / many:.2f}x (cores: {os.cpu_count()})")
    print("time by stage, one process (ms/article):")
    for name, secs in stage.items():
        print(f"  {name:<28}{1000 * secs / n:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
