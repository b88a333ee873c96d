"""Running the classifier over a document and keeping one claim per fact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .classify import (
    RuleClassifier,
)
from .cues import (
    ANAPHOR,
    CONF_CARRY,
    LIST_LINE,
    MAX_CHANGE_SHARE,
    MERGE_REL_TOL,
    METRIC_TYPES,
    PRICE_PLAUSIBLE_FACTOR,
    RANGE_BOTTOM,
    RANGE_END_REACH,
    RANGE_TOP,
    RANGE_WORD,
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
        sent_drafts: list[Draft] = []
        for c in cands:
            d = classifier.classify(c, mentions, main, prev, prev_sent if c.index == 0 else None)
            if d.drafts:
                last = d
            if d.type is not None and not d.drafts and not d.excluded:
                prev = d
                continue
            sent_drafts.extend(d.drafts)
            if d.drafts or d.excluded:
                prev = d
        drafts.extend(_join_range_ends(sent_drafts, first.text))
        # A sentence ending in a colon opens a list of lines that continue its last claim.
        if prev is not None and prev.drafts and first.text[first.sent_start : first.sent_end].rstrip().endswith(":"):
            list_ctx = prev
        elif list_ctx is not None and not LIST_LINE.fullmatch(first.sentence.strip()):
            list_ctx = None
    return drafts


def _join_range_ends(drafts: list[Draft], text: str) -> list[Draft]:
    """A range stated by its two ends is one range claim.

    "a range is now forming ..., with the top range defined as $120,000, while the
    bottom sits at around $117,000": the two prices of one asset, one named as the
    top and the other as the bottom of a range in the same sentence, become one
    ``price`` claim with ``value_max``.
    """
    prices = [d for d in drafts if d.type == "price" and d.unit == "USD" and d.value_max is None]
    if len(prices) != 2 or prices[0].asset != prices[1].asset:
        return drafts
    a, b = prices
    if RANGE_WORD.search(text, a.sent_start, a.sent_end) is None:
        return drafts
    ends = [RANGE_TOP.search(text, max(a.sent_start, d.end - RANGE_END_REACH), d.end) is not None
            for d in prices]
    bottoms = [RANGE_BOTTOM.search(text, max(a.sent_start, d.end - RANGE_END_REACH), d.end) is not None
               for d in prices]
    if not ((ends[0] and bottoms[1] and not bottoms[0] and not ends[1])
            or (ends[1] and bottoms[0] and not bottoms[1] and not ends[0])):
        return drafts
    lo, hi = sorted((a.value, b.value))
    joined = replace(a, value=lo, value_max=hi, end=b.end, qualifier="exact")
    return [joined if d is a else d for d in drafts if d is not b]


def merge_drafts(drafts: list[Draft], title_chars: int = 0,
                 price_bands: Mapping[str, tuple[float, float]] | None = None) -> list[Draft]:
    """One claim per distinct fact: same kind and value (within tolerance) -> mentions += 1.

    The first mention's span is kept. Values are compared with the scorer's
    tolerance, so a title's "$102.9K" and the body's "$102,969" are one fact. A
    restatement without a window (a headline) and one with a window are one fact;
    the merged claim keeps the window. Prices far from the asset's other stated
    prices, and prices outside the asset's ``price_bands`` (ticker -> USD range from
    the lexicon), are dropped as misattributed (see :func:`_plausible`). A title
    rounds ("holds near $102.9K"), so a title figure merges with a body figure
    within ``TITLE_MERGE_REL_TOL``.
    """
    drafts = _plausible(drafts, price_bands)
    kept: list[Draft] = []
    round_kept: list[bool] = []  # _is_round of each kept draft, computed once
    for d in sorted(drafts, key=lambda x: (x.start, x.end)):
        d_round = _is_round(d.value)
        for k, k_round in zip(kept, round_kept, strict=True):
            rounded = k_round != d_round
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
            round_kept.append(d_round)
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


#: draft types whose USD value is a price of the asset.
_PRICE_LIKE = frozenset({"price", "support", "resistance"})


def _plausible(drafts: list[Draft],
               bands: Mapping[str, tuple[float, float]] | None = None) -> list[Draft]:
    """Drop (or re-attribute) prices that cannot be the asset's.

    Two scales say what a price of an asset can be: the asset's price band from the
    lexicon (``bands``: a ``$1.15`` "BTC price" is another coin's, a fee or a stock),
    and the asset's other prices stated in the same article (within
    ``PRICE_PLAUSIBLE_FACTOR``). A guessed asset (``alt_assets`` set) that fits
    neither gives way to the nearest alternative that fits; otherwise the draft is
    dropped. A USD price change larger than ``MAX_CHANGE_SHARE`` of the asset's price
    is a level, not a change, and is dropped too.
    """
    bands = bands or {}
    prices: dict[str | None, list[float]] = {}
    for d in drafts:
        if (d.type == "price" and d.unit == "USD" and d.confidence >= CONF_CARRY
                and _in_band(bands.get(d.asset or ""), d.value) is not False):
            prices.setdefault(d.asset, []).append(d.value)
    med = {a: sorted(v)[len(v) // 2] for a, v in prices.items()}

    def fits(asset: str | None, value: float) -> bool | None:
        in_band = _in_band(bands.get(asset or ""), value)
        if in_band is False:
            return False
        m = med.get(asset)
        if m is None or m <= 0:
            return in_band
        return m / PRICE_PLAUSIBLE_FACTOR <= abs(value) <= m * PRICE_PLAUSIBLE_FACTOR

    out = []
    for d in drafts:
        if d.unit != "USD":
            out.append(d)
            continue
        if d.type == "price_change":
            scale = med.get(d.asset)
            band = bands.get(d.asset or "")
            if scale is None and band is not None:
                scale = band[1]
            if scale is not None and abs(d.value) > MAX_CHANGE_SHARE * scale:
                continue
            out.append(d)
            continue
        if d.type not in _PRICE_LIKE:
            out.append(d)
            continue
        ok = fits(d.asset, d.value)
        if ok is not True and d.alt_assets:
            # a guessed asset whose price scale does not fit: the nearest one that
            # does, else the nearest one whose scale is unknown
            # (a band alone is weak evidence: it moves an asset that does not fit,
            # not one whose scale is unknown)
            scored = [(fits(a, d.value), a) for a in d.alt_assets]
            if ok is None:
                pick = next((a for f, a in scored if f and a in med), None)
            else:
                pick = next((a for f, a in scored if f), None)
                if pick is None:
                    pick = next((a for f, a in scored if f is None), None)
            if pick is not None:
                d.asset = pick
                ok = fits(pick, d.value)
        if ok is False or d.asset is None:
            continue  # not this asset's price; or a price of nothing named ("$510,000 to settle")
        out.append(d)
    return out


def _in_band(band: tuple[float, float] | None, value: float) -> bool | None:
    """Whether ``value`` lies in ``band`` (``None`` when there is no band)."""
    if band is None:
        return None
    return band[0] <= abs(value) <= band[1]


def _close(a: float, b: float, unit: str, tol: float = MERGE_REL_TOL) -> bool:
    if unit == "percent":
        return abs(a - b) <= 0.01
    return abs(a - b) <= tol * max(abs(a), abs(b))


def _close_opt(a: float | None, b: float | None, unit: str, tol: float = MERGE_REL_TOL) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return _close(a, b, unit, tol)
