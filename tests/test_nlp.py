"""The spaCy pipeline: tokenizer rules, sentence boundaries, asset recognizer."""

from __future__ import annotations

import pytest
from spacy.language import Language

from newsclaims.lexicon import AssetLexicon
from newsclaims.nlp import build_pipeline
from newsclaims.nlp.assets import SPAN_KEY, main_asset
from newsclaims.nlp.sentences import iter_sentence_spans
from newsclaims.settings import Settings


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_pipeline(Settings())


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("$67.46K", ["$", "67.46", "K"]),
        ("$2.16B", ["$", "2.16", "B"]),
        ("$1.02 billion", ["$", "1.02", "billion"]),
        ("-1.88%", ["-1.88", "%"]),
        ("0,03%", ["0,03", "%"]),
        ("$67-75K", ["$", "67", "-", "75", "K"]),
        ("$100K–$103K", ["$", "100", "K", "–", "$", "103", "K"]),
        ("24-hour", ["24", "-", "hour"]),
        ("57,972 USDT", ["57,972", "USDT"]),
        ("BTC0,03%", ["BTC", "0,03", "%"]),
        ("ETH-0,33%", ["ETH", "-0,33", "%"]),
        ("(~$127 million)", ["(", "~", "$", "127", "million", ")"]),
        ("low-$2,200s", ["low", "-", "$", "2,200", "s"]),
    ],
)
def test_tokenizer_splits_money_and_keeps_every_character(nlp: Language, text: str, tokens: list[str]) -> None:
    doc = nlp.make_doc(text)
    assert [t.text for t in doc] == tokens
    assert doc.text == text


def test_tokenizer_keeps_decimals_and_abbreviations(nlp: Language) -> None:
    doc = nlp.make_doc("The U.S. Inc. vs. 3.5% and $0.2875.")
    words = [t.text for t in doc]
    assert words[1:6] == ["U.S.", "Inc.", "vs.", "3.5", "%"]
    assert words[-2:] == ["0.2875", "."]


def _sentences(nlp: Language, text: str) -> list[str]:
    return [s.text.strip() for s in nlp(text).sents]


def test_sentences_split_inline_markdown_heading(nlp: Language) -> None:
    # From a real seed article (corpus/seeds/003_...): a heading run into the text.
    text = ("This decline is not driven by a single headline. ## Leverage Exits the Market "
            "at an Accelerated Pace The current scenario shows that selling pressure has been "
            "building for weeks.")
    assert _sentences(nlp, text) == [
        "This decline is not driven by a single headline.",
        "## Leverage Exits the Market at an Accelerated Pace",
        "The current scenario shows that selling pressure has been building for weeks.",
    ]


def test_sentences_respect_abbreviations_and_decimals(nlp: Language) -> None:
    text = "The U.S. spot ETFs vs. Inc. peers saw $1.02 billion. Bitcoin rose 2.5% on Jan. 20 to $67.46K."
    assert _sentences(nlp, text) == [
        "The U.S. spot ETFs vs. Inc. peers saw $1.02 billion.",
        "Bitcoin rose 2.5% on Jan. 20 to $67.46K.",
    ]


def test_sentences_split_lists_lines_and_glued_sentences(nlp: Language) -> None:
    text = "Support levels: $141.60, $125.95\n• Resistance: $176\nBTC0,03%\nits end.Earlier on, it fell."
    assert _sentences(nlp, text) == [
        "Support levels: $141.60, $125.95",
        "• Resistance: $176",
        "BTC0,03%",
        "its end.",
        "Earlier on, it fell.",
    ]


def test_sentence_spans_index_the_text() -> None:
    text = "One. Two three!\n\nFour?"
    spans = list(iter_sentence_spans(text))
    assert [text[s:e] for s, e in spans] == ["One.", "Two three!", "Four?"]


def _assets(nlp: Language, text: str) -> list[tuple[str, str]]:
    doc = nlp(text)
    return [(s.text, s.label_) for s in doc.spans[SPAN_KEY]]


def test_assets_names_tickers_and_aliases(nlp: Language) -> None:
    found = _assets(nlp, "Bitcoin and Ether rose while XRP, Dogecoin and Shiba Inu fell.")
    assert found == [("Bitcoin", "BTC"), ("Ether", "ETH"), ("XRP", "XRP"),
                     ("Dogecoin", "DOGE"), ("Shiba Inu", "SHIB")]


def test_word_tickers_only_in_asset_context(nlp: Language) -> None:
    assert _assets(nlp, "We NEAR the end. ONE day GAS prices will LINK up.") == []
    assert ("SOL", "SOL") in _assets(nlp, "$SOL rallied to $150.")
    assert ("LINK", "LINK") in _assets(nlp, "The LINK price rose 4%.")
    assert ("OP", "OP") in _assets(nlp, "Optimism (OP) jumped.")
    # the asset's name elsewhere in the document makes the ticker an asset
    assert ("SOL", "SOL") in _assets(nlp, "Solana led gains. SOL is trading at $150.")


def test_market_phrases(nlp: Language) -> None:
    found = _assets(nlp, "Liquidations across the network hit $1.7B as the crypto market fell.")
    assert [label for _, label in found] == ["MARKET", "MARKET"]


def test_document_defines_its_own_ticker(nlp: Language) -> None:
    found = _assets(nlp, "Pocket Network (POKT) jumped 350%. POKT now trades at $0.058.")
    assert [label for _, label in found].count("POKT") >= 2


def test_pair_quote_is_not_the_asset(nlp: Language) -> None:
    assert _assets(nlp, "On the BTC/USDT chart support is $106,290.") == [("BTC", "BTC")]


def test_main_asset_weights_the_title(nlp: Language) -> None:
    text = "Solana rallies\n\nBitcoin and Bitcoin traders watched Solana and SOL."
    doc = nlp(text)
    assert main_asset(doc, title_chars=len("Solana rallies")) == "SOL"


def test_lexicon_has_the_200_largest_assets_and_names_its_source() -> None:
    lex = AssetLexicon.load()
    assert len(lex.entries) >= 200
    assert "CoinGecko" in lex.source and "2025" in lex.source
    for ticker in ("BTC", "ETH", "XRP", "BNB", "SOL", "DOGE", "ADA", "TRX", "HYPE", "SUI"):
        assert ticker in lex.entries


@pytest.mark.parametrize("text", ["", " ", "  x  ", "a \n b", "\n\nx", "x\t\ty", "U.S. vs. Inc. 3.5%.", "🚀BTC\u200b$5"])
def test_tokenizer_keeps_every_character_and_whitespace(nlp: Language, text: str) -> None:
    assert nlp.make_doc(text).text == text


def test_tokenizer_splits_possessive_and_cashtag(nlp: Language) -> None:
    assert [t.text for t in nlp.make_doc("Bitcoin's $ETH (SOL)")] == ["Bitcoin", "'s", "$", "ETH", "(", "SOL", ")"]


def test_lexicon_price_bands_cover_the_largest_assets() -> None:
    bands = AssetLexicon.load().price_bands()
    for ticker in ("BTC", "ETH", "XRP", "BNB", "SOL", "DOGE", "USDT", "USDC"):
        lo, hi = bands[ticker]
        assert 0 < lo < hi
    assert bands["BTC"][0] <= 105_000 <= bands["BTC"][1]
    assert not bands["BTC"][0] <= 1.15 <= bands["BTC"][1]
    assert bands["USDT"][0] <= 1.0 <= bands["USDT"][1]
