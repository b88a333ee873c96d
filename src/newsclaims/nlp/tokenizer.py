"""The tokenizer for market text: one compiled regular expression, no per-chunk affix loop.

spaCy's rule tokenizer (prefix, suffix and infix searches per whitespace chunk)
costs about 1.3 ms on a 4,000-character article here, more than all the rest of
the pipeline together, and its cache does not help on news text (most chunks are
new). The components of this pipeline need tokens only to match asset names and to
carry sentence starts, so a single-pass tokenizer is enough: one regular expression
finds every token (``finditer``), and the :class:`~spacy.tokens.Doc` is built from
the words and their trailing spaces. About three times faster than the blank English
tokenizer on the real dump.

The rules:

- a number is a run of digits with ``.``/``,`` groups (``57,972``, ``67.46``,
  ``0,03``), with its sign when the sign does not follow a digit: ``-1.88%`` ->
  ``-1.88`` ``%``, ``ETH-0,33%`` -> ``ETH`` ``-0,33`` ``%``, but ``$67-75K`` ->
  ``67`` ``-`` ``75`` ``K``;
- a word is a run of letters, so magnitude letters and tickers come off numbers:
  ``$2.16B`` -> ``$`` ``2.16`` ``B``, ``BTC0,03%`` -> ``BTC`` ``0,03`` ``%``,
  ``low-$2,200s`` -> ``low`` ``-`` ``$`` ``2,200`` ``s``;
- abbreviations keep their period (``U.S.``, ``Inc.``, ``vs.``), so the period of a
  sentence end stays its own token;
- ``'s`` is its own token (``Bitcoin's`` -> ``Bitcoin`` ``'s``), as in spaCy;
- any other non-space character is a token of its own (``$``, ``%``, ``–``, ``~``);
- whitespace other than one space after a token becomes a whitespace token.

The tokenizer never drops or rewrites a character: ``doc.text == text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from .sentences import ABBREVIATIONS

_ABBREV = "|".join(sorted((re.escape(a) for a in ABBREVIATIONS), key=len, reverse=True))

#: one alternative per token kind, tried in this order at each position.
TOKEN = re.compile(
    r"[^\W\d_]+(?![^\W\d_]|[.'’])"  # a word not before a period or apostrophe (most tokens)
    r"|(?:(?<!\d)[-+−])?\d+(?:[.,]\d+)*"  # -1.88, 57,972, 0,03
    r"|(?<![^\W\d_])(?:[A-Za-z]\.){2,}(?![A-Za-z])"  # U.S., e.g., a.m.
    r"|(?<![\w.])(?i:" + _ABBREV + r")\.(?!\w)"  # Inc., vs., Jan.
    r"|['’][sS](?![^\W\d_])"  # 's
    r"|[^\W\d_]+"  # any other word (letters only)
    r"|[^\s]"  # any other single character
)
#: a token (or a run of whitespace) and the one space that trails it, if any; the
#: matches tile the text, so ``findall`` gives spaCy's ``words`` and ``spaces``.
_TOKEN_SPACE = re.compile(r"(" + TOKEN.pattern + r"|\s+)( ?)")


class NewsTokenizer:
    """A single-regex tokenizer; see the module docstring for the rules.

    Example:
        >>> import spacy
        >>> nlp = spacy.blank("en")
        >>> customize_tokenizer(nlp)
        >>> [t.text for t in nlp("BTC0,03% $2.16B")]
        ['BTC', '0,03', '%', '$', '2.16', 'B']
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        pairs = _TOKEN_SPACE.findall(text)
        return Doc(self.vocab, words=[w for w, _ in pairs], spaces=[sp == " " for _, sp in pairs])

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        """Tokenize a stream of texts."""
        for t in texts:
            yield self(t)

    # The tokenizer has no state to save: the rules are code.
    def to_bytes(self, **_kw: Any) -> bytes:
        """Nothing to serialize (spaCy calls this when the pipeline is saved)."""
        return b""

    def from_bytes(self, _data: bytes, **_kw: Any) -> NewsTokenizer:
        """Nothing to restore."""
        return self

    def to_disk(self, _path: Any, **_kw: Any) -> None:
        """Nothing to write."""

    def from_disk(self, _path: Any, **_kw: Any) -> NewsTokenizer:
        """Nothing to read."""
        return self


def customize_tokenizer(nlp: Language) -> None:
    """Replace ``nlp.tokenizer`` with the market-text :class:`NewsTokenizer`.

    Example:
        >>> import spacy
        >>> nlp = spacy.blank("en")
        >>> customize_tokenizer(nlp)
        >>> [t.text for t in nlp("$2.16B")]
        ['$', '2.16', 'B']
    """
    nlp.tokenizer = NewsTokenizer(nlp.vocab)
