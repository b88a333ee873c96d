"""Reading one number: its digits or words, sign, currency, magnitude and unit."""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from ._lexicon import (
    _BARE_MAG_GLUED,
    _BARE_MAG_SPACED,
    _CODES,
    _MAG,
    _NAME_UNITS,
    _OPENERS,
    _POST_CASED,
    _POST_FIRST_WORDS,
    _POST_SYMBOLS,
    _POST_WORDS,
    _PREFIX_LAST,
    _SIGN_WORDS,
    _SIGNS,
    _SPACES,
    _SYMBOLS,
)
from ._patterns import (
    _BETWEEN_BEFORE,
    _NOUN_AFTER,
    _PREFIX_REV,
    _SIGN_WORD_REV,
    _Groups,
)
from ._words import _read_words

# A four-digit integer in this span, with no grouping comma, no decimals and no
# magnitude, is taken for a year when it would otherwise be glued to a currency *code*
# or ticker ("in 2025 BTC rallied"); a symbol ("$2025") still makes it money, since
# prices near 2,000 (ETH) are common and always carry the symbol.
YEAR_MIN = 1990
YEAR_MAX = 2039

# How far back to look for a sign or currency: sign + "U.S. $" + space + sign.
PREFIX_WINDOW = 10


class _Atom(NamedTuple):
    """One number with its unit, before it becomes a Quantity (or one end of a range)."""

    start: int
    end: int
    mantissa: str  # the number as a float literal without exponent ("67.46", "1000")
    words_value: float | None  # the value of a number written in words
    exp: int  # power of ten from the magnitude suffix or subunit
    mult: int  # 12 for dozens, else 1
    has_mag: bool
    unit: str | None  # None: a plain number (so far)
    sign: int  # -1, +1, 0 (no sign)

    def value(self) -> float | None:
        """The finite value, or None when it is not representable."""
        try:
            if self.words_value is not None:
                v = self.words_value * 10.0**self.exp * self.mult
            else:
                v = float(f"{self.mantissa}e{self.exp}") * self.mult
        except (ValueError, OverflowError):
            return None
        if not math.isfinite(v):
            return None
        return -v if self.sign < 0 else v

    def raw(self) -> float:
        """The number before any magnitude, for comparing range ends."""
        try:
            return self.words_value if self.words_value is not None else float(self.mantissa)
        except (ValueError, OverflowError):
            return math.inf


def _read_post(
    post: str, post1: str | None, text: str, post_start: int
) -> tuple[str, int, int] | None:
    """(unit, power of ten, characters used) for the text after a number, or None."""
    if len(post) == 1 and not post.isalpha():
        nxt = text[post_start + 1 : post_start + 2]
        if nxt.isalnum() or (post != "%" and nxt and nxt in _SIGNS):
            return None  # "%2D" in a URL, "5 $ETH" (a cashtag)
        return ("percent", 0, 1) if post == "%" else (_POST_SYMBOLS[post], 0, 1)
    first = post1 or post
    if len(first) < len(post):
        two = _POST_WORDS.get(first.lower() + " " + post[len(first) + 1 :].lower())
        if two is not None:
            return two[0], two[1], len(post)
    found = _POST_CASED.get(first) or _POST_WORDS.get(first.lower())
    after = post_start + len(first)
    if found is None or text[after : after + 1].isdigit():
        return None  # "USD50" belongs to the next number
    if first[0] in "BbEe" and first.lower() in _NAME_UNITS and _NOUN_AFTER.match(text, after):
        return None  # "5 Bitcoin ETFs", "3 Ethereum treasury firms": a count, not coins
    return found[0], found[1], len(first)


def _may_have_prefix(text: str, num_start: int) -> bool:
    """Cheap test before :data:`_PREFIX_REV`: can a sign, currency or sign word end here?"""
    c = text[num_start - 1]
    if c in _PREFIX_LAST:
        return True
    if c in _SPACES:
        if num_start < 2:
            return False
        c = text[num_start - 2]
        if c in _PREFIX_LAST:
            return True
        if not c.isalpha():
            return False
        lo = max(0, num_start - 12)
        word = text[max(lo, text.rfind(" ", lo, num_start - 1) + 1) : num_start - 1]
        return word in _CODES or word.lower() in _SIGN_WORDS
    if c.isalpha():  # a code glued to the number: USD115
        return text[max(0, num_start - 3) : num_start] in _CODES or (
            text[max(0, num_start - 4) : num_start] in _CODES
        )
    return False


