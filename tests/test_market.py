"""Tests of newsclaims.market on real candle slices (tests/fixtures/market, see its README).

The live fetch test runs ccxt against a local HTTP server on 127.0.0.1 that replays
recorded responses in Binance's ``/api/v3/exchangeInfo`` and ``/api/v3/klines``
formats; no exchange is contacted.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import shutil
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlite_utils

from newsclaims.errors import MarketDataError, MissingExtraError
from newsclaims.market import (
    MarketData,
    default_market_path,
    fetch_market,
    import_market,
    open_market,
    read_market_file,
)
from newsclaims.market.names import split_symbol
from newsclaims.market.store import import_key
from newsclaims.storage import open_db

FIX = Path(__file__).resolve().parent / "fixtures" / "market"
CANONICAL = FIX / "canonical"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_db(tmp_path / "market.db")
    yield database
    database.close()


@pytest.fixture
def md(db: sqlite_utils.Database) -> MarketData:
    import_market(db, [CANONICAL])
    return MarketData.from_db(db)


def candle_row(
    db: sqlite_utils.Database, asset: str, interval: str, open_time: str
) -> dict[str, Any]:
    rows = list(
        db["market_candles"].rows_where(
            "asset = ? and interval = ? and open_time = ?", [asset, interval, open_time]
        )
    )
    assert len(rows) == 1, rows
    return rows[0]


# --------------------------------------------------------------------------- importers


def test_canonical_csv_folder_import(db: sqlite_utils.Database) -> None:
    summary = import_market(db, [CANONICAL])
    assert summary.imported == 7 and summary.skipped == 0
    # 61 + 9 days: 418 four-hour candles, 70 daily ones; the 1h file is gzipped
    by_name = {Path(f.path).name: f for f in summary.files}
    assert by_name["BTCUSDT_4h.csv"].rows == 418
    assert by_name["ETHUSDT_1d.csv"].rows == 70
    assert by_name["SOLUSDT_1h.csv.gz"].series == ["SOL/1h"]
    assert summary.rows == db["market_candles"].count
    row = candle_row(db, "BTC", "4h", "2025-05-19T08:00:00+00:00")
    assert row == {
        "asset": "BTC",
        "quote": "USD",  # USDT counts as USD; the pair survives in source
        "interval": "4h",
        "open_time": "2025-05-19T08:00:00+00:00",
        "open": 103226.29,
        "high": 103425.53,
        "low": 102782.6,
        "close": 102963.41,
        "volume": 2683.33916,
        "source": "csv:BTCUSDT",
    }
    daily = candle_row(db, "BTC", "1d", "2025-05-19T00:00:00+00:00")
    assert (daily["open"], daily["low"], daily["close"]) == (106454.27, 102000.0, 105573.74)


def test_reimport_is_idempotent_and_skips_unchanged_files(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    folder = tmp_path / "m"
    shutil.copytree(CANONICAL, folder)
    first = import_market(db, [folder])
    count = db["market_candles"].count
    again = import_market(db, [folder])
    assert again.skipped == 7 and again.imported == 0 and again.rows == 0
    assert db["market_imports"].count == 7
    # a touched file has a new key: it is read again, and the upserts add nothing
    target = folder / "BTCUSDT_4h.csv"
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    third = import_market(db, [folder])
    assert third.imported == 1 and third.skipped == 6
    assert third.rows == 418
    assert db["market_candles"].count == count == first.rows


def test_binance_kline_csv_microseconds_matches_canonical(db: sqlite_utils.Database) -> None:
    (parsed,) = read_market_file(FIX / "binance" / "BTCUSDT-4h-2025-05.csv")
    assert (parsed.asset, parsed.quote, parsed.interval, parsed.format) == (
        "BTC",
        "USD",
        "4h",
        "binance_kline",
    )
    assert parsed.source == "binance:BTCUSDT"
    assert len(parsed.rows) == 31 * 6
    first = parsed.rows[0]
    assert first.open_time == utc(2025, 5, 1)  # 1746057600000000 µs
    assert (first.open, first.high, first.low, first.close) == (94172.0, 95040.3, 94130.43, 94782.6)
    import_market(db, [FIX / "binance" / "BTCUSDT-4h-2025-05.csv"])
    row = candle_row(db, "BTC", "4h", "2025-05-19T08:00:00+00:00")
    assert (row["open"], row["high"], row["low"], row["close"]) == (
        103226.29,
        103425.53,
        102782.6,
        102963.41,
    )


def test_binance_kline_csv_milliseconds() -> None:
    (parsed,) = read_market_file(FIX / "binance" / "ETHUSDT-1d-2024-12.csv")
    assert parsed.interval == "1d" and len(parsed.rows) == 31
    assert parsed.rows[0].open_time == utc(2024, 12, 1)  # 1733011200000 ms
    assert parsed.rows[-1].open_time == utc(2024, 12, 31)
    assert parsed.rows[0].open == 3703.59 and parsed.rows[0].volume == 429089.2633


def test_binance_kline_zip(db: sqlite_utils.Database, tmp_path: Path) -> None:
    summary = import_market(db, [FIX / "binance" / "SOLUSDT-1h-2025-06.zip"])
    assert summary.files[0].series == ["SOL/1h"] and summary.rows == 7 * 24
    row = candle_row(db, "SOL", "1h", "2025-06-03T10:00:00+00:00")
    assert row["source"] == "binance:SOLUSDT"
    assert MarketData.from_db(db).intervals("SOL") == ["1h"]
    # same numbers as the canonical slice
    canonical_db = open_db(tmp_path / "canonical.db")
    import_market(canonical_db, [CANONICAL / "SOLUSDT_1h.csv.gz"])
    canon = candle_row(canonical_db, "SOL", "1h", "2025-06-03T10:00:00+00:00")
    fields = ("open", "high", "low", "close", "volume")
    assert {k: row[k] for k in fields} == {k: canon[k] for k in fields}


def test_coingecko_daily_points_become_daily_candles(db: sqlite_utils.Database) -> None:
    (parsed,) = read_market_file(FIX / "coingecko" / "bitcoin_market_chart.json")
    assert (parsed.asset, parsed.interval, parsed.source) == ("BTC", "1d", "coingecko:bitcoin")
    assert len(parsed.rows) == 61
    may19 = next(r for r in parsed.rows if r.open_time == utc(2025, 5, 19))
    # one point per day: the point's price (BTC at 2025-05-19 00:00) is o = h = l = c
    assert may19.open == may19.high == may19.low == may19.close == 106454.27
    assert may19.volume is None


def test_coingecko_hourly_points_are_aligned_to_the_hour(db: sqlite_utils.Database) -> None:
    import_market(db, [FIX / "coingecko" / "SOL-coingecko.json"])
    md = MarketData.from_db(db)
    assert md.intervals("SOL") == ["1h"]
    candles = md.candles("SOL", utc(2025, 6, 1), utc(2025, 6, 4))
    assert len(candles) == 72
    assert all(c.open_time.minute == 0 and c.open_time.second == 0 for c in candles)
    assert candles[0].source == "coingecko:solana"
    assert candles[0].open == 156.45  # SOL 1h open at 2025-06-01 00:00


def test_ccxt_list_and_wrapper(db: sqlite_utils.Database) -> None:
    (plain,) = read_market_file(FIX / "ccxt" / "BTC-USDT_4h.json")
    assert (plain.asset, plain.quote, plain.interval, plain.source) == (
        "BTC",
        "USD",
        "4h",
        "ccxt:BTC-USDT",
    )
    assert len(plain.rows) == 60 and plain.rows[0].open_time == utc(2025, 6, 1)
    (wrapped,) = read_market_file(FIX / "ccxt" / "eth_daily.json")
    assert (wrapped.asset, wrapped.interval, wrapped.source) == ("ETH", "1d", "binance:ETH/USDT")
    assert len(wrapped.rows) == 31
    import_market(db, [FIX / "ccxt"])
    assert candle_row(db, "ETH", "1d", "2025-05-31T00:00:00+00:00")["quote"] == "USD"


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("BTCUSDT", ("BTC", "USDT")),
        ("BTC/USDC", ("BTC", "USDC")),
        ("XBT-USD", ("BTC", "USD")),
        ("ETH_BTC", ("ETH", "BTC")),
        ("SOLFDUSD", ("SOL", "FDUSD")),
        ("BTC/USDT:USDT", ("BTC", "USDT")),
    ],
)
def test_split_symbol(symbol: str, expected: tuple[str, str]) -> None:
    assert split_symbol(symbol) == expected


# --------------------------------------------------------------------------- bad files


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        # line 3 is "2025-05-01 04:00:00,94782.6,95180.0,94714.38,95025.84,1880.34885"
        (
            "BTCUSDT_4h.csv",
            lambda ls: [*ls[:2], ls[2].replace("95025.84", "9502x"), *ls[3:]],
            ":3: bad number '9502x' in close",
        ),
        (
            "BTCUSDT_4h.csv",
            lambda ls: [*ls[:2], ls[2].replace("95180.0", "90000.0"), *ls[3:]],
            ":3: inconsistent candle",
        ),
        (
            "BTCUSDT_4h.csv",
            lambda ls: [*ls[:2], "2025-05-01 02:00:00,1,1,1,1,1\n", *ls[2:]],
            "opens before the one at",
        ),
        ("BTCUSDT_4h.csv", lambda ls: ["when,o,h,l,c\n", *ls[1:]], ":1: unknown CSV header"),
        (
            "BTCUSDT_4h.csv",
            lambda ls: [*ls[:5], "2025-13-45 00:00:00,1,1,1,1,1\n", *ls[5:]],
            ":6: bad time",
        ),
        ("BTCUSDT.csv", lambda ls: ls, "cannot tell the symbol and interval"),
        ("BTCUSDT_4h.txt", lambda ls: ls, "unknown market data format"),
        ("BTCUSDT_4h.json", lambda ls: ['{"candles": []}'], "unknown JSON market data"),
        ("BTCUSDT_4h.json", lambda ls: ["[[1, 2, 3"], "not valid JSON"),
        (
            "dogecoin2_market_chart.json",
            lambda ls: ['{"prices": [[1, 2], [2, 3]]}'],
            "cannot tell the asset",
        ),
    ],
)
def test_bad_files_name_file_and_line(
    db: sqlite_utils.Database, tmp_path: Path, name: str, edit: Any, message: str
) -> None:
    bad = tmp_path / name
    bad.write_text("".join(edit(_lines(CANONICAL / "BTCUSDT_4h.csv"))))
    with pytest.raises(MarketDataError) as info:
        import_market(db, [bad])
    assert str(bad) in str(info.value)
    assert message in str(info.value)
    assert db["market_candles"].count == 0
    assert db["market_imports"].count == 0


def test_bad_binance_close_time_and_corrupt_gzip(db: sqlite_utils.Database, tmp_path: Path) -> None:
    src = FIX / "binance" / "BTCUSDT-4h-2025-05.csv"
    wrong = tmp_path / "BTCUSDT-1h-2025-05.csv"  # 4h rows under a 1h name
    wrong.write_text(src.read_text())
    with pytest.raises(
        MarketDataError, match=r"BTCUSDT-1h-2025-05.csv:1: close time .* does not fit a 1h candle"
    ):
        import_market(db, [wrong])
    broken = tmp_path / "BTCUSDT_4h.csv.gz"
    broken.write_bytes(gzip.compress((CANONICAL / "BTCUSDT_4h.csv").read_bytes())[:200])
    with pytest.raises(MarketDataError, match="not a valid gzip file"):
        import_market(db, [broken])
    with pytest.raises(MarketDataError, match="no such file or folder"):
        import_market(db, [tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("no candles here")
    with pytest.raises(MarketDataError, match="no market data files in this folder"):
        open_market(tmp_path / "empty", db=db, with_bundled=False)


# --------------------------------------------------------------------------- lookups


def test_price_at_interpolates_within_the_finest_candle(md: MarketData) -> None:
    p = md.price_at("BTC", utc(2025, 5, 19, 10))
    assert p is not None
    # 4h candle 08:00: open 103226.29, close 102963.41; 10:00 is halfway
    assert p.interval == "4h" and p.open_time == utc(2025, 5, 19, 8)
    assert p.fraction == 0.5
    assert p.price == pytest.approx((103226.29 + 102963.41) / 2)
    assert (p.low, p.high, p.source) == (102782.6, 103425.53, "csv:BTCUSDT")
    # naive input is UTC
    naive = md.price_at("btc", datetime(2025, 5, 19, 10))
    assert naive is not None and naive.price == p.price and naive.at == utc(2025, 5, 19, 10)
    # at a candle's open the estimate is its open
    at_open = md.price_at("BTC", utc(2025, 5, 19, 12))
    assert at_open is not None and at_open.price == 102963.4


def test_finest_interval_is_chosen(md: MarketData) -> None:
    assert md.intervals("SOL") == ["1h", "4h", "1d"]
    assert md.intervals("BTC") == ["4h", "1d"]
    p = md.price_at("SOL", utc(2025, 6, 10, 14, 30))
    assert p is not None and p.interval == "1h"
    assert p.price == pytest.approx((159.14 + 157.18) / 2)
    # the 1h slice ends with the 09:00 candle of 2026-01-06, the 4h one with 12:00
    late = md.price_at("SOL", utc(2026, 1, 6, 11))
    assert late is not None and late.interval == "4h"
    r = md.price_range("SOL", utc(2025, 6, 10, 14), utc(2025, 6, 10, 16))
    assert r is not None and r.interval == "1h" and r.candles == 2
    assert (r.low, r.high, r.open, r.close) == (156.32, 159.2, 159.14, 158.02)
    coarse = md.candles("SOL", utc(2025, 6, 10, 14), utc(2025, 6, 10, 16), interval="4h")
    assert [c.open_time for c in coarse] == [utc(2025, 6, 10, 12)]
    assert (coarse[0].low, coarse[0].high) == (156.32, 161.99)


def test_price_range_over_candles_overlapping_the_window(md: MarketData) -> None:
    r = md.price_range("BTC", utc(2025, 5, 19, 9), utc(2025, 5, 19, 13))
    assert r is not None
    # overlaps the 08:00 and 12:00 four-hour candles
    assert r.interval == "4h" and r.candles == 2 and r.complete
    assert (r.first_open_time, r.last_open_time) == (utc(2025, 5, 19, 8), utc(2025, 5, 19, 12))
    assert r.low == 102126.16 and r.high == 104968.75
    assert r.open == 103226.29 and r.close == 104786.41
    assert r.source == "csv:BTCUSDT"
    exact = md.price_range("BTC", utc(2025, 5, 19, 8), utc(2025, 5, 19, 12))
    assert (
        exact is not None
        and exact.candles == 1
        and (exact.low, exact.high) == (102782.6, 103425.53)
    )


def test_change_over_a_window(md: MarketData) -> None:
    ch = md.change_over("ETH", utc(2025, 6, 2), timedelta(hours=24))
    assert ch is not None
    # ETH 4h opens: 2025-06-01 00:00 2528.06, 2025-06-02 00:00 2539.2
    assert (ch.start_price, ch.end_price) == (2528.06, 2539.2)
    assert ch.change == pytest.approx(11.14)
    assert ch.change_pct == pytest.approx(11.14 / 2528.06 * 100)
    assert ch.interval == "4h" and ch.start_open_time == utc(2025, 6, 1)
    assert ch.window_seconds == 86400
    assert (ch.end_low, ch.end_high) == (2485.65, 2541.71)


def test_coverage_and_not_covered(md: MarketData) -> None:
    assert md.assets() == {"BTC", "ETH", "SOL"}
    assert md.coverage("BTC") == (utc(2025, 5, 1), utc(2026, 1, 7))
    assert md.coverage("XRP") is None
    assert md.intervals("XRP") == []
    assert md.price_at("XRP", utc(2025, 5, 19)) is None
    assert md.price_range("XRP", utc(2025, 5, 19), utc(2025, 5, 20)) is None
    assert md.change_over("XRP", utc(2025, 5, 19), timedelta(days=1)) is None
    assert md.candles("XRP", utc(2025, 5, 19), utc(2025, 5, 20)) == []
    # before the first candle, in the gap of the slices, after the last close
    assert md.price_at("BTC", utc(2025, 4, 30, 23)) is None
    assert md.price_at("BTC", utc(2025, 9, 1)) is None
    assert md.price_range("BTC", utc(2025, 9, 1), utc(2025, 9, 2)) is None
    end = md.price_at("BTC", utc(2026, 1, 7))  # the last daily candle's close time
    assert (
        end is not None and end.interval == "1d" and end.price == 93888.85 and end.fraction == 1.0
    )
    assert md.price_at("BTC", utc(2026, 1, 7, 0, 0, 1)) is None
    assert (
        md.change_over("BTC", utc(2025, 5, 1, 12), timedelta(days=1)) is None
    )  # start not covered
    partial = md.price_range("BTC", utc(2026, 1, 6, 20), utc(2026, 1, 8))
    assert partial is not None and not partial.complete and partial.interval == "1d"


def test_market_data_pickles_as_its_path(md: MarketData) -> None:
    assert md.price_at("ETH", utc(2025, 6, 1)) is not None  # loads a series
    clone = pickle.loads(pickle.dumps(md))
    p = clone.price_at("ETH", utc(2025, 6, 1, 2))
    assert p is not None and p.price == pytest.approx((2528.06 + 2513.3) / 2)


# --------------------------------------------------------------------------- open_market


def test_open_market_with_a_run_database(db: sqlite_utils.Database) -> None:
    md = open_market(CANONICAL / "ETHUSDT_1d.csv", db=db, with_bundled=False)
    assert md.assets() == {"ETH"}
    assert db["market_imports"].count == 1
    import_market(db, [CANONICAL / "BTCUSDT_1d.csv"])
    assert md.assets() == {"ETH"}  # what was loaded is cached ...
    md.refresh()
    assert md.assets() == {"ETH", "BTC"}  # ... until refreshed


def test_open_market_cache_is_reused_and_keyed_by_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(CANONICAL, folder)
    cache = tmp_path / "cache"
    monkeypatch.setenv("NEWSCLAIMS_CACHE", str(cache))
    md = open_market(folder, with_bundled=False)
    assert md.assets() == {"BTC", "ETH", "SOL"}
    (cache_db,) = cache.glob("market-*.db")
    stored = open_db(cache_db)
    imported_at = {r["key"]: r["imported_at"] for r in stored["market_imports"].rows}
    assert imported_at.keys() == {import_key(p) for p in folder.iterdir()}
    md2 = open_market(folder, with_bundled=False)  # unchanged files: nothing read again
    assert md2.price_at("BTC", utc(2025, 5, 19, 10)) is not None
    assert {r["key"]: r["imported_at"] for r in stored["market_imports"].rows} == imported_at
    assert import_market(stored, [folder]).skipped == 7
    # another source gets its own cache database: no mixing with the first
    only_eth = open_market(CANONICAL / "ETHUSDT_4h.csv", cache_dir=tmp_path / "cache", with_bundled=False)
    assert only_eth.assets() == {"ETH"}
    assert len(list(cache.glob("market-*.db"))) == 2


#: the 20 assets of the bundled Binance data (corpus/README.md).
BUNDLED_ASSETS = {
    "ADA", "ATOM", "AVAX", "BCH", "BNB", "BTC", "DOGE", "DOT", "ETC", "ETH",
    "LINK", "LTC", "MATIC", "SHIB", "SOL", "TRX", "UNI", "XLM", "XMR", "XRP",
}


@pytest.fixture(scope="module")
def bundled_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the bundled market data, imported once for this module."""
    folder = tmp_path_factory.mktemp("bundled")
    open_market(cache_dir=folder)
    return folder


