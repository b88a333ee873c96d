"""What every check shares: windows, number formatting, time references, row building.

The checks read market data through :class:`newsclaims.market.MarketData` (its
``price_range``, ``price_at`` and ``change_over``); tests pass the real thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from ..market.coverage import missing_data_reason
from ..models import Check, Claim, Severity, Verdict
from ..settings import Settings

if TYPE_CHECKING:
    from ..market.data import MarketData

#: a deviation beyond this multiple of the tolerance is ``major`` (checks.md: "off by a
#: lot"); between one and this multiple it is ``minor``. Three tolerances is well outside
#: what rounding, quote sources and publication delays explain.
MAJOR_FACTOR = 3.0

#: the assets' names in reasons (readers know "Bitcoin" better than "BTC").
ASSET_NAMES = {
    "BTC": "Bitcoin",
    "ETH": "Ethereum",
    "SOL": "Solana",
    "XRP": "XRP",
    "BNB": "BNB",
    "ADA": "Cardano",
    "ATOM": "Cosmos",
    "AVAX": "Avalanche",
    "BCH": "Bitcoin Cash",
    "DOGE": "Dogecoin",
    "DOT": "Polkadot",
    "ETC": "Ethereum Classic",
    "LINK": "Chainlink",
    "LTC": "Litecoin",
    "POL": "Polygon",
    "MATIC": "Polygon",
    "SHIB": "Shiba Inu",
    "TRX": "Tron",
    "UNI": "Uniswap",
    "XLM": "Stellar",
    "XMR": "Monero",
    "MARKET": "the crypto market",
}


# --------------------------------------------------------------------------- market interface


def market_gap(market: MarketData | None, asset: str | None) -> str | None:
    """Why the market cannot say anything about ``asset`` at all, or None if it may.

    Cheap (no lookup): the time is checked by the lookup itself, and
    :func:`coverage_gap` explains a lookup that found nothing.
    """
    if market is None:
        return "no market data was given"
    if asset is None:
        return "the claim names no asset"
    if not market.has_asset(asset):
        return missing_data_reason(market, asset)
    return None


def coverage_gap(
    market: MarketData, asset: str, start: datetime, end: datetime, at: datetime | None = None
) -> str:
    """Why a lookup of ``asset`` over [start, end] found nothing, naming the asset and time
    ("no market data for MATIC after 2024-09-10 (renamed POL)").

    ``at`` is the time the reader knows (the publication time) and is the one named;
    the window's own start is named only when there is none.
    """
    return missing_data_reason(market, asset, start, end, at=at)


# --------------------------------------------------------------------------- windows and times

_DURATION = re.compile(
    r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_window(window: str | None) -> timedelta | None:
    """An ISO 8601 duration as a timedelta (a month is 30 days, a year 365).

    >>> parse_window("PT24H")
    datetime.timedelta(days=1)
    >>> parse_window("P7D").days
    7
    """
    if not window:
        return None
    m = _DURATION.match(window.strip().upper())
    if m is None or not any(m.groupdict().values()):
        return None
    g = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    days = g["y"] * 365 + g["mo"] * 30 + g["w"] * 7 + g["d"]
    return timedelta(days=days, hours=g["h"], minutes=g["mi"], seconds=g["s"])


def window_words(window: timedelta) -> str:
    """``timedelta(days=1)`` -> ``"24-hour"``, 7 days -> ``"7-day"``."""
    hours = window.total_seconds() / 3600
    if hours <= 48 and hours == int(hours):
        return f"{int(hours)}-hour"
    days = hours / 24
    return f"{int(days)}-day" if days == int(days) else f"{hours:g}-hour"


def to_utc(value: datetime | None, settings: Settings) -> datetime | None:
    """Aware UTC; a naive time is read in ``settings.ingest.default_timezone``."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=settings.ingest.zone())
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


# --------------------------------------------------------------------------- formatting


def asset_name(asset: str | None) -> str:
    if asset is None:
        return "the asset"
    return ASSET_NAMES.get(asset, asset)


