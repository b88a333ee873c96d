"""Candle rows as read from any source, checked: the shared core of the importers.

Every candle is checked the same way whatever its format: positive prices,
``low <= open, close <= high``, and the candles of one series not overlapping.
Epoch times are accepted in seconds, milliseconds, microseconds or nanoseconds,
told apart by their size.

Example:
    >>> parse_time("1746057600000", "x")
    datetime.datetime(2025, 5, 1, 0, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ..errors import MarketDataError
from .names import as_utc, candle_close, normalize_asset, normalize_interval, normalize_quote

#: relative slack when checking ``low <= open, close <= high``: prices printed with
#: fewer decimals than they were computed with can miss by a rounding step.
OHLC_SLACK = 1e-9

#: epoch numbers at or above these are nanoseconds / microseconds / milliseconds;
#: each threshold is a date in the 5th millennium in the next coarser unit, so the
#: unit of any real timestamp is unambiguous.
_NS_FROM = 10**17
_US_FROM = 10**14
_MS_FROM = 10**11


class CandleRow(NamedTuple):
    """One candle as read: open time (UTC), prices, volume (``None`` when unknown)."""

    open_time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float | None


@dataclass(frozen=True)
class ParsedCandles:
    """The candles of one series read from one file (or one member of a ZIP)."""

    asset: str
    quote: str
    interval: str
    #: where they came from, e.g. ``"binance:BTCUSDT"`` (the original pair survives here).
    source: str
    rows: tuple[CandleRow, ...]
    #: format name: ``canonical_csv``, ``binance_kline``, ``coingecko``, ``ccxt``.
    format: str
    origin: str


def parse_time(value: Any, where: str) -> datetime:
    """A UTC datetime from an ISO string or an epoch number (s, ms, µs or ns, detected).

    Raises:
        MarketDataError: the value is neither (``where`` names the file and line).
    """
    if isinstance(value, bool):
        raise MarketDataError(f"{where}: bad time {value!r}")
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        s = value.strip()
        if re.fullmatch(r"\d+(\.\d+)?", s):
            number = float(s)
        else:
            try:
                return as_utc(datetime.fromisoformat(s))
            except ValueError as exc:
                raise MarketDataError(f"{where}: bad time {value!r}") from exc
    else:
        raise MarketDataError(f"{where}: bad time {value!r}")
    if not math.isfinite(number) or number < 0:
        raise MarketDataError(f"{where}: bad time {value!r}")
    if number >= _NS_FROM:
        seconds = number / 1e9
    elif number >= _US_FROM:
        seconds = number / 1e6
    elif number >= _MS_FROM:
        seconds = number / 1e3
    else:
        seconds = number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MarketDataError(f"{where}: time out of range {value!r}") from exc


def parse_number(value: Any, column: str, where: str, *, optional: bool = False) -> float | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if optional:
            return None
        raise MarketDataError(f"{where}: missing {column}")
    if isinstance(value, bool):
        raise MarketDataError(f"{where}: bad number {value!r} in {column}")
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise MarketDataError(f"{where}: bad number {value!r} in {column}") from exc
    if not math.isfinite(x):
        raise MarketDataError(f"{where}: bad number {value!r} in {column}")
    return x


def parse_row(values: Sequence[Any], where: str) -> CandleRow:
    """time, open, high, low, close[, volume] -> a checked :class:`CandleRow`."""
    t = parse_time(values[0], where)
    o, h, lo, c = (
        parse_number(values[i], col, where)
        for i, col in enumerate(("open", "high", "low", "close"), 1)
    )
    assert o is not None and h is not None and lo is not None and c is not None
    v = parse_number(values[5], "volume", where, optional=True) if len(values) > 5 else None
    if min(o, h, lo, c) <= 0:
        raise MarketDataError(
            f"{where}: prices must be positive (open {o}, high {h}, low {lo}, close {c})"
        )
    slack = OHLC_SLACK * h
    if lo > h or lo > min(o, c) + slack or max(o, c) > h + slack:
        raise MarketDataError(
            f"{where}: inconsistent candle: low {lo} / high {h} do not bracket open {o} and close {c}"
        )
    if v is not None and v < 0:
        raise MarketDataError(f"{where}: negative volume {v}")
    return CandleRow(t, o, h, lo, c, v)


def checked_series(
    rows: list[tuple[CandleRow, str]], interval: str, origin: str
) -> tuple[CandleRow, ...]:
    """Sort by open time, drop exact repeats, refuse overlapping candles."""
    if not rows:
        raise MarketDataError(f"{origin}: no candles")
    rows.sort(key=lambda r: r[0].open_time)
    out: list[CandleRow] = []
    for row, where in rows:
        if out:
            prev = out[-1]
            if row.open_time == prev.open_time:
                if row != prev:
                    raise MarketDataError(
                        f"{where}: a second, different candle for {row.open_time.isoformat()}"
                    )
                continue
            if row.open_time < candle_close(prev.open_time, interval):
                raise MarketDataError(
                    f"{where}: candle at {row.open_time.isoformat()} opens before the one at "
                    f"{prev.open_time.isoformat()} closes ({interval} candles)"
                )
        out.append(row)
    return tuple(out)


def candles_from_ohlcv(
    ohlcv: Sequence[Any], *, asset: str, quote: str, interval: str, source: str, origin: str
) -> ParsedCandles:
    """Checked candles from CCXT-style ``[[ms, open, high, low, close, volume], ...]`` records.

    Raises:
        MarketDataError: a record is malformed or inconsistent (its index is named).
    """
    rows: list[tuple[CandleRow, str]] = []
    for i, item in enumerate(ohlcv):
        where = f"{origin}: record {i}"
        if not isinstance(item, list | tuple) or len(item) < 5:
            raise MarketDataError(
                f"{where}: expected [time, open, high, low, close, volume], got {item!r}"[:300]
            )
        rows.append((parse_row(item, where), where))
    interval = normalize_interval(interval)
    return ParsedCandles(
        asset=normalize_asset(asset),
        quote=normalize_quote(quote),
        interval=interval,
        source=source,
        rows=checked_series(rows, interval, origin),
        format="ccxt",
        origin=origin,
    )