def test_bundled_default_is_found_and_opened(bundled_cache: Path) -> None:
    path = default_market_path()
    assert (path / "BTCUSDT_4h.csv.gz").is_file()
    # the repository stays small: the bundle is budgeted at 8 MB
    assert sum(f.stat().st_size for f in path.iterdir()) < 8_000_000
    md = open_market(cache_dir=bundled_cache)
    assert (bundled_cache / "market.db").is_file()
    assert md.assets() == BUNDLED_ASSETS
    cov = md.coverage("BTC")
    assert cov is not None and cov[0] <= utc(2025, 5, 19) < cov[1]
    p = md.price_at("BTC", utc(2025, 5, 19, 10))
    assert p is not None and p.source == "binance:BTCUSDT" and p.interval == "4h"
    assert md.intervals("XRP") == ["1h", "1d"]
    # hourly candles over the news (and from 2024 on), daily ones back to the listing
    for asset in BUNDLED_ASSETS - {"BTC", "ETH", "MATIC", "XMR"}:
        p = md.price_at(asset, utc(2025, 6, 15, 12, 30))
        assert p is not None and p.interval == "1h", asset
        assert md.price_at(asset, utc(2024, 1, 1, 0, 30)) is not None, asset
    assert md.price_at("DOGE", utc(2023, 6, 1, 12)).interval == "1d"  # type: ignore[union-attr]
    assert md.price_at("BTC", utc(2017, 9, 1, 12)) is not None


