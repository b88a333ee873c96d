"""The tables the quantity parser reads: units, magnitudes, number words, qualifiers.

Loaded once from the JSON lexicons shipped in ``newsclaims/data/quantities/`` (read-only
after import).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from ..models import Qualifier

# At most this many number words are read as one number: "one one one ..." (a
# thousand times) must stay linear, and no real number needs more.
MAX_NUMBER_WORDS = 16


def _load(name: str) -> dict[str, Any]:
    text = resources.files("newsclaims").joinpath(f"data/quantities/{name}").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


_UNITS_LEX = _load("units.json")
_WORDS_LEX = _load("words.json")


def _symbol_variants(symbols: dict[str, str]) -> dict[str, str]:
    """``HK$`` also as ``hk$``, ``HK $`` and ``hk $``; one-letter prefixes (``C$``) as is."""
    out: dict[str, str] = {}
    for sym, unit in symbols.items():
        out[sym] = unit
        letters = sym.rstrip("$ ")
        if sym.endswith("$") and len(letters.replace(".", "")) >= 2:
            for form in (letters, letters.lower()):
                out[form + "$"] = unit
                out[form + " $"] = unit
    return out


_SYMBOLS: dict[str, str] = _symbol_variants(_UNITS_LEX["symbols"])
_TICKERS: frozenset[str] = frozenset(_UNITS_LEX["crypto_tickers"])
# code -> (unit, power of ten): "USDT" -> ("USD", 0), "MUSD" -> ("USD", 6)
_CODES: dict[str, tuple[str, int]] = {k: (v, 0) for k, v in _UNITS_LEX["fiat_codes"].items()}
_CODES.update(
    {k: (v[0], v[1]) for k, v in _UNITS_LEX["scaled_codes"].items() if not k.startswith("_")}
)
for _code in _UNITS_LEX["lowercase_codes"]["list"]:
    _CODES[_code.lower()] = _CODES.get(_code, (_code, 0))
# after a number: codes, tickers (case-sensitive), then words (any case)
_POST_CASED: dict[str, tuple[str, int]] = {**{t: (t, 0) for t in _TICKERS}, **_CODES}
_POST_WORDS: dict[str, tuple[str, int]] = {
    "percent": ("percent", 0),
    "percents": ("percent", 0),
    "percentage": ("percent", 0),
    "pct": ("percent", 0),
    "bps": ("bp", 0),
    "bp": ("bp", 0),
    "per cent": ("percent", 0),
    "percentage points": ("percent", 0),
    "percentage point": ("percent", 0),
    "basis points": ("bp", 0),
    "basis point": ("bp", 0),
    **{k.lower(): (v, 0) for k, v in _UNITS_LEX["post_words"].items()},
    **{k: (v[0], v[1]) for k, v in _UNITS_LEX["subunit_words"].items() if not k.startswith("_")},
}
# Asset names used as units ("12,000 bitcoin"); see _NOUN_AFTER.
_NAME_UNITS = frozenset(["bitcoin", "bitcoins", "ether", "ethers"])
_POST_SYMBOLS: dict[str, str] = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₿": "BTC"}

# magnitude suffix (lower-cased) -> (power of ten, multiplier)
_MAG: dict[str, tuple[int, int]] = {
    "k": (3, 1),
    "thousand": (3, 1),
    "m": (6, 1),
    "mm": (6, 1),
    "mn": (6, 1),
    "mln": (6, 1),
    "mil": (6, 1),
    "million": (6, 1),
    "b": (9, 1),
    "bn": (9, 1),
    "bln": (9, 1),
    "billion": (9, 1),
    "t": (12, 1),
    "tn": (12, 1),
    "trn": (12, 1),
    "tln": (12, 1),
    "trillion": (12, 1),
    "hundred": (2, 1),
    "lakh": (5, 1),
    "lakhs": (5, 1),
    "crore": (7, 1),
    "crores": (7, 1),
    **{d: (0, 12) for d in _WORDS_LEX["dozens"]},
}
# One letter right after the digits, with no currency: 37.1M, 10K, 1.2b, 10k ("15m" and
# "5t" are minutes and tonnes). After a space only upper case (and k): "1,674.5 M".
_BARE_MAG_GLUED = frozenset("KkMBbT")
_BARE_MAG_SPACED = frozenset("KkMBT")

_UNIT_WORDS: dict[str, int] = _WORDS_LEX["units"]
_SCALE_WORDS: dict[str, int] = {k: 10**v for k, v in _WORDS_LEX["scales"].items()}
_FRACTIONS: dict[str, float] = _WORDS_LEX["fractions"]
_DOZENS = frozenset(_WORDS_LEX["dozens"])
_FRACTION_SCALES: dict[str, int] = {**_SCALE_WORDS, **{d: 12 for d in _DOZENS}}
_DETERMINERS = frozenset(_WORDS_LEX["pronoun_determiners"])
_QUALIFIERS: dict[str, Qualifier] = {
    phrase: qual for qual, phrases in _WORDS_LEX["qualifiers"].items() for phrase in phrases
}
# The last word of each qualifier phrase, the most words in one, the articles that may
# follow one ("over an 8% drop"), and the characters of the symbol qualifiers.
_QUALIFIER_LAST_WORDS = frozenset(q.split()[-1] for q in _QUALIFIERS)
_QUALIFIER_MAX_WORDS = max(len(q.split()) for q in _QUALIFIERS)
_ARTICLES = frozenset(["a", "an", "the"])
_QUALIFIER_SYMBOLS = frozenset("".join(q for q in _QUALIFIERS if not q[0].isalpha()))
_POSTFIX_QUALIFIERS: dict[str, Qualifier] = {
    phrase: qual
    for qual, phrases in _WORDS_LEX["postfix_qualifiers"].items()
    if not qual.startswith("_")
    for phrase in phrases
}

_SIGN_WORDS = frozenset(_WORDS_LEX["sign_words"])
_OPENERS = frozenset(" \n\t(\"'[\u00a0\u202f\u2009\u201c\u2018")
_POST_FIRST_WORDS = frozenset(k.split()[0] for k in _POST_WORDS) | {k.lower() for k in _CODES}
_SIGNS = "+-\u2010\u2011\u2012\u2013\u2014\u2212"
_SPACES = frozenset(" \u00a0\u202f\u2009")
_PREFIX_LAST = frozenset("".join(k[-1] for k in _SYMBOLS) + _SIGNS)
