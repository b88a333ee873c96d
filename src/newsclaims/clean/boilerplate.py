"""Learned boilerplate: sentences one source repeats across many of its articles.

A publisher's teaser ad ("Are You Chasing New Coins? ... Click here to discover new
altcoins!"), its newsletter pitch or its house disclaimer is the same sentence in
hundreds of articles. No pattern list can know every publisher's, so the model counts,
per source, in how many distinct articles each normalized sentence occurs; a sentence
found in at least ``settings.clean.boilerplate_min_articles`` articles of the same
source is boilerplate.

Memory. The batch job must stay under 1.5 GiB on 120,000 articles, which hold about
three million distinct sentences. The counts therefore live in two numpy arrays per
source (sorted signed 64-bit sentence hashes and 32-bit counts: 12 bytes a sentence,
~40 MB for three million) plus a small dict of counts not yet merged, merged in bulk
every ``PENDING_LIMIT`` new entries. If a table still outgrows ``MAX_TABLE_ENTRIES``
the rarest entries (count 1, then 2, ...) are pruned; a real boilerplate sentence
recurs in a large share of its source's articles and is long past count 1 by then,
so pruning only forgets one-off sentences (its counts become lower bounds).

Sentences that state a money amount or a percentage (``$67.46K``, ``1.88%``) are never
counted: a template that repeats "trading above $105,000" verbatim in 20 articles is
still a claim the checker must see.

Example:
    >>> from newsclaims.settings import load_settings
    >>> s = load_settings(overrides={"clean.boilerplate_min_articles": 2})
    >>> arts = [Article(id=str(i), source_id=str(i), source="x",
    ...                 body=f"Story {i} here. Subscribe to our newsletter now!")
    ...         for i in range(3)]
    >>> model = BoilerplateModel.learn(arts, s)
    >>> model.is_boilerplate("x", "Subscribe to our newsletter now!")
    True
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt
import xxhash

from ..models import Article
from ..settings import Settings
from .prepare import prepare_text

__all__ = [
    "BoilerplateModel",
    "sentence_hash",
    "sentence_spans",
    "split_sentences_for_boilerplate",
]

logger = logging.getLogger(__name__)

# Sentences shorter than this are not counted: fragments like "BTC" or "Yes." carry
# no boilerplate worth removing and are often real content words.
MIN_SENTENCE_CHARS = 8
# Sentences longer than this are not counted: a 500-char sentence repeated verbatim
# across articles is rare, and skipping them saves hashing time on long articles.
MAX_SENTENCE_CHARS = 500
# A piece without closing punctuation needs this many words to count: the real dump's
# teasers are cut after a few words ("Bitcoin is currently"), and such a stub recurs
# in many teasers without being boilerplate.
MIN_FRAGMENT_WORDS = 5
# Merge the pending dict into the arrays after this many new entries (a dict entry
# costs ~100 bytes, an array entry 12: this bounds the dict at ~30 MB).
PENDING_LIMIT = 300_000
# Prune rare entries of a source's table past this many (12 bytes each: 96 MB).
MAX_TABLE_ENTRIES = 8_000_000
# counts() leaves out sentences seen in fewer articles than this: one-off sentences
# are 80-90% of all and tell a later run nothing.
EXPORT_MIN_COUNT = 2

# Sentence ends: ., !, ? or … (with closing quotes/brackets), then whitespace; or a newline.
_BOUNDARY = re.compile(r"([.!?…][\"')\]]*)[ \t]+")
_ABBREVIATIONS = frozenset(
    (
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "inc", "corp", "ltd", "co",
        "no", "nos", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
        "nov", "dec", "approx", "est", "fig", "gen", "gov", "sen", "rep", "rev", "dept",
        "mt", "ft", "vol", "op", "cf", "al",
    )
)  # fmt: skip
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_CLOSERS = frozenset(".!?…\"')]:")
_QUANTITY = re.compile(r"[$€£]\s?\d|\d\s?%")
_WS = re.compile(r"\s+")
_SIGN_FLIP = 1 << 64
_SIGN_BIT = 1 << 63

_HashArray = npt.NDArray[np.int64]
_CountArray = npt.NDArray[np.uint32]


def is_abbreviation(line: str, dot: int, next_start: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation, not a sentence."""
    if next_start < len(line) and line[next_start].islower():
        return True  # "approx. three", "e.g. the"
    word = line[line.rfind(" ", 0, dot) + 1 : dot].lstrip("(\"'[")
    if word.lower() in _ABBREVIATIONS:
        return True
    # dotted initials ("U.S", "U.K", "e.g") and single initials ("J. Powell"),
    # but not "X" (the social network ends many sentences) or "I"
    return (len(word) == 1 and word.isupper() and word not in "XI") or (
        len(word) >= 3 and _INITIALS.fullmatch(word) is not None
    )


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text`` (lines are always split).

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` (closing quotes and brackets
    included) followed by a space, or at a line break; a period after a common
    abbreviation or initials ("U.S.", "Dr.", "Jan.") ends no sentence.

    Example:
        >>> t = "Are you in? Click here! The U.S. price is $5.25 now"
        >>> [t[s:e] for s, e in sentence_spans(t)]
        ['Are you in?', 'Click here!', 'The U.S. price is $5.25 now']
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        pos = 0
        for m in _BOUNDARY.finditer(line):
            if line[m.start()] == "." and is_abbreviation(line, m.start(), m.end()):
                continue
            end = m.end(1)
            if end > pos:
                spans.append((offset + pos, offset + end))
            pos = m.end()
        if pos < len(line):
            spans.append((offset + pos, offset + len(line)))
        offset += len(line) + 1
    return spans


def split_sentences_for_boilerplate(text: str) -> list[str]:
    """The sentences of ``text`` as the boilerplate model sees them."""
    return [text[s:e] for s, e in sentence_spans(text)]


def is_countable(sentence: str) -> bool:
    if not MIN_SENTENCE_CHARS <= len(sentence) <= MAX_SENTENCE_CHARS:
        return False
    if sentence[-1] not in _CLOSERS and sentence.count(" ") < MIN_FRAGMENT_WORDS - 1:
        return False
    has_symbol = "$" in sentence or "%" in sentence or "€" in sentence or "£" in sentence
    return not (has_symbol and _QUANTITY.search(sentence) is not None)


def sentence_hash(sentence: str) -> int:
    """Signed 64-bit xxh3 of the lowercased, whitespace-collapsed sentence (digits kept).

    Signed so that it fits an SQLite INTEGER column.
    """
    if "  " in sentence or "\n" in sentence or "\t" in sentence:
        sentence = _WS.sub(" ", sentence)
    key = sentence.strip().lower()
    h: int = xxhash.xxh3_64_intdigest(key.encode("utf-8", "surrogatepass"))
    return h - _SIGN_FLIP if h >= _SIGN_BIT else h


def _source_key(source: str | None) -> str:
    # "Cointelegraph" and "cointelegraph" are one publisher in the real dump
    return (source or "").strip().casefold()


class _Table:
    """Counts of one source: sorted hashes + counts, and a dict not yet merged."""

    __slots__ = ("counts", "frequent", "hashes", "pending")

    def __init__(self) -> None:
        self.hashes: _HashArray = np.empty(0, dtype=np.int64)
        self.counts: _CountArray = np.empty(0, dtype=np.uint32)
        self.pending: dict[int, int] = {}
        self.frequent: frozenset[int] = frozenset()

    def stored(self, h: int) -> int:
        i = int(np.searchsorted(self.hashes, h))
        if i < len(self.hashes) and int(self.hashes[i]) == h:
            return int(self.counts[i])
        return 0

    def merge_pending(self, min_articles: int) -> None:
        if self.pending:
            ph = np.fromiter(self.pending.keys(), dtype=np.int64, count=len(self.pending))
            pc = np.fromiter(self.pending.values(), dtype=np.uint32, count=len(self.pending))
            order = np.argsort(ph, kind="stable")
            ph, pc = ph[order], pc[order]
            idx = np.searchsorted(self.hashes, ph)
            inside = idx < len(self.hashes)
            found = np.zeros(len(ph), dtype=bool)
            found[inside] = self.hashes[idx[inside]] == ph[inside]
            counts = self.counts.copy()
            np.add.at(counts, idx[found], pc[found])
            new = ~found
            self.hashes = np.insert(self.hashes, idx[new], ph[new])
            self.counts = np.insert(counts, idx[new], pc[new])
            self.pending = {}
        if len(self.hashes) > MAX_TABLE_ENTRIES:
            self.prune(MAX_TABLE_ENTRIES * 3 // 4)
        self.frequent = frozenset(int(h) for h in self.hashes[self.counts >= min_articles])

    def prune(self, target: int) -> None:
        floor = 1
        while len(self.hashes) > target:
            keep = self.counts > floor
            logger.debug(
                "boilerplate: pruning %d entries with count <= %d", int((~keep).sum()), floor
            )
            self.hashes, self.counts = self.hashes[keep], self.counts[keep]
            floor += 1


class BoilerplateModel:
    """Per-source counts of sentences over distinct articles.

    Build it with :meth:`learn` (one streaming pass), :meth:`add` (incremental) or
    :meth:`from_counts` (rows of the ``boilerplate`` table); query it with
    :meth:`is_boilerplate`.
    """

    def __init__(self, min_articles: int) -> None:
        if min_articles < 2:
            raise ValueError(f"min_articles must be >= 2, got {min_articles}")
        self.min_articles = min_articles
        self._tables: dict[str, _Table] = {}
        self._pending_total = 0
        self._articles = 0

    # ------------------------------------------------------------------ building

    @classmethod
    def learn(cls, articles: Iterable[Article], settings: Settings) -> BoilerplateModel:
        """Count the sentences of ``articles`` in one streaming pass.

        Example:
            >>> from newsclaims.settings import load_settings
            >>> BoilerplateModel.learn([], load_settings()).n_articles
            0
        """
        model = cls(settings.clean.boilerplate_min_articles)
        for article in articles:
            model.add(article)
        model._flush()
        logger.info(
            "boilerplate: %d articles, %d sources, %d boilerplate sentences",
            model.n_articles,
            len(model._tables),
            model.n_boilerplate,
        )
        return model

    def add(self, article: Article) -> None:
        """Count one more article (each sentence at most once per article)."""
        text, _title, _removed = prepare_text(article)
        self.add_text(article.source, text)

    def add_text(self, source: str | None, text: str) -> None:
        """Count the sentences of one article's prepared text."""
        self._articles += 1
        hashes = {
            sentence_hash(text[s:e]) for s, e in sentence_spans(text) if is_countable(text[s:e])
        }
        if not hashes:
            return
        table = self._table(source)
        pending = table.pending
        before = len(pending)
        for h in hashes:
            pending[h] = pending.get(h, 0) + 1
        self._pending_total += len(pending) - before
        if self._pending_total >= PENDING_LIMIT:
            self._flush()

    @classmethod
    def from_counts(
        cls, rows: Iterable[tuple[str, int, int]], settings: Settings
    ) -> BoilerplateModel:
        """Rebuild a model from ``(source, sentence_hash, n_articles)`` rows."""
        model = cls(settings.clean.boilerplate_min_articles)
        for source, h, n in rows:
            table = model._table(source)
            table.pending[int(h)] = table.pending.get(int(h), 0) + int(n)
            model._pending_total += 1
            if model._pending_total >= PENDING_LIMIT:
                model._flush()
        model._flush()
        return model

    def merge(self, other: BoilerplateModel) -> BoilerplateModel:
        """A new model with the counts of both (threshold of ``self``)."""
        merged = BoilerplateModel(self.min_articles)
        for model in (self, other):
            model._flush()
            for key, table in model._tables.items():
                target = merged._table(key)
                for h, n in zip(table.hashes.tolist(), table.counts.tolist(), strict=True):
                    target.pending[h] = target.pending.get(h, 0) + n
                target.merge_pending(merged.min_articles)
        merged._articles = self._articles + other._articles
        return merged

    # ------------------------------------------------------------------ queries

    def is_boilerplate(self, source: str | None, sentence: str) -> bool:
        """Whether ``sentence`` is boilerplate of ``source``."""
        if not is_countable(sentence):
            return False
        return self.is_boilerplate_hash(source, sentence_hash(sentence))

    def is_boilerplate_hash(self, source: str | None, h: int) -> bool:
        """:meth:`is_boilerplate` for an already hashed sentence."""
        table = self._tables.get(_source_key(source))
        if table is None:
            return False
        if h in table.frequent:
            return True
        extra = table.pending.get(h, 0)
        return extra > 0 and table.stored(h) + extra >= self.min_articles

    def counts(self, min_count: int = EXPORT_MIN_COUNT) -> Iterator[tuple[str, int, int]]:
        """``(source, sentence_hash, n_articles)`` rows for the ``boilerplate`` table.

        Sentences seen in fewer than ``min_count`` articles are left out.
        """
        self._flush()
        for key, table in self._tables.items():
            mask = table.counts >= min_count
            for h, n in zip(table.hashes[mask].tolist(), table.counts[mask].tolist(), strict=True):
                yield key, int(h), int(n)

    @property
    def n_articles(self) -> int:
        """Articles counted by :meth:`add` in this process (not in loaded rows)."""
        return self._articles

    @property
    def n_sentences(self) -> int:
        """Distinct (source, sentence) entries held."""
        self._flush()
        return sum(len(t.hashes) for t in self._tables.values())

    @property
    def n_boilerplate(self) -> int:
        """(source, sentence) entries at or above the threshold."""
        self._flush()
        return sum(len(t.frequent) for t in self._tables.values())

    def boilerplate_by_source(self) -> dict[str, int]:
        """Number of boilerplate sentences per source (for reports)."""
        self._flush()
        return {k: len(t.frequent) for k, t in self._tables.items() if t.frequent}

    @property
    def nbytes(self) -> int:
        """Bytes held by the count arrays (the dominant memory)."""
        return sum(t.hashes.nbytes + t.counts.nbytes for t in self._tables.values())

    # ------------------------------------------------------------------ internals

    def _table(self, source: str | None) -> _Table:
        key = _source_key(source)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = _Table()
        return table

    def _flush(self) -> None:
        for table in self._tables.values():
            if table.pending:
                table.merge_pending(self.min_articles)
        self._pending_total = 0
