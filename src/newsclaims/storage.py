"""SQLite storage through sqlite-utils: numbered migrations, WAL, batched upserts.

Only the pipeline and the CLI call this module. Every write is an upsert keyed by
a content hash, inside a transaction, so a re-run writes the same rows again and
changes nothing.

Tables (``spec/cli.md`` names the contract columns; more are added freely):

- ``runs``: one row per command run, with the settings fingerprint and summary.
- ``articles``: cleaned articles; ``cluster_id``/``is_canonical`` from dedup,
  ``story_id`` from the story grouping of the checker.
- ``signatures``: MinHash signatures with the fingerprint of their dedup config.
- ``clusters``: near-duplicate clusters (id = smallest member id).
- ``rejections``: records that could not be used, with an enum reason.
- ``boilerplate``: sentence hashes counted per source (learned boilerplate).
- ``claims``, ``checks``, ``stories``: extraction and checking results.
- ``market_candles``: imported market data.
- ``source_zones``: per source, the zone inferred for its zone-less times and the evidence.
- ``inputs_done``: batches already committed, for resumable runs.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils import Migrations

from .errors import StorageError

log = logging.getLogger(__name__)

#: seconds a writer waits for another process's lock before failing.
BUSY_TIMEOUT_S = 60

migrations = Migrations("newsclaims")


@migrations(name="0001_ingest")
def _m0001_ingest(db: sqlite_utils.Database) -> None:
    db.table("runs").create(
        {
            "id": str,
            "command": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "settings_fingerprint": str,
            "settings": str,
            "dedup_fingerprint": str,
            "args": str,
            "summary": str,
        },
        pk="id",
    )
    db.table("articles").create(
        {
            "id": str,
            "source_id": str,
            "title": str,
            "text": str,
            "published_at": str,
            "time_zone_assumed": int,
            "url": str,
            "source": str,
            "cluster_id": str,
            "is_canonical": int,
            "story_id": str,
            "chars": int,
            "origin": str,
            "removed": str,
            "run_id": str,
        },
        pk="id",
    )
    db.table("articles").create_index(["cluster_id"])
    db.table("articles").create_index(["published_at"])
    db.table("articles").create_index(["source_id"])
    db.table("signatures").create(
        {"article_id": str, "config": str, "minhash": bytes, "published_at": str, "chars": int},
        pk="article_id",
    )
    db.table("clusters").create(
        {"id": str, "canonical_id": str, "size": int, "max_jaccard": float}, pk="id"
    )
    db.table("rejections").create(
        {"id": str, "source_id": str, "reason": str, "detail": str, "origin": str, "run_id": str},
        pk="id",
    )
    db.table("rejections").create_index(["reason"])
    db.table("boilerplate").create(
        {"source": str, "hash": int, "articles": int}, pk=("source", "hash")
    )


@migrations(name="0002_claims")
def _m0002_claims(db: sqlite_utils.Database) -> None:
    db.table("claims").create(
        {
            "id": str,
            "article_id": str,
            "source_id": str,
            "type": str,
            "asset": str,
            "subject": str,
            "value": float,
            "value_max": float,
            "unit": str,
            "direction": str,
            "window": str,
            "side": str,
            "qualifier": str,
            "text": str,
            "start": int,
            "end": int,
            "sentence": str,
            "confidence": float,
            "extractor": str,
            "mentions": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("claims").create_index(["article_id"])
    db.table("claims").create_index(["type", "asset"])


@migrations(name="0003_checks")
def _m0003_checks(db: sqlite_utils.Database) -> None:
    db.table("checks").create(
        {
            "id": str,
            "claim_id": str,
            "article_id": str,
            "check": str,
            "verdict": str,
            "severity": str,
            "expected": float,
            "observed": float,
            "deviation": float,
            "tolerance": float,
            "reason": str,
            "evidence": str,
            "as_of": str,
        },
        pk="id",
        foreign_keys=[("claim_id", "claims", "id"), ("article_id", "articles", "id")],
    )
    db.table("checks").create_index(["claim_id"])
    db.table("checks").create_index(["verdict"])
    db.table("stories").create(
        {"id": str, "canonical_id": str, "size": int, "clusters": int, "conflicts": int},
        pk="id",
    )
    db.table("market_candles").create(
        {
            "asset": str,
            "quote": str,
            "interval": str,
            "open_time": str,
            "open": float,
            "high": float,
            "low": float,
            "close": float,
            "volume": float,
            "source": str,
        },
        pk=("asset", "quote", "interval", "open_time"),
    )
    db.table("market_imports").create(
        {"key": str, "path": str, "rows": int, "imported_at": str}, pk="key"
    )


@migrations(name="0004_progress")
def _m0004_progress(db: sqlite_utils.Database) -> None:
    db.table("inputs_done").create(
        {"key": str, "records": int, "run_id": str, "done_at": str}, pk="key"
    )


@migrations(name="0005_resume")
def _m0005_resume(db: sqlite_utils.Database) -> None:
    # which stage stored an article: "ingest" (cleaned, deduplicated) or "run" (also claims, checks)
    db.table("articles").add_column("stage", str)
    # articles already counted into the learned boilerplate (so a re-run does not count them twice)
    db.table("boilerplate_seen").create({"id": str}, pk="id")


@migrations(name="0006_source_raw")
def _m0006_source_raw(db: sqlite_utils.Database) -> None:
    # the publisher's name as the input spelled it; ``source`` holds one name per publisher
    db.table("articles").add_column("source_raw", str)
    db.execute("UPDATE articles SET source_raw = source")


@migrations(name="0007_claim_status_when")
def _m0007_claim_status_when(db: sqlite_utils.Database) -> None:
    # spec/claims.md: a level's status (active, broken, flipped) and the past time a claim
    # is stated for ("when"); claims from earlier runs keep NULL (read as active / current).
    db.table("claims").add_column("status", str)
    db.table("claims").add_column("when", str)


@migrations(name="0008_check_confidence")
def _m0008_check_confidence(db: sqlite_utils.Database) -> None:
    # spec/checks.md: the probability a flag is real (``confidence``) and what kind of
    # disagreement it is (``finding``: stale, never_true, wrong_direction, wrong_side, ...);
    # rows of earlier runs keep NULL until they are checked again.
    db.table("checks").add_column("confidence", float)
    db.table("checks").add_column("finding", str)
    db.table("checks").create_index(["confidence"])


@migrations(name="0009_source_zones")
def _m0009_source_zones(db: sqlite_utils.Database) -> None:
    # the zone a zone-less time was read in ("UTC", "+02:00"; NULL when the time stated
    # its own zone or was stored before zones were recorded) and whether it was inferred
    # from the source's price claims; source_zones holds the per-source inference.
    db.table("articles").add_column("time_zone", str)
    db.table("articles").add_column("time_zone_inferred", int, not_null_default=0)
    db.table("source_zones").create(
        {
            "source": str,
            "zone": str,
            "inferred": int,
            "status": str,
            "claims": int,
            "best_offset": str,
            "best_pct": float,
            "default_pct": float,
            "runner_up_pct": float,
            "stability": float,
            "default_zone": str,
        },
        pk="source",
    )


@migrations(name="0010_story_embeddings")
def _m0010_story_embeddings(db: sqlite_utils.Database) -> None:
    # title-and-lead embeddings for story grouping, kept so a re-run embeds only new
    # articles; ``encoder`` is the encoder's fingerprint (another model recomputes).
    # (if_not_exists: databases an earlier build of this change made hold the table already)
    db.table("story_embeddings").create(
        {"article_id": str, "encoder": str, "vector": bytes}, pk="article_id", if_not_exists=True
    )


def open_db(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (and create or migrate) a newsclaims database in WAL mode.

    Raises:
        StorageError: the file is not a database or cannot be opened.
    """
    p = Path(path)
    if p.parent and not p.parent.exists():
        raise StorageError(f"cannot open database {p}: folder {p.parent} does not exist")
    try:
        conn = sqlite3.connect(str(p), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        db = sqlite_utils.Database(conn)
        db.enable_wal()
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = OFF")  # rows arrive batch by batch
        if migrate:
            migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"cannot open database {p}: {exc}") from exc
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One write transaction (``BEGIN IMMEDIATE`` so concurrent writers queue)."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def upsert(db: sqlite_utils.Database, table: str, rows: Iterable[Mapping[str, Any]], pk: str | tuple[str, ...]) -> int:
    """Upsert rows (call inside :func:`transaction`). Returns how many were given."""
    batch = [dict(r) for r in rows]
    if batch:
        db[table].upsert_all(batch, pk=pk, batch_size=500)  # type: ignore[union-attr]
    return len(batch)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def to_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``-free ``+00:00`` offset, or ``None``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat()
