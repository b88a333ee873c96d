"""The SELECT behind each exported table, built from the filters with bound parameters.

Identifiers (column names read from the schema, check names) are quoted and
validated; every value a user gives is bound as a parameter, never formatted in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlite_utils
from pydantic import BaseModel, ConfigDict, field_validator

from ..errors import ExportError
from ..models import CHECK_NAMES, CLAIM_TYPES

TABLES = ("articles", "clusters", "stories", "claims", "checks", "rejections", "claims_wide", "source_zones")
VERDICTS = ("consistent", "inconsistent", "unverifiable")

#: worst first; the rank orders verdicts when a claim has several checks.
VERDICT_RANK = {"inconsistent": 3, "unverifiable": 2, "consistent": 1}
_RANK_SQL = (
    "CASE {col} WHEN 'inconsistent' THEN 3 WHEN 'unverifiable' THEN 2 "
    "WHEN 'consistent' THEN 1 ELSE 0 END"
)
_UNRANK_SQL = (
    "CASE {col} WHEN 3 THEN 'inconsistent' WHEN 2 THEN 'unverifiable' "
    "WHEN 1 THEN 'consistent' ELSE NULL END"
)
#: a check name must look like this to become a claims_wide column name.
_CHECK_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")

#: which filters each table understands (strict exports refuse the others).
APPLICABLE: dict[str, frozenset[str]] = {
    "articles": frozenset({"since", "until", "source"}),
    "clusters": frozenset({"since", "until", "source"}),
    "stories": frozenset({"since", "until", "source"}),
    "claims": frozenset({"type", "asset", "verdict", "since", "until", "source"}),
    "checks": frozenset({"type", "asset", "verdict", "since", "until", "source"}),
    "claims_wide": frozenset({"type", "asset", "verdict", "since", "until", "source"}),
    "rejections": frozenset(),
    "source_zones": frozenset({"source"}),
}

#: rows come out in primary-key order: it walks the key's index, so no table is sorted
#: in memory (an ORDER BY published_at over article texts made SQLite sort them all).
_ORDER = {
    "articles": "t.id",
    "clusters": "t.id",
    "stories": "t.id",
    "claims": "t.id",
    # flags worth a person's time first (spec/checks.md ``confidence``), then by id
    "checks": "t.confidence IS NULL, t.confidence DESC, t.id",
    "rejections": "t.id",
    "source_zones": "t.source",
}

_SQL_TYPES = {"TEXT": "str", "INTEGER": "int", "FLOAT": "float", "REAL": "float", "BLOB": "bytes"}


class ExportFilters(BaseModel):
    """Which rows to export. ``None`` means "no filter on this field".

    ``since`` is inclusive and ``until`` exclusive (consecutive windows do not
    overlap); both compare with the article's publication time, and a naive time is
    taken as UTC. ``source`` and ``asset`` compare without regard to case.

    Example:
        >>> ExportFilters(type="price", asset="btc").asset
        'BTC'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str | None = None
    asset: str | None = None
    verdict: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, v: str | None) -> str | None:
        if v is not None and v not in CLAIM_TYPES:
            raise ValueError(f"unknown claim type {v!r}; known: {', '.join(CLAIM_TYPES)}")
        return v

    @field_validator("verdict")
    @classmethod
    def _known_verdict(cls, v: str | None) -> str | None:
        if v is not None and v not in VERDICTS:
            raise ValueError(f"unknown verdict {v!r}; known: {', '.join(VERDICTS)}")
        return v

    @field_validator("asset")
    @classmethod
    def _upper(cls, v: str | None) -> str | None:
        return None if v is None else v.strip().upper()

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            return v.replace(tzinfo=UTC)
        return v

    def given(self) -> set[str]:
        """Names of the filters that are set."""
        return {k for k, v in self.model_dump().items() if v is not None}


@dataclass(frozen=True)
class Query:
    """A SELECT with its named parameters and the (name, python type) of each column."""

    sql: str
    params: dict[str, Any]
    columns: list[tuple[str, str]]
    pk: str = "id"
    json_columns: frozenset[str] = field(default_factory=frozenset)
    #: rows carry whole article texts (fetched in smaller batches).
    large_rows: bool = False