def fmt_money(value: float) -> str:
    """``75000`` -> ``$75,000``; ``2.16e9`` -> ``$2.16 billion``; ``2.3`` -> ``$2.30``."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if v >= size:
            return f"{sign}${v / size:,.3g} {word}" if v / size < 1000 else f"{sign}${v / size:,.0f} {word}"
    if v >= 1000:
        return f"{sign}${v:,.0f}" if v == round(v) else f"{sign}${v:,.2f}"
    if v >= 1:
        return f"{sign}${v:,.2f}" if round(v, 2) == v else f"{sign}${v:,.4g}"
    return f"{sign}${v:.4g}"


def fmt_pct(value: float, signed: bool = True) -> str:
    return f"{value:+.2f}%" if signed else f"{value:.2f}%"


def fmt_value(value: float, unit: str) -> str:
    if unit == "USD":
        return fmt_money(value)
    if unit == "percent":
        return fmt_pct(value)
    return f"{value:,.6g} {unit}"


def fmt_claim_value(claim: Claim) -> str:
    text = fmt_value(claim.value, claim.unit)
    if claim.value_max is not None:
        text += f" to {fmt_value(claim.value_max, claim.unit)}"
    return text


# --------------------------------------------------------------------------- time references

TimeRef = Literal["current", "recent", "past"]

#: words near a price that date it before the publication time (an all-time high, "in
#: May", "on Jan. 20", "from $74,400"): the market at publication says nothing about it.
#: a price called a record: "all-time high", "ATH", "record high", "hit a record $111,970"
#: (not "record inflows", which is about something else).
RECORD_WORDS = (
    r"all[- ]time[- ]highs?|\bATH\b|\brecord[- ](high|peak|price|level|close)s?\b|\bnew record\b|"
    r"\b(hit|hits|set|sets|reached|reaching|at|to) a (new )?record\b|\brecord \$"
)
_PAST = re.compile(
    RECORD_WORDS + r"|all[- ]time|\bprevious(ly)?\b|\bearlier this (year|month|week)\b|"
    r"\blast (year|month|week|quarter)\b|\b(19|20)\d\d\b|\byesterday\b|\bsince\b|\bback (in|then)\b|"
    r"\bat (the|that) time\b(?! of writing)|"
    r"\b(days?|weeks?|months?|years?) ago\b|\bonce\b|\bprior\b|\bformer\b|\bhistoric|"
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b",
    re.IGNORECASE,
)
#: month names only count capitalized ("may" is a verb), so _PAST is matched twice.
_MONTH_WORDS = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b"
)
#: words that put a price at the moment of writing whatever else the clause says.
_NOW = re.compile(
    r"\b(now|currently|at press time|at the time of writing|as of writing|right now)\b", re.IGNORECASE
)
_NOW_AFTER = re.compile(r"\s*(at the time of writing|at press time|as of (this )?writing|right now|now)\b", re.IGNORECASE)
#: the start of a move ("rose from $100,000 to $108,000", "a fresh increase from the $2,470
#: zone", "the upward move from the $2,515 swing low to the $3,000 high"): where the price
#: was, not where it is.
_FROM_BEFORE = re.compile(
    r"\bfrom\s+(?:(?:the|a|an|its|their|around|about|roughly|approximately|nearly|almost|near|just|"
    r"over|under|below|above|sub|key|local|recent|(?:as\s+)?(?:low|high)\s+as|(?:a\s+)?(?:lows?|highs?|levels?)\s+of)\s+)*"
    r"\$?\s*$|\bfrom\s*\$?\s*$",
    re.IGNORECASE,
)
#: a swing high or low: a past turning point of the chart, undated.
_SWING = re.compile(r"\bswing[- ](?:highs?|lows?)\b", re.IGNORECASE)
#: words that put a price somewhere in the last day rather than at the moment of writing
#: ("hit", "dipped to", "lows of", "briefly touched"): checked against the recent range.
_RECENT = re.compile(
    r"\b(lows?|highs?|bottom|top|peak(ed|ing)?|intraday|briefly|earlier|overnight|hit|hits|"
    r"hitting|touch(ed|ing)?|tested|testing|as (low|high) as|dip(ped|s)?|drop(ped|s)?|"
    r"fell|fall(ing|s)?|slid|slip(ped|s)?|plunged?|plummet(ed|s)?|tumbled?|sank|sunk|"
    r"crash(ed)?|rose|rise|rising|climb(ed|ing|s)?|jump(ed|s)?|surg(ed|es|ing)|spik(ed|es)|"
    r"rall(ied|ies|y)|soar(ed|s)?|rebound(ed|s)?|retreat(ed|s)?|retrac(ed|ing)|reach(ed|es)?|"
    r"move|moved|broke|break(s|ing)?|push(ed)?|galloped|swung|rebounded|recover(ed|s)?)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[;:!?()\[\]]|,\s|\.\s|\s[–—-]\s")
_NUMBER = re.compile(r"\$?\d[\d,]*(?:\.\d+)?\s*(?:[kKmMbB]\b|thousand|million|billion)?")
#: characters after the claim that may still date it ("$111,970 in May", "on June 22").
AFTER_CONTEXT_CHARS = 32


@dataclass(frozen=True)
class Context:
    before: str
    span: str
    after: str


def claim_context(claim: Claim) -> Context:
    """The words around the claim inside its clause: after the previous number, up to the next."""
    sentence, text = claim.sentence or "", claim.text
    at = sentence.find(text) if text else -1
    if at < 0:
        return Context("", text, "")
    start, end = at, at + len(text)
    clause_start = 0
    for m in _CLAUSE_BREAK.finditer(sentence, 0, start):
        clause_start = m.end()
    m_end = _CLAUSE_BREAK.search(sentence, end)
    clause_end = m_end.start() if m_end else len(sentence)
    before = sentence[clause_start:start]
    nums = list(_NUMBER.finditer(before))
    if nums:
        before = before[nums[-1].end() :]
    after = sentence[end : min(clause_end, end + AFTER_CONTEXT_CHARS)]
    for m_num in _NUMBER.finditer(after):
        # the next figure ends the claim's context; a date's day or year does not ("on May 22")
        if _is_year(m_num.group(0)) or _MONTH_END.search(after[: m_num.start()]):
            continue
        after = after[: m_num.start()]
        break
    return Context(before, text, after)


_YEAR = re.compile(r"(?:19|20)\d\d")


def _is_year(token: str) -> bool:
    """A matched number that is a year ("2025", "2025,"), which ends no claim's context."""
    return _YEAR.fullmatch(token.strip().rstrip(",").strip()) is not None

