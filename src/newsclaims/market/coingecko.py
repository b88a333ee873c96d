"""CoinGecko ``market_chart`` JSON: price points grouped into candles.

``{"prices": [[ms, price], ...], "market_caps": [...], "total_volumes": [...]}``
holds price *points*, not candles. The sampling interval is inferred (CoinGecko
gives 5-minute, hourly or daily points), the points are grouped into
interval-aligned buckets and each bucket becomes a candle with open = first point,
close = last point, high/low = max/min of its points (one point per bucket gives
open = high = low = close). Volume is left empty: ``total_volumes`` is a rolling
24-hour figure, not the bucket's volume. Prices are taken to be in US dollars
(CoinGecko's ``vs_currency=usd``).

The asset comes from the file name: ``bitcoin_market_chart.json`` (a CoinGecko id of
:data:`~newsclaims.market.names.COINGECKO_IDS`) or ``BTC-coingecko.json`` (a ticker).
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import statistics
from datetime import datetime
from typing import Any

from ..errors import MarketDataError
from .candles import CandleRow, ParsedCandles, checked_series, parse_number, parse_time
from .names import COINGECKO_IDS, floor_time, interval_seconds, normalize_asset

log = logging.getLogger(__name__)

#: CoinGecko's automatic granularities (5-minutely, hourly, daily); a file's sampling
#: interval is the one nearest to the median spacing of its points.
COINGECKO_GRANULARITIES = ("5m", "1h", "1d")


def _coingecko_asset(stem: str, origin: str) -> tuple[str, str]:
    """(ticker, coingecko id or ticker) from ``bitcoin_market_chart`` or ``BTC-coingecko``."""
    low = stem.lower()
    for suffix in ("-coingecko", "_coingecko", ".coingecko"):
        if low.endswith(suffix):
            ticker = stem[: -len(suffix)]
            if re.fullmatch(r"[A-Za-z0-9]{1,12}", ticker):
                coin_id = next(
                    (k for k, v in COINGECKO_IDS.items() if v == ticker.upper()), ticker.lower()
                )
                return normalize_asset(ticker), coin_id
    coin_id = re.sub(r"[-_.]?market_chart.*$", "", low)
    if coin_id in COINGECKO_IDS:
        return COINGECKO_IDS[coin_id], coin_id
    raise MarketDataError(
        f"{origin}: cannot tell the asset from the file name: name it <coingecko-id>_market_chart.json "
        f"(known ids: {', '.join(sorted(COINGECKO_IDS)[:8])}, ...) or <TICKER>-coingecko.json"
    )


def parse_coingecko(data: dict[str, Any], stem: str, origin: str) -> ParsedCandles:
    asset, coin_id = _coingecko_asset(stem, origin)
    points: list[tuple[datetime, float, str]] = []
    for i, item in enumerate(data["prices"]):
        where = f"{origin}: prices[{i}]"
        if not isinstance(item, list) or len(item) != 2:
            raise MarketDataError(f"{where}: expected [ms, price], got {item!r}"[:300])
        if item[1] is None:
            continue  # CoinGecko leaves gaps as null
        t = parse_time(item[0], where)
        p = parse_number(item[1], "price", where)
        assert p is not None
        if p <= 0:
            raise MarketDataError(f"{where}: price must be positive, got {p}")
        points.append((t, p, where))
    if len(points) < 2:
        raise MarketDataError(
            f"{origin}: fewer than 2 price points: cannot infer the sampling interval"
        )
    points.sort(key=lambda x: x[0])
    gaps = [(b[0] - a[0]).total_seconds() for a, b in itertools.pairwise(points)]
    spacing = statistics.median(g for g in gaps if g > 0) if any(g > 0 for g in gaps) else 0.0
    if spacing <= 0:
        raise MarketDataError(f"{origin}: all price points share one time")
    interval = min(
        COINGECKO_GRANULARITIES, key=lambda iv: abs(math.log(spacing / interval_seconds(iv)))
    )
    buckets: dict[datetime, list[tuple[float, str]]] = {}
    for t, p, where in points:
        buckets.setdefault(floor_time(t, interval), []).append((p, where))
    rows = []
    for start, items in buckets.items():
        prices = [p for p, _ in items]
        rows.append(
            (CandleRow(start, prices[0], max(prices), min(prices), prices[-1], None), items[0][1])
        )
    log.debug("%s: %d CoinGecko points -> %d %s candles", origin, len(points), len(rows), interval)
    return ParsedCandles(
        asset=asset,
        quote="USD",
        interval=interval,
        source=f"coingecko:{coin_id}",
        rows=checked_series(rows, interval, origin),
        format="coingecko",
        origin=origin,
    )
