"""Publication zones: offsets, re-timing, and the per-source inference against real candles.

Market data: real Binance SOL hourly candles of 5-8 June 2025 (tests/fixtures/check/).
The inference tests state prices the market really had (each hour's close) at a clock
shifted by a known offset, the way a source whose feed drops the zone writes them.
"""

from __future__ import annotations

import csv
import gzip
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsclaims.market import MarketData, open_market
from newsclaims.pipeline import RunStats, run_pipeline
from newsclaims.settings import load_settings
from newsclaims.storage import open_db
from newsclaims.zones import (
    ZONE_MIN_CLAIMS,
    PriceSample,
    describe_zone,
    format_offset,
    infer_source_zone,
    infer_zones,
    local_time,
    parse_offset,
    retime,
    zone_for,
)

from .conftest import zones_dump_with_a_copy

CHECK_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "check"


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MarketData]:
    db = open_db(tmp_path_factory.mktemp("zones") / "market.db")
    yield open_market(CHECK_FIXTURES / "SOLUSDT_1h.csv", db=db, with_bundled=False)
    db.close()


def sol_closes() -> list[tuple[datetime, float]]:
    """(close time, close) of each real SOL hourly candle in the fixture."""
    with (CHECK_FIXTURES / "SOLUSDT_1h.csv").open() as f:
        rows = list(csv.DictReader(f))
    return [
        (datetime.fromisoformat(r["timestamp"]).replace(tzinfo=UTC) + timedelta(minutes=59), float(r["close"]))
        for r in rows
    ]


def samples(source: str, offset_hours: int, every: int = 3, n: int | None = None) -> list[PriceSample]:
    """Real closes, written on a clock ``offset_hours`` ahead of UTC (as a zone-less feed would)."""
    out = [
        PriceSample(source, (t + timedelta(hours=offset_hours)).replace(tzinfo=None), "SOL", price)
        for t, price in sol_closes()[14::every]  # away from the fixture's first hours
        if t < datetime(2025, 6, 8, 10, tzinfo=UTC)  # ... and its last ones
    ]
    return out[:n] if n is not None else out


def test_offsets_parse_and_format() -> None:
    assert parse_offset("+02:00") == timedelta(hours=2)
    assert parse_offset("UTC+2") == timedelta(hours=2)
    assert parse_offset("utc-05:30") == -timedelta(hours=5, minutes=30)
    assert parse_offset("+0530") == timedelta(hours=5, minutes=30)
    assert parse_offset("Z") == parse_offset("UTC") == timedelta(0)
    assert parse_offset("Europe/Berlin") is None
    assert parse_offset("+15:00") is None
    assert format_offset(timedelta(hours=2)) == "+02:00"
    assert format_offset(-timedelta(hours=3, minutes=30)) == "-03:30"


def test_retime_reads_the_same_clock_in_another_zone() -> None:
    written = datetime(2025, 6, 7, 21, 30)  # "2025-06-07T21:30:00" with no zone
    as_utc = written.replace(tzinfo=UTC)
    assert local_time(as_utc, "UTC") == written
    assert retime(as_utc, "UTC", "+02:00") == datetime(2025, 6, 7, 19, 30, tzinfo=UTC)
    assert retime(retime(as_utc, "UTC", "+02:00"), "+02:00", "UTC") == as_utc
    # an IANA zone works as the zone read in (summer time in Berlin: +02:00)
    assert retime(as_utc, "UTC", "Europe/Berlin") == datetime(2025, 6, 7, 19, 30, tzinfo=UTC)


@pytest.mark.parametrize("offset", [2, -5, 0, 9])
def test_the_offset_of_a_source_is_found_from_its_prices(market: MarketData, offset: int) -> None:
    z = infer_source_zone("feed", samples("feed", offset), market, "UTC")
    assert z.inferred and z.status == "inferred", z
    assert z.zone == ("UTC" if offset == 0 else format_offset(timedelta(hours=offset)))
    assert z.best_pct is not None and z.best_pct < 0.05
    assert z.runner_up_pct is not None and z.runner_up_pct > 0.3


def test_too_few_claims_keep_the_default(market: MarketData) -> None:
    z = infer_source_zone("small", samples("small", 2, n=ZONE_MIN_CLAIMS - 1), market, "UTC")
    assert (z.zone, z.inferred, z.status) == ("UTC", False, "too_few_claims")


def test_no_clear_margin_keeps_the_default(market: MarketData) -> None:
    # prices that fit no clock better than another: each hour's close at a random-looking hour
    closes = sol_closes()
    scrambled = [
        PriceSample("noise", (closes[(i * 37) % len(closes)][0]).replace(tzinfo=None), "SOL", closes[(i * 53) % len(closes)][1])
        for i in range(40)
    ]
    z = infer_source_zone("noise", scrambled, market, "UTC")
    assert not z.inferred and z.zone == "UTC"