#: "May" is a month after these words or before a day or year ("in May", "May 22"); in a
#: headline in title case it is often the verb ("Bitcoin Surpassing $121,000 May Trigger").
_MAY_BEFORE = re.compile(
    r"\b(?:in|on|since|of|early|late|mid|last|this|during|through|until|by|from|between|and|to|"
    r"before|after|end|start|beginning)\s*-?\s*$",
    re.IGNORECASE,
)


def _is_month(text: str, m: re.Match[str]) -> bool:
    """Whether a month-name match in ``text`` is the month and not the verb "may"."""
    word = m.groupdict().get("mon") or m.group(0)
    if word.strip(".").lower() != "may":
        return True
    if m.groupdict().get("year") or re.match(r"\s*(?:\d|,\s*20\d\d)", text[m.end() :]):
        return True
    return _MAY_BEFORE.search(text[: m.start()]) is not None


def _figure_at(claim: Claim, span: str) -> tuple[int, int] | None:
    """Where the claim's own figure lies in ``span`` (the first quantity of its value)."""
    return _figure_offset(abs(claim.value), span)


@lru_cache(maxsize=4096)
def _figure_offset(target: float, span: str) -> tuple[int, int] | None:
    # one claim is read by several time questions (time_reference, claim_extreme,
    # past_window): the span is parsed once
    from ..quantities import parse_quantities

    for q in parse_quantities(span):
        if abs(abs(q.value) - target) <= 0.005 * max(target, 1e-9):
            return q.start, q.end
    return None


def _lead(claim: Claim, ctx: Context) -> str:
    """The words before the claim's own figure, back to the previous number: the clause's
    words before the span and the span's words before the figure ("Bitcoin rose from " of
    "Bitcoin rose from $100,000"). A span that runs over other figures ("$2.170 and the
    price is now ... from the $1.910") contributes only what follows the last of them
    (years are not figures). When the figure cannot be found in the span, the whole span
    counts."""
    at = _figure_at(claim, ctx.span)
    if at is None:
        return f"{ctx.before} {ctx.span}"
    lead = f"{ctx.before}{ctx.span[: at[0]]}"
    nums = [m for m in _NUMBER.finditer(lead) if not _is_year(m.group(0))]
    return lead[nums[-1].end() :] if nums else lead


