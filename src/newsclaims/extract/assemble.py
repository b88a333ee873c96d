"""Running the classifier over a document and keeping one claim per fact."""

from __future__ import annotations

from dataclasses import replace

from .classify import (
    RuleClassifier,
)
from .cues import (
    ANAPHOR,
    CONF_CARRY,
    LIST_LINE,
    MERGE_REL_TOL,
    METRIC_TYPES,
    PRICE_PLAUSIBLE_FACTOR,
    TITLE_MERGE_REL_TOL,
)
from .drafts import (
    Candidate,
    Decision,
    Draft,
    Mention,
)

# --------------------------------------------------------------------------- assembly


def classify_sentences(
    classifier: RuleClassifier,
    groups: list[list[Candidate]],
    mentions: list[Mention],
    main: str | None,
) -> list[Draft]:
    """Run the classifier over every sentence, carrying context along each."""
    drafts: list[Draft] = []
    last: Decision | None = None
    list_ctx: Decision | None = None
    for cands in groups:
        prev: Decision | None = None
        first = cands[0]
        if list_ctx is not None and LIST_LINE.fullmatch(first.sentence.strip()):
            prev = replace(list_ctx, list_head=True)
        elif last is not None and last.type in METRIC_TYPES and ANAPHOR.search(
            cands[0].text[cands[0].sent_start : cands[0].q.start]
        ):
            # "Over the past week, this total reached $2.16 billion."
            prev = Decision(type=last.type, assets=last.assets, side=last.side,
                            drafts=[replace(last.drafts[0], window=None)], anaphor=True)
        # The previous sentence's metric, for a list that goes on in a new sentence
        # ("Bitcoin futures saw $153 million liquidated. ... It was followed by
        # Ethereum (ETH) at $122 million").
        prev_sent = last if (last is not None and last.type in METRIC_TYPES and last.drafts
                             and first.sent_start - last.drafts[0].sent_end < 250) else None
        for c in cands:
            d = classifier.classify(c, mentions, main, prev, prev_sent if c.index == 0 else None)
            if d.drafts:
                last = d
            if d.type is not None and not d.drafts and not d.excluded:
                prev = d
                continue
            drafts.extend(d.drafts)
            if d.drafts or d.excluded:
                prev = d
        # A sentence ending in a colon opens a list of lines that continue its last claim.
        if prev is not None and prev.drafts and first.text[first.sent_start : first.sent_end].rstrip().endswith(":"):
            list_ctx = prev
        elif list_ctx is not None and not LIST_LINE.fullmatch(first.sentence.strip()):
            list_ctx = None
    return drafts


def merge_drafts(drafts: list[Draft], title_chars: int = 0) -> list[Draft]:
    """One claim per distinct fact: same kind and value (within tolerance) -> mentions += 1.

    The first mention's span is kept. Values are compared with the scorer's
    tolerance, so a title's "$102.9K" and the body's "$102,969" are one fact. A
    restatement without a window (a headline) and one with a window are one fact;
    the merged claim keeps the window. Prices far from the asset's other stated
    prices are dropped as misattributed (see ``PRICE_PLAUSIBLE_FACTOR``). A title
    rounds ("holds near $102.9K"), so a title figure merges with a body figure
    within ``TITLE_MERGE_REL_TOL``.
    """
    drafts = _plausible(drafts)
    kept: list[Draft] = []
    for d in sorted(drafts, key=lambda x: (x.start, x.end)):
        for k in kept:
            rounded = _is_round(k.value) != _is_round(d.value)
            tol = TITLE_MERGE_REL_TOL if min(k.start, d.start) < title_chars or rounded else MERGE_REL_TOL
            if _same_fact(k, d, tol):
                k.mentions += 1
                if k.window is None:
                    k.window = d.window
                if k.side is None:
                    k.side = d.side
                if k.qualifier == "exact" and d.qualifier != "exact":
                    k.qualifier = d.qualifier
                break
        else:
            kept.append(d)
    return kept


def _is_round(v: float) -> bool:
    """At most three significant digits ("$113K", "$2.8K"): a rounded restatement."""
    if v == 0:
        return True
    digits = f"{abs(v):.6g}".replace(".", "").lstrip("0").rstrip("0")
    return len(digits) <= 3 and "e" not in digits


def _same_fact(a: Draft, b: Draft, tol: float = MERGE_REL_TOL) -> bool:
    """Whether two drafts state one fact (a restatement, possibly less specific)."""
    if (a.type, a.asset, a.unit, a.direction) != (b.type, b.asset, b.unit, b.direction):
        return False
    if not (a.window == b.window or a.window is None or b.window is None):
        return False
    if not (a.side == b.side or a.side is None or b.side is None):
        return False
    if not (_close(a.value, b.value, a.unit, tol) and _close_opt(a.value_max, b.value_max, a.unit, tol)):
        return False
    # "Dips Below $104K" and "$103,556" are two facts; "$102.9K" and "$102,969" one.
    return a.qualifier == b.qualifier or "approx" in (a.qualifier, b.qualifier) or a.value == b.value


def _plausible(drafts: list[Draft]) -> list[Draft]:
    prices: dict[str | None, list[float]] = {}
    for d in drafts:
        if d.type == "price" and d.unit == "USD" and d.confidence >= CONF_CARRY:
            prices.setdefault(d.asset, []).append(d.value)
    if not prices:
        return drafts
    med = {a: sorted(v)[len(v) // 2] for a, v in prices.items()}

    def fits(asset: str | None, value: float) -> bool | None:
        m = med.get(asset)
        if m is None or m <= 0:
            return None
        return m / PRICE_PLAUSIBLE_FACTOR <= abs(value) <= m * PRICE_PLAUSIBLE_FACTOR

    out = []
    for d in drafts:
        if d.alt_assets and d.unit == "USD" and d.type in ("price", "support", "resistance") and not fits(d.asset, d.value):
            # a guessed asset whose price scale does not fit: the nearest one that
            # does, else the nearest one whose scale the article does not show
            scored = [(fits(a, d.value), a) for a in d.alt_assets]
            pick = next((a for ok, a in scored if ok), None) or next((a for ok, a in scored if ok is None), None)
            if pick is not None:
                d.asset = pick
        m = med.get(d.asset)
        if (m is not None and m > 0 and d.unit == "USD" and d.type in ("price", "support", "resistance")
                and not (m / PRICE_PLAUSIBLE_FACTOR <= abs(d.value) <= m * PRICE_PLAUSIBLE_FACTOR)):
            continue
        out.append(d)
    return out


def _close(a: float, b: float, unit: str, tol: float = MERGE_REL_TOL) -> bool:
    if unit == "percent":
        return abs(a - b) <= 0.01
    return abs(a - b) <= tol * max(abs(a), abs(b))


def _close_opt(a: float | None, b: float | None, unit: str, tol: float = MERGE_REL_TOL) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return _close(a, b, unit, tol)
