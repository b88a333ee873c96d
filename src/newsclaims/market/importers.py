"""Readers for market data files: each format becomes :class:`ParsedCandles`.

Formats (detected from the file name and content, see :func:`read_market_file`):

- **Canonical CSV** ``BTCUSDT_4h.csv`` (optionally ``.gz``): header
  ``timestamp, open, high, low, close, volume``; the timestamp is the candle's open
  time in UTC (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS``; epoch numbers also work).
  Asset, quote and interval come from the file name.
- **Binance kline exports** ``BTCUSDT-1h-2025-05.csv`` or ``.zip`` (data.binance.vision):
  12 columns, no header (a header line is skipped if present); the open time is in
  milliseconds, or microseconds in the newer spot exports: the unit is detected from
  the size of each number.
- **CoinGecko** ``market_chart`` JSON (``{"prices": [[ms, price], ...], ...}``), named
  ``bitcoin_market_chart.json`` or ``BTC-coingecko.json``: price points grouped into
  candles of the sampling interval (see :mod:`newsclaims.market.coingecko`).
- **CCXT** ``fetch_ohlcv`` JSON: ``[[ms, o, h, l, c, v], ...]`` named like
  ``BTC-USDT_1h.json``, or a wrapper ``{"symbol": "BTC/USDT", "timeframe": "1h",
  "ohlcv": [...]}`` (optionally with ``"exchange"``).

Every candle is checked (:mod:`newsclaims.market.candles`: positive prices,
``low <= open, close <= high``, candles of one file not overlapping); a bad value
raises :class:`MarketDataError` naming the file and line (CSV) or record index (JSON).

Example:
    >>> from pathlib import Path
    >>> parsed = read_market_file(Path("BTCUSDT_4h.csv.gz"))  # doctest: +SKIP
    >>> parsed[0].asset, parsed[0].quote, parsed[0].interval  # doctest: +SKIP
    ('BTC', 'USD', '4h')
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import re
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import MarketDataError
from .candles import (
    CandleRow,
    ParsedCandles,
    candles_from_ohlcv,
    checked_series,
    parse_row,
    parse_time,
)
from .coingecko import parse_coingecko
from .names import candle_close, normalize_interval, normalize_quote, split_symbol

__all__ = ["MARKET_SUFFIXES", "CandleRow", "ParsedCandles", "is_market_file", "read_market_file"]

log = logging.getLogger(__name__)

#: file name endings the importers read; anything else in a folder is skipped.
MARKET_SUFFIXES = (".csv", ".csv.gz", ".zip", ".json", ".json.gz")

_TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "open_time", "opentime")
_CANONICAL_NAME = re.compile(r"^(?P<symbol>[A-Za-z0-9/._-]+?)[_-](?P<interval>\d+[smhdwM])$")
_BINANCE_NAME = re.compile(
    r"^(?P<symbol>[A-Za-z0-9]+)-(?P<interval>\d+[smhdwM])-\d{4}-\d{2}(?:-\d{2})?$"
)


def is_market_file(path: Path) -> bool:
    """True when the name ends in one of :data:`MARKET_SUFFIXES` (and is not hidden)."""
    name = path.name.lower()
    return not name.startswith(".") and name.endswith(MARKET_SUFFIXES)


def read_market_file(path: Path, *, exchange: str | None = None) -> list[ParsedCandles]:
    """Read one market data file into candle series.

    Args:
        path: a file in one of the formats of this module.
        exchange: the venue named in ``source`` for canonical CSV and bare CCXT dumps,
            whose files do not say it (``"csv"`` and ``"ccxt"`` when ``None``).

    Returns:
        One :class:`ParsedCandles` per series (a ZIP may hold several).

    Raises:
        MarketDataError: unknown format, unreadable file or a bad value (file and line named).
    """
    name = path.name.lower()
    try:
        if name.endswith(".zip"):
            return _read_zip(path)
        if name.endswith((".csv", ".csv.gz")):
            text = _read_text(path.read_bytes(), name.endswith(".gz"), str(path))
            return [_parse_csv(text, _stem(path.name), str(path), exchange)]
        if name.endswith((".json", ".json.gz")):
            text = _read_text(path.read_bytes(), name.endswith(".gz"), str(path))
            return [_parse_json(text, _stem(path.name), str(path), exchange)]
    except OSError as exc:
        raise MarketDataError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    raise MarketDataError(
        f"{path}: unknown market data format (expected a name ending in {', '.join(MARKET_SUFFIXES)})"
    )


# --------------------------------------------------------------------------- helpers


def _stem(name: str) -> str:
    for suffix in (".gz", ".csv", ".json", ".zip"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def _read_text(data: bytes, gz: bool, origin: str) -> str:
    if gz:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise MarketDataError(f"{origin}: not a valid gzip file: {exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MarketDataError(f"{origin}: not UTF-8 text (byte {exc.start})") from exc


def _read_zip(path: Path) -> list[ParsedCandles]:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [
                m for m in zf.namelist() if m.lower().endswith(".csv") and not m.endswith("/")
            ]
            if not members:
                raise MarketDataError(f"{path}: ZIP holds no .csv file")
            out = []
            for member in members:
                text = _read_text(zf.read(member), False, f"{path}!{member}")
                out.append(_parse_csv(text, _stem(Path(member).name), f"{path}!{member}", None))
            return out
    except zipfile.BadZipFile as exc:
        raise MarketDataError(f"{path}: not a valid ZIP file: {exc}") from exc


def _symbol_and_interval(stem: str, origin: str) -> tuple[str, str]:
    m = _BINANCE_NAME.match(stem) or _CANONICAL_NAME.match(stem)
    if not m:
        raise MarketDataError(
            f"{origin}: cannot tell the symbol and interval from the file name "
            "(expected e.g. BTCUSDT_4h.csv, BTCUSDT-1h-2025-05.csv or BTC-USDT_1h.json)"
        )
    return m.group("symbol"), normalize_interval(m.group("interval"))


def _pair(symbol: str, origin: str) -> tuple[str, str]:
    try:
        return split_symbol(symbol)
    except MarketDataError as exc:
        raise MarketDataError(f"{origin}: {exc}") from exc


# --------------------------------------------------------------------------- CSV


def _parse_csv(text: str, stem: str, origin: str, exchange: str | None) -> ParsedCandles:
    symbol, interval = _symbol_and_interval(stem, origin)
    base, quote = _pair(symbol, origin)
    reader = csv.reader(io.StringIO(text))
    first: list[str] | None = None
    first_line = 0
    for first in reader:
        first_line = reader.line_num
        if any(cell.strip() for cell in first):
            break
    else:
        raise MarketDataError(f"{origin}: empty file")
    assert first is not None
    header = [c.strip().lower() for c in first]
    starts_numeric = bool(re.fullmatch(r"\d+(\.\d+)?", header[0]))
    rows: list[tuple[CandleRow, str]] = []
    if starts_numeric and len(header) >= 7:
        fmt = "binance_kline"
        lines: Iterable[tuple[int, list[str]]] = [(first_line, first)]
        index = [0, 1, 2, 3, 4, 5]
        close_col: int | None = 6
    elif starts_numeric:
        raise MarketDataError(
            f"{origin}:{first_line}: no header and {len(header)} columns: neither the canonical "
            "CSV (timestamp, open, high, low, close, volume) nor a Binance kline export (12 columns)"
        )
    else:
        time_col = next((header.index(c) for c in _TIME_COLUMNS if c in header), None)
        missing = [c for c in ("open", "high", "low", "close") if c not in header]
        if time_col is None or missing:
            raise MarketDataError(
                f"{origin}:{first_line}: unknown CSV header {first!r}: expected "
                "timestamp, open, high, low, close, volume"
            )
        fmt = "binance_kline" if header == _BINANCE_HEADER else "canonical_csv"
        index = [time_col, *(header.index(c) for c in ("open", "high", "low", "close"))]
        if "volume" in header:
            index.append(header.index("volume"))
        close_col = header.index("close_time") if "close_time" in header else None
        lines = []
    width = max(index) + 1
    checked_close = False
    for line_no, cells in _chain(lines, reader):
        if not any(c.strip() for c in cells):
            continue
        where = f"{origin}:{line_no}"
        if len(cells) < width:
            raise MarketDataError(f"{where}: {len(cells)} columns, expected at least {width}")
        row = parse_row([cells[i] for i in index], where)
        if close_col is not None and not checked_close:
            _check_close_time(row.open_time, cells[close_col], interval, where)
            checked_close = True
        rows.append((row, where))
    venue = "binance" if fmt == "binance_kline" else (exchange or "csv")
    return ParsedCandles(
        asset=base,
        quote=normalize_quote(quote),
        interval=interval,
        source=f"{venue}:{symbol.upper()}",
        rows=checked_series(rows, interval, origin),
        format=fmt,
        origin=origin,
    )


_BINANCE_HEADER = [
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
]


def _chain(head: Iterable[tuple[int, list[str]]], reader: Any) -> Iterable[tuple[int, list[str]]]:
    yield from head
    for cells in reader:
        yield reader.line_num, cells


def _check_close_time(open_time: datetime, close_value: str, interval: str, where: str) -> None:
    """A kline's close time is its open time plus the interval minus one tick."""
    close = parse_time(close_value, where)
    expected = candle_close(open_time, interval)
    if abs((expected - close).total_seconds()) > 1.0:
        raise MarketDataError(
            f"{where}: close time {close.isoformat()} does not fit a {interval} candle opened at "
            f"{open_time.isoformat()} (interval from the file name)"
        )


