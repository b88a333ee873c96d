"""The dedup index: LSH banding, verification and union-find clusters (the stateful stage)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from ..models import Frozen
from ..settings import DedupSettings
from .minhash import (
    _SHINGLE_MULT,
    Signature,
    SignatureConfigError,
    _splitmix,
    config_fingerprint,
    signature_from_bytes,
    signature_to_bytes,
)

log = logging.getLogger(__name__)


class Cluster(Frozen):
    """One near-duplicate cluster (an article alone is a cluster of one).

    ``id`` is the smallest member id and ``canonical_id`` the earliest published
    member (unknown times count as latest), then the longest, then the smallest id:
    both independent of the order in which articles were added.
    """

    id: str
    canonical_id: str
    members: tuple[str, ...]
    #: highest estimated Jaccard of a verified pair inside; ``None`` for one member.
    max_jaccard: float | None = None

    @property
    def size(self) -> int:
        return len(self.members)


class ClusterChanges(Frozen):
    """What changed since the last :meth:`DedupIndex.take_changes`.

    ``updated`` holds every cluster that gained members (new singletons included):
    rewrite its ``clusters`` row and its members' ``cluster_id``/``is_canonical``.
    ``removed`` holds ids of clusters reported before that were merged into another
    since: delete those rows.
    """

    updated: tuple[Cluster, ...] = ()
    removed: tuple[str, ...] = ()


_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


class DedupIndex:
    """LSH index over signatures with union-find clusters of verified near-duplicates.

    Two articles are linked when they share at least one LSH band (``cfg.bands``
    bands of ``cfg.rows`` values) and their full signatures agree on at least
    ``cfg.threshold`` of the values; clusters are the connected components of those
    links, so the result does not depend on insertion order.

    Example:
        >>> from newsclaims.dedup import signature
        >>> cfg = DedupSettings()
        >>> index = DedupIndex(cfg)
        >>> text = "The SEC delayed its decision on the spot ETF until June, filings show. " * 4
        >>> index.add("x2", signature(text, cfg), None, len(text))
        []
        >>> index.add("x1", signature(text, cfg), None, len(text))
        ['x2']
        >>> [(c.id, c.members) for c in index.take_changes().updated]
        [('x1', ('x1', 'x2'))]
    """

    def __init__(self, cfg: DedupSettings) -> None:
        self.cfg = cfg
        self.fingerprint = config_fingerprint(cfg)
        self._ids: list[str] = []
        self._index_of: dict[str, int] = {}
        self._published: list[datetime | None] = []
        self._chars: list[int] = []
        self._sigs = np.empty((1024, cfg.num_perm), dtype=np.uint32)
        # One dict per band: band hash -> index of the first article in the bucket,
        # or a list of indices once a bucket holds more than one (most hold one).
        self._buckets: list[dict[int, int | list[int]]] = [{} for _ in range(cfg.bands)]
        self._parent: list[int] = []
        self._members: dict[int, list[int]] = {}  # root -> member indices
        self._max_jaccard: dict[int, float] = {}  # root -> best verified edge
        self._touched: set[int] = set()  # indices whose cluster changed
        self._removed: set[str] = set()  # reported cluster ids merged away since
        self._reported_upto = 0  # articles that existed at the last take_changes()

    # ----------------------------------------------------------------- building

    @classmethod
    def load(cls, cfg: DedupSettings, rows: Iterable[Mapping[str, Any]]) -> DedupIndex:
        """Rebuild an index from ``signatures`` table rows.

        Rows have the columns of :func:`signature_row` (``article_id``, ``config``,
        ``minhash``, ``published_at`` as ISO text or ``None``, ``chars``). The
        clusters that come out are those already stored, so no change is pending
        afterwards.

        Raises:
            SignatureConfigError: a row was made with another dedup configuration.
                Signatures are not recomputed here (the index never sees texts);
                the message says how to proceed.
        """
        index = cls(cfg)
        for row in rows:
            index.add_row(row)
        index._forget_changes()
        log.debug(
            "dedup index rebuilt: %s articles, %s clusters", len(index), index.cluster_count()
        )
        return index

    def add_row(self, row: Mapping[str, Any]) -> list[str]:
        """Add one stored ``signatures`` row (see :meth:`load`)."""
        config = row["config"]
        if config != self.fingerprint:
            raise SignatureConfigError(
                f"stored signature of article {row['article_id']} was made with dedup config "
                f"{config}, but the current settings give {self.fingerprint}; use the "
                "dedup settings the database was built with, or recompute the signatures "
                "from the stored article texts"
            )
        published = row.get("published_at")
        if isinstance(published, str):
            published = datetime.fromisoformat(published)
        return self.add(
            row["article_id"],
            signature_from_bytes(row["minhash"], self.cfg),
            published,
            int(row.get("chars") or 0),
        )

    def add(
        self, article_id: str, sig: Signature, published_at: datetime | None, chars: int
    ) -> list[str]:
        """Add an article; returns the ids of its verified near-duplicates already here.

        Adding an id that is already in the index changes nothing and returns ``[]``.

        Args:
            article_id: the article's content-hash id.
            sig: its :func:`signature` under this index's config.
            published_at: publication time (timezone-aware), ``None`` if unknown.
            chars: length of the cleaned text (the canonical tie-break).
        """
        if article_id in self._index_of:
            return []
        if published_at is not None and published_at.tzinfo is None:
            # Readers give aware UTC times; a naive one is taken as UTC rather than
            # failing later when canonicals are compared.
            published_at = published_at.replace(tzinfo=UTC)
        if sig.shape != (self.cfg.num_perm,) or sig.dtype != np.uint32:
            raise SignatureConfigError(
                f"signature of {article_id} is {sig.dtype.name}{list(sig.shape)}, "
                f"expected uint32[{self.cfg.num_perm}] (num_perm)"
            )
        idx = len(self._ids)
        candidates: set[int] = set()
        keys = self._band_keys(sig)
        for band, key in zip(self._buckets, keys, strict=True):
            found = band.get(key)
            if found is None:
                band[key] = idx
            elif isinstance(found, int):
                candidates.add(found)
                band[key] = [found, idx]
            else:
                candidates.update(found)
                found.append(idx)
        self._append(article_id, sig, published_at, chars)
        if not candidates:
            return []
        cand = np.fromiter(candidates, dtype=np.intp, count=len(candidates))
        agree = np.count_nonzero(self._sigs[cand] == sig, axis=1) / self.cfg.num_perm
        ok = agree >= self.cfg.threshold
        for other, jac in zip(cand[ok].tolist(), agree[ok].tolist(), strict=True):
            self._union(idx, other, jac)
        return sorted(self._ids[i] for i in cand[ok].tolist())

    def _band_keys(self, sig: Signature) -> list[int]:
        keys: list[int] = band_keys(sig[np.newaxis, :], self.cfg)[0].tolist()
        return keys

    def _append(
        self, article_id: str, sig: Signature, published_at: datetime | None, chars: int
    ) -> None:
        idx = len(self._ids)
        if idx == self._sigs.shape[0]:
            grown = np.empty((idx * 2, self.cfg.num_perm), dtype=np.uint32)
            grown[:idx] = self._sigs
            self._sigs = grown
        self._sigs[idx] = sig
        self._ids.append(article_id)
        self._index_of[article_id] = idx
        self._published.append(published_at)
        self._chars.append(chars)
        self._parent.append(idx)
        self._members[idx] = [idx]
        self._touched.add(idx)

    # ----------------------------------------------------------------- union-find

    def _find(self, i: int) -> int:
        parent = self._parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:  # path compression
            parent[i], i = root, parent[i]
        return root

    def _union(self, a: int, b: int, jaccard: float) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            if len(self._members[ra]) < len(self._members[rb]):
                ra, rb = rb, ra
            old_a, old_b = self._cluster_id(ra), self._cluster_id(rb)
            self._parent[rb] = ra
            self._members[ra].extend(self._members.pop(rb))
            self._max_jaccard[ra] = max(
                self._max_jaccard.get(ra, 0.0), self._max_jaccard.pop(rb, 0.0)
            )
            vanished = max(old_a, old_b)
            # Only a cluster that existed at the last report can have a stored row.
            if self._index_of[vanished] < self._reported_upto:
                self._removed.add(vanished)
        self._max_jaccard[ra] = max(self._max_jaccard.get(ra, 0.0), jaccard)
        self._touched.add(ra)

    # ----------------------------------------------------------------- queries

    def _cluster_id(self, root: int) -> str:
        return min(self._ids[i] for i in self._members[root])

    def _canonical(self, root: int) -> str:
        def key(i: int) -> tuple[datetime, int, str]:
            published = self._published[i]
            return (published or _FAR_FUTURE, -self._chars[i], self._ids[i])

        return self._ids[min(self._members[root], key=key)]

    def _cluster(self, root: int) -> Cluster:
        members = tuple(sorted(self._ids[i] for i in self._members[root]))
        return Cluster(
            id=members[0],
            canonical_id=self._canonical(root),
            members=members,
            max_jaccard=self._max_jaccard.get(root) if len(members) > 1 else None,
        )

    def _root_of(self, article_id: str) -> int:
        try:
            return self._find(self._index_of[article_id])
        except KeyError:
            raise KeyError(f"article {article_id!r} is not in the dedup index") from None

    def cluster_of(self, article_id: str) -> str:
        """The cluster id (smallest member id) of an article in the index."""
        return self._cluster_id(self._root_of(article_id))

    def _root_of_cluster(self, cluster_id: str) -> int:
        root = self._root_of(cluster_id)
        if self._cluster_id(root) != cluster_id:
            raise KeyError(f"{cluster_id!r} is a member but not the id of its cluster")
        return root

    def canonical_of(self, cluster_id: str) -> str:
        """The canonical member of a cluster (see :class:`Cluster`)."""
        return self._canonical(self._root_of_cluster(cluster_id))

    def members(self, cluster_id: str) -> list[str]:
        """The member ids of a cluster, sorted."""
        return sorted(self._ids[i] for i in self._members[self._root_of_cluster(cluster_id)])

    def clusters(self) -> list[Cluster]:
        """Every cluster (singletons included), sorted by id."""
        return sorted((self._cluster(root) for root in self._members), key=lambda c: c.id)

    def cluster_count(self) -> int:
        return len(self._members)

    def take_changes(self) -> ClusterChanges:
        """Clusters changed since the last call, then forget them.

        The storage layer rewrites only these rows (the ``changed_clusters`` of the
        design): new articles, merged clusters, moved canonicals.
        """
        roots = {self._find(i) for i in self._touched}
        updated = tuple(sorted((self._cluster(r) for r in roots), key=lambda c: c.id))
        live = {c.id for c in updated}
        removed = tuple(sorted(self._removed - live))
        self._forget_changes()
        return ClusterChanges(updated=updated, removed=removed)

    def changed_clusters(self) -> set[str]:
        """Ids of the clusters changed since the last call, then forget the changes.

        The short form of :meth:`take_changes` (they share one change log). It does
        not say which stored clusters were merged away; :meth:`take_changes` does
        (``removed``), so prefer it when cluster rows must be deleted.
        """
        roots = {self._find(i) for i in self._touched}
        ids = {self._cluster_id(r) for r in roots}
        self._forget_changes()
        return ids

    def _forget_changes(self) -> None:
        self._touched.clear()
        self._removed.clear()
        self._reported_upto = len(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._index_of

    def memory_bytes(self) -> int:
        """A rough estimate of the memory the index holds (bytes)."""
        n = len(self._ids)
        total = n * self.cfg.num_perm * 4  # signatures actually used
        total += sys.getsizeof(self._ids) + sum(sys.getsizeof(s) for s in self._ids)
        total += sys.getsizeof(self._index_of) + sys.getsizeof(self._parent)
        total += sys.getsizeof(self._published) + sys.getsizeof(self._chars)
        total += n * (32 + 28 + 28)  # datetime, chars and index int objects (upper bound)
        total += sys.getsizeof(self._members) + sum(
            sys.getsizeof(m) for m in self._members.values()
        )
        for band in self._buckets:
            total += sys.getsizeof(band) + 36 * len(band)  # dict table + 64-bit int keys
            total += sum(sys.getsizeof(v) for v in band.values() if isinstance(v, list))
        return total


def canonical_member(members: Iterable[tuple[str, str | None, int]]) -> str:
    """The canonical member of ``(id, published_at ISO or None, chars)`` rows, as
    :class:`DedupIndex` picks it: the earliest published, then the longest, then the
    smallest id.

    >>> canonical_member([("b", "2025-06-01T10:00:00+00:00", 900), ("a", None, 2000),
    ...                   ("c", "2025-06-01T10:00:00+00:00", 1200)])
    'c'
    """

    def key(m: tuple[str, str | None, int]) -> tuple[datetime, int, str]:
        aid, published, chars = m
        when = datetime.fromisoformat(published) if published else _FAR_FUTURE
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return (when, -chars, aid)

    return min(members, key=key)[0]


def band_keys(sigs: npt.NDArray[np.uint32], cfg: DedupSettings) -> npt.NDArray[np.uint64]:
    """The LSH bucket key of every band of every signature: ``uint64[n, cfg.bands]``.

    Two signatures are candidates when they share a key in the same band (column).
    :class:`DedupIndex` keeps these keys in dicts; the distributed engine shuffles
    rows by them.
    """
    bands = sigs[:, : cfg.bands * cfg.rows].reshape(sigs.shape[0], cfg.bands, cfg.rows)
    acc = bands[:, :, 0].astype(np.uint64)
    mult = np.uint64(_SHINGLE_MULT)
    for j in range(1, cfg.rows):
        acc *= mult
        acc += bands[:, :, j]
    return _splitmix(acc)


def signature_row(
    article_id: str,
    sig: Signature,
    cfg: DedupSettings,
    published_at: datetime | None,
    chars: int,
) -> dict[str, Any]:
    """A row for the ``signatures`` table (the inverse of :meth:`DedupIndex.add_row`)."""
    return {
        "article_id": article_id,
        "config": config_fingerprint(cfg),
        "minhash": signature_to_bytes(sig),
        "published_at": None if published_at is None else published_at.astimezone(UTC).isoformat(),
        "chars": chars,
    }
