"""Claim extraction speed on the real news dump: the model path and the rules path,
side by side in one run, each in one process and in a two-process pool.

Usage::

    .venv/bin/python benchmarks/extract.py /work/shared/data/news/bitcoin-news-2025.jsonl.gz \
        [--limit 2000] [--workers 2] [--min-body 0] [--warmup 200] [--extractors bundled,none]

``--extractors`` lists values of the ``extract.model`` setting (``bundled`` = the
bundled model, ``none`` = the rules alone, or a model folder), each optionally followed
by other settings: ``bundled+extract.cascade=true`` is the bundled model reading only
the sentences where the rules found a claim.

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


def _settings(spec: str) -> Settings:
    """Settings of one ``--extractors`` entry: ``MODEL[+SECTION.KEY=VALUE...]``."""
    model, *rest = spec.split("+")
    overrides: dict[str, object] = {"extract.model": model}
    for item in rest:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--extractors: {item!r} is not SECTION.KEY=VALUE")
        overrides[key] = value
    return load_settings(overrides=overrides)


def _init_worker(warmup: list[CleanArticle], model: str) -> None:
    global _WORKER
    settings = _settings(model)
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
    ap.add_argument("--limit", type=int, default=2000, help="articles to use")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--min-body", type=int, default=0,
                    help="only bodies at least this long (0: the dump as it is, teasers included)")
    ap.add_argument("--warmup", type=int, default=200,
                    help="other articles each process extracts before timing")
    ap.add_argument("--extractors", default="bundled,none",
                    help="comma-separated extract.model values to compare")
    args = ap.parse_args(argv)

    base = load_settings(overrides={"extract.model": "none"})
    raw = list(read_articles(args.path, args.limit + args.warmup, args.min_body))
    everything = [article_for_eval(i, t, b, base) for i, t, b in raw]
    articles, warmup = everything[: args.limit], everything[args.limit :]
    chars = sum(len(a.text) for a in articles)
    print(f"articles: {len(articles)} (body >= {args.min_body} chars), "
          f"mean {chars / max(1, len(articles)):.0f} chars of cleaned text; "
          f"warm-up: {len(warmup)} other articles per process")
    rows: dict[str, dict[str, float]] = {}
    for model in args.extractors.split(","):
        rows[model] = _measure(model, articles, warmup, args.workers)
    n = len(articles)
    names = list(rows)
    print(f"{'':<30}" + "".join(f"{m + ' x1':>16}{m + f' x{args.workers}':>16}" for m in names))
    for label, key in (("articles/s", "rate"), ("articles/CPU-second", "cpu_rate"),
                       ("ms/article (median, x1)", "median_ms"), ("claims per article", "claims")):
        cells = ""
        for m in names:
            r = rows[m]
            if key in ("rate", "cpu_rate"):
                cells += f"{r[key + '_1']:>16.1f}{r[key + '_n']:>16.1f}"
            else:
                cells += f"{r[key]:>16.2f}{'':>16}"
        print(f"{label:<30}" + cells)
    if len(names) >= 2:
        a, b = names[0], names[1]
        print(f"ratio {a} / {b} (pool articles/s): {rows[a]['rate_n'] / rows[b]['rate_n']:.2f}")
    print(f"(n = {n}; cores: {os.cpu_count()})")
    return 0


def _measure(model: str, articles: list[CleanArticle], warmup: list[CleanArticle],
             workers: int) -> dict[str, float]:
    settings = _settings(model)
    nlp = build_pipeline(settings)
    for a in warmup or articles[:1]:  # regex compilation, vocabulary, ONNX warm-up
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
    batches = [articles[i : i + 50] for i in range(0, len(articles), 50)]
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                             initargs=(warmup, model)) as pool:
        list(pool.map(_work, batches[:workers]))  # start the workers before timing
        t0 = time.perf_counter()
        results = list(pool.map(_work, batches))
        many_cpu = sum(r[1] for r in results)
        many = time.perf_counter() - t0
    n = len(articles)
    return {"rate_1": n / one, "cpu_rate_1": n / one_cpu, "rate_n": n / many,
            "cpu_rate_n": n / max(many_cpu, 1e-9), "median_ms": 1000 * statistics.median(per_article),
            "claims": n_claims / max(1, n)}


if __name__ == "__main__":
    sys.exit(main())
