"""Near-duplicate clustering: MinHash signatures, LSH banding, union-find clusters.

Two halves with different lifetimes:

- **Signatures** are a pure function of the cleaned text and ``settings.dedup``
  (:func:`signature`), cheap enough to compute in worker processes and handed back
  as bytes (:func:`signature_to_bytes`). They are stored in the ``signatures`` table
  with :func:`config_fingerprint`, so a later run can rebuild the index without the
  texts.
- **The index** (:class:`DedupIndex`) is the one stage with state, an explicit
  object in the main process: LSH buckets, verified similarity edges and union-find
  clusters. ``ingest`` rebuilds it from the stored signatures, adds the new
  articles and writes back only the clusters that changed (:meth:`DedupIndex.take_changes`).

How a signature is made (all numpy, no Python loop per shingle):

1. the text is lower-cased and split into words (runs of alphanumeric characters,
   so ``crypto.The`` and ``crypto. The`` give the same words);
2. each word gets a 64-bit hash from a vectorized polynomial prefix hash over its
   code points; five consecutive word hashes combine into one shingle hash, then a
   64-bit finalizer (splitmix64) mixes it, so every shingle is hashed exactly once;
3. **one-permutation hashing with optimal densification** (Li, Owen & Zhang 2012;
   Shrivastava 2017): the high bits of a shingle hash choose one of ``num_perm``
   bins, the low 32 bits are its value, each bin keeps its minimum, and an empty bin
   copies the value of the first non-empty bin on its own fixed pseudo-random probe
   sequence. The fraction of equal bins estimates the Jaccard similarity without
   bias. Each shingle enters the bins twice (``OPH_COPIES``), which keeps short
   texts, where most bins are copies, as accurate as ``num_perm`` independent
   permutations. It costs two cheap bin updates per shingle instead of ``num_perm``
   permutations, which is what makes it ~50x faster than ``MinHash.update()``
   (``benchmarks/dedup.py`` measures speed, and error against exact Jaccard next to
   128 multiply-shift permutations of the same shingle hashes).

Why not digit normalization: it is off by default (``settings.dedup.normalize_digits``)
because two articles that differ only in their prices (a daily price template, two
purchase announcements) are different news; normalized, such pairs reach Jaccard
0.8-1.0 on the real dump and would be merged.

Stored signatures are tied to :func:`config_fingerprint` (every ``settings.dedup``
value plus :data:`SIGNATURE_SCHEME`). :meth:`DedupIndex.load` refuses rows of another
fingerprint with :class:`SignatureConfigError` rather than recomputing: the index
never sees texts; the pipeline may recompute from ``articles.text`` on request.

Example:
    >>> from newsclaims.settings import DedupSettings
    >>> cfg = DedupSettings()
    >>> text = " ".join(f"word{i}" for i in range(300))
    >>> index = DedupIndex(cfg)
    >>> index.add("a", signature(text, cfg), None, len(text))
    []
    >>> copy = text + " The post appeared first on Example News."
    >>> index.add("b", signature(copy, cfg), None, len(copy))
    ['a']
    >>> index.cluster_of("b")
    'a'
"""

from __future__ import annotations

from .index import Cluster, ClusterChanges, DedupIndex, band_keys, canonical_member, signature_row
from .minhash import (
    SIGNATURE_SCHEME,
    SignatureConfigError,
    config_fingerprint,
    estimate_jaccard,
    exact_jaccard,
    shingles,
    signature,
    signature_from_bytes,
    signature_from_shingles,
    signature_to_bytes,
)

__all__ = [
    "SIGNATURE_SCHEME",
    "Cluster",
    "ClusterChanges",
    "DedupIndex",
    "SignatureConfigError",
    "band_keys",
    "canonical_member",
    "config_fingerprint",
    "estimate_jaccard",
    "exact_jaccard",
    "shingles",
    "signature",
    "signature_from_bytes",
    "signature_from_shingles",
    "signature_row",
    "signature_to_bytes",
]
