"""Live market data through ccxt (the optional extra ``live``), cached into the store.

``fetch_market`` pages through an exchange's ``fetch_ohlcv`` from ``since`` to
``until`` (or now) and upserts the closed candles into ``market_candles``, where
:class:`~newsclaims.market.data.MarketData` finds them like imported ones. USDT/USDC
pairs are stored as quote ``"USD"`` with the exchange's pair id in ``source``
(``"binance:BTCUSDT"``). The candle still open at fetch time is not stored (its
close is not final).

No exchange can be reached from the build machines: the test
(``tests/test_market.py::test_fetch_market_from_recorded_server``) runs this code
against a local HTTP server on 127.0.0.1 that serves recorded responses in Binance's
real ``/api/v3/exchangeInfo`` and ``/api/v3/klines`` formats; ``base_url`` points
ccxt's API URLs at it.

Example:
    >>> n = fetch_market(db, "binance", "BTC/USDT",
    ...                  since=datetime(2025, 5, 1, tzinfo=UTC), timeframe="1h")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from ..errors import MarketDataError, MissingExtraError
from ..storage import transaction, upsert
from .candles import candles_from_ohlcv
from .names import as_utc, normalize_interval
from .store import CANDLE_PK, candle_rows

log = logging.getLogger(__name__)

#: candles asked for per request: Binance spot serves at most 1000 per klines call.
PAGE_LIMIT = 1000
#: requests per fetch at most, so a wrong ``since`` cannot loop for hours
#: (1000 pages of 1000 hourly candles is over a century).
MAX_PAGES = 1000
#: exchange options that keep ``load_markets`` to the spot market (one request
#: instead of spot + USD-M + COIN-M futures).
SPOT_ONLY_OPTIONS: dict[str, dict[str, Any]] = {
    "binance": {"fetchMarkets": {"types": ["spot"]}},
    "binanceus": {"fetchMarkets": {"types": ["spot"]}},
}


def _rebase(urls: Any, base_url: str) -> Any:
    """Replace the scheme and host of every API URL with ``base_url`` (paths kept)."""
    if isinstance(urls, dict):
        return {k: _rebase(v, base_url) for k, v in urls.items()}
    if isinstance(urls, str) and "://" in urls:
        parts = urlsplit(urls)
        rest = urls[len(f"{parts.scheme}://{parts.netloc}") :]
        return base_url.rstrip("/") + rest
    return urls


def _ms(at: datetime) -> int:
    return int(as_utc(at).timestamp() * 1000)


def fetch_market(
    db: sqlite_utils.Database,
    exchange: str = "binance",
    symbol: str = "BTC/USDT",
    *,
    since: datetime,
    timeframe: str = "1h",
    until: datetime | None = None,
    base_url: str | None = None,
) -> int:
    """Fetch candles from an exchange through ccxt and upsert them into ``db``.

    Args:
        db: an open newsclaims database.
        exchange: a ccxt exchange id (``binance``, ``kraken``, ...).
        symbol: a ccxt unified symbol (``BTC/USDT``).
        since: first candle open time wanted (naive = UTC).
        timeframe: candle interval (``1m``, ``1h``, ``4h``, ``1d`` ...).
        until: end (exclusive) of the open times wanted; ``None`` = up to now.
        base_url: replaces the scheme and host of the exchange's API URLs (a proxy,
            a mirror, or the recorded server of the tests).

    Returns:
        The number of candles stored (upserted).

    Raises:
        MissingExtraError: ccxt is not installed (``pip install 'newsclaims[live]'``).
        MarketDataError: unknown exchange or symbol, or the exchange failed.
    """
    try:
        import ccxt
    except ImportError as exc:
        raise MissingExtraError("ccxt", "live", "market fetch") from exc

    exchange_cls = getattr(ccxt, exchange, None)
    if not isinstance(exchange_cls, type) or exchange not in getattr(ccxt, "exchanges", [exchange]):
        raise MarketDataError(
            f"unknown exchange {exchange!r} (a ccxt exchange id such as 'binance')"
        )
    interval = normalize_interval(timeframe)
    config: dict[str, Any] = {"enableRateLimit": True}
    if exchange in SPOT_ONLY_OPTIONS:
        config["options"] = SPOT_ONLY_OPTIONS[exchange]
    ex = exchange_cls(config)
    if base_url:
        ex.urls["api"] = _rebase(ex.urls["api"], base_url)
    start_ms = _ms(since)
    end_ms = _ms(until) if until is not None else None
    try:
        try:
            ex.load_markets()
            market = ex.market(symbol)
        except ccxt.BadSymbol as exc:
            raise MarketDataError(f"{exchange} has no market {symbol!r}") from exc
        if interval not in getattr(ex, "timeframes", {}) and getattr(ex, "timeframes", None):
            raise MarketDataError(
                f"{exchange} has no {interval} candles (it has {', '.join(ex.timeframes)})"
            )
        step_ms = int(ex.parse_timeframe(interval) * 1000)
        source = f"{exchange}:{market['id']}"
        total = 0
        cursor = start_ms
        for page in range(MAX_PAGES):
            now_ms = int(datetime.now(UTC).timestamp() * 1000)
            params = {"until": end_ms - 1} if end_ms is not None else {}
            batch = ex.fetch_ohlcv(symbol, interval, since=cursor, limit=PAGE_LIMIT, params=params)
            if not batch:
                break
            keep = [
                r
                for r in batch
                if r[0] >= cursor and (end_ms is None or r[0] < end_ms) and r[0] + step_ms <= now_ms
            ]
            if keep:
                parsed = candles_from_ohlcv(
                    keep,
                    asset=market["base"],
                    quote=market["quote"],
                    interval=interval,
                    source=source,
                    origin=f"{exchange} {symbol} {interval} page {page + 1}",
                )
                with transaction(db):
                    total += upsert(db, "market_candles", candle_rows(parsed), pk=CANDLE_PK)
            last = max(int(r[0]) for r in batch)
            if last + step_ms <= cursor:
                break
            cursor = last + step_ms
            if (end_ms is not None and cursor >= end_ms) or cursor >= now_ms:
                break
        else:
            log.warning("%s %s: stopped after %d pages", exchange, symbol, MAX_PAGES)
        log.info("fetched %d %s %s candles from %s", total, symbol, interval, exchange)
        return total
    except ccxt.BaseError as exc:
        raise MarketDataError(f"{exchange} {symbol}: {type(exc).__name__}: {exc}") from exc
    finally:
        session = getattr(ex, "session", None)
        if session is not None:
            session.close()
