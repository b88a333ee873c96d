"""Benchmark and quality check of near-duplicate clustering (``newsclaims.dedup``).

Usage::

    python benchmarks/dedup.py DUMP.jsonl.gz [--limit N] [--baseline-docs 1000]
    python benchmarks/dedup.py DUMP.jsonl.gz --quality

The default mode prints, side by side in one run on the same documents:

- signatures/s of ``newsclaims.dedup.signature`` against a plain datasketch loop
  (``MinHash.update()`` once per shingle per document; on the first
  ``--baseline-docs`` documents only, because it is ~50x slower) and the ratio;
- index inserts/s and the index's memory per article;
- the mean absolute error of estimated against exact Jaccard (same shingle sets)
  on sampled pairs: LSH candidate pairs (pairs sharing a band, before
  verification, so mostly similar pairs; from signatures of another seed, so the
  sample does not favour pairs whose estimate came out high) plus as many random
  pairs, with the error
  per similarity bin, next to the error of a 128-permutation multiply-shift MinHash
  over the same shingle hashes (the textbook scheme OPH replaces);
- peak memory (max RSS) of the process.

``--quality`` runs on the whole dump after boilerplate removal: all pairs with exact
Jaccard >= 0.8 (exact all-pairs join with prefix filtering, so the reference does
not depend on MinHash), the recall of the clustering on pairs >= 0.9 and 0.8-0.9,
pairs merged below the threshold, and the largest clusters with what holds them
together.

Whole-``ingest`` articles/s: see :func:`measure_ingest` (to be wired by the lead).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import random
import re
import resource
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from newsclaims.dedup import (
    DedupIndex,
    estimate_jaccard,
    exact_jaccard,
    shingles,
    signature,
    signature_from_bytes,
    signature_to_bytes,
)
from newsclaims.settings import DedupSettings, load_settings

#: Sentences seen in at least this many articles of one source are boilerplate in
#: the fallback remover (the same rule as ``settings.clean.boilerplate_min_articles``).
FALLBACK_BOILERPLATE_MIN_ARTICLES = 20
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=[.!?])(?=[A-Z\u201c\"])|\n+")
_BASELINE_WORD = re.compile(r"[^\W_]+")
#: Most sampled pairs a document may take part in (error measurement).
PAIRS_PER_DOC = 2
#: Documents per alternating round of baseline and ours in the speed comparison.
BASELINE_CHUNK = 100


@dataclass
class Doc:
    id: str
    source: str
    title: str
    body: str
    published: datetime | None
    #: the cleaner's output (title, blank line, body) when the project cleaner ran.
    cleaned: str | None = None

    @property
    def text(self) -> str:
        if self.cleaned is not None:
            return self.cleaned
        return f"{self.title}\n\n{self.body}" if self.title else self.body


def read_dump(path: Path, limit: int | None) -> list[Doc]:
    docs: list[Doc] = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            body = r.get("body") or ""
            if not body.strip():
                continue
            ts = r.get("published_utc")
            published = None
            if ts:
                published = datetime.fromisoformat(ts.replace("Z", "+00:00"))
                if published.tzinfo is None:  # zone-less times: taken as UTC here
                    published = published.replace(tzinfo=UTC)
            docs.append(
                Doc(
                    r["id"],
                    (r.get("source") or "").lower(),
                    r.get("headline") or "",
                    body,
                    published,
                )
            )
            if limit and len(docs) >= limit:
                break
    return docs


def _clock() -> float:
    # CPU time of this process: the machines are shared, and wall-clock rates of a
    # single-threaded loop swing 3x with other people's load; CPU time does not.
    return time.process_time()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- baselines


def datasketch_signatures(texts: list[str], cfg: DedupSettings) -> list[npt.NDArray[np.uint64]]:
    """The plain baseline: one ``MinHash.update()`` per shingle per document."""
    from datasketch import MinHash

    out = []
    k = cfg.shingle_size
    for text in texts:
        words = _BASELINE_WORD.findall(text.lower())
        m = MinHash(num_perm=cfg.num_perm, seed=cfg.seed)
        for i in range(max(1, len(words) - k + 1)):
            m.update(" ".join(words[i : i + k]).encode("utf-8"))
        out.append(m.hashvalues)
    return out


def multiply_shift_signature(
    hashes: npt.NDArray[np.uint64], num_perm: int, seed: int
) -> npt.NDArray[np.uint32]:
    """Reference: ``num_perm`` multiply-shift permutations of the same shingle hashes."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2**63, num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, num_perm, dtype=np.uint64)
    m = np.multiply.outer(hashes, a)
    m += b
    return (m.min(axis=0) >> np.uint64(32)).astype(np.uint32)


