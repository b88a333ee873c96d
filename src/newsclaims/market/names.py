"""Names of market data: candle intervals, trading symbols, quotes, CoinGecko ids.

Pure helpers shared by the importers, the store and the live fetch.

Quotes: a pair quoted in ``USDT`` or ``USDC`` (or ``USD`` itself) is stored with the
quote ``"USD"``; the original pair survives in the candle's ``source``
(``"binance:BTCUSDT"``). News quotes prices in dollars and the two stablecoins trade
within a fraction of a percent of the dollar, far inside any check's tolerance.
Other quotes (``EUR``, ``BTC``, ``BUSD``, ...) keep their own name and are not used by
:class:`~newsclaims.market.data.MarketData` unless asked for.

Example:
    >>> split_symbol("BTCUSDT")
    ('BTC', 'USDT')
    >>> normalize_quote("USDC")
    'USD'
    >>> interval_seconds("4h")
    14400
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ..errors import MarketDataError

#: quotes stored as "USD": stablecoins that track the dollar to well under 1%,
#: which is far inside the tolerance of any price check.
USD_QUOTES = frozenset({"USD", "USDT", "USDC"})

#: quote currencies recognised at the end of a symbol written without a separator
#: ("BTCUSDT"); longest first so that "USDT" wins over "USD".
KNOWN_QUOTES: tuple[str, ...] = tuple(
    sorted(
        (
            "USDT",
            "USDC",
            "FDUSD",
            "BUSD",
            "TUSD",
            "USDP",
            "DAI",
            "USD",
            "EUR",
            "GBP",
            "JPY",
            "TRY",
            "BRL",
            "BTC",
            "ETH",
            "BNB",
        ),
        key=len,
        reverse=True,
    )
)

#: exchange spellings of canonical tickers.
ASSET_ALIASES = {"XBT": "BTC", "XDG": "DOGE"}

#: tickers whose earlier history trades under a former name: lookups of POL read MATIC's
#: candles when the data holds none for POL itself (Binance swapped MATIC 1:1 for POL on
#: 2024-09-10, and the news tags Polygon claims as POL whichever name the text uses).
FORMER_TICKERS = {"POL": "MATIC"}

#: why a series stops before the rest of the data does; named in the reason of a check
#: that falls after its end ("no market data for MATIC after 2024-09-10 (renamed POL)").
SERIES_END_NOTES = {"MATIC": "renamed POL", "XMR": "delisted by Binance"}

#: CoinGecko coin ids of the common assets -> canonical tickers.
COINGECKO_IDS = {
    "bitcoin": "BTC",
    "ethereum": "ETH",
    "solana": "SOL",
    "ripple": "XRP",
    "binancecoin": "BNB",
    "cardano": "ADA",
    "dogecoin": "DOGE",
    "tron": "TRX",
    "polkadot": "DOT",
    "litecoin": "LTC",
    "chainlink": "LINK",
    "avalanche-2": "AVAX",
    "shiba-inu": "SHIB",
    "the-open-network": "TON",
    "toncoin": "TON",
    "sui": "SUI",
    "pepe": "PEPE",
    "uniswap": "UNI",
    "near": "NEAR",
    "stellar": "XLM",
    "bitcoin-cash": "BCH",
    "monero": "XMR",
    "ethereum-classic": "ETC",
    "aptos": "APT",
    "arbitrum": "ARB",
    "optimism": "OP",
    "matic-network": "MATIC",
    "polygon-ecosystem-token": "POL",
    "cosmos": "ATOM",
    "filecoin": "FIL",
    "internet-computer": "ICP",
    "hedera-hashgraph": "HBAR",
    "hyperliquid": "HYPE",
    "aave": "AAVE",
    "ethena": "ENA",
    "ondo-finance": "ONDO",
    "official-trump": "TRUMP",
    "dogwifcoin": "WIF",
    "bonk": "BONK",
    "tether": "USDT",
    "usd-coin": "USDC",
}

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_INTERVAL_RE = re.compile(r"^(\d+)([smhdwM])$")
#: a calendar month counted as 31 days when only an ordering or an upper bound is needed.
_MONTH_SECONDS_FOR_ORDER = 31 * 86400


def normalize_interval(text: str) -> str:
    """The canonical spelling of a candle interval (``"4H"`` -> ``"4h"``, ``"1M"`` stays).

    Raises:
        MarketDataError: the text is not an interval such as ``1m``, ``4h``, ``1d``, ``1w``, ``1M``.
    """
    t = text.strip()
    m = _INTERVAL_RE.match(t) or _INTERVAL_RE.match(t.lower())
    if not m or int(m.group(1)) <= 0:
        raise MarketDataError(f"not a candle interval: {text!r} (expected e.g. 1h, 4h, 1d)")
    return f"{int(m.group(1))}{m.group(2)}"


def interval_seconds(interval: str) -> int:
    """Length of an interval in seconds; a month (``1M``) counts as 31 days (for ordering only)."""
    m = _INTERVAL_RE.match(normalize_interval(interval))
    assert m is not None
    n, unit = int(m.group(1)), m.group(2)
    if unit == "M":
        return n * _MONTH_SECONDS_FOR_ORDER
    return n * _UNIT_SECONDS[unit]


def is_calendar_interval(interval: str) -> bool:
    """True for month intervals, whose length depends on the month."""
    return normalize_interval(interval).endswith("M")


def candle_close(open_time: datetime, interval: str) -> datetime:
    """The time a candle opened at ``open_time`` closes (exclusive end)."""
    iv = normalize_interval(interval)
    if iv.endswith("M"):
        months = int(iv[:-1])
        total = open_time.year * 12 + (open_time.month - 1) + months
        return open_time.replace(year=total // 12, month=total % 12 + 1)
    return open_time + timedelta(seconds=interval_seconds(iv))


def floor_time(at: datetime, interval: str) -> datetime:
    """The start of the interval-aligned bucket holding ``at`` (UTC epoch grid; months by calendar)."""
    at = as_utc(at)
    iv = normalize_interval(interval)
    if iv.endswith("M"):
        return at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    step = interval_seconds(iv)
    ts = int(at.timestamp())
    return datetime.fromtimestamp(ts - ts % step, tz=UTC)


def as_utc(at: datetime) -> datetime:
    """A timezone-aware UTC datetime; a naive one is taken to be UTC already."""
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def normalize_asset(text: str) -> str:
    """Canonical ticker for an exchange's base currency name (``"xbt"`` -> ``"BTC"``)."""
    t = text.strip().upper()
    return ASSET_ALIASES.get(t, t)


def normalize_quote(text: str) -> str:
    """``"USD"`` for the dollar and the USD stablecoins of :data:`USD_QUOTES`, else the quote itself."""
    t = text.strip().upper()
    return "USD" if t in USD_QUOTES else t


def split_symbol(symbol: str) -> tuple[str, str]:
    """Split a trading symbol into base and quote.

    Accepts ``BTC/USDT``, ``BTC-USDT``, ``BTC_USDT`` and ``BTCUSDT`` (a known quote
    suffix). CCXT derivative suffixes (``BTC/USDT:USDT``) are dropped.

    Raises:
        MarketDataError: no quote can be found.
    """
    s = symbol.strip().upper().split(":")[0]
    for sep in ("/", "-", "_"):
        if sep in s:
            base, _, quote = s.partition(sep)
            if base and quote:
                return normalize_asset(base), quote
    for quote in KNOWN_QUOTES:
        if s.endswith(quote) and len(s) > len(quote):
            return normalize_asset(s[: -len(quote)]), quote
    raise MarketDataError(f"cannot tell base and quote apart in symbol {symbol!r}")
