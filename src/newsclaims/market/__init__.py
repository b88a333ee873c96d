"""Market data: importers, the SQLite-backed store, lookups and the live fetch.

Public API::

    import_market(db, paths) -> ImportSummary
    default_market_path() -> Path
    open_market(path=None, *, db=None, cache_dir=None) -> MarketData
    open_run_market(db, path=None, *, cache_dir=None) -> MarketData   # bundled cache + path
    MarketData.from_db(db)   .assets() .intervals(asset) .coverage(asset)
                             .candles(asset, start, end, interval=None)
                             .price_range(asset, start, end) -> PriceRange | None
                             .price_at(asset, at) -> PricePoint | None
                             .change_over(asset, end, window) -> PriceChange | None
    fetch_market(db, exchange, symbol, *, since, timeframe, until, base_url) -> int

USDT and USDC (and USD) pairs are stored as quote ``"USD"``; the original pair is
kept in each candle's ``source`` (``"binance:BTCUSDT"``).
"""

from __future__ import annotations

from .candles import CandleRow, ParsedCandles
from .data import PRICE_AT_METHOD, MarketData, PriceChange, PricePoint, PriceRange
from .fetch import fetch_market
from .importers import read_market_file
from .names import USD_QUOTES, normalize_quote, split_symbol
from .store import (
    FileImport,
    ImportSummary,
    bundled_cache,
    default_market_path,
    import_market,
    open_market,
    open_run_market,
)

__all__ = [
    "PRICE_AT_METHOD",
    "USD_QUOTES",
    "CandleRow",
    "FileImport",
    "ImportSummary",
    "MarketData",
    "ParsedCandles",
    "PriceChange",
    "PricePoint",
    "PriceRange",
    "bundled_cache",
    "default_market_path",
    "fetch_market",
    "import_market",
    "normalize_quote",
    "open_market",
    "open_run_market",
    "read_market_file",
    "split_symbol",
]