def test_bundled_data_says_what_it_lacks_by_name(bundled_cache: Path) -> None:
    from newsclaims.market.coverage import missing_data_reason

    md = open_market(cache_dir=bundled_cache)
    assert missing_data_reason(md, "PEPE") == "no market data for PEPE"
    june = utc(2025, 6, 1, 12)
    assert md.price_at("POL", june) is None
    assert missing_data_reason(md, "POL", june, june) == "no market data for MATIC after 2024-09-10 (renamed POL)"
    assert missing_data_reason(md, "MATIC", june) == "no market data for MATIC after 2024-09-10 (renamed POL)"
    assert missing_data_reason(md, "XMR", june) == "no market data for XMR after 2024-02-20 (delisted by Binance)"
    assert missing_data_reason(md, "BTC", utc(2026, 3, 1)) == "no market data for BTC after 2026-01-06"
    assert missing_data_reason(md, "SOL", utc(2019, 1, 1)) == "no market data for SOL before 2020-08-11"
    # POL before the rename reads MATIC's candles
    p = md.price_at("POL", utc(2024, 5, 1, 0, 30))
    assert p is not None and p.source == "binance:MATICUSDT" and p.interval == "1h"


def test_market_path_adds_to_the_bundled_data(bundled_cache: Path, tmp_path: Path) -> None:
    run_db = tmp_path / "run.db"
    shutil.copy(bundled_cache / "market.db", run_db)  # as if the bundle were imported before
    db = open_db(run_db)
    md = open_market(CANONICAL / "ETHUSDT_4h.csv", db=db)
    assert md.assets() == BUNDLED_ASSETS  # nothing replaced
    # where both hold a candle, the named file's wins; elsewhere the bundled data serves
    assert md.price_at("ETH", utc(2025, 5, 19, 10)).source == "csv:ETHUSDT"  # type: ignore[union-attr]
    assert md.price_at("ETH", utc(2024, 3, 1, 10)).source == "binance:ETHUSDT"  # type: ignore[union-attr]
    assert md.price_at("LINK", utc(2025, 5, 19, 10)) is not None
    # the named file alone, on request
    only = open_market(CANONICAL / "ETHUSDT_4h.csv", db=open_db(tmp_path / "only.db"), with_bundled=False)
    assert only.assets() == {"ETH"}


