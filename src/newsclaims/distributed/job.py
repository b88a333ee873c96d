"""The batch job on Ray Data: the local pipeline's stages as datasets, shuffles and actor pools.

Steps (each ``[stage_seconds]`` key of the summary):

1. ``plan``: the inputs become shards (files, line ranges of dumps); see :mod:`.shards`.
2. ``boilerplate``: each shard counts its sentences per source (tasks), the counts are
   summed by a hash aggregation over ``(source, hash)``, and the frequent ones are the
   learned boilerplate every actor gets (what the local run learns in its first pass).
3. ``process``: ``map_batches`` over a pool of :class:`ShardProcessor` actors, one shard
   per batch. Each actor builds the spaCy pipeline and opens the market data once, runs
   :func:`newsclaims.pipeline.process_article` (cleaning, signature, extraction, market
   checks) on every article and writes the shard's rows to ``_work/shards/<shard>``
   atomically. A shard already written is skipped by a later run: that is the resumption.
4. ``duplicate_ids``: an article id read in two shards is kept from the first shard only
   (a hash aggregation over ids).
5. ``dedup``: LSH band keys shuffled by a hash aggregation (buckets of two or more
   articles), candidate pairs verified per bucket, connected components by alternating
   large-star and small-star steps, each a shuffle by node (:mod:`.graph`).
6. ``zones``: each source's publication zone inferred from the current-price claims of
   its zone-less articles (a map over the claims gives the samples, the driver decides,
   as the local run does in :func:`newsclaims.pipeline.infer_publication_zones`); the
   articles it re-times get their market checks redone (a ``map_groups`` per article).
7. ``stories``: the story grouping over every article (at the re-timed times), as the
   local run groups (:mod:`newsclaims.story.batch`): the title-and-lead embeddings by a
   pool of :class:`StoryEmbedder` actors in the local run's chunks, the grouping on the
   driver; then the ``cross_copy`` check per story (a ``map_groups`` over the claims of
   multi-article stories).
8. ``write``: one Parquet dataset per table, partitioned by month, written to a new
   folder and moved into place; ``manifest.json`` last.

Faults: Ray retries a task whose worker dies, and Ray Data restarts a dead actor of a
pool and retries its batch (its defaults: ``max_restarts=-1``, ``max_task_retries=-1``);
a shard is written whole or not at all, and written again whole by a retry, so no row
is lost or doubled.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import StorageError
from ..models import Article, Claim, Rejection
from ..pipeline import (
    RunStats,
    WorkerContext,
    article_rejection_row,
    article_row,
    check_row,
    claim_from_row,
    claim_row,
    process_article,
    recheck_article,
    rejection_row,
    story_members,
    story_table,
)
from ..settings import Settings
from ..storage import now_iso, to_json
from . import graph
from .shards import Shard, ShardPlan, plan_shards, read_shard
from .tables import (
    MANIFEST,
    MONTH,
    NO_MONTH,
    SCHEMAS,
    TABLES,
    WORK,
    done_shards,
    month_of,
    shard_files,
    to_arrow,
    work_schema,
    write_shard,
)

log = logging.getLogger(__name__)

#: object store of a local cluster started for a run, when RAY_OBJECT_STORE_MB is unset.
LOCAL_OBJECT_STORE_MB = 512

#: CPUs reserved by the cross-copy actor: a fraction, so that it never waits for the
#: shuffle that feeds it (a whole CPU each could take every CPU of a small cluster).
CROSS_COPY_CPUS = 0.25

Progress = Callable[[RunStats], None]


def _ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:  # the extra is not installed
        raise ImportError("the Ray engine needs the `ray` extra: pip install 'newsclaims[ray]'") from exc
    return ray


# --------------------------------------------------------------------------- shard work


def count_boilerplate(batch: pa.Table, settings_json: str) -> pa.Table:
    """Sentence counts ``(source, hash, n)`` of the shards of ``batch`` (a Ray Data task)."""
    from ..clean import BoilerplateModel

    settings = Settings.model_validate_json(settings_json)
    sources: list[str] = []
    hashes: list[int] = []
    counts: list[int] = []
    for row in batch.to_pylist():
        seen: set[str] = set()

        def fresh(shard: Shard, seen: set[str] = seen) -> Any:
            for rec in read_shard(shard, settings):
                if isinstance(rec, Article) and rec.id not in seen:
                    seen.add(rec.id)
                    yield rec

        model = BoilerplateModel.learn(fresh(Shard.from_dict(row)), settings)
        for source, h, n in model.counts(min_count=1):
            sources.append(source)
            hashes.append(h)
            counts.append(n)
    return pa.table({"source": pa.array(sources, pa.string()), "hash": pa.array(hashes, pa.int64()), "n": pa.array(counts, pa.int64())})


def process_shard(shard: Shard, ctx: WorkerContext, run_id: str) -> tuple[dict[str, pa.Table], dict[str, Any]]:
    """Every record of one shard through :func:`~newsclaims.pipeline.process_article`: its tables and counts."""
    from ..dedup import config_fingerprint

    fingerprint = config_fingerprint(ctx.settings.dedup)
    rows: dict[str, list[dict[str, Any]]] = {"articles": [], "claims": [], "checks": [], "rejections": []}
    summary: dict[str, Any] = {"read": 0, "skipped": 0, "claims": Counter(), "checks": Counter(), "rejected": Counter(), "seconds": Counter()}
    seen: set[str] = set()
    for rec in read_shard(shard, ctx.settings):
        summary["read"] += 1
        if isinstance(rec, Rejection):
            rows["rejections"].append({**rejection_row(rec, run_id), MONTH: NO_MONTH, "shard": shard.index})
            continue
        if rec.id in seen:  # the local run stores an id once too
            summary["skipped"] += 1
            continue
        seen.add(rec.id)
        res = process_article(rec, ctx)
        if isinstance(res, Rejection):
            rows["rejections"].append({**article_rejection_row(rec, res, run_id), MONTH: NO_MONTH, "shard": shard.index})
            continue
        summary["seconds"].update(res.seconds)
        art = article_row(res.article, run_id, "run", res.zone, res.zone_inferred)
        month = month_of(art["published_at"])
        rows["articles"].append({**art, MONTH: month, "shard": shard.index, "minhash": res.signature, "config": fingerprint})
        for seq, claim in enumerate(res.claims):
            rows["claims"].append({**claim_row(claim), MONTH: month, "shard": shard.index, "seq": seq})
        rows["checks"].extend({**check_row(k), MONTH: month, "shard": shard.index} for k in res.checks)
        summary["claims"].update(x.type for x in res.claims)
        summary["checks"].update(k.verdict for k in res.checks)
    summary["rejected"].update(r["reason"] for r in rows["rejections"])
    summary["articles"] = len(rows["articles"])
    return {name: to_arrow(r, work_schema(name)) for name, r in rows.items()}, summary


class ShardProcessor:
    """A Ray Data actor: the pipeline's worker context, built once, applied to whole shards."""

    def __init__(self, settings_json: str, boilerplate: list[tuple[str, int, int]] | None, market_db: Any, work: str, run_id: str) -> None:
        from ..clean import BoilerplateModel

        settings = Settings.model_validate_json(settings_json)
        model = BoilerplateModel.from_counts(boilerplate, settings) if boilerplate is not None else None
        # market_db: the run's MarketData (it pickles as the paths of its databases); no
        # zones are known yet: the zones step reads zone-less times in the inferred zones
        self.ctx = WorkerContext(settings, extract=True, check=True, boilerplate=model, market_data=market_db)
        self.ctx.nlp()  # the claim pipeline is loaded once per actor, not per batch
        self.work = Path(work)
        self.run_id = run_id

    def __call__(self, batch: pa.Table) -> pa.Table:
        keys: list[str] = []
        summaries: list[str] = []
        for row in batch.to_pylist():
            shard = Shard.from_dict(row)
            tables, summary = process_shard(shard, self.ctx, self.run_id)
            summary["pid"] = os.getpid()
            tables["summary"] = pa.table({"json": [json.dumps(summary, sort_keys=True)]})
            write_shard(self.work, shard.key, tables)
            keys.append(shard.key)
            summaries.append(json.dumps(summary, sort_keys=True))
        return pa.table({"shard": keys, "summary": summaries})


