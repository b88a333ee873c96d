"""``internal``: claims of one article that cannot all be true.

Two kinds of contradiction are looked for:

- **different values for one fact**: two quotes of the current price of one asset
  ("trading at", "hovers at", "now at"; not levels, targets or ranges, which
  articles list by the dozen) further apart than ``internal_price_tolerance_pct``;
  two exact changes of one asset over the same stated window and in the same
  direction that differ beyond ``change_tolerance_points``. Changes in opposite
  directions are not compared: articles mix "down 5% in 24 hours" and "rebounded
  over 1%" (from the low) in one breath, and those are different periods. Totals
  (liquidations, ETF flows) are not compared value against value: on the dev
  articles every such pair the extractor produced was two different subjects
  ("ETH ETFs $109M, of which BlackRock $77M") or a past figure, not a contradiction.
- **aggregates out of order**: a total over a shorter window larger than the same
  total over a longer one (24-hour liquidations above the weekly figure, weekly above
  monthly). A shorter total restricted to one side (long liquidations) still cannot
  exceed the longer total over both sides, so it is compared with it too.

Every claim that was compared with another gets one ``internal`` row: consistent,
or inconsistent naming the other claims (their ids, article id, value and text).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..models import Check, Claim
from ..settings import Settings
from .base import (
    fmt_claim_value,
    fmt_value,
    is_current_quote,
    make_check,
    parse_window,
    severity_of,
)

#: totals that only grow with the window (a week holds its days); ETF flows are net and
#: can shrink, so they are not ordered.
CUMULATIVE_TYPES = frozenset({"liquidation", "volume"})
#: approximate figures ("roughly $26 billion") are rounded to about two digits, so their
#: tolerance is this many times the exact one.
APPROX_FACTOR = 4.0


def _bounds(claim: Claim, tol: float, *, points: bool) -> tuple[float, float]:
    """The interval of values the claim allows, widened by half the tolerance on each side."""
    lo = claim.value if claim.value_max is None else min(claim.value, claim.value_max)
    hi = claim.value if claim.value_max is None else max(claim.value, claim.value_max)
    t = tol * (APPROX_FACTOR if claim.qualifier == "approx" else 1.0) / 2
    if points:
        lo, hi = lo - t, hi + t
    else:
        lo, hi = lo - abs(lo) * t, hi + abs(hi) * t
    if claim.qualifier == "at_least":
        hi = math.inf if claim.value >= 0 else hi
        lo = lo if claim.value >= 0 else -math.inf
    elif claim.qualifier == "at_most":
        lo = 0.0 if claim.value >= 0 and not points else lo
        if points:
            lo = -math.inf if claim.value >= 0 else lo
            hi = hi if claim.value >= 0 else math.inf
    return lo, hi


def _other(c: Claim) -> dict[str, Any]:
    return {
        "claim_id": c.id,
        "article_id": c.article_id,
        "value": c.value,
        "value_max": c.value_max,
        "qualifier": c.qualifier,
        "window": c.window,
        "text": c.text,
    }


def _value_key(c: Claim) -> tuple[Any, ...] | None:
    """The fact a claim states, for comparing values; None when it is not compared."""
    if c.asset is None:
        return None
    if c.type == "price" and c.unit == "USD":
        if c.window is not None or not is_current_quote(c):
            return None
        return ("price", c.asset, c.window)
    if c.type == "price_change" and c.window is not None and c.qualifier == "exact" and c.value_max is None:
        sign = 1 if (c.direction == "up" or (c.direction is None and c.value > 0)) else -1
        return ("price_change", c.asset, c.window, c.unit, sign)
    return None


def check_internal(
    claims: Sequence[Claim], *, published_at: datetime | None, settings: Settings
) -> list[Check]:
    """The ``internal`` rows of one article's claims (only claims that had something to compare).

    Example:
        >>> from newsclaims.settings import load_settings
        >>> check_internal([], published_at=None, settings=load_settings())
        []
    """
    cs = settings.check
    compared: dict[str, list[Claim]] = defaultdict(list)
    conflicts: dict[str, list[tuple[Claim, str, float, float]]] = defaultdict(list)

    groups: dict[tuple[Any, ...], list[Claim]] = defaultdict(list)
    for c in claims:
        key = _value_key(c)
        if key is not None:
            groups[key].append(c)
    for key, members in groups.items():
        points = key[0] == "price_change" and key[3] == "percent"
        if key[0] == "price":
            tol = cs.internal_price_tolerance_pct / 100
        elif points:
            tol = cs.change_tolerance_points
        else:
            tol = cs.internal_value_tolerance_pct / 100
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if a.id == b.id:
                    continue
                compared[a.id].append(b)
                compared[b.id].append(a)
                a_lo, a_hi = _bounds(a, tol, points=points)
                b_lo, b_hi = _bounds(b, tol, points=points)
                if a_hi < b_lo or b_hi < a_lo:
                    for this, other in ((a, b), (b, a)):
                        dev = this.value - other.value
                        if not points:
                            dev = dev / abs(other.value) if other.value else math.inf
                        what = (
                            f"the article also gives {fmt_claim_value(other)} "
                            f"({other.text!r}) for the same {_fact(this)}"
                        )
                        conflicts[this.id].append((other, what, dev, tol))

    # aggregates out of order: shorter-window total above a longer-window total
    by_total: dict[tuple[Any, ...], list[Claim]] = defaultdict(list)
    for c in claims:
        if c.type in CUMULATIVE_TYPES and c.window is not None and c.asset is not None:
            by_total[(c.type, c.asset, c.unit, c.subject)].append(c)
    tol = cs.internal_value_tolerance_pct / 100
    for members in by_total.values():
        for short in members:
            for long in members:
                ws, wl = parse_window(short.window), parse_window(long.window)
                if ws is None or wl is None or not ws < wl:
                    continue
                if long.side is not None and long.side != short.side:
                    continue
                compared[short.id].append(long)
                compared[long.id].append(short)
                s_lo, _ = _bounds(short, tol, points=False)
                _, l_hi = _bounds(long, tol, points=False)
                if s_lo > l_hi:
                    ratio = short.value / long.value - 1 if long.value else math.inf
                    conflicts[short.id].append(
                        (long, f"the {_fact(short)} {fmt_claim_value(short)} exceeds the "
                         f"{_window(long)} figure {fmt_claim_value(long)} ({long.text!r}), "
                         "and a shorter window cannot hold more than a longer one", ratio, tol)
                    )
                    conflicts[long.id].append(
                        (short, f"the {_fact(long)} {fmt_claim_value(long)} is below the "
                         f"{_window(short)} figure {fmt_claim_value(short)} ({short.text!r}), "
                         "and a longer window cannot hold less than a shorter one", -ratio, tol)
                    )

    rows: list[Check] = []
    for c in claims:
        if c.id not in compared:
            continue
        found = conflicts.get(c.id)
        if found:
            worst = max(found, key=lambda f: abs(f[2]) / f[3] if f[3] else math.inf)
            other, what, dev, t = worst
            rows.append(
                make_check(
                    c, "internal", "inconsistent", what, as_of=published_at,
                    severity=severity_of(dev, t) if math.isfinite(dev) else "major",
                    expected=other.value, deviation=dev if math.isfinite(dev) else None,
                    tolerance=t,
                    evidence={"key": "internal", "article_id": c.article_id,
                              "others": [_other(o) for o, *_ in found]},
                )
            )
        else:
            others = _dedup(compared[c.id])
            rows.append(
                make_check(
                    c, "internal", "consistent",
                    f"the {_fact(c)} {fmt_claim_value(c)} agrees with the article's other "
                    + ", ".join(f"{fmt_value(o.value, o.unit)} ({_window(o)})" for o in others[:4])
                    + " figures",
                    as_of=published_at,
                    evidence={"key": "internal", "article_id": c.article_id,
                              "others": [_other(o) for o in others]},
                )
            )
    return rows


def _dedup(claims: list[Claim]) -> list[Claim]:
    seen: dict[str, Claim] = {}
    for c in claims:
        seen.setdefault(c.id, c)
    return list(seen.values())


def _window(c: Claim) -> str:
    return {"PT24H": "24-hour", "P1D": "24-hour", "P7D": "weekly", "P30D": "monthly"}.get(
        c.window or "", c.window or "undated"
    )


def _fact(c: Claim) -> str:
    side = f" {c.side}" if c.side else ""
    kind = {
        "price": "price",
        "price_change": "change",
        "liquidation": "liquidations",
        "etf_flow": "ETF flow",
        "volume": "volume",
    }.get(c.type, c.type.replace("_", " "))
    window = f"{_window(c)} " if c.window else ""
    return f"{window}{c.asset or ''}{side} {kind}".replace("  ", " ").strip()
