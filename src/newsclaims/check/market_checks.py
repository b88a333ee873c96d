"""Claims against market data: ``market_price`` and ``market_change``.

``market_price``: a ``price`` claim against the [low, high] of the finest candles in
a window of ``settings.check.price_window_hours`` either side of the publication
time, widened by a relative tolerance (wider for approximate prices). Qualifiers
bound one side only: ``at_least`` ("climbed above $110K") holds when the window's
high reached the value, ``at_most`` ("slumped below $2,400") when its low did. A
price the article says was hit or touched ("dipped to", "lows of") is checked
against the range of the ``recent_price_hours`` before publication; a price dated
earlier ("its all-time high of", "in May") is unverifiable unless the recent range
happens to contain it.

``market_change``: a ``price_change`` against the change over the claim's window
ending at publication (24 hours when it has none, and the reason says so).
Direction first (a wrong direction is major), then size, with a tolerance of
``change_tolerance_points`` plus ``change_tolerance_relative`` of the market's
change. Changes given in USD are compared in USD; their deviation and tolerance
are relative to the starting price.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..models import Check, Claim
from ..settings import Settings
from .base import (
    PastWindow,
    asset_name,
    candle_evidence,
    coverage_gap,
    fmt_claim_value,
    fmt_money,
    fmt_pct,
    make_check,
    market_gap,
    parse_window,
    past_window,
    severity_of,
    time_reference,
    window_words,
)

if TYPE_CHECKING:
    from ..market.data import MarketData

log = logging.getLogger(__name__)

#: words that make a record an earlier one, which the current high may have passed since.
_EARLIER_RECORD = re.compile(r"\b(previous|prior|former|earlier|old|last|then)\b", re.IGNORECASE)
#: the window assumed for a change that states none: news sites quote 24-hour changes.
DEFAULT_CHANGE_WINDOW = timedelta(hours=24)


def check_market_price(
    claim: Claim, *, published_at: datetime | None, market: MarketData | None, settings: Settings
) -> Check:
    """Check one ``price`` claim (unit USD) against the candles around publication.

    Example:
        >>> # check_market_price(claim, published_at=t, market=open_market(), settings=s)
    """
    cs = settings.check
    name = asset_name(claim.asset)
    if claim.unit != "USD":
        return make_check(
            claim, "market_price", "unverifiable",
            f"the price is given in {claim.unit}, and market data is kept in USD only",
            as_of=published_at,
        )
    if published_at is None:
        return make_check(
            claim, "market_price", "unverifiable",
            "the article has no publication time to look the market price up at",
            as_of=None,
        )
    ref, words = time_reference(claim)
    label: str = ref
    stated_window = parse_window(claim.window)
    half = timedelta(hours=cs.price_window_hours)
    if stated_window is not None:
        start, end, span_words = published_at - stated_window, published_at + half, (
            f"over the {window_words(stated_window)} window the claim states"
        )
    elif ref == "current":
        start, end, span_words = published_at - half, published_at + half, (
            f"within {cs.price_window_hours:g} hours of publication"
        )
    elif ref == "past" and (past := past_window(claim, published_at)) is not None:
        if past.extreme is not None or past.start is None:
            return _check_extreme(claim, past, published_at, market, settings)
        start, end = past.start, past.end
        span_words = f"over the span the claim dates it to ({past.words!r})"
        label = "dated"
    else:
        recent = timedelta(hours=cs.recent_price_hours)
        start, end, span_words = published_at - recent, published_at + half, (
            f"in the {cs.recent_price_hours:g} hours before publication"
        )
    gap = market_gap(market, claim.asset)
    if gap is not None or market is None or claim.asset is None:
        return make_check(
            claim, "market_price", "unverifiable", f"{gap}, so the price cannot be checked",
            as_of=published_at,
        )
    end = min(end, published_at + half)  # nothing after publication can support the claim
    if end <= start:
        return make_check(
            claim, "market_price", "unverifiable",
            f"the claim dates the price {span_words}, which lies after publication, so it cannot be checked",
            as_of=published_at,
        )
    rng = market.price_range(claim.asset, start, end)
    if rng is None:
        return make_check(
            claim, "market_price", "unverifiable",
            f"{coverage_gap(market, claim.asset, start, end, at=published_at)}: no {name} candles {span_words}, "
            "so the price cannot be checked",
            as_of=published_at,
        )
    tol_pct = cs.price_tolerance_approx_pct if claim.qualifier == "approx" else cs.price_tolerance_pct
    tol = tol_pct / 100
    low, high = float(rng.low), float(rng.high)
    lo_claim = claim.value if claim.value_max is None else min(claim.value, claim.value_max)
    hi_claim = claim.value if claim.value_max is None else max(claim.value, claim.value_max)
    # The nearest point the claim allows to the market range, by qualifier.
    if claim.qualifier == "at_least":
        # "above $X": the price was at or above X at some point in the window.
        deviation = max(0.0, (lo_claim - high) / high)
        expected = high
        how = f"the highest {name} price {span_words} was {fmt_money(high)}"
    elif claim.qualifier == "at_most":
        deviation = min(0.0, (hi_claim - low) / low)
        expected = low
        how = f"the lowest {name} price {span_words} was {fmt_money(low)}"
    else:
        if hi_claim < low:
            deviation, expected = (hi_claim - low) / low, low
        elif lo_claim > high:
            deviation, expected = (lo_claim - high) / high, high
        else:
            deviation, expected = 0.0, min(max(claim.value, low), high)
        how = f"{name} traded between {fmt_money(low)} and {fmt_money(high)} {span_words}"
    evidence = candle_evidence(rng)
    evidence.update(
        {"key": "market_price", "window_start": start.isoformat(), "window_end": end.isoformat()}
    )
    if label != "current":
        evidence["time_reference"] = label
        evidence["time_words"] = words
    stated = fmt_claim_value(claim)
    if abs(deviation) <= tol:
        reason = f"{how}, which agrees with the stated {stated}"
        if abs(deviation) > 0:
            reason += f" within the {tol_pct:g}% tolerance"
        return make_check(
            claim, "market_price", "consistent", reason, as_of=published_at,
            expected=expected, deviation=deviation, tolerance=tol, evidence=evidence,
        )
    if label == "past" and stated_window is None:
        return make_check(
            claim, "market_price", "unverifiable",
            f"the claim dates the price before publication ({words!r}) and {how}, "
            "so the market at publication cannot confirm or refute it",
            as_of=published_at, expected=expected, deviation=deviation, tolerance=tol,
            evidence=evidence,
        )
    side = "above" if deviation > 0 else "below"
    reason = f"the stated {stated} is {abs(deviation) * 100:.1f}% {side} what the market shows: {how}"
    return make_check(
        claim, "market_price", "inconsistent", reason, as_of=published_at,
        severity=severity_of(deviation, tol), expected=expected, deviation=deviation,
        tolerance=tol, evidence=evidence,
    )


def _claimed_sign(claim: Claim) -> int:
    if claim.direction == "up":
        return 1
    if claim.direction == "down":
        return -1
    return (claim.value > 0) - (claim.value < 0)


def check_market_change(
    claim: Claim, *, published_at: datetime | None, market: MarketData | None, settings: Settings
) -> Check:
    """Check one ``price_change`` claim against the change over its window ending at publication."""
    cs = settings.check
    name = asset_name(claim.asset)
    if claim.unit not in ("percent", "USD"):
        return make_check(
            claim, "market_change", "unverifiable",
            f"the change is given in {claim.unit}, and market data is kept in USD only",
            as_of=published_at,
        )
    if published_at is None:
        return make_check(
            claim, "market_change", "unverifiable",
            "the article has no publication time to compute the market change at",
            as_of=None,
        )
    window = parse_window(claim.window)
    assumed = window is None
    if window is None:
        window = DEFAULT_CHANGE_WINDOW
    wwords = window_words(window)
    gap = market_gap(market, claim.asset)
    if gap is not None or market is None or claim.asset is None:
        return make_check(
            claim, "market_change", "unverifiable", f"{gap}, so the change cannot be checked",
            as_of=published_at,
        )
    change = market.change_over(claim.asset, published_at, window)
    if change is None:
        return make_check(
            claim, "market_change", "unverifiable",
            f"{coverage_gap(market, claim.asset, published_at - window, published_at, at=published_at)}: no {name} "
            f"prices over the {wwords} window before publication, so the change cannot be checked",
            as_of=published_at,
        )
    note = (
        f" (the claim states no window, so it was checked as a {wwords} change)" if assumed else ""
    )
    evidence = candle_evidence(change)
    evidence.update({"key": "market_change", "window": claim.window or "PT24H", "window_assumed": assumed})
    start_price = float(change.start_price)
    if claim.unit == "percent":
        market_value = float(change.change_pct)
        unit_fmt: Callable[[float], str] = fmt_pct
        # points
        lo = claim.value if claim.value_max is None else min(claim.value, claim.value_max)
        hi = claim.value if claim.value_max is None else max(claim.value, claim.value_max)
        scale = 1.0
    else:
        market_value = float(change.change)
        unit_fmt = fmt_money
        lo = claim.value if claim.value_max is None else min(claim.value, claim.value_max)
        hi = claim.value if claim.value_max is None else max(claim.value, claim.value_max)
        scale = 100.0 / start_price  # USD -> percent points of the starting price
    if claim.direction == "down" and lo > 0:
        lo, hi = -hi, -lo
    tol_points = cs.change_tolerance_points + cs.change_tolerance_relative * abs(market_value * scale)
    market_sign = (market_value > 0) - (market_value < 0)
    sign = _claimed_sign(claim)
    pct_market = market_value * scale
    stated = fmt_claim_value(claim)
    how = f"{name} moved {unit_fmt(market_value)} over the {wwords} window before publication"
    tolerance = tol_points if claim.unit == "percent" else tol_points / 100
    if sign != 0 and market_sign != 0 and sign != market_sign and abs(pct_market) > cs.change_flat_points:
        dev_points = (lo - market_value) * scale if sign > 0 else (hi - market_value) * scale
        deviation = dev_points if claim.unit == "percent" else dev_points / 100
        return make_check(
            claim, "market_change", "inconsistent",
            f"the claim says {name} went {'up' if sign > 0 else 'down'} ({stated}) but {how}{note}",
            as_of=published_at, severity="major", expected=market_value,
            deviation=deviation, tolerance=tolerance, evidence=evidence,
        )
    # size: distance from the market change to the claimed value or range, in points.
    if claim.qualifier == "at_least" and sign != 0:
        # "over 4%": at least that large in the claimed direction
        if sign < 0:
            dev_points = min(0.0, (hi - market_value) * scale)
        else:
            dev_points = max(0.0, (lo - market_value) * scale)
    elif claim.qualifier == "at_most" and sign != 0:
        # "as much as 3%": at most that large
        if sign < 0:
            dev_points = max(0.0, (lo - market_value) * scale)
        else:
            dev_points = min(0.0, (hi - market_value) * scale)
    else:
        if market_value < lo:
            dev_points = (lo - market_value) * scale
        elif market_value > hi:
            dev_points = (hi - market_value) * scale
        else:
            dev_points = 0.0
    if claim.qualifier == "approx":
        tol_points *= 1.5
        tolerance = tol_points if claim.unit == "percent" else tol_points / 100
    deviation = dev_points if claim.unit == "percent" else dev_points / 100
    if abs(dev_points) <= tol_points:
        if sign != 0 and market_sign != 0 and sign != market_sign:
            # opposite directions, but the market barely moved: say so, not "agrees"
            agreement = (
                f"a move under {cs.change_flat_points:g} points, too small to contradict the "
                f"direction of the stated {stated}, and within {tol_points:.2f} points of it"
            )
        else:
            agreement = f"which agrees with the stated {stated}"
            if dev_points:
                agreement += f" within the {tol_points:.2f}-point tolerance" if claim.unit == "percent" else " within the tolerance"
        return make_check(
            claim, "market_change", "consistent",
            f"{how}, {agreement}{note}",
            as_of=published_at, expected=market_value, deviation=deviation,
            tolerance=tolerance, evidence=evidence,
        )
    off = f"{abs(dev_points):.2f} points" if claim.unit == "percent" else fmt_money(abs(dev_points) / scale)
    return make_check(
        claim, "market_change", "inconsistent",
        f"the stated {stated} is off by {off}: {how}{note}",
        as_of=published_at, severity=severity_of(dev_points, tol_points), expected=market_value,
        deviation=deviation, tolerance=tolerance, evidence=evidence,
    )


def _check_extreme(
    claim: Claim, past: PastWindow, published_at: datetime, market: MarketData | None, settings: Settings
) -> Check:
    """A price the article calls the highest (or lowest) of a span: an all-time high, "the May
    high", "a low of $98,974 on June 22", against that span's highest (lowest) candle."""
    cs = settings.check
    name = asset_name(claim.asset)
    which = past.extreme or "high"
    start = past.start
    if start is None and market is not None and claim.asset is not None:
        cov = market.coverage(claim.asset)
        start = cov[0] if cov is not None else None
    gap = market_gap(market, claim.asset) if start is not None else f"no market data for {claim.asset}"
    if gap is not None or market is None or claim.asset is None or start is None:
        return make_check(
            claim, "market_price", "unverifiable", f"{gap}, so the {past.words} cannot be checked",
            as_of=published_at,
        )
    if past.end <= start:
        return make_check(
            claim, "market_price", "unverifiable",
            f"the span the claim names ({past.words!r}) lies after publication, so the {past.words} cannot be checked",
            as_of=published_at,
        )
    rng = market.price_range(claim.asset, start, past.end)
    if rng is None:
        return make_check(
            claim, "market_price", "unverifiable",
            f"{coverage_gap(market, claim.asset, start, past.end)}: no {name} candles over the "
            f"span the claim names ({past.words!r})",
            as_of=published_at,
        )
    tol_pct = cs.price_tolerance_approx_pct if claim.qualifier == "approx" else cs.price_tolerance_pct
    tol = tol_pct / 100
    ref = float(rng.high) if which == "high" else float(rng.low)
    if claim.qualifier == "at_least":
        deviation = max(0.0, (claim.value - ref) / ref)
    elif claim.qualifier == "at_most":
        deviation = min(0.0, (claim.value - ref) / ref)
    else:
        deviation = (claim.value - ref) / ref
    evidence = candle_evidence(rng)
    evidence.update(
        {"key": "market_price", "time_reference": f"{which}_of_span", "time_words": past.words,
         "window_start": start.isoformat(), "window_end": past.end.isoformat()}
    )
    span = "up to publication" if past.start is None else f"over {past.words!r} ({start:%Y-%m-%d} to {past.end:%Y-%m-%d})"
    how = f"{name}'s {'highest' if which == 'high' else 'lowest'} price in the market data {span} was {fmt_money(ref)}"
    stated = fmt_claim_value(claim)
    if abs(deviation) <= tol:
        return make_check(
            claim, "market_price", "consistent",
            f"the article gives {stated} as that {which}; {how}, which agrees",
            as_of=published_at, expected=ref, deviation=deviation, tolerance=tol, evidence=evidence,
        )
    if past.start is None and deviation < 0 and _EARLIER_RECORD.search(claim.sentence or claim.text):
        # below the all-time high and called an earlier record ("the previous record")
        return make_check(
            claim, "market_price", "unverifiable",
            f"the article calls {stated} an earlier {past.words}, below the highest price so far "
            f"({fmt_money(ref)}), and does not date it",
            as_of=published_at, expected=ref, deviation=deviation, tolerance=tol, evidence=evidence,
        )
    return make_check(
        claim, "market_price", "inconsistent",
        f"the article gives {stated} as the {which} ({past.words!r}), but {how}",
        as_of=published_at, severity=severity_of(deviation, tol), expected=ref,
        deviation=deviation, tolerance=tol, evidence=evidence,
    )
