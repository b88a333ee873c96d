"""The MiniLM encoder (ONNX Runtime, int8, CPU): its session, and sentence embeddings.

Outside the ``extract`` package on purpose: the story workers import this module alone,
without spaCy (whose import also loads PyTorch where it is installed). The claim model
(:mod:`newsclaims.extract.learned.runtime`) opens its session with :func:`load_encoder`.

The story grouping (:mod:`newsclaims.story`) embeds each article's title and lead with
the same encoder file and the same session class as the claim model: one ~23 MB model
in the repository serves both. The embedding is the mean of the last hidden state
over the real tokens (the all-MiniLM-L6-v2 sentence-transformers recipe), L2-normalized,
so a dot product is a cosine similarity.

The int8 encoder quantizes activations dynamically, with one scale per batch: a text's
embedding depends slightly on its batch companions (cosine 0.99-1.0 against the same
text embedded alone). Batches are therefore formed deterministically (by length, then
text), and the batch job stores each article's vector, so re-runs reuse it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SettingsError

#: tokens per text (title and lead): 64 keeps the whole dump at about a minute on two
#: cores (ONNX int8: ~470 sequences/s at 64 tokens, ~210 at 128).
EMBED_MAX_TOKENS = 64
#: texts per ONNX call; texts are sorted by length first, so padding stays small. The
#: story constants were tuned on vectors made in batches of 64: smaller batches measure
#: faster (one thread: 175 texts/s at 16 against 155 at 64) but the int8 activations'
#: per-call scales move the cosines enough to lose recall on the tuning pairs (0.66 ->
#: 0.61 at 16), so a new batch size means re-tuning.
EMBED_BATCH = 64


class SentenceEncoder:
    """Mean-pooled, L2-normalized MiniLM embeddings of short texts.

    Example:
        >>> enc = SentenceEncoder("models/claims-minilm")  # doctest: +SKIP
        >>> enc.embed(["Bitcoin hits $118K", "BTC tops $118,000"]).shape  # doctest: +SKIP
        (2, 384)
    """

    def __init__(
        self,
        model_dir: str | os.PathLike[str],
        *,
        threads: int = 1,
        max_tokens: int = EMBED_MAX_TOKENS,
        batch_size: int = EMBED_BATCH,
    ) -> None:
        d = Path(model_dir)
        missing = [f for f in ("encoder.onnx", "tokenizer.json") if not (d / f).is_file()]
        if missing:
            raise SettingsError(f"encoder folder {d} lacks {', '.join(missing)}")
        self.dir = d
        self.threads = threads
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.fingerprint = encoder_fingerprint(d, max_tokens, batch_size)

    @cached_property
    def _runtime(self) -> tuple[Any, Any, int, int, set[str]]:
        """The tokenizer, the session, the ``[CLS]`` and ``[SEP]`` ids and the session's
        input names, opened on first use: a process that needs only the folder and the
        fingerprint (the batch job's main process while story workers embed) never loads
        the model."""
        tokenizer, session = load_encoder(self.dir, self.threads)
        return (tokenizer, session, int(tokenizer.token_to_id("[CLS]")), int(tokenizer.token_to_id("[SEP]")),
                {i.name for i in session.get_inputs()})

    def token_ids(self, text: str) -> list[int]:
        """``[CLS] tokens [SEP]``, truncated to ``max_tokens``."""
        tokenizer, _session, cls_id, sep_id, _inputs = self._runtime
        ids = tokenizer.encode(text, add_special_tokens=False).ids[: self.max_tokens - 2]
        return [cls_id, *ids, sep_id]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings ``(len(texts), D)``, float32, each of unit length (zeros for no text)."""
        _tokenizer, session, _cls, _sep, input_names = self._runtime
        seqs = [self.token_ids(t) for t in texts]
        dim = 0
        out: list[np.ndarray | None] = [None] * len(seqs)
        order = sorted(range(len(seqs)), key=lambda i: (len(seqs[i]), texts[i]))
        for b0 in range(0, len(order), self.batch_size):
            idx = order[b0 : b0 + self.batch_size]
            t = max(len(seqs[i]) for i in idx)
            ids = np.zeros((len(idx), t), dtype=np.int64)
            mask = np.zeros((len(idx), t), dtype=np.int64)
            for r, i in enumerate(idx):
                ids[r, : len(seqs[i])] = seqs[i]
                mask[r, : len(seqs[i])] = 1
            feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in input_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = np.asarray(session.run(None, feeds)[0], dtype=np.float32)
            pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            pooled = pooled / np.maximum(norms, 1e-12)
            dim = pooled.shape[1]
            for r, i in enumerate(idx):
                out[i] = pooled[r]
        if not seqs:
            return np.zeros((0, dim), dtype=np.float32)
        return np.stack([o for o in out if o is not None]).astype(np.float32)


def load_encoder(model_dir: Path, threads: int = 1) -> tuple[Any, Any]:
    """The WordPiece tokenizer and the ONNX Runtime session of a model folder's encoder.

    One session class for the claim model and the sentence embeddings (:mod:`.embed`).
    Raises ImportError naming the missing packages when onnxruntime or tokenizers is absent.
    """
    try:
        import onnxruntime as ort
        from tokenizers import Tokenizer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "the MiniLM encoder needs onnxruntime and tokenizers (dependencies of newsclaims): "
            "pip install onnxruntime tokenizers"
        ) from exc
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(model_dir / "encoder.onnx"), sess_options=opts,
                                   providers=["CPUExecutionProvider"])
    return tokenizer, session


def encoder_fingerprint(model_dir: Path, max_tokens: int = EMBED_MAX_TOKENS, batch_size: int = EMBED_BATCH) -> str:
    """A short hash of the encoder file, the token budget and the batch size: stored
    embeddings of another encoder (or budget, or batching: the int8 activations are
    quantized per call) are not comparable and are recomputed."""
    h = hashlib.blake2b(digest_size=8)
    path = model_dir / "encoder.onnx"
    size = path.stat().st_size
    h.update(str(size).encode())
    with open(path, "rb") as fh:  # the head and tail of the file: cheap and specific
        h.update(fh.read(1 << 20))
        fh.seek(max(0, size - (1 << 20)))
        h.update(fh.read(1 << 20))
    h.update(f"|{max_tokens}|{batch_size}".encode())
    return h.hexdigest()


def encoder_dir(name: str, setting: str) -> Path | None:
    """The encoder folder a setting names: ``default`` (the bundled claim model's),
    ``none``, or a folder; None for ``none`` or when no bundled model is installed.

    Raises:
        SettingsError: a named folder does not hold an encoder (the message names ``setting``).
    """
    name = name.strip()
    if name.lower() == "none":
        return None
    if name.lower() == "default":
        from .extract.learned.runtime import default_model_dir

        return default_model_dir()
    d = Path(name).expanduser()
    if not (d / "encoder.onnx").is_file() or not (d / "tokenizer.json").is_file():
        raise SettingsError(f"{setting}: {d} holds no encoder.onnx and tokenizer.json")
    return d


__all__ = ["EMBED_BATCH", "EMBED_MAX_TOKENS", "SentenceEncoder", "encoder_dir", "encoder_fingerprint", "load_encoder"]
