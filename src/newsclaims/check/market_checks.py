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
ending at publication. Direction first (a wrong direction is major, but a move
under ``change_flat_points`` on either side has no direction to contradict), then
size, with a tolerance of ``change_tolerance_points`` plus
``change_tolerance_relative`` of the market's change. Changes given in USD are
compared in USD; their deviation and tolerance are relative to the starting price.
A change with no window gets no size check against an assumed 24 hours: it is
consistent when one of ``change_usual_windows`` matches it, its direction is checked
when all of them agree, and it is unverifiable otherwise.

Time as the text means it: a claim with ``when`` (a date, month, year or interval)
is checked over the span it names, never as current. A price or change that the
market contradicts at publication is looked up in the hours before (:mod:`.stale`):
the flag's ``finding`` is ``stale`` (with ``stale_by`` in the evidence) or
``never_true``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..models import Check, Claim, Severity
from ..settings import Settings
from .base import (
    PastWindow,
    asset_name,
    candle_evidence,
    change_past_words,
    claim_extreme,
    coverage_gap,
    fmt_claim_value,
    fmt_money,
    fmt_pct,
    is_round_figure,
    make_check,
    market_gap,
    parse_window,
    past_window,
    severity_of,
    time_reference,
    when_span,
    window_words,
)
from .stale import StaleMatch, stale_change, stale_price

if TYPE_CHECKING:
    from ..market.data import MarketData, PriceChange

log = logging.getLogger(__name__)

#: words that make a record an earlier one, which the current high may have passed since.
_EARLIER_RECORD = re.compile(r"\b(previous|prior|former|earlier|old|last|then)\b", re.IGNORECASE)


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
    ref, words = time_reference(claim, published_at)
    label: str = ref
    stated_window = parse_window(claim.window)
    half = timedelta(hours=cs.price_window_hours)
    span = when_span(claim.when)
    if claim.when and span is None:
        return make_check(
            claim, "market_price", "unverifiable",
            f"the article states the price for a past time ({claim.when!r}) that names no span "
            "the market data can be looked up for",
            as_of=published_at, evidence={"key": "market_price", "when": claim.when},
        )
    if span is not None:
        # the time the text names, never the publication time (spec/claims.md ``when``)
        past_span = PastWindow(span.start, min(span.end, published_at), span.words, claim_extreme(claim))
        if past_span.extreme is not None:
            return _check_extreme(claim, past_span, published_at, market, settings)
        start, end = span.start, min(span.end, published_at)
        span_words = f"on {span.words}, the time the article gives for it"
        label = "dated"
    elif stated_window is not None:
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
    rounded = claim.qualifier == "exact" and claim.value_max is None and is_round_figure(claim.value)
    approx = claim.qualifier == "approx" or rounded
    tol_pct = cs.price_tolerance_approx_pct if approx else cs.price_tolerance_pct
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
    if claim.when:
        evidence["when"] = claim.when
    if rounded:
        evidence["round_figure"] = True
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
    finding = None
    if label in ("current", "recent") and stated_window is None:
        match = stale_price(
            market, claim.asset, low_claim=lo_claim, high_claim=hi_claim, qualifier=claim.qualifier,
            tolerance=tol, published_at=published_at, before=start, lookback_hours=cs.stale_lookback_hours,
        )
        finding, reason = _stale_words(match, reason, f"{name}'s price", cs.stale_lookback_hours, evidence)
    return make_check(
        claim, "market_price", "inconsistent", reason, as_of=published_at,
        severity=severity_of(deviation, tol), expected=expected, deviation=deviation,
        tolerance=tol, evidence=evidence, finding=finding,
    )


def _stale_words(
    match: StaleMatch | None, reason: str, what: str, lookback: float, evidence: dict[str, object]
) -> tuple[str, str]:
    """The finding of a figure the market contradicts at publication, and its reason."""
    if match is not None:
        evidence.update(match.evidence())
        return "stale", f"{reason}; the figure is stale: it {match.words(what)}"
    evidence["finding"] = "never_true"
    evidence["stale_lookback_hours"] = lookback
    if lookback <= 0:
        return "never_true", reason
    return "never_true", f"{reason}; nor did it match {what} at any time in the {lookback:g} hours before"


