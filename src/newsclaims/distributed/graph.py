"""Near-duplicate clustering as data-parallel steps (no Ray needed; the job runs them on Ray).

The local :class:`~newsclaims.dedup.DedupIndex` links two articles when they share an
LSH band and their signatures agree on at least ``threshold`` of the values; clusters
are the connected components of those links. The same, as steps that each see only a
partition of the data after a shuffle:

1. :func:`bucket_rows`: every article becomes ``bands`` rows ``(band, key, id, minhash)``;
   the job hash-shuffles them by ``(band, key)`` so one bucket lands in one partition.
2. :func:`verify_buckets`: inside each bucket, every pair is compared on the full
   signatures with the same formula as the index; the pairs that pass are the edges.
3. :func:`large_star` and :func:`small_star` (Kiveris et al., "Connected Components in
   MapReduce and Beyond", 2014): alternated, each after a shuffle of the edges by their
   first node, until the edge set stops changing; every component is then a star around
   its smallest id, which is the cluster id (as in the index).
4. :func:`cluster_rows`: a cluster's canonical member (earliest published, then
   longest, then smallest id) and its best verified edge, as the index computes them.

Example:
    >>> sorted(star_roots([("b", "c"), ("a", "b"), ("x", "y")]).items())
    [('a', 'a'), ('b', 'a'), ('c', 'a'), ('x', 'x'), ('y', 'x')]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from ..dedup import band_keys, canonical_member, signature_from_bytes
from ..settings import DedupSettings

EDGE_SCHEMA = pa.schema([("u", pa.string()), ("v", pa.string())])
VERIFIED_SCHEMA = pa.schema([("a", pa.string()), ("b", pa.string()), ("jaccard", pa.float64())])
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def bucket_rows(table: pa.Table, cfg: DedupSettings) -> pa.Table:
    """``(band, key, id, minhash)`` for every band of every article of ``table`` (columns ``id``, ``minhash``)."""
    ids = table.column("id").to_pylist()
    blobs = table.column("minhash").to_pylist()
    if not ids:
        return pa.table({"band": pa.array([], pa.int64()), "key": pa.array([], pa.int64()), "id": pa.array([], pa.string()), "minhash": pa.array([], pa.binary())})
    sigs = np.vstack([signature_from_bytes(b, cfg) for b in blobs])
    keys = band_keys(sigs, cfg)  # n x bands
    n, bands = keys.shape
    return pa.table({
        "band": pa.array(np.tile(np.arange(bands, dtype=np.int64), n)),
        "key": pa.array(keys.reshape(-1).view(np.int64)),  # the same bits; signed sorts and hashes everywhere
        "id": pa.array(np.repeat(np.array(ids, dtype=object), bands)),
        "minhash": pa.array(np.repeat(np.array(blobs, dtype=object), bands), pa.binary()),
    })


def in_buckets(table: pa.Table, keys: set[tuple[int, int]]) -> pa.Table:
    """The bucket rows of ``table`` whose ``(band, key)`` is in ``keys``."""
    pairs = zip(table.column("band").to_pylist(), table.column("key").to_pylist(), strict=True)
    return table.filter(pa.array([p in keys for p in pairs], pa.bool_()))


def verify_buckets(table: pa.Table, cfg: DedupSettings) -> pa.Table:
    """The verified pairs ``(a, b, jaccard)`` (``a < b``) among the bucket rows of one partition.

    A partition must hold every row of the buckets it holds (a hash shuffle by
    ``(band, key)`` guarantees it). A pair found in several bands appears once.
    """
    if table.num_rows == 0:
        return VERIFIED_SCHEMA.empty_table()
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (band, key) in enumerate(zip(table.column("band").to_pylist(), table.column("key").to_pylist(), strict=True)):
        buckets[(band, key)].append(i)
    ids = table.column("id").to_pylist()
    blobs = table.column("minhash").to_pylist()
    edges: dict[tuple[str, str], float] = {}
    for rows in buckets.values():
        if len(rows) < 2:
            continue
        members = sorted({ids[i]: i for i in rows}.items())  # one row per article
        sigs = np.vstack([signature_from_bytes(blobs[i], cfg) for _, i in members])
        for j in range(1, len(members)):
            # the formula of DedupIndex.add, so equal signatures give equal decisions
            agree = np.count_nonzero(sigs[:j] == sigs[j], axis=1) / cfg.num_perm
            for k in np.flatnonzero(agree >= cfg.threshold).tolist():
                edges[(members[k][0], members[j][0])] = float(agree[k])
    pairs = sorted(edges)
    return pa.table({"a": [p[0] for p in pairs], "b": [p[1] for p in pairs], "jaccard": [edges[p] for p in pairs]}, schema=VERIFIED_SCHEMA)


def _neighbours(table: pa.Table) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for u, v in zip(table.column("u").to_pylist(), table.column("v").to_pylist(), strict=True):
        if u != v:
            out[u].add(v)
    return out


def _edges(pairs: Iterable[tuple[str, str]]) -> pa.Table:
    uniq = sorted(set(pairs))
    return pa.table({"u": [p[0] for p in uniq], "v": [p[1] for p in uniq]}, schema=EDGE_SCHEMA)


def both_directions(table: pa.Table) -> pa.Table:
    """Each edge ``(u, v)`` as ``(u, v)`` and ``(v, u)``: the input of :func:`large_star`."""
    u, v = table.column("u"), table.column("v")
    return pa.table({"u": pa.concat_arrays([u.combine_chunks(), v.combine_chunks()]), "v": pa.concat_arrays([v.combine_chunks(), u.combine_chunks()])}, schema=EDGE_SCHEMA)


def larger_first(table: pa.Table) -> pa.Table:
    """Each edge as ``(larger id, smaller id)``: the input of :func:`small_star`."""
    pairs = [(max(a, b), min(a, b)) for a, b in zip(table.column("u").to_pylist(), table.column("v").to_pylist(), strict=True) if a != b]
    return _edges(pairs)


def large_star(table: pa.Table) -> pa.Table:
    """Large-star: every neighbour larger than a node is linked to the smallest of the node's neighbourhood.

    The partition must hold every edge ``(u, *)`` of each ``u`` it holds (both directions).
    """
    out: list[tuple[str, str]] = []
    for u, nbrs in _neighbours(table).items():
        m = min(min(nbrs), u)
        out.extend((v, m) for v in nbrs if v > u)
    return _edges(out)


def small_star(table: pa.Table) -> pa.Table:
    """Small-star: a node and its smaller neighbours are linked to the smallest of them.

    The partition must hold every edge ``(u, v)`` with ``v < u`` of each ``u`` it holds.
    """
    out: list[tuple[str, str]] = []
    for u, nbrs in _neighbours(table).items():
        group = {v for v in nbrs if v < u} | {u}
        m = min(group)
        out.extend((v, m) for v in group if v != m)
    return _edges(out)


def roots_of(table: pa.Table) -> dict[str, str]:
    """Node -> root from converged star edges ``(leaf, root)``; roots map to themselves."""
    roots: dict[str, str] = {}
    for u, v in zip(table.column("u").to_pylist(), table.column("v").to_pylist(), strict=True):
        leaf, root = max(u, v), min(u, v)
        roots[leaf] = min(roots.get(leaf, root), root)
        roots.setdefault(root, root)
    for node, root in list(roots.items()):
        roots[node] = roots.get(root, root)
    return roots


def star_roots(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Connected components of ``pairs`` by alternating the two star steps in one process.

    The reference for the distributed loop (and what its tests compare with).
    """
    edges = larger_first(_edges(pairs))
    while True:
        before = edges
        edges = larger_first(large_star(both_directions(edges)))
        edges = small_star(edges)
        if edges.equals(before):
            return roots_of(edges)


def canonical_of(members: Sequence[tuple[str, str | None, int]]) -> str:
    """The canonical member of ``(id, published_at ISO or None, chars)`` rows: as :class:`~newsclaims.dedup.DedupIndex`."""
    return canonical_member(members)


def cluster_rows(table: pa.Table) -> list[dict[str, Any]]:
    """``clusters`` rows from member rows ``(cluster_id, id, published_at, chars, max_jaccard)``.

    The partition must hold every member of each cluster it holds.
    """
    groups: dict[str, list[tuple[str, str | None, int]]] = defaultdict(list)
    best: dict[str, float | None] = {}
    for row in table.to_pylist():
        cid = row["cluster_id"]
        groups[cid].append((row["id"], row["published_at"], int(row["chars"] or 0)))
        best[cid] = row["max_jaccard"]
    return [
        {"id": cid, "canonical_id": canonical_of(members), "size": len(members), "max_jaccard": best[cid] if len(members) > 1 else None}
        for cid, members in sorted(groups.items())
    ]
