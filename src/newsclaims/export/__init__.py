"""Export tables as CSV, JSONL, Parquet or a Datasette-ready SQLite copy.

The CLI (``newsclaims export``) is a thin layer over :func:`export_table`. Every
output path is checked with :func:`safe_output_path` before anything is written, and
every query binds its values as parameters.

Example:
    >>> import io
    >>> from newsclaims.storage import open_db
    >>> db = open_db(":memory:")  # doctest: +SKIP
    >>> export_table(db, "claims", "csv", None, ExportFilters(type="price"),
    ...              stream=io.StringIO())  # doctest: +SKIP
    0
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal, TextIO

import sqlite_utils

from ..errors import ExportError
from .datasette import FOREIGN_KEYS, FTS_COLUMNS, metadata_path, write_sqlite_copy
from .paths import safe_file_stem, safe_output_path
from .query import APPLICABLE, TABLES, VERDICTS, ExportFilters, build_query, unmatched_filters
from .writers import atomic_path, read_snapshot, write_csv, write_jsonl, write_parquet

__all__ = [
    "APPLICABLE",
    "FOREIGN_KEYS",
    "FORMATS",
    "FTS_COLUMNS",
    "TABLES",
    "VERDICTS",
    "ExportFilters",
    "Format",
    "export_table",
    "metadata_path",
    "read_snapshot",
    "safe_file_stem",
    "safe_output_path",
    "unmatched_filters",
]

log = logging.getLogger(__name__)

Format = Literal["csv", "jsonl", "parquet", "sqlite"]
FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet", "sqlite")


def export_table(
    db: sqlite_utils.Database,
    table: str,
    fmt: Format,
    out: Path | None,
    filters: ExportFilters,
    *,
    base_dir: Path | None = None,
    stream: TextIO | None = None,
) -> int:
    """Write one table (or, for ``sqlite``, a copy of all of them) with filters.

    Args:
        db: the newsclaims database (opened with :func:`newsclaims.storage.open_db`).
        table: one of :data:`TABLES`; for ``fmt="sqlite"`` also ``"all"`` (every table;
            a named table alone is written with only its own rows).
        fmt: ``csv`` (header row), ``jsonl`` (one object a line), ``parquet`` (typed
            columns) or ``sqlite`` (a Datasette-ready copy of every table with
            full-text search, foreign keys and ``metadata.json`` beside it).
        out: the output file; ``None`` writes CSV/JSONL to ``stream``.
        filters: which rows. For csv/jsonl/parquet a filter the table has no field
            for is refused; the SQLite copy applies each where it is meaningful.
        base_dir: the folder outputs must stay in (default: the current directory).
        stream: the text stream for ``out=None`` (the CLI passes stdout).

    Returns:
        Rows written: of ``table``, or for ``sqlite`` the total over the tables written.

    Raises:
        OutputPathError: ``out`` lies outside ``base_dir``.
        ExportError: unknown table or format, a filter that does not apply, or no
            output (``out`` and ``stream`` both ``None``; Parquet and SQLite need ``out``).

    Example:
        >>> n = export_table(db, "claims_wide", "parquet", Path("wide.parquet"),
        ...                  ExportFilters(verdict="inconsistent"))  # doctest: +SKIP
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt == "sqlite":
        if table != "all" and table not in TABLES:
            raise ExportError(f"unknown table {table!r}; known: all, {', '.join(TABLES)}")
        if out is None:
            raise ExportError("the sqlite format needs an output file (-o FILE)")
        target = safe_output_path(out, base_dir)
        if metadata_path(target) == target:
            raise ExportError("the SQLite copy cannot be called metadata.json")
        try:
            counts = write_sqlite_copy(db, target, filters, TABLES if table == "all" else (table,))
        except OSError as exc:
            raise ExportError(f"cannot write {target}: {exc}") from exc
        return sum(counts.values())
    query = build_query(db, table, filters)
    if out is None:
        if fmt == "parquet":
            raise ExportError("the parquet format needs an output file (-o FILE)")
        if stream is None:
            raise ExportError("no output: give a file or a stream")
        with read_snapshot(db):
            return write_csv(db, query, stream) if fmt == "csv" else write_jsonl(db, query, stream)
    target = safe_output_path(out, base_dir)
    if target.is_dir():
        raise ExportError(f"{target} is a folder; give a file name")
    try:
        with atomic_path(target) as tmp, read_snapshot(db):
            if fmt == "parquet":
                n = write_parquet(db, query, tmp)
            else:
                with tmp.open("w", encoding="utf-8", newline="") as fh:
                    n = write_csv(db, query, fh) if fmt == "csv" else write_jsonl(db, query, fh)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc}") from exc
    log.info("exported %d rows of %s to %s", n, table, target)
    return n
