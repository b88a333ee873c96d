"""``check_claims``: every check that applies to one article's claims.

Each claim gets at least one row (checks.md): ``market_price`` for prices,
``market_change`` for price changes, ``level_vs_price`` for supports and
resistances, ``internal`` wherever another claim of the article states the same
fact or a total over a longer window; a claim nothing applies to gets an
``unverifiable`` row saying there is no data source for its type.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..models import Check, Claim
from ..settings import Settings
from .base import fmt_claim_value, make_check, to_utc, when_span
from .confidence import rate_flags
from .internal import check_internal
from .levels import check_level
from .market_checks import check_market_change, check_market_price

if TYPE_CHECKING:
    from ..market.data import MarketData

log = logging.getLogger(__name__)

#: the order rows of one claim are listed in.
CHECK_ORDER = {"market_price": 0, "market_change": 1, "level_vs_price": 2, "internal": 3, "cross_copy": 4}

_NO_SOURCE = {
    "liquidation": "liquidation totals",
    "open_interest": "open interest",
    "etf_flow": "ETF flows",
    "unrealized_pnl": "holders' profit and loss",
    "market_cap": "market capitalization",
    "volume": "trading volume",
    "dominance": "market dominance",
    "funding_rate": "funding rates",
}


def _dated_as_of(row: Check) -> Check:
    """A market check of a claim the text places in the past is as of the time it names
    (checks.md ``as_of``): the start of the span its ``when`` gives."""
    if row.check not in ("market_price", "market_change") or not row.claim.when or row.as_of is None:
        return row
    span = when_span(row.claim.when)
    if span is None or span.start >= row.as_of:
        return row
    return row.model_copy(update={"as_of": span.start})


def check_claims(
    claims: Sequence[Claim],
    *,
    published_at: datetime | None,
    market: MarketData | None,
    settings: Settings,
) -> list[Check]:
    """Check one article's claims against the market and against each other.

    Args:
        claims: the article's claims (as ``extract_claims`` returns them).
        published_at: the article's publication time; a naive time is read in
            ``settings.ingest.default_timezone``; None when unknown.
        market: market data (``newsclaims.market.open_market()``), or None for none.
        settings: tolerances come from ``settings.check``.

    Returns:
        At least one row per claim, ordered by the claim's position in the text.

    Example:
        >>> rows = check_claims(claims, published_at=t, market=open_market(), settings=load_settings())  # doctest: +SKIP
        >>> {r.verdict for r in rows} <= {"consistent", "inconsistent", "unverifiable"}  # doctest: +SKIP
        True
    """
    as_of = to_utc(published_at, settings)
    rows: list[Check] = []
    for claim in claims:
        if claim.type == "price":
            rows.append(check_market_price(claim, published_at=as_of, market=market, settings=settings))
        elif claim.type == "price_change":
            rows.append(check_market_change(claim, published_at=as_of, market=market, settings=settings))
        elif claim.type in ("support", "resistance"):
            rows.append(
                check_level(claim, claims, published_at=as_of, market=market, settings=settings)
            )
    rows.extend(check_internal(claims, published_at=as_of, settings=settings))
    covered = {r.claim.id for r in rows}
    for claim in claims:
        if claim.id in covered:
            continue
        what = _NO_SOURCE.get(claim.type, claim.type.replace("_", " "))
        others = sorted(
            {fmt_claim_value(c) for c in claims if c.type == claim.type and c.id != claim.id}
            - {fmt_claim_value(claim)}
        )
        if others:
            reason = (
                f"there is no market data on {what}, and the article's other {what} figures "
                f"({', '.join(others)}) are about another asset, window or side, so there is "
                "nothing to compare this one with"
            )
        else:
            reason = f"there is no market data on {what} and the article states no other figure to compare this one with"
        rows.append(
            make_check(
                claim, "internal", "unverifiable", reason,
                as_of=as_of, evidence={"key": "no_source", "type": claim.type},
            )
        )
    position = {c.id: i for i, c in enumerate(sorted(claims, key=lambda c: (c.start, c.end)))}
    rows.sort(key=lambda r: (position.get(r.claim.id, 0), CHECK_ORDER.get(r.check, 9)))
    rows = [_dated_as_of(r) for r in rows]
    rows = rate_flags(rows, settings)
    log.debug("checked %d claims: %d rows", len(claims), len(rows))
    return rows
