"""What the story grouping knows about one article: its title and lead, the dates it
names, the assets and names it mentions, and the figures it gives.

All of it comes from the title and the first sentences (the lead): that is where a
news item says what happened, to whom, when and how much; the rest of a rewrite
(commentary, price outlook, boilerplate) differs from outlet to outlet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from ..lexicon import AssetLexicon
from ..quantities import parse_quantities

#: characters of the body kept as the lead (cut at the last sentence end before it):
#: about two sentences, which with the title fills the encoder's 64 tokens.
LEAD_CHARS = 320
#: figures below this many dollars are prices of small coins or per-share amounts,
#: too common to say anything about the event.
MIN_USD_FIGURE = 1_000.0

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")]
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_MD = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:%|\d|,\s*\d{{3}}))", re.I)
_DATE_DM = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\b", re.I)
_SENT_END = re.compile(r"[.!?](?=\s|$)")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&'’.-]*[A-Za-z0-9]|[A-Z]")
#: capitalized words that name no one: sentence furniture, months, days, generic nouns.
_NOT_NAMES = frozenset(
    ["the", "a", "an", "and", "or", "but", "if", "in", "on", "at", "of", "for", "to", "by", "with", "from", "as", "is", "are", "was", "were", "be", "this", "that", "these", "those", "it", "its", "his", "her", "their", "our", "we", "you", "they", "he", "she", "i", "after", "before", "over", "under", "into", "amid", "despite", "while", "new", "today", "yesterday", "week", "month", "year", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "crypto", "cryptocurrency", "market", "markets", "price", "prices", "bitcoin", "btc", "ether", "ethereum", "coin", "coins", "token", "tokens", "says", "said", "report", "reports", "according", "data", "analyst", "analysts", "investors", "traders", "ceo", "news", "update", "breaking", "us", "u.s.", "usd", "etf", "etfs", "ath", "what", "why", "how", "will", "could", "can", "may", "might", "should", "here", "there"]
)


@dataclass(frozen=True)
class StoryFeatures:
    """An article's event description for the pair decision."""

    text: str
    dates: frozenset[date]
    assets: frozenset[str]
    names: frozenset[str]
    #: (unit, absolute value) of the figures in the title and lead.
    figures: tuple[tuple[str, float], ...]


def split_title(title: str | None, text: str) -> tuple[str, str]:
    """Title and body of a stored article (``text`` is the title, a blank line, the body)."""
    t = (title or "").strip()
    body = text
    if t and text.startswith(t):
        body = text[len(t) :]
    return t, body.strip()


def lead_of(body: str, chars: int = LEAD_CHARS) -> str:
    """The first sentences of ``body``, at most about ``chars`` characters.

    >>> lead_of("One. Two three. Four five six.", 18)
    'One. Two three.'
    """
    head = " ".join(body[: chars + 200].split())
    if len(head) <= chars:
        return head
    cut = [m.end() for m in _SENT_END.finditer(head, 0, chars + 1)]
    return head[: cut[-1]] if cut and cut[-1] > chars // 3 else head[:chars]


def story_text(title: str | None, body: str) -> str:
    """What is embedded: the title and the lead, one line.

    >>> story_text("Bitcoin hits $118K", "BTC topped $118,000 on Friday. More text.")
    'Bitcoin hits $118K. BTC topped $118,000 on Friday. More text.'
    """
    t = " ".join((title or "").split()).rstrip(".")
    lead = lead_of(body)
    return f"{t}. {lead}" if t and lead else (t or lead)


def named_dates(text: str, published: datetime | None) -> frozenset[date]:
    """Calendar dates the text names ("July 10", "10th of July"), read in the year of
    publication (the year before when that would put them more than two days after it).

    >>> sorted(named_dates("inflows on May 29 and 30th May", datetime(2025, 6, 1)))
    [datetime.date(2025, 5, 29), datetime.date(2025, 5, 30)]
    """
    if published is None:
        return frozenset()
    out: set[date] = set()
    pairs = [(m.group(1), m.group(2)) for m in _DATE_MD.finditer(text)]
    pairs += [(m.group(2), m.group(1)) for m in _DATE_DM.finditer(text)]
    for month_word, day_txt in pairs:
        month = _MONTHS[month_word.lower()]
        day = int(day_txt)
        if month_word.lower() == "may" and month_word[0].islower():
            continue  # the verb "may"
        try:
            d = date(published.year, month, day)
        except ValueError:
            continue
        if d > published.date() + timedelta(days=2):
            try:
                d = date(published.year - 1, month, day)
            except ValueError:
                continue
        out.add(d)
    return frozenset(out)


