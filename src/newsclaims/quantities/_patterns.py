"""The compiled patterns of the quantity parser.

Speed: a pattern that may start on any letter makes the regex engine try every
position of the text. So the main scan starts at a digit only, and the currency and
sign before a number are read afterwards from the few characters before it, reversed,
with one anchored match. Number words have their own scan on the lower-cased text,
led by a literal space.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from ._lexicon import (
    _CODES,
    _DOZENS,
    _FRACTIONS,
    _MAG,
    _POSTFIX_QUALIFIERS,
    _SCALE_WORDS,
    _SIGNS,
    _SYMBOLS,
    _UNIT_WORDS,
    _WORDS_LEX,
    MAX_NUMBER_WORDS,
)


def _trie(words: Any) -> str:
    """An alternation as a prefix tree ("t(?:en|wo|h(?:ree|irty))"): the engine then
    rejects a non-matching word on its first letter instead of trying every word."""
    tree: dict[str, Any] = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if "" in node:
            branches.append("")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return emit(tree)


def _alt(words: Any) -> str:
    """An alternation that tries longer strings first (so ``US$`` wins over ``$``)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


_SP = r"[ \u00a0\u202f\u2009]"  # a space inside a quantity never crosses a line
_DIGITS = (
    r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]\d)"  # 1,234,567.89
    r"|\d{1,3}(?:[\u00a0\u202f\u2009]\d{3})+(?:\.\d+)?(?!\d)"  # 1 234 567.89 (no-break or thin spaces)
    rf"|\d{{1,3}},\d{{1,2}}(?={_SP}?%)"  # 0,03% (decimal comma)
    r"|\d{1,3},(?:\d{1,2}|\d{4,})(?!\d|,\d)"  # $4,78, $0,0037515: decimal comma after money
    r"|\d+(?:\.\d+)?"  # 1234.5
    r"|\.\d+)"  # .5
)
_MAG_WORDS = _alt(k for k in _MAG if len(k) > 1 and k != "mm")


def _tail(p: str, *, mag: bool = True) -> str:
    """Magnitude and unit after a number. The unit part only captures ``%``, a symbol or
    up to two words; which of them is a unit is decided by the tables (one alternation
    of every ticker, tried after every number, would dominate the scan time)."""
    mag_part = rf"(?:(?P<{p}mag>{_SP}?(?i:{_MAG_WORDS})|MM|{_SP}?[KkMmBbTt])(?![A-Za-z]))?"
    return (mag_part if mag else "") + (
        rf"(?:{_SP}?(?P<{p}post>%|[€$£¥₿]|(?P<{p}post1>[A-Za-z]+)(?:{_SP}[A-Za-z]+)?))?"
    )


# A dash between two numbers makes a range: a glued hyphen or tilde, an en/em dash, or
# a hyphen with spaces on both sides ("$2,785.0 - $2,845.5").
_DASH_SEP = rf"(?:{_SP}*[\u2013\u2014]{_SP}*|[-~]|{_SP}+[-\u2013\u2014]{_SP}+)"
_SKIP = (
    r"\d{4}-\d{1,2}-\d{1,2}(?!\d)"  # ISO date
    r"|(?:19|20)\d\d-(?:0[1-9]|1[0-2])(?![\d%A-Za-z])"  # 2025-05
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?!\d)"  # 21/05/2025, 21.05.2025
    r"|\d{1,2}:\d{2}(?::\d{2})?(?!\d)"  # 14:30, 14:30:05
    r"|\d+/\d+(?!\d)"  # 24/7, 3/4: fractions and dates are not quantities here
)
_SCAN = re.compile(
    rf"(?P<skip>{_SKIP})"
    r"|(?P<parts>\d+(?:\.\d+){2,}|\d+(?:-\d+){2,})"  # 192.168.1.2, v1.2.3, 1-222-2222
    rf"|(?P<anum>{_DIGITS}){_tail('a')}"
    rf"(?:{_DASH_SEP}(?P<bcur>{_alt(_SYMBOLS)})?(?P<bnum>{_DIGITS}){_tail('b')})?"
)
# An ASCII digit class: the engine scans for it much faster than for "\d" (Unicode).
_DIGIT_FIND = re.compile(r"[0-9]")
_DIGIT_RUN = re.compile(r"\d+")