def test_assets_without_data_are_not_evidence(market: MarketData) -> None:
    pepe = [PriceSample("f", s.local, "PEPE", 0.00001) for s in samples("f", 2)]
    z = infer_source_zone("f", pepe, market, "UTC")
    assert z.status == "too_few_claims" and z.claims == 0


def test_infer_zones_groups_by_source_and_zone_for_reads_the_result(market: MarketData) -> None:
    decided = infer_zones([*samples("a", 2), *samples("b", 0), *samples("c", 2, n=3)], market, "UTC")
    zones = {s: z.zone for s, z in decided.items() if z.inferred}
    assert zones == {"a": "+02:00", "b": "UTC"}
    assert zone_for("a", zones, "UTC") == ("+02:00", True)
    assert zone_for("c", zones, "UTC") == ("UTC", False)
    assert zone_for(None, zones, "UTC") == ("UTC", False)


def test_describe_zone() -> None:
    assert describe_zone("+02:00", True, True) == "no zone in the input; read as UTC+02:00, inferred from its source's price claims"
    assert describe_zone("UTC", False, True) == "no zone in the input; read as UTC, the default"
    assert describe_zone(None, False, False) == "the time states its zone"
    assert describe_zone("UTC+2", False, True) == "no zone in the input; read as UTC+02:00, the default"


# --------------------------------------------------------------------------- through the batch job

ZONES_DUMP = Path(__file__).resolve().parent / "fixtures" / "zones" / "dump.jsonl.gz"


def _articles(db_path: Path) -> dict[str, tuple[str, str, int, str, int]]:
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT source_id, source, time_zone_assumed, published_at, time_zone, time_zone_inferred FROM articles")
    out = {r[0]: (r[1], r[3], r[2], r[4], r[5]) for r in rows}
    conn.close()
    return out


def _checks(db_path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path)
    rows = sorted(conn.execute("SELECT id, claim_id, [check], verdict, reason, as_of FROM checks").fetchall(), key=repr)
    conn.close()
    return rows


@pytest.fixture(scope="module")
def zoned_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunStats]:
    db = tmp_path_factory.mktemp("zones") / "run.db"
    stats = run_pipeline([str(ZONES_DUMP)], db, load_settings(), workers=1)
    return db, stats


def test_run_infers_the_zone_of_a_source_and_retimes_its_articles(zoned_run: tuple[Path, RunStats]) -> None:
    db, stats = zoned_run
    conn = sqlite3.connect(db)
    zones = {r[0]: r[1:] for r in conn.execute("SELECT source, zone, inferred, status FROM source_zones")}
    assert zones["crypto_news"] == ("+01:00", 1, "inferred")
    assert zones["bitcoinist"] == ("UTC", 0, "too_few_claims")
    assert "coindesk" not in zones  # its times state their zone
    raw = {}
    with gzip.open(ZONES_DUMP, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            raw[r["id"]] = r["published_utc"]
    arts = _articles(db)
    for sid, (source, published, assumed, zone, inferred) in arts.items():
        written = datetime.fromisoformat(raw[sid].replace("Z", "+00:00"))
        if source == "crypto_news":
            assert (assumed, zone, inferred) == (1, "+01:00", 1)
            assert datetime.fromisoformat(published) == written.replace(tzinfo=UTC) - timedelta(hours=1)
        elif source == "bitcoinist":
            assert (assumed, zone, inferred) == (1, "UTC", 0)
            assert datetime.fromisoformat(published) == written.replace(tzinfo=UTC)
        else:
            assert (assumed, zone, inferred) == (0, None, 0)
            assert datetime.fromisoformat(published) == written
    # the market checks were made at the re-timed publication
    as_of = {r[0]: r[1] for r in conn.execute(
        "SELECT a.source_id, MIN(k.as_of) FROM checks k JOIN articles a ON a.id = k.article_id "
        "WHERE k.[check] = 'market_price' GROUP BY a.source_id")}
    for sid, when in as_of.items():
        if arts[sid][0] == "crypto_news" and when is not None:
            assert when == arts[sid][1]
    assert stats.zones["sources_inferred"] == 1
    assert stats.zones["inferred_zones"] == {"+01:00": 1}
    assert stats.zones["articles_retimed"] == 40


def test_zone_pass_rerun_is_idempotent(zoned_run: tuple[Path, RunStats], tmp_path: Path) -> None:
    db, _ = zoned_run
    copy = tmp_path / "again.db"
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)  # WAL included
    before = (_articles(copy), _checks(copy))
    stats = run_pipeline([str(ZONES_DUMP)], copy, load_settings(), workers=1)
    assert stats.stored == 0 and stats.zones["articles_retimed"] == 0
    assert (_articles(copy), _checks(copy)) == before


