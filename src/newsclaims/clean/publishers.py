"""One name per publisher: ``Cointelegraph`` and ``cointelegraph`` are one source.

Feeds spell their publisher's name in several ways (case, spacing, a ``www.`` or a
``.com``). Names that share a key are one publisher, shown under the spelling used
most often (ties: the one with more capitals, then the first in sort order), unless
their articles come from different sites: ``crypto_news`` (crypto.news) and
``cryptonews`` (cryptonews.com) are two publishers. The raw spelling is kept beside it
(``articles.source_raw``).

Example:
    >>> publisher_names({"Cointelegraph": 2130, "cointelegraph": 868, "CoinDesk": 5})
    {'Cointelegraph': 'Cointelegraph', 'cointelegraph': 'Cointelegraph', 'CoinDesk': 'CoinDesk'}
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

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


def publisher_names(counts: Mapping[str, int], hosts: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """Each raw name (with its number of articles) -> the publisher's one name.

    ``hosts`` gives each raw name's site (the most common host of its articles' URLs):
    spellings that share a key but come from different sites stay apart, as
    ``crypto_news`` (crypto.news) and ``cryptonews`` (cryptonews.com); a spelling with
    no known site joins the largest of them.

    >>> publisher_names({"crypto_news": 9, "cryptonews": 8, "CryptoNews": 1},
    ...                 {"crypto_news": "crypto.news", "cryptonews": "cryptonews.com"})
    {'crypto_news': 'crypto_news', 'CryptoNews': 'crypto_news', 'cryptonews': 'cryptonews'}
    """
    groups: dict[str, list[str]] = {}
    for raw in counts:
        key = publisher_key(raw)
        groups.setdefault(key or raw, []).append(raw)
    names: dict[str, str] = {}
    for variants in groups.values():
        for part in _by_site(variants, counts, hosts or {}):
            best = min(part, key=lambda v: (-counts[v], -sum(ch.isupper() for ch in v), v.strip() != v, v))
            shown = " ".join(best.split())
            names.update({v: shown for v in part})
    return names


def _by_site(variants: list[str], counts: Mapping[str, int], hosts: Mapping[str, str | None]) -> list[list[str]]:
    by_host: dict[str | None, list[str]] = {}
    for v in variants:
        by_host.setdefault(hosts.get(v), []).append(v)
    known = [part for h, part in by_host.items() if h is not None]
    if len(known) < 2:
        return [variants]
    largest = max(known, key=lambda part: (sum(counts[v] for v in part), sorted(part)))
    largest.extend(by_host.get(None, []))
    return known


def url_host(url: str | None) -> str | None:
    """The site of a URL, without ``www.``: ``https://www.CoinDesk.com/x`` -> ``coindesk.com``.

    >>> url_host("https://www.CoinDesk.com/markets/x"), url_host("not a url")
    ('coindesk.com', None)
    """
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return host.removeprefix("www.")


def site_of_names(pairs: Iterable[tuple[str | None, str | None]]) -> dict[str, str | None]:
    """Each raw name -> the most common site of its articles (``(raw name, url)`` pairs);
    ties go to the site first in sort order."""
    seen: dict[str, Counter[str]] = {}
    for raw, url in pairs:
        if raw is None:
            continue
        c = seen.setdefault(raw, Counter())
        host = url_host(url)
        if host is not None:
            c[host] += 1
    return {raw: (min(c, key=lambda h: (-c[h], h)) if c else None) for raw, c in seen.items()}
