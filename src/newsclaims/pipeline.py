"""The batch job: read -> clean -> sign -> extract -> check -> store, batch by batch.

This module and the CLI are the only places that touch files and the database.
Work that needs no shared state (cleaning, MinHash signatures, claim extraction,
market checks) runs in a pool of worker processes that return only results; the
main process owns the two stateful parts, the dedup index and the database, and
commits one transaction per batch.

Resumable by construction: ids are content hashes, every write is an upsert, and a
batch's articles, signatures, claims, checks and cluster updates are committed in
one transaction. A run killed at any point and started again skips the articles
already stored and ends with the same rows as a clean run. Story grouping and the
cross-copy check run at the end over the whole database (also idempotent).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from .models import Article, Check, Claim, CleanArticle, Rejection, RejectReason
from .read import InputProgress, input_bytes, iter_records
from .settings import Settings
from .storage import iso_utc, now_iso, open_db, to_json, transaction, upsert

log = logging.getLogger(__name__)

Stage = Literal["ingest", "run"]
#: batches in flight per worker: enough to keep workers busy, few enough to keep memory flat.
INFLIGHT_PER_WORKER = 2
#: cross-copy check rows buffered before they are written (the story pass's memory bound).
STORY_FLUSH_ROWS = 2000
#: articles from which the story step builds features and embeddings in worker processes
#: (below, one process: starting the workers costs more than it saves).
STORY_POOL_MIN = 3000
#: articles per feature-only task of the story workers (already embedded articles).
STORY_FEATURE_BLOCK = 2048


# --------------------------------------------------------------------------- stats


@dataclass
class RunStats:
    """What a run did; the CLI prints it, the ``runs`` table keeps it."""

    run_id: str = ""
    read: int = 0
    stored: int = 0
    already_stored: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    claims: Counter[str] = field(default_factory=Counter)
    checks: Counter[str] = field(default_factory=Counter)
    stories: int = 0
    clusters: int = 0
    elapsed: float = 0.0
    interrupted: bool = False
    #: articles whose time had no zone, read in ``ingest.default_timezone``.
    zone_assumed: int = 0
    #: verdicts of the cross-copy checks (also counted in ``checks``).
    cross_copy: Counter[str] = field(default_factory=Counter)
    #: what the run is doing now (``boilerplate``, ``articles``, ``stories``), for progress.
    phase: str = ""
    #: share of the input read in this phase (None when unknown), and the phase's seconds.
    fraction: float | None = None
    phase_elapsed: float = 0.0
    stage_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    #: publication zones: sources with samples, sources inferred, the zones used, articles re-timed.
    zones: dict[str, Any] = field(default_factory=dict)
    #: the main process's peak resident memory (MiB) as each phase ended.
    peak_rss_mib: dict[str, float] = field(default_factory=dict)

    def mark_memory(self, phase: str) -> None:
        import resource

        self.peak_rss_mib[phase] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    @property
    def articles_per_s(self) -> float:
        return self.read / self.elapsed if self.elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "read": self.read,
            "stored": self.stored,
            "already_stored": self.already_stored,
            "duplicates": self.duplicates,
            "rejected": dict(self.rejected),
            "claims": dict(self.claims),
            "checks": dict(self.checks),
            "stories": self.stories,
            "clusters": self.clusters,
            "elapsed_s": round(self.elapsed, 3),
            "articles_per_s": round(self.articles_per_s, 1),
            "interrupted": self.interrupted,
            "zone_assumed": self.zone_assumed,
            "cross_copy": dict(self.cross_copy),
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
            "peak_rss_mib": self.peak_rss_mib,
            "zones": self.zones,
        }


Progress = Callable[[RunStats], None]


# --------------------------------------------------------------------------- worker side


@dataclass
class WorkerContext:
    """Everything a worker needs, built once per process."""

    settings: Settings
    extract: bool
    check: bool
    boilerplate: Any = None
    #: the run's MarketData (it pickles as the paths of its databases).
    market_data: Any = None
    #: source (publisher name and raw spellings) -> zone inferred for its zone-less times
    #: (the ``source_zones`` table of earlier runs; see :func:`stored_zones`).
    zones: dict[str, str] = field(default_factory=dict)
    _nlp: Any = None

    def nlp(self) -> Any:
        if self._nlp is None:
            from .nlp import build_pipeline

            self._nlp = build_pipeline(self.settings)
        return self._nlp

    def market(self) -> Any:
        return self.market_data


@dataclass(frozen=True)
class Processed:
    """A worker's result for one article."""

    article: CleanArticle
    signature: bytes
    claims: list[Claim]
    checks: list[Check]
    seconds: dict[str, float]
    #: the zone a zone-less time was read in (None: the time stated its zone), and whether inferred.
    zone: str | None = None
    zone_inferred: bool = False


def process_article(article: Article, ctx: WorkerContext) -> Processed | Rejection:
    """Clean, sign, extract and check one article (pure: no I/O).

    A stage that fails on one article does not stop the batch: the article becomes a
    ``processing_error`` rejection naming the stage and the error, and a later run
    (after a fix) processes it again.
    """
    try:
        return _process_article(article, ctx)
    except Exception as exc:
        log.exception("processing %s failed", article.source_id)
        return Rejection(
            source_id=article.source_id,
            reason=RejectReason.PROCESSING_ERROR,
            detail=f"{type(exc).__name__}: {exc}"[:500],
            origin=article.origin,
        )


