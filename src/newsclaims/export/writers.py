"""Stream query rows into CSV, JSONL and Parquet, batch by batch (flat memory)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import sqlite_utils

from ..errors import MissingExtraError
from .query import Query

#: rows fetched from SQLite and written per batch; bounds memory on large tables
#: (a batch of 5,000 claims is about 15 MB in Python objects).
BATCH_ROWS = 5000
#: the same for tables that carry whole article texts (about 10 KB a row in Python).
TEXT_BATCH_ROWS = 1000
#: text columns holding ISO 8601 times: Parquet gets them as timestamps in UTC.
TIME_COLUMNS = frozenset({"published_at", "as_of", "started_at", "finished_at", "open_time", "imported_at"})


def fetch_batches(db: sqlite_utils.Database, query: Query) -> Iterator[list[tuple[Any, ...]]]:
    """The query's rows, a batch at a time (smaller batches for article texts)."""
    size = TEXT_BATCH_ROWS if query.large_rows else BATCH_ROWS
    cursor = db.conn.execute(query.sql, query.params)
    try:
        while True:
            rows = cursor.fetchmany(size)
            if not rows:
                return
            yield rows
    finally:
        cursor.close()


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary sibling of ``path`` that replaces it only when writing succeeded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_csv(db: sqlite_utils.Database, query: Query, stream: TextIO) -> int:
    """Header then rows; ``None`` becomes an empty field."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([name for name, _ in query.columns])
    n = 0
    for rows in fetch_batches(db, query):
        writer.writerows(rows)
        n += len(rows)
    return n


def _decode_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def write_jsonl(db: sqlite_utils.Database, query: Query, stream: TextIO) -> int:
    """One JSON object per line; JSON text columns (evidence, removed) become objects."""
    names = [name for name, _ in query.columns]
    decode = [name in query.json_columns for name in names]
    n = 0
    for rows in fetch_batches(db, query):
        for row in rows:
            obj = {
                k: (_decode_json(v) if d else v) for k, v, d in zip(names, row, decode, strict=True)
            }
            stream.write(json.dumps(obj, ensure_ascii=False, default=str))
            stream.write("\n")
        n += len(rows)
    return n


def write_parquet(db: sqlite_utils.Database, query: Query, path: Path) -> int:
    """A Parquet file whose column types follow the database schema."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a core dependency
        raise MissingExtraError("pyarrow", "parquet", "Parquet export") from exc
    arrow_types = {
        "str": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bytes": pa.binary(),
        "time": pa.timestamp("us", tz="UTC"),
    }
    kinds = [("time" if name in TIME_COLUMNS and t == "str" else t) for name, t in query.columns]
    schema = pa.schema([(name, arrow_types[k]) for (name, _), k in zip(query.columns, kinds, strict=True)])
    n = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        for rows in fetch_batches(db, query):
            columns: Sequence[list[Any]] = [list(col) for col in zip(*rows, strict=True)]
            arrays = [
                pa.array(_coerce(col, k), type=arrow_types[k])
                for col, k in zip(columns, kinds, strict=True)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            n += len(rows)
    return n


def _coerce(values: list[Any], kind: str) -> list[Any]:
    """SQLite is loosely typed: make each value fit its declared column type."""
    if kind == "str":
        return [v if v is None or isinstance(v, str) else str(v) for v in values]
    if kind == "time":
        return [_utc_time(v) for v in values]
    if kind == "float":
        return [float(v) if isinstance(v, int | float) else None for v in values]
    if kind == "int":
        return [int(v) if isinstance(v, int | float) else None for v in values]
    return [v if v is None or isinstance(v, bytes) else str(v).encode() for v in values]


def _utc_time(value: Any) -> datetime | None:
    """An ISO 8601 text as an aware UTC datetime (naive text is UTC, as stored)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


@contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[None]:
    """Read everything inside one transaction: one consistent view of the database.

    With WAL a reader never blocks a writer, so ``export`` and ``report`` can run
    while ``run`` commits batches; without this each query would see a different
    moment of that run (claims whose article the previous query did not list).
    A connection already inside a transaction is left as it is.
    """
    conn = db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # take the snapshot now
        yield
    finally:
        conn.execute("COMMIT" if conn.in_transaction else "SELECT 1")
