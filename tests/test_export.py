"""Exports round-trip through their readers, filters select what they say, paths stay put.

The database is built from ``tests/fixtures/report/rows.json``: the four seed
articles and four real dev articles with their gold claims and checks against real
Binance candles (see ``tests/fixtures/report/make_fixture.py``), plus an article with
injected HTML and a path-like id.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlite_utils
from pydantic import ValidationError

from newsclaims.errors import ExportError, OutputPathError
from newsclaims.export import (
    TABLES,
    ExportFilters,
    export_table,
    metadata_path,
    safe_file_stem,
    safe_output_path,
)
from newsclaims.storage import open_db, transaction, upsert

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "report" / "rows.json"
ROWS: dict[str, list[dict[str, Any]]] = json.loads(FIXTURE.read_text(encoding="utf-8"))
RANK = {"inconsistent": 3, "unverifiable": 2, "consistent": 1}
#: two publishers' zones as a run infers them (``source_zones`` is keyed by source).
ZONES: list[dict[str, Any]] = [
    {"source": "newsbtc", "zone": "+02:00", "inferred": 1, "status": "inferred", "claims": 400, "best_offset": "+02:00",
     "best_pct": 0.31, "default_pct": 0.79, "runner_up_pct": 0.62, "stability": 0.97, "default_zone": "UTC"},
    {"source": "Cointelegraph", "zone": "UTC", "inferred": 0, "status": "too_few_claims", "claims": 4, "best_offset": None,
     "best_pct": None, "default_pct": None, "runner_up_pct": None, "stability": None, "default_zone": "UTC"},
]
ROWS_OF = {**ROWS, "source_zones": ZONES}


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = open_db(tmp_path / "news.db")
    with transaction(database):
        for table, rows in ROWS.items():
            upsert(database, table, rows, "id")
        upsert(database, "source_zones", ZONES, "source")
    return database


def _articles() -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in ROWS["articles"]}


def _worst(claim_id: str) -> str:
    verdicts = [k["verdict"] for k in ROWS["checks"] if k["claim_id"] == claim_id]
    return max(verdicts, key=RANK.__getitem__)


def _csv(db: sqlite_utils.Database, table: str, filters: ExportFilters | None = None) -> list[dict[str, str]]:
    out = io.StringIO()
    n = export_table(db, table, "csv", None, filters or ExportFilters(), stream=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert n == len(rows)
    return rows


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("table", [t for t in TABLES if t not in ("claims_wide", "source_zones")])
def test_csv_round_trip_every_table(db: sqlite_utils.Database, tmp_path: Path, table: str) -> None:
    out = tmp_path / f"{table}.csv"
    n = export_table(db, table, "csv", out, ExportFilters(), base_dir=tmp_path)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert n == len(rows) == len(ROWS[table])
    by_id = {r["id"]: r for r in rows}
    for src in ROWS[table]:
        got = by_id[src["id"]]
        for key, value in src.items():
            assert got[key] == ("" if value is None else str(value)), (table, key)


def test_source_zones_export_with_their_evidence_and_filter_by_source(db: sqlite_utils.Database) -> None:
    rows = _csv(db, "source_zones")
    assert [r["source"] for r in rows] == ["Cointelegraph", "newsbtc"]  # in key order
    assert rows[1]["zone"] == "+02:00" and rows[1]["inferred"] == "1" and rows[1]["best_pct"] == "0.31"
    assert rows[0]["best_offset"] == ""
    assert [r["source"] for r in _csv(db, "source_zones", ExportFilters(source="NEWSBTC"))] == ["newsbtc"]
    with pytest.raises(ExportError, match="--type"):
        _csv(db, "source_zones", ExportFilters(type="price"))


def test_csv_keeps_text_with_newlines_quotes_and_markup(db: sqlite_utils.Database) -> None:
    rows = {r["id"]: r for r in _csv(db, "articles")}
    for a in ROWS["articles"]:
        assert rows[a["id"]]["text"] == a["text"]
    assert any("<script>" in r["text"] and "\n" in r["text"] for r in rows.values())


def test_jsonl_round_trip_decodes_evidence(db: sqlite_utils.Database, tmp_path: Path) -> None:
    out = tmp_path / "checks.jsonl"
    n = export_table(db, "checks", "jsonl", out, ExportFilters(), base_dir=tmp_path)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert n == len(lines) == len(ROWS["checks"])
    got = {r["id"]: r for r in map(json.loads, lines)}
    for src in ROWS["checks"]:
        row = got[src["id"]]
        assert row["evidence"] == json.loads(src["evidence"])
        assert isinstance(row["evidence"], dict)
        assert {k: row[k] for k in src if k != "evidence"} == {
            k: v for k, v in src.items() if k != "evidence"
        }
        # rows written before migration 0008 have no confidence or finding yet
        assert set(row) - set(src) <= {"confidence", "finding"}


def test_flags_are_exported_most_confident_first(db: sqlite_utils.Database, tmp_path: Path) -> None:
    flags = [r["id"] for r in db.query("SELECT id FROM checks WHERE verdict = 'inconsistent' ORDER BY id")]
    assert len(flags) >= 2
    scores = {fid: round(0.2 + 0.7 * i / (len(flags) - 1), 3) for i, fid in enumerate(flags)}
    for fid, score in scores.items():
        db.execute("UPDATE checks SET confidence = ?, finding = 'stale' WHERE id = ?", [score, fid])
    db.conn.commit()
    rows = _csv(db, "checks")
    assert [r["id"] for r in rows[: len(flags)]] == sorted(scores, key=lambda f: -scores[f])
    wide = _csv(db, "claims_wide")
    confs = [float(r["flag_confidence"]) for r in wide if r["flag_confidence"]]
    assert confs == sorted(confs, reverse=True) and len(confs) >= 2
    assert wide[0]["finding"] == "stale" and wide[0]["verdict"] == "inconsistent"
    assert all(r["flag_confidence"] == "" for r in wide[len(confs):])


def test_jsonl_claims_offsets_index_the_article_text(db: sqlite_utils.Database) -> None:
    out = io.StringIO()
    export_table(db, "claims", "jsonl", None, ExportFilters(), stream=out)
    claims = [json.loads(line) for line in out.getvalue().splitlines()]
    texts = {a["id"]: a["text"] for a in ROWS["articles"]}
    assert len(claims) == len(ROWS["claims"])
    for c in claims:
        assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]


def test_parquet_round_trip_with_types(db: sqlite_utils.Database, tmp_path: Path) -> None:
    out = tmp_path / "claims.parquet"
    n = export_table(db, "claims", "parquet", out, ExportFilters(), base_dir=tmp_path)
    table = pq.read_table(out)
    assert n == table.num_rows == len(ROWS["claims"])
    assert str(table.schema.field("value").type) == "double"
    assert str(table.schema.field("start").type) == "int64"
    assert str(table.schema.field("text").type) == "string"
    got = {r["id"]: r for r in table.to_pylist()}
    for src in ROWS["claims"]:
        assert {k: got[src["id"]][k] for k in src} == src


def test_parquet_of_an_empty_selection_keeps_the_schema(db: sqlite_utils.Database, tmp_path: Path) -> None:
    out = tmp_path / "none.parquet"
    n = export_table(db, "claims_wide", "parquet", out, ExportFilters(asset="NOPE"), base_dir=tmp_path)
    table = pq.read_table(out)
    assert n == table.num_rows == 0
    assert "verdict" in table.schema.names and "title" in table.schema.names


# --------------------------------------------------------------------------- claims_wide


def test_claims_wide_has_one_row_per_claim_with_worst_verdict(db: sqlite_utils.Database) -> None:
    rows = _csv(db, "claims_wide")
    assert len(rows) == len(ROWS["claims"])
    articles = _articles()
    for r in rows:
        a = articles[r["article_id"]]
        assert r["title"] == a["title"] and r["source"] == (a["source"] or "")
        assert r["story_id"] == a["story_id"] and r["cluster_id"] == a["cluster_id"]
        assert r["verdict"] == _worst(r["claim_id"])
        checks = [k for k in ROWS["checks"] if k["claim_id"] == r["claim_id"]]
        assert int(r["checks"]) == len(checks)
        for k in checks:
            assert r[f"verdict_{k['check']}"] == k["verdict"]
            assert k["reason"] in r["reasons"]


def test_claims_wide_names_the_seed_price_conflict(db: sqlite_utils.Database) -> None:
    rows = [r for r in _csv(db, "claims_wide") if r["source_id"].startswith("000_") and r["type"] == "price"]
    assert len(rows) == 1
    r = rows[0]
    assert r["text"] == "Bitcoin is trading at $67.46K"
    assert r["verdict"] == "inconsistent"
    assert r["verdict_cross_copy"] == "inconsistent"
    assert r["verdict_market_price"] == "unverifiable"
    assert r["verdict_level_vs_price"] == ""
    assert r["reasons"].startswith("inconsistent: ")


# --------------------------------------------------------------------------- filters


def test_filter_type_and_asset(db: sqlite_utils.Database) -> None:
    rows = _csv(db, "claims", ExportFilters(type="support", asset="btc"))
    expected = {c["id"] for c in ROWS["claims"] if c["type"] == "support" and c["asset"] == "BTC"}
    assert expected and {r["id"] for r in rows} == expected


def test_filter_since_until_is_half_open_on_published_at(db: sqlite_utils.Database) -> None:
    since = datetime(2025, 5, 22, 11, 39, 3, tzinfo=UTC)  # exactly mj002574's time: included
    until = datetime(2025, 6, 24, 14, 46, 30)  # naive = UTC, exactly mj015310's time: excluded
    rows = _csv(db, "articles", ExportFilters(since=since, until=until))
    expected = {
        a["id"] for a in ROWS["articles"]
        if a["published_at"] and since <= datetime.fromisoformat(a["published_at"]) < until.replace(tzinfo=UTC)
    }
    assert {r["id"] for r in rows} == expected
    assert {r["source_id"] for r in rows} >= {"mj002574", "mj013058"}
    assert "mj015310" not in {r["source_id"] for r in rows}
    claims = _csv(db, "claims", ExportFilters(since=since, until=until))
    assert {c["article_id"] for c in claims} == expected


def test_filter_source_ignores_case(db: sqlite_utils.Database) -> None:
    rows = _csv(db, "claims_wide", ExportFilters(source="CoinPedia"))
    expected = {c["id"] for c in ROWS["claims"] if _articles()[c["article_id"]]["source"] == "coinpedia"}
    assert expected and {r["claim_id"] for r in rows} == expected


def test_filter_verdict_on_checks_and_on_claims(db: sqlite_utils.Database) -> None:
    checks = _csv(db, "checks", ExportFilters(verdict="inconsistent"))
    assert {r["id"] for r in checks} == {k["id"] for k in ROWS["checks"] if k["verdict"] == "inconsistent"}
    claims = _csv(db, "claims", ExportFilters(verdict="unverifiable"))
    expected = {c["id"] for c in ROWS["claims"] if _worst(c["id"]) == "unverifiable"}
    assert expected and {r["id"] for r in claims} == expected
    wide = _csv(db, "claims_wide", ExportFilters(verdict="consistent", type="price"))
    expected = {c["id"] for c in ROWS["claims"] if c["type"] == "price" and _worst(c["id"]) == "consistent"}
    assert expected and {r["claim_id"] for r in wide} == expected


def test_filter_on_clusters_and_stories_goes_through_their_articles(db: sqlite_utils.Database) -> None:
    stories = _csv(db, "stories", ExportFilters(source="seed"))
    expected = {a["story_id"] for a in ROWS["articles"] if a["source"] == "seed"}
    assert {r["id"] for r in stories} == expected and len(expected) == 2


def test_filter_that_does_not_apply_is_refused(db: sqlite_utils.Database) -> None:
    with pytest.raises(ExportError, match="--type does not apply to table 'articles'"):
        _csv(db, "articles", ExportFilters(type="price"))
    with pytest.raises(ExportError, match="rejections"):
        _csv(db, "rejections", ExportFilters(source="seed"))


def test_filter_values_are_bound_not_spliced(db: sqlite_utils.Database) -> None:
    assert _csv(db, "articles", ExportFilters(source="seed' OR '1'='1")) == []
    assert _csv(db, "claims", ExportFilters(asset='BTC" OR 1=1 --')) == []
    assert len(_csv(db, "articles")) == len(ROWS["articles"])


def test_filters_are_validated() -> None:
    with pytest.raises(ValidationError, match="unknown verdict"):
        ExportFilters(verdict="wrong")
    with pytest.raises(ValidationError, match="unknown claim type"):
        ExportFilters(type="prices")


def test_unknown_table_and_missing_output(db: sqlite_utils.Database, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown table"):
        export_table(db, "runs; DROP TABLE claims", "csv", None, ExportFilters(), stream=io.StringIO())
    with pytest.raises(ExportError, match="needs an output file"):
        export_table(db, "claims", "parquet", None, ExportFilters())
    with pytest.raises(ExportError, match="no output"):
        export_table(db, "claims", "csv", None, ExportFilters())
    (tmp_path / "folder").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        export_table(db, "claims", "csv", tmp_path / "folder", ExportFilters(), base_dir=tmp_path)
    assert db["claims"].count == len(ROWS["claims"])


# --------------------------------------------------------------------------- paths


def test_output_outside_the_folder_is_refused(db: sqlite_utils.Database, tmp_path: Path) -> None:
    base = tmp_path / "out"
    base.mkdir()
    for bad in (tmp_path / "claims.csv", base / ".." / "claims.csv", Path("/etc/claims.csv")):
        with pytest.raises(OutputPathError, match="outside"):
            export_table(db, "claims", "csv", bad, ExportFilters(), base_dir=base)
    (base / "link").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(OutputPathError):
        export_table(db, "claims", "parquet", base / "link" / "claims.parquet", ExportFilters(), base_dir=base)
    with pytest.raises(OutputPathError):
        export_table(db, "claims", "sqlite", base / ".." / "copy.db", ExportFilters(), base_dir=base)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.db", "news.db-shm", "news.db-wal", "out"]
    n = export_table(db, "claims", "csv", base / "sub" / "claims.csv", ExportFilters(), base_dir=base)
    assert n == len(ROWS["claims"]) and (base / "sub" / "claims.csv").is_file()


def test_default_base_is_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert safe_output_path("a/b.csv") == tmp_path.resolve() / "a" / "b.csv"
    with pytest.raises(OutputPathError):
        safe_output_path("../b.csv")
    with pytest.raises(OutputPathError):
        safe_output_path(".")


def test_ids_become_safe_file_names() -> None:
    assert safe_file_stem("8e8d785f63898a59") == "8e8d785f63898a59"
    for bad in ("../../etc/passwd", "a/b", "..", "", "x" * 300, "con:1", "a\\b", "ü"):
        stem = safe_file_stem(bad)
        assert stem and len(stem) <= 100
        assert all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in stem)
    assert safe_file_stem("a/b") != safe_file_stem("a_b")


# --------------------------------------------------------------------------- Datasette copy


def test_sqlite_copy_has_fts_foreign_keys_and_metadata(db: sqlite_utils.Database, tmp_path: Path) -> None:
    out = tmp_path / "copy" / "news-copy.db"
    n = export_table(db, "all", "sqlite", out, ExportFilters(), base_dir=tmp_path)
    copy = sqlite3.connect(out)
    counts = {t: copy.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
    assert counts == {t: len(ROWS_OF[t]) if t != "claims_wide" else len(ROWS["claims"]) for t in TABLES}
    assert n == sum(counts.values())
    hits = copy.execute(
        "SELECT a.source_id FROM articles_fts f JOIN articles a ON a.rowid = f.rowid "
        "WHERE articles_fts MATCH ? ORDER BY a.source_id", ("liquidated",)
    ).fetchall()
    expected = sorted(a["source_id"] for a in ROWS["articles"] if "liquidated" in a["text"].lower())
    assert expected and [h[0] for h in hits] == expected
    sentences = copy.execute(
        "SELECT c.sentence FROM claims_fts f JOIN claims c ON c.rowid = f.rowid WHERE claims_fts MATCH ?",
        ("support",),
    ).fetchall()
    assert sentences and all("support" in s[0].lower() for s in sentences)
    fks = {(t, r[3], r[2], r[4]) for t in ("claims", "checks", "articles") for r in copy.execute(f"PRAGMA foreign_key_list({t})")}
    assert ("claims", "article_id", "articles", "id") in fks
    assert ("checks", "claim_id", "claims", "id") in fks
    assert ("articles", "cluster_id", "clusters", "id") in fks
    assert copy.execute("PRAGMA foreign_key_check(claims)").fetchall() == []
    assert copy.execute("PRAGMA foreign_key_check(checks)").fetchall() == []
    meta = json.loads(metadata_path(out).read_text(encoding="utf-8"))
    assert metadata_path(out) == out.parent / "metadata.json"
    tables = meta["databases"]["news-copy"]["tables"]
    for t in TABLES:
        assert tables[t]["description"]
        columns = [r[1] for r in copy.execute(f"PRAGMA table_info({t})")]
        for c in columns:
            assert tables[t]["columns"].get(c), (t, c)


def test_sqlite_copy_respects_filters_and_keeps_keys_resolvable(db: sqlite_utils.Database, tmp_path: Path) -> None:
    out = tmp_path / "june.db"
    export_table(db, "all", "sqlite", out, ExportFilters(since=datetime(2025, 6, 1), verdict="consistent"), base_dir=tmp_path)
    copy = sqlite3.connect(out)
    published = [r[0] for r in copy.execute("SELECT published_at FROM articles")]
    assert published and all(p >= "2025-06-01" for p in published)
    claim_ids = {r[0] for r in copy.execute("SELECT id FROM claims")}
    expected = {
        c["id"] for c in ROWS["claims"]
        if (_articles()[c["article_id"]]["published_at"] or "") >= "2025-06-01" and _worst(c["id"]) == "consistent"
    }
    assert expected and claim_ids == expected
    verdicts = {r[0] for r in copy.execute("SELECT verdict FROM checks")}
    assert verdicts == {"consistent"}
    assert copy.execute("PRAGMA foreign_key_check(checks)").fetchall() == []
    assert copy.execute("SELECT COUNT(*) FROM rejections").fetchone()[0] == len(ROWS["rejections"])


def test_second_copy_in_the_folder_keeps_the_first_in_metadata(db: sqlite_utils.Database, tmp_path: Path) -> None:
    export_table(db, "all", "sqlite", tmp_path / "one.db", ExportFilters(), base_dir=tmp_path)
    export_table(db, "all", "sqlite", tmp_path / "two.db", ExportFilters(source="seed"), base_dir=tmp_path)
    meta = json.loads((tmp_path / "metadata.json").read_text(encoding="utf-8"))
    assert set(meta["databases"]) == {"one", "two"}


# --------------------------------------------------------------------------- while a run writes


def test_export_works_while_another_process_writes(db: sqlite_utils.Database, tmp_path: Path) -> None:
    writer = sqlite3.connect(tmp_path / "news.db", isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")  # a run holding the write lock mid-batch
    writer.execute("INSERT INTO articles (id, source_id, title, text) VALUES ('new', 'new', 't', 'x')")
    out = tmp_path / "during.db"
    export_table(db, "all", "sqlite", out, ExportFilters(), base_dir=tmp_path)
    assert len(_csv(db, "articles")) == len(ROWS["articles"])
    writer.execute("COMMIT")
    assert sqlite3.connect(out).execute("SELECT COUNT(*) FROM articles").fetchone()[0] == len(ROWS["articles"])
    assert len(_csv(db, "articles")) == len(ROWS["articles"]) + 1


def test_read_snapshot_sees_one_moment(db: sqlite_utils.Database, tmp_path: Path) -> None:
    from newsclaims.export import read_snapshot

    writer = sqlite3.connect(tmp_path / "news.db", isolation_level=None, timeout=1)
    with read_snapshot(db):
        before = db.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        writer.execute("DELETE FROM claims WHERE type = 'price'")  # commits at once
        assert db.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == before
    assert not db.conn.in_transaction
    assert db.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] < before


# --------------------------------------------------------------------------- issue 13


def test_parquet_times_are_timestamps_in_utc(db: sqlite_utils.Database, tmp_path: Path) -> None:
    import pyarrow as pa

    out = tmp_path / "articles.parquet"
    export_table(db, "articles", "parquet", out, ExportFilters(), base_dir=tmp_path)
    table = pq.read_table(out)
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    got = {r["id"]: r["published_at"] for r in table.to_pylist()}
    for a in ROWS["articles"]:
        expected = datetime.fromisoformat(a["published_at"]).astimezone(UTC) if a["published_at"] else None
        assert got[a["id"]] == expected
    wide = pq.read_table(_parquet(db, tmp_path, "claims_wide"))
    assert wide.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    checks = pq.read_table(_parquet(db, tmp_path, "checks"))
    assert checks.schema.field("as_of").type == pa.timestamp("us", tz="UTC")


def _parquet(db: sqlite_utils.Database, tmp_path: Path, table: str) -> Path:
    out = tmp_path / f"{table}.parquet"
    export_table(db, table, "parquet", out, ExportFilters(), base_dir=tmp_path)
    return out


def test_sqlite_copy_of_one_table_honours_the_table_and_the_filters(db: sqlite_utils.Database, tmp_path: Path) -> None:
    out = tmp_path / "wide.db"
    export_table(db, "claims_wide", "sqlite", out, ExportFilters(asset="ETH"), base_dir=tmp_path)
    copy = sqlite3.connect(out)
    names = {r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'") if not r[0].startswith("claims_wide_fts")}
    assert names == {"claims_wide"}
    assets = {r[0] for r in copy.execute("SELECT asset FROM claims_wide")}
    assert assets == {"ETH"}
    assert copy.execute("SELECT COUNT(*) FROM claims_wide").fetchone()[0] == sum(1 for c in ROWS["claims"] if c["asset"] == "ETH")


def test_datasette_claims_wide_has_search_key_and_indexes(db: sqlite_utils.Database, tmp_path: Path) -> None:
    out = tmp_path / "all.db"
    export_table(db, "all", "sqlite", out, ExportFilters(), base_dir=tmp_path)
    copy = sqlite_utils.Database(out)
    wide = copy["claims_wide"]
    assert wide.pks == ["claim_id"]  # type: ignore[union-attr]
    # Datasette's ?_search= uses the table's FTS index
    assert wide.detect_fts() == "claims_wide_fts"  # type: ignore[union-attr]
    hits = [r["claim_id"] for r in wide.search("support")]  # type: ignore[union-attr]
    expected = {c["id"] for c in ROWS["claims"] if "support" in (c["sentence"] + " " + c["text"]).lower()}
    assert expected and set(hits) >= expected
    indexed = {tuple(i.columns) for i in wide.indexes}  # type: ignore[union-attr]
    for cols in (("verdict",), ("type",), ("asset",), ("published_at",)):
        assert cols in indexed
    plan = " ".join(str(r) for r in copy.execute("EXPLAIN QUERY PLAN SELECT * FROM claims_wide WHERE verdict = 'inconsistent'").fetchall())
    assert "USING INDEX" in plan
