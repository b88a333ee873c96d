"""Cost and sanity of story grouping on a whole dump (``newsclaims.story``).

Usage::

    python benchmarks/stories.py DUMP.jsonl.gz [--model DIR] [--limit N] [--threads 2]
                                [--labels corpus/stories] [--show 15] [--set NAME=VALUE ...]
                                [--sweep NAME=V1,V2,...]

Reads and cleans the dump (learned boilerplate as in ``newsclaims run``; not part of
the measured cost), then measures, in seconds on this machine:

- features: title and lead, dates, assets, names, figures of every article;
- embedding: MiniLM int8 (ONNX Runtime, ``--threads``) over every title and lead;
- grouping: time-windowed nearest neighbours, pair decisions, merges.

and prints what it made: stories with more than one article, the largest, the widest
time span, how many stories hold one outlet's posts of two different days (must be 0),
the labelled held-out pairs scored with the whole dump around them, and a sample of
multi-outlet stories to read. ``--sweep`` then groups again with each value of one
constant and prints, per value, what the whole dump gets (stories, pairs joined, glued
series) and the *tuning* half's scores, never the held-out half's: choose a setting for
another encoder there, then score the held-out half once with ``--set``. Claim-fingerprint evidence (``newsclaims run`` adds it) is
not used here: the dump is not extracted.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from newsclaims.clean import BoilerplateModel, clean_article
    from newsclaims.encoder import SentenceEncoder
    from newsclaims.extract.learned.runtime import default_model_dir
    from newsclaims.models import Article, CleanArticle
    from newsclaims.read import iter_records
    from newsclaims.settings import load_settings
    from newsclaims.story import (
        StoryDoc,
        doc_of_article,
        group_events,
        load_labels,
        score_stories,
        story_ids,
    )
    from newsclaims.story.group import candidate_pairs
    from story_corpus import story_params

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump")
    ap.add_argument("--model", default=None, help="encoder folder (default: the bundled model)")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--labels", default=str(ROOT / "corpus" / "stories"))
    ap.add_argument("--show", type=int, default=15)
    ap.add_argument("--save-embeddings", default=None, help="write the embeddings (.npy) here")
    ap.add_argument("--load-embeddings", default=None, help="reuse embeddings written before")
    ap.add_argument("--set", dest="params", action="append", default=[], metavar="NAME=VALUE",
                    help="a grouping constant (a StoryParams field) other than the default, e.g. for another "
                         "encoder: join_score=0.6 (repeatable)")
    ap.add_argument("--sweep", default=None, metavar="NAME=V1,V2,...",
                    help="group again with each value of one constant (after --set); prints the whole dump's "
                         "figures and the tuning half's scores per value")
    args = ap.parse_args(argv)

    settings = load_settings()
    model = args.model or default_model_dir()
    if model is None:
        print("no encoder: pass --model DIR", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    records = [r for r in iter_records([args.dump], settings) if isinstance(r, Article)]
    if args.limit:
        records = records[: args.limit]
    boiler = BoilerplateModel.learn(iter(records), settings)
    cleaned = [c for r in records if isinstance(c := clean_article(r, settings, boiler), CleanArticle)]
    del records
    t_read = time.perf_counter() - t0
    print(f"articles: {len(cleaned)} (read, boilerplate, clean: {t_read:.1f} s, not counted)")

    t, c0 = time.perf_counter(), time.process_time()
    docs: list[StoryDoc] = []
    for c in cleaned:
        d = doc_of_article(c)
        # the dump's ids name the articles in the labels
        docs.append(StoryDoc(id=c.source_id, source=d.source, published=d.published, features=d.features,
                             title_figures=d.title_figures, title_assets=d.title_assets))
    t_feat, c_feat = time.perf_counter() - t, time.process_time() - c0
    t, c0 = time.perf_counter(), time.process_time()
    if args.load_embeddings:
        emb = np.load(args.load_embeddings)
        t_load = time.perf_counter() - t
        t_emb = c_emb = float("nan")
        print(f"embeddings loaded from {args.load_embeddings} ({t_load:.1f} s)")
    else:
        enc = SentenceEncoder(model, threads=args.threads)
        emb = enc.embed([d.features.text for d in docs])
        t_emb, c_emb = time.perf_counter() - t, time.process_time() - c0
        if args.save_embeddings:
            np.save(args.save_embeddings, emb)
    params = story_params(args.params)
    print(f"grouping: {params}")
    t = time.perf_counter()
    cands = candidate_pairs(docs, emb, params)
    t_cand = time.perf_counter() - t
    t, c0 = time.perf_counter(), time.process_time()
    labels = group_events(docs, emb, params)
    t_group, c_group = time.perf_counter() - t, time.process_time() - c0
    n = len(docs)
    print(f"encoder: {model}, {args.threads} threads")
    # wall seconds depend on what else runs on the machine; CPU seconds (all threads of
    # this process) do not, and CPU / 2 is the wall time on two free cores at best
    print("| stage | wall s | CPU s | CPU s per 1,000 articles |\n|---|---|---|---|")
    rows = (("features (title, lead, dates, assets, names, figures)", t_feat, c_feat),
            ("embedding (MiniLM int8, 64 tokens)", t_emb, c_emb),
            ("grouping (windowed neighbours, decisions, merges)", t_group, c_group))
    for name, sec, cpu in rows:
        print(f"| {name} | {sec:.1f} | {cpu:.1f} | {1000 * cpu / max(n, 1):.2f} |")
    total = sum(x for _, x, _ in rows if x == x)
    ctotal = sum(x for _, _, x in rows if x == x)
    print(f"| total | {total:.1f} | {ctotal:.1f} | {1000 * ctotal / max(n, 1):.2f} |")
    print(f"candidate pairs: {len(cands)} ({len(cands) / max(n, 1):.1f} per article; all pairs would be {n * (n - 1) // 2}); "
          f"candidate search alone {t_cand:.1f} s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

    story_of = story_ids(docs, labels)
    members: dict[str, list[int]] = {}
    for i, d in enumerate(docs):
        members.setdefault(story_of[d.id], []).append(i)
    multi = [m for m in members.values() if len(m) > 1]
    sizes = Counter(len(m) for m in multi)
    glued = 0
    spans = []
    for m in multi:
        glued += _glued(docs, m)
        times = [t_ for i in m if (t_ := docs[i].published) is not None]
        if times:
            spans.append((max(times) - min(times)).total_seconds() / 3600)
    print(f"stories: {len(members)}; with more than one article: {len(multi)} "
          f"({sum(len(m) for m in multi)} articles); sizes {dict(sorted(sizes.items()))}")
    print(f"stories holding one outlet's posts of two different days: {glued}")
    if spans:
        print(f"time span of multi-article stories: median {np.median(spans):.1f} h, max {max(spans):.1f} h")
    for side in ("heldout", "tune"):
        try:
            lab = load_labels(args.labels, side)
        except FileNotFoundError:
            break
        s = score_stories(story_of, lab)
        print(f"labelled {side} pairs with the whole dump around them: {s.as_dict()}")
    rng = random.Random(0)
    big = sorted(multi, key=len, reverse=True)[:5]
    sample = big + rng.sample(multi, min(args.show, len(multi)))
    print("\nlargest stories, then a random sample:")
    for m in sample:
        print(f"- {len(m)} articles")
        for i in sorted(m, key=lambda i: (docs[i].published is None, docs[i].published)):
            d = docs[i]
            print(f"    {d.published:%Y-%m-%d %H:%M} {d.source or '?':14.14} {d.features.text[:90]}")
    if args.sweep:
        name, _, values = args.sweep.partition("=")
        try:
            tune = load_labels(args.labels, "tune")
        except FileNotFoundError:
            tune = None
        print(f"\nsweep of {name} (tuning half only)\n| {name} | multi-article stories | articles in them | "
              "pairs joined | glued series | tune P | tune R | tune ARI |\n|---|---|---|---|---|---|---|---|")
        for v in values.split(","):
            p = story_params([*args.params, f"{name}={v}"])
            sid = story_ids(docs, group_events(docs, emb, p))
            groups: dict[str, list[int]] = {}
            for i, d in enumerate(docs):
                groups.setdefault(sid[d.id], []).append(i)
            many = [m for m in groups.values() if len(m) > 1]
            pairs = sum(len(m) * (len(m) - 1) // 2 for m in many)
            glued_v = sum(_glued(docs, m) for m in many)
            sc = score_stories(sid, tune) if tune is not None else None
            scores = f"{sc.precision:.3f} | {sc.recall:.3f} | {sc.ari:.3f}" if sc else "- | - | -"
            print(f"| {v} | {len(many)} | {sum(len(m) for m in many)} | {pairs} | {glued_v} | {scores} |")
    return 0


def _glued(docs: list[Any], members: list[int]) -> bool:
    """Whether one outlet's posts of two different days are in these members."""
    by_source: dict[str, set[object]] = {}
    for i in members:
        d = docs[i]
        if d.source and d.published:
            by_source.setdefault(d.source, set()).add(d.published.date())
    return any(len(days) > 1 for days in by_source.values())


if __name__ == "__main__":
    raise SystemExit(main())
