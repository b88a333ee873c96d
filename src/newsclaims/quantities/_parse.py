"""The quantity parser proper: scan the text, read each number, build the Quantities."""

from __future__ import annotations

from ..models import Direction, Qualifier, Quantity
from ._atoms import (
    _Atom,
    _make_atom,
    _tail_end,
)
from ._lexicon import (
    _ARTICLES,
    _DETERMINERS,
    _POSTFIX_QUALIFIERS,
    _QUALIFIER_LAST_WORDS,
    _QUALIFIER_MAX_WORDS,
    _QUALIFIER_SYMBOLS,
    _QUALIFIERS,
    _SPACES,
)
from ._patterns import (
    _AND_GAP,
    _BETWEEN_BEFORE,
    _DIGIT_FIND,
    _DIGIT_RUN,
    _GA,
    _GB,
    _GW,
    _POSTFIX_RE,
    _SCAN,
    _URL,
    _WORD_FIND,
    _WORD_SCAN,
)

__all__ = ["parse_quantities"]


# How far back (characters) to look for a qualifier: the longest phrase ("greater than
# or equal to") plus an article and spaces.
QUALIFIER_WINDOW = 40

# " and " with a few extra spaces: the most that may separate "between X and Y".
AND_GAP_MAX = 9


def _qualifier(text: str, start: int, end: int) -> Qualifier:
    """The qualifier the words around a quantity give it (``exact`` when none)."""
    if text[end : end + 1] in _SPACES and text[end + 1 : end + 2] in ("o", "a", "O", "A"):
        post = _POSTFIX_RE.match(text, end)
        if post is not None:
            return _POSTFIX_QUALIFIERS[" ".join(post.group("q").lower().split())]
    if start == 0:
        return "exact"
    window = text[max(0, start - QUALIFIER_WINDOW) : start]
    if not window[-1].isspace():  # glued: "~$5", ">10", "sub-$100K", but not "<>30"
        if window.endswith(("sub-", "Sub-")):
            return "at_most"
        for sym in (window[-2:], window[-1]):
            qual = _QUALIFIERS.get(sym)
            if qual is not None and sym[0] in _QUALIFIER_SYMBOLS:
                before = window[-len(sym) - 1 : -len(sym)]
                return qual if not before or before not in "<>=" else "exact"
        return "exact"
    words = window.lower().split()
    if len(words) > 1 and words[-1] in _ARTICLES:
        words.pop()  # "over an 8% drop", "around the $2,400 level"
    if not words or words[-1] not in _QUALIFIER_LAST_WORDS:
        return "exact"
    for k in range(min(len(words), _QUALIFIER_MAX_WORDS), 0, -1):
        qual = _QUALIFIERS.get(" ".join(words[-k:]))
        if qual is not None:
            return qual
    return "exact"


def _direction(sign: int) -> Direction | None:
    return "down" if sign < 0 else "up" if sign > 0 else None


def _quantity(text: str, a: _Atom) -> Quantity | None:
    value = a.value()
    if value is None:
        return None
    return Quantity(
        value=value,
        unit=a.unit or "number",
        start=a.start,
        end=a.end,
        text=text[a.start : a.end],
        qualifier=_qualifier(text, a.start, a.end),
        direction=_direction(a.sign),
    )


def _range(text: str, a: _Atom, b: _Atom) -> Quantity | None:
    """Two atoms as one range, or None when they do not make one."""
    if a.unit and b.unit and a.unit != b.unit:
        return None
    if not a.has_mag and b.has_mag and a.raw() <= b.raw():
        a = a._replace(exp=a.exp + b.exp, mult=b.mult, has_mag=True)  # "$67-75K"
    elif a.unit is None and b.unit is not None and b.exp and not b.has_mag:
        a = a._replace(exp=b.exp)  # "50-60 cents"
    lo, hi = a.value(), b.value()
    if lo is None or hi is None:
        return None
    if hi < lo:
        lo, hi = hi, lo
    return Quantity(
        value=lo,
        value_max=hi,
        unit=a.unit or b.unit or "number",
        start=a.start,
        end=b.end,
        text=text[a.start : b.end],
        qualifier=_qualifier(text, a.start, b.end),
        direction=_direction(a.sign),
    )


# An item of the scan: one atom, or two that a dash joins (to become a range).
_Item = tuple[_Atom, _Atom | None]


