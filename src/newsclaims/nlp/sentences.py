"""Sentence boundaries for scraped news text (``newsclaims_sentences_v1``).

News dumps run headings into the text ("... today. ## Leverage Exits the Market
at an Accelerated Pace The current ..."), glue sentences together ("its end.Earlier
on"), keep lists one item a line and use abbreviations (U.S., Inc., vs., Jan.)
and decimals ($67.46K). A statistical parser is not available here, so the rules
work on the characters and only the boundary positions are mapped to tokens
(a binary search per boundary, no loop over every token).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy
from spacy.attrs import IDX, IS_SPACE, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from .text import doc_text

#: words after which a period does not end a sentence.
ABBREVIATIONS = frozenset(
    ["u.s", "u.k", "u.n", "e.u", "inc", "ltd", "co", "corp", "vs", "etc", "e.g", "i.e", "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "est", "fig", "al", "dept", "gov", "sen", "rep", "gen", "lt", "col", "sgt", "ft", "mt", "vol", "avg", "min", "max", "p.m", "a.m"]
)

# A sentence end: terminal punctuation, optional closing quotes/brackets, then space
# and something that can open a sentence.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9$#•*\-–—])")
# Sentence glued to the next: "end.Earlier" (lower-case word, period, capital + lower).
# (The patterns start with a character class, not a lookbehind, so that the regex
# engine can skip ahead to candidate characters; the lookbehinds are checked on the
# few matches in :func:`sentence_starts`.)
_GLUED = re.compile(r"[.!?](?=[A-Z][a-z])")
# Any line break starts a new sentence (lists, headings, widgets).
_LINE = re.compile(r"\n\s*")
# An inline Markdown heading: "## Title Words Here The sentence goes on".
_HEADING = re.compile(r"#{1,6}\s+")
_HEADING_END = re.compile(
    r"\s(?=(?:The|A|An|This|These|That|It|In|As|On|At|For|With|While|But|However|"
    r"After|Before|When|If|Over|Bitcoin|Ethereum|Crypto|[A-Z][a-z]+)\s+"
    r"(?!(?:the|a|an|and|of|to|in|on|at|for|with|by|from|vs|or|is)\b)[a-z][a-z'’-]+\s+[a-z]"
    r")"
)
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
# A bullet or list marker at the start of a line.
_BULLET = re.compile(r"[•▪◦●■]\s*")

#: longest inline heading we look for an end in (characters).
MAX_HEADING_CHARS = 160


def sentence_starts(text: str) -> list[int]:
    """Character offsets where sentences start (sorted, the first is 0).

    Example:
        >>> t = "BTC fell 2% vs. ETH. ## Big Title Here The market fell."
        >>> [t[i:i + 3] for i in sentence_starts(t)]
        ['BTC', '## ', 'The']
    """
    starts = {0}
    for m in _END.finditer(text):
        end = m.end()
        word = _WORD_BEFORE.search(text, max(0, m.start() - 12), m.start() + 1)
        if word is not None and text[m.start()] == ".":
            w = word.group(1).lower()
            if w in ABBREVIATIONS or (len(w) == 1 and w.isalpha()):
                continue
        starts.add(_skip_space(text, end))
    for m in _GLUED.finditer(text):
        i = m.start()
        if i >= 2 and "a" <= text[i - 1] <= "z" and "a" <= text[i - 2] <= "z":
            starts.add(m.end())
    for m in _LINE.finditer(text):
        starts.add(m.end())
    for m in _BULLET.finditer(text):
        if _after_space(text, m.start()):
            starts.add(m.start())
    for m in _HEADING.finditer(text):
        if not _after_space(text, m.start()):
            continue
        starts.add(m.start())
        head_end = _HEADING_END.search(text, m.end(), m.end() + MAX_HEADING_CHARS)
        if head_end is not None:
            starts.add(head_end.end())
    n = len(text)
    return sorted(s for s in starts if s < n)


def _after_space(text: str, i: int) -> bool:
    """Whether ``text[i]`` opens the text or follows whitespace."""
    return i == 0 or text[i - 1].isspace()


def _skip_space(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i].isspace():
        i += 1
    return i


def iter_sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) character spans of the sentences, trailing space trimmed."""
    starts = sentence_starts(text)
    bounds = [*starts[1:], len(text)]
    for s, e in zip(starts, bounds, strict=True):
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            yield s, e


@Language.component(
    "newsclaims_sentences_v1",
    assigns=["token.is_sent_start"],
)
def set_sentence_starts(doc: Doc) -> Doc:
    """Mark sentence starts from :func:`sentence_starts` on the doc's tokens.

    The boundary offsets are mapped to tokens with one vectorized search over the
    token offsets, and all flags are written in one ``Doc.from_array`` call.
    """
    n = len(doc)
    if n == 0:
        return doc
    idx = doc.to_array([IDX]).astype(numpy.int64).reshape(-1)
    starts = numpy.asarray(sentence_starts(doc_text(doc)), dtype=numpy.int64)
    pos = numpy.searchsorted(idx, starts, side="left")
    pos = pos[pos < n]
    flags = numpy.full(n, -1, dtype=numpy.int64)
    flags[0] = 1
    space = doc.to_array([IS_SPACE]).reshape(-1).astype(bool)
    pos = pos[~space[pos]]
    flags[pos] = 1
    # SENT_START is stored as uint64 in arrays: -1 wraps, which from_array expects.
    doc.from_array([SENT_START], flags.astype(numpy.uint64).reshape(-1, 1))  # type: ignore[arg-type]
    return doc