class CrossCopyChecker:
    """A Ray Data actor for ``map_groups``: the ``cross_copy`` check of one story's claims."""

    def __init__(self, settings_json: str, market_db: Any, published: dict[str, str | None]) -> None:
        self.settings = Settings.model_validate_json(settings_json)
        self.market = market_db
        self.published = {a: (datetime.fromisoformat(p) if p else None) for a, p in published.items()}

    def __call__(self, group: pa.Table) -> pa.Table:
        from ..check import check_cross_copy

        rows = sorted(group.to_pylist(), key=lambda r: (r["article_id"], r["start"], r["seq"]))
        story_claims: dict[str, list[Claim]] = {}
        for row in rows:
            story_claims.setdefault(row["article_id"], []).append(claim_from_row(row))
        aids = sorted(story_claims)
        checks = check_cross_copy(story_claims, published={a: self.published[a] for a in aids}, market=self.market, settings=self.settings)
        out = [{**check_row(k), MONTH: rows[0][MONTH], "story_id": rows[0]["story_id"]} for k in checks]
        schema = SCHEMAS["checks"].append(pa.field(MONTH, pa.string())).append(pa.field("story_id", pa.string()))
        return to_arrow(out, schema)


class StoryEmbedder:
    """A Ray Data actor: the title-and-lead embeddings of whole chunks of documents.

    A chunk is the one the local run embeds in one call (:func:`newsclaims.story.batch.embed_chunks`),
    so every vector is the local run's, bit for bit.
    """

    def __init__(self, model_dir: str, threads: int) -> None:
        from ..encoder import SentenceEncoder

        self.encoder = SentenceEncoder(model_dir, threads=threads)

    def __call__(self, batch: pa.Table) -> pa.Table:
        chunks: list[int] = []
        vectors: list[bytes] = []
        for row in batch.to_pylist():
            chunks.append(int(row["chunk"]))
            vectors.append(self.encoder.embed(list(row["texts"])).astype(np.float32).tobytes())
        return pa.table({"chunk": pa.array(chunks, pa.int64()), "vectors": pa.array(vectors, pa.binary())})


def zone_samples(batch: pa.Table, zoneless: dict[str, tuple[str, str, str | None]], default_zone: str) -> pa.Table:
    """The current-price samples of the price claims in ``batch`` whose article is zone-less
    (``zoneless``: article id -> source, publication time, zone it was read in)."""
    from ..zones import local_time, price_samples

    out: dict[str, list[Any]] = {"source": [], "local": [], "asset": [], "value": []}
    for row in batch.to_pylist():
        art = zoneless.get(row["article_id"])
        if art is None or row["type"] != "price":
            continue
        source, published, zone = art
        local = local_time(datetime.fromisoformat(published), zone or default_zone)
        for sample in price_samples(source, local, [claim_from_row(row)]):
            out["source"].append(sample.source)
            out["local"].append(sample.local.isoformat())
            out["asset"].append(sample.asset)
            out["value"].append(sample.value)
    return pa.table(out, schema=ZONE_SAMPLE_SCHEMA)


#: the rows :func:`zone_samples` gives.
ZONE_SAMPLE_SCHEMA = pa.schema([("source", pa.string()), ("local", pa.string()), ("asset", pa.string()), ("value", pa.float64())])


class ZoneRechecker:
    """A Ray Data actor for ``map_groups``: the checks of one re-timed article's claims."""

    def __init__(self, settings_json: str, market_db: Any, published: dict[str, str]) -> None:
        self.settings = Settings.model_validate_json(settings_json)
        self.market = market_db
        self.published = published

    def __call__(self, group: pa.Table) -> pa.Table:
        # the order the local run reads them in: by offset, then as extracted
        rows = sorted(group.to_pylist(), key=lambda r: (r["start"], r["seq"]))
        aid = rows[0]["article_id"]
        published = self.published[aid]
        checks = recheck_article([claim_from_row(r) for r in rows], datetime.fromisoformat(published), self.market, self.settings)
        out = [{**check_row(k), MONTH: month_of(published)} for k in checks]
        return to_arrow(out, SCHEMAS["checks"].append(pa.field(MONTH, pa.string())))