def test_incremental_runs_end_where_one_run_ends(zoned_run: tuple[Path, RunStats], tmp_path: Path) -> None:
    """Half the articles first (too few claims to infer), then the rest: the same rows as one run."""
    db, _ = zoned_run
    with gzip.open(ZONES_DUMP, "rt", encoding="utf-8") as f:
        lines = f.readlines()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(lines[:12]), encoding="utf-8")
    second.write_text("".join(lines[12:]), encoding="utf-8")
    inc = tmp_path / "inc.db"
    s1 = run_pipeline([str(first)], inc, load_settings(), workers=1)
    assert s1.zones["sources_inferred"] == 0
    run_pipeline([str(second)], inc, load_settings(), workers=1)
    assert _articles(inc) == _articles(db)
    assert _checks(inc) == _checks(db)


def test_a_retimed_copy_becomes_its_clusters_canonical_when_it_is_now_the_earliest(tmp_path: Path) -> None:
    """A crypto_news article written 11:39 (its source's zone: +01:00, so 10:39 UTC) and
    a copy of it another outlet published at 11:00 UTC: before the re-timing the copy
    looks first, after it the original is."""
    dump = zones_dump_with_a_copy(tmp_path)
    db = tmp_path / "run.db"
    run_pipeline([str(dump)], db, load_settings(), workers=1)
    conn = sqlite3.connect(db)
    rows = {sid: (aid, cid, canon, pub) for sid, aid, cid, canon, pub in conn.execute(
        "SELECT source_id, id, cluster_id, is_canonical, published_at FROM articles WHERE source_id LIKE '%mj006328'")}
    (o_id, o_cluster, o_canon, o_pub), (_, c_cluster, c_canon, c_pub) = rows["mj006328"], rows["copy-of-mj006328"]
    assert o_cluster == c_cluster and o_pub < c_pub  # one cluster; 10:39 UTC before 11:00 UTC
    assert (o_canon, c_canon) == (1, 0)
    assert conn.execute("SELECT canonical_id FROM clusters WHERE id = ?", [o_cluster]).fetchone()[0] == o_id
    story = conn.execute("SELECT s.canonical_id FROM stories s JOIN articles a ON a.story_id = s.id WHERE a.id = ?", [o_id]).fetchone()
    assert story[0] == o_id


def test_inference_can_be_switched_off(tmp_path: Path) -> None:
    db = tmp_path / "off.db"
    stats = run_pipeline([str(ZONES_DUMP)], db, load_settings(overrides={"ingest.infer_zones": False}), workers=1)
    assert stats.zones == {}
    assert {a[3] for a in _articles(db).values() if a[2]} == {"UTC"}


def test_factcheck_says_how_each_time_was_read(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from newsclaims.cli import main

    result = CliRunner().invoke(main, ["factcheck", str(ZONES_DUMP), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    notes = [line for line in result.stderr.splitlines() if "published" in line]
    assert sum("read as UTC+01:00, inferred from its source's price claims" in n for n in notes) == 40
    assert sum("read as UTC, the default" in n for n in notes) == 4
    json.loads(result.stdout)  # the notes stay off stdout


def test_report_article_page_names_the_zone(zoned_run: tuple[Path, RunStats], tmp_path: Path) -> None:
    from newsclaims.report import write_report

    db, _ = zoned_run
    write_report(open_db(db), tmp_path / "site")
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "site" / "articles").glob("*.html")]
    assert sum("read as UTC+01:00, inferred from its source" in p for p in pages) == 40
    assert sum("read as UTC, the default" in p for p in pages) == 4
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "44 articles without a time zone, read as UTC but for 40 read in a zone inferred for their source" in index


def test_factcheck_text_report_names_the_zone_each_time_was_read_in() -> None:
    from click.testing import CliRunner

    from newsclaims.cli import main

    result = CliRunner().invoke(main, ["factcheck", str(ZONES_DUMP)])
    assert result.exit_code in (0, 1), result.output
    published = [line for line in result.stdout.splitlines() if line.strip().startswith("published:")]
    assert sum("(no zone in the input; read as UTC+01:00, inferred from its source's price claims)" in p for p in published) == 40
    assert sum("(no zone in the input; read as UTC, the default)" in p for p in published) == 4


def test_run_summary_names_the_zones(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from newsclaims.cli import main

    db = tmp_path / "cli.db"
    result = CliRunner().invoke(main, ["run", str(ZONES_DUMP), "--db", str(db), "--workers", "1"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("zones"))
    assert "44 articles without a zone; 1 of 2 sources with price claims got one inferred (+01:00 1)" in line
    assert "the rest read in UTC; 40 articles re-timed" in line