def quote(name: str) -> str:
    """Quote an SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'


def _columns(db: sqlite_utils.Database, table: str) -> list[tuple[str, str]]:
    if not db[table].exists():
        raise ExportError(f"the database has no table {table!r}: was it made by newsclaims?")
    return [(c.name, _SQL_TYPES.get(c.type.upper(), "str")) for c in db[table].columns]  # type: ignore[union-attr]


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


def _article_conds(f: ExportFilters, a: str, params: dict[str, Any]) -> list[str]:
    conds = []
    if f.since is not None:
        params["since"] = _iso(f.since)
        conds.append(f"{a}.published_at >= :since")
    if f.until is not None:
        params["until"] = _iso(f.until)
        conds.append(f"{a}.published_at < :until")
    if f.source is not None:
        params["source"] = f.source
        conds.append(f"{a}.source = :source COLLATE NOCASE")
    return conds


def _claim_conds(f: ExportFilters, c: str, params: dict[str, Any]) -> list[str]:
    conds = []
    if f.type is not None:
        params["type"] = f.type
        conds.append(f"{c}.type = :type")
    if f.asset is not None:
        params["asset"] = f.asset
        conds.append(f"{c}.asset = :asset COLLATE NOCASE")
    return conds


def _worst_verdict_cond(f: ExportFilters, c: str, params: dict[str, Any]) -> list[str]:
    if f.verdict is None:
        return []
    params["verdict_rank"] = VERDICT_RANK[f.verdict]
    rank = _RANK_SQL.format(col="k2.verdict")
    return [f"(SELECT MAX({rank}) FROM checks k2 WHERE k2.claim_id = {c}.id) = :verdict_rank"]


def check_filters(table: str, filters: ExportFilters) -> None:
    """Refuse filters that a table has no field for (rather than ignore them).

    Raises:
        ExportError: a filter does not apply to ``table``.
    """
    extra = filters.given() - APPLICABLE[table]
    if extra:
        allowed = ", ".join(f"--{n}" for n in sorted(APPLICABLE[table])) or "none"
        raise ExportError(
            f"filter {', '.join('--' + n for n in sorted(extra))} does not apply to table "
            f"{table!r} (filters it takes: {allowed})"
        )


def build_query(
    db: sqlite_utils.Database, table: str, filters: ExportFilters, *, strict: bool = True
) -> Query:
    """The SELECT that exports ``table`` with ``filters``.

    Args:
        db: the newsclaims database.
        table: one of :data:`TABLES`.
        filters: which rows.
        strict: refuse filters the table has no field for; when ``False`` they are
            ignored (the Datasette copy applies each filter where it is meaningful).

    Raises:
        ExportError: unknown table, or a filter that does not apply (when strict).
    """
    if table not in TABLES:
        raise ExportError(f"unknown table {table!r}; known: {', '.join(TABLES)}")
    if strict:
        check_filters(table, filters)
    if table == "claims_wide":
        return _claims_wide(db, filters)
    cols = _columns(db, table)
    params: dict[str, Any] = {}
    joins = ""
    conds: list[str] = []
    if table == "articles":
        conds = _article_conds(filters, "t", params)
    elif table in ("clusters", "stories"):
        member = "cluster_id" if table == "clusters" else "story_id"
        inner = _article_conds(filters, "a", params)
        if inner:
            conds = [
                f"EXISTS (SELECT 1 FROM articles a WHERE a.{member} = t.id AND {' AND '.join(inner)})"
            ]
    elif table == "claims":
        a_conds = _article_conds(filters, "a", params)
        if a_conds:
            joins = " JOIN articles a ON a.id = t.article_id"
        conds = _claim_conds(filters, "t", params) + a_conds + _worst_verdict_cond(filters, "t", params)
    elif table == "source_zones" and filters.source is not None:
        params["source"] = filters.source
        conds = ["t.source = :source COLLATE NOCASE"]
    elif table == "checks":
        c_conds = _claim_conds(filters, "c", params)
        a_conds = _article_conds(filters, "a", params)
        if c_conds:
            joins += " JOIN claims c ON c.id = t.claim_id"
        if a_conds:
            joins += " JOIN articles a ON a.id = t.article_id"
        conds = c_conds + a_conds
        if filters.verdict is not None:
            params["verdict"] = filters.verdict
            conds.append("t.verdict = :verdict")
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    select = ", ".join(f"t.{quote(n)}" for n, _ in cols)
    sql = f"SELECT {select} FROM {quote(table)} t{joins}{where} ORDER BY {_ORDER[table]}"
    json_cols = {"articles": {"removed"}, "checks": {"evidence"}}.get(table, set())
    return Query(
        sql, params, cols, pk="source" if table == "source_zones" else "id", json_columns=frozenset(json_cols),
        large_rows=table == "articles"
    )


def _check_columns(db: sqlite_utils.Database) -> list[str]:
    names = list(CHECK_NAMES)
    for (name,) in db.conn.execute('SELECT DISTINCT "check" FROM checks ORDER BY 1'):
        if isinstance(name, str) and _CHECK_NAME_RE.match(name) and name not in names:
            names.append(name)
    return names


_WIDE_ARTICLE = ("title", "source", "url", "published_at", "cluster_id", "story_id")


def _claims_wide(db: sqlite_utils.Database, filters: ExportFilters) -> Query:
    claim_cols = _columns(db, "claims")
    art_types = dict(_columns(db, "articles"))
    params: dict[str, Any] = {}
    check_names = _check_columns(db)
    rank = _RANK_SQL.format(col="verdict")
    per_check = []
    out_cols: list[tuple[str, str]] = [("claim_id", "str"), ("article_id", "str"), ("source_id", "str")]
    out_cols += [(n, art_types.get(n, "str")) for n in _WIDE_ARTICLE]
    out_cols += [(n, t) for n, t in claim_cols if n not in ("id", "article_id", "source_id")]
    select = ["c.id AS claim_id", "c.article_id", "c.source_id"]
    select += [f"a.{quote(n)}" for n in _WIDE_ARTICLE]
    select += [f"c.{quote(n)}" for n, _ in claim_cols if n not in ("id", "article_id", "source_id")]
    select += [f"{_UNRANK_SQL.format(col='v.worst')} AS verdict", "COALESCE(v.n, 0) AS checks"]
    out_cols += [("verdict", "str"), ("checks", "int")]
    for i, name in enumerate(check_names):
        params[f"check{i}"] = name
        per_check.append(f'MAX(CASE WHEN "check" = :check{i} THEN rank END) AS r{i}')
        select.append(f"{_UNRANK_SQL.format(col=f'v.r{i}')} AS {quote('verdict_' + name)}")
        out_cols.append((f"verdict_{name}", "str"))
    # ``confidence`` is the claim's extraction confidence: the flag's is ``flag_confidence``
    select += ["v.reasons", "v.confidence AS flag_confidence", "v.finding"]
    out_cols += [("reasons", "str"), ("flag_confidence", "float"), ("finding", "str")]
    verdicts = (
        "SELECT claim_id, MAX(rank) AS worst, COUNT(*) AS n, "
        + "".join(p + ", " for p in per_check)
        + "group_concat(verdict || ': ' || reason, ' | ') AS reasons, "
        + "MAX(CASE WHEN verdict = 'inconsistent' THEN confidence END) AS confidence, "
        + "group_concat(DISTINCT finding) AS finding "
        + f'FROM (SELECT claim_id, "check", verdict, reason, confidence, finding, {rank} AS rank FROM checks '
        + 'ORDER BY claim_id, rank DESC, confidence DESC, "check", id) GROUP BY claim_id'
    )
    conds = _claim_conds(filters, "c", params) + _article_conds(filters, "a", params)
    if filters.verdict is not None:
        params["verdict_rank"] = VERDICT_RANK[filters.verdict]
        conds.append("v.worst = :verdict_rank")
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    sql = (
        f"SELECT {', '.join(select)} FROM claims c LEFT JOIN articles a ON a.id = c.article_id "
        f"LEFT JOIN ({verdicts}) v ON v.claim_id = c.id{where} "
        "ORDER BY v.confidence IS NULL, v.confidence DESC, c.id"
    )
    return Query(sql, params, out_cols, pk="claim_id")


def unmatched_filters(db: sqlite_utils.Database, filters: ExportFilters) -> list[str]:
    """Filter values that match nothing in the database, each with the values that exist.

    ``--asset DOGEEE`` writes no rows; this says why instead of leaving an empty file.

    Example:
        >>> unmatched_filters(db, ExportFilters(asset="DOGEEE"))  # doctest: +SKIP
        ['--asset DOGEEE matches no claim (assets: BTC, ETH, SOL)']
    """
    out: list[str] = []
    checks = (
        ("asset", filters.asset, "claims", "asset", "claim", "assets"),
        ("source", filters.source, "articles", "source", "article", "sources"),
        ("type", filters.type, "claims", "type", "claim", "types"),
    )
    for flag, value, table, column, what, plural in checks:
        if value is None or not db[table].exists():
            continue
        hit = db.execute(
            f"SELECT 1 FROM {quote(table)} WHERE {quote(column)} = ? COLLATE NOCASE LIMIT 1", [value]
        ).fetchone()
        if hit is None:
            rows = db.execute(
                f"SELECT {quote(column)}, COUNT(*) AS n FROM {quote(table)} WHERE {quote(column)} IS NOT NULL "
                f"GROUP BY 1 ORDER BY n DESC LIMIT 12"
            ).fetchall()
            known = ", ".join(str(r[0]) for r in rows) or "none"
            out.append(f"--{flag} {value} matches no {what} (most common {plural}: {known})")
    return out