def _claimed_sign(claim: Claim) -> int:
    if claim.direction == "up":
        return 1
    if claim.direction == "down":
        return -1
    return (claim.value > 0) - (claim.value < 0)


@dataclass(frozen=True)
class _ChangeFit:
    """How a claimed change compares with one market change."""

    market_value: float  # in the claim's unit (percent points, or USD)
    scale: float  # claim unit -> percent points of the starting price
    wrong_direction: bool
    dev_points: float
    tol_points: float

    @property
    def agrees(self) -> bool:
        return not self.wrong_direction and abs(self.dev_points) <= self.tol_points


def _claim_bounds(claim: Claim) -> tuple[float, float]:
    lo = claim.value if claim.value_max is None else min(claim.value, claim.value_max)
    hi = claim.value if claim.value_max is None else max(claim.value, claim.value_max)
    if claim.direction == "down" and lo > 0:
        lo, hi = -hi, -lo
    return lo, hi


def _fit_change(claim: Claim, change_value: float, change_pct: float, start_price: float, settings: Settings) -> _ChangeFit:
    cs = settings.check
    if claim.unit == "percent":
        market_value, scale = change_pct, 1.0
    else:
        market_value, scale = change_value, 100.0 / start_price
    lo, hi = _claim_bounds(claim)
    tol_points = cs.change_tolerance_points + cs.change_tolerance_relative * abs(market_value * scale)
    market_sign = (market_value > 0) - (market_value < 0)
    sign = _claimed_sign(claim)
    pct_market = market_value * scale
    claimed_pct = max(abs(lo), abs(hi)) * scale
    # a direction is only contradicted when both moves are more than flat: "+0.3%" against a
    # -0.8% market is a size question, not a wrong direction
    if (
        sign != 0 and market_sign != 0 and sign != market_sign
        and abs(pct_market) > cs.change_flat_points and claimed_pct > cs.change_flat_points
    ):
        dev_points = (lo - market_value) * scale if sign > 0 else (hi - market_value) * scale
        return _ChangeFit(market_value, scale, True, dev_points, tol_points)
    if claim.qualifier == "at_least" and sign != 0:
        dev_points = min(0.0, (hi - market_value) * scale) if sign < 0 else max(0.0, (lo - market_value) * scale)
    elif claim.qualifier == "at_most" and sign != 0:
        dev_points = max(0.0, (lo - market_value) * scale) if sign < 0 else min(0.0, (hi - market_value) * scale)
    elif market_value < lo:
        dev_points = (lo - market_value) * scale
    elif market_value > hi:
        dev_points = (hi - market_value) * scale
    else:
        dev_points = 0.0
    if claim.qualifier == "approx":
        tol_points *= 1.5
    return _ChangeFit(market_value, scale, False, dev_points, tol_points)


def _agreement(claim: Claim, fit: _ChangeFit, stated: str, sign: int, flat_points: float) -> str:
    """The words for a change that agrees: opposite directions within the tolerance are
    said to be too small to contradict each other, not to agree."""
    market_sign = (fit.market_value > 0) - (fit.market_value < 0)
    if sign != 0 and market_sign != 0 and sign != market_sign:
        if abs(fit.market_value * fit.scale) <= flat_points:
            # opposite directions, but the market barely moved: say so, not "agrees"
            return (
                f"a move under {flat_points:g} points, too small to contradict the "
                f"direction of the stated {stated}, and within {fit.tol_points:.2f} points of it"
            )
        return (
            f"against a stated move under {flat_points:g} points ({stated}), too small for its "
            f"direction to be contradicted, and within {fit.tol_points:.2f} points of it"
        )
    agreement = f"which agrees with the stated {stated}"
    if fit.dev_points:
        agreement += f" within the {fit.tol_points:.2f}-point tolerance" if claim.unit == "percent" else " within the tolerance"
    return agreement


def _fit_of(claim: Claim, change: PriceChange, settings: Settings) -> _ChangeFit:
    return _fit_change(claim, float(change.change), float(change.change_pct), float(change.start_price), settings)


