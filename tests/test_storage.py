"""Storage: numbered migrations, WAL, idempotent upserts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from newsclaims.errors import StorageError
from newsclaims.storage import migrations, open_db, transaction, upsert

CONTRACT = {
    "articles": {"id", "source_id", "title", "text", "published_at", "url", "source", "cluster_id", "is_canonical", "story_id"},
    "claims": {"id", "article_id", "source_id", "type", "asset", "subject", "value", "value_max", "unit", "direction", "window", "side", "qualifier", "text", "start", "end", "sentence", "confidence", "extractor"},
    "checks": {"id", "claim_id", "check", "verdict", "severity", "expected", "observed", "deviation", "tolerance", "reason", "evidence", "as_of"},
    "rejections": {"source_id", "reason", "detail"},
    "clusters": {"id"},
    "stories": {"id"},
    "runs": {"id", "settings_fingerprint"},
    "market_candles": {"asset", "quote", "interval", "open_time", "open", "high", "low", "close", "volume", "source"},
}


def test_fresh_database_has_the_contract_tables_and_columns(db_path: Path) -> None:
    db = open_db(db_path)
    for table, cols in CONTRACT.items():
        assert cols <= set(db[table].columns_dict), table
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrations_are_numbered_and_applied_once(db_path: Path) -> None:
    names = [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]
    assert names == sorted(names) and all(n[:4].isdigit() for n in names)
    db = open_db(db_path)
    applied = [m.name for m in migrations.applied(db)]
    assert applied == names
    db.conn.close()
    db2 = open_db(db_path)  # re-opening applies nothing again
    assert [m.name for m in migrations.applied(db2)] == names


def test_an_old_database_is_upgraded_in_place(db_path: Path) -> None:
    db = sqlite_utils.Database(db_path)
    migrations.apply(db, stop_before="0002_claims")
    db["articles"].insert({"id": "a1", "source_id": "s", "title": "t", "text": "x"})
    assert "claims" not in db.table_names()
    db.conn.close()
    db2 = open_db(db_path)
    assert {"claims", "checks", "stories", "inputs_done"} <= set(db2.table_names())
    assert "stage" in db2["articles"].columns_dict
    assert db2["articles"].get("a1")["text"] == "x"  # data kept


def test_upserts_are_idempotent(db_path: Path) -> None:
    db = open_db(db_path)
    rows = [{"id": f"r{i}", "source_id": "s", "reason": "empty", "detail": "d", "origin": "o", "run_id": "x"} for i in range(3)]
    for _ in range(2):
        with transaction(db):
            upsert(db, "rejections", rows, pk="id")
    assert db["rejections"].count == 3


def test_transaction_rolls_back_on_error(db_path: Path) -> None:
    db = open_db(db_path)
    with pytest.raises(RuntimeError), transaction(db):
        upsert(db, "rejections", [{"id": "x", "source_id": "s", "reason": "empty", "detail": "d"}], pk="id")
        raise RuntimeError("boom")
    assert db["rejections"].count == 0


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="cannot open database"):
        open_db(bad)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        open_db(tmp_path / "nope" / "x.db")


def test_two_connections_see_committed_rows(db_path: Path) -> None:
    a = open_db(db_path)
    b = open_db(db_path)
    with transaction(a):
        upsert(a, "rejections", [{"id": "x", "source_id": "s", "reason": "empty", "detail": "d"}], pk="id")
    assert b["rejections"].count == 1
    assert isinstance(a.conn, sqlite3.Connection)


def test_migration_0008_adds_confidence_and_finding_to_old_checks(db_path: Path) -> None:
    db = sqlite_utils.Database(db_path)
    migrations.apply(db, stop_before="0008_check_confidence")
    db["checks"].insert({"id": "k1", "claim_id": "c1", "check": "market_price", "verdict": "inconsistent", "reason": "r"})
    assert "confidence" not in db["checks"].columns_dict
    db.conn.close()
    db2 = open_db(db_path)
    cols = db2["checks"].columns_dict
    assert cols["confidence"] is float and cols["finding"] is str
    row = db2["checks"].get("k1")
    assert row["verdict"] == "inconsistent" and row["confidence"] is None  # kept, not yet scored
