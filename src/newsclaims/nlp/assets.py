"""Asset recognizer (``newsclaims_assets_v1``): crypto assets and the market as a whole.

Mentions are written to ``doc.spans["assets"]``; each span's label is the canonical
ticker (``BTC``) or ``MARKET``. The lexicon is ``newsclaims/data/assets.json``:

- aliases match case-insensitively ("bitcoin", "pudgy penguins");
- names that are also English words match only in their exact case ("Stellar");
- tickers match in upper case; tickers that are English words or common acronyms
  (SOL, ONE, GAS, LINK, NEAR, OP) need asset context: a ``$`` before them, brackets
  after a name, a following price/token/coin, an amount before them, or the
  asset's name elsewhere in the same document;
- a document can teach its own tickers: "Pocket Network (POKT)" and ``$POKT`` make
  ``POKT`` an asset for the rest of that document, so small coins outside the
  lexicon are still recognized.
"""

from __future__ import annotations

import re
from collections import Counter

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..lexicon import AssetLexicon
from .text import doc_text

MARKET = "MARKET"
SPAN_KEY = "assets"

#: words after a context ticker that make it an asset ("SOL price", "ONE token").
_TICKER_NEXT = frozenset(
    ["price", "token", "tokens", "coin", "coins", "holders", "bulls", "bears", "futures", "etf", "etfs", "market", "markets", "network", "ecosystem", "whales", "supply", "staking", "traders", "liquidations", "perpetuals", "perps", "options", "meme", "memecoin", "chart", "rally", "rallies", "surges", "surged", "jumps", "jumped", "drops", "dropped", "falls", "fell", "rises", "rose", "climbs", "climbed", "slips", "slipped", "gains", "gained", "is", "was", "has", "trades", "traded", "trading", "price's", "usd", "usdt", "/usd", "open"]
)
#: Tokens that may glue to a ticker's right and still count ('s, /, -USD).
_POSSESSIVE = frozenset({"'s", "’s", "/", "-"})

#: learned ticker in brackets after a capitalized name: "Pocket Network (POKT)".
_NAME_TICKER = re.compile(
    r"\b([A-Z][\w&'’-]*(?:[ \t]+[A-Z][\w&'’-]*){0,3})[ \t]*\([ \t]*\$?([A-Z][A-Z0-9]{1,9})[ \t]*\)"
)
#: a ticker in brackets: "(POKT)", "( APT )", "($POKT)".
_BRACKET_TICKER = re.compile(r"\([ \t]*\$?([A-Z][A-Z0-9]{1,9})[ \t]*\)")
#: up to four capitalized words ending right before the bracket.
_NAME_BEFORE = re.compile(r"([A-Z][\w&'’-]*(?:[ \t]+[A-Z][\w&'’-]*){0,3})[ \t]*$")
#: a cashtag: "$POKT".
_CASHTAG = re.compile(r"(?<![\w$])\$([A-Z][A-Z0-9]{1,9})\b")
#: bracketed upper-case words that are not tickers.
_NOT_TICKERS = frozenset(
    ["ETF", "ETFS", "USD", "US", "UK", "EU", "CEO", "CTO", "CFO", "SEC", "CFTC", "FED", "FOMC", "CPI", "GDP", "ATH", "ATL", "RSI", "MACD", "EMA", "SMA", "OI", "TVL", "API", "NFT", "DAO", "DEX", "CEX", "AI", "UTC", "EST", "ET", "PT", "GMT", "IPO", "FOMO", "FUD", "KYC", "AML", "OTC", "P2P", "LTH", "STH", "MVRV", "NUPL", "SOPR", "ETP", "ETN", "ETPS", "ETNS", "IBIT", "FBTC", "GBTC", "ETHA", "BITB", "ARKB", "HODL", "YTD", "QT", "QE", "PCE", "PPI", "CME", "DXY", "SPX", "NASDAQ", "NYSE", "IMF", "ECB", "BOJ", "PBOC", "UN", "NATO", "USA", "UAE", "FDIC", "OCC", "DOJ", "FBI", "IRS", "GENIUS", "CLARITY"]
)


_COINISH_NAME = re.compile(
    r"\b(?:\w*(?:coin|token|chain|swap|verse|dex)|\w+fi|network|protocol|finance|dao|inu|meme|"
    r"cash|labs|ai|exchange|bit\w*|pepe\w*|doge\w*|shib\w*|cat|dog|frog)s?\b",
    re.I,
)
#: words that make a bracketed name an indicator or a metric, not a coin:
#: "Fixed Range Volume Profile (FRVP)", "Average Directional Index (ADX)".
_INDICATOR_NAME = re.compile(
    r"\b(?:index|ratio|average|indicator|profile|oscillator|volume|score|rate|band|bands|"
    r"strength|momentum|divergence|area|value|range|metric|model|cost|price)\b",
    re.I,
)


def _ticker_used_as_asset(text: str, tick: str) -> bool:
    """Whether ``tick`` appears as a cashtag or before price/token/coin words."""
    return re.search(
        r"(?:\$" + re.escape(tick) + r"\b|\b" + re.escape(tick)
        + r"(?:'s|’s)?\s+(?:price|token|coin|holders|traders|surged|jumped|rallied|fell|dropped|rose|trades|is trading))",
        text,
    ) is not None


