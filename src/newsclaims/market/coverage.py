"""Saying what market data is missing, by name: the reasons of unverifiable checks.

A check that finds no candles says which asset and which time the data lacks, and
why when that is known ("no market data for MATIC after 2024-09-10 (renamed POL)",
"no market data for PEPE"), so a reader can tell a coin the data never had from a
series that ended or a gap.

Example:
    >>> missing_data_reason(md, "PEPE")  # doctest: +SKIP
    'no market data for PEPE'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .names import SERIES_END_NOTES, as_utc

if TYPE_CHECKING:
    from .data import MarketData


def missing_data_reason(
    market: MarketData,
    asset: str,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    at: datetime | None = None,
) -> str:
    """Why ``market`` holds no candles for ``asset`` over ``[start, end)``, naming both.

    Without a window, only whether the asset has any data at all is told. ``at`` is
    the time the reader knows (the publication time): when given, it is the time
    named, rather than the window's own start.

    Example:
        >>> missing_data_reason(md, "MATIC", datetime(2025, 6, 1, tzinfo=UTC))  # doctest: +SKIP
        'no market data for MATIC after 2024-09-10 (renamed POL)'
    """
    ticker = asset.upper()
    cov = market.coverage(ticker)
    if cov is None:
        return f"no market data for {ticker}"
    series = market.series_asset(ticker)
    if start is None:
        return f"no market data for {series}"
    start = as_utc(start)
    end = as_utc(end) if end is not None else start
    first, last = cov
    last_day = (last - timedelta(seconds=1)).astimezone(UTC)
    when = as_utc(at) if at is not None else start
    asked = f", not {when:%Y-%m-%d %H:%M} UTC" if at is not None else ""
    if start >= last or end > last:
        note = SERIES_END_NOTES.get(series)
        return f"no market data for {series} after {last_day:%Y-%m-%d}" + (f" ({note})" if note else "") + asked
    if start < first:
        return f"no market data for {series} before {first:%Y-%m-%d}{asked}"
    return f"no market data for {series} around {when:%Y-%m-%d %H:%M} UTC (a gap in the candles)"