def _scan_digits(text: str) -> list[_Item]:
    items: list[_Item] = []
    pos = 0
    lo = 0
    find, match = _DIGIT_FIND.search, _SCAN.match
    while True:
        hit = find(text, pos)
        if hit is None:
            break
        at = hit.start()
        if at > pos and text[at - 1] == "." and (at < 2 or not text[at - 2].isdigit()):
            at -= 1  # ".5", "$.5"
        m = match(text, at)
        if m is None:  # pragma: no cover - every digit starts a match
            pos = hit.end()
            continue
        if m.group("skip") is not None:
            pos = m.end()
            continue
        if m.group("parts") is not None:
            pos = lo = m.end()
            if m.start() == 0 or not text[m.start() - 1].isalpha():  # not v1.2.3
                for part in _DIGIT_RUN.finditer(m.group("parts")):
                    s, e = m.start() + part.start(), m.start() + part.end()
                    items.append((_Atom(s, e, part.group(0), None, 0, 1, False, None, 0), None))
            continue
        # resume after what was used: the words the tail captured may hold a number
        pos = m.end(_GA.num)
        a = _make_atom(text, m, _GA, lo=lo, with_prefix=True)
        b = None
        if m.group(_GB.num) and a is not None and a.end == _tail_end(m, _GA):
            b = _make_atom(text, m, _GB, lo=lo, with_prefix=False)
        if a is not None and b is not None:
            items.append((a, b))
            pos = lo = b.end
        elif a is not None:
            items.append((a, None))
            pos = lo = a.end
    return items


def _scan_words(text: str) -> list[_Item]:
    low = (" " + text.lower()).replace("\n", " ").replace("-", " ")
    if len(low) != len(text) + 1:  # lower() changed the length (rare scripts): no words
        return []
    items: list[_Item] = []
    pos = 0
    for hit in _WORD_FIND.finditer(low):
        start = hit.start("w") - 1
        if start < pos:
            continue
        m = _WORD_SCAN.match(text, start)
        if m is None:
            continue
        a = _make_atom(text, m, _GW, lo=pos, with_prefix=True)
        if a is None:
            continue
        if a.end - a.start == 3 and a.unit is None and text[a.start : a.end].lower() == "one":
            before = text[max(0, a.start - 12) : a.start].split()
            if before and before[-1].lower() in _DETERMINERS:
                continue  # "the one you mentioned", "which one"
        items.append((a, None))
        pos = a.end
    return items


def parse_quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text``, normalized, sorted by start and non-overlapping.

    Never raises: anything that cannot be read as a finite number is skipped.
    ``text[q.start:q.end] == q.text`` holds for every result. The sign of ``value`` is
    the sign written in the text only ("fell 1.88%" gives +1.88 with no direction;
    extraction applies the verb).

    Args:
        text: any string (a sentence, a whole article).

    Returns:
        The quantities found, in text order.

    Example:
        >>> q = parse_quantities("ranging $67-75K, about -1.88%")
        >>> [(x.value, x.value_max, x.unit, x.qualifier, x.direction) for x in q]
        [(67000.0, 75000.0, 'USD', 'exact', None), (-1.88, None, 'percent', 'approx', 'down')]
    """
    if not isinstance(text, str) or not text:
        return []
    items = _scan_digits(text)
    words = _scan_words(text)
    if words:
        items = sorted(items + words, key=lambda it: it[0].start)
    if "://" in text or "www." in text:
        spans = [u.span() for u in _URL.finditer(text)]
        items = [it for it in items if not any(s <= it[0].start < e for s, e in spans)]
    out: list[Quantity] = []
    last_end = 0
    i = 0
    while i < len(items):
        a, b = items[i]
        i += 1
        if a.start < last_end:
            continue  # overlaps an earlier quantity
        q: Quantity | None = None
        if b is not None:
            q = _range(text, a, b)
            if q is None:
                pieces = [p for p in (_quantity(text, a), _quantity(text, b)) if p]
                out.extend(pieces)
                last_end = pieces[-1].end if pieces else last_end
                continue
        elif (
            i < len(items)
            and items[i][1] is None
            and 0 < items[i][0].start - a.end <= AND_GAP_MAX
            and _AND_GAP.fullmatch(text[a.end : items[i][0].start])
            and _BETWEEN_BEFORE.search(text, max(0, a.start - 16), a.start)
        ):
            q = _range(text, a, items[i][0])  # "between $100,000 and $105,000"
            if q is not None:
                i += 1
        if q is None:
            q = _quantity(text, a)
        if q is not None:
            out.append(q)
            last_end = q.end
    return out