def _make_atom(
    text: str, m: re.Match[str], g: _Groups, *, lo: int, with_prefix: bool
) -> _Atom | None:
    """Turn one number's groups into an atom, or None when it is not a quantity.

    ``lo`` is where the previous quantity ended: a prefix is never read before it.
    """
    if g.mag:
        num, mag, post, post1 = m.group(g.num, g.mag, g.post, g.post1)
    else:
        num, post, post1 = m.group(g.num, g.post, g.post1)
        mag = None
    num_start, end = m.span(g.num)
    start = num_start
    sign = 0
    unit: str | None = None
    exp = 0
    cur: str | None = None
    code = False
    if with_prefix and num_start > lo:
        c = text[num_start - 1]
        if c in _POST_SYMBOLS and (num_start - 1 <= lo or text[num_start - 2] in _OPENERS):
            cur, start = c, num_start - 1  # the common "$5": no need for the pattern
        elif _may_have_prefix(text, num_start):
            window = text[max(lo, num_start - PREFIX_WINDOW) : num_start][::-1]
            pm = _PREFIX_REV.match(window)
            if pm is not None and pm.end() > 0 and (pm.group("cur") or not pm.group("space")):
                if pm.group("cur"):
                    cur = pm.group("cur")[::-1]
                    start = num_start - pm.end("cur")
                for sg in ("sign2", "sign"):
                    if pm.group(sg):
                        s_start = num_start - pm.end(sg)
                        before = text[s_start - 1] if s_start > 0 else " "
                        if (sg == "sign2" and cur) or not (before.isalnum() or before in ".,%$"):
                            sign = 1 if pm.group(sg) == "+" else -1
                            start = min(start, s_start)
                        break
            if not sign and not cur:
                sw = _SIGN_WORD_REV.match(window)
                if sw is not None:
                    sign, start = -1, num_start - sw.end()
    elif g.cur and m.group(g.cur):
        cur = m.group(g.cur)
        start = m.start(g.cur)
    if cur:
        if cur in _SYMBOLS:
            unit = _SYMBOLS[cur]
        elif start + len(cur) == num_start and len(num) == 1 and not mag:
            return None  # USD1, USD0: stablecoin names, not one dollar
        else:
            unit, exp = _CODES[cur]
            code = True
    # a number glued to a letter before it is a name (Q2, Web3); BTC0,03% is kept below
    glued_before = not cur and start > 0 and text[start - 1].isalpha()

    words_value: float | None = None
    mantissa = num
    year_like = False
    if post1 is not None and post1 not in _POST_CASED and post1.lower() not in _POST_FIRST_WORDS:
        post = None  # the word after the number is no unit: the common case, decided fast
    if num[0].isdigit() or num[0] == ".":
        comma = num.find(",")
        if (
            comma >= 0
            and num.count(",") == 1
            and num[comma + 1 :].isdigit()
            and len(num) - comma != 4
        ):
            if cur or post == "%":
                mantissa = num.replace(",", ".")  # decimal comma: 0,03%, $4,78
            else:  # "1,5" with no unit: read "1" only, the rest is the next number
                num = mantissa = num[:comma]
                end, mag, post = num_start + comma, None, None
        elif comma >= 0:
            mantissa = num.replace(",", "")
        elif len(num) > 4 and not num.isascii():
            mantissa = num.replace("\u00a0", "").replace("\u202f", "").replace("\u2009", "")
        year_like = len(num) == 4 and num.isdigit() and YEAR_MIN <= int(num) <= YEAR_MAX
    else:
        between = _BETWEEN_BEFORE.search(text, max(0, start - 24), start) is not None
        parsed = _read_words(num, stop_at_and=between)
        if parsed is None:
            return None
        words_value, used = parsed
        if used < len(num):  # the words went on past the number: drop the unit too
            end = num_start + used
            post = None

    mult = 1
    has_mag = False
    if mag:
        key = mag.strip().lower() if mag != "MM" else "mm"
        if len(key) > 1:
            mag_ok = True  # million, mn, bn, MM, ...
        elif len(mag) == 1:
            mag_ok = mag in _BARE_MAG_GLUED or unit is not None  # 37.1M, $5m
        else:
            mag_ok = mag[-1] in _BARE_MAG_SPACED or (unit is not None and mag[-1].isupper())
        if key in _MAG and mag_ok:
            mag_exp, mult = _MAG[key]
            exp += mag_exp
            has_mag = True
            end = m.end(g.mag)
        else:
            post = None  # a unit after a suffix we do not accept belongs to something else
    if post and cur and post in _POST_SYMBOLS:
        post = None  # "$5 $6": the second symbol is the next number's
    read = _read_post(post, post1, text, m.start(g.post)) if post else None
    if read is not None:
        post_unit, post_exp, post_len = read
        if post_unit in ("percent", "bp") or (
            (unit is None or unit == post_unit) and not (year_like and not has_mag)
        ):
            unit = post_unit
            exp += post_exp if not cur else 0
            end = m.start(g.post) + post_len
    if code and year_like and not has_mag and unit not in ("percent", "bp"):
        unit, exp, start, sign = None, 0, num_start, 0  # "USD 2025": a year, not an amount
    if glued_before and unit != "percent":
        return None
    if end < len(text):
        after = text[end]
        if after == "s" and cur and not text[end + 1 : end + 2].isalpha():
            end += 1  # "the low-$2,200s"
        elif after.isalpha() or after == "_":
            return None  # 24h, 3rd, 10x, 2nd: not a quantity we understand
    return _Atom(start, end, mantissa, words_value, exp, mult, has_mag, unit, sign)


def _tail_end(m: re.Match[str], g: _Groups) -> int:
    """Where the pattern's reading of one number ended (its unit, suffix or digits)."""
    for group in (g.post, g.mag, g.num):
        if group and m.group(group) is not None:
            return m.end(group)
    return m.end(g.num)