# --------------------------------------------------------------------------- batch helpers


def _without(batch: pa.Table, drop: dict[str, list[int]], id_col: str) -> pa.Table:
    """``batch`` without the rows whose ``(id_col, shard)`` is in ``drop`` (ids kept from another shard)."""
    if not drop or batch.num_rows == 0:
        return batch
    keep = [not (i in drop and s in drop[i]) for i, s in zip(batch.column(id_col).to_pylist(), batch.column("shard").to_pylist(), strict=True)]
    return batch.filter(pa.array(keep))


def _set(batch: pa.Table, name: str, values: list[Any], type_: pa.DataType) -> pa.Table:
    return batch.set_column(batch.schema.get_field_index(name), name, pa.array(values, type_))


def _retimed(batch: pa.Table, id_col: str, retimed: dict[str, tuple[str, str, int]], columns: dict[str, int]) -> pa.Table:
    """``batch`` with the re-timed articles' new values (``retimed``: id -> publication
    time, zone, inferred) in ``columns`` (column name -> index into those values); the
    month partition follows the publication time."""
    if not retimed or batch.num_rows == 0:
        return batch
    ids = batch.column(id_col).to_pylist()
    if not any(a in retimed for a in ids):
        return batch
    for name, k in columns.items():
        old = batch.column(name).to_pylist()
        batch = _set(batch, name, [retimed[a][k] if a in retimed else o for a, o in zip(ids, old, strict=True)], batch.schema.field(name).type)
    months = batch.column(MONTH).to_pylist()
    return _set(batch, MONTH, [month_of(retimed[a][0]) if a in retimed else m for a, m in zip(ids, months, strict=True)], pa.string())


#: the columns of a re-timed article that change, and their index in the ``retimed`` values.
RETIMED_ARTICLE = {"published_at": 0, "time_zone": 1, "time_zone_inferred": 2}


def _final_articles(batch: pa.Table, drop: dict[str, list[int]], roots: dict[str, str], canonical: dict[str, str], story_of: dict[str, str], publishers: dict[str, str] | None = None, retimed: dict[str, tuple[str, str, int]] | None = None) -> pa.Table:
    batch = _without(batch, drop, "id")
    batch = _retimed(batch, "id", retimed or {}, RETIMED_ARTICLE)
    ids = batch.column("id").to_pylist()
    if publishers:  # one name per publisher, as the local run writes (the raw one stays in source_raw)
        raw = batch.column("source_raw").to_pylist()
        old = batch.column("source").to_pylist()
        batch = batch.set_column(batch.schema.get_field_index("source"), "source",
                                 pa.array([publishers.get(r, o) if r is not None else o for r, o in zip(raw, old, strict=True)], pa.string()))
    clusters = [roots.get(a, a) for a in ids]
    batch = batch.set_column(batch.schema.get_field_index("cluster_id"), "cluster_id", pa.array(clusters, pa.string()))
    batch = batch.set_column(batch.schema.get_field_index("is_canonical"), "is_canonical", pa.array([int(canonical.get(c, c) == a) for a, c in zip(ids, clusters, strict=True)], pa.int64()))
    batch = batch.set_column(batch.schema.get_field_index("story_id"), "story_id", pa.array([story_of.get(a, a) for a in ids], pa.string()))
    return batch.select([*SCHEMAS["articles"].names, MONTH])


def _final_signatures(batch: pa.Table, drop: dict[str, list[int]], retimed: dict[str, tuple[str, str, int]] | None = None) -> pa.Table:
    batch = _without(batch, drop, "id")
    batch = _retimed(batch, "id", retimed or {}, {"published_at": 0})
    return batch.rename_columns([("article_id" if n == "id" else n) for n in batch.schema.names]).select([*SCHEMAS["signatures"].names, MONTH])


def _final(batch: pa.Table, drop: dict[str, list[int]], id_col: str, table: str, retimed: dict[str, tuple[str, str, int]] | None = None, redone: bool = False) -> pa.Table:
    """A table's final rows; of the re-timed articles, the month follows their new time,
    and with ``redone`` their rows are dropped (their checks were made again)."""
    batch = _without(batch, drop, id_col)
    if retimed and redone and batch.num_rows:
        batch = batch.filter(pa.array([a not in retimed for a in batch.column(id_col).to_pylist()]))
    elif retimed:
        batch = _retimed(batch, id_col, retimed, {})
    return batch.select([*SCHEMAS[table].names, MONTH])


def _only(batch: pa.Table, drop: dict[str, list[int]], ids: set[str]) -> pa.Table:
    """The claims of the articles ``ids`` (not dropped)."""
    batch = _without(batch, drop, "article_id")
    return batch.filter(pa.array([a in ids for a in batch.column("article_id").to_pylist()], pa.bool_()))


def _singleton_clusters(batch: pa.Table, drop: dict[str, list[int]], roots: dict[str, str]) -> pa.Table:
    batch = _without(batch, drop, "id")
    ids = batch.column("id").to_pylist()
    mask = pa.array([a not in roots for a in ids])
    kept = batch.filter(mask)
    n = kept.num_rows
    return pa.table({
        "id": kept.column("id"), "canonical_id": kept.column("id"), "size": pa.array([1] * n, pa.int64()),
        "max_jaccard": pa.array([None] * n, pa.float64()), MONTH: kept.column(MONTH),
    })


