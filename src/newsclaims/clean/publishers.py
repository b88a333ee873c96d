"""One name per publisher: ``Cointelegraph`` and ``cointelegraph`` are one source.

Feeds spell their publisher's name in several ways (case, spacing, a ``www.`` or a
``.com``). Names that share a key are one publisher, shown under the spelling used
most often (ties: the one with more capitals, then the first in sort order). The
raw spelling is kept beside it (``articles.source_raw``).

Example:
    >>> publisher_names({"Cointelegraph": 2130, "cointelegraph": 868, "CoinDesk": 5})
    {'Cointelegraph': 'Cointelegraph', 'cointelegraph': 'Cointelegraph', 'CoinDesk': 'CoinDesk'}
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?", re.IGNORECASE)
_SUFFIX = re.compile(r"\.(?:com|net|org|io|co|news)/?$", re.IGNORECASE)
_NOT_ALNUM = re.compile(r"[\W_]+")


def publisher_key(name: str) -> str:
    """The key names of one publisher share: lower case, letters and digits only.

    >>> publisher_key(" www.CoinTelegraph.com ")
    'cointelegraph'
    """
    bare = _SUFFIX.sub("", _PREFIX.sub("", name.strip()))
    return _NOT_ALNUM.sub("", bare.lower())


def publisher_names(counts: Mapping[str, int]) -> dict[str, str]:
    """Each raw name (with its number of articles) -> the publisher's one name."""
    groups: dict[str, list[str]] = {}
    for raw in counts:
        key = publisher_key(raw)
        groups.setdefault(key or raw, []).append(raw)
    names: dict[str, str] = {}
    for variants in groups.values():
        best = min(variants, key=lambda v: (-counts[v], -sum(ch.isupper() for ch in v), v.strip() != v, v))
        shown = " ".join(best.split())
        names.update({v: shown for v in variants})
    return names