def _process_article(article: Article, ctx: WorkerContext) -> Processed | Rejection:
    from .clean import clean_article
    from .dedup import signature, signature_to_bytes
    from .extract import extract_claims

    t0 = time.perf_counter()
    cleaned = clean_article(article, ctx.settings, ctx.boilerplate)
    t1 = time.perf_counter()
    if isinstance(cleaned, Rejection):
        return cleaned
    zone, zone_inferred = None, False
    if cleaned.time_zone_assumed and cleaned.published_at is not None:
        from .zones import retime, zone_for

        default = ctx.settings.ingest.default_timezone
        zone, zone_inferred = zone_for(cleaned.source, ctx.zones, default)
        if zone != default:
            cleaned = cleaned.model_copy(update={"published_at": retime(cleaned.published_at, default, zone)})
    sig = signature_to_bytes(signature(cleaned.text, ctx.settings.dedup))
    t2 = time.perf_counter()
    claims: list[Claim] = []
    checks: list[Check] = []
    if ctx.extract:
        claims = extract_claims(cleaned, ctx.nlp(), ctx.settings)
    t3 = time.perf_counter()
    if ctx.check and claims:
        from .check import check_claims

        checks = check_claims(claims, published_at=cleaned.published_at, market=ctx.market(), settings=ctx.settings)
    t4 = time.perf_counter()
    return Processed(cleaned, sig, claims, checks, {"clean": t1 - t0, "dedup_signature": t2 - t1, "extract": t3 - t2, "check": t4 - t3}, zone, zone_inferred)


_CTX: WorkerContext | None = None  # one per worker process, set by the pool initializer


def _init_worker(ctx: WorkerContext) -> None:
    global _CTX
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    _CTX = ctx


def _process_batch(batch: list[Article]) -> list[Processed | Rejection]:
    assert _CTX is not None
    return [process_article(a, _CTX) for a in batch]


# --------------------------------------------------------------------------- main side


@dataclass(frozen=True)
class Batch:
    """Records of one batch: the articles still to process, the rejections, and counts."""

    articles: list[Article]
    rejections: list[Rejection]
    read: int
    skipped: int


def _batches(records: Iterable[Article | Rejection], size: int) -> Iterator[list[Article | Rejection]]:
    batch: list[Article | Rejection] = []
    for rec in records:
        batch.append(rec)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _existing(db: sqlite_utils.Database, table: str, ids: Sequence[str], extra: str = "") -> set[str]:
    if not ids:
        return set()
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        rows = db.execute(f"SELECT id FROM [{table}] WHERE id IN ({marks}){extra}", chunk).fetchall()
        found.update(r[0] for r in rows)
    return found


def rejection_row(r: Rejection, run_id: str) -> dict[str, Any]:
    return {"id": r.id, "source_id": r.source_id, "reason": r.reason.value, "detail": r.detail, "origin": r.origin, "run_id": run_id}


def article_rejection_row(article: Article, r: Rejection, run_id: str) -> dict[str, Any]:
    """The ``rejections`` row of an article that processing rejected."""
    row = rejection_row(r, run_id)
    if r.reason != RejectReason.PROCESSING_ERROR:
        row["id"] = f"a:{article.id}"  # one rejection per article id: a re-run skips it
    return row


def article_row(
    c: CleanArticle, run_id: str, stage: Stage, zone: str | None = None, zone_inferred: bool = False
) -> dict[str, Any]:
    """The ``articles`` row of a processed article, alone in its cluster and story until dedup says otherwise.

    ``zone``: the zone a zone-less time was read in (None when the time stated its own),
    and ``zone_inferred`` whether it was inferred for its source (:mod:`newsclaims.zones`).
    """
    return {
        "id": c.id, "source_id": c.source_id, "title": c.title, "text": c.text,
        "published_at": iso_utc(c.published_at), "time_zone_assumed": int(c.time_zone_assumed),
        "time_zone": zone, "time_zone_inferred": int(zone_inferred),
        "url": c.url, "source": c.source, "source_raw": c.source, "cluster_id": c.id, "is_canonical": 1,
        "story_id": c.id, "chars": len(c.text), "origin": c.origin, "removed": to_json(c.removed), "run_id": run_id,
        "stage": stage,
    }


def signature_row(c: CleanArticle, signature: bytes, fingerprint: str) -> dict[str, Any]:
    """The ``signatures`` row of a processed article (``fingerprint``: its dedup config)."""
    return {"article_id": c.id, "config": fingerprint, "minhash": signature, "published_at": iso_utc(c.published_at), "chars": len(c.text)}


def claim_row(c: Claim) -> dict[str, Any]:
    return c.model_dump(mode="json")


def check_row(k: Check) -> dict[str, Any]:
    return {
        "id": k.id,
        "claim_id": k.claim.id,
        "article_id": k.claim.article_id,
        "check": k.check,
        "verdict": k.verdict,
        "severity": k.severity,
        "expected": k.expected,
        "observed": k.observed,
        "deviation": k.deviation,
        "tolerance": k.tolerance,
        "reason": k.reason,
        "evidence": to_json(k.evidence),
        "as_of": iso_utc(k.as_of),
        "confidence": k.confidence,
        "finding": k.finding,
    }


def claim_from_row(row: dict[str, Any]) -> Claim:
    fields = set(Claim.model_fields)
    return Claim.model_validate({k: v for k, v in row.items() if k in fields})


