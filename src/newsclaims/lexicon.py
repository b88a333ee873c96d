"""The asset lexicon (``data/assets.json``): tickers, names, aliases, price bands.

Plain data, no spaCy: the story features and the story worker processes read it
without loading the NLP pipeline; :mod:`newsclaims.nlp.assets` builds its matchers
from it.

Example:
    >>> lex = AssetLexicon.load()
    >>> lex.entries["BTC"].name
    'Bitcoin'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class AssetEntry:
    """One asset of the lexicon."""

    ticker: str
    name: str
    aliases: tuple[str, ...] = ()
    cased: tuple[str, ...] = ()
    ticker_match: str = "upper"
    #: plausible USD price range (see ``_meta.price_band_usd`` in the data file).
    price_band: tuple[float, float] | None = None


@dataclass
class AssetLexicon:
    """The shipped lexicon, loaded once per pipeline."""

    entries: dict[str, AssetEntry] = field(default_factory=dict)
    market_phrases: tuple[str, ...] = ()
    source: str = ""

    @classmethod
    def load(cls, path: str | None = None) -> AssetLexicon:
        """Load the lexicon from ``path`` or the packaged ``data/assets.json``."""
        if path is None:
            raw = resources.files("newsclaims").joinpath("data/assets.json").read_text("utf-8")
        else:
            with open(path, encoding="utf-8") as fh:
                raw = fh.read()
        data: dict[str, Any] = json.loads(raw)
        entries = {}
        for item in data["assets"]:
            e = AssetEntry(
                ticker=item["ticker"],
                name=item["name"],
                aliases=tuple(item.get("aliases", ())),
                cased=tuple(item.get("cased", ())),
                ticker_match=item.get("ticker_match", "upper"),
                price_band=_band(item.get("price_band_usd")),
            )
            entries[e.ticker] = e
        return cls(
            entries=entries,
            market_phrases=tuple(data.get("market_phrases", ())),
            source=str(data.get("_meta", {}).get("source", "")),
        )

    def price_bands(self) -> dict[str, tuple[float, float]]:
        """Ticker -> plausible USD price range, for the assets that have one."""
        return {t: e.price_band for t, e in self.entries.items() if e.price_band is not None}


def _band(raw: Any) -> tuple[float, float] | None:
    """A ``[low, high]`` price band from the data file, or ``None``."""
    if not raw:
        return None
    lo, hi = float(raw[0]), float(raw[1])
    return (lo, hi) if 0 < lo < hi else None


__all__ = ["AssetEntry", "AssetLexicon"]