def _story_heads(batch: pa.Table, drop: dict[str, list[int]], publishers: dict[str, str], retimed: dict[str, tuple[str, str, int]] | None = None) -> pa.Table:
    """What the story grouping reads of each article: id, title, the start of the text,
    time (as re-timed by the zones step), publisher (under the name the articles table
    gets) and month."""
    from ..story.batch import STORY_HEAD_CHARS

    batch = _without(batch, drop, "id")
    batch = _retimed(batch, "id", retimed or {}, {"published_at": 0})
    raw = batch.column("source_raw").to_pylist()
    old = batch.column("source").to_pylist()
    return pa.table({
        "id": batch.column("id"),
        "title": batch.column("title"),
        "head": pa.array([t[:STORY_HEAD_CHARS] if t is not None else None for t in batch.column("text").to_pylist()], pa.string()),
        "published_at": batch.column("published_at"),
        "source": pa.array([publishers.get(r, o) if r is not None else o for r, o in zip(raw, old, strict=True)], pa.string()),
        MONTH: batch.column(MONTH),
    })


def _with_story(batch: pa.Table, drop: dict[str, list[int]], story_of: dict[str, str], retimed: dict[str, tuple[str, str, int]] | None = None) -> pa.Table:
    batch = _without(batch, drop, "article_id")
    batch = _retimed(batch, "article_id", retimed or {}, {})
    aids = batch.column("article_id").to_pylist()
    batch = batch.filter(pa.array([a in story_of for a in aids]))
    return batch.append_column("story_id", pa.array([story_of[a] for a in batch.column("article_id").to_pylist()], pa.string()))


# --------------------------------------------------------------------------- the run