# --------------------------------------------------------------------------- live fetch


class _Recorded(BaseHTTPRequestHandler):
    """Replays recorded Binance spot responses (exchangeInfo, klines)."""

    exchange_info: ClassVar[bytes] = b""
    klines: ClassVar[list[list[Any]]] = []
    page_cap: ClassVar[int] = 1000
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        type(self).requests.append(url.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/api/v3/exchangeInfo":
            self._send(200, self.exchange_info)
        elif url.path == "/api/v3/klines":
            if q.get("symbol") != "BTCUSDT" or q.get("interval") != "4h":
                self._send(400, b'{"code":-1121,"msg":"Invalid symbol."}')
                return
            start = int(q.get("startTime", 0))
            end = int(q.get("endTime", 2**62))
            limit = min(int(q.get("limit", 500)), 1000, self.page_cap)
            rows = [k for k in self.klines if start <= k[0] <= end][:limit]
            self._send(200, json.dumps(rows).encode())
        else:
            self._send(404, b'{"code":-1,"msg":"not recorded"}')

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorded_binance(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, type[_Recorded]]]:
    handler = type(
        "Handler",
        (_Recorded,),
        {
            "exchange_info": (FIX / "binance_api" / "exchangeInfo.json").read_bytes(),
            "klines": json.loads((FIX / "binance_api" / "klines_BTCUSDT_4h.json").read_text()),
            "page_cap": 50,
            "requests": [],
        },
    )
    for var in ("NO_PROXY", "no_proxy"):  # never send 127.0.0.1 through a CI proxy
        monkeypatch.setenv(var, ",".join(filter(None, [os.environ.get(var, ""), "127.0.0.1"])))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_fetch_market_from_recorded_server(
    db: sqlite_utils.Database, recorded_binance: tuple[str, type[_Recorded]]
) -> None:
    pytest.importorskip("ccxt")
    base_url, handler = recorded_binance
    n = fetch_market(
        db, "binance", "BTC/USDT", since=utc(2025, 5, 1), timeframe="4h", base_url=base_url
    )
    assert n == 31 * 6
    # 50 candles per page: 4 pages, then one empty answer ends the paging
    assert handler.requests.count("/api/v3/klines") == 5
    assert set(handler.requests) == {"/api/v3/exchangeInfo", "/api/v3/klines"}
    row = candle_row(db, "BTC", "4h", "2025-05-19T08:00:00+00:00")
    assert row["source"] == "binance:BTCUSDT" and row["quote"] == "USD"
    assert (row["open"], row["high"], row["low"], row["close"]) == (
        103226.29,
        103425.53,
        102782.6,
        102963.41,
    )
    md = MarketData.from_db(db)
    assert md.coverage("BTC") == (utc(2025, 5, 1), utc(2025, 6, 1))
    # a bounded re-fetch writes the same rows again (upserts)
    again = fetch_market(
        db,
        "binance",
        "BTC/USDT",
        since=datetime(2025, 5, 10),
        until=utc(2025, 5, 11),
        timeframe="4h",
        base_url=base_url,
    )
    assert again == 6
    assert db["market_candles"].count == 31 * 6


def test_fetch_market_without_ccxt_names_the_extra(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ccxt", None)  # what an install without the extra sees
    with pytest.raises(MissingExtraError, match=r"newsclaims\[live\]"):
        fetch_market(db, since=utc(2025, 5, 1))


def test_fetch_market_unknown_symbol(
    db: sqlite_utils.Database, recorded_binance: tuple[str, type[_Recorded]]
) -> None:
    pytest.importorskip("ccxt")
    base_url, _ = recorded_binance
    with pytest.raises(MarketDataError, match="no market 'DOGE/USDT'"):
        fetch_market(db, "binance", "DOGE/USDT", since=utc(2025, 5, 1), base_url=base_url)
    with pytest.raises(MarketDataError, match="unknown exchange"):
        fetch_market(db, "nosuchexchange", "BTC/USDT", since=utc(2025, 5, 1), base_url=base_url)
