"""Quantities grouped by sentence into candidates (decision point 1: nothing decided yet)."""

from __future__ import annotations

from ..models import Quantity
from .cues import (
    MOVE_BEFORE,
    RANGE_TO,
)
from .drafts import (
    Candidate,
)

# --------------------------------------------------------------------------- candidates


def join_to_ranges(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """Join "$104,000 to $105,000" into one range, unless it is a move ("from $X to $Y").

    The quantity parser leaves "X to Y" alone on purpose (it cannot tell a range from
    a move); here the words before decide: "from", or a verb of motion, make it a move.
    """
    out: list[Quantity] = []
    i = 0
    n = len(quantities)
    while i < n:
        a = quantities[i]
        if i + 1 < n:
            b = quantities[i + 1]
            if (a.unit == b.unit == "USD" and a.value_max is None and b.value_max is None
                    and RANGE_TO.fullmatch(text, a.end, b.start)
                    and not MOVE_BEFORE.search(text, max(0, a.start - 40), a.start)
                    and 0.5 <= b.value / a.value <= 2.0 if a.value else False):
                lo, hi = sorted((a.value, b.value))
                out.append(Quantity(value=lo, value_max=hi, unit="USD", start=a.start, end=b.end,
                                    text=text[a.start : b.end], qualifier=a.qualifier))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def build_candidates(
    text: str, sentences: list[tuple[int, int]], quantities: list[Quantity]
) -> list[list[Candidate]]:
    """Group the quantities by sentence and give each its segment.

    Quantities with units that are never claims (plain numbers, basis points) are
    kept as segment boundaries but not returned as candidates.
    """
    quantities = join_to_ranges(text, quantities)
    out: list[list[Candidate]] = []
    qi = 0
    nq = len(quantities)
    for s, e in sentences:
        while qi < nq and quantities[qi].start < s:
            qi += 1
        group: list[Quantity] = []
        while qi < nq and quantities[qi].start < e:
            group.append(quantities[qi])
            qi += 1
        if not group:
            continue
        cands: list[Candidate] = []
        for i, q in enumerate(group):
            seg_start = group[i - 1].end if i > 0 else s
            seg_end = group[i + 1].start if i + 1 < len(group) else e
            cands.append(Candidate(q, s, e, seg_start, seg_end, i, text))
        out.append(cands)
    return out