# --------------------------------------------------------------------------- JSON


def _parse_json(text: str, stem: str, origin: str, exchange: str | None) -> ParsedCandles:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MarketDataError(f"{origin}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    if isinstance(data, dict) and isinstance(data.get("prices"), list):
        return parse_coingecko(data, stem, origin)
    if isinstance(data, dict) and isinstance(data.get("ohlcv"), list):
        symbol = data.get("symbol")
        timeframe = data.get("timeframe")
        if not (isinstance(symbol, str) and isinstance(timeframe, str)):
            symbol, timeframe = _symbol_and_interval(stem, origin)
        venue = data.get("exchange") if isinstance(data.get("exchange"), str) else None
        return _parse_ccxt(data["ohlcv"], symbol, timeframe, venue or exchange, origin)
    if isinstance(data, list) and data and isinstance(data[0], list):
        symbol, timeframe = _symbol_and_interval(stem, origin)
        return _parse_ccxt(data, symbol, timeframe, exchange, origin)
    raise MarketDataError(
        f"{origin}: unknown JSON market data: expected CoinGecko market_chart "
        '({"prices": [...]}), a CCXT OHLCV list ([[ms, o, h, l, c, v], ...]) or '
        '{"symbol", "timeframe", "ohlcv"}'
    )


def _parse_ccxt(
    ohlcv: list[Any], symbol: str, timeframe: str, exchange: str | None, origin: str
) -> ParsedCandles:
    try:
        interval = normalize_interval(timeframe)
    except MarketDataError as exc:
        raise MarketDataError(f"{origin}: {exc}") from exc
    base, quote = _pair(symbol, origin)
    return candles_from_ohlcv(
        ohlcv,
        asset=base,
        quote=quote,
        interval=interval,
        source=f"{exchange or 'ccxt'}:{symbol.upper()}",
        origin=origin,
    )