def check_market_change(
    claim: Claim, *, published_at: datetime | None, market: MarketData | None, settings: Settings
) -> Check:
    """Check one ``price_change`` claim against the change over its window ending at publication.

    A change the text places in the past (``when``) is checked over the span it names; a
    change with no window against the usual windows (``change_usual_windows``).
    """
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
    gap = market_gap(market, claim.asset)
    if gap is not None or market is None or claim.asset is None:
        return make_check(
            claim, "market_change", "unverifiable", f"{gap}, so the change cannot be checked",
            as_of=published_at,
        )
    window = parse_window(claim.window)
    end = published_at
    when_words = ""
    if claim.when:
        span = when_span(claim.when)
        if span is None:
            return make_check(
                claim, "market_change", "unverifiable",
                f"the article states the change for a past time ({claim.when!r}) that names no span "
                "the market data can be looked up for",
                as_of=published_at, evidence={"key": "market_change", "when": claim.when},
            )
        end = min(span.end, published_at)
        if window is None:
            window = span.end - span.start
        when_words = f" ending {end:%Y-%m-%d %H:%M} UTC ({span.words}, the time the article gives for it)"
        if end - window >= published_at or end <= span.start:
            return make_check(
                claim, "market_change", "unverifiable",
                f"the span the claim names ({span.words}) lies after publication, so the change cannot be checked",
                as_of=published_at, evidence={"key": "market_change", "when": claim.when},
            )
    elif (past_words := change_past_words(claim, published_at)) is not None:
        return make_check(
            claim, "market_change", "unverifiable",
            f"the text places the change in the past ({past_words!r}) without a date the market data "
            "can be looked up for, so it is not the change over a window ending at publication",
            as_of=published_at, evidence={"key": "market_change", "time_words": past_words},
        )
    if window is None:
        return _check_change_without_window(claim, published_at, market, settings)
    wwords = window_words(window)
    change = market.change_over(claim.asset, end, window)
    span_words = when_words or " before publication"
    if change is None:
        return make_check(
            claim, "market_change", "unverifiable",
            f"{coverage_gap(market, claim.asset, end - window, end, at=end)}: no {name} "
            f"prices over the {wwords} window{span_words}, so the change cannot be checked",
            as_of=published_at,
        )
    evidence = candle_evidence(change)
    evidence.update({"key": "market_change", "window": claim.window or claim.when, "window_assumed": False})
    if claim.when:
        evidence["when"] = claim.when
    fit = _fit_of(claim, change, settings)
    unit_fmt: Callable[[float], str] = fmt_pct if claim.unit == "percent" else fmt_money
    stated = fmt_claim_value(claim)
    how = f"{name} moved {unit_fmt(fit.market_value)} over the {wwords} window{span_words}"
    to_unit = 1.0 if claim.unit == "percent" else 0.01
    tolerance = fit.tol_points * to_unit
    deviation = fit.dev_points * to_unit
    sign = _claimed_sign(claim)
    if fit.agrees:
        return make_check(
            claim, "market_change", "consistent", f"{how}, {_agreement(claim, fit, stated, sign, cs.change_flat_points)}",
            as_of=published_at, expected=fit.market_value, deviation=deviation,
            tolerance=tolerance, evidence=evidence,
        )
    if fit.wrong_direction:
        reason = f"the claim says {name} went {'up' if sign > 0 else 'down'} ({stated}) but {how}"
        severity: Severity = "major"
    else:
        off = f"{abs(fit.dev_points):.2f} points" if claim.unit == "percent" else fmt_money(abs(fit.dev_points) / fit.scale)
        reason = f"the stated {stated} is off by {off}: {how}"
        severity = severity_of(fit.dev_points, fit.tol_points)
    finding: str | None = "wrong_direction" if fit.wrong_direction else None
    if fit.wrong_direction:
        evidence["wrong_direction"] = True
    if not claim.when:
        match = stale_change(
            market, claim.asset, window=window, published_at=published_at,
            lookback_hours=cs.stale_lookback_hours,
            matches=lambda ch, pct: _fit_change(claim, ch, pct, 100.0 * ch / pct if pct else 1.0, settings).agrees,
        )
        stale_finding, reason = _stale_words(match, reason, f"{name}'s {wwords} change", cs.stale_lookback_hours, evidence)
        if match is not None or finding is None:
            finding = stale_finding
        if finding == "wrong_direction":
            evidence["finding"] = "wrong_direction"
    return make_check(
        claim, "market_change", "inconsistent", reason,
        as_of=published_at, severity=severity, expected=fit.market_value,
        deviation=deviation, tolerance=tolerance, evidence=evidence, finding=finding,
    )


