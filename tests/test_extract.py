"""Claim extraction: each claim type, windows, qualifiers, list context, forecasts, repeats.

The sentences are real: from the seed articles (corpus/seeds) and the dev articles
(corpus/gold/dev.articles.jsonl), cut to the part under test.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from newsclaims.evaluate import article_for_eval
from newsclaims.extract import extract_claims
from newsclaims.models import Claim, CleanArticle
from newsclaims.nlp import build_pipeline
from newsclaims.settings import Settings

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_pipeline(Settings())


def claims_of(nlp: Language, text: str, title: str = "") -> list[Claim]:
    full = f"{title}\n\n{text}" if title else text
    art = CleanArticle(id="t", source_id="t.txt", title=title, text=full)
    return extract_claims(art, nlp, Settings())


def facts(claims: list[Claim]) -> list[tuple[object, ...]]:
    return [(c.type, c.asset, c.value, c.window) for c in claims]


def test_price_with_qualifiers(nlp: Language) -> None:
    cs = claims_of(nlp, "The Ethereum price has slumped below $2400, while the Solana price "
                        "is trading close to $160. Cryptocurrencies dominated as Bitcoin broke past $110,000.")
    assert [(c.type, c.asset, c.value, c.qualifier) for c in cs] == [
        ("price", "ETH", 2400.0, "at_most"),
        ("price", "SOL", 160.0, "approx"),
        ("price", "BTC", 110000.0, "at_least"),
    ]


def test_a_distance_from_a_high_is_not_a_claim(nlp: Language) -> None:
    # spec/claims.md: distances from a high ("26% below its ATH") are not claims; a move
    # from one is a change
    cs = claims_of(nlp, "ETH remains down 26% below its ATH of $4,878. Ethereum fell 11% from its three-month high.")
    changes = {c.value for c in cs if c.type == "price_change"}
    assert changes == {-11.0}
    assert ("price", 4878.0) in {(c.type, c.value) for c in cs}


@pytest.mark.parametrize("text", [
    "BTC continues to respect its rising channel that began in March, supported by the 50-day SMA at $106,913.",
    "The upsloping 20-day EMA ($2,334) and the RSI near the overbought zone indicate that bulls are in control.",
    "As of 6/8/2025, we hodl 582,000 $BTC acquired for ~$40.79 billion at ~$70,086 per bitcoin.",
    "The company purchased 10,000 ETH for approximately $25.7 million, pricing each token at $2,572.37.",
])
def test_moving_averages_and_purchase_prices_are_not_prices(nlp: Language, text: str) -> None:
    assert [c for c in claims_of(nlp, text) if c.type == "price"] == []


def test_a_price_beside_a_moving_average_is_still_a_price(nlp: Language) -> None:
    for text in ("Bitcoin is trading at $105,000, above the 200-day moving average.",
                 "Bitcoin traded above its 50-day moving average, rising to $110,000 on Monday.",
                 "After buying the dip, XRP now trades around $2.18 per coin."):
        assert [c.type for c in claims_of(nlp, text)] == ["price"], text


@pytest.mark.parametrize(("title", "kept"), [
    ("Bitcoin To $300,000 By 2026, Says PlanB", False),
    ("Bitcoin Whales Boost Positions as Price Correction to $94,000 Looms", False),
    ("Bitcoin Surges to $110,000 as ETFs Pile In", True),
    ("ETH Drops To $2,400 After Fed Decision", True),
    ("XRP Climbs Back to $3 As Volume Jumps", True),
])
def test_a_headline_target_is_not_a_price(nlp: Language, title: str, kept: bool) -> None:
    cs = claims_of(nlp, "The market is quiet.", title=title)
    assert bool([c for c in cs if c.type == "price"]) is kept


def test_a_table_row_takes_its_own_label_not_the_next_rows(nlp: Language) -> None:
    cs = claims_of(nlp, "Bitcoin Price Change Last 30 Days +8.99% Last 14 Days +0.25% Last 7 Days -4.09% "
                        "Last 24 Hours -1.49%")
    assert {c.value: c.window for c in cs} == {8.99: "P30D", 0.25: "P14D", -4.09: "P7D", -1.49: "PT24H"}
    # prose keeps the window after the figure
    cs = claims_of(nlp, "Bitcoin rose 4% in the last 24 hours and gained 9% in the past week.")
    assert {c.value: c.window for c in cs} == {4.0: "PT24H", 9.0: "P7D"}


def test_list_context_carries_asset_window_and_type(nlp: Language) -> None:
    text = ("Bitcoin is trading at $67.46K with a 24-hour decline of 1.88%, while Ethereum has "
            "dropped 2.97%. Other major tokens are similarly affected: BNB down 1.17%, Solana "
            "sliding 3.88%, and XRP declining 2.34%.")
    assert facts(claims_of(nlp, text)) == [
        ("price", "BTC", 67460.0, None),
        ("price_change", "BTC", -1.88, "PT24H"),
        ("price_change", "ETH", -2.97, "PT24H"),
        ("price_change", "BNB", -1.17, None),
        ("price_change", "SOL", -3.88, None),
        ("price_change", "XRP", -2.34, None),
    ]


def test_one_number_for_coordinated_assets(nlp: Language) -> None:
    cs = claims_of(nlp, "Solana and SUI took big hits, falling more than 7%.")
    assert {(c.asset, c.value, c.qualifier) for c in cs} == {("SOL", -7.0, "at_least"),
                                                            ("SUI", -7.0, "at_least")}


def test_liquidations_side_window_and_carried_total(nlp: Language) -> None:
    text = ("Over 24 hours, approximately $237 million in long BTC positions were liquidated. "
            "Over the past week, this total reached $2.16 billion. In the last month, "
            "accumulated liquidations total more than $4.4 billion.")
    cs = claims_of(nlp, text)
    assert [(c.type, c.value, c.window, c.qualifier) for c in cs] == [
        ("liquidation", 237e6, "PT24H", "approx"),
        ("liquidation", 2.16e9, "P7D", "exact"),
        ("liquidation", 4.4e9, "P30D", "at_least"),
    ]
    assert cs[0].side == "long" and cs[0].asset == "BTC"


def test_open_interest_change_and_level(nlp: Language) -> None:
    cs = claims_of(nlp, "TRX derivatives open interest rose by 8.25% over the past 24 hours to $329 million.")
    assert [(c.type, c.asset, c.value, c.direction, c.window) for c in cs] == [
        ("open_interest", "TRX", 8.25, "up", "PT24H"),
        ("open_interest", "TRX", 329e6, None, None),
    ]


def test_support_and_resistance_lists(nlp: Language) -> None:
    cs = claims_of(nlp, "Bitcoin has struggled to break past the resistance levels at $109,000 "
                        "and $111,000.\nSupport: $100,766 → $99,807 → $98,772")
    assert [(c.type, c.value) for c in cs] == [
        ("resistance", 109000.0), ("resistance", 111000.0),
        ("support", 100766.0), ("support", 99807.0), ("support", 98772.0),
    ]


def test_level_named_by_a_crossing_price_gives_both_claims(nlp: Language) -> None:
    cs = claims_of(nlp, "Currently, the Bitcoin price has dropped below the pivotal support at $102,800.")
    assert {(c.type, c.qualifier) for c in cs} == {("support", "exact"), ("price", "at_most")}


def test_etf_flows_carry_their_sign(nlp: Language) -> None:
    cs = claims_of(nlp, "Bitcoin alone saw $341M in daily liquidations. Spot Bitcoin ETFs saw $278M outflows.")
    assert [(c.type, c.value, c.direction, c.window) for c in cs] == [
        ("liquidation", 341e6, None, "PT24H"),
        ("etf_flow", -278e6, "down", None),
    ]


def test_unrealized_loss_with_subject(nlp: Language) -> None:
    cs = claims_of(nlp, "The Strategy Team, known for its significant positions, has an unrealized "
                        "loss of nearly $900 million in Bitcoin.")
    assert [(c.type, c.asset, c.value, c.qualifier, c.subject) for c in cs] == [
        ("unrealized_pnl", "BTC", -900e6, "approx", "Strategy")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The crypto market cap is down 4.8% in the last 24 hours.",
         ("market_cap", "MARKET", -4.8, "PT24H")),
        ("Bitcoin's 24-hour trading volume dipped by 20%.", ("volume", "BTC", -20.0, "PT24H")),
        ("Ethereum leads, with ETH accounting for 45.2% of trading volume over the past week.",
         ("dominance", "ETH", 45.2, "P7D")),
        ("The weighted funding rate for TRX rose to 0.0098%.", ("funding_rate", "TRX", 0.0098, None)),
        ("About $477 million of these liquidations came during the last twelve hours.",
         ("liquidation", "MARKET", 477e6, "PT12H")),
        ("Bitcoin price dropped by more than 5% over the past 7 days.",
         ("price_change", "BTC", -5.0, "P7D")),
        ("Bitcoin slipped 3% over the past month.", ("price_change", "BTC", -3.0, "P30D")),
    ],
)
def test_types_and_windows(nlp: Language, text: str, expected: tuple[object, ...]) -> None:
    assert facts(claims_of(nlp, text)) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Bitcoin could reach $150K by December.",
        "If the BTC price could rise back above $107K, the upside trend could accelerate.",
        "Analysts set a target of $130K for BTC.",
        "Ether may test $2,000 next week.",
        "A slide toward $2,000 is possible for ETH.",
        "Tesla dropped 15% and Coinbase also fell 4.6%.",
        "MicroStrategy has again accumulated 7,390 BTC.",
        "There were three pressures on May 21, 2025.",
        "BTC0,03%\nETH-0,33%",
        "Related: Altseason is coming, 40% of traders say.",
    ],
)
def test_not_claims(nlp: Language, text: str) -> None:
    assert claims_of(nlp, text) == []


def test_repeats_are_merged_into_mentions(nlp: Language) -> None:
    cs = claims_of(nlp, "Bitcoin slid to $103,556. Later, Bitcoin is trading at $103,556 again.",
                   title="Bitcoin Price Dips Below $104K")
    assert [(c.value, c.qualifier, c.mentions) for c in cs] == [
        (104000.0, "at_most", 1), (103556.0, "exact", 2)]
    # the first mention's span is kept
    assert cs[1].text.endswith("slid to $103,556")


def test_claims_are_sorted_and_ids_stable(nlp: Language) -> None:
    text = "Bitcoin is trading at $67.46K, down 1.28% in the last 24 hours."
    a, b = claims_of(nlp, text), claims_of(nlp, text)
    assert [c.id for c in a] == [c.id for c in b]
    assert [c.start for c in a] == sorted(c.start for c in a)
    assert a[0].id == Claim.make_id("t", a[0].start, a[0].end, a[0].type, a[0].asset)


def _real_articles() -> list[CleanArticle]:
    out = []
    for f in sorted((CORPUS / "seeds").iterdir()):
        out.append(article_for_eval(f.name, "", f.read_text(encoding="utf-8")))
    with open(CORPUS / "gold" / "dev.articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out.append(article_for_eval(r["id"], r["headline"], r["body"]))
    return out


def test_offsets_index_the_text_on_real_articles(nlp: Language) -> None:
    n = 0
    for art in _real_articles():
        for c in extract_claims(art, nlp, Settings()):
            assert art.text[c.start : c.end] == c.text
            assert c.text and c.text in c.sentence
            assert art.text.find(c.sentence) != -1
            assert 0.0 <= c.confidence <= 1.0
            n += 1
    assert n > 300


def test_claim_text_starts_and_ends_at_word_boundaries_on_real_articles(nlp: Language) -> None:
    # A span cut at a fixed reach once began mid-word: "e broader 30-day trend ..."
    # (seed 000, "The broader ..."). No claim text may start or end inside a word.
    inside = []
    for art in _real_articles():
        for c in extract_claims(art, nlp, Settings()):
            t = art.text
            if c.start > 0 and t[c.start - 1].isalnum() and t[c.start].isalnum():
                inside.append((art.source_id, "start", c.text))
            if c.end < len(t) and t[c.end - 1].isalnum() and t[c.end].isalnum():
                inside.append((art.source_id, "end", c.text))
    assert inside == []


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "extract"


def test_unseen_real_articles_give_well_formed_claims(nlp: Language) -> None:
    """Articles outside the gold sets: offsets exact, fields in range, no junk assets."""
    n = 0
    with open(FIXTURES / "dump_sample.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            art = article_for_eval(r["id"], r["headline"], r["body"])
            for c in extract_claims(art, nlp, Settings()):
                n += 1
                assert art.text[c.start : c.end] == c.text
                assert c.asset not in ("USDT", "USDC")
                assert c.unit in ("USD", "percent") or c.type in ("open_interest", "volume", "price")
                if c.type in ("liquidation", "market_cap", "volume") and c.unit == "USD":
                    assert c.value > 0 or c.direction == "down"
                if c.direction == "down":
                    assert c.value < 0
                assert c.mentions >= 1
    assert n > 5


def test_presale_promotions_are_not_prices(nlp: Language) -> None:
    # From a real dump article's promotional section.
    text = ("Bitcoin Hyper (HYPER) presale has raised $2.1M. The current token price is "
            "at $0.012, and the next stage starts soon.")
    assert claims_of(nlp, text) == []


def test_purchases_at_an_average_price_are_not_prices(nlp: Language) -> None:
    text = "Metaplanet acquired 780 BTC at an average price of $119,136 per coin."
    assert claims_of(nlp, text) == []


def test_pronoun_takes_the_articles_asset(nlp: Language) -> None:
    text = ("HYPE steadies after pullback\n\nHyperliquid's HYPE fell hard as Bitcoin slid. "
            "But with tensions easing, the token has clawed back roughly 6% today.")
    cs = claims_of(nlp, text)
    assert [(c.type, c.asset, c.value, c.window) for c in cs] == [
        ("price_change", "HYPE", 6.0, "PT24H")]


# --------------------------------------------------------------------------- precision
# Sentences from full-text articles of the 2025 dump (outside the dev set), cut to
# the part under test.


def test_price_outside_the_asset_band_is_not_that_asset(nlp: Language) -> None:
    # A BTC-only article quoting fees and another instrument: none is a BTC price.
    text = ("Bitcoin is trading at $105,000 today. For $4.99 per month or $49.99 per year, "
            "users can unlock access to the card. Since its inception, MSTY has paid a monthly "
            "distribution as high as $4.13 and as low as $1.34.")
    assert [(c.type, c.asset, c.value) for c in claims_of(nlp, text)] == [("price", "BTC", 105000.0)]


def test_unnamed_price_belongs_to_the_coin_of_the_paragraph(nlp: Language) -> None:
    text = ("Bitcoin (BTC) is up 1% today. Ethereum (ETH) Price Analysis ETH plunged to an "
            "intraday low of $2,119 on Sunday as selling pressure intensified. Buyers retained "
            "control on Tuesday, rising 1.51% to $2,450.")
    got = [(c.type, c.asset, c.value) for c in claims_of(nlp, text) if c.value != 1.0]
    assert got == [("price", "ETH", 2119.0), ("price_change", "ETH", 1.51), ("price", "ETH", 2450.0)]


def test_usd_change_as_large_as_the_price_is_not_a_change(nlp: Language) -> None:
    text = ("ETH: Ethereum rebounded sharply from a 3.4% intraday drop, currently trading at "
            "$2,480, forming a V-shaped recovery off $2,438 support.")
    assert all(not (c.type == "price_change" and c.unit == "USD") for c in claims_of(nlp, text))


@pytest.mark.parametrize(
    "text",
    [
        # growth of a company's revenue, an index, a stock: not the coin's price
        "DigiAsia said it will buy Bitcoin. In a financial update on April 1, DigiAsia reported "
        "its revenues grew 36% year-on-year to $101 million in 2024.",
        "Bitcoin held steady. Retail interest in crypto firms has surged, with the benchmark "
        "Kospi composite Index rising nearly 30% this year.",
        # a share of something, not a change
        'The company is committing up to 50% of any net profits generated to fund the acquisition of BTC.',
    ],
)
def test_percentages_of_other_things_are_not_price_changes(nlp: Language, text: str) -> None:
    assert [c for c in claims_of(nlp, text) if c.type == "price_change"] == []


@pytest.mark.parametrize(
    "text",
    [
        "Plunging through the $0.95 support to reclaim the $0.86 low could cause more declines for Fartcoin.",
        # (cut from "$200,000 BTC in 2025 and $500,000 by 2028 are in line with analyst
        # projections": the first figure is still taken as a price, see the README)
        "Meanwhile, Bitcoin at $500,000 by 2028 is in line with analyst projections.",
    ],
)
def test_hypothetical_prices_are_not_claims(nlp: Language, text: str) -> None:
    assert [c for c in claims_of(nlp, text) if c.type == "price"] == []


def test_the_month_may_is_not_a_modal(nlp: Language) -> None:
    cs = claims_of(nlp, "BTC hit a record $111,970 in May, extending its rally.")
    assert [(c.type, c.asset, c.value) for c in cs] == [("price", "BTC", 111970.0)]


# --------------------------------------------------------------------------- robustness

_ALPHABET = st.sampled_from(
    [
        *"0123456789$€£%.,-–—+~≈()[]:;/'’\" \n\tkKmMbB",
        "Bitcoin ", "BTC ", "ETH ", "SOL ", " fell ", " rose ", " to ", " at ", " support ",
        " liquidations ", " open interest ", " 24-hour ", " billion", " million", "% ",
        " could ", " if ", "## ", "•", "é", "字", "🚀", "\u200b", "\x00",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.one_of(_ALPHABET, st.text(max_size=12)), max_size=120),
       title=st.text(max_size=30))
def test_extract_never_raises_and_spans_index_the_text(nlp: Language, parts: list[str], title: str) -> None:
    body = "".join(parts)
    text = f"{title}\n\n{body}" if title.strip() else body
    art = CleanArticle(id="h", source_id="h.txt", title=title, text=text)
    for c in extract_claims(art, nlp, Settings()):
        assert c.text == text[c.start : c.end]
        assert 0 <= c.start <= c.end <= len(text)
        assert math.isfinite(c.value)
        assert c.value_max is None or math.isfinite(c.value_max)
        assert 0.0 <= c.confidence <= 1.0


def test_extract_handles_a_long_text(nlp: Language) -> None:
    text = "Bitcoin is trading at $105,000, up 2% in 24 hours. " * 2000
    cs = claims_of(nlp, text)
    assert {(c.type, c.value) for c in cs} == {("price", 105000.0), ("price_change", 2.0)}
    assert all(c.text == text[c.start : c.end] for c in cs)


def _dated(nlp: Language, text: str, year: int) -> list[Claim]:
    art = CleanArticle(id="d", source_id="d.txt", title="", text=text,
                       published_at=datetime(year, 6, 1, tzinfo=UTC))
    return extract_claims(art, nlp, Settings())


def test_a_year_other_than_the_articles_makes_a_price_history_or_a_target(nlp: Language) -> None:
    text = ("Bitcoin peaked at $69,000 in 2021. Bitcoin is trading at $105,000. "
            "Bitcoin at $500,000 by 2028 is in line with analyst projections.")
    assert [c.value for c in _dated(nlp, text, 2025) if c.type == "price"] == [105000.0]
    # undated, only the target is recognized as such
    assert [c.value for c in claims_of(nlp, text) if c.type == "price"] == [69000.0, 105000.0]


def test_a_price_at_the_time_of_an_old_event_is_history(nlp: Language) -> None:
    text = ("The address received 50 Bitcoin in April. At the time, Bitcoin was trading at $1,003. "
            "At the time of writing, Bitcoin is trading at $118,707.")
    assert [c.value for c in claims_of(nlp, text) if c.type == "price"] == [118707.0]


def test_second_change_in_a_list_keeps_the_direction(nlp: Language) -> None:
    cs = claims_of(nlp, "As of press time, Bitcoin was trading at $109,493, up more than 2% daily and over 4% weekly.")
    assert [(c.type, c.value, c.window) for c in cs if c.type == "price_change"] == [
        ("price_change", 2.0, "PT24H"), ("price_change", 4.0, "P7D")]


def test_ticker_widget_window_24hrs(nlp: Language) -> None:
    cs = claims_of(nlp, "BTC is up 0.32% at $104,736.41 (24hrs: -1.19%)")
    assert ("price_change", -1.19, "PT24H") in [(c.type, c.value, c.window) for c in cs]


def test_an_exchange_named_as_the_venue_is_not_its_stock(nlp: Language) -> None:
    text = ("Bitcoin is trading at just under $108,700 on Coinbase at the time of writing, posting "
            "a slight rebound from a wick down to $107,550, according to TradingView.")
    assert [c.value for c in claims_of(nlp, text) if c.type == "price"] == [108700.0, 107550.0]


def test_etf_flows_in_coins_count_but_holdings_do_not(nlp: Language) -> None:
    text = ("Across all listed Ethereum ETFs, net inflows have surged by 650,468 ETH over the past "
            "seven days, with total ETF holdings now surpassing 5.22 million ETH, equivalent to $19.31 billion.")
    assert [(c.type, c.value, c.unit, c.window) for c in claims_of(nlp, text)] == [
        ("etf_flow", 650468.0, "ETH", "P7D")]


def test_unrealized_profit_in_percent(nlp: Language) -> None:
    text = ("Bitcoin holders remain in profit. According to on-chain data shared by CryptoQuant, "
            "the average unrealized profit for long-term holders, based on the MVRV ratio, is around 220%.")
    assert [(c.type, c.asset, c.value, c.unit) for c in claims_of(nlp, text)] == [
        ("unrealized_pnl", "BTC", 220.0, "percent")]


def test_a_dollar_sign_opening_a_token_name_is_not_money(nlp: Language) -> None:
    # the quantity parser reads "86,400 $" as USD; extraction works around it
    text = "Bitcoin is up. The reward pool has expanded, now standing at 86,400 $@G. Bitcoin traded at 105,000 $ today."
    assert [(c.type, c.value) for c in claims_of(nlp, text)] == [("price", 105000.0)]


def test_type_stems_cover_every_type_cue_in_the_corpus() -> None:
    # type_stems must hold wherever a type pattern matches, or type_matches would
    # miss cues: checked on every cue in the shipped articles.
    from newsclaims.extract.cues import Cues

    cues = Cues.load()
    texts = [p.read_text(encoding="utf-8") for p in sorted((CORPUS / "seeds").glob("*.txt"))]
    for name in ("dev.articles.jsonl", "extra.articles.jsonl"):
        with open(CORPUS / "gold" / name, encoding="utf-8") as fh:
            texts += [json.loads(line)["body"] for line in fh if line.strip()]
    found = 0
    for text in texts:
        for m in cues.any_type.finditer(text):
            found += 1
            assert cues.type_stems.search(m.group(0).lower()), m.group(0)
    assert found > 500


# --- classes of errors found on the extra gold (corpus/gold/extra.*) and checked on
# other articles of the dump; the sentences are real, cut to the part under test.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a stretch of years is a window; "the largest ... in two weeks" is a record's span
        ("Solana has risen over the past five years, outperforming Bitcoin's 905% rise over "
         "the same period.", ("price_change", "BTC", 905.0, "P5Y")),
        ("Ethereum rose above $3,600, bringing its fortnightly gains to 40%.",
         ("price_change", "ETH", 40.0, "P14D")),
        ("U.S. Bitcoin ETFs have pulled in nearly $6.9 billion in just three weeks.",
         ("etf_flow", "BTC", 6.9e9, "P21D")),
        ("Ethereum ETFs experienced one of their largest single-day inflows in two weeks, "
         "bringing in $533 million.", ("etf_flow", "ETH", 533e6, "PT24H")),
        # a level the crypto market is worth, with no metric word, is its capitalization
        ("In other news, the cryptocurrency market is now valued at $3.23 trillion.",
         ("market_cap", "MARKET", 3.23e12, None)),
        ("Bitcoin fell, and another $88 million in longs were wiped out.",
         ("liquidation", "BTC", 88e6, None)),
    ],
)
def test_windows_and_types_found_on_unseen_articles(nlp: Language, text: str,
                                                    expected: tuple[object, ...]) -> None:
    assert expected in facts(claims_of(nlp, text))


def test_a_price_crossed_in_the_last_24_hours_has_that_window(nlp: Language) -> None:
    cs = claims_of(nlp, "After Bitcoin (BTC) surged past the $110,000 mark in the last 24 hours, "
                        "a trading expert is suggesting the next potential target could be $150,000.")
    assert [(c.type, c.value, c.qualifier, c.window) for c in cs] == [
        ("price", 110000.0, "at_least", "PT24H")]


@pytest.mark.parametrize(
    "text",
    [
        # the figure a change started from, and the others listed with it
        "Metaplanet reports a quarter-to-date BTC yield of 107.9%, up from 95.6% in Q1 and "
        "309.8% in Q4.",
        "It's worth noting that crypto ownership in the UK has increased from 18% to 24%.",
        # a protocol's value locked and its change
        "Separate data compiled by DeFi Llama shows that the total value locked in its platform "
        "has surged to $1.6 billion from $298 million in January, a 433% increase.",
        # a supposed price for a computation
        "According to Claver, moving large sums on the XRP ledger depends on token price. "
        "At $1 per XRP, you need 1,000,000 tokens to shift $1 million.",
        # volatility is not a change
        "Over the past month, XRP has closed in the green on 16 out of 30 days, experiencing "
        "a modest 3.70% in price swings.",
        # a stock's valuation next to the crypto market's
        "A market cap at this level would place the crypto sector just behind Nvidia, which "
        "recently crossed the $4 trillion milestone and now holds a valuation of $4.2 trillion.",
        # an adjective "N-year" is no window, and a skew is no price change
        "The one-year put-call skew soared to 3.6%, while XRP hit new 5-year peaks.",
    ],
)
def test_more_figures_that_are_not_claims(nlp: Language, text: str) -> None:
    assert claims_of(nlp, text) == []


def test_a_days_flow_report_goes_on_in_the_next_sentence(nlp: Language) -> None:
    text = ("Yesterday, July 22, Ethereum ETFs experienced one of their largest single-day inflows "
            "in two weeks, bringing in $533 million. In sharp contrast, Bitcoin ETFs recorded $68 "
            "million in outflows.")
    assert [(c.type, c.asset, c.value, c.window) for c in claims_of(nlp, text)] == [
        ("etf_flow", "ETH", 533e6, "PT24H"),
        ("etf_flow", "BTC", -68e6, "PT24H"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The crypto markets bled $150 billion in total.",
         ("market_cap", "MARKET", -150e9, "down")),
        ("Crypto markets have gained almost $100 billion.",
         ("market_cap", "MARKET", 100e9, "up")),
    ],
)
def test_the_market_gaining_or_losing_value_is_a_market_cap_change(
        nlp: Language, text: str, expected: tuple[object, ...]) -> None:
    assert [(c.type, c.asset, c.value, c.direction) for c in claims_of(nlp, text)] == [expected]


# --------------------------------------------------------------------------- extra2 fixes
# Sentences from corpus/gold/extra2.articles.jsonl (real July 2025 articles).


def test_bare_support_quotes_are_prices_of_the_asset(nlp: Language) -> None:
    text = ("XRP continued its rally on Wednesday, briefly reaching $3.30. Immediate support "
            "rests at 3.00 with a break below bringing support at 2.80 into play. Lower down, "
            "we have support around the 2.60 handle and the 200-day MA at 2.38.")
    got = [(c.type, c.asset, c.value) for c in claims_of(nlp, text) if c.type == "support"]
    assert got == [("support", "XRP", 3.0), ("support", "XRP", 2.8), ("support", "XRP", 2.6)]


def test_bare_support_quotes_in_five_digits(nlp: Language) -> None:
    text = ("Bitcoin trades at $118,000. Looking at BTC/USD, the four-hour chart below and "
            "support rests at 117169 provided by the 50-day MA. This would hint at a new leg "
            "to the downside which could bring support at the 112000 handle into focus.")
    got = {(c.type, c.asset, c.value) for c in claims_of(nlp, text) if c.type == "support"}
    assert got == {("support", "BTC", 117169.0), ("support", "BTC", 112000.0)}


@pytest.mark.parametrize("text", [
    "The index is likely to find support at the 100.27 level, while Bitcoin trades at $105,000.",
    "Bitcoin trades at $118,000, with the next price floor at the 0.85 SSD quantile.",
    "Bitcoin trades at $118,000; the RSI found support at 50.00 on the daily chart.",
])
def test_bare_numbers_that_are_not_levels(nlp: Language, text: str) -> None:
    assert [c for c in claims_of(nlp, text) if c.type in ("support", "resistance")] == []


def test_an_assets_worth_is_its_price(nlp: Language) -> None:
    got = claims_of(nlp, "Bitcoin is worth $118,096 at time of writing.")
    assert [(c.type, c.asset, c.value) for c in got] == [("price", "BTC", 118096.0)]
    assert claims_of(nlp, "The fund is worth $5 billion. Its BTC holdings are worth $10 billion.") == []


def test_a_figure_labelling_an_opinion_in_the_title_is_not_a_price(nlp: Language) -> None:
    title = "$250,000 Bitcoin Price ‘Makes Sense,’ According to Fundstrat’s Tom Lee – Here’s Why"
    got = claims_of(nlp, "Bitcoin is worth $118,096 at time of writing.", title=title)
    assert [(c.type, c.value) for c in got] == [("price", 118096.0)]
    got2 = claims_of(nlp, "HYPE trades at $40.", title="Arthur Hayes’ $100 HYPE Price Prediction Triggers Rally")
    assert [c.value for c in got2] == [40.0]


def test_open_interest_change_in_apposition_and_a_record_since_a_year(nlp: Language) -> None:
    text = ("XRP continued its rally on Wednesday, briefly reaching $3.30. Futures open interest "
            "rose to $9.98 billion across major exchanges, a 26% increase in 24 hours and the "
            "highest since 2021.")
    art = CleanArticle(id="t", source_id="t.txt", title="", text=text,
                       published_at=datetime(2025, 7, 17, tzinfo=UTC))
    got = {(c.type, c.asset, c.value, c.unit, c.window) for c in extract_claims(art, nlp, Settings())}
    assert ("open_interest", "XRP", 9.98e9, "USD", None) in got
    assert ("open_interest", "XRP", 26.0, "percent", "PT24H") in got


def test_open_interest_takes_the_nearby_asset_named_in_the_title(nlp: Language) -> None:
    title = "XRP Surges 10% In 24 Hours As Bitcoin Consolidates Below $120k"
    text = ("Bitcoin and Bitcoin and Bitcoin. XRP continued its rally on Wednesday. Futures open "
            "interest rose to $9.98 billion across major exchanges.")
    got = [(c.type, c.asset) for c in claims_of(nlp, text, title=title) if c.type == "open_interest"]
    assert got == [("open_interest", "XRP")]


def test_open_interest_dominance_and_a_level_reached_are_not_claims(nlp: Language) -> None:
    text = ("Ethereum’s open interest dominance has risen from 17 to 26 percent, while Bitcoin’s "
            "has declined to just 41 percent, a sharp drop from 51 percent in April.")
    assert [(c.type, c.value) for c in claims_of(nlp, text)] == []
    got = claims_of(nlp, "Bitcoin dominance rose to 62%.")
    assert [(c.type, c.value) for c in got] == [("dominance", 62.0)]


def test_holding_above_a_level_named_after_it_gives_the_price_too(nlp: Language) -> None:
    got = claims_of(nlp, "Investor greed is creeping higher as the $BTC price maintains above the $118,000 support level.")
    assert {(c.type, c.asset, c.value, c.qualifier) for c in got} >= {
        ("price", "BTC", 118000.0, "at_least"), ("support", "BTC", 118000.0, "at_least")}


def test_a_range_stated_by_its_top_and_bottom_is_one_range_claim(nlp: Language) -> None:
    text = ("The daily chart reveals that a range is now forming after Tuesday’s top, with the top "
            "range defined as $120,000, while the bottom sits at around $117,000.")
    got = claims_of(nlp, text, title="Bitcoin (BTC) Confirms Trend Break")
    assert [(c.type, c.asset, c.value, c.value_max) for c in got] == [("price", "BTC", 117000.0, 120000.0)]


def test_a_list_after_a_non_price_level_goes_with_it(nlp: Language) -> None:
    text = ("The move has seen Bitcoin regain bullish momentum with the cost basis distribution "
            "heatmap (CBD) showing heavy accumulation in both the $93k-$97k and $104k-$110k zones.")
    assert [c for c in claims_of(nlp, text) if c.type == "price"] == []
    text2 = ("Strikes at $100K, $120K and $150K have attracted particularly large open interest, "
             "while Bitcoin trades at $108,000.")
    assert [(c.type, c.value) for c in claims_of(nlp, text2) if c.type == "price"] == [("price", 108000.0)]


# Shapes of misreads that judges found in flags of the dump (corpus/judged, sheets
# s308-s311); the sentences are written for the test after those shapes.


def test_a_table_row_takes_the_window_of_its_own_label(nlp: Language) -> None:
    text = ("Solana is down this month. 30-day change : -9.1% 7-day change : -4.2% "
            "24-hour change : -1.7% to $151 and traders wait.")
    got = [(c.value, c.window) for c in claims_of(nlp, text) if c.type == "price_change"]
    assert got == [(-9.1, "P30D"), (-4.2, "P7D"), (-1.7, "PT24H")]


def test_a_calendar_month_row_has_no_window_and_the_next_label_is_not_its_own(nlp: Language) -> None:
    text = ("Here is how ADA has moved this year: January: +31% February: -22.4% May: -1.5% "
            "June (so far): -4.4% Last 7 Days: -1.2% Last 24 Hours: -3.9% Analysts stay calm.")
    got = {c.value: c.window for c in claims_of(nlp, text) if c.type == "price_change"}
    assert got[-1.5] is None and got[-4.4] is None
    assert got[-1.2] == "P7D" and got[-3.9] == "PT24H"


def test_a_window_right_after_an_earlier_figure_is_that_figures(nlp: Language) -> None:
    text = "Despite a 2.1% drop today and a 31.4% decline over the past year, ETH holders remain calm."
    got = [(c.value, c.window) for c in claims_of(nlp, text)]
    assert got == [(-2.1, "PT24H"), (-31.4, "P1Y")]


def test_the_last_hour_is_a_one_hour_window(nlp: Language) -> None:
    text = "Bitcoin is trading at $104,100, with 0.2% in weekly losses and 0.03% in gains over the last hour."
    assert ("price_change", "BTC", 0.03, "PT1H") in facts(claims_of(nlp, text))


@pytest.mark.parametrize(
    "text",
    [
        "Dogecoin whale transactions surge 37%, exceeding Ethereum and Bitcoin.",
        "BTC's realized volatility fell below a long-standing 30% floor, breaking a 17-month trend.",
        "Global searches for \"Bitcoin\" increased by just 6% between the two weeks.",
    ],
)
def test_a_change_of_another_metric_named_with_the_asset_is_not_a_claim(nlp: Language, text: str) -> None:
    assert [c for c in claims_of(nlp, text) if c.type == "price_change"] == []


def test_a_metric_word_before_the_price_does_not_hide_the_change(nlp: Language) -> None:
    text = "As transactions slowed, XRP fell 4% to $2.10."
    assert ("price_change", "XRP", -4.0, None) in facts(claims_of(nlp, text))


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Ethereum Price Keeps Climbing: $5K in Sight as Bulls Take Charge", "Ethereum trades at $3,500."),
        ("Analyst: '$150K Is Within Reach' for Bitcoin in Q3", "Bitcoin trades at $108,000."),
        ("Solana Holds Its Range", "\"Flip this zone and we see $240 next,\" he said. Solana trades at $176."),
    ],
)
def test_a_price_named_as_in_sight_or_next_is_a_target(nlp: Language, title: str, body: str) -> None:
    prices = [c.value for c in claims_of(nlp, body, title=title) if c.type == "price"]
    assert len(prices) == 1 and prices[0] in (3500.0, 108000.0, 176.0)


def test_level_rows_take_their_own_label_not_the_next_rows(nlp: Language) -> None:
    text = ("ETH trades at $2,407. Major Support Level – $2,310 Major Resistance Level – $2,470. "
            "Major Support Levels – $2,290 and $2,250.")
    got = [(c.type, c.value) for c in claims_of(nlp, text)]
    assert got == [("price", 2407.0), ("support", 2310.0), ("resistance", 2470.0),
                   ("support", 2290.0), ("support", 2250.0)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the assets compared with are not the subject ...
        ("XRP has outperformed both Bitcoin and Ethereum, showing a 310.4% annual gain.",
         [("XRP", 310.4)]),
        ("ETH continues to outperform BTC in spot markets, gaining 3.1% this week.", [("ETH", 3.1)]),
        # ... unless the figure is theirs
        ("Solana rose 5%, outperforming ETH's 2% gain.", [("SOL", 5.0), ("ETH", 2.0)]),
        ("ETH funds grew 20%, outpacing Bitcoin funds, which grew 9.1%.", [("ETH", 20.0), ("BTC", 9.1)]),
        # a compared figure that no asset owns is no claim; "more than" compares nothing
        ("Bitcoin is up 12.4% in the past month, easily outperforming the luxury watch "
         "market's modest +3.5% rebound.", [("BTC", 12.4)]),
        ("Bitcoin rose more than 3% on the week.", [("BTC", 3.0)]),
    ],
)
def test_a_comparison_keeps_each_figure_with_its_owner(nlp: Language, text: str,
                                                       expected: list[tuple[str, float]]) -> None:
    assert [(c.asset, abs(c.value)) for c in claims_of(nlp, text) if c.type == "price_change"] == expected


def test_a_commodity_named_with_a_capital_is_out_of_scope(nlp: Language) -> None:
    text = "Gold: Gold slipped 0.2% after hitting a three-week high amid tariff threats."
    assert claims_of(nlp, text, title="Bitcoin Weekly Wrap") == []


@pytest.mark.parametrize(
    ("title", "body"),
    [
        # "May" as a modal in a headline, a trader's loss or profit, a quoted "going to"
        ("Bitcoin May See Short Squeeze Near $116K Before a Correction", "Bitcoin trades at $105,000."),
        ("Bitcoin Whale Liquidates 150 BTC Amid $600,000 Loss on Hyperliquid", "Bitcoin trades at $105,000."),
        ("Trader Closes All BTC Long Positions with $30,100 Profit", "Bitcoin trades at $105,000."),
        ("Bitcoin Holds Its Range", "\"The funny thing is that BTC probably still is going to go to $150,000 "
                                    "even so.\" Bitcoin trades at $105,000."),
    ],
)
def test_headline_modals_trading_results_and_going_to_are_not_prices(nlp: Language, title: str,
                                                                      body: str) -> None:
    assert [c.value for c in claims_of(nlp, body, title=title) if c.type == "price"] == [105000.0]


def test_may_the_month_still_dates_a_price(nlp: Language) -> None:
    got = claims_of(nlp, "In May, Bitcoin rose to $105,000 on May 21.", title="Bitcoin Price in May")
    assert [(c.type, c.value) for c in got] == [("price", 105000.0)]