# --------------------------------------------------------------------------- boilerplate


def split_sentences(body: str) -> list[str]:
    return [s for s in _SENTENCE_SPLIT.split(body) if s and s.strip()]


def remove_boilerplate(docs: list[Doc], how: str = "auto") -> tuple[list[Doc], str]:
    """Boilerplate removal with ``newsclaims.clean`` when it exists, else the fallback."""
    if how == "fallback":
        return _remove_fallback(docs), _FALLBACK_LABEL
    try:
        from newsclaims.clean import BoilerplateModel, clean_article  # noqa: F401
    except ImportError:
        pass
    else:
        cleaned = _remove_with_clean(docs)
        if cleaned is not None:
            return cleaned, "newsclaims.clean (clean_article + BoilerplateModel)"
    return _remove_fallback(docs), _FALLBACK_LABEL


_FALLBACK_LABEL = (
    f"fallback: sentences in >= {FALLBACK_BOILERPLATE_MIN_ARTICLES} articles of one source dropped"
)


def _remove_with_clean(docs: list[Doc]) -> list[Doc] | None:
    """Clean with the project's cleaner; ``None`` if its API is not the one expected."""
    try:
        from newsclaims.clean import BoilerplateModel, clean_article
        from newsclaims.models import Article, CleanArticle

        settings = load_settings()
        articles = [
            Article(
                id=d.id,
                source_id=d.id,
                title=d.title,
                body=d.body,
                published_at=d.published,
                source=d.source,
            )
            for d in docs
        ]
        model = BoilerplateModel.learn(articles, settings)
        out = []
        for d, a in zip(docs, articles, strict=True):
            res = clean_article(a, settings, model)
            if isinstance(res, CleanArticle):
                out.append(Doc(d.id, d.source, d.title, d.body, d.published, cleaned=res.text))
        return out
    except (TypeError, AttributeError) as exc:
        print(f"# newsclaims.clean present but not usable here ({exc}); using the fallback")
        return None


def _remove_fallback(docs: list[Doc]) -> list[Doc]:
    per_source: dict[str, Counter[str]] = defaultdict(Counter)
    split = []
    for d in docs:
        sentences = split_sentences(d.body)
        split.append(sentences)
        per_source[d.source].update({" ".join(s.lower().split()) for s in sentences})
    out = []
    for d, sentences in zip(docs, split, strict=True):
        counts = per_source[d.source]
        kept = [
            s
            for s in sentences
            if counts[" ".join(s.lower().split())] < FALLBACK_BOILERPLATE_MIN_ARTICLES
        ]
        if kept:
            out.append(Doc(d.id, d.source, d.title, " ".join(kept), d.published))
    return out


# --------------------------------------------------------------------------- exact pairs


