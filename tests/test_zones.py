"""Publication zones: offsets, re-timing, and the per-source inference against real candles.

Market data: real Binance SOL hourly candles of 5-8 June 2025 (tests/fixtures/check/).
The inference tests state prices the market really had (each hour's close) at a clock
shifted by a known offset, the way a source whose feed drops the zone writes them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsclaims.market import MarketData, open_market
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