def _check_change_without_window(
    claim: Claim, published_at: datetime, market: MarketData, settings: Settings
) -> Check:
    """A change with no stated window: its size is checked only when it matches one of the usual
    windows, its direction only when all of them agree; else it is unverifiable."""
    assert claim.asset is not None
    cs = settings.check
    name = asset_name(claim.asset)
    stated = fmt_claim_value(claim)
    unit_fmt: Callable[[float], str] = fmt_pct if claim.unit == "percent" else fmt_money
    fits: list[tuple[str, timedelta, PriceChange, _ChangeFit]] = []
    for w in cs.change_usual_windows:
        td = parse_window(w)
        if td is None:
            continue
        ch = market.change_over(claim.asset, published_at, td)
        if ch is not None:
            fits.append((w, td, ch, _fit_of(claim, ch, settings)))
    if not fits:
        return make_check(
            claim, "market_change", "unverifiable",
            f"{coverage_gap(market, claim.asset, published_at - timedelta(days=1), published_at, at=published_at)}: no {name} "
            "prices before publication, so the change cannot be checked",
            as_of=published_at,
        )
    moves = ", ".join(f"{unit_fmt(f.market_value)} over {window_words(td)}" for _w, td, _c, f in fits)
    evidence: dict[str, object] = {
        "key": "market_change", "window": None, "window_assumed": True,
        "windows": {w: round(f.market_value, 6) for w, _td, _c, f in fits},
    }
    to_unit = 1.0 if claim.unit == "percent" else 0.01
    for w, td, ch, f in fits:
        if f.agrees:
            evidence.update(candle_evidence(ch))
            evidence["matched_window"] = w
            return make_check(
                claim, "market_change", "consistent",
                f"the claim states no window; {name} moved {unit_fmt(f.market_value)} over the "
                f"{window_words(td)} window before publication, which agrees with the stated {stated}",
                as_of=published_at, expected=f.market_value, deviation=f.dev_points * to_unit,
                tolerance=f.tol_points * to_unit, evidence=evidence,
            )
    if len(fits) == len(cs.change_usual_windows) and all(f.wrong_direction for *_x, f in fits):
        first = fits[0][3]
        sign = _claimed_sign(claim)
        return make_check(
            claim, "market_change", "inconsistent",
            f"the claim says {name} went {'up' if sign > 0 else 'down'} ({stated}) with no window, "
            f"but {name} moved the other way over every usual window ({moves})",
            as_of=published_at, severity="major", expected=first.market_value,
            deviation=first.dev_points * to_unit, tolerance=first.tol_points * to_unit,
            evidence={**evidence, "finding": "wrong_direction"}, finding="wrong_direction",
        )
    signs = {(f.market_value > 0) - (f.market_value < 0) for *_x, f in fits}
    if len(signs) == 1 and len(fits) == len(cs.change_usual_windows) and not any(f.wrong_direction for *_x, f in fits):
        return make_check(
            claim, "market_change", "consistent",
            f"the claim states no window, so only its direction is checked: {name} moved the same way "
            f"over every usual window ({moves}), as the stated {stated} says",
            as_of=published_at, evidence=evidence,
        )
    return make_check(
        claim, "market_change", "unverifiable",
        f"the claim states no window and the usual windows disagree ({moves}), so the stated "
        f"{stated} cannot be checked",
        as_of=published_at, evidence=evidence,
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
    later = (deviation < 0) if which == "high" else (deviation > 0)
    if later and rng.last_close_time > published_at:
        # the candle holding publication runs past it: its extreme may have come after the
        # article was written, so it cannot refute a smaller stated extreme
        earlier = (
            market.price_range(claim.asset, start, rng.last_open_time) if rng.last_open_time > start else None
        )
        before = None if earlier is None else (float(earlier.high) if which == "high" else float(earlier.low))
        if before is None or (
            (claim.value >= before * (1 - tol)) if which == "high" else (claim.value <= before * (1 + tol))
        ):
            evidence["extreme_after_publication_possible"] = True
            return make_check(
                claim, "market_price", "unverifiable",
                f"the article gives {stated} as the {which} ({past.words!r}); {how}, but that candle "
                f"({rng.interval}) ends after publication, so its {which} may have come later",
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