class RayRun:
    """One distributed run into an output folder. Use :func:`run_on_ray`."""

    def __init__(self, out_dir: str | Path, settings: Settings, *, market_path: str | None, progress: Progress | None, argv: Sequence[str]) -> None:
        self.ray = _ray()
        self.out = Path(out_dir)
        self.work = self.out / WORK
        self.settings = settings
        self.settings_json = settings.model_dump_json()
        self.market_path = market_path
        self.progress = progress
        self.argv = list(argv)
        self.stats = RunStats()
        #: sizes of the dedup shuffle (band-key rows, shared buckets, verified pairs), for the manifest
        self.shuffle: dict[str, int] = {}
        self.t0 = time.perf_counter()

    def _step(self, name: str, t: float) -> None:
        self.stats.stage_seconds[name] += time.perf_counter() - t
        self.stats.mark_memory(name)
        log.info("%s done in %.1f s", name, time.perf_counter() - t)

    # ---- setup
    def _check_plan(self, plan: ShardPlan) -> None:
        path = self.work / "plan.json"
        if path.exists():
            before = json.loads(path.read_text(encoding="utf-8"))
            if before.get("fingerprint") != plan.fingerprint:
                raise StorageError(
                    f"{self.out} holds a run over other inputs or settings (plan {before.get('fingerprint')}, now {plan.fingerprint}); "
                    "use a new --out folder, or delete this one"
                )
            return
        self.work.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": plan.fingerprint, "shards": len(plan.shards)}), encoding="utf-8")
        os.replace(tmp, path)

    def _market(self) -> Any:
        """The bundled candles (the shared cache) plus --market data, imported once into
        the output's own market database (a re-run finds it imported)."""
        from ..market import open_run_market
        from ..storage import open_db

        db = open_db(self.work / "market.db") if self.market_path is not None else None
        return open_run_market(db, self.market_path, cache_dir=self.settings.market.cache_dir)

    def _boilerplate(self, plan: ShardPlan) -> list[tuple[str, int, int]] | None:
        if not self.settings.clean.learn_boilerplate:
            return None
        path = self.work / "boilerplate.json"
        if path.exists():
            return [tuple(r) for r in json.loads(path.read_text(encoding="utf-8"))]  # type: ignore[misc]
        ray = self.ray
        minimum = self.settings.clean.boilerplate_min_articles
        items = [s.as_dict() for s in plan.shards]
        counts = (
            ray.data.from_items(items, override_num_blocks=max(1, len(items)))
            .map_batches(count_boilerplate, batch_size=1, batch_format="pyarrow", fn_kwargs={"settings_json": self.settings_json})
            .groupby(["source", "hash"])
            .sum("n")
            .filter(lambda r: r["sum(n)"] >= minimum)
            .take_all()
        )
        # only sentences at the threshold matter to cleaning; the rest are one-off
        rows = sorted((str(r["source"]), int(r["hash"]), int(r["sum(n)"])) for r in counts)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rows), encoding="utf-8")
        os.replace(tmp, path)
        return rows

    # ---- per-shard work
    def _process(self, plan: ShardPlan, boilerplate: list[tuple[str, int, int]] | None, market_db: Any, workers: int) -> None:
        done = done_shards(self.work)
        todo = [s for s in plan.shards if s.key not in done]
        self.stats.already_stored = len(plan.shards) - len(todo)
        if not todo:
            return
        ray = self.ray
        results = (
            ray.data.from_items([s.as_dict() for s in todo], override_num_blocks=len(todo))
            .map_batches(
                ShardProcessor,
                batch_size=1,
                batch_format="pyarrow",
                concurrency=min(workers, len(todo)),
                num_cpus=1,
                fn_constructor_kwargs={"settings_json": self.settings_json, "boilerplate": boilerplate, "market_db": market_db, "work": str(self.work), "run_id": self.stats.run_id},
            )
        )
        for row in results.iter_rows():
            summary = json.loads(row["summary"])
            self.stats.read += summary["read"]
            self.stats.stored += summary["articles"]
            self.stats.claims.update(summary["claims"])
            self.stats.elapsed = time.perf_counter() - self.t0
            if self.progress is not None:
                self.progress(self.stats)

    def _summaries(self) -> None:
        """Counts over every shard (those of earlier runs too)."""
        import pyarrow.parquet as pq

        stats = self.stats
        stats.read = stats.stored = 0
        stats.claims, stats.checks, stats.rejected = Counter(), Counter(), Counter()
        for path in shard_files(self.work, "summary"):
            s = json.loads(pq.read_table(path).column("json")[0].as_py())
            stats.read += s["read"]
            stats.stored += s["articles"]
            stats.claims.update(s["claims"])
            stats.checks.update(s["checks"])
            stats.rejected.update(s["rejected"])
            for k, v in s["seconds"].items():
                stats.stage_seconds[k] += v

    # ---- dataset-level steps
    def _read(self, table: str, columns: list[str] | None = None) -> Any:
        files = shard_files(self.work, table)
        ds = self.ray.data.read_parquet(files, schema=work_schema(table), partitioning=None)
        return ds if columns is None else ds.select_columns(columns)

    def _duplicate_ids(self) -> dict[str, list[int]]:
        """Ids (articles, rejections) read in more than one shard -> the shards that drop them.

        Read on the driver from the id columns alone (about 30 bytes an id).
        """
        import pyarrow.parquet as pq

        shards_of: dict[str, list[int]] = {}
        dups: set[str] = set()
        for table in ("articles", "rejections"):
            for path in shard_files(self.work, table):
                t = pq.read_table(path, columns=["id", "shard"])
                for i, s in zip(t.column("id").to_pylist(), t.column("shard").to_pylist(), strict=True):
                    if i in shards_of:
                        dups.add(i)
                    shards_of.setdefault(i, []).append(int(s))
        return {i: sorted(shards_of[i])[1:] for i in dups}  # the first shard keeps the id

    def _dedup(self, drop: dict[str, list[int]], partitions: int) -> tuple[dict[str, str], list[dict[str, Any]]]:
        cfg = self.settings.dedup
        rows = self._read("articles", ["id", "minhash", "shard"]).map_batches(_without, batch_format="pyarrow", fn_kwargs={"drop": drop, "id_col": "id"})
        buckets = rows.map_batches(graph.bucket_rows, batch_format="pyarrow", fn_kwargs={"cfg": cfg}).materialize()
        # the band keys' shuffle: only buckets that two or more articles share can link anything
        shared = buckets.groupby(["band", "key"], num_partitions=partitions).count().filter(lambda r: r["count()"] > 1).take_all()
        self.shuffle = {"band_rows": buckets.count(), "shared_buckets": len(shared)}
        if not shared:
            return {}, []
        keys = {(int(r["band"]), int(r["key"])) for r in shared}
        verified = (
            buckets.map_batches(graph.in_buckets, batch_format="pyarrow", fn_kwargs={"keys": keys})
            .groupby(["band", "key"], num_partitions=partitions)
            .map_groups(graph.verify_buckets, batch_format="pyarrow", fn_kwargs={"cfg": cfg})
            .materialize()
        )
        pairs = verified.take_all()
        self.shuffle["verified_pairs"] = len(pairs)
        if len(pairs) <= self.settings.ray.driver_max_edges:
            roots = graph.star_roots([(r["a"], r["b"]) for r in pairs])
        else:
            roots = self._components(verified, partitions)
        best: dict[str, float] = {}
        for r in pairs:
            root = roots[r["a"]]
            best[root] = max(best.get(root, 0.0), float(r["jaccard"]))
        members = (
            self._read("articles", ["id", "published_at", "chars", "shard", MONTH])
            .map_batches(_without, batch_format="pyarrow", fn_kwargs={"drop": drop, "id_col": "id"})
            .filter(lambda r: r["id"] in roots)
            .take_all()
        )
        table = pa.Table.from_pylist([{"cluster_id": roots[m["id"]], "id": m["id"], "published_at": m["published_at"], "chars": m["chars"], "max_jaccard": best.get(roots[m["id"]])} for m in members])
        months = {m["id"]: m[MONTH] for m in members}
        clusters = graph.cluster_rows(table)
        for c in clusters:
            c[MONTH] = months[c["canonical_id"]]
        self._cluster_members, self._member_months = table, months
        return roots, clusters

    def _recanonicalize(self, clusters: list[dict[str, Any]], retimed: dict[str, tuple[str, str, int]]) -> list[dict[str, Any]]:
        """The ``clusters`` rows again with the times the zones step set: the earliest
        published copy may have changed (as the local run's
        :func:`~newsclaims.pipeline.recanonicalize`)."""
        table = getattr(self, "_cluster_members", None)
        if not retimed or table is None or not any(a in retimed for a in table.column("id").to_pylist()):
            return clusters
        times = [retimed[a][0] if a in retimed else p for a, p in zip(table.column("id").to_pylist(), table.column("published_at").to_pylist(), strict=True)]
        table = table.set_column(table.schema.get_field_index("published_at"), "published_at", pa.array(times, table.schema.field("published_at").type))
        out = graph.cluster_rows(table)
        for c in out:
            c[MONTH] = self._member_months[c["canonical_id"]]
        return out

    def _components(self, verified: Any, partitions: int) -> dict[str, str]:
        """Connected components of the verified pairs, each star step a shuffle by node."""
        edges = verified.map_batches(lambda t: graph.larger_first(pa.table({"u": t.column("a"), "v": t.column("b")})), batch_format="pyarrow").materialize()
        before: set[tuple[str, str]] = set()
        while True:
            # one round: large-star on both directions of every edge, then small-star
            large = edges.map_batches(graph.both_directions, batch_format="pyarrow").groupby("u", num_partitions=partitions).map_groups(graph.large_star, batch_format="pyarrow")
            edges = large.groupby("u", num_partitions=partitions).map_groups(graph.small_star, batch_format="pyarrow").materialize()
            now = {(r["u"], r["v"]) for r in edges.take_all()}
            if now == before:
                break
            before = now
        return graph.roots_of(pa.table({"u": [e[0] for e in now], "v": [e[1] for e in now]}, schema=graph.EDGE_SCHEMA))

    def _publishers(self, drop: dict[str, list[int]]) -> dict[str, str]:
        """One name per publisher over the whole dataset (raw spelling -> name), as the local run writes."""
        from ..clean.publishers import publisher_names, site_of_names

        counts: dict[str, int] = {}
        pairs: list[tuple[str, str | None]] = []
        for b in self._read("articles", ["id", "source_raw", "url", "shard"]).map_batches(_without, batch_format="pyarrow", fn_kwargs={"drop": drop, "id_col": "id"}).iter_batches(batch_format="pyarrow", batch_size=8192):
            for r, url in zip(b.column("source_raw").to_pylist(), b.column("url").to_pylist(), strict=True):
                if r is not None:
                    counts[r] = counts.get(r, 0) + 1
                    pairs.append((r, url))
        return publisher_names(counts, site_of_names(pairs))

    def _embed(self, docs: Sequence[Any], model_dir: Path, workers: int) -> np.ndarray:
        """The documents' embeddings, computed by a pool of :class:`StoryEmbedder` actors
        in the local run's chunks, stacked in document order."""
        from ..story.batch import embed_chunks

        parts = embed_chunks(len(docs))
        if not parts:
            return np.zeros((0, 1), dtype=np.float32)
        items = [{"chunk": k, "texts": [docs[i].features.text for i in part]} for k, part in enumerate(parts)]
        actors = min(workers, len(items))
        rows = (
            self.ray.data.from_items(items, override_num_blocks=len(items))
            .map_batches(
                StoryEmbedder,
                batch_size=1,
                batch_format="pyarrow",
                concurrency=actors,
                num_cpus=1,
                fn_constructor_kwargs={"model_dir": str(model_dir), "threads": max(1, self.settings.check.story_threads // actors)},
            )
            .take_all()
        )
        got = {int(r["chunk"]): np.frombuffer(r["vectors"], dtype=np.float32).reshape(len(parts[int(r["chunk"])]), -1) for r in rows}
        return np.concatenate([got[k] for k in range(len(parts))])

    def _zones(self, drop: dict[str, list[int]], publishers: dict[str, str], market_db: Any) -> tuple[dict[str, tuple[str, str, int]], list[dict[str, Any]], Any]:
        """The publication zones step: the zone of each source, the articles it re-times
        (id -> publication time, zone, inferred), the ``source_zones`` rows, and the
        re-timed articles' checks made again (a dataset, or None).

        The same decisions as the local run's :func:`~newsclaims.pipeline.infer_publication_zones`
        over the same rows: samples from the current-price claims of the zone-less
        articles of each publisher, the inference on the driver, the re-checks per article.
        """
        from ..zones import PriceSample, infer_zones, retimes, zone_rows, zone_summary

        settings = self.settings
        default = settings.ingest.default_timezone
        if not settings.ingest.infer_zones:
            return {}, [], None
        cols = ["id", "source", "source_raw", "published_at", "time_zone_assumed", "time_zone", "time_zone_inferred", "shard"]
        zoneless: dict[str, tuple[str | None, str, str | None, int]] = {}
        count = 0
        for b in self._read("articles", cols).map_batches(_without, batch_format="pyarrow", fn_kwargs={"drop": drop, "id_col": "id"}).iter_batches(batch_format="pyarrow", batch_size=8192):
            for aid, source, raw, published, assumed, zone, inferred in zip(*(b.column(c).to_pylist() for c in cols[:-1]), strict=True):
                if not assumed:
                    continue
                count += 1
                if published is not None:
                    name = publishers.get(raw, source) if raw is not None else source
                    zoneless[aid] = (name, published, zone, int(inferred or 0))
        sampled = {a: (src, pub, zone) for a, (src, pub, zone, _i) in zoneless.items() if src is not None}
        samples: list[PriceSample] = []
        if sampled:
            rows = (
                self._read("claims")
                .map_batches(_without, batch_format="pyarrow", fn_kwargs={"drop": drop, "id_col": "article_id"})
                .map_batches(zone_samples, batch_format="pyarrow", fn_kwargs={"zoneless": sampled, "default_zone": default})
                .take_all()
            )
            samples = [PriceSample(r["source"], datetime.fromisoformat(r["local"]), r["asset"], float(r["value"])) for r in rows]
        decided = infer_zones(samples, market_db, default)
        zones = {src: z.zone for src, z in decided.items() if z.inferred}
        todo = retimes(
            ((a, src, datetime.fromisoformat(pub), zone, bool(inf)) for a, (src, pub, zone, inf) in zoneless.items()),
            zones,
            default,
        )
        # the time as the local run stores it (storage.iso_utc of an aware time)
        retimed = {r.article_id: (r.published_at.astimezone(UTC).isoformat(), r.zone, int(r.inferred)) for r in todo}
        redone = None
        if retimed:
            published = {a: v[0] for a, v in retimed.items()}
            redone = (
                self._read("claims")
                .map_batches(_only, batch_format="pyarrow", fn_kwargs={"drop": drop, "ids": set(retimed)})
                .groupby("article_id")
                .map_groups(
                    ZoneRechecker,
                    batch_format="pyarrow",
                    concurrency=1,
                    num_cpus=CROSS_COPY_CPUS,
                    fn_constructor_kwargs={"settings_json": self.settings_json, "market_db": market_db, "published": published},
                )
                .materialize()
            )
        rechecked = redone.count() if redone is not None else 0
        self.stats.zones = zone_summary(decided, count, len(todo), rechecked, default)
        rows = [{**r, MONTH: NO_MONTH} for r in zone_rows(decided, default)]
        return retimed, rows, redone

    def _stories(self, drop: dict[str, list[int]], roots: dict[str, str], market_db: Any, workers: int, publishers: dict[str, str], retimed: dict[str, tuple[str, str, int]] | None = None) -> tuple[dict[str, str], list[dict[str, Any]], Any, list[dict[str, Any]]]:
        """The local run's story grouping over the whole dataset: title-and-lead embeddings
        (an actor pool), then :func:`newsclaims.story.batch.group_by_events` on the driver;
        claim fingerprints alone when no encoder is configured. ``retimed``: the times the
        zones step set. Returns the article -> story map, the ``stories`` rows, the
        cross-copy checks (a dataset, or None) and the ``story_embeddings`` rows (so that a
        database made by ``import`` does not embed again on its next local run)."""
        from ..check import StoryInput, group_stories
        from ..check.stories import claim_fingerprint
        from ..encoder import encoder_fingerprint
        from ..story import story_model_dir
        from ..story.batch import group_by_events, stored_doc

        model_dir = story_model_dir(self.settings)
        prints: dict[str, set[str]] = {}
        claims = self._read("claims", ["article_id", "type", "asset", "value", "shard"])
        for batch in claims.iter_batches(batch_format="pyarrow", batch_size=8192):
            batch = _without(batch, drop, "article_id")
            for aid, type_, asset, value in zip(*(batch.column(c).to_pylist() for c in ("article_id", "type", "asset", "value")), strict=True):
                prints.setdefault(aid, set()).add(claim_fingerprint(type_, asset, value))
        published: dict[str, str | None] = {}
        months: dict[str, str] = {}
        sources: dict[str, str | None] = {}
        docs = []
        heads = self._read("articles", ["id", "title", "text", "published_at", "source", "source_raw", "shard", MONTH]).map_batches(
            _story_heads, batch_format="pyarrow", fn_kwargs={"drop": drop, "publishers": publishers, "retimed": retimed or {}}
        )
        for batch in heads.iter_batches(batch_format="pyarrow", batch_size=2048):
            cols = (batch.column(c).to_pylist() for c in ("id", "title", "head", "published_at", "source", MONTH))
            for aid, title, head, pub, source, month in zip(*cols, strict=True):
                published[aid] = pub
                months[aid] = month
                sources[aid] = source
                if model_dir is not None:
                    docs.append(stored_doc(aid, title, head, pub, source, roots.get(aid, aid)))
        when = {a: (datetime.fromisoformat(p) if p else None) for a, p in published.items()}
        inputs = [StoryInput(article_id=a, cluster_id=roots.get(a, a), published_at=when[a], source=sources[a], fingerprints=frozenset(prints.get(a, ()))) for a in sorted(published)]
        del prints
        embedded: list[dict[str, Any]] = []
        if model_dir is None:
            story_of = group_stories(inputs, self.settings)
        else:
            docs.sort(key=lambda d: d.id)
            t = time.perf_counter()
            vectors = self._embed(docs, model_dir, workers)
            self.stats.stage_seconds["story_embed"] += time.perf_counter() - t
            t = time.perf_counter()
            story_of = group_by_events(docs, vectors, inputs, self.settings)
            self.stats.stage_seconds["story_group"] += time.perf_counter() - t
            fingerprint = encoder_fingerprint(model_dir)
            embedded = [{"article_id": d.id, "encoder": fingerprint, "vector": vectors[r].astype(np.float32).tobytes(), MONTH: months[d.id]}
                        for r, d in enumerate(docs)]
            del docs, vectors
        del inputs
        multi = {a: s for s, aids in story_members(story_of).items() if len(aids) > 1 for a in aids}
        cross = None
        conflicts: dict[str, set[str]] = {}
        if multi:
            cross = (
                self._read("claims")
                .map_batches(_with_story, batch_format="pyarrow", fn_kwargs={"drop": drop, "story_of": multi, "retimed": retimed or {}})
                .groupby("story_id")
                .map_groups(
                    CrossCopyChecker,
                    batch_format="pyarrow",
                    # one light actor: stories are few, and the shuffle's own workers need the CPUs
                    concurrency=1,
                    num_cpus=CROSS_COPY_CPUS,
                    fn_constructor_kwargs={"settings_json": self.settings_json, "market_db": market_db, "published": {a: published[a] for a in multi}},
                )
                .materialize()
            )
            for r in cross.select_columns(["story_id", "verdict", "evidence"]).take_all():
                self.stats.checks[r["verdict"]] += 1
                if r["verdict"] == "inconsistent":
                    conflicts.setdefault(r["story_id"], set()).add(str(json.loads(r["evidence"]).get("key", "")))
        rows = story_table(story_of, {a: roots.get(a, a) for a in published}, when, conflicts)
        for row in rows:
            row[MONTH] = months[row["canonical_id"]]
        self.stats.stories = len(rows)
        return story_of, rows, cross, embedded

    def _write(
        self, drop: dict[str, list[int]], roots: dict[str, str], clusters: list[dict[str, Any]], story_of: dict[str, str],
        stories: list[dict[str, Any]], cross: Any, plan: ShardPlan, publishers: dict[str, str],
        zones: tuple[dict[str, tuple[str, str, int]], list[dict[str, Any]], Any], embedded: list[dict[str, Any]],
    ) -> None:
        ray = self.ray
        final = self.work / f"final-{self.stats.run_id}"
        shutil.rmtree(final, ignore_errors=True)
        canonical = {c["id"]: c["canonical_id"] for c in clusters}
        arts = self._read("articles")

        def write(ds: Any, table: str) -> None:
            ds.write_parquet(str(final / table), partition_cols=[MONTH])

        retimed, zone_rows, redone = zones
        write(arts.map_batches(_final_articles, batch_format="pyarrow", fn_kwargs={"drop": drop, "roots": roots, "canonical": canonical, "story_of": story_of, "publishers": publishers, "retimed": retimed}), "articles")
        write(arts.map_batches(_final_signatures, batch_format="pyarrow", fn_kwargs={"drop": drop, "retimed": retimed}), "signatures")
        singles = arts.map_batches(_singleton_clusters, batch_format="pyarrow", fn_kwargs={"drop": drop, "roots": roots})
        multi_schema = SCHEMAS["clusters"].append(pa.field(MONTH, pa.string()))
        write(singles.union(ray.data.from_arrow(to_arrow(clusters, multi_schema))) if clusters else singles, "clusters")
        write(ray.data.from_arrow(to_arrow(stories, SCHEMAS["stories"].append(pa.field(MONTH, pa.string())))), "stories")
        write(self._read("claims").map_batches(_final, batch_format="pyarrow", fn_kwargs={"drop": drop, "id_col": "article_id", "table": "claims", "retimed": retimed}), "claims")
        checks = self._read("checks").map_batches(_final, batch_format="pyarrow", fn_kwargs={"drop": drop, "id_col": "article_id", "table": "checks", "retimed": retimed, "redone": True})
        if redone is not None:  # the re-timed articles' checks, made again at their new time
            checks = checks.union(redone)
        if cross is not None:
            checks = checks.union(cross.map_batches(lambda t: t.select([*SCHEMAS["checks"].names, MONTH]), batch_format="pyarrow"))
        write(checks, "checks")
        listed = [{**rejection_row(r, self.stats.run_id), MONTH: NO_MONTH} for r in plan.rejections]
        self.stats.rejected.update(r["reason"] for r in listed)
        rejections = self._read("rejections").map_batches(_final, batch_format="pyarrow", fn_kwargs={"drop": drop, "id_col": "id", "table": "rejections"})
        if listed:
            rejections = rejections.union(ray.data.from_arrow(to_arrow(listed, SCHEMAS["rejections"].append(pa.field(MONTH, pa.string())))))
        write(rejections, "rejections")
        if zone_rows:
            write(ray.data.from_arrow(to_arrow(zone_rows, SCHEMAS["source_zones"].append(pa.field(MONTH, pa.string())))), "source_zones")
        if embedded:
            write(ray.data.from_arrow(to_arrow(embedded, SCHEMAS["story_embeddings"].append(pa.field(MONTH, pa.string())))), "story_embeddings")
        for table in TABLES:  # move into place: the folder's tables are all of one run
            dst = self.out / table
            shutil.rmtree(dst, ignore_errors=True)
            if (final / table).exists():
                os.rename(final / table, dst)
        shutil.rmtree(final, ignore_errors=True)

    # ---- main
    def run(self, paths: Sequence[str]) -> RunStats:
        from ..dedup import config_fingerprint
        from ..models import content_id

        started = now_iso()
        self.stats.run_id = content_id(started, "run --engine ray", " ".join(self.argv), str(time.time_ns()), length=12)
        t = time.perf_counter()
        plan = plan_shards(paths, self.settings)
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / MANIFEST).unlink(missing_ok=True)  # the folder is complete again only when this run is
        self._check_plan(plan)
        self._step("plan", t)
        ray = self.ray
        owns = not ray.is_initialized()
        if owns:
            address = self.settings.ray.address or os.environ.get("RAY_ADDRESS") or None
            kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING, "log_to_driver": False}
            if address is not None:  # joining a cluster: its own settings apply
                kwargs = {"logging_level": logging.WARNING, "log_to_driver": False}
            else:
                mb = int(os.environ.get("RAY_OBJECT_STORE_MB", LOCAL_OBJECT_STORE_MB))
                kwargs["object_store_memory"] = mb * 1024 * 1024
                if self.settings.ray.workers:
                    kwargs["num_cpus"] = self.settings.ray.workers
            ray.init(address=address, **kwargs)
        try:
            ctx = ray.data.DataContext.get_current()
            ctx.enable_progress_bars = False
            ctx.print_on_execution_start = False
            workers = self.settings.ray.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
            partitions = self.settings.ray.partitions or 2 * workers
            t = time.perf_counter()
            market_db = self._market()
            self._step("market_import", t)
            t = time.perf_counter()
            boilerplate = self._boilerplate(plan)
            self._step("boilerplate", t)
            t = time.perf_counter()
            self._process(plan, boilerplate, market_db, workers)
            self._step("process", t)
            self._summaries()
            t = time.perf_counter()
            drop = self._duplicate_ids()
            self.stats.already_stored += sum(len(v) for v in drop.values())
            self._step("duplicate_ids", t)
            t = time.perf_counter()
            roots, clusters = self._dedup(drop, partitions)
            self.stats.duplicates = sum(c["size"] - 1 for c in clusters)
            self._step("dedup", t)
            t = time.perf_counter()
            publishers = self._publishers(drop)
            zones = self._zones(drop, publishers, market_db)
            clusters = self._recanonicalize(clusters, zones[0])
            self._step("zones", t)
            t = time.perf_counter()
            story_of, stories, cross, embedded = self._stories(drop, roots, market_db, workers, publishers, zones[0])
            self._step("stories", t)
            t = time.perf_counter()
            self._write(drop, roots, clusters, story_of, stories, cross, plan, publishers, zones, embedded)
            self._step("write", t)
            self.stats.clusters = len(clusters) + (self.stats.stored - len(roots))
        finally:
            self.stats.elapsed = time.perf_counter() - self.t0
            if owns:
                ray.shutdown()
        manifest = {
            "run_id": self.stats.run_id, "started_at": started, "finished_at": now_iso(), "engine": "ray",
            "settings_fingerprint": self.settings.fingerprint(), "settings": self.settings_json,
            "dedup_fingerprint": config_fingerprint(self.settings.dedup), "plan": plan.fingerprint,
            "shards": len(plan.shards), "args": self.argv, "summary": self.stats.as_dict(),
            "shuffle": self.shuffle,
        }
        tmp = self.out / f".{MANIFEST}.tmp"
        tmp.write_text(to_json(manifest), encoding="utf-8")
        os.replace(tmp, self.out / MANIFEST)
        return self.stats


def run_on_ray(
    paths: Sequence[str],
    out_dir: str | Path,
    settings: Settings,
    *,
    market_path: str | None = None,
    progress: Progress | None = None,
    argv: Sequence[str] = (),
) -> RunStats:
    """Run the batch job on Ray over ``paths``, writing Parquet tables under ``out_dir``.

    Joins the cluster at ``settings.ray.address`` or ``RAY_ADDRESS``, else starts a
    local one for the run (when Ray is already initialized in this process, that
    cluster is used and left running). Running again over the same ``out_dir``
    resumes: shards already written are not processed again.

    Example:
        >>> stats = run_on_ray(["corpus/dumps"], "out/", load_settings())  # doctest: +SKIP
        >>> import_output("out/", "newsclaims.db")  # doctest: +SKIP

    Raises:
        ImportError: the ``ray`` extra is not installed.
        InputError: a named path does not exist.
        StorageError: ``out_dir`` holds a run over other inputs or settings.
    """
    return RayRun(out_dir, settings, market_path=market_path, progress=progress, argv=argv).run(list(paths))
