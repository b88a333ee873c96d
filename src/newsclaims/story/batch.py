"""The story grouping as both batch engines run it (local and Ray), step for step.

The local run (:mod:`newsclaims.pipeline`) and the Ray job (:mod:`newsclaims.distributed`)
must give the same stories. Both build each article's :class:`StoryDoc` from the same
columns with :func:`stored_doc`, embed the documents in the same chunks
(:func:`embed_chunks`: the int8 encoder's activations are quantized per ONNX call, so a
text's vector depends on the texts embedded with it), and decide with
:func:`group_by_events`, or :func:`newsclaims.check.group_stories` when no encoder is
configured.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from ..settings import Settings
from .features import LEAD_CHARS, split_title, story_text
from .group import StoryDoc, group_events, story_doc, story_ids

if TYPE_CHECKING:
    from ..check import StoryInput
    from ..encoder import SentenceEncoder

#: characters of an article's stored text the grouping reads: the title and the lead.
STORY_HEAD_CHARS = 400 + LEAD_CHARS * 3
#: documents embedded per chunk (one :meth:`SentenceEncoder.embed` call), in id order;
#: the local run commits each chunk's vectors, the Ray job embeds chunks in an actor pool.
STORY_EMBED_CHUNK = 1024


def stored_doc(article_id: str, title: str | None, head: str | None, published_at: str | None,
               source: str | None, cluster: str | None) -> StoryDoc:
    """The grouping's view of a stored article: ``head`` is at least the first
    :data:`STORY_HEAD_CHARS` characters of its text, ``published_at`` its ISO time,
    ``cluster`` its near-duplicate cluster (None: alone).

    >>> stored_doc("a", "BTC tops $118K", "BTC tops $118K\\n\\nBitcoin rose.", None, "x", None).title_figures
    (('USD', 118000.0),)
    """
    t, body = split_title(title, (head or "")[:STORY_HEAD_CHARS])
    return story_doc(article_id, title=t, body=body,
                     published=datetime.fromisoformat(published_at) if published_at else None,
                     source=source, cluster=cluster or article_id)


#: a stored article's row as the grouping reads it: id, title, head (the first
#: :data:`STORY_HEAD_CHARS` characters of its text), ISO publication time, source, cluster.
StoryRow = tuple[str, str | None, str | None, str | None, str | None, str | None]

_ENCODER: SentenceEncoder | None = None  # one per story worker process


def init_story_worker(model_dir: str, threads: int, max_tokens: int, batch_size: int) -> None:
    """Pool initializer of the local run's story workers: each opens its own encoder
    session (``threads`` intra-op threads; the workers share the cores)."""
    global _ENCODER
    from ..encoder import SentenceEncoder

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    _ENCODER = SentenceEncoder(model_dir, threads=threads, max_tokens=max_tokens, batch_size=batch_size)


def stored_text(title: str | None, head: str | None) -> str:
    """What is embedded of a stored article: the text of :func:`stored_doc`'s features,
    without the rest (it does not depend on the publication time).

    >>> stored_text("BTC tops $118K", "BTC tops $118K\\n\\nBitcoin rose.")
    'BTC tops $118K. Bitcoin rose.'
    """
    t, body = split_title(title, (head or "")[:STORY_HEAD_CHARS])
    return story_text(t, body)


def story_block(rows: Sequence[StoryRow]) -> list[StoryDoc]:
    """In a story worker: the documents of ``rows``."""
    return [stored_doc(*r) for r in rows]


def embed_block(texts: Sequence[str]) -> np.ndarray:
    """In a story worker: the embeddings of ``texts`` (one of :func:`embed_chunks`) as one
    :meth:`SentenceEncoder.embed` call."""
    assert _ENCODER is not None, "embed_block runs in a pool set up by init_story_worker"
    return _ENCODER.embed(texts)


def embed_chunks(n: int, size: int = STORY_EMBED_CHUNK) -> list[range]:
    """The chunks (index ranges) ``n`` documents in id order are embedded in.

    >>> embed_chunks(5, 2)
    [range(0, 2), range(2, 4), range(4, 5)]
    """
    return [range(b0, min(b0 + size, n)) for b0 in range(0, n, size)]


def group_by_events(docs: Sequence[StoryDoc], vectors: np.ndarray, inputs: Sequence[StoryInput],
                    settings: Settings) -> dict[str, str]:
    """article id -> story id: :func:`group_events` over ``docs`` (sorted by id) and their
    embeddings, with the claim-fingerprint pairs of ``inputs`` as evidence."""
    from ..check.stories import fingerprint_pairs
    from . import story_params

    index = {d.id: i for i, d in enumerate(docs)}
    pairs = [(index[a], index[b]) for a, b in fingerprint_pairs(inputs, settings)]
    return story_ids(docs, group_events(docs, vectors, story_params(settings), pairs))


__all__ = [
    "STORY_EMBED_CHUNK",
    "STORY_HEAD_CHARS",
    "StoryRow",
    "embed_block",
    "embed_chunks",
    "group_by_events",
    "init_story_worker",
    "stored_doc",
    "stored_text",
    "story_block",
]
