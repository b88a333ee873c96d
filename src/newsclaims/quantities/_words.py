"""Numbers written in words: "two hundred and five", "five and a half million"."""

from __future__ import annotations

import math

from ._lexicon import (
    _DOZENS,
    _FRACTION_SCALES,
    _FRACTIONS,
    _SCALE_WORDS,
    _UNIT_WORDS,
    MAX_NUMBER_WORDS,
)
from ._patterns import _WORD_TOKEN


def _fraction_at(toks: list[tuple[str, int]], i: int) -> tuple[float, int] | None:
    """A fraction starting at token i ("half", "a quarter", "three quarters") and the
    index after it (after a lone "a" too, in "half a million")."""
    n = len(toks)
    tok = toks[i][0]
    if tok in _FRACTIONS:
        f, j = _FRACTIONS[tok], i + 1
    elif (
        i + 1 < n
        and toks[i + 1][0] in _FRACTIONS
        and (tok in ("a", "one") or 2 <= _UNIT_WORDS.get(tok, 0) <= 9)
    ):
        f, j = _FRACTIONS[toks[i + 1][0]] * (1 if tok in ("a", "one") else _UNIT_WORDS[tok]), i + 2
    else:
        return None
    if j + 1 < n and toks[j][0] == "a" and toks[j + 1][0] in _FRACTION_SCALES:
        j += 1
    return f, j


def _read_words(words: str, *, stop_at_and: bool = False) -> tuple[float, int] | None:
    """The value of number words and how many characters of ``words`` it takes.

    ``"two hundred and five"`` -> (205, 20); ``"one and a half million"`` ->
    (1500000, 22); ``"one hundred and two hundred"`` stops before the second hundred.
    None when no number starts the string.
    """
    toks = [(m.group(0).lower(), m.end()) for m in _WORD_TOKEN.finditer(words)]
    toks = toks[:MAX_NUMBER_WORDS]
    n = len(toks)
    total = 0.0
    hund = 0.0  # hundreds of the group being read
    small = 0.0  # below a hundred
    last = ""  # the previous token's kind: unit, teen, tens, hundred, scale, dozen
    last_scale = math.inf
    after_and = False
    best: tuple[float, int] | None = None
    i = 0
    while i < n:
        tok, end = toks[i]
        if tok == "and":
            if stop_at_and or not last or i + 1 >= n:
                break
            if last in ("hundred", "scale") or _fraction_at(toks, i + 1) is not None:
                after_and = True
                i += 1
                continue
            break
        frac = _fraction_at(toks, i)
        if frac is not None:
            f, j = frac
            if last and not after_and and last not in ("scale", "hundred"):
                break
            scale = _FRACTION_SCALES.get(toks[j][0]) if j < n else None
            if scale is not None and (last in ("", "scale") and scale < last_scale):
                total += f * scale  # "half a million", "one billion and a half million"
                end = toks[j][1]
            elif scale is not None and last not in ("", "scale"):
                total += (hund + small + f) * scale  # "five and a half million"
                hund = small = 0.0
                end = toks[j][1]
            elif last == "scale" and after_and:
                total += f * last_scale  # "one million and a half"
                end = toks[j - 1][1]
            else:
                small += f  # "one and a half", "three quarters"
                end = toks[j - 1][1]
            best = (total + hund + small, end)
            break  # a fraction ends the number
        unit_value = _UNIT_WORDS.get(tok)
        if unit_value is not None:
            kind = "tens" if unit_value >= 20 else "teen" if unit_value >= 10 else "unit"
            if last == "tens" and kind == "unit" and unit_value > 0:
                small += unit_value
                last = "unit"
            elif last in ("", "hundred", "scale") and small == 0:
                small = unit_value
                last = kind
            else:
                break
        elif tok == "a":
            if last or i + 1 >= n or toks[i + 1][0] not in _FRACTION_SCALES | {"hundred": 0}:
                break
            small, last = 1.0, "unit"
        elif tok == "hundred":
            if last not in ("unit", "teen", "tens") or hund:
                break
            hund, small, last = small * 100, 0.0, "hundred"
        elif tok in _SCALE_WORDS:
            scale = _SCALE_WORDS[tok]
            if hund + small > 0 and scale < last_scale:
                total += (hund + small) * scale
                last_scale = scale
            elif last == "scale" and hund + small == 0:
                total *= scale  # "three lakh crore"
                last_scale = min(last_scale, scale)
            else:
                break
            hund, small, last = 0.0, 0.0, "scale"
        elif tok in _DOZENS:
            if last not in ("unit", "teen", "tens"):
                break
            small, last = small * 12, "dozen"
        else:
            break
        after_and = False
        best = (total + hund + small, end)
        i += 1
    return best
