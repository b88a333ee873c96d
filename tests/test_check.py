"""The checker: market_price, market_change, level_vs_price, internal, stories, cross_copy, render.

Market data: real Binance candles (USDT pairs), small slices copied into
tests/fixtures/check/ (BTC and ETH 4h for May-June 2025, BTC 1d for 2024 to June
2025, SOL 1h for 5-8 June 2025), imported through ``open_market`` into a temporary
database. Claims are built the way the extractor gives them, with text and
sentences taken from the real seed and dev articles.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsclaims.check import (
    StoryInput,
    check_claims,
    check_cross_copy,
    claim_fingerprints,
    group_stories,
    parse_window,
    render_checks,
    time_reference,
)
from newsclaims.check.base import claim_extreme, past_window
from newsclaims.errors import SettingsError
from newsclaims.market import MarketData, open_market
from newsclaims.models import Check, Claim
from newsclaims.settings import Settings, load_settings
from newsclaims.storage import open_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "check"

# dev article mj001389 (coinpedia), published 2025-05-19T15:33:04Z
T_0519 = datetime(2025, 5, 19, 15, 33, 4, tzinfo=UTC)
# dev article mj009135 (crypto_news), published 2025-06-07T21:30:00 (zone-less)
T_0607 = datetime(2025, 6, 7, 19, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MarketData]:
    db = open_db(tmp_path_factory.mktemp("market") / "market.db")
    yield open_market(FIXTURES, db=db, with_bundled=False)
    db.close()


@pytest.fixture
def settings() -> Settings:
    return load_settings()


def claim(
    type_: str,
    asset: str | None,
    value: float,
    text: str,
    sentence: str | None = None,
    *,
    article_id: str = "a1",
    unit: str = "USD",
    window: str | None = None,
    qualifier: str = "exact",
    value_max: float | None = None,
    direction: str | None = None,
    side: str | None = None,
    start: int = 0,
    status: str | None = None,
    when: str | None = None,
    confidence: float = 1.0,
) -> Claim:
    """A claim as the extractor gives it (offsets are into a notional article text)."""
    sentence = sentence if sentence is not None else text
    return Claim.model_validate(
        {
            "id": Claim.make_id(article_id, start, start + len(text), type_) + str(value),
            "article_id": article_id,
            "source_id": f"{article_id}.txt",
            "type": type_,
            "asset": asset,
            "value": value,
            "value_max": value_max,
            "unit": unit,
            "direction": direction,
            "window": window,
            "side": side,
            "qualifier": qualifier,
            "text": text,
            "start": start,
            "end": start + len(text),
            "sentence": sentence,
            "status": status,
            "when": when,
            "confidence": confidence,
        }
    )


def only(rows: list[Check], check: str) -> Check:
    found = [r for r in rows if r.check == check]
    assert len(found) == 1, [r.check for r in rows]
    return found[0]


# --------------------------------------------------------------------------- helpers


def test_parse_window() -> None:
    assert parse_window("PT24H") == timedelta(hours=24)
    assert parse_window("P7D") == timedelta(days=7)
    assert parse_window("P30D") == timedelta(days=30)
    assert parse_window("P1M") == timedelta(days=30)
    assert parse_window(None) is None
    assert parse_window("yesterday") is None


def test_the_extreme_word_nearest_the_figure_says_high_or_low() -> None:
    s = "DOT bottomed in October and peaked at $12.10 in December."
    assert claim_extreme(claim("price", "DOT", 12.1, "$12.10", s)) == "high"
    s = "ETH rallied to its May peak after a low of $1,385 in April."
    assert claim_extreme(claim("price", "ETH", 1385, "$1,385", s)) == "low"
    assert claim_extreme(claim("price", "BTC", 105_000, "$105,000", "BTC trades at $105,000.")) is None


def test_a_bound_or_a_move_origin_in_a_past_span_is_no_extreme() -> None:
    s = "ETH dropped over 60% from its $3,700 early-year high to below $1,400 in April."
    assert claim_extreme(claim("price", "ETH", 1400, "to below $1,400", s, qualifier="at_most")) is None
    s = "1.90% In May, Bitcoin climbed from $94,177.90 to a high of $111,980."
    assert claim_extreme(claim("price", "BTC", 94177.9, "In May, Bitcoin climbed from $94,177.90", s)) is None


def test_the_extreme_word_nearest_the_figure_inside_a_long_span() -> None:
    s = "The DOT price bottomed at $3.28 this month, continuing its downtrend that began in December when it peaked at $ 11.70."
    c = claim("price", "DOT", 11.7, "The DOT price bottomed at $3.28 this month, continuing its downtrend that "
              "began in December when it peaked at $ 11.70", s)
    assert claim_extreme(c) == "high"


def test_the_date_nearest_the_figure_names_its_time() -> None:
    s = ("July 1, 2025 At press time, Bitcoin is trading around $106,170, just 5.5% below its record of "
         "$111,970 reached on May 22.")
    c = claim("price", "BTC", 111970, "its record of $111,970", s)
    past = past_window(c, datetime(2025, 7, 1, 12, tzinfo=UTC))
    assert past is not None and past.start == datetime(2025, 5, 22, tzinfo=UTC)


def test_may_in_a_title_case_headline_is_a_verb() -> None:
    s = "Bitcoin Surpassing $121,000 May Trigger Over $1 Billion in Short Liquidations"
    assert time_reference(claim("price", "BTC", 121000, "Bitcoin Surpassing $121,000", s))[0] != "past"
    s = "Bitcoin hit $111,970 in May, its record."
    assert time_reference(claim("price", "BTC", 111970, "Bitcoin hit $111,970", s))[0] == "past"


def test_time_reference_reads_the_claims_own_clause() -> None:
    s = "Bitcoin is trading at $104,418, below its all-time high of $111,970."
    current = claim("price", "BTC", 104418, "Bitcoin is trading at $104,418", s)
    ath = claim("price", "BTC", 111970, "its all-time high of $111,970", s)
    touched = claim("price", "BTC", 107108, "BTC briefly touched $107,108")
    assert time_reference(current)[0] == "current"
    assert time_reference(ath)[0] == "past"
    assert time_reference(touched)[0] == "recent"


@pytest.mark.parametrize(("text", "value", "sentence"), [
    ("the upward move from the $2,515 swing low", 2515,
     "It is stable above the 23.6% Fib retracement level of the upward move from the $2,515 swing low to the $3,000 high."),
    ("Bitcoin (BTC) rose from $100,000", 100_000,
     "Leading cryptocurrency Bitcoin (BTC) rose from $100,000 at the beginning of the week to over $108,000."),
    ("after climbing from around $108,300", 108_300,
     "Bitcoin gained nearly 9% after climbing from around $108,300 to almost $118,800."),
    ("the $2,568 swing high", 2568, "The bulls pushed the price from the $2,568 swing high to the $2,115 low."),
    ("$2.170 and the price is now consolidating above the 23.6% Fib retracement level of the upward move from the $1.910",
     1.91, "A high was formed at $2.170 and the price is now consolidating above the 23.6% Fib retracement level "
     "of the upward move from the $1.910 swing low to the $2.170 high."),
])
def test_the_start_of_a_move_and_a_swing_point_are_past_prices(text: str, value: float, sentence: str) -> None:
    assert time_reference(claim("price", "ETH", value, text, sentence))[0] == "past"


def test_now_before_a_year_is_still_now() -> None:
    s = "Now, in 2025, it's trading around $3.34 but holds just above support."
    assert time_reference(claim("price", "XRP", 3.34, "Now, in 2025, it's trading around $3.34", s))[0] == "current"


def test_the_end_of_a_move_is_not_its_start() -> None:
    s = "Leading cryptocurrency Bitcoin (BTC) rose from $100,000 at the beginning of the week to over $108,000."
    assert time_reference(claim("price", "BTC", 108_000, "to over $108,000", s))[0] != "past"


def test_an_undated_move_origin_far_from_the_market_is_not_a_flag(market: MarketData, settings: Settings) -> None:
    # BTC traded about 102-106K on 19 May 2025: $75,000 is where a past rally began
    s = "Despite the sharp price move from $75,000 to $110,000, capital inflows have been flat."
    c = claim("price", "BTC", 75_000, "the sharp price move from $75,000", s)
    row = only(check_claims([c], published_at=T_0519, market=market, settings=settings), "market_price")
    assert row.verdict == "unverifiable"


# --------------------------------------------------------------------------- market_price


def test_market_price_consistent_within_window(market: MarketData, settings: Settings) -> None:
    # BTC traded 102,126-105,562 in the 4h candles around 2025-05-19 15:33 UTC
    c = claim("price", "BTC", 104786.0, "Bitcoin is trading at $104,786")
    row = only(check_claims([c], published_at=T_0519, market=market, settings=settings), "market_price")
    assert row.verdict == "consistent"
    assert row.deviation == 0.0
    assert row.evidence["interval"] == "4h"
    assert row.evidence["source"].endswith("BTCUSDT")
    assert row.evidence["first_open_time"].startswith("2025-05-19T12:00")
    assert row.as_of == T_0519
    assert row.tolerance == pytest.approx(settings.check.price_tolerance_pct / 100)


@pytest.mark.parametrize(("move", "severity"), [(1.05, "minor"), (1.12, "major"), (0.70, "major")])
def test_market_price_moved_price_is_flagged(
    market: MarketData, settings: Settings, move: float, severity: str
) -> None:
    c = claim("price", "BTC", 104786.0 * move, "Bitcoin is trading at $X")
    row = only(check_claims([c], published_at=T_0519, market=market, settings=settings), "market_price")
    assert row.verdict == "inconsistent"
    assert row.severity == severity
    assert row.expected in (102126.16, 105561.76)
    assert row.deviation is not None and abs(row.deviation) > row.tolerance  # type: ignore[operator]
    assert "Bitcoin traded between $102,126" in row.reason


def test_market_price_qualifiers(market: MarketData, settings: Settings) -> None:
    s = "Currently, the Bitcoin price has dropped below the pivotal support at $102,800."
    # at_most: "below $X" holds if the low reached X; the window low is 102,126
    below = claim("price", "BTC", 102800.0, "the Bitcoin price has dropped below $102,800", s, qualifier="at_most")
    # at_least $110K: the high was 105,562 -> false, at_least $100K -> true
    above_false = claim("price", "BTC", 110000.0, "Bitcoin climbed above $110,000", qualifier="at_least")
    above_true = claim("price", "BTC", 100000.0, "Bitcoin holds above $100,000", qualifier="at_least")
    # approx gets the wider tolerance: 3.5% above the high is fine for "around", not for exact
    approx = claim("price", "BTC", 105561.76 * 1.035, "Bitcoin is hovering around $109K", qualifier="approx")
    exact = claim("price", "BTC", 105561.76 * 1.035, "Bitcoin is hovering at $109,256")
    verdicts = {
        name: only(check_claims([c], published_at=T_0519, market=market, settings=settings), "market_price")
        for name, c in [("below", below), ("above_false", above_false), ("above_true", above_true),
                        ("approx", approx), ("exact", exact)]
    }
    assert verdicts["below"].verdict == "consistent"
    assert verdicts["above_false"].verdict == "inconsistent"
    assert verdicts["above_true"].verdict == "consistent"
    assert verdicts["approx"].verdict == "consistent"
    assert verdicts["exact"].verdict == "inconsistent"


def test_market_price_range_claim(market: MarketData, settings: Settings) -> None:
    inside = claim("price", "BTC", 103000.0, "between $103,000 and $104,000", value_max=104000.0)
    outside = claim("price", "BTC", 90000.0, "between $90,000 and $95,000", value_max=95000.0)
    rows = check_claims([inside, outside], published_at=T_0519, market=market, settings=settings)
    by_claim = {r.claim.id: r for r in rows if r.check == "market_price"}
    assert by_claim[inside.id].verdict == "consistent"
    assert by_claim[outside.id].verdict == "inconsistent"


def test_market_price_dated_and_all_time_high(market: MarketData, settings: Settings) -> None:
    # dev mj009140 (2025-06-07): "its current all-time high of $111,970" (Binance high 111,980)
    s = "Bitcoin is trading at $104,418, 6.7% below its current all-time high of $111,970."
    ath = claim("price", "BTC", 111970.0, "its current all-time high of $111,970", s)
    wrong_ath = claim("price", "BTC", 125000.0, "its current all-time high of $125,000", s.replace("111,970", "125,000"))
    # dev mj016172: "hitting a low of $98,974 on June 22" (Binance 4h low on 22 June: 98,200)
    low = claim("price", "BTC", 98974.0, "hitting a low of $98,974 on June 22")
    pub = datetime(2025, 6, 26, 12, 40, tzinfo=UTC)
    r_ath = only(check_claims([ath], published_at=T_0607, market=market, settings=settings), "market_price")
    r_wrong = only(check_claims([wrong_ath], published_at=T_0607, market=market, settings=settings), "market_price")
    r_low = only(check_claims([low], published_at=pub, market=market, settings=settings), "market_price")
    assert r_ath.verdict == "consistent", r_ath.reason
    assert r_ath.expected == pytest.approx(111980.0)
    assert r_wrong.verdict == "inconsistent"
    assert r_low.verdict == "consistent", r_low.reason
    assert r_low.evidence["time_words"] == "June 22"


def test_market_price_with_a_stated_window(market: MarketData, settings: Settings) -> None:
    # "hit $X in the past 24 hours": checked against the 24 hours before publication
    rng = market.price_range("BTC", T_0519 - timedelta(hours=24), T_0519)
    assert rng is not None
    low = claim("price", "BTC", rng.low, "Bitcoin dipped to $X in the past 24 hours", window="PT24H")
    row = only(check_claims([low], published_at=T_0519, market=market, settings=settings), "market_price")
    assert row.verdict == "consistent"
    assert "24-hour window" in row.reason
    far = claim("price", "BTC", rng.low * 0.85, "Bitcoin dipped to $Y in the past 24 hours", window="PT24H")
    assert only(check_claims([far], published_at=T_0519, market=market, settings=settings),
                "market_price").verdict == "inconsistent"


def test_market_price_no_data_paths(market: MarketData, settings: Settings) -> None:
    btc = claim("price", "BTC", 104786.0, "Bitcoin is trading at $104,786")
    ada = claim("price", "ADA", 0.7, "Cardano is trading at $0.7")
    ratio = claim("price", "ETH", 0.022, "ETH traded at 0.022 BTC", unit="BTC")
    no_time = only(check_claims([btc], published_at=None, market=market, settings=settings), "market_price")
    assert no_time.verdict == "unverifiable" and "no publication time" in no_time.reason
    not_covered = only(check_claims([ada], published_at=T_0519, market=market, settings=settings), "market_price")
    assert not_covered.verdict == "unverifiable" and not_covered.reason.startswith("no market data for ADA")
    too_late = only(
        check_claims([btc], published_at=datetime(2026, 3, 1, tzinfo=UTC), market=market, settings=settings),
        "market_price",
    )
    assert too_late.verdict == "unverifiable" and "no market data for BTC after 2025-06-30" in too_late.reason
    no_market = only(check_claims([btc], published_at=T_0519, market=None, settings=settings), "market_price")
    assert no_market.verdict == "unverifiable" and "no market data" in no_market.reason
    other_unit = only(check_claims([ratio], published_at=T_0519, market=market, settings=settings), "market_price")
    assert other_unit.verdict == "unverifiable" and "BTC" in other_unit.reason


def test_naive_publication_time_uses_default_timezone(market: MarketData) -> None:
    # a zone-less 2025-05-19 17:33 read as UTC+2 is 15:33 UTC
    s = load_settings(overrides={"ingest.default_timezone": "Etc/GMT-2"})
    c = claim("price", "BTC", 104786.0, "Bitcoin is trading at $104,786")
    row = only(check_claims([c], published_at=datetime(2025, 5, 19, 17, 33, 4), market=market, settings=s), "market_price")
    assert row.as_of == T_0519


def test_market_price_finest_interval(market: MarketData, settings: Settings) -> None:
    # SOL has hourly candles in the fixture: the window uses them
    c = claim("price", "SOL", 149.92, "SOL is trading at $149.92")
    row = only(check_claims([c], published_at=T_0607, market=market, settings=settings), "market_price")
    assert row.evidence["interval"] == "1h"
    assert row.verdict == "consistent"


# --------------------------------------------------------------------------- market_change


def _eth_change(market: MarketData, hours: int = 24) -> float:
    ch = market.change_over("ETH", T_0519, timedelta(hours=hours))
    assert ch is not None
    return ch.change_pct


def test_market_change_consistent_and_sized(market: MarketData, settings: Settings) -> None:
    real = _eth_change(market)  # about -4.25%
    good = claim("price_change", "ETH", round(real, 2), "Ethereum dropped X% in 24 hours",
                 unit="percent", window="PT24H", direction="down")
    off = claim("price_change", "ETH", round(real - 3.5, 2), "Ethereum dropped Y% in 24 hours",
                unit="percent", window="PT24H", direction="down")
    far = claim("price_change", "ETH", round(real - 12, 2), "Ethereum dropped Z% in 24 hours",
                unit="percent", window="PT24H", direction="down")
    rows = {r.claim.id: r for r in check_claims([good, off, far], published_at=T_0519, market=market, settings=settings)
            if r.check == "market_change"}
    assert rows[good.id].verdict == "consistent"
    assert rows[good.id].expected == pytest.approx(real)
    assert rows[off.id].verdict == "inconsistent" and rows[off.id].severity == "minor"
    assert rows[far.id].verdict == "inconsistent" and rows[far.id].severity == "major"
    assert rows[off.id].deviation == pytest.approx(-3.5, abs=0.01)  # points


def test_market_change_wrong_direction_is_major(market: MarketData, settings: Settings) -> None:
    real = _eth_change(market)
    up = claim("price_change", "ETH", abs(real), "Ethereum rose X%", unit="percent", window="PT24H", direction="up")
    row = only(check_claims([up], published_at=T_0519, market=market, settings=settings), "market_change")
    assert row.verdict == "inconsistent" and row.severity == "major"
    assert "went up" in row.reason


def test_market_change_without_window_matches_a_usual_window(market: MarketData, settings: Settings) -> None:
    real = _eth_change(market)
    c = claim("price_change", "ETH", round(real, 2), "Ethereum has dropped X%", unit="percent", direction="down")
    row = only(check_claims([c], published_at=T_0519, market=market, settings=settings), "market_change")
    assert row.verdict == "consistent"
    assert "states no window" in row.reason and "24-hour" in row.reason
    assert row.evidence["window_assumed"] is True and row.evidence["matched_window"] == "PT24H"


# ETH at 2025-06-22 20:00 UTC fell over every usual window: -8.4% (24h), -13.9% (7d), -14.7% (30d);
# at 2025-06-13 12:00 the windows disagree: -6.75% (24h), +2.8% (7d), -3.0% (30d).
T_0622 = datetime(2025, 6, 22, 20, tzinfo=UTC)
T_0613 = datetime(2025, 6, 13, 12, tzinfo=UTC)


def test_market_change_without_window_gets_no_24h_size_check(market: MarketData, settings: Settings) -> None:
    # a size no usual window gives, in the direction all of them agree on: only the direction is checked
    big = claim("price_change", "ETH", -25.0, "Ethereum has dropped 25%", unit="percent", direction="down")
    row = only(check_claims([big], published_at=T_0622, market=market, settings=settings), "market_change")
    assert row.verdict == "consistent"
    assert "only its direction is checked" in row.reason
    # the direction every usual window contradicts stays a flag
    up = claim("price_change", "ETH", 25.0, "Ethereum has gained 25%", unit="percent", direction="up")
    row = only(check_claims([up], published_at=T_0622, market=market, settings=settings), "market_change")
    assert row.verdict == "inconsistent" and row.finding == "wrong_direction"
    assert "every usual window" in row.reason
    # windows that disagree: unverifiable, with the reason
    odd = claim("price_change", "ETH", 12.0, "Ethereum has gained 12%", unit="percent", direction="up")
    row = only(check_claims([odd], published_at=T_0613, market=market, settings=settings), "market_change")
    assert row.verdict == "unverifiable"
    assert "usual windows disagree" in row.reason and "+2.80% over 7-day" in row.reason


def test_market_change_weekly_window_and_qualifiers(market: MarketData, settings: Settings) -> None:
    week = _eth_change(market, 24 * 7)
    weekly = claim("price_change", "ETH", round(week, 2), "ETH moved X% this week", unit="percent",
                   window="P7D", direction="up" if week > 0 else "down")
    row = only(check_claims([weekly], published_at=T_0519, market=market, settings=settings), "market_change")
    assert row.verdict == "consistent"
    assert row.evidence["window"] == "P7D"
    day = _eth_change(market)  # about -4.25
    over3 = claim("price_change", "ETH", -3.0, "Ethereum fell more than 3%", unit="percent",
                  window="PT24H", qualifier="at_least", direction="down")
    over9 = claim("price_change", "ETH", -9.0, "Ethereum fell more than 9%", unit="percent",
                  window="PT24H", qualifier="at_least", direction="down")
    at_most = claim("price_change", "ETH", -1.0, "Ethereum fell at most 1%", unit="percent",
                    window="PT24H", qualifier="at_most", direction="down")
    assert day < -3.0
    rows = {r.claim.id: r.verdict for r in check_claims([over3, over9, at_most], published_at=T_0519,
                                                          market=market, settings=settings)
            if r.check == "market_change"}
    assert rows == {over3.id: "consistent", over9.id: "inconsistent", at_most.id: "inconsistent"}


def test_market_change_in_usd(market: MarketData, settings: Settings) -> None:
    ch = market.change_over("BTC", T_0519, timedelta(hours=24))
    assert ch is not None
    good = claim("price_change", "BTC", round(ch.change), "Bitcoin moved $X in 24 hours", window="PT24H",
                 direction="up" if ch.change > 0 else "down")
    bad = claim("price_change", "BTC", round(ch.change) + 9000, "Bitcoin gained $Y in 24 hours", window="PT24H",
                direction="up")
    rows = {r.claim.id: r for r in check_claims([good, bad], published_at=T_0519, market=market, settings=settings)
            if r.check == "market_change"}
    assert rows[good.id].verdict == "consistent"
    assert rows[good.id].expected == pytest.approx(ch.change)
    assert rows[bad.id].verdict == "inconsistent"


def test_market_change_no_data(market: MarketData, settings: Settings) -> None:
    c = claim("price_change", "ETH", -2.97, "Ethereum has dropped 2.97%", unit="percent", window="PT24H")
    assert only(check_claims([c], published_at=None, market=market, settings=settings),
                "market_change").verdict == "unverifiable"
    early = datetime(2025, 5, 1, 2, tzinfo=UTC)  # the fixture starts on 1 May: 24h before is outside
    row = only(check_claims([c], published_at=early, market=market, settings=settings), "market_change")
    assert row.verdict == "unverifiable"


# --------------------------------------------------------------------------- level_vs_price

SEED000_PRICE = (
    "Bitcoin is trading at $67.46K with a 24-hour decline of 1.88%, while Ethereum has dropped 2.97%."
)
SEED000_SUPPORT = (
    "For Bitcoin, the $75,000 level represents the crucial technical support that traders are "
    "watching closely."
)
SEED003_PRICE_TEXT = "Bitcoin was traded at $65.64K"


def test_seed_support_above_own_price_is_major(settings: Settings) -> None:
    price = claim("price", "BTC", 67460.0, "Bitcoin is trading at $67.46K", SEED000_PRICE, article_id="s000")
    support = claim("support", "BTC", 75000.0, "the $75,000 level represents the crucial technical support",
                    SEED000_SUPPORT, article_id="s000", start=500)
    rows = check_claims([price, support], published_at=None, market=None, settings=settings)
    row = only([r for r in rows if r.claim.id == support.id], "level_vs_price")
    assert row.verdict == "inconsistent" and row.severity == "major"
    assert row.reason == (
        "support at $75,000 is above the price the article itself gives, $67,460: "
        "a level the price is already below is not support"
    )
    assert row.expected == 67460.0
    assert row.evidence["price_from"] == "article" and row.evidence["article_id"] == "s000"
    # the price itself cannot be checked without a time
    assert only([r for r in rows if r.claim.id == price.id], "market_price").verdict == "unverifiable"


def test_seed003_support_against_65640(settings: Settings) -> None:
    sentence = "Meanwhile, Bitcoin maintains a key support at $75,000."
    price = claim("price", "BTC", 65640.0, SEED003_PRICE_TEXT, article_id="s003")
    support = claim("support", "BTC", 75000.0, "Bitcoin maintains a key support at $75,000", sentence,
                    article_id="s003", start=900)
    row = only(check_claims([price, support], published_at=None, market=None, settings=settings)[1:], "level_vs_price")
    assert "support at $75,000 is above the price the article itself gives, $65,640" in row.reason


def test_level_with_market_price(market: MarketData, settings: Settings) -> None:
    # at 2025-05-19 15:33 BTC was about 104,800: support at 100K fine, resistance at 100K wrong
    support = claim("support", "BTC", 100000.0, "support at $100,000")
    resistance = claim("resistance", "BTC", 100000.0, "resistance at $100,000")
    zone = claim("support", "BTC", 103000.0, "support zone between $103,000 and $106,000", value_max=106000.0)
    rows = {r.claim.id: r for r in check_claims([support, resistance, zone], published_at=T_0519,
                                                   market=market, settings=settings)}
    assert rows[support.id].verdict == "consistent"
    assert rows[support.id].evidence["price_from"] == "market"
    assert rows[resistance.id].verdict == "inconsistent" and rows[resistance.id].severity == "major"
    assert rows[zone.id].verdict == "consistent"


def test_level_described_as_broken_is_not_an_error(market: MarketData, settings: Settings) -> None:
    # dev mj001389: "Currently, the Bitcoin price has dropped below the pivotal support at $102,800"
    s = ("Currently, the Bitcoin price has dropped below the pivotal support at $102,800, which has "
         "dragged down the levels of the majority of the altcoins.")
    broken = claim("support", "BTC", 102800.0, "the pivotal support at $102,800", s)
    price = claim("price", "BTC", 101900.0, "Bitcoin trades at $101,900", article_id="a1", start=10)
    row = only([r for r in check_claims([price, broken], published_at=None, market=None, settings=settings)
                if r.claim.id == broken.id], "level_vs_price")
    assert row.verdict == "consistent"
    assert "already crossed" in row.reason
    # a conditional break is not a done one: seed 000's "A decisive break below this level would ..."
    hypo_s = ("A decisive break below this level would likely shift focus downward to $70,000, which would "
              "then become the next major area of interest for buyers attempting to arrest the decline.")
    hypo = claim("support", "BTC", 70000.0, "shift focus downward to $70,000", hypo_s, start=50)
    row2 = only([r for r in check_claims([price.model_copy(update={"value": 67460.0}), hypo],
                                         published_at=None, market=None, settings=settings)
                 if r.claim.id == hypo.id], "level_vs_price")
    assert row2.verdict == "inconsistent"


@pytest.mark.parametrize("sentence", [
    "ETH price was able to recover above the $2,550 and $2,620 resistance levels.",
    "ETH price was able to clear the $2,550 and $2,620 resistance levels to move into a positive zone.",
    "Ethereum started a fresh increase above the $2,550 resistance.",
])
def test_a_resistance_the_price_recovered_above_is_crossed(sentence: str, settings: Settings) -> None:
    level = claim("resistance", "ETH", 2550.0, sentence[: sentence.index("$2,550") + 6], sentence)
    price = claim("price", "ETH", 2650.0, "Ethereum trades at $2,650", article_id="a1", start=200)
    row = only([r for r in check_claims([price, level], published_at=None, market=None, settings=settings)
                if r.claim.id == level.id], "level_vs_price")
    assert row.verdict == "consistent" and "already crossed" in row.reason


def test_level_without_any_price_is_unverifiable(settings: Settings) -> None:
    # seed 002 gives a support zone but no price of its own
    zone = claim("support", "BTC", 67000.0, "Bitcoin recently tested support levels around $67-75K range",
                 value_max=75000.0, qualifier="approx", article_id="s002")
    row = only(check_claims([zone], published_at=None, market=None, settings=settings), "level_vs_price")
    assert row.verdict == "unverifiable"
    assert "no publication time" in row.reason and "no current Bitcoin price" in row.reason


# --------------------------------------------------------------------------- internal

SEED000_LIQ = (
    "Over the past 24 hours alone, approximately $237 million in Bitcoin long positions have been liquidated.",
    "Zooming out reveals the severity: weekly BTC liquidations reached $2.16 billion, while monthly "
    "figures surpassed $4.4 billion.",
)


def _seed_liquidations(day: float = 237e6) -> list[Claim]:
    return [
        claim("liquidation", "BTC", day, "approximately $237 million in Bitcoin long positions have been liquidated",
              SEED000_LIQ[0], window="PT24H", side="long", qualifier="approx", start=100),
        claim("liquidation", "BTC", 2.16e9, "weekly BTC liquidations reached $2.16 billion", SEED000_LIQ[1],
              window="P7D", start=200),
        claim("liquidation", "BTC", 4.4e9, "monthly figures surpassed $4.4 billion", SEED000_LIQ[1],
              window="P30D", qualifier="at_least", start=260),
    ]


def test_internal_aggregates_in_order(settings: Settings) -> None:
    rows = check_claims(_seed_liquidations(), published_at=None, market=None, settings=settings)
    internal = [r for r in rows if r.check == "internal"]
    assert len(internal) == 3
    assert {r.verdict for r in internal} == {"consistent"}


def test_internal_aggregates_out_of_order(settings: Settings) -> None:
    rows = check_claims(_seed_liquidations(day=3.0e9), published_at=None, market=None, settings=settings)
    bad = [r for r in rows if r.verdict == "inconsistent"]
    assert {r.claim.window for r in bad} == {"PT24H", "P7D"}
    day = next(r for r in bad if r.claim.window == "PT24H")
    assert "exceeds the weekly figure $2.16 billion" in day.reason
    assert day.evidence["others"][0]["article_id"] == "a1"


def test_internal_two_different_prices(settings: Settings) -> None:
    a = claim("price", "BTC", 111109.0, "Bitcoin hovers at $111,109", start=10)
    b = claim("price", "BTC", 111419.0, "BTC trades at $111,419", start=300)
    c = claim("price", "BTC", 118000.0, "BTC trades at $118,000", start=600)
    rows = [r for r in check_claims([a, b], published_at=None, market=None, settings=settings) if r.check == "internal"]
    assert {r.verdict for r in rows} == {"consistent"}
    rows = [r for r in check_claims([a, c], published_at=None, market=None, settings=settings) if r.check == "internal"]
    assert {r.verdict for r in rows} == {"inconsistent"}
    assert rows[0].expected == 118000.0


def test_every_claim_gets_a_row(settings: Settings) -> None:
    oi = claim("open_interest", "MARKET", -4.4, "Open interest in perpetual futures declined roughly 4.4%",
               unit="percent", window="PT24H", direction="down", qualifier="approx")
    pnl = claim("unrealized_pnl", "BTC", -9e8, "an unrealized loss in Bitcoin holdings worth approximately $900 million",
                direction="down", qualifier="approx", start=40)
    rows = check_claims([oi, pnl], published_at=None, market=None, settings=settings)
    assert {r.claim.id for r in rows} == {oi.id, pnl.id}
    assert all(r.verdict == "unverifiable" and "no market data on" in r.reason for r in rows)


# --------------------------------------------------------------------------- stories

# The fingerprintable claims of the three rewritten seeds (values, windows as extracted).
SEED_FACTS = {
    "000_8e8d785f63898a59": [
        ("price", "BTC", 67460.0, None), ("price_change", "BTC", -1.88, "PT24H"),
        ("price_change", "ETH", -2.97, "PT24H"), ("price_change", "BNB", -1.17, "PT24H"),
        ("price_change", "SOL", -3.88, "PT24H"), ("price_change", "XRP", -2.34, "PT24H"),
        ("liquidation", "BTC", 237e6, "PT24H"), ("liquidation", "BTC", 2.16e9, "P7D"),
        ("liquidation", "BTC", 4.4e9, "P30D"), ("open_interest", "MARKET", -4.4, "PT24H"),
        ("open_interest", "MARKET", -26e9, "PT24H"), ("open_interest", "MARKET", -34.0, "P30D"),
        ("unrealized_pnl", "BTC", -9e8, None), ("support", "BTC", 75000.0, None),
        ("support", "BTC", 70000.0, None),
    ],
    "002_f5808bcec0436b8b": [
        ("support", "BTC", 67000.0, None), ("liquidation", "BTC", 237e6, "PT24H"),
        ("liquidation", "BTC", 2.16e9, "P7D"), ("liquidation", "BTC", 4.4e9, "P30D"),
        ("price_change", "ETH", -0.12, "PT24H"), ("price_change", "SOL", -1.5, "PT24H"),
        ("open_interest", "MARKET", -4.4, "PT24H"), ("open_interest", "MARKET", -26e9, "PT24H"),
        ("open_interest", "MARKET", -34.0, "P30D"), ("support", "BTC", 75000.0, None),
        ("support", "BTC", 70000.0, None),
    ],
    "003_0a215b10c707a40c": [
        ("price", "BTC", 65640.0, None), ("price_change", "BTC", -1.28, "PT24H"),
        ("price_change", "ETH", -0.6, "PT24H"), ("price_change", "SOL", -1.26, "PT24H"),
        ("price_change", "XRP", -0.43, "PT24H"), ("open_interest", "MARKET", -4.4, "PT24H"),
        ("open_interest", "MARKET", -26e9, "PT24H"), ("open_interest", "MARKET", -34.0, "P30D"),
        ("liquidation", "BTC", 237e6, "PT24H"), ("liquidation", "BTC", 2.16e9, "P7D"),
        ("liquidation", "BTC", 4.4e9, "P30D"), ("unrealized_pnl", "BTC", -9e8, None),
        ("support", "BTC", 75000.0, None), ("support", "BTC", 70000.0, None),
    ],
}
# dev mj008542 (2025-06-06): an unrelated article that shares two generic figures with the seeds
UNRELATED = [
    ("price", "BTC", 102995.0, None), ("price_change", "ETH", -7.25, "PT24H"),
    ("price_change", "XRP", -4.35, "PT24H"), ("price_change", "SOL", -5.2, "PT24H"),
    ("support", "BTC", 75000.0, None), ("support", "BTC", 70000.0, None),
    ("liquidation", "BTC", 1.0e9, "PT24H"),
]


def _facts_to_claims(article_id: str, facts: list[tuple[str, str, float, str | None]]) -> tuple[Claim, ...]:
    out = []
    for i, (type_, asset, value, window) in enumerate(facts):
        unit = "percent" if type_ in ("price_change",) or (type_ == "open_interest" and abs(value) < 100) else "USD"
        out.append(claim(type_, asset, value, f"{type_} {asset} {value}", article_id=article_id,
                         unit=unit, window=window, start=i * 10))
    return tuple(out)


def test_seed_fingerprints_overlap() -> None:
    fp = {aid: claim_fingerprints(_facts_to_claims(aid, facts)) for aid, facts in SEED_FACTS.items()}
    a, b, c = fp.values()
    assert len(a & b) >= 8 and len(a & c) >= 9
    assert "price|BTC|67500" in a  # $67,460 rounded to three digits
    assert "liquidation|*|2.16e+09" in a  # aggregates: no asset


def test_group_stories_joins_the_rewritten_seeds_and_keeps_unrelated_apart(settings: Settings) -> None:
    inputs = [StoryInput(article_id=aid, cluster_id=aid, claims=_facts_to_claims(aid, facts))
              for aid, facts in SEED_FACTS.items()]
    inputs.append(StoryInput(article_id="mj008542", cluster_id="mj008542",
                             published_at=datetime(2025, 6, 6, 4, 52, tzinfo=UTC),
                             claims=_facts_to_claims("mj008542", UNRELATED)))
    # a near-duplicate of seed 001 (no claims of its own) joins through its cluster
    inputs.append(StoryInput(article_id="001_1e56fe40bd3ef231", cluster_id="001_1e56fe40bd3ef231"))
    inputs.append(StoryInput(article_id="zz_copy_of_001", cluster_id="001_1e56fe40bd3ef231"))
    stories = group_stories(inputs, settings)
    seeds = ["000_8e8d785f63898a59", "002_f5808bcec0436b8b", "003_0a215b10c707a40c"]
    assert {stories[s] for s in seeds} == {"000_8e8d785f63898a59"}
    assert stories["mj008542"] == "mj008542"
    assert stories["zz_copy_of_001"] == "001_1e56fe40bd3ef231"
    # the story id does not depend on input order
    assert group_stories(list(reversed(inputs)), settings) == stories


def test_group_stories_time_limit(settings: Settings) -> None:
    facts = SEED_FACTS["000_8e8d785f63898a59"]
    a = StoryInput(article_id="a", published_at=T_0519, claims=_facts_to_claims("a", facts))
    b = StoryInput(article_id="b", published_at=T_0519 + timedelta(days=20), claims=_facts_to_claims("b", facts))
    assert group_stories([a, b], settings) == {"a": "a", "b": "b"}
    b2 = b.model_copy(update={"published_at": T_0519 + timedelta(hours=5)})
    assert group_stories([a, b2], settings) == {"a": "a", "b": "a"}


# --------------------------------------------------------------------------- cross_copy

SEED_ETH = {
    "000_8e8d785f63898a59": ("Ethereum has dropped 2.97%", -2.97),
    "002_f5808bcec0436b8b": ("Ethereum (down 0.12% currently)", -0.12),
    "003_0a215b10c707a40c": ("Ethereum retreated 0.60%", -0.60),
}


def _seed_story_claims() -> dict[str, list[Claim]]:
    out: dict[str, list[Claim]] = {}
    for aid, (text, value) in SEED_ETH.items():
        out[aid] = [
            claim("price_change", "ETH", value, text, article_id=aid, unit="percent", window="PT24H",
                  direction="down", start=120),
            claim("liquidation", "BTC", 237e6, "approximately $237 million in long positions", article_id=aid,
                  window="PT24H", side="long", qualifier="approx", start=400),
        ]
    return out


def test_cross_copy_flags_the_three_eth_figures(settings: Settings) -> None:
    rows = check_cross_copy(_seed_story_claims(), published={k: None for k in SEED_ETH}, market=None,
                            settings=settings)
    eth = [r for r in rows if r.claim.asset == "ETH"]
    assert len(eth) == 3
    assert {r.verdict for r in eth} == {"inconsistent"}
    r000 = next(r for r in eth if r.claim.article_id.startswith("000"))
    assert "-0.12% in 002_f5808bcec0436b8b" in r000.reason and "-0.60% in 003_0a215b10c707a40c" in r000.reason
    assert "no market data" in r000.reason
    assert r000.severity == "major"
    copies = r000.evidence["copies"]
    assert {c["article_id"] for c in copies} == set(SEED_ETH)
    assert {c["value"] for c in copies} == {-2.97, -0.12, -0.60}
    assert all("published_at" in c for c in copies)
    liq = [r for r in rows if r.claim.type == "liquidation"]
    assert len(liq) == 3 and {r.verdict for r in liq} == {"consistent"}


def test_cross_copy_says_which_copy_the_market_supports(market: MarketData, settings: Settings) -> None:
    real = round(_eth_change(market), 2)
    story = {
        "x1": [claim("price_change", "ETH", real, "Ethereum has dropped X%", article_id="x1",
                     unit="percent", window="PT24H", direction="down")],
        "x2": [claim("price_change", "ETH", -0.12, "Ethereum (down 0.12% currently)", article_id="x2",
                     unit="percent", window="PT24H", direction="down")],
    }
    published = {"x1": T_0519, "x2": T_0519 + timedelta(minutes=20)}
    rows = check_cross_copy(story, published=published, market=market, settings=settings)
    assert {r.verdict for r in rows} == {"inconsistent"}
    assert rows[0].evidence["market_supports"] == ["x1"]
    assert "supports x1" in rows[0].reason
    assert rows[0].evidence["copies"][0]["published_at"].startswith("2025-05-19T15:33")


def test_cross_copy_leaves_a_price_of_a_day_later_to_the_market(market: MarketData, settings: Settings) -> None:
    # issue 11: a copy published a day later is compared with the market at its own
    # time (the market_price check), not with the other copy
    later = T_0519 + timedelta(hours=30)
    p1, p2 = market.price_at("BTC", T_0519), market.price_at("BTC", later)
    assert p1 is not None and p2 is not None and abs(p1.price / p2.price - 1) > 0.02
    story = {
        "x1": [claim("price", "BTC", round(p1.price), "Bitcoin is trading at $X", article_id="x1")],
        "x2": [claim("price", "BTC", round(p2.price), "Bitcoin is trading at $Y", article_id="x2")],
    }
    assert check_cross_copy(story, published={"x1": T_0519, "x2": later}, market=market, settings=settings) == []
    # without times nothing says they are apart: the same difference is flagged
    rows = check_cross_copy(story, published={"x1": None, "x2": None}, market=market, settings=settings)
    assert {r.verdict for r in rows} == {"inconsistent"}


def test_cross_copy_difference_explained_by_publication_times(market: MarketData, settings: Settings) -> None:
    # copies within the comparison gap whose values each match the market at their own time
    later = T_0519 + timedelta(hours=2, minutes=50)
    p1, p2 = market.price_at("BTC", T_0519), market.price_at("BTC", later)
    assert p1 is not None and p2 is not None
    story = {
        "x1": [claim("price", "BTC", round(p1.price * 0.985), "Bitcoin is trading at $X", article_id="x1")],
        "x2": [claim("price", "BTC", round(p2.price * 1.01), "Bitcoin is trading at $Y", article_id="x2")],
    }
    rows = check_cross_copy(story, published={"x1": T_0519, "x2": later}, market=market, settings=settings)
    assert {r.verdict for r in rows} == {"consistent"}
    assert "each agrees with the market at its own publication time" in rows[0].reason


def test_cross_copy_never_lists_an_article_as_its_own_copy(market: MarketData, settings: Settings) -> None:
    # an article stating two different BTC prices (an internal matter) and one other copy:
    # each claim is compared with the other article only
    story = {
        "x1": [claim("price", "BTC", 105000.0, "Bitcoin is trading at $105,000", article_id="x1"),
               claim("price", "BTC", 98000.0, "Bitcoin trades at $98,000", article_id="x1")],
        "x2": [claim("price", "BTC", 105100.0, "BTC trades at $105,100", article_id="x2")],
    }
    published = {"x1": T_0519, "x2": T_0519 + timedelta(minutes=30)}
    rows = check_cross_copy(story, published=published, market=market, settings=settings)
    assert len(rows) == 3
    for r in rows:
        assert f"in {r.claim.article_id}" not in r.reason
        assert all(c["article_id"] != r.claim.article_id or c["claim_id"] == r.claim.id
                   for c in r.evidence["copies"])
    x2 = next(r for r in rows if r.claim.article_id == "x2")
    assert "x1" in x2.reason and "x2 (" not in x2.reason


def test_group_stories_ignores_generic_figures(settings: Settings) -> None:
    # many articles of one week repeat the same round BTC levels: those prove no common source
    generic = [("price", "BTC", 100000.0, None), ("price", "BTC", 105000.0, None),
               ("support", "BTC", 103000.0, None), ("resistance", "BTC", 110000.0, None)]
    inputs = [StoryInput(article_id=f"g{i:02d}", published_at=T_0519 + timedelta(hours=i),
                         claims=_facts_to_claims(f"g{i:02d}", [*generic, ("price_change", "ETH", -1.0 - i / 10, "PT24H")]))
              for i in range(settings.check.story_max_df + 1)]
    stories = group_stories(inputs, settings)
    assert len(set(stories.values())) == len(inputs)
    # the same four figures shared by only two articles do join them
    assert len(set(group_stories(inputs[:2], settings).values())) == 1


# --------------------------------------------------------------------------- render

CHECKS_MD_FIELDS = {"claim", "check", "verdict", "severity", "expected", "observed", "deviation",
                    "tolerance", "reason", "evidence", "as_of", "confidence"}
CLAIMS_MD_FIELDS = {"source_id", "type", "asset", "subject", "value", "value_max", "unit", "direction",
                    "window", "side", "qualifier", "text", "start", "end", "sentence", "confidence", "extractor"}


def _report_rows(market: MarketData, settings: Settings) -> list[Check]:
    price = claim("price", "BTC", 67460.0, "Bitcoin is trading at $67.46K", SEED000_PRICE, article_id="s000")
    support = claim("support", "BTC", 75000.0, "the $75,000 level represents the crucial technical support",
                    SEED000_SUPPORT, article_id="s000", start=500)
    ok = claim("price", "BTC", 104786.0, "Bitcoin is trading at $104,786", article_id="d1")
    return (check_claims([price, support], published_at=None, market=None, settings=settings)
            + check_claims([ok], published_at=T_0519, market=market, settings=settings))


def test_render_json_matches_checks_md(market: MarketData, settings: Settings) -> None:
    rows = _report_rows(market, settings)
    data = json.loads(render_checks(rows, "json", color=False))
    assert isinstance(data, list) and len(data) == len(rows)
    for obj in data:
        assert set(obj) >= CHECKS_MD_FIELDS
        assert set(obj["claim"]) >= CLAIMS_MD_FIELDS
        assert obj["verdict"] in ("consistent", "inconsistent", "unverifiable")
    dated = next(o for o in data if o["as_of"])
    assert dated["as_of"].startswith("2025-05-19T15:33:04")
    flagged = next(o for o in data if o["verdict"] == "inconsistent")
    assert flagged["severity"] == "major" and flagged["check"] == "level_vs_price"


def test_render_table_and_markdown(market: MarketData, settings: Settings) -> None:
    rows = _report_rows(market, settings)
    plain = render_checks(rows, "table", color=False)
    assert "[INCONSISTENT major] BTC support $75,000" in plain
    assert "support at $75,000 is above the price the article itself gives, $67,460" in plain
    assert "\x1b[" not in plain
    assert plain.rstrip().splitlines()[-1].startswith("3 claims, 3 checks: 1 inconsistent (1 major)")
    colored = render_checks(rows, "table", color=True)
    assert "\x1b[31m" in colored and "\x1b[32m" in colored
    md = render_checks(rows, "markdown", color=False)
    assert md.startswith("| verdict | claim | check | reason |")
    assert "**inconsistent (major, wrong side, confidence " in md and "**Summary:**" in md
    # flagged claims come first, whatever their place in the text
    assert md.splitlines()[2].startswith("| **inconsistent")
    with pytest.raises(ValueError):
        render_checks(rows, "html", color=False)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the seeds, extracted for real


@pytest.fixture(scope="module")
def seed_claims() -> dict[str, list[Claim]]:
    from newsclaims.clean import clean_article
    from newsclaims.extract import extract_claims
    from newsclaims.models import Article, CleanArticle
    from newsclaims.nlp import build_pipeline

    s = load_settings()
    nlp = build_pipeline(s)
    out: dict[str, list[Claim]] = {}
    for path in sorted((Path(__file__).resolve().parent.parent / "corpus" / "seeds").glob("*.txt")):
        article = Article(id=path.stem, source_id=path.name, body=path.read_text(encoding="utf-8"))
        clean = clean_article(article, s)
        assert isinstance(clean, CleanArticle)
        out[path.stem] = extract_claims(clean, nlp, s)
    return out


def test_seeds_end_to_end(seed_claims: dict[str, list[Claim]], settings: Settings) -> None:
    """Real extraction -> stories -> checks: the $75K support and the three ETH figures are flagged."""
    stories = group_stories(
        [StoryInput(article_id=k, cluster_id=k, claims=tuple(v)) for k, v in seed_claims.items()], settings
    )
    rewritten = ["000_8e8d785f63898a59", "002_f5808bcec0436b8b", "003_0a215b10c707a40c"]
    assert {stories[k] for k in rewritten} == {"000_8e8d785f63898a59"}
    assert stories["001_1e56fe40bd3ef231"] == "001_1e56fe40bd3ef231"

    for seed, own in (("000_8e8d785f63898a59", "$67,460"), ("003_0a215b10c707a40c", "$65,640")):
        rows = check_claims(seed_claims[seed], published_at=None, market=None, settings=settings)
        assert {r.claim.id for r in rows} == {c.id for c in seed_claims[seed]}  # every claim has a row
        flagged = [r for r in rows if r.check == "level_vs_price" and r.claim.value == 75000.0]
        assert flagged and flagged[0].verdict == "inconsistent" and flagged[0].severity == "major"
        assert f"support at $75,000 is above the price the article itself gives, {own}" in flagged[0].reason

    story = {k: seed_claims[k] for k in rewritten}
    rows = check_cross_copy(story, published=dict.fromkeys(rewritten), market=None, settings=settings)
    eth = [r for r in rows if r.claim.asset == "ETH" and r.claim.type == "price_change"]
    assert sorted(r.claim.value for r in eth) == [-2.97, -0.6, -0.12]
    assert {r.verdict for r in eth} == {"inconsistent"}


# --------------------------------------------------------------------------- issue 13: reasons that say what happened


def _times(market: MarketData, asset: str) -> list[datetime]:
    cov = market.coverage(asset)
    assert cov is not None
    t, out = cov[0] + timedelta(days=2), []
    while t < cov[1] - timedelta(hours=2):
        out.append(t)
        t += timedelta(hours=1)
    return out


def test_a_flat_market_against_a_stated_fall_is_not_called_agreement(market: MarketData, settings: Settings) -> None:
    from newsclaims.check import check_market_change

    # a time where the market rose a little (under the flat threshold) over 24 hours
    at, up = next(
        (t, ch.change_pct) for t in _times(market, "ETH")
        if (ch := market.change_over("ETH", t, timedelta(hours=24))) is not None and 0.05 < ch.change_pct < 0.4
    )
    c = claim("price_change", "ETH", -0.43, "Ethereum slipped 0.43% in 24 hours", unit="percent", window="PT24H", direction="down")
    row = check_market_change(c, published_at=at, market=market, settings=settings)
    assert row.verdict == "consistent"
    assert "agrees" not in row.reason
    assert "too small to contradict" in row.reason and f"{up:+.2f}%" in row.reason
    same = claim("price_change", "ETH", round(up, 2), "Ethereum rose", unit="percent", window="PT24H", direction="up")
    assert "agrees with the stated" in check_market_change(same, published_at=at, market=market, settings=settings).reason


def test_a_support_beyond_the_tolerance_is_not_said_to_lie_at_the_price(market: MarketData, settings: Settings) -> None:
    from newsclaims.check import check_level

    tol = settings.check.level_tolerance_pct / 100
    # a time whose candle traded well above the price at that moment
    for t in _times(market, "BTC"):
        p = market.price_at("BTC", t)
        if p is not None and (p.high - p.price) / p.price > 2 * tol:
            break
    else:
        pytest.fail("no candle with a wide enough range in the fixture")
    value = round(p.price * (1 + 1.5 * tol))
    c = claim("support", "BTC", value, f"support at ${value:,}")
    row = check_level(c, [c], published_at=t, market=market, settings=settings)
    assert row.verdict == "consistent"
    assert row.deviation is not None and row.deviation > tol
    assert "as a support should" not in row.reason and "lies at" not in row.reason
    assert "above" in row.reason and "not clearly on the wrong side" in row.reason
    near = claim("support", "BTC", round(p.price * (1 + tol / 2)), "support near")
    assert "where a support being tested sits" in check_level(near, [near], published_at=t, market=market, settings=settings).reason
    below = claim("support", "BTC", round(p.price * 0.9), "support below")
    assert "as a support should" in check_level(below, [below], published_at=t, market=market, settings=settings).reason


def test_no_other_figure_is_said_only_when_there_is_none(settings: Settings) -> None:
    a = claim("etf_flow", "BTC", 390e6, "inflows of $390 million", window="P1D", start=0)
    b = claim("etf_flow", "BTC", 394.16e6, "weekly inflows of $394.16 million", window="P7D", start=40)
    rows = check_claims([a, b], published_at=T_0519, market=None, settings=settings)
    lonely = [r for r in rows if r.verdict == "unverifiable" and r.check == "internal"]
    assert len(lonely) == 2
    for r in lonely:
        assert "states no other figure" not in r.reason
        assert "$390 million" in r.reason or "$394 million" in r.reason
    alone = check_claims([a], published_at=T_0519, market=None, settings=settings)
    assert "states no other figure" in only(alone, "internal").reason


def test_a_time_outside_the_data_is_named_as_published_not_as_the_window_start(market: MarketData, settings: Settings) -> None:
    t = datetime(2026, 2, 6, 12, 0, tzinfo=UTC)
    c = claim("price", "BTC", 70000, "Bitcoin is trading at $70,000")
    row = only(check_claims([c], published_at=t, market=market, settings=settings), "market_price")
    assert row.verdict == "unverifiable"
    assert "2026-02-06 12:00 UTC" in row.reason and "10:00" not in row.reason


# --------------------------------------------------------------------------- issue 10: what a flag means
# ETH 4h candles around 2025-06-22 20:00 UTC (T_0622): 16:00-24:00 traded 2,111.89-2,237.23; the
# 2025-06-21 20:00 candle 2,216.00-2,409.42, the 12:00 one 2,412.29-2,445.20.


def test_stale_price_says_when_the_market_matched(market: MarketData, settings: Settings) -> None:
    stale = claim("price", "ETH", 2430.0, "Ethereum is trading at $2,430")
    row = only(check_claims([stale], published_at=T_0622, market=market, settings=settings), "market_price")
    assert row.verdict == "inconsistent" and row.finding == "stale"
    assert row.evidence["finding"] == "stale"
    assert row.evidence["stale_by"] == 24.0
    assert row.evidence["matched_at"] == "2025-06-21T20:00:00+00:00"
    assert "matches Ethereum's price at 20:00 UTC on 21 June, 24 hours before publication" in row.reason
    never = claim("price", "ETH", 3500.0, "Ethereum is trading at $3,500")
    row = only(check_claims([never], published_at=T_0622, market=market, settings=settings), "market_price")
    assert row.verdict == "inconsistent" and row.finding == "never_true"
    assert "stale_by" not in row.evidence and row.evidence["finding"] == "never_true"
    assert "nor did it match Ethereum's price at any time in the 72 hours before" in row.reason


def test_stale_lookback_is_a_setting(market: MarketData) -> None:
    s = load_settings(overrides={"check.stale_lookback_hours": 12})
    stale = claim("price", "ETH", 2430.0, "Ethereum is trading at $2,430")
    row = only(check_claims([stale], published_at=T_0622, market=market, settings=s), "market_price")
    assert row.finding == "never_true"  # the match lies 24 hours back


def test_stale_change(market: MarketData, settings: Settings) -> None:
    # the 24-hour change as it stood 24 hours before publication (-1.25%), against -8.43% at T_0622
    earlier = T_0622 - timedelta(hours=24)
    ch = market.change_over("ETH", earlier, timedelta(hours=24))
    now = market.change_over("ETH", T_0622, timedelta(hours=24))
    assert ch is not None and now is not None and abs(ch.change_pct - now.change_pct) > 4
    c = claim("price_change", "ETH", round(ch.change_pct, 2), "Ethereum is down X% in 24 hours", unit="percent",
              window="PT24H", direction="down" if ch.change_pct < 0 else "up")
    row = only(check_claims([c], published_at=T_0622, market=market, settings=settings), "market_change")
    assert row.verdict == "inconsistent" and row.finding == "stale"
    assert row.evidence["stale_by"] == 24.0
    assert "the figure is stale" in row.reason


def test_a_recap_day_is_a_day_of_the_week_before(market: MarketData, settings: Settings) -> None:
    # published Sunday 22 June 2025; ETH traded 2,367-2,569 on Friday the 20th, far above the
    # price at publication: the recap's Friday is not the price of the moment
    s = "Bearish sentiment intensified on Friday as ETH fell 3%, falling to a low of $2,380."
    low = claim("price", "ETH", 2380.0, "falling to a low of $2,380", s)
    change = claim("price_change", "ETH", -3.0, "ETH fell 3%", s, unit="percent", direction="down", window="PT24H")
    rows = {r.claim.id: r for r in check_claims([low, change], published_at=T_0622, market=market, settings=settings)}
    assert rows[low.id].verdict == "consistent" and rows[low.id].evidence["time_words"] == "Friday"
    assert rows[change.id].verdict == "unverifiable" and "'Friday'" in rows[change.id].reason
    # the publication day's own name is the present
    today = claim("price_change", "ETH", -3.0, "ETH fell 3%", "On Sunday ETH fell 3%.", unit="percent",
                  direction="down", window="PT24H")
    row = only(check_claims([today], published_at=T_0622, market=market, settings=settings), "market_change")
    assert row.verdict != "unverifiable"


def test_when_checks_the_time_the_text_names(market: MarketData, settings: Settings) -> None:
    # 20 June 2025 was a Friday: ETH traded 2,367.36-2,569.00 that day, far above the price at T_0622
    sentence = "Ethereum changed hands at $2,540 on Friday before the weekend sell-off."
    current = claim("price", "ETH", 2540.0, "Ethereum changed hands at $2,540", sentence)
    dated = claim("price", "ETH", 2540.0, "Ethereum changed hands at $2,540", sentence, when="2025-06-20")
    row = only(check_claims([current], published_at=T_0622, market=market, settings=settings), "market_price")
    # without a `when` the named weekday still makes it a price of the week before
    # publication (the rules extractor sets no `when`): not checked as current
    assert row.verdict == "consistent" and row.evidence["time_words"] == "Friday"
    row = only(check_claims([dated], published_at=T_0622, market=market, settings=settings), "market_price")
    assert row.verdict == "consistent" and "20 June 2025" in row.reason
    assert row.evidence["when"] == "2025-06-20"
    assert row.as_of == datetime(2025, 6, 20, tzinfo=UTC)  # the time the claim names
    wrong = claim("price", "ETH", 2900.0, "Ethereum changed hands at $2,900", sentence, when="2025-06-20")
    row = only(check_claims([wrong], published_at=T_0622, market=market, settings=settings), "market_price")
    assert row.verdict == "inconsistent" and row.finding is None  # dated: no staleness
    # a month, an interval
    month = claim("price", "ETH", 2750.0, "ETH was at $2,750", when="2025-06")
    week = claim("price", "ETH", 2750.0, "ETH was at $2,750", when="2025-06-16/2025-06-20")
    rows = check_claims([month, week], published_at=T_0622, market=market, settings=settings)
    assert [r.verdict for r in rows if r.check == "market_price"] == ["consistent", "inconsistent"]


def test_when_change_is_checked_over_the_named_span(market: MarketData, settings: Settings) -> None:
    sat = market.change_over("ETH", datetime(2025, 6, 22, tzinfo=UTC), timedelta(hours=24))
    assert sat is not None
    c = claim("price_change", "ETH", round(sat.change_pct, 2), "Ethereum fell X% on Saturday", unit="percent",
              window="PT24H", direction="down" if sat.change_pct < 0 else "up", when="2025-06-21")
    row = only(check_claims([c], published_at=T_0622, market=market, settings=settings), "market_change")
    assert row.verdict == "consistent" and row.expected == pytest.approx(sat.change_pct)
    assert "21 June 2025" in row.reason


def test_near_zero_move_is_not_a_wrong_direction(market: MarketData, settings: Settings) -> None:
    # BTC moved -0.71% over the 24 hours before T_0519: a stated +0.3% is within the size tolerance
    c = claim("price_change", "BTC", 0.3, "Bitcoin edged up 0.3% in 24 hours", unit="percent", window="PT24H",
              direction="up")
    row = only(check_claims([c], published_at=T_0519, market=market, settings=settings), "market_change")
    assert row.verdict == "consistent"


def test_round_figure_gets_the_approximate_tolerance(market: MarketData, settings: Settings) -> None:
    # $2,300 is 2.8% above the high around T_0622 (2,237.23): spoken in round terms, it passes
    rnd = claim("price", "ETH", 2300.0, "Ethereum is trading at $2,300")
    exact = claim("price", "ETH", 2310.0, "Ethereum is trading at $2,310")
    rows = {r.claim.id: r for r in check_claims([rnd, exact], published_at=T_0622, market=market, settings=settings)
            if r.check == "market_price"}
    assert rows[rnd.id].verdict == "consistent" and rows[rnd.id].evidence["round_figure"] is True
    assert rows[exact.id].verdict == "inconsistent"


def test_level_status_broken_or_flipped_is_consistent_past_the_price(market: MarketData, settings: Settings) -> None:
    sentence = "Ethereum lost its $2,450 support during the weekend."
    for status in ("broken", "flipped"):
        c = claim("support", "ETH", 2450.0, "$2,450 support", sentence, status=status)
        row = only(check_claims([c], published_at=T_0622, market=market, settings=settings), "level_vs_price")
        assert row.verdict == "consistent", row.reason
    # the same words without a status (the rules extractor): read from the sentence
    c = claim("support", "ETH", 2450.0, "$2,450 support", sentence)
    row = only(check_claims([c], published_at=T_0622, market=market, settings=settings), "level_vs_price")
    assert row.verdict == "consistent"
    # "breakout above the $2,000 resistance, now acting as support" (price above it: consistent either way)
    flip = claim("resistance", "ETH", 2400.0, "breakout above the $2,400 resistance",
                 "The breakout above the $2,400 resistance, now acting as support, failed.")
    row = only(check_claims([flip], published_at=T_0622, market=market, settings=settings), "level_vs_price")
    assert row.verdict != "inconsistent"
    # an active support above the price stays a flag
    active = claim("support", "ETH", 2450.0, "key support at $2,450", "ETH holds key support at $2,450.",
                   status="active")
    row = only(check_claims([active], published_at=T_0622, market=market, settings=settings), "level_vs_price")
    assert row.verdict == "inconsistent" and row.finding == "wrong_side"


def test_confidence_on_every_flag_and_plausibility(market: MarketData, settings: Settings) -> None:
    stale = claim("price", "ETH", 2430.0, "Ethereum is trading at $2,430", article_id="c1")
    off = claim("price", "ETH", 2400.0, "Ethereum is trading at $2,400", article_id="c2")  # never true, ~7% off
    misread = claim("price", "ETH", 3500.0, "Ethereum is trading at $3,500", article_id="c3")  # 56% off
    unsure = claim("price", "ETH", 2430.0, "Ethereum is trading at $2,430", article_id="c4", confidence=0.3)
    features_only = load_settings(overrides={"check.flag_text_model": "none"})
    conf: dict[str, dict[str, float | None]] = {"text": {}, "features": {}}
    for c in (stale, off, misread, unsure):
        for name, s in (("text", settings), ("features", features_only)):
            row = only(check_claims([c], published_at=T_0622, market=market, settings=s), "market_price")
            assert row.verdict == "inconsistent" and row.confidence is not None
            assert row.finding == {"c1": "stale", "c3": "never_true"}.get(c.article_id, row.finding)
            conf[name][c.article_id] = row.confidence
    # the packaged coefficients are fitted to judged flags: a stale figure is the likeliest
    # real flag, a price 56% off the market the least likely, a doubtful reading below a sure one
    for name, cf in conf.items():
        assert cf["c1"] > cf["c3"] and cf["c2"] > cf["c3"] and cf["c1"] > cf["c4"], (name, cf)  # type: ignore[operator]
    assert conf["features"]["c1"] > 0.2 and conf["features"]["c3"] < 0.05, conf  # type: ignore[operator]
    # read with the claim's words, a plain "is trading at" sentence is no misread: its flags
    # are likelier real than the features alone say (the text part's whole point)
    assert all(conf["text"][k] > conf["features"][k] for k in ("c1", "c2", "c3")), conf  # type: ignore[operator]
    ok = claim("price", "ETH", 2200.0, "Ethereum is trading at $2,200")
    row = only(check_claims([ok], published_at=T_0622, market=market, settings=settings), "market_price")
    assert row.verdict == "consistent" and row.confidence is None and row.finding is None


def test_calibrate_fits_judged_flags_and_round_trips(tmp_path: Path, market: MarketData, settings: Settings) -> None:
    from newsclaims.check.confidence import calibrate, features, load_model

    rows = check_claims(
        [claim("price", "ETH", 2430.0, "Ethereum is trading at $2,430", article_id="s"),
         claim("price", "ETH", 3500.0, "Ethereum is trading at $3,500", article_id="n")],
        published_at=T_0622, market=market, settings=settings,
    )
    flags = [r for r in rows if r.verdict == "inconsistent" and r.check == "market_price"]
    stale, never = sorted(flags, key=lambda r: r.finding != "stale")
    # judged: stale flags real 9 times in 10, never-true ones never
    data = [(features(stale), i < 9) for i in range(10)] + [(features(never), False) for _ in range(10)]
    prior = load_model()
    fitted = calibrate(data, prior, l2=0.1)
    assert fitted.meta["fitted_on"] == 20 and fitted.meta["real"] == 9
    assert abs(fitted.predict(features(stale)) - 0.9) < 0.1
    assert fitted.predict(features(never)) < 0.1
    path = tmp_path / "coef.json"
    path.write_text(fitted.to_json(), encoding="utf-8")
    s = load_settings(overrides={"check.confidence_model": str(path)})
    rescored = only(check_claims([stale.claim], published_at=T_0622, market=market, settings=s), "market_price")
    assert rescored.confidence == pytest.approx(fitted.predict(features(stale)), abs=1e-3)
    # refitted into the same file (as `benchmarks/flags.py calibrate -o` does): read again
    refit = calibrate([(features(stale), False) for _ in range(10)] + data[10:], prior, l2=0.1)
    path.write_text(refit.to_json(), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    again = only(check_claims([stale.claim], published_at=T_0622, market=market, settings=s), "market_price")
    assert again.confidence == pytest.approx(refit.predict(features(stale)), abs=1e-3)
    assert again.confidence < rescored.confidence

    with pytest.raises(SettingsError, match="confidence model file"):
        load_settings(overrides={"check.confidence_model": str(tmp_path / "missing.json")})


def test_the_text_part_reads_the_claims_words_and_needs_its_own_encoder(
    tmp_path: Path, market: MarketData, settings: Settings,
) -> None:
    from newsclaims.check.confidence import (
        TEXT_MAX_TOKENS,
        calibrate,
        claim_text,
        features,
        load_model,
    )
    from newsclaims.encoder import SentenceEncoder, encoder_dir, encoder_fingerprint

    # two flags alike in every feature, told in different words: a quote of the market now,
    # and a figure from a price-prediction table
    now = claim("price", "ETH", 2400.0, "$2,400", "Ethereum is trading at $2,400 right now.", article_id="a")
    table = claim("price", "ETH", 2400.0, "$2,400", "ETH price prediction table: 2026 average $2,400.", article_id="b")
    rows = [only(check_claims([c], published_at=T_0622, market=market, settings=settings), "market_price") for c in (now, table)]
    assert claim_text(rows[0].claim) == "price ETH || Ethereum is trading at [ $2,400 ]  right now."
    assert features(rows[0]) == features(rows[1])
    d = encoder_dir("default", "test")
    assert d is not None
    enc = SentenceEncoder(d, threads=1, max_tokens=TEXT_MAX_TOKENS)
    vec = {r.claim.article_id: enc.embed([claim_text(r.claim)])[0] for r in rows}
    # judged: quotes of the market real, table figures misreads
    data = [(features(rows[0]), True)] * 10 + [(features(rows[1]), False)] * 10
    vectors = [vec["a"]] * 10 + [vec["b"]] * 10
    fitted = calibrate(data, load_model(), l2=1.0, vectors=vectors, encoder=encoder_fingerprint(d, TEXT_MAX_TOKENS), text_l2=0.01)
    assert fitted.text is not None and len(fitted.text.weights) == 384
    # the features alone cannot tell them apart; the text part can
    assert fitted.predict(features(rows[0])) == fitted.predict(features(rows[1]))
    assert fitted.text.predict(features(rows[0]), vec["a"]) > 0.8 > 0.2 > fitted.text.predict(features(rows[1]), vec["b"])
    path = tmp_path / "coef.json"
    path.write_text(fitted.to_json(), encoding="utf-8")
    s = load_settings(overrides={"check.confidence_model": str(path)})
    again = [only(check_claims([c], published_at=T_0622, market=market, settings=s), "market_price") for c in (now, table)]
    assert again[0].confidence > 0.8 > 0.2 > again[1].confidence  # type: ignore[operator]
    # coefficients fitted with another encoder's vectors are not read with this one
    data_json = json.loads(path.read_text(encoding="utf-8"))
    data_json["text"]["encoder"] = "0" * 16
    path.write_text(json.dumps(data_json), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    plain = [only(check_claims([c], published_at=T_0622, market=market, settings=s), "market_price") for c in (now, table)]
    assert plain[0].confidence == plain[1].confidence == pytest.approx(fitted.predict(features(rows[0])), abs=1e-3)


def test_doubtful_flags_are_held_back_and_keep_what_they_were(market: MarketData, settings: Settings) -> None:
    far = claim("price", "ETH", 3500.0, "Ethereum is trading at $3,500")  # 56% off: confidence low
    stale = claim("price", "ETH", 2430.0, "Ethereum is trading at $2,430", article_id="c1")
    raised = {c.article_id: only(check_claims([c], published_at=T_0622, market=market, settings=settings), "market_price")
              for c in (far, stale)}
    assert all(r.verdict == "inconsistent" for r in raised.values())  # the default raises every flag
    cut = (raised[far.article_id].confidence + raised["c1"].confidence) / 2  # type: ignore[operator]
    gated = load_settings(overrides={"check.flag_min_confidence": cut})
    held = only(check_claims([far], published_at=T_0622, market=market, settings=gated), "market_price")
    kept = only(check_claims([stale], published_at=T_0622, market=market, settings=gated), "market_price")
    assert kept.verdict == "inconsistent" and kept.confidence == raised["c1"].confidence
    assert held.verdict == "unverifiable" and held.severity is None and held.confidence is None and held.finding is None
    assert held.reason.startswith("not flagged: the reading is doubtful (")
    assert held.reason.endswith(raised[far.article_id].reason)
    assert held.evidence["doubtful"] == {
        "finding": "never_true", "severity": raised[far.article_id].severity,
        "confidence": raised[far.article_id].confidence,
    }
    with pytest.raises(SettingsError):
        load_settings(overrides={"check.flag_min_confidence": 1.5})
    with pytest.raises(SettingsError, match="flag_text_model"):
        load_settings(overrides={"check.flag_text_model": "/nonexistent/encoder"})


# --------------------------------------------------------------------------- missing market data, by name


def test_an_asset_without_market_data_is_named(market: MarketData, settings: Settings) -> None:
    c = claim("price", "PEPE", 0.0000123, "PEPE trades at $0.0000123")
    (row,) = check_claims([c], published_at=T_0607, market=market, settings=settings)
    assert row.verdict == "unverifiable"
    assert row.reason.startswith("no market data for PEPE,")


def test_a_renamed_asset_after_its_series_ends_says_so(market: MarketData, settings: Settings) -> None:
    # the extractor tags Polygon as POL; its history is MATIC's, which ends at the rename
    c = claim("price", "POL", 0.23, "POL is trading at $0.23")
    (row,) = check_claims([c], published_at=T_0607, market=market, settings=settings)
    assert row.verdict == "unverifiable"
    assert "no market data for MATIC after 2024-09-10 (renamed POL)" in row.reason
    change = claim("price_change", "POL", -3.1, "POL fell 3.1% in 24 hours", unit="percent", window="PT24H", direction="down")
    (row,) = check_claims([change], published_at=T_0607, market=market, settings=settings)
    assert "no market data for MATIC after 2024-09-10 (renamed POL)" in row.reason
    # before the rename the same claim is checked against MATIC's candles
    before = datetime(2024, 9, 1, 12, tzinfo=UTC)
    (row,) = check_claims([claim("price", "POL", 0.42, "POL is trading at $0.42")], published_at=before, market=market, settings=settings)
    assert row.verdict != "unverifiable", row.reason
    assert row.evidence["source"] == "csv:MATICUSDT"


def test_a_negative_zero_reads_as_zero_whichever_store_a_claim_comes_from(market: MarketData, settings: Settings) -> None:
    # "between 0% and -1%" parses its zero end as -0.0; SQLite hands back 0.0, Parquet -0.0:
    # the re-check of a re-timed article must word (and so identify) its rows the same
    rows = [
        only(check_claims([claim("price_change", "ETH", zero, "ETH is 0% to 1% lower", unit="percent",
                                 value_max=-1.0, direction="down")],
                          published_at=T_0622, market=market, settings=settings), "market_change")
        for zero in (-0.0, 0.0)
    ]
    assert rows[0].claim.value == 0.0 and str(rows[0].claim.value) == "0.0"
    assert rows[0].reason == rows[1].reason and rows[0].evidence == rows[1].evidence
    assert "-0.00" not in rows[0].reason
