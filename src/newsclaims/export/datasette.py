"""A Datasette-ready SQLite copy: filtered tables, foreign keys, full-text search, metadata."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from ..errors import ExportError
from .columns import COLUMN_DESCRIPTIONS, TABLE_DESCRIPTIONS
from .query import TABLES, ExportFilters, Query, build_query, quote
from .writers import atomic_path, fetch_batches, read_snapshot

log = logging.getLogger(__name__)

#: (table, column, other table, other column) links Datasette shows as links.
FOREIGN_KEYS = (
    ("articles", "cluster_id", "clusters", "id"),
    ("articles", "story_id", "stories", "id"),
    ("clusters", "canonical_id", "articles", "id"),
    ("stories", "canonical_id", "articles", "id"),
    ("claims", "article_id", "articles", "id"),
    ("checks", "claim_id", "claims", "id"),
    ("checks", "article_id", "articles", "id"),
    ("claims_wide", "claim_id", "claims", "id"),
    ("claims_wide", "article_id", "articles", "id"),
)
#: columns searched with SQLite FTS5 (Datasette's ``?_search=``).
FTS_COLUMNS = {
    "articles": ["title", "text"],
    "claims": ["sentence", "text"],
    "claims_wide": ["title", "sentence", "text"],
}
#: columns Datasette filters, facets and sorts on: indexed so that a page is quick.
INDEXES = {
    "articles": [["source"], ["published_at"]],
    "claims": [["type"], ["asset"]],
    "checks": [["verdict"], ["check"]],
    "claims_wide": [["verdict"], ["type"], ["asset"], ["published_at"], ["source"], ["type", "asset", "published_at"]],
}
#: the column Datasette shows for a row when another table links to it.
LABEL_COLUMNS = {"articles": "title", "claims": "text"}
#: facets Datasette offers on each table's page.
FACETS = {
    "articles": ["source"],
    "claims": ["type", "asset"],
    "checks": ["check", "verdict"],
    "claims_wide": ["verdict", "type", "asset"],
    "rejections": ["reason"],
}
_TYPES = {"str": str, "int": int, "float": float, "bytes": bytes}


def metadata_path(out: Path) -> Path:
    """Where the Datasette metadata of the copy ``out`` is written: ``metadata.json`` beside it."""
    return out.with_name("metadata.json")


def write_sqlite_copy(
    db: sqlite_utils.Database, out: Path, filters: ExportFilters, tables: tuple[str, ...] = TABLES
) -> dict[str, int]:
    """Write the exported ``tables`` (default every one) into a new SQLite file at ``out``.

    Each filter applies to the tables that have its field: the time and source
    filters to articles and all that hangs off them, type and asset to claims,
    checks and claims_wide, verdict to checks (their own verdict) and to claims
    (their worst verdict). Checks whose claim was filtered out are left out so that
    every foreign key resolves.

    Returns:
        Rows written per table.
    """
    queries: dict[str, Query] = {t: build_query(db, t, filters, strict=False) for t in tables}
    counts: dict[str, int] = {}
    with atomic_path(out) as tmp, read_snapshot(db):
        conn = sqlite3.connect(str(tmp))
        try:
            target = sqlite_utils.Database(conn)
            for table, query in queries.items():
                target[table].create(  # type: ignore[union-attr]
                    {name: _TYPES[kind] for name, kind in query.columns}, pk=query.pk
                )
            target.add_foreign_keys(
                [fk for fk in FOREIGN_KEYS if target[fk[0]].exists() and target[fk[2]].exists()]
            )
            names = {t: [n for n, _ in q.columns] for t, q in queries.items()}
            with conn:
                for table, query in queries.items():
                    n = 0
                    for rows in fetch_batches(db, query):
                        conn.executemany(
                            f"INSERT OR REPLACE INTO {quote(table)} "
                            f"({', '.join(quote(n) for n in names[table])}) "
                            f"VALUES ({', '.join('?' for _ in names[table])})",
                            rows,
                        )
                        n += len(rows)
                    counts[table] = n
                for child in ("checks", "claims_wide"):
                    if child in queries and "claims" in queries:
                        conn.execute(f"DELETE FROM {child} WHERE claim_id NOT IN (SELECT id FROM claims)")
                        counts[child] = conn.execute(f"SELECT COUNT(*) FROM {child}").fetchone()[0]
            for table, column, _, _ in FOREIGN_KEYS:
                if table in queries:
                    target[table].create_index([column], if_not_exists=True)  # type: ignore[union-attr]
            for table, indexes in INDEXES.items():
                if table in queries:
                    for cols in indexes:
                        target[table].create_index(cols, if_not_exists=True)  # type: ignore[union-attr]
            for table, columns in FTS_COLUMNS.items():
                if table in queries:
                    target[table].enable_fts(columns, create_triggers=False)  # type: ignore[union-attr]
        except sqlite3.Error as exc:
            raise ExportError(f"cannot write the SQLite copy {out}: {exc}") from exc
        finally:
            conn.close()
    _write_metadata(out, queries)
    log.info("sqlite copy %s: %s", out, counts)
    return counts


def _write_metadata(out: Path, queries: dict[str, Query]) -> Path:
    """Datasette metadata for the copy; other databases' entries in the file are kept."""
    path = metadata_path(out)
    meta: dict[str, Any] = {}
    if path.exists():
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if not isinstance(meta, dict):
            meta = {}
    meta.setdefault("title", "newsclaims")
    meta.setdefault("description", "Numeric market claims from crypto news, checked against market data.")
    databases = meta.setdefault("databases", {})
    if not isinstance(databases, dict):
        databases = meta["databases"] = {}
    tables: dict[str, Any] = {}
    for table, query in queries.items():
        descriptions = COLUMN_DESCRIPTIONS.get(table, {})
        tables[table] = {
            "description": TABLE_DESCRIPTIONS.get(table, ""),
            "columns": {n: descriptions[n] for n, _ in query.columns if n in descriptions},
        }
        if table in LABEL_COLUMNS:
            tables[table]["label_column"] = LABEL_COLUMNS[table]
        if table in FACETS:
            tables[table]["facets"] = FACETS[table]
    databases[out.stem] = {"tables": tables}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