_PREFIX_REV = re.compile(
    r"(?P<sign2>[+\-\u2212])?"
    rf"(?:(?P<space>{_SP})?(?P<cur>{_alt(k[::-1] for k in _SYMBOLS)}"
    rf"|(?:{_alt(k[::-1] for k in _CODES)})(?![A-Za-z])))?"
    rf"(?P<sign>[{re.escape(_SIGNS)}])?"
)
_SIGN_WORD_REV = re.compile(
    rf"{_SP}+(?:{_alt(w[::-1] for w in _WORDS_LEX['sign_words'])})(?![A-Za-z])", re.IGNORECASE
)

_NUMBER_WORD = _alt(_UNIT_WORDS)
_WORD_TOKENS = _alt([*_UNIT_WORDS, "hundred", *_SCALE_WORDS, *_FRACTIONS, *_DOZENS])
_A_BEFORE = rf"a(?={_SP}+(?:hundred|{_alt([*_SCALE_WORDS, *_FRACTIONS, *_DOZENS])})\b)"
_START_WORD = rf"(?:{_NUMBER_WORD}|half|quarter|{_A_BEFORE})\b"
# Candidates on the lower-cased text with line breaks and hyphens made spaces: a space,
# then a starting word. A literal first character lets the engine skip through the text
# much faster than a character class would; words after "(" or a quote are rare to miss.
_WORD_FIND = re.compile(rf" (?P<w>{_trie([*_UNIT_WORDS, 'half', 'quarter'])}\b|{_A_BEFORE})")
# The full reading on the original text; the grammar in _read_words decides how much
# of it forms one number.
_WORD_SCAN = re.compile(
    rf"(?i:(?P<wnum>{_START_WORD}"
    rf"(?:(?:{_SP}*-{_SP}*|{_SP}+(?:and{_SP}+)?)(?:{_WORD_TOKENS}|{_A_BEFORE})\b)"
    rf"{{0,{MAX_NUMBER_WORDS}}}))" + _tail("w", mag=False)
)
_WORD_TOKEN = re.compile(r"[A-Za-z]+")

_BETWEEN_BEFORE = re.compile(rf"(?i:\bbetween){_SP}+(?:the{_SP}+)?(?:(?i:minus|negative){_SP}+)?$")
_AND_GAP = re.compile(rf"{_SP}+(?i:and){_SP}+")
_POSTFIX_ALT = _alt(_POSTFIX_QUALIFIERS).replace(r"\ ", _SP + "+")
_POSTFIX_RE = re.compile(
    rf"{_SP}+(?P<q>{_POSTFIX_ALT})\b(?:{_SP}+than)?"
    # only at the end of a phrase: "5% or more.", "5% or more of supply"; not "and more
    # confidence", nor when a number follows ("above 1000 and below 1500")
    rf"(?=\s*(?:[^\w\s]|$)|{_SP}+(?:of|in|at|on|for|from|during|within|since|per|each)\b)",
    re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)\S+")
# The nouns after which an asset name is an adjective ("two Bitcoin ETFs" counts ETFs).
_NOUN_AFTER = re.compile(
    r"[ \u00a0]+(?:ETFs?|ETPs?|[Mm]iners?|[Tt]reasur|[Ff]unds?\b|[Pp]rices?\b|[Ss]tats\b"
    r"|[Hh]olders?\b|[Aa]ddress|[Ww]allets?\b|[Cc]ompan|[Ff]irms?\b|[Ss]tocks?\b)"
)


class _Groups(NamedTuple):
    """Group numbers of one number's parts in a compiled pattern (0: not in it)."""

    num: int
    mag: int
    post: int
    post1: int
    cur: int


def _groups(pattern: re.Pattern[str], p: str) -> _Groups:
    gi = pattern.groupindex
    return _Groups(*(gi.get(f"{p}{name}", 0) for name in ("num", "mag", "post", "post1", "cur")))


_GA, _GB = _groups(_SCAN, "a"), _groups(_SCAN, "b")
_GW = _groups(_WORD_SCAN, "w")