def _figure_in_local(claim: Claim, ctx: Context) -> int:
    """The figure's position in ``f"{before} {span} {after}"`` (the span's end if not found)."""
    at = _figure_at(claim, ctx.span)
    return len(ctx.before) + 1 + (at[0] if at is not None else len(ctx.span))


def time_reference(claim: Claim, published_at: datetime | None = None) -> tuple[TimeRef, str | None]:
    """Whether a price claim is about the publication moment, the last day, or an earlier date.

    Returns the reference and the words that decided it (``None`` for ``current``). A
    weekday the text names is past unless ``published_at`` shows it is the publication day
    (without ``published_at`` any named weekday counts as past).
    """
    if claim.when:
        # the extractor read the time the text names: never current (spec/claims.md ``when``)
        return "past", claim.when
    ctx = claim_context(claim)
    local = f"{ctx.before} {ctx.span} {ctx.after}"
    lead = _lead(claim, ctx)
    if _FROM_BEFORE.search(lead) or re.match(r"^\s*from\b", ctx.span, re.IGNORECASE):
        # the start of a move is where the price was, whatever the clause says of now
        return "past", "from"
    if _NOW.search(lead) or _NOW_AFTER.match(ctx.after):
        return "current", None
    for m in _PAST.finditer(local):
        word = m.group(0)
        if _MONTH_WORDS.fullmatch(word.lower()) and (not word[0].isupper() or not _is_month(local, m)):
            continue
        return "past", word
    m_day = _weekday_of(claim)
    if m_day and (published_at is None or not _is_publication_day(m_day, published_at)):
        # a named day: past unless it is the publication day, which past_window decides
        return "past", m_day.group(0).strip()
    m_swing = _SWING.search(f"{ctx.span} {ctx.after}") or _SWING.search(ctx.before[-40:])
    if m_swing:
        return "past", m_swing.group(0)
    m_recent = _RECENT.search(f"{ctx.before} {ctx.span}")
    if m_recent:
        return "recent", m_recent.group(0)
    return "current", None


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MON = (
    r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_DAY_AFTER = re.compile(_MON + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>20\d\d))?")
