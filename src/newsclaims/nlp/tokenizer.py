"""Tokenizer rules for market text.

spaCy's English rules already split ``$67.46K`` and ``-1.88%``; these additions
cover the money shapes crypto news uses that they leave glued together:

- a magnitude suffix on a number: ``2.16B`` -> ``2.16`` ``B``, ``105k``, ``1.2bn``;
- ranges with an en dash or a repeated currency sign: ``$100K–$103K``,
  ``$2,000–2,100``, ``low-$2,200s``;
- ticker widgets glued to a change: ``BTC0,03%`` -> ``BTC`` ``0,03`` ``%``,
  ``ETH-0,33%`` -> ``ETH`` ``-0,33`` ``%``;
- a tilde or approx sign before money: ``~$127``.

The tokenizer never drops or rewrites a character (spaCy guarantees
``doc.text == text``); the rules only decide where tokens break.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

#: signs that open a token before money: ``~$127``, ``≈$5M``.
_EXTRA_PREFIXES = [r"~", r"≈", r"\$(?=[0-9])", r"[A-Z]{2,6}(?=[-+]?[0-9]+[.,][0-9]+%)"]

#: magnitude letters glued to a number (``2.16B``, ``105k``, ``1.2bn``, ``2,200s``).
_EXTRA_SUFFIXES = [
    r"(?<=[0-9])(?:[KkMmBbTt]|bn|mn|BN|MN|tn)",
    r"(?<=[0-9])s",
]

#: dashes inside ranges and before a currency sign.
_EXTRA_INFIXES = [
    r"(?<=[0-9KkMmBb%])[–—](?=[$€£0-9])",
    r"(?<=[A-Za-z])[-–—](?=[$€£])",
    r"(?<=[0-9KkMmBb])[-–—](?=\$)",
    # pieces an infix split leaves glued: ``100K`` and ``$103`` in ``$100K–$103K``.
    r"(?<=[0-9])(?:[KkMmBbTt]|bn)(?=[-–—])",
    r"(?<=[-–—])[$€£](?=[0-9])",
    r"(?<=[0-9])%(?=[-–—])",
]


def customize_tokenizer(nlp: Language) -> None:
    """Add the market-text prefix, suffix and infix rules to ``nlp.tokenizer``.

    Example:
        >>> import spacy
        >>> nlp = spacy.blank("en")
        >>> customize_tokenizer(nlp)
        >>> [t.text for t in nlp("$2.16B")]
        ['$', '2.16', 'B']
    """
    defaults = nlp.Defaults
    prefixes = list(defaults.prefixes or []) + _EXTRA_PREFIXES
    suffixes = _EXTRA_SUFFIXES + list(defaults.suffixes or [])
    infixes = list(defaults.infixes or []) + _EXTRA_INFIXES
    tok: Any = nlp.tokenizer
    tok.prefix_search = compile_prefix_regex(prefixes).search
    tok.suffix_search = compile_suffix_regex(suffixes).search
    tok.infix_finditer = compile_infix_regex(infixes).finditer