class Runner:
    """One batch run over a database. Use :func:`run_pipeline`."""

    def __init__(self, db_path: str | Path, settings: Settings, stage: Stage, *, market_path: str | None, workers: int, progress: Progress | None, stop: threading.Event | None, argv: Sequence[str]) -> None:
        self.db_path = str(db_path)
        self.settings = settings
        self.stage = stage
        self.market_path = market_path
        self.workers = workers
        self.progress = progress
        self.stop = stop or threading.Event()
        self.argv = list(argv)
        self.db = open_db(self.db_path)
        self.stats = RunStats()
        self.index: Any = None
        self.market: Any = None
        self.input: InputProgress | None = None
        self._reading: InputProgress | None = None
        self._records_total = 0
        self._t_start = self._phase_start = time.perf_counter()

    def _open_market(self) -> Any:
        """The bundled candles (shared cache) plus ``--market`` data (imported into this database)."""
        from .market import open_run_market

        return open_run_market(self.db, self.market_path, cache_dir=self.settings.market.cache_dir)

    # ---- setup
    def _start_run(self) -> None:
        from .models import content_id

        started = now_iso()
        self.stats.run_id = content_id(started, self.stage, " ".join(self.argv), str(time.time_ns()), length=12)
        with transaction(self.db):
            upsert(self.db, "runs", [{
                "id": self.stats.run_id,
                "command": self.stage,
                "started_at": started,
                "status": "running",
                "settings_fingerprint": self.settings.fingerprint(),
                "settings": self.settings.model_dump_json(),
                "dedup_fingerprint": _dedup_fingerprint(self.settings),
                "args": to_json(self.argv),
            }], pk="id")

    def _finish_run(self, failed: bool = False) -> None:
        """Record how the run ended: ``failed`` (an exception left it: what was committed
        stays, a re-run resumes), ``interrupted`` or ``done``."""
        with transaction(self.db):
            self.db["runs"].update(self.stats.run_id, {  # type: ignore[union-attr]
                "finished_at": now_iso(),
                "status": "failed" if failed else "interrupted" if self.stats.interrupted else "done",
                "summary": to_json(self.stats.as_dict()),
            })

    def _load_index(self) -> None:
        from .dedup import DedupIndex, config_fingerprint

        cfg = self.settings.dedup
        other = self.db.execute("SELECT COUNT(*) FROM signatures WHERE config != ?", [config_fingerprint(cfg)]).fetchone()[0]
        if other:
            from .errors import StorageError

            raise StorageError(
                f"the database holds {other} signatures made with other dedup settings; "
                "use the same [dedup] settings as before, or a new database"
            )
        self.index = DedupIndex.load(cfg, self.db["signatures"].rows)

    def _boilerplate(self, paths: Sequence[str]) -> Any:
        """Learn boilerplate from this input (articles not counted before), merged with the stored counts."""
        if not self.settings.clean.learn_boilerplate:
            return None
        from .clean import BoilerplateModel

        t = time.perf_counter()
        seen = {r[0] for r in self.db.execute("SELECT id FROM boilerplate_seen")} if "boilerplate_seen" in self.db.table_names() else set()
        new_ids: list[str] = []

        scan = InputProgress(total_bytes=input_bytes(paths, self.settings))
        self._phase("boilerplate", scan)
        count = 0

        def fresh() -> Iterator[Article]:
            nonlocal count
            for rec in iter_records(paths, self.settings, scan):
                count += 1
                if count % 500 == 0:
                    self._report()
                if isinstance(rec, Article) and rec.id not in seen:
                    seen.add(rec.id)
                    new_ids.append(rec.id)
                    yield rec

        learned = BoilerplateModel.learn(fresh(), self.settings)
        self._records_total = count  # the articles phase reports against the exact count
        self._report()  # the scan's 100%
        stored = BoilerplateModel.from_counts(
            ((r[0], r[1], r[2]) for r in self.db.execute("SELECT source, hash, articles FROM boilerplate")), self.settings
        )
        model = stored.merge(learned)
        if new_ids:
            with transaction(self.db):
                self.db.execute("DELETE FROM boilerplate")
                upsert(self.db, "boilerplate", ({"source": s, "hash": h, "articles": n} for s, h, n in model.counts()), pk=("source", "hash"))
                upsert(self.db, "boilerplate_seen", ({"id": i} for i in new_ids), pk="id")
        self.stats.stage_seconds["boilerplate"] += time.perf_counter() - t
        return model

    # ---- main loop
    def run(self, paths: Sequence[str]) -> RunStats:
        t_start = self._t_start = time.perf_counter()
        self._start_run()
        check = self.stage == "run"  # ingest extracts claims too; run also checks them
        if check:
            t = time.perf_counter()
            self._phase("market", None)
            self.market = self._open_market()
            self.stats.stage_seconds["market_import"] += time.perf_counter() - t
        self.stats.mark_memory("start")
        boilerplate = self._boilerplate(paths)
        self.stats.mark_memory("boilerplate")
        t = time.perf_counter()
        self._load_index()
        self.stats.stage_seconds["dedup_load"] += time.perf_counter() - t
        self.stats.mark_memory("dedup_load")
        # zone-less times of sources with a zone inferred by an earlier run are read in it
        zones = stored_zones(self.db) if self.settings.ingest.infer_zones else {}
        ctx = WorkerContext(self.settings, extract=True, check=check, boilerplate=boilerplate, market_data=self.market, zones=zones)
        self.input = InputProgress(total_bytes=input_bytes(paths, self.settings))
        self._phase("articles", self.input)
        batches = self._todo(_batches(iter_records(paths, self.settings, self.input), self.settings.run.batch_size))
        early: StoryEmbedding | None = None
        try:
            if self.workers <= 1:
                _init_ctx_inline(ctx)
                for b in batches:
                    self._store(b, [process_article(a, ctx) for a in b.articles])
                    if self._tick(t_start):
                        break
            else:
                self._run_pool(ctx, batches, t_start)
            self.stats.mark_memory("batches")
            self._publishers()
            if check and not self.stats.interrupted:
                # the embeddings do not depend on publication times: they start in the
                # story workers while this process infers the zones
                t = time.perf_counter()
                early = self._start_story_embedding()
                self.stats.stage_seconds["stories"] += time.perf_counter() - t
            if check and not self.stats.interrupted and self.settings.ingest.infer_zones:
                t = time.perf_counter()
                self._phase("zones", None)
                self.stats.zones = infer_publication_zones(self.db, self.settings, self.market)
                self.stats.stage_seconds["zones"] += time.perf_counter() - t
            if check and not self.stats.interrupted:
                t = time.perf_counter()
                self._phase("stories", None)
                self._stories(early)
                self.stats.stage_seconds["stories"] += time.perf_counter() - t
                self.stats.mark_memory("stories")
        except BaseException:
            failed = True
            raise
        else:
            failed = False
        finally:
            if early is not None:
                early.close()
            self.stats.elapsed = time.perf_counter() - t_start
            self.stats.clusters = self.db.execute("SELECT COUNT(*) FROM clusters").fetchone()[0]
            self._finish_run(failed)
        return self.stats

    def _run_pool(self, ctx: WorkerContext, batches: Iterator[Batch], t_start: float) -> None:
        inflight: deque[tuple[Batch, Future[list[Processed | Rejection]]]] = deque()
        with ProcessPoolExecutor(max_workers=self.workers, initializer=_init_worker, initargs=(ctx,)) as pool:
            exhausted = False
            while True:
                while not exhausted and not self.stop.is_set() and len(inflight) < self.workers * INFLIGHT_PER_WORKER:
                    nxt = next(batches, None)
                    if nxt is None:
                        exhausted = True
                        break
                    inflight.append((nxt, pool.submit(_process_batch, nxt.articles)))
                if not inflight:
                    break
                b, fut = inflight.popleft()
                self._store(b, fut.result())
                if self._tick(t_start):
                    for _, f in inflight:
                        f.cancel()
                    # batches already running finish and are stored: nothing is half-done;
                    # cancelled ones are not counted (a re-run reads them)
                    while inflight:
                        b, fut = inflight.popleft()
                        if not fut.cancelled():
                            self._store(b, fut.result())
                    break

    def _phase(self, name: str, reading: InputProgress | None) -> None:
        """Start a phase of the run (reported to the progress callback)."""
        self._reading = reading
        self._phase_start = time.perf_counter()
        self.stats.phase = name
        self._report()

    def _report(self) -> None:
        self.stats.phase_elapsed = time.perf_counter() - self._phase_start
        self.stats.elapsed = time.perf_counter() - self._t_start
        if self.stats.phase == "articles" and self._records_total:
            # records stored out of those the boilerplate scan counted: exact, where the
            # bytes read run ahead of the batches still in the workers
            self.stats.fraction = min(1.0, self.stats.read / self._records_total)
        else:
            self.stats.fraction = self._reading.fraction() if self._reading is not None else None
        if self.progress is not None:
            self.progress(self.stats)

    def _tick(self, t_start: float) -> bool:
        self._report()
        if self.stop.is_set():
            self.stats.interrupted = True
            return True
        return False

    def _todo(self, batches: Iterator[list[Article | Rejection]]) -> Iterator[Batch]:
        """Split batches into articles still to process and rejections; skip what is stored."""
        need = "run" if self.stage == "run" else None
        for batch in batches:
            arts = [r for r in batch if isinstance(r, Article)]
            rejs = [r for r in batch if isinstance(r, Rejection)]
            done = _existing(self.db, "articles", [a.id for a in arts], " AND stage = 'run'" if need else "")
            rejected_before = _existing(self.db, "rejections", [f"a:{a.id}" for a in arts])
            todo = [a for a in arts if a.id not in done and f"a:{a.id}" not in rejected_before]
            yield Batch(todo, rejs, read=len(batch), skipped=len(arts) - len(todo))

    def _store(self, batch: Batch, results: list[Processed | Rejection]) -> None:
        t = time.perf_counter()
        arts, rejs = batch.articles, batch.rejections
        self.stats.read += batch.read
        self.stats.already_stored += batch.skipped
        rej_rows = [rejection_row(r, self.stats.run_id) for r in rejs]
        art_rows: list[dict[str, Any]] = []
        sig_rows: list[dict[str, Any]] = []
        claim_rows: list[dict[str, Any]] = []
        check_rows: list[dict[str, Any]] = []
        processed_ids: list[str] = []
        from .dedup import config_fingerprint, signature_from_bytes

        fingerprint = config_fingerprint(self.settings.dedup)
        for art, res in zip(arts, results, strict=True):
            if isinstance(res, Rejection):
                rej_rows.append(article_rejection_row(art, res, self.stats.run_id))
                continue
            for k, v in res.seconds.items():
                self.stats.stage_seconds[k] += v
            c = res.article
            processed_ids.append(c.id)
            if c.id not in self.index:
                dups = self.index.add(c.id, signature_from_bytes(res.signature, self.settings.dedup), c.published_at, len(c.text))
                if dups:
                    self.stats.duplicates += 1
            art_rows.append(article_row(c, self.stats.run_id, self.stage, res.zone, res.zone_inferred))
            sig_rows.append(signature_row(c, res.signature, fingerprint))
            claim_rows.extend(claim_row(x) for x in res.claims)
            check_rows.extend(check_row(k) for k in res.checks)
            self.stats.zone_assumed += int(c.time_zone_assumed)
            self.stats.claims.update(x.type for x in res.claims)
            self.stats.checks.update(k.verdict for k in res.checks)
        self.stats.rejected.update(r["reason"] for r in rej_rows)
        self.stats.stored += len(art_rows)
        cluster_rows, member_rows, merged_away = self._cluster_rows()
        with transaction(self.db):
            upsert(self.db, "rejections", rej_rows, pk="id")
            upsert(self.db, "articles", art_rows, pk="id")
            upsert(self.db, "signatures", sig_rows, pk="article_id")
            # an article that failed in an earlier run and now went through: drop that record
            done_now = set(processed_ids)
            stale = [Rejection(source_id=a.source_id, reason=RejectReason.PROCESSING_ERROR, detail="", origin=a.origin).id for a in arts if a.id in done_now]
            self.db.conn.executemany("DELETE FROM rejections WHERE id = ?", [(rid,) for rid in stale])
            if processed_ids:
                self._delete_for(processed_ids, keep_check="cross_copy")
            upsert(self.db, "claims", claim_rows, pk="id")
            upsert(self.db, "checks", check_rows, pk="id")
            self.db.conn.executemany("DELETE FROM clusters WHERE id = ?", [(cid,) for cid in merged_away])
            upsert(self.db, "clusters", cluster_rows, pk="id")
            self.db.conn.executemany(
                "UPDATE articles SET cluster_id = ?, is_canonical = ? WHERE id = ?",
                [(row["cluster_id"], row["is_canonical"], row["id"]) for row in member_rows],
            )
        self.stats.stage_seconds["store"] += time.perf_counter() - t

    def _delete_for(self, article_ids: list[str], keep_check: str) -> None:
        """Delete the claims and checks of these articles, except checks named ``keep_check``."""
        for i in range(0, len(article_ids), 500):
            chunk = article_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            self.db.execute(f"DELETE FROM claims WHERE article_id IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM checks WHERE article_id IN ({marks}) AND [check] != ?", [*chunk, keep_check])

    def _cluster_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
        """Rows for the clusters this batch changed, their members, and clusters merged away."""
        changes = self.index.take_changes()
        clusters: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        for c in changes.updated:
            clusters.append({"id": c.id, "canonical_id": c.canonical_id, "size": c.size, "max_jaccard": c.max_jaccard})
            members.extend({"id": a, "cluster_id": c.id, "is_canonical": int(a == c.canonical_id)} for a in c.members)
        return clusters, members, list(changes.removed)

    def _publishers(self) -> None:
        """One name per publisher over the whole database (the raw spelling stays in source_raw)."""
        from .clean.publishers import publisher_names, site_of_names

        counts = dict(self.db.execute("SELECT source_raw, COUNT(*) FROM articles WHERE source_raw IS NOT NULL GROUP BY source_raw").fetchall())
        sites = site_of_names(self.db.execute("SELECT source_raw, url FROM articles WHERE source_raw IS NOT NULL"))
        names = publisher_names(counts, sites)
        with transaction(self.db):
            self.db.conn.executemany(
                "UPDATE articles SET source = ? WHERE source_raw = ? AND source IS NOT ?",
                [(name, raw, name) for raw, name in names.items()],
            )

    # ---- stories and the cross-copy check
    def _stories(self, early: StoryEmbedding | None = None) -> None:
        """Group the whole database into stories and run the cross-copy check
        (``early``: the embeddings :meth:`_start_story_embedding` started).

        Memory stays proportional to the number of articles, not claims: the story
        grouping gets each article's claim fingerprints streamed from SQL, and full
        claims are loaded only for the stories with more than one article.
        """
        from .check import check_cross_copy
        from .story import open_story_encoder

        info = {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT id, cluster_id, published_at FROM articles")}
        published = {aid: (datetime.fromisoformat(pub) if pub else None) for aid, (_c, pub) in info.items()}
        encoder = early.encoder if early is not None else open_story_encoder(self.settings)
        if encoder is None:
            story_of = self._stories_by_fingerprints(info, published)
        else:
            story_of = self._stories_by_events(encoder, info, published, early)
        members = story_members(story_of)
        market = self.market or self._open_market()
        cluster_of = {a: c for a, (c, _p) in info.items()}
        conflicts: dict[str, set[str]] = {}
        with transaction(self.db):
            self.db.execute("DELETE FROM checks WHERE [check] = 'cross_copy'")
            pending: list[dict[str, Any]] = []
            for sid, aids in members.items():
                if len(aids) < 2:
                    continue
                marks = ",".join("?" * len(aids))
                story_claims: dict[str, list[Claim]] = {a: [] for a in aids}
                for row in self.db.query(f"SELECT * FROM claims WHERE article_id IN ({marks}) ORDER BY article_id, start", aids):
                    story_claims[row["article_id"]].append(claim_from_row(row))
                for k in check_cross_copy(story_claims, published={a: published[a] for a in aids}, market=market, settings=self.settings):
                    self.stats.checks[k.verdict] += 1
                    self.stats.cross_copy[k.verdict] += 1
                    if k.verdict == "inconsistent":
                        conflicts.setdefault(sid, set()).add(str(k.evidence.get("key", "")))
                    pending.append(check_row(k))
                if len(pending) >= STORY_FLUSH_ROWS:  # written as they come: memory stays flat
                    upsert(self.db, "checks", pending, pk="id")
                    pending = []
            upsert(self.db, "checks", pending, pk="id")
            story_rows_ = story_table(story_of, cluster_of, published, conflicts)
            self.db.execute("DELETE FROM stories")
            upsert(self.db, "stories", story_rows_, pk="id")
            self.db.conn.executemany("UPDATE articles SET story_id = ? WHERE id = ?", [(sid, aid) for aid, sid in story_of.items()])
        self.stats.stories = len(members)

    def _story_inputs(self, info: dict[str, tuple[str, str]], published: dict[str, datetime | None]) -> list[Any]:
        """Each article's claim fingerprints, streamed from SQL (not whole claims)."""
        from .check import StoryInput
        from .check.stories import claim_fingerprint

        prints: dict[str, set[str]] = {}
        for aid, type_, asset, value in self.db.execute("SELECT article_id, type, asset, value FROM claims"):
            prints.setdefault(aid, set()).add(claim_fingerprint(type_, asset, value))
        source = dict(self.db.execute("SELECT id, source FROM articles").fetchall())
        return [
            StoryInput(article_id=aid, cluster_id=cid or aid, published_at=published[aid], source=source.get(aid),
                       fingerprints=frozenset(prints.get(aid, ())))
            for aid, (cid, _p) in sorted(info.items())
        ]

    def _stories_by_fingerprints(self, info: dict[str, tuple[str, str]], published: dict[str, datetime | None]) -> dict[str, str]:
        """The grouping without an encoder: near-duplicate clusters joined with rewrites
        that share most of their claim fingerprints (never one outlet's posts of two days)."""
        from .check import group_stories

        return group_stories(self._story_inputs(info, published), self.settings)

    def _start_story_embedding(self) -> StoryEmbedding | None:
        """Start embedding the articles that have no stored vector in :attr:`workers`
        spawned processes (one encoder session each, one intra-op thread: ~15% faster on
        2 cores than one process with two), or None: no encoder, one worker, or fewer
        than :data:`STORY_POOL_MIN` articles (the step then runs in this process)."""
        from .story import open_story_encoder
        from .story.batch import STORY_HEAD_CHARS

        if self.workers <= 1:
            return None
        n = self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        if n < STORY_POOL_MIN:
            return None
        encoder = open_story_encoder(self.settings)
        if encoder is None:
            return None
        done = {r[0] for r in self.db.execute("SELECT article_id FROM story_embeddings WHERE encoder = ?", [encoder.fingerprint])}
        todo = [
            (aid, title, head)
            for aid, title, head in self.db.execute(f"SELECT id, title, substr(text, 1, {STORY_HEAD_CHARS}) FROM articles ORDER BY id")
            if aid not in done
        ]
        threads = max(1, self.settings.check.story_threads // self.workers)
        return StoryEmbedding(encoder, todo, self.workers, threads)

    def _stories_by_events(self, encoder: Any, info: dict[str, tuple[str, str]], published: dict[str, datetime | None],
                           early: StoryEmbedding | None = None) -> dict[str, str]:
        """The grouping by events: title-and-lead embeddings (stored per encoder, so a
        re-run embeds only new articles), dates, names and figures (``newsclaims.story``).
        The Ray job takes the same steps (:mod:`newsclaims.story.batch`); the embeddings
        are those of the same chunks whether made here or by ``early``'s workers."""
        import numpy as np

        from .story.batch import (
            STORY_HEAD_CHARS,
            StoryRow,
            embed_chunks,
            group_by_events,
            stored_doc,
        )

        t = time.perf_counter()
        # the title and the start of the text are all the grouping reads
        rows: list[StoryRow] = self.db.execute(
            f"SELECT id, title, substr(text, 1, {STORY_HEAD_CHARS}), published_at, source, cluster_id FROM articles ORDER BY id"
        ).fetchall()
        stored: dict[str, bytes] = dict(
            self.db.execute("SELECT article_id, vector FROM story_embeddings WHERE encoder = ?", [encoder.fingerprint]).fetchall()
        )
        vectors: dict[str, np.ndarray] = {aid: np.frombuffer(v, dtype=np.float32) for aid, v in stored.items()}
        del stored

        def keep(ids: Sequence[str], emb: np.ndarray) -> None:
            out = [{"article_id": aid, "encoder": encoder.fingerprint, "vector": emb[r].tobytes()} for r, aid in enumerate(ids)]
            with transaction(self.db):
                upsert(self.db, "story_embeddings", out, pk="article_id")
            for r, aid in enumerate(ids):
                vectors[aid] = emb[r]

        if early is not None:
            docs = early.finish(rows, keep)  # features made by the workers too: within story_embed
        else:
            docs = [stored_doc(*r) for r in rows]
            self.stats.stage_seconds["story_features"] += time.perf_counter() - t
            t = time.perf_counter()
            todo = [i for i, d in enumerate(docs) if d.id not in vectors]
            for part in embed_chunks(len(todo)):
                chunk = [docs[todo[k]] for k in part]
                keep([d.id for d in chunk], encoder.embed([d.features.text for d in chunk]))
        self.stats.stage_seconds["story_embed"] += time.perf_counter() - t
        t = time.perf_counter()
        missing = [d.id for d in docs if d.id not in vectors]
        if missing:  # an article the early embedding did not see: cannot happen within one run
            raise RuntimeError(f"stories: {len(missing)} articles without an embedding, e.g. {missing[0]}")
        matrix = np.stack([vectors[d.id] for d in docs]) if docs else np.zeros((0, 1), dtype=np.float32)
        vectors.clear()
        story_of = group_by_events(docs, matrix, self._story_inputs(info, published), self.settings)
        self.stats.stage_seconds["story_group"] += time.perf_counter() - t
        return story_of


class StoryEmbedding:
    """The story step's worker processes: embeddings of whole chunks (the chunks of the
    one-process path, :func:`newsclaims.story.batch.embed_chunks` over the articles
    without a stored vector, in id order, so the vectors are the same), started before
    the publication zones are inferred, then the documents' features once the times are
    final. Spawned, not forked: the main process holds an ONNX Runtime session."""

    def __init__(self, encoder: Any, todo: Sequence[tuple[str, str | None, str | None]], workers: int, threads: int) -> None:
        import multiprocessing

        from .story.batch import embed_block, embed_chunks, init_story_worker, stored_text

        self.encoder = encoder
        self.pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=init_story_worker,
            initargs=(str(encoder.dir), threads, encoder.max_tokens, encoder.batch_size),
        )
        self.chunks: list[tuple[list[str], Future[Any]]] = []
        for part in embed_chunks(len(todo)):
            items = [todo[k] for k in part]
            texts = [stored_text(title, head) for _aid, title, head in items]
            self.chunks.append(([aid for aid, _t, _h in items], self.pool.submit(embed_block, texts)))

    def finish(self, rows: Sequence[Any], keep: Callable[[Sequence[str], Any], None]) -> list[Any]:
        """The documents of ``rows`` (features in the workers, after the embeddings
        queued before them); each chunk's vectors go to ``keep`` as they come back."""
        from .story.batch import story_block

        blocks = [list(rows[b : b + STORY_FEATURE_BLOCK]) for b in range(0, len(rows), STORY_FEATURE_BLOCK)]
        futures = [self.pool.submit(story_block, block) for block in blocks]
        for ids, fut in self.chunks:
            keep(ids, fut.result())
        docs: list[Any] = []
        for fut in futures:
            docs.extend(fut.result())
        return docs

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def story_table(
    story_of: dict[str, str],
    cluster_of: dict[str, str],
    published: dict[str, datetime | None],
    conflicts: dict[str, set[str]],
) -> list[dict[str, Any]]:
    """The ``stories`` rows: ``conflicts`` holds each story's inconsistent cross-copy keys."""
    from .check import story_rows

    members = story_members(story_of)
    rows = story_rows(story_of, cluster_of)
    for row in rows:
        row["conflicts"] = len(conflicts.get(row["id"], ()))
        # the story's canonical copy: the earliest published
        row["canonical_id"] = min(members[row["id"]], key=lambda a: (published[a] is None, published[a] or datetime.max.replace(tzinfo=UTC), a))
    return rows


def story_members(story_of: dict[str, str]) -> dict[str, list[str]]:
    """Invert ``article id -> story id`` into ``story id -> member article ids``."""
    members: dict[str, list[str]] = {}
    for aid, sid in story_of.items():
        members.setdefault(sid, []).append(aid)
    return members


def _dedup_fingerprint(settings: Settings) -> str:
    from .dedup import config_fingerprint

    return config_fingerprint(settings.dedup)


def _init_ctx_inline(ctx: WorkerContext) -> None:
    global _CTX
    _CTX = ctx


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def run_pipeline(
    paths: Sequence[str],
    db_path: str | Path,
    settings: Settings,
    *,
    stage: Stage = "run",
    market_path: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    argv: Sequence[str] = (),
) -> RunStats:
    """Run the batch job over ``paths`` into the database at ``db_path``.

    ``stage="ingest"`` reads, cleans, deduplicates and extracts claims;
    ``stage="run"`` also checks the claims and groups stories.

    Example:
        >>> stats = run_pipeline(["corpus/seeds"], "nc.db", load_settings())  # doctest: +SKIP
        >>> stats.stored  # doctest: +SKIP
        4

    Raises:
        InputError: a named path does not exist.
        StorageError: the database cannot be opened, or holds signatures of other dedup settings.
    """
    n = workers or settings.run.workers or default_workers()  # 0 means "number of cores", as in the settings
    runner = Runner(db_path, settings, stage, market_path=market_path, workers=n, progress=progress, stop=stop, argv=argv)
    return runner.run(list(paths))


# --------------------------------------------------------------------------- publication zones


def stored_zones(db: sqlite_utils.Database) -> dict[str, str]:
    """Source -> zone inferred for its zone-less times, from the ``source_zones`` table.

    Zones are kept per publisher name (``articles.source``); the workers see the raw
    spelling of an input, so every raw spelling stored for a publisher maps to its zone too.
    """
    if "source_zones" not in db.table_names():
        return {}
    zones = {str(r[0]): str(r[1]) for r in db.execute("SELECT source, zone FROM source_zones WHERE inferred = 1")}
    if zones:
        for raw, name in db.execute("SELECT DISTINCT source_raw, source FROM articles WHERE source_raw IS NOT NULL"):
            if name in zones:
                zones.setdefault(str(raw), zones[name])
    return zones


def zone_samples(db: sqlite_utils.Database, default_zone: str) -> Iterator[Any]:
    """Current-price samples of every zone-less article in ``db``, with the clock time it wrote."""
    from .zones import local_time, price_samples

    rows = db.query(
        "SELECT c.*, a.source AS a_source, a.published_at AS a_published, a.time_zone AS a_zone "
        "FROM claims c JOIN articles a ON a.id = c.article_id "
        "WHERE a.time_zone_assumed = 1 AND a.source IS NOT NULL AND a.published_at IS NOT NULL "
        "AND c.type = 'price' ORDER BY c.article_id, c.start"
    )
    for row in rows:
        local = local_time(datetime.fromisoformat(row["a_published"]), row["a_zone"] or default_zone)
        yield from price_samples(row["a_source"], local, [claim_from_row(row)])


#: articles re-checked per transaction by the zone pass.
ZONE_RECHECK_BATCH = 200


def recheck_article(claims: Sequence[Claim], published_at: datetime, market: Any, settings: Settings) -> list[Check]:
    """The checks of one article's claims (all but ``cross_copy``) at a new publication time."""
    from .check import check_claims

    return check_claims(list(claims), published_at=published_at, market=market, settings=settings) if claims else []


def infer_publication_zones(db: sqlite_utils.Database, settings: Settings, market: Any) -> dict[str, Any]:
    """Infer each source's zone, store it, and re-time and re-check the articles it changes.

    Idempotent and incremental: the zones are inferred from every zone-less article in
    the database (``source_zones`` is rewritten), and only the articles whose stored
    zone differs from their source's zone are re-timed (``published_at``,
    ``time_zone``, ``time_zone_inferred``) and their market checks redone against
    ``market`` (the run's market data); a re-run over an unchanged database changes
    nothing. Articles of a later run are read in the stored zones as they come in.
    The Ray engine makes the same step over its dataset (``newsclaims.distributed.job``).

    Returns:
        Figures for the run summary.
    """
    from .zones import infer_zones, retimes, zone_rows, zone_summary

    default = settings.ingest.default_timezone
    decided = infer_zones(zone_samples(db, default), market, default)
    zones = {src: z.zone for src, z in decided.items() if z.inferred}
    todo = retimes(
        (
            (aid, source, datetime.fromisoformat(published), have, bool(inferred))
            for aid, source, published, have, inferred in db.execute(
                "SELECT id, source, published_at, time_zone, time_zone_inferred FROM articles "
                "WHERE time_zone_assumed = 1 AND published_at IS NOT NULL"
            )
        ),
        zones,
        default,
    )
    with transaction(db):
        db.execute("DELETE FROM source_zones")
        upsert(db, "source_zones", zone_rows(decided, default), pk="source")
    rechecked = 0
    for i in range(0, len(todo), ZONE_RECHECK_BATCH):
        chunk = todo[i : i + ZONE_RECHECK_BATCH]
        ids = [r.article_id for r in chunk]
        marks = ",".join("?" * len(chunk))
        claims: dict[str, list[Claim]] = {}
        for row in db.query(f"SELECT * FROM claims WHERE article_id IN ({marks}) ORDER BY article_id, start", ids):
            claims.setdefault(row["article_id"], []).append(claim_from_row(row))
        rows = [check_row(k) for r in chunk for k in recheck_article(claims.get(r.article_id, []), r.published_at, market, settings)]
        with transaction(db):
            db.conn.executemany(
                "UPDATE articles SET published_at = ?, time_zone = ?, time_zone_inferred = ? WHERE id = ?",
                [(iso_utc(r.published_at), r.zone, int(r.inferred), r.article_id) for r in chunk],
            )
            db.conn.executemany("UPDATE signatures SET published_at = ? WHERE article_id = ?", [(iso_utc(r.published_at), r.article_id) for r in chunk])
            db.execute(f"DELETE FROM checks WHERE article_id IN ({marks}) AND [check] != 'cross_copy'", ids)
            upsert(db, "checks", rows, pk="id")
        rechecked += len(rows)
    recanonicalize(db, [r.article_id for r in todo])
    zoneless = db.execute("SELECT COUNT(*) FROM articles WHERE time_zone_assumed = 1").fetchone()[0]
    return zone_summary(decided, zoneless, len(todo), rechecked, default)


def recanonicalize(db: sqlite_utils.Database, article_ids: Sequence[str]) -> int:
    """Pick again the canonical copy of the near-duplicate clusters that hold these
    (re-timed) articles: the earliest published may have changed. Returns how many
    clusters changed canonical."""
    from .dedup import canonical_member

    changed = 0
    for i in range(0, len(article_ids), 500):
        chunk = list(article_ids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        cids = [r[0] for r in db.execute(
            f"SELECT DISTINCT a.cluster_id FROM articles a JOIN clusters c ON c.id = a.cluster_id "
            f"WHERE a.id IN ({marks}) AND c.size > 1", chunk)]
        for cid in cids:
            members = db.execute("SELECT id, published_at, chars FROM articles WHERE cluster_id = ?", [cid]).fetchall()
            best = canonical_member([(a, p, int(n or 0)) for a, p, n in members])
            if db.execute("SELECT canonical_id FROM clusters WHERE id = ?", [cid]).fetchone()[0] == best:
                continue
            changed += 1
            with transaction(db):
                db.execute("UPDATE clusters SET canonical_id = ? WHERE id = ?", [best, cid])
                db.execute("UPDATE articles SET is_canonical = (id = ?) WHERE cluster_id = ?", [best, cid])
    return changed


# --------------------------------------------------------------------------- without a database


def learn_boilerplate(paths: Sequence[str], settings: Settings) -> Any:
    """Boilerplate learned from the input itself (one extra streaming pass), or None."""
    if not settings.clean.learn_boilerplate:
        return None
    from .clean import BoilerplateModel

    return BoilerplateModel.learn((r for r in iter_records(paths, settings) if isinstance(r, Article)), settings)


@dataclass
class ArticleResult:
    """One input record after extraction (and checking, for factcheck)."""

    article: CleanArticle | None
    rejection: Rejection | None = None
    claims: list[Claim] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    #: the zone a zone-less time was read in (None: it stated its zone), and whether inferred.
    zone: str | None = None
    zone_inferred: bool = False


def extract_paths(paths: Sequence[str], settings: Settings, *, published_at: datetime | None = None) -> Iterator[ArticleResult]:
    """Read, clean and extract every record of ``paths`` (streaming, no database).

    ``published_at`` overrides the records' own times (for a single article).
    """
    from .clean import clean_article
    from .extract import extract_claims
    from .nlp import build_pipeline

    boilerplate = learn_boilerplate(paths, settings)
    nlp = build_pipeline(settings)
    for rec in iter_records(paths, settings):
        if isinstance(rec, Rejection):
            yield ArticleResult(None, rec)
            continue
        if published_at is not None:
            rec = rec.model_copy(update={"published_at": published_at, "time_zone_assumed": False})
        cleaned = clean_article(rec, settings, boilerplate)
        if isinstance(cleaned, Rejection):
            yield ArticleResult(None, cleaned)
            continue
        yield ArticleResult(cleaned, None, extract_claims(cleaned, nlp, settings))


def factcheck_paths(
    paths: Sequence[str],
    settings: Settings,
    *,
    published_at: datetime | None = None,
    market_path: str | None = None,
    market_cache: str | None = None,
    market: Any = None,
) -> list[ArticleResult]:
    """Extract and check every article of ``paths``; copies of one story are compared.

    Market data is ``market``, else the bundled candles plus ``market_path``
    (:func:`newsclaims.market.open_run_market`, imported into the cache on first use).
    """
    from .check import StoryInput, check_claims, check_cross_copy, group_stories
    from .dedup import DedupIndex, signature
    from .market import open_run_market
    from .story import open_story_encoder

    if market is None:
        market = open_run_market(None, market_path, cache_dir=market_cache)
    results = list(extract_paths(paths, settings, published_at=published_at))
    _zone_results(results, market, settings)
    index = DedupIndex(settings.dedup)
    for r in results:
        if r.article is not None:
            r.checks = check_claims(r.claims, published_at=r.article.published_at, market=market, settings=settings)
            index.add(r.article.id, signature(r.article.text, settings.dedup), r.article.published_at, len(r.article.text))
    done = [r for r in results if r.article is not None]
    if len(done) > 1:
        by_id = {r.article.id: r for r in done if r.article is not None}
        published = {a.id: a.published_at for r in done if (a := r.article) is not None}
        inputs = [StoryInput(article_id=a.id, cluster_id=index.cluster_of(a.id), published_at=a.published_at, source=a.source, claims=r.claims) for r in done if (a := r.article) is not None]
        encoder = open_story_encoder(settings)
        if encoder is not None:
            from .story import doc_of_article
            from .story.batch import group_by_events

            docs = sorted((doc_of_article(a, index.cluster_of(a.id)) for r in done if (a := r.article) is not None), key=lambda d: d.id)
            story_of = group_by_events(docs, encoder.embed([d.features.text for d in docs]), inputs, settings)
        else:
            story_of = group_stories(inputs, settings)
        for aids in story_members(story_of).values():
            if len(aids) > 1:
                cross = check_cross_copy(
                    {a: by_id[a].claims for a in aids},
                    published={a: published[a] for a in aids},
                    market=market,
                    settings=settings,
                )
                for k in cross:
                    by_id[k.claim.article_id].checks.append(k)
    return results


def _zone_results(results: list[ArticleResult], market: Any, settings: Settings) -> None:
    """Read the zone-less times of ``results`` in their sources' zones, inferred from these articles."""
    from .clean.publishers import publisher_names, site_of_names
    from .zones import infer_zones, local_time, price_samples, retime, zone_for

    default = settings.ingest.default_timezone
    zoneless = [r for r in results if r.article is not None and r.article.time_zone_assumed and r.article.published_at is not None]
    # one zone per publisher, as the batch job keeps them (its spellings are one source)
    arts = [(a.source, a.url) for r in zoneless if (a := r.article) is not None and a.source]
    names = publisher_names(Counter(src for src, _url in arts), site_of_names(arts))
    zones: dict[str, str] = {}
    if settings.ingest.infer_zones:
        samples = [
            s
            for r in zoneless
            if (a := r.article) is not None and a.source and a.published_at is not None
            for s in price_samples(names.get(a.source, a.source), local_time(a.published_at, default), r.claims)
        ]
        zones = {src: z.zone for src, z in infer_zones(samples, market, default).items() if z.inferred}
    for r in zoneless:
        assert r.article is not None and r.article.published_at is not None
        source = r.article.source
        r.zone, r.zone_inferred = zone_for(names.get(source, source) if source else None, zones, default)
        if r.zone != default:
            r.article = r.article.model_copy(update={"published_at": retime(r.article.published_at, default, r.zone)})