_DAY_BEFORE = re.compile(
    r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MON + r"(?:,?\s+(?P<year>20\d\d))?"
)
_MONTH_ONLY = re.compile(r"\b" + _MON + r"(?:\s+(?P<year>20\d\d))?\b")
#: a month name right before a number: the number is its day ("reached on May 22").
_MONTH_END = re.compile(r"\b" + _MON + r"\s*$")
_YEAR_ONLY = re.compile(r"\b(?:in\s+)?(?P<year>20\d\d)\b")
_EXTREME = re.compile(r"\b(highs?|peak(ed)?|top(ped)?|lows?|bottom(ed)?)\b", re.IGNORECASE)
#: a day of the week the text names ("on Thursday", "Sunday's close", "last Friday").
_WEEKDAY = re.compile(
    r"\b(?P<last>(?:last|previous|past)\s+)?(?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:'s|’s)?\b"
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: how far back a named weekday may lie: within the week before publication, or the one
#: before that for "last Thursday" (recaps count days from a week that may have ended).
WEEKDAY_REACH_DAYS = 8
LAST_WEEKDAY_REACH_DAYS = 14
_ATH = re.compile(RECORD_WORDS, re.IGNORECASE)


def claim_extreme(claim: Claim) -> Literal["high", "low"] | None:
    """``high`` for a price called a record or a span's high ("the May high"), ``low`` for a
    span's low ("a low of $98,974"), None for any other price."""
    ctx = claim_context(claim)
    local = f"{ctx.before} {ctx.span} {ctx.after}"
    if _ATH.search(local):
        return "high"
    if claim.qualifier in ("at_least", "at_most") or _FROM_BEFORE.search(_lead(claim, ctx)):
        # "below $1,400 in April", "climbed from $94,178 in May": a point inside the span's
        # range, not its extreme (the range check reads the qualifier)
        return None
    # the extreme word nearest the figure decides: "peaked at $12 in December, then
    # bottomed" is December's high, whatever follows
    fig = _figure_in_local(claim, ctx)
    near = [(fig - m.end() if m.end() <= fig else m.start() - fig, m.group(0)) for m in _EXTREME.finditer(local)]
    if near:
        word = min(near)[1]
        return "low" if word.lower().startswith(("low", "bottom")) else "high"
    return None


def is_round_figure(value: float) -> bool:
    """A price spoken in round terms ("$100,000", "$3,000", "$110K"): at most two significant
    digits and at least 1,000. Such a figure is approximate whatever words surround it.

    >>> is_round_figure(100000.0), is_round_figure(3500.0), is_round_figure(104250.0)
    (True, True, False)
    """
    if value < 1000 or value != int(value):
        return False
    digits = str(int(value)).rstrip("0")
    return len(digits) <= 2


def _weekday_of(claim: Claim) -> re.Match[str] | None:
    """A weekday in the figure's clause, else in its sentence before it ("Bearish sentiment
    intensified on Thursday as BTC fell 3%, falling to a low of $100,424")."""
    ctx = claim_context(claim)
    m = _WEEKDAY.search(f"{ctx.before} {ctx.span} {ctx.after}")
    if m is not None:
        return m
    sentence = claim.sentence or ""
    at = sentence.find(claim.text) if claim.text else -1
    return _WEEKDAY.search(sentence[:at]) if at > 0 else None


def named_past_day(claim: Claim, published_at: datetime) -> str | None:
    """The weekday the claim's own words place it on, when that is not the publication day
    ("fell 3% on Thursday, to a low of $100,424" in a Monday recap), or None.

    The publication day is read generously (its weekday 12 hours either side of the UTC
    time): "on Thursday" in an article of Thursday is current (spec/claims.md, Time).

    >>> from newsclaims.models import Claim
    >>> c = Claim.model_validate({"id": "c", "article_id": "a", "source_id": "a", "type": "price",
    ...     "asset": "BTC", "value": 100424.0, "unit": "USD", "text": "falling to a low of $100,424",
    ...     "sentence": "BTC fell 3% on Thursday, falling to a low of $100,424.", "start": 0, "end": 1})
    >>> named_past_day(c, datetime(2025, 6, 9, 12, tzinfo=UTC)), named_past_day(c, datetime(2025, 6, 5, 12, tzinfo=UTC))
    ('Thursday', None)
    """
    m = _weekday_of(claim)
    if m is None or _is_publication_day(m, published_at):
        return None
    return m.group(0).strip()


def _is_publication_day(m: re.Match[str], published_at: datetime) -> bool:
    """Whether a ``_WEEKDAY`` match names the publication day (not "last <day>")."""
    today = {_WEEKDAYS[(published_at + timedelta(hours=h)).weekday()] for h in (-12, 0, 12)}
    return m.group("day") in today and not m.group("last")


_CHANGE_PAST = re.compile(
    r"\byesterday(?:'s|’s)?\b|\b(?:days?|weeks?|months?) ago\b|\b(?:in|during|throughout|for|over)\s+(?:the\s+month\s+of\s+)?"
    + _MON + r"(?!\w)|\b(?:in|during|throughout)\s+(?P<year>20\d\d)\b"
)


def change_past_words(claim: Claim, published_at: datetime) -> str | None:
    """The words that place a change on a past day or period without a ``when`` ("rose 1.15%
    on Saturday" in a weekly recap, "fell 3% yesterday", "gained 11% in May"), or None.
    Such a change is not the change over a window ending at publication.

    >>> from newsclaims.models import Claim
    >>> c = Claim.model_validate({"id": "c", "article_id": "a", "source_id": "a", "type": "price_change",
    ...     "asset": "BTC", "value": 11.0, "unit": "percent", "text": "BTC gained 11%",
    ...     "sentence": "BTC gained 11% in May, its best month.", "start": 0, "end": 1})
    >>> change_past_words(c, datetime(2025, 6, 9, tzinfo=UTC)), change_past_words(c, datetime(2025, 5, 20, tzinfo=UTC))
    ('in May', None)
    """
    day = named_past_day(claim, published_at)
    if day is not None:
        return day
    ctx = claim_context(claim)
    for m in _CHANGE_PAST.finditer(f"{ctx.before} {ctx.span} {ctx.after}"):
        mon, year = m.group("mon"), m.group("year")
        if mon and _MONTHS[mon[:3].lower()] == published_at.month:
            continue  # "in June", published in June: the month so far
        if year and int(year) == published_at.year:
            continue  # "in 2025": the year so far
        return m.group(0).strip()
    return None


@dataclass(frozen=True)
class PastWindow:
    """When a dated price claim says the price was there: a calendar span, or the all-time high."""

    start: datetime | None  # None for an all-time high: from the first candle
    end: datetime
    words: str
    #: "high" when the claim is the span's highest price (an all-time high, "May high of"),
    #: "low" for its lowest ("a low of $98,974 on June 22"), None for any price in it.
    extreme: Literal["high", "low"] | None = None


def _month_span(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def past_window(claim: Claim, published_at: datetime) -> PastWindow | None:
    """The span a dated price claim refers to ("on May 9", "in May", "in 2024", an all-time high).

    A date without a year is in the publication year, or the year before when that
    date would lie after publication. Returns None when the claim names no usable date.
    """
    ctx = claim_context(claim)
    local = f"{ctx.before} {ctx.span} {ctx.after}"

    def year_for(month: int, day: int, given: str | None) -> int:
        if given:
            return int(given)
        year = published_at.year
        # day 0 ("526.00 Mar..." in a price table) is no date: clamp for the comparison,
        # the caller's datetime() then refuses it
        if datetime(year, month, min(max(day, 1), 28), tzinfo=UTC) > published_at:
            year -= 1
        return year

    ath = _ATH.search(local)
    extreme: Literal["high", "low"] | None = "high" if ath else None
    if extreme is None:
        m_ext = _EXTREME.search(local)
        if m_ext:
            extreme = "low" if m_ext.group(0).lower().startswith(("low", "bottom")) else "high"
    fig = _figure_in_local(claim, ctx)

    def nearest(matches: Iterable[re.Match[str]]) -> list[re.Match[str]]:
        # the date nearest the figure names its time: "trading at $106,170 on July 1, below
        # its record of $111,970 reached on May 22" is May 22's
        return sorted(matches, key=lambda m: fig - m.end() if m.end() <= fig else m.start() - fig)

    for m in nearest([*_DAY_AFTER.finditer(local), *_DAY_BEFORE.finditer(local)]):
        month = _MONTHS[m.group("mon")[:3].lower()]
        day = int(m.group("day"))
        year = year_for(month, day, m.group("year"))
        try:
            start = datetime(year, month, day, tzinfo=UTC)
        except ValueError:
            continue
        return PastWindow(start, start + timedelta(days=1), m.group(0).strip(), extreme)
    for m in nearest(_MONTH_ONLY.finditer(local)):
        if not m.group("mon")[0].isupper() or not _is_month(local, m):
            continue
        month = _MONTHS[m.group("mon")[:3].lower()]
        start, end = _month_span(year_for(month, 1, m.group("year")), month)
        return PastWindow(start, min(end, published_at), m.group(0).strip(), extreme)
    weekday = named_past_day(claim, published_at)
    if weekday is not None:
        # a weekday of a recap: some day of the week (or two) before publication; its
        # extreme words name that day's high or low, not the span's, so none is used
        last = weekday.lower().startswith(("last", "previous", "past"))
        reach = LAST_WEEKDAY_REACH_DAYS if last else WEEKDAY_REACH_DAYS
        return PastWindow(published_at - timedelta(days=reach), published_at, weekday, None)
    m_year = _YEAR_ONLY.search(local)
    if m_year:
        year = int(m_year.group("year"))
        if year <= published_at.year:
            start = datetime(year, 1, 1, tzinfo=UTC)
            end = min(datetime(year + 1, 1, 1, tzinfo=UTC), published_at)
            return PastWindow(start, end, m_year.group(0).strip(), extreme)
    if ath:
        return PastWindow(None, published_at, ath.group(0), "high")
    return None


@dataclass(frozen=True)
class WhenSpan:
    """The span a claim's ``when`` names: [start, end) in UTC, and the words for a reason."""

    start: datetime
    end: datetime
    words: str


_WHEN_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WHEN_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WHEN_YEAR = re.compile(r"^(\d{4})$")


def _when_part(text: str) -> tuple[datetime, datetime, str] | None:
    text = text.strip()
    try:
        if m := _WHEN_DAY.match(text):
            day = datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC)
            return day, day + timedelta(days=1), f"{day:%-d %B %Y}"
        if m := _WHEN_MONTH.match(text):
            start, end = _month_span(int(m[1]), int(m[2]))
            return start, end, f"{start:%B %Y}"
        if m := _WHEN_YEAR.match(text):
            year = int(m[1])
            return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC), str(year)
    except ValueError:
        return None
    return None


