"""Staleness: when did the market last agree with a figure that disagrees at publication?

A price or change that the market at publication contradicts is looked up in the
``settings.check.stale_lookback_hours`` (72) before: the latest candle whose range
(widened by the check's tolerance) holds the stated price, or the latest end time at
which the change over the claim's window matches it. A match makes the flag a
``stale`` finding ("matches Bitcoin's price at 08:00 UTC on 13 June, 9 hours before
publication"): the figure was true and the market moved on, which is what publishers
are actually caught doing. No match makes it ``never_true`` (within the look-back).

The evidence gets ``finding``, ``stale_by`` (hours from the matching time to
publication), ``matched_at`` and the matching candle's ``matched_interval``,
``matched_low``/``matched_high`` (prices) or ``matched_change`` (changes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..market.names import interval_seconds

if TYPE_CHECKING:
    from ..market.data import MarketData

#: the finest step (hours) the look-back for changes walks back in, whatever the data.
MIN_CHANGE_STEP_HOURS = 1.0


@dataclass(frozen=True)
class StaleMatch:
    """When the market last agreed with a figure before publication."""

    at: datetime
    hours_before: float
    interval: str
    detail: dict[str, Any]

    def evidence(self) -> dict[str, Any]:
        return {
            "finding": "stale",
            "stale_by": round(self.hours_before, 1),
            "matched_at": self.at.astimezone(UTC).isoformat(),
            "matched_interval": self.interval,
            **self.detail,
        }

    def words(self, what: str) -> str:
        """``"matches Bitcoin's price at 08:00 UTC on 13 June, 9 hours before publication"``."""
        return (
            f"matches {what} at {self.at.astimezone(UTC):%H:%M} UTC on {self.at.astimezone(UTC):%-d %B}, "
            f"{_hours(self.hours_before)} before publication"
        )


def _hours(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.1f} days".replace(".0 days", " days")
    n = round(hours)
    return "1 hour" if n == 1 else f"{n} hours"


def stale_price(
    market: MarketData,
    asset: str,
    *,
    low_claim: float,
    high_claim: float,
    qualifier: str,
    tolerance: float,
    published_at: datetime,
    before: datetime,
    lookback_hours: float,
) -> StaleMatch | None:
    """The latest candle in ``[published_at - lookback, before)`` whose widened range holds the price.

    ``before`` is where the check's own window starts (nothing in it matched).
    """
    start = published_at - timedelta(hours=lookback_hours)
    if lookback_hours <= 0 or before <= start:
        return None
    candles = market.candles(asset, start, before)
    for c in reversed(candles):
        lo, hi = c.low * (1 - tolerance), c.high * (1 + tolerance)
        if qualifier == "at_least":
            ok = hi >= low_claim
        elif qualifier == "at_most":
            ok = lo <= high_claim
        else:
            ok = high_claim >= lo and low_claim <= hi
        if ok:
            hours = (published_at - c.open_time).total_seconds() / 3600
            return StaleMatch(
                c.open_time, hours, c.interval, {"matched_low": c.low, "matched_high": c.high}
            )
    return None


def stale_change(
    market: MarketData,
    asset: str,
    *,
    window: timedelta,
    published_at: datetime,
    lookback_hours: float,
    matches: Callable[[float, float], bool],
) -> StaleMatch | None:
    """The latest end time before publication at which the change over ``window`` matched.

    ``matches(change, change_pct)`` says whether a market change agrees with the claim.
    The look-back walks back in steps of the asset's finest interval (at least an hour).
    """
    if lookback_hours <= 0:
        return None
    intervals = market.intervals(asset)
    step_h = max(MIN_CHANGE_STEP_HOURS, interval_seconds(intervals[0]) / 3600 if intervals else 1.0)
    k = 1
    while k * step_h <= lookback_hours:
        end = published_at - timedelta(hours=k * step_h)
        ch = market.change_over(asset, end, window)
        k += 1
        if ch is None:
            continue
        if matches(float(ch.change), float(ch.change_pct)):
            return StaleMatch(
                end, (published_at - end).total_seconds() / 3600, ch.interval,
                {"matched_change": round(float(ch.change), 6), "matched_change_pct": round(float(ch.change_pct), 4)},
            )
    return None