class AssetRecognizer:
    """Finds asset and market mentions; see the module docstring for the rules."""

    def __init__(self, nlp: Language, name: str, lexicon_path: str | None = None) -> None:
        self.name = name
        self.lexicon = AssetLexicon.load(lexicon_path)
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.context = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.market = PhraseMatcher(nlp.vocab, attr="LOWER")
        tok = nlp.tokenizer
        for e in self.lexicon.entries.values():
            lows = {a.lower() for a in e.aliases}
            # A one-word name is matched only through its aliases or cased forms: many
            # are English words ("Just", "Core", "Flow").
            if " " in e.name and e.name.lower() != e.ticker.lower():
                lows.add(e.name.lower())
            if lows:
                self.lower.add(e.ticker, [tok(a) for a in sorted(lows)])
            exact = set(e.cased)
            if e.ticker_match == "upper":
                exact.add(e.ticker)
            if exact:
                self.exact.add(e.ticker, [tok(a) for a in sorted(exact)])
            if e.ticker_match == "context":
                self.context.add(e.ticker, [tok(e.ticker)])
        self.market.add(MARKET, [tok(p) for p in self.lexicon.market_phrases])

    def __call__(self, doc: Doc) -> Doc:
        vocab = doc.vocab
        spans: list[Span] = []
        named: set[str] = set()
        for matcher in (self.lower, self.exact):
            for match_id, start, end in matcher(doc):
                label = vocab.strings[match_id]
                spans.append(Span(doc, start, end, label=label))
                named.add(label)
        for _match_id, start, end in self.market(doc):
            spans.append(Span(doc, start, end, label=MARKET))
        for match_id, start, end in self.context(doc):
            label = vocab.strings[match_id]
            if label in named or _has_ticker_context(doc, start, end):
                spans.append(Span(doc, start, end, label=label))
        spans.extend(self._learned(doc))
        # The quote of a pair is not the asset talked about: "BTC/USDT", "ETH/BTC".
        spans = [s for s in spans if not (s.start > 0 and doc[s.start - 1].text == "/")]
        doc.spans[SPAN_KEY] = sorted(filter_spans(spans), key=lambda s: s.start)
        return doc

    def _learned(self, doc: Doc) -> list[Span]:
        """Tickers the document defines itself: "Name (TICK)" and ``$TICK``."""
        text = doc_text(doc)
        found: dict[str, str] = {}
        for m in _BRACKET_TICKER.finditer(text):
            tick = m.group(1)
            if tick in _NOT_TICKERS or tick in self.lexicon.entries or tick in found:
                continue
            # the capitalized name just before the bracket, if any
            nm = _NAME_BEFORE.search(text, max(0, m.start() - 60), m.start())
            name = nm.group(1) if nm is not None else ""
            # "Weighted Onchain Cost (WOC)" is an indicator, "Pocket Network (POKT)" a
            # coin: the name or the ticker's use must look like an asset.
            if _INDICATOR_NAME.search(name) or not (
                    _COINISH_NAME.search(name) or _ticker_used_as_asset(text, tick)):
                continue
            found[tick] = name
        for m in _CASHTAG.finditer(text):
            tick = m.group(1)
            if tick not in _NOT_TICKERS and tick not in self.lexicon.entries:
                found.setdefault(tick, "")
        if not found:
            return []
        words = sorted({w for t, n in found.items() for w in (t, n) if w}, key=len, reverse=True)
        label_of = {t: t for t in found}
        label_of.update({n: t for t, n in found.items() if n})
        pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w])")
        spans: list[Span] = []
        for m in pattern.finditer(text):
            sp = doc.char_span(m.start(), m.end(), label=label_of[m.group(0)])
            if sp is not None:
                spans.append(sp)
        return spans


def _has_ticker_context(doc: Doc, start: int, end: int) -> bool:
    """Whether a word-like ticker at ``doc[start:end]`` is used as a ticker."""
    if start > 0:
        prev = doc[start - 1]
        if prev.text == "$" and not prev.whitespace_:
            return True
        if prev.text == "(" and end < len(doc) and doc[end].text == ")":
            return True
        if prev.like_num:
            return True
    if end < len(doc):
        nxt = doc[end]
        if nxt.lower_ in _TICKER_NEXT or nxt.text in _POSSESSIVE:
            return True
    return False


def main_asset(doc: Doc, title_chars: int = 0) -> str | None:
    """The asset the document is mostly about (title mentions count double)."""
    counts: Counter[str] = Counter()
    for span in doc.spans.get(SPAN_KEY, []):
        if span.label_ == MARKET:
            continue
        counts[span.label_] += 2 if span.start_char < title_chars else 1
    if not counts:
        return None
    return counts.most_common(1)[0][0]


@Language.factory(
    "newsclaims_assets_v1",
    assigns=["doc.spans"],
    default_config={"lexicon_path": None},
)
def make_asset_recognizer(nlp: Language, name: str, lexicon_path: str | None) -> AssetRecognizer:
    """Build the asset recognizer from the shipped lexicon (or ``lexicon_path``)."""
    return AssetRecognizer(nlp, name, lexicon_path)