def exact_pairs(sets: list[npt.NDArray[np.uint64]], t: float) -> dict[tuple[int, int], float]:
    """All pairs with exact Jaccard >= t: prefix filtering, then exact verification.

    Tokens are ordered globally by document frequency (rarest first). If
    J(x, y) >= t, the first ``|x| - ceil(t|x|) + 1`` tokens of x and those of y
    share at least one token (the prefix-filter lemma of AllPairs/PPJoin), so
    indexing only the prefixes finds every such pair; shared boilerplate shingles
    are frequent, sort last and rarely enter a prefix, which keeps candidate lists
    short. Candidates are then filtered by size (t|x| <= |y| <= |x|/t) and verified
    exactly.
    """
    allt = np.concatenate(sets)
    uniq, counts = np.unique(allt, return_counts=True)
    order = np.lexsort((uniq, counts))
    rank = np.empty(uniq.size, dtype=np.int64)
    rank[order] = np.arange(uniq.size)
    tok_doc: list[npt.NDArray[np.int64]] = []
    doc_ids: list[npt.NDArray[np.int64]] = []
    sizes = np.array([s.size for s in sets])
    for i, s in enumerate(sets):
        r = np.sort(rank[np.searchsorted(uniq, s)])
        p = s.size - math.ceil(t * s.size) + 1
        tok_doc.append(r[:p])
        doc_ids.append(np.full(min(p, r.size), i, dtype=np.int64))
    toks = np.concatenate(tok_doc)
    dids = np.concatenate(doc_ids)
    o = np.lexsort((dids, toks))
    toks, dids = toks[o], dids[o]
    bounds = np.flatnonzero(np.diff(toks)) + 1
    keys: list[npt.NDArray[np.int64]] = []
    n = len(sets)
    for group in np.split(dids, bounds):
        if group.size < 2:
            continue
        a, b = np.triu_indices(group.size, 1)
        keys.append(group[a] * n + group[b])
    if not keys:
        return {}
    cand = np.unique(np.concatenate(keys))
    i_arr, j_arr = cand // n, cand % n
    si, sj = sizes[i_arr], sizes[j_arr]
    ok = np.minimum(si, sj) >= t * np.maximum(si, sj) - 1e-9
    found: dict[tuple[int, int], float] = {}
    for i, j in zip(i_arr[ok].tolist(), j_arr[ok].tolist(), strict=True):
        jac = exact_jaccard(sets[i], sets[j])
        if jac >= t:
            found[(i, j)] = jac
    print(
        f"# exact join: {cand.size:,} prefix candidates, {int(ok.sum()):,} after size filter, "
        f"{len(found):,} pairs >= {t}"
    )
    return found


# --------------------------------------------------------------------------- modes


def lsh_candidate_pairs(
    sigs: list[npt.NDArray[np.uint32]], cfg: DedupSettings, cap: int
) -> list[tuple[int, int]]:
    """Pairs sharing at least one LSH band (before verification), at most ``cap``."""
    buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    r = cfg.rows
    for i, s in enumerate(sigs):
        for b in range(cfg.bands):
            buckets[(b, s[b * r : (b + 1) * r].tobytes())].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) > 1:
            for x in range(len(members)):
                for y in range(x + 1, min(len(members), x + 50)):
                    pairs.add((members[x], members[y]))
    shuffled = sorted(pairs)
    random.Random(0).shuffle(shuffled)
    # Each document in at most PAIRS_PER_DOC sampled pairs: hundreds of teasers that
    # share one block would otherwise make up most of the sample, and their errors are
    # one correlated draw (the block's shingles fall in the same bins for all of them).
    used: Counter[int] = Counter()
    out: list[tuple[int, int]] = []
    for i, j in shuffled:
        if used[i] < PAIRS_PER_DOC and used[j] < PAIRS_PER_DOC:
            out.append((i, j))
            used[i] += 1
            used[j] += 1
            if len(out) >= cap:
                break
    return out


def run_speed(docs: list[Doc], cfg: DedupSettings, baseline_docs: int, max_pairs: int) -> None:
    texts = [d.text for d in docs]
    mb = sum(len(t) for t in texts) / 1e6
    print(f"documents: {len(texts):,} ({mb:.1f} M chars, mean {1e6 * mb / len(texts):,.0f} chars)")
    signature("warm up", cfg)

    t0 = _clock()
    sigs = [signature(t, cfg) for t in texts]
    ours = len(texts) / (_clock() - t0)

    # Baseline and ours alternate on chunks of the same documents, so that load from
    # other processes on a shared machine hits both alike.
    base_texts = texts[:baseline_docs]
    base_s = ours_s = 0.0
    for k in range(0, len(base_texts), BASELINE_CHUNK):
        chunk = base_texts[k : k + BASELINE_CHUNK]
        t0 = _clock()
        datasketch_signatures(chunk, cfg)
        base_s += _clock() - t0
        t0 = _clock()
        for t in chunk:
            signature(t, cfg)
        ours_s += _clock() - t0
    base = len(base_texts) / base_s
    ours_same = len(base_texts) / ours_s

    print()
    print(f"{'(rates per CPU second, one process)':42s}{'docs/s':>10s}{'vs baseline':>13s}")
    print(
        f"{'datasketch MinHash.update() per shingle':42s}{base:10,.0f}{'1.0x':>13s}"
        f"   (first {len(base_texts):,} docs)"
    )
    print(f"{'newsclaims signature(), same docs':42s}{ours_same:10,.0f}{ours_same / base:12.1f}x")
    print(f"{'newsclaims signature(), all docs':42s}{ours:10,.0f}{ours / base:12.1f}x")

    blobs = [signature_to_bytes(s) for s in sigs]
    t0 = _clock()
    index = DedupIndex(cfg)
    merged = 0
    for d, b in zip(docs, blobs, strict=True):
        if index.add(d.id, signature_from_bytes(b, cfg), d.published, len(d.text)):
            merged += 1
    add_rate = len(docs) / (_clock() - t0)
    per_article = index.memory_bytes() / max(1, len(index))
    print(
        f"{'DedupIndex.add (from bytes)':42s}{add_rate:10,.0f}"
        f"   {index.cluster_count():,} clusters, {merged:,} articles joined one"
    )
    print(
        f"index memory: ~{per_article:,.0f} bytes/article "
        f"(~{per_article * 1e6 / 2**30:.1f} GiB per million articles)"
    )
    ds_rate, ds_merged = datasketch_lsh_rate(docs, sigs, cfg)
    print(
        f"{'datasketch MinHashLSH query+verify+insert':42s}{ds_rate:10,.0f}"
        f"   same 16x8 banding, {ds_merged:,} articles joined one (no union-find)"
    )

    print()
    error_table(texts, cfg, max_pairs, "raw dump texts", detailed=False)
    cleaned = _remove_fallback(docs)
    error_table(
        [d.text for d in cleaned],
        cfg,
        max_pairs,
        "texts after boilerplate removal (fallback remover)",
        detailed=True,
    )
    print(
        f"peak memory (max RSS of this process, dump and shingle sets included): {peak_rss_mb():,.0f} MB"
    )


