"""The Parquet output of a distributed run: table schemas, shard files, import into SQLite.

Layout of an output folder ``DIR``::

    DIR/articles/month=2025-05/<part>.parquet     one dataset per table, partitioned by
    DIR/claims/month=2025-05/...                  the month the article was published
    DIR/checks/ DIR/clusters/ DIR/stories/        (``month=unknown`` without a time)
    DIR/rejections/ DIR/signatures/
    DIR/source_zones/month=unknown/...            the zones inferred per source (one small file)
    DIR/manifest.json                             written last: the run is complete
    DIR/_work/                                    shards done, boilerplate, market data

Every table has the columns of the SQLite table of the same name (the ``month``
partition column aside), so :func:`import_output` is a plain upsert and the
database it makes is the one ``newsclaims run --db`` makes.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import sqlite_utils

from ..errors import StorageError
from ..storage import migrations, open_db, transaction, upsert

#: the partition column added to every table (not a column of the SQLite tables).
MONTH = "month"
#: partition value of rows without a publication time.
NO_MONTH = "unknown"
#: rows per upsert when importing.
IMPORT_BATCH_ROWS = 2000
MANIFEST = "manifest.json"
#: the tables written, in the order they are imported.
TABLES = ("articles", "signatures", "clusters", "stories", "claims", "checks", "rejections", "source_zones", "story_embeddings")
WORK = "_work"

_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.binary()
_ARROW_TYPES = {"TEXT": _S, "INTEGER": _I, "REAL": _F, "FLOAT": _F, "BLOB": _B}


def _sqlite_schemas() -> dict[str, pa.Schema]:
    """The columns of the SQLite tables, read from a database the migrations just made."""
    import sqlite3

    conn = sqlite3.connect(":memory:")
    db = sqlite_utils.Database(conn)
    migrations.apply(db)
    out = {t: pa.schema([(c.name, _ARROW_TYPES.get(c.type.upper(), _S)) for c in db[t].columns]) for t in TABLES}  # type: ignore[union-attr]
    conn.close()
    return out


#: the columns of each output table: those of the SQLite table of the same name, so that
#: a migration that adds a column (a new claim field) adds it here too.
SCHEMAS: dict[str, pa.Schema] = _sqlite_schemas()
#: primary keys, for the import's upserts.
KEYS: dict[str, str] = {"signatures": "article_id", "source_zones": "source", "story_embeddings": "article_id"}
#: work columns carried next to a table's own while the run is in progress.
WORK_COLUMNS: dict[str, list[tuple[str, pa.DataType]]] = {
    "articles": [(MONTH, _S), ("shard", _I), ("minhash", _B), ("config", _S)],
    "claims": [(MONTH, _S), ("shard", _I), ("seq", _I)],
    "checks": [(MONTH, _S), ("shard", _I)],
    "rejections": [(MONTH, _S), ("shard", _I)],
}


def month_of(published_at: str | None) -> str:
    """The partition value of an ISO time: ``2025-05``, or ``unknown``.

    >>> month_of("2025-05-19T15:33:00+00:00"), month_of(None)
    ('2025-05', 'unknown')
    """
    return published_at[:7] if published_at else NO_MONTH


def work_schema(table: str) -> pa.Schema:
    schema = SCHEMAS[table]
    for name, type_ in WORK_COLUMNS.get(table, []):
        if name not in schema.names:
            schema = schema.append(pa.field(name, type_))
    return schema


def to_arrow(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows as a table of exactly ``schema`` (missing keys are nulls, extra keys dropped)."""
    return pa.Table.from_pylist([{n: r.get(n) for n in schema.names} for r in rows], schema=schema)


def write_shard(work: Path, key: str, tables: dict[str, pa.Table]) -> None:
    """Write one shard's tables into ``work/shards/<key>`` atomically (a folder renamed into place).

    A worker killed half way leaves only a ``.tmp-`` folder, which the next run
    deletes; a shard written twice (a retried task) is replaced whole.
    """
    final = work / "shards" / key
    tmp = work / "shards" / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    for name, table in tables.items():
        pq.write_table(table, tmp / f"{name}.parquet")
    if final.exists():
        shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)


def done_shards(work: Path) -> set[str]:
    """Keys of the shards already written; stale temporary folders are removed."""
    root = work / "shards"
    if not root.is_dir():
        return set()
    done: set[str] = set()
    for entry in root.iterdir():
        if entry.name.startswith(".tmp-"):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_dir():
            done.add(entry.name)
    return done


def shard_files(work: Path, table: str) -> list[str]:
    """The work files of one table, every shard's, in shard order."""
    root = work / "shards"
    return sorted(str(p / f"{table}.parquet") for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """The manifest of a finished run.

    Raises:
        StorageError: the folder holds no finished run.
    """
    path = Path(out_dir) / MANIFEST
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StorageError(f"{out_dir} holds no finished run ({MANIFEST} missing or unreadable); run it again to finish") from exc
    return data


def iter_table(out_dir: str | Path, table: str, batch_rows: int = IMPORT_BATCH_ROWS) -> Iterator[list[dict[str, Any]]]:
    """The rows of one output table in batches, without the partition column."""
    folder = Path(out_dir) / table
    if not folder.is_dir():
        return
    ds = pads.dataset(str(folder), format="parquet", partitioning="hive", schema=SCHEMAS[table].append(pa.field(MONTH, _S)))
    for batch in ds.to_batches(columns=SCHEMAS[table].names, batch_size=batch_rows):
        yield batch.to_pylist()


def import_output(out_dir: str | Path, db_path: str | Path) -> dict[str, int]:
    """Load the Parquet output of ``run --engine ray`` into a newsclaims database.

    Rows are upserted by id, so importing twice changes nothing. Returns the rows
    read per table.

    Example:
        >>> import_output("out/", "newsclaims.db")  # doctest: +SKIP
        {'articles': 29771, ...}

    Raises:
        StorageError: the folder holds no finished run, or the database cannot be opened.
    """
    manifest = read_manifest(out_dir)
    db = open_db(db_path)
    counts: dict[str, int] = {}
    for table in TABLES:
        n = 0
        for rows in iter_table(out_dir, table):
            with transaction(db):
                n += upsert(db, table, rows, pk=KEYS.get(table, "id"))
        counts[table] = n
    with transaction(db):
        upsert(db, "runs", [{
            "id": manifest["run_id"], "command": "run --engine ray", "started_at": manifest.get("started_at"),
            "finished_at": manifest.get("finished_at"), "status": "done",
            "settings_fingerprint": manifest.get("settings_fingerprint"), "settings": manifest.get("settings"),
            "dedup_fingerprint": manifest.get("dedup_fingerprint"), "args": json.dumps(manifest.get("args", [])),
            "summary": json.dumps(manifest.get("summary", {}), sort_keys=True),
        }], pk="id")
    return counts