@cache
def _asset_patterns() -> tuple[tuple[str, re.Pattern[str], tuple[str, ...], tuple[str, ...]], ...]:
    """Per asset of the lexicon: its ticker, the pattern that finds it, and the literal
    strings one of which must occur for the pattern to match (lower-cased ones for the
    case-insensitive names, as written for the tickers and cased forms): a substring
    test rules out most of the few hundred assets before any regex runs."""
    lex = AssetLexicon.load()
    pats = []
    for e in lex.entries.values():
        names = [a for a in (e.name, *e.aliases) if len(a) >= 3]
        words = [re.escape(a) for a in names]
        parts = [rf"(?i:\b(?:{'|'.join(words)})\b)"] if words else []
        cased: list[str] = []
        if e.ticker_match == "upper" and len(e.ticker) >= 3:
            parts.append(rf"\b\$?{re.escape(e.ticker)}\b")
            cased.append(e.ticker)
        parts += [rf"\b{re.escape(c)}\b" for c in e.cased]
        cased += list(e.cased)
        if parts:
            pats.append((e.ticker, re.compile("|".join(parts)), tuple(a.lower() for a in names), tuple(cased)))
    return tuple(pats)


def named_assets(text: str) -> frozenset[str]:
    """Tickers of the lexicon's assets the text names (names, aliases, upper-case tickers).

    >>> sorted(named_assets("Ethereum and XRP slip while bitcoin holds"))
    ['BTC', 'ETH', 'XRP']
    """
    low = text.lower()
    return frozenset(
        t for t, p, ci, cs in _asset_patterns()
        if (any(w in low for w in ci) or any(c in text for c in cs)) and p.search(text)
    )


def named_names(title: str, lead: str) -> frozenset[str]:
    """Proper names: words capitalized inside a lead sentence (not at its start),
    acronyms, and such words again in the title (headlines capitalize every word).

    >>> sorted(named_names("Gemini Sues CFTC", "The exchange Gemini accused the CFTC."))
    ['cftc', 'gemini']
    """
    names: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+", lead):
        for i, m in enumerate(_WORD.finditer(sentence)):
            w = m.group(0).rstrip(".")
            low = w.lower()
            if low in _NOT_NAMES or len(w) < 2:
                continue
            if (i > 0 and w[0].isupper()) or (w.isupper() and len(w) >= 3):
                names.add(low)
    for m in _WORD.finditer(title):
        w = m.group(0).rstrip(".")
        if w.isupper() and len(w) >= 3 and w.lower() not in _NOT_NAMES:
            names.add(w.lower())
    return frozenset(names)


def named_figures(text: str) -> tuple[tuple[str, float], ...]:
    """Figures in the text: dollar amounts of at least :data:`MIN_USD_FIGURE`, percentages,
    and amounts of a crypto asset, as ``(unit, absolute value)``.

    >>> named_figures("Strategy buys 4,225 BTC for $472.5 million, up 3%")
    (('BTC', 4225.0), ('USD', 472500000.0), ('percent', 3.0))
    """
    out: list[tuple[str, float]] = []
    for q in parse_quantities(text):
        v = abs(q.value)
        if q.unit == "USD":
            if v >= MIN_USD_FIGURE:
                out.append(("USD", v))
        elif q.unit == "percent":
            if v > 0:
                out.append(("percent", v))
        elif q.unit.isupper() and q.unit not in ("USD",) and len(q.unit) >= 2 and v > 0:
            out.append((q.unit, v))
    return tuple(out)


def story_features(title: str | None, body: str, published: datetime | None) -> StoryFeatures:
    """Everything the pair decision reads about one article."""
    t = " ".join((title or "").split())
    lead = lead_of(body)
    text = story_text(t, body)
    return StoryFeatures(
        text=text,
        dates=named_dates(text, published),
        assets=named_assets(text),
        names=named_names(t, lead),
        figures=named_figures(text),
    )


__all__ = [
    "LEAD_CHARS",
    "StoryFeatures",
    "lead_of",
    "named_assets",
    "named_dates",
    "named_figures",
    "named_names",
    "split_title",
    "story_features",
    "story_text",
]
