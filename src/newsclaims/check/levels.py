"""``level_vs_price``: a support must lie below the current price, a resistance above it.

The current price is the market's at publication (estimated inside the candle
holding the publication time; a level is only on the wrong side when it is beyond
everything that candle traded at, plus ``level_tolerance_pct``) when market data covers it, else the article's own current
``price`` claim for that asset (the first one that is not dated earlier). A level
the price has already crossed is not support (or resistance) any more: the seeds
name $75,000 as support while putting Bitcoin at $67,460, which is flagged as
``inconsistent`` and ``major`` (checks.md: a level on the wrong side of the price is
major whatever the distance).

A level the sentence itself describes as already broken ("dropped below the
support at $102,800", "broke through resistance at $105K", "lost the $110K
support", "has flipped from support to resistance") is not an error of the
article: when the price is on the broken side, or at the level within the
tolerance, the verdict is ``consistent`` (the article says so and the price agrees);
when the price is clearly back on the usual side the verdict is ``unverifiable`` (the description and the price disagree, which is a
matter for the article's price claims, checked by ``market_price``).

Ranges (``value_max``) count as one zone: a support zone holds while its lower end
is below the price, a resistance zone while its upper end is above it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..models import Check, Claim
from ..settings import Settings
from .base import (
    asset_name,
    candle_evidence,
    coverage_gap,
    fmt_claim_value,
    fmt_money,
    make_check,
    market_gap,
    time_reference,
)

if TYPE_CHECKING:
    from ..market.data import MarketData

#: how far around the level the "already broken" words may sit (characters): the cue
#: must be in the level's own phrase, not anywhere in a long sentence.
BROKEN_CUE_REACH = 60

#: past-tense crossing words: "dropped below", "broke through", "lost the", "flipped".
_BROKEN = re.compile(
    # verbs that say the level was crossed on their own ("broke", "lost", "took out", "flipped")
    r"\b(broke|broken|breached|pierced|lost|cracked|reclaimed|cleared|flipped|smashed|sliced|"
    r"punched|overcame|surpassed|blew|took out|taking out|takes out|no longer|"
    r"breakout|breakdown|broke out|broke down|turned into|now acts? as|now acting as|acting as|"
    r"turned|flips?|converted|reclaiming|reclaims|lost its|losing|clear|clears)\b"
    # and moves that cross it with a preposition ("dropped below", "climbed above")
    r"|\b(dropped|drops|fell|fallen|falls|slipped|slips|slid|sank|sunk|plunged|tumbled|dipped|"
    r"crashed|surged|climbed|climb|rose|risen|jumped|rallied|pushed|moved|spiked|soared|"
    r"recover|recovered|recovers|increase|decline)\s+"
    r"(?:\w+\s+){0,2}?(below|under|beneath|through|above|past|over)\b",
    re.IGNORECASE,
)
#: words that make a crossing hypothetical rather than done ("a break below would", "if").
_HYPOTHETICAL = re.compile(
    r"\b([Ii]f|would|could|might|may|should|[Uu]nless|whether|fail(s|ed)? to|to hold|needs? to)\b"
)
#: how far before the crossing words a hypothetical word still governs them (characters).
HYPOTHETICAL_REACH = 40


def _is_described_broken(claim: Claim) -> str | None:
    """The words that say the level was already crossed, or None."""
    sentence = claim.sentence or ""
    at = sentence.find(claim.text) if claim.text else -1
    if at < 0:
        local = claim.text
    else:
        local = sentence[max(0, at - BROKEN_CUE_REACH) : at + len(claim.text) + 10]
    m = _BROKEN.search(local)
    if m is None:
        return None
    if claim.text and _BROKEN.search(claim.text) is None and at >= 0:
        # the cue lies before the level: hypothetical words between them cancel it
        between = sentence[max(0, at - BROKEN_CUE_REACH) : at]
        if _HYPOTHETICAL.search(between) and not re.search(r"\b(has|have|had)\b", between):
            return None
    elif _HYPOTHETICAL.search(local[max(0, m.start() - HYPOTHETICAL_REACH) : m.start()]):
        return None
    return m.group(0)


def own_price(claims: Sequence[Claim], asset: str) -> Claim | None:
    """The article's own current price for ``asset``: the first undated exact/approx USD price."""
    for c in sorted(claims, key=lambda c: c.start):
        if (
            c.type == "price"
            and c.asset == asset
            and c.unit == "USD"
            and c.window is None
            and c.value_max is None
            and c.qualifier in ("exact", "approx")
            and time_reference(c)[0] != "past"
        ):
            return c
    return None