def when_span(when: str | None) -> WhenSpan | None:
    """The span of a claim's ``when`` (a date, month, year, or ``A/B`` interval, dates inclusive).

    >>> when_span("2025-06-13").words
    '13 June 2025'
    >>> s = when_span("2025-07-07/2025-07-13"); (s.start.day, s.end.day)
    (7, 14)
    >>> when_span("last week") is None
    True
    """
    if not when:
        return None
    if "/" in when:
        a, _, b = when.partition("/")
        first, last = _when_part(a), _when_part(b)
        if first is None or last is None or last[1] <= first[0]:
            return None
        return WhenSpan(first[0], last[1], f"{first[2]} to {last[2]}")
    part = _when_part(when)
    return None if part is None else WhenSpan(*part)


#: words that make a price a quote of the moment ("trading at", "hovers at", "now at"):
#: only such prices are compared with each other (articles list many other levels).
_QUOTE_CUE = re.compile(
    r"\b(trad(e|es|ed|ing)|changing hands|changed hands|hover(s|ed|ing)?|sits|sitting|priced|"
    r"stands|standing|now|currently|at press time|at the time of writing|quoted|is at|was at)\b",
    re.IGNORECASE,
)


def is_current_quote(claim: Claim) -> bool:
    """A price the article gives as the price of the moment ("Bitcoin is trading at $67.46K")."""
    if claim.type != "price" or claim.value_max is not None or claim.qualifier not in ("exact", "approx"):
        return False
    if time_reference(claim)[0] != "current":
        return False
    ctx = claim_context(claim)
    return _QUOTE_CUE.search(f"{ctx.before} {ctx.span}") is not None