def datasketch_lsh_rate(
    docs: list[Doc], sigs: list[npt.NDArray[np.uint32]], cfg: DedupSettings
) -> tuple[float, int]:
    """The same LSH with datasketch ``MinHashLSH`` over ``LeanMinHash`` (for comparison)."""
    from datasketch import LeanMinHash, MinHashLSH

    lsh = MinHashLSH(num_perm=cfg.num_perm, params=(cfg.bands, cfg.rows))
    sigs_by_id: dict[str, npt.NDArray[np.uint32]] = {}
    t0 = _clock()
    merged = 0
    for d, s in zip(docs, sigs, strict=True):
        m = LeanMinHash(seed=cfg.seed, hashvalues=s, scheme="affine32")
        found = lsh.query(m)
        if any(estimate_jaccard(s, sigs_by_id[k]) >= cfg.threshold for k in found):
            merged += 1
        lsh.insert(d.id, m, check_duplication=False)
        sigs_by_id[d.id] = s
    return len(docs) / (_clock() - t0), merged


def error_table(
    texts: list[str], cfg: DedupSettings, max_pairs: int, label: str, detailed: bool
) -> float:
    """MAE of estimated vs exact Jaccard on LSH candidates plus as many random pairs."""
    # Candidates come from an LSH over signatures of ANOTHER seed: pairs chosen by
    # agreeing on bands of the very signatures being scored would be the pairs whose
    # estimates happened to come out high (a selection bias of about +0.03 at J 0.5-0.7).
    other = cfg.model_copy(update={"seed": cfg.seed + 1000})
    lsh = lsh_candidate_pairs([signature(t, other) for t in texts], cfg, max_pairs)
    rnd = random.Random(1)
    rand_pairs: list[tuple[int, int]] = []
    while len(rand_pairs) < len(lsh):
        i, j = rnd.randrange(len(texts)), rnd.randrange(len(texts))
        if i != j:
            rand_pairs.append((min(i, j), max(i, j)))
    pairs = lsh + rand_pairs
    used = sorted({x for p in pairs for x in p})
    sets = {i: shingles(texts[i], cfg) for i in used}
    exact = np.array([exact_jaccard(sets[i], sets[j]) for i, j in pairs])

    def errors(seed: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        c = cfg.model_copy(update={"seed": seed})
        sig = {i: signature(texts[i], c) for i in used}
        ms = {i: multiply_shift_signature(sets[i], cfg.num_perm, seed) for i in used}
        est = np.array([estimate_jaccard(sig[i], sig[j]) for i, j in pairs])
        est_ms = np.array([estimate_jaccard(ms[i], ms[j]) for i, j in pairs])
        return est - exact, est_ms - exact

    diff, diff_ms = errors(cfg.seed)
    err, err_ms = np.abs(diff), np.abs(diff_ms)
    print(
        f"estimation error, {label}: {len(pairs):,} pairs ({len(lsh):,} LSH candidates + "
        f"{len(rand_pairs):,} random), {cfg.num_perm} values per signature"
    )
    if detailed:
        print(
            f"{'exact Jaccard':>16s}{'pairs':>8s}{'MAE ours (OPH)':>16s}{'MAE mult-shift':>16s}{'bias ours':>11s}"
        )
        edges = [0.0, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0001]
        for lo, hi in itertools.pairwise(edges):
            m = (exact >= lo) & (exact < hi)
            if m.any():
                name = f"[{lo:.1f}, {min(hi, 1.0):.1f}" + ("]" if hi > 1 else ")")
                print(
                    f"{name:>16s}{int(m.sum()):8,d}{err[m].mean():16.4f}{err_ms[m].mean():16.4f}"
                    f"{diff[m].mean():+11.4f}"
                )
        similar = exact >= 0.5
        print(
            f"{'J >= 0.5':>16s}{int(similar.sum()):8,d}{err[similar].mean():16.4f}"
            f"{err_ms[similar].mean():16.4f}{diff[similar].mean():+11.4f}"
        )
    print(
        f"{'all':>16s}{len(pairs):8,d}{err.mean():16.4f}{err_ms.mean():16.4f}{diff.mean():+11.4f}"
    )
    seeds = [errors(cfg.seed + k) for k in range(1, 5)]
    maes = [float(err.mean())] + [float(np.abs(d).mean()) for d, _ in seeds]
    maes_ms = [float(err_ms.mean())] + [float(np.abs(d).mean()) for _, d in seeds]
    print(
        f"{'MAE over 5 seeds':>24s}: ours mean {np.mean(maes):.4f} max {max(maes):.4f}; "
        f"mult-shift mean {np.mean(maes_ms):.4f} max {max(maes_ms):.4f}; "
        f"target <= 0.025: {'met' if max(maes) <= 0.025 else 'NOT met'}"
    )
    print()
    return float(err.mean())


def run_quality(docs: list[Doc], cfg: DedupSettings, boilerplate: str) -> None:
    t0 = time.perf_counter()
    cleaned, how = remove_boilerplate(docs, boilerplate)
    print(
        f"boilerplate removal: {how}; {len(cleaned):,} of {len(docs):,} documents left "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    texts = [d.text for d in cleaned]
    sets = [shingles(t, cfg) for t in texts]
    sigs = [signature(t, cfg) for t in texts]
    index = DedupIndex(cfg)
    for d, s, t in zip(cleaned, sigs, texts, strict=True):
        index.add(d.id, s, d.published, len(t))
    clusters = sorted(index.clusters(), key=lambda c: -c.size)
    multi = [c for c in clusters if c.size > 1]
    print(
        f"clusters: {len(clusters):,}, with more than one member: {len(multi):,} "
        f"({sum(c.size for c in multi):,} articles)"
    )

    t0 = time.perf_counter()
    pairs = exact_pairs(sets, 0.8)
    print(f"# exact join took {time.perf_counter() - t0:.1f} s")
    cluster_of = {d.id: index.cluster_of(d.id) for d in cleaned}
    for lo, hi in ((0.9, 1.01), (0.8, 0.9)):
        sel = [(i, j) for (i, j), v in pairs.items() if lo <= v < hi]
        hit = sum(cluster_of[cleaned[i].id] == cluster_of[cleaned[j].id] for i, j in sel)
        label = f"exact Jaccard {'>= 0.9' if lo == 0.9 else '0.8-0.9'}"
        pct = 100 * hit / len(sel) if sel else 100.0
        print(f"recall on pairs with {label}: {hit:,}/{len(sel):,} = {pct:.1f}%")
        missed = [(i, j) for i, j in sel if cluster_of[cleaned[i].id] != cluster_of[cleaned[j].id]]
        for i, j in missed[:5]:
            print(
                f"    missed {cleaned[i].id} {cleaned[j].id} exact {pairs[(i, j)]:.3f} "
                f"est {estimate_jaccard(sigs[i], sigs[j]):.3f}"
            )

    # Pairs put in one cluster: how similar are they really?
    pos = {d.id: k for k, d in enumerate(cleaned)}
    below = 0
    total = 0
    for c in multi:
        idx = [pos[m] for m in c.members]
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                total += 1
                a, b = min(idx[x], idx[y]), max(idx[x], idx[y])
                if (a, b) not in pairs:
                    below += 1
    print(
        f"member pairs inside clusters: {total:,}; with exact Jaccard < 0.8: {below:,} "
        "(linked through other members or estimated above the threshold)"
    )

    print("\nlargest clusters:")
    for c in clusters[:5]:
        idx = [pos[m] for m in c.members]
        js = [exact_jaccard(sets[a], sets[b]) for k, a in enumerate(idx) for b in idx[k + 1 :]]
        common = set.intersection(*(set(split_sentences(cleaned[k].body)) for k in idx))
        shared = np.array(
            sorted(set.intersection(*(set(sets[k].tolist()) for k in idx))), dtype=np.uint64
        )
        frac = np.mean([shared.size / sets[k].size for k in idx])
        print(
            f"- {c.id}: {c.size} members, sources {dict(Counter(cleaned[k].source for k in idx))}"
        )
        print(
            f"  exact pairwise Jaccard min {min(js):.3f} median {float(np.median(js)):.3f}; "
            f"shingles shared by all members: {frac:.0%} of each member's"
        )
        print(f"  titles: {sorted({cleaned[k].title[:70] for k in idx})[:3]}")
        if common:
            longest = max(common, key=len)
            print(f"  longest sentence common to all: {longest[:160]!r}")
    print(f"\npeak memory (max RSS): {peak_rss_mb():,.0f} MB")


def measure_ingest(dump: Path, limit: int | None) -> None:
    """Whole ``newsclaims ingest`` (read, clean, learn boilerplate, sign, cluster, store)
    on the dump into a fresh database, in a child process: articles/s and peak memory."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nc-dedup-") as d:
        src = dump
        if limit is not None:
            src = Path(d) / "slice.jsonl"
            with gzip.open(dump, "rt", encoding="utf-8") as f, open(src, "w", encoding="utf-8") as w:
                w.writelines(itertools.islice(f, limit))
        db = Path(d) / "ingest.db"
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from run import _tree_rss  # the same /proc sampling as benchmarks/run.py

        t0 = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "newsclaims.cli", "ingest", str(src), "--db", str(db)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        peak_bytes = 0
        while child.poll() is None:
            peak_bytes = max(peak_bytes, _tree_rss(child.pid))
            time.sleep(0.1)
        _out, err = child.communicate()
        wall = time.perf_counter() - t0
        if child.returncode != 0:
            print(f"ingest failed: {err[-2000:]}")
            return
        import sqlite3

        n = sqlite3.connect(db).execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        peak = peak_bytes / 2**20
        print("\nwhole ingest (newsclaims ingest, default workers, fresh database):")
        print(f"  {n:,} articles stored in {wall:.1f} s = {n / wall:,.0f} articles/s (wall, with start-up)")
        print(f"  peak memory (the ingest process and its workers, sampled): {peak:,.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "dump", type=Path, help="a JSONL(.gz) news dump, e.g. bitcoin-news-2025.jsonl.gz"
    )
    ap.add_argument("--limit", type=int, default=None, help="read at most N documents")
    ap.add_argument(
        "--baseline-docs",
        type=int,
        default=1000,
        help="documents for the datasketch baseline (default 1000)",
    )
    ap.add_argument(
        "--pairs", type=int, default=3000, help="LSH candidate pairs sampled for the error"
    )
    ap.add_argument(
        "--quality", action="store_true", help="recall against exact Jaccard on the dump"
    )
    ap.add_argument(
        "--boilerplate",
        choices=["auto", "fallback"],
        default="auto",
        help="--quality: the project cleaner when importable (auto) or the fallback remover",
    )
    ap.add_argument("--no-ingest", action="store_true", help="skip the whole-ingest measurement")
    args = ap.parse_args(argv)
    cfg = load_settings().dedup
    docs = read_dump(args.dump, args.limit)
    print(f"dedup config: {cfg.model_dump()}")
    if args.quality:
        run_quality(docs, cfg, args.boilerplate)
    else:
        run_speed(docs, cfg, args.baseline_docs, args.pairs)
        if not args.no_ingest:
            measure_ingest(args.dump, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