def check_level(
    claim: Claim,
    article_claims: Sequence[Claim],
    *,
    published_at: datetime | None,
    market: MarketData | None,
    settings: Settings,
) -> Check:
    """Check one ``support`` or ``resistance`` claim against the current price."""
    kind = claim.type  # "support" | "resistance"
    name = asset_name(claim.asset)
    tol = settings.check.level_tolerance_pct / 100
    if claim.unit != "USD" or claim.asset is None:
        return make_check(
            claim, "level_vs_price", "unverifiable",
            "the level names no asset priced in USD to compare it with",
            as_of=published_at,
        )
    if claim.when:
        return make_check(
            claim, "level_vs_price", "unverifiable",
            f"the article names the {kind} at {fmt_claim_value(claim)} for a past time ({claim.when}), "
            "not as a level of the current price",
            as_of=published_at, evidence={"key": "level_vs_price", "when": claim.when},
        )
    price: float | None = None
    price_low = price_high = math.nan
    evidence: dict[str, Any] = {"key": "level_vs_price"}
    whose = ""
    gap: str | None = "the article has no publication time"
    if published_at is not None:
        gap = market_gap(market, claim.asset)
        if gap is None and market is not None:
            point = market.price_at(claim.asset, published_at)
            if point is not None:
                price = float(point.price)
                # the price at publication is only known to the candle holding it
                price_low, price_high = float(point.low), float(point.high)
                evidence.update(candle_evidence(point))
                evidence["price_from"] = "market"
                whose = f"{name}'s market price at publication, {fmt_money(price)}"
            else:
                gap = coverage_gap(market, claim.asset, published_at, published_at)
    if price is None:
        own = own_price(article_claims, claim.asset)
        if own is None:
            return make_check(
                claim, "level_vs_price", "unverifiable",
                f"{gap} and the article gives no current {name} price, so the {kind} "
                "cannot be placed against the price",
                as_of=published_at, evidence={"key": "level_vs_price", "market_gap": gap},
            )
        price = price_low = price_high = own.value
        evidence.update(
            {
                "price_from": "article",
                "claim_id": own.id,
                "article_id": own.article_id,
                "text": own.text,
                "value": own.value,
                "market_gap": gap,
            }
        )
        whose = f"the price the article itself gives, {fmt_money(price)}"
    lo = claim.value if claim.value_max is None else min(claim.value, claim.value_max)
    hi = claim.value if claim.value_max is None else max(claim.value, claim.value_max)
    if kind == "support":
        # how far the (lowest part of the) support sits above the price; wrong only when
        # it is above everything the candle at publication traded at
        deviation = (lo - price) / price
        wrong = (lo - price_high) / price_high > tol
        clearly_usual = (lo - price_low) / price_low < -tol
        side_words = "above"
        lesson = "a level the price is already below is not support"
    else:
        deviation = (hi - price) / price
        wrong = (hi - price_low) / price_low < -tol
        clearly_usual = (hi - price_high) / price_high > tol
        side_words = "below"
        lesson = "a level the price is already above is not resistance"
    stated = fmt_claim_value(claim)
    label = f"{kind} zone" if claim.value_max is not None else kind
    # the status the extractor read (spec/claims.md), else the crossing words in the sentence
    broken = claim.status if claim.status in ("broken", "flipped") else _is_described_broken(claim)
    if broken:
        evidence["described_broken"] = broken
        if claim.status is not None:
            evidence["status"] = claim.status
        if not clearly_usual:
            where = side_words if wrong else "at"
            return make_check(
                claim, "level_vs_price", "consistent",
                f"the article describes the {label} at {stated} as already crossed "
                f"({broken!r}), and it is {where} {whose}",
                as_of=published_at, expected=price, deviation=deviation, tolerance=tol,
                evidence=evidence,
            )
        return make_check(
            claim, "level_vs_price", "unverifiable",
            f"the article describes the {label} at {stated} as already crossed ({broken!r}), "
            f"but {whose} is back on its usual side; the article's price claims are checked on their own",
            as_of=published_at, expected=price, deviation=deviation, tolerance=tol,
            evidence=evidence,
        )
    if wrong:
        evidence["finding"] = "wrong_side"
        return make_check(
            claim, "level_vs_price", "inconsistent",
            f"{label} at {stated} is {side_words} {whose}: {lesson}",
            as_of=published_at, severity="major", expected=price, deviation=deviation,
            tolerance=tol, evidence=evidence, finding="wrong_side",
        )
    usual = "below" if kind == "support" else "above"
    if (kind == "support" and deviation <= 0) or (kind == "resistance" and deviation >= 0):
        reason = f"{label} at {stated} lies {usual} {whose}, as a {kind} should"
    elif abs(deviation) <= tol:
        reason = (
            f"{label} at {stated} lies at {whose} (within {tol * 100:g}%), "
            f"where a {kind} being tested sits"
        )
    else:
        # beyond the tolerance from the price, yet inside what the market traded at
        # publication: not clearly on the wrong side
        reach = f"{name} traded up to {fmt_money(price_high)}" if kind == "support" else f"{name} traded down to {fmt_money(price_low)}"
        reason = (
            f"{label} at {stated} is {abs(deviation) * 100:.1f}% {side_words} {whose}, but {reach} "
            "around publication, so it is not clearly on the wrong side"
        )
    return make_check(
        claim, "level_vs_price", "consistent", reason,
        as_of=published_at, expected=price, deviation=deviation, tolerance=tol,
        evidence=evidence,
    )