# --------------------------------------------------------------------------- rows


def severity_of(deviation: float, tolerance: float) -> Severity:
    """``minor`` a little beyond the tolerance, ``major`` beyond MAJOR_FACTOR tolerances."""
    if tolerance <= 0:
        return "major" if deviation != 0 else "minor"
    return "major" if abs(deviation) > MAJOR_FACTOR * tolerance else "minor"


def make_check(
    claim: Claim,
    check: str,
    verdict: Verdict,
    reason: str,
    *,
    as_of: datetime | None,
    severity: Severity | None = None,
    expected: float | None = None,
    observed: float | None = None,
    deviation: float | None = None,
    tolerance: float | None = None,
    evidence: Mapping[str, Any] | None = None,
    finding: str | None = None,
) -> Check:
    """One check row; ``severity`` and ``finding`` are kept only for ``inconsistent`` rows."""
    return Check(
        claim=claim,
        check=check,
        verdict=verdict,
        severity=severity if verdict == "inconsistent" else None,
        expected=None if expected is None else round(expected, 10),
        observed=claim.value if observed is None else observed,
        deviation=None if deviation is None else round(deviation, 6),
        tolerance=None if tolerance is None else round(tolerance, 6),
        reason=reason,
        evidence=dict(evidence or {}),
        as_of=as_of,
        finding=finding if verdict == "inconsistent" else None,
    )


def candle_evidence(obj: Any) -> dict[str, Any]:
    """The evidence fields of a market result (range, point or change), whatever its kind."""
    out: dict[str, Any] = {}
    fields = getattr(type(obj), "model_fields", None)
    for name in (
        "source",
        "interval",
        "candles",
        "complete",
        "first_open_time",
        "last_open_time",
        "open_time",
        "start_open_time",
        "end_open_time",
        "start_interval",
        "end_interval",
        "start",
        "end",
        "start_price",
        "end_price",
        "start_low",
        "start_high",
        "end_low",
        "end_high",
        "change",
        "change_pct",
        "low",
        "high",
        "open",
        "close",
        "price",
    ):
        if fields is not None and name not in fields:
            continue
        value = getattr(obj, name, None)
        if value is None:
            continue
        out[name] = value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
    return out
