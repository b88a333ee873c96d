"""The claim model's heads in numpy: the same arithmetic as the torch module of
:mod:`.train`, applied to the encoder's token vectors.

The encoder (fine-tuned all-MiniLM-L6-v2) runs in ONNX Runtime; the heads are a few
small matrices, so they run here, where candidates and asset options of any number
need no padding. ``heads.npz`` holds the weights under the torch parameter names.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))

#: the softmax heads, named as in the torch module (``head_<name>``).
HEAD_NAMES = ("type", "window", "side", "qualifier", "direction", "status", "past", "twin")


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU, tanh approximation (``torch.nn.GELU(approximate="tanh")``)."""
    y: np.ndarray = 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    return y


def softmax(x: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = x / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    y: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return y


def sigmoid(x: np.ndarray) -> np.ndarray:
    y: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return y


class Heads:
    """Numpy forward pass of the heads."""

    def __init__(self, weights: Mapping[str, np.ndarray]) -> None:
        self.w = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}

    def _lin(self, name: str, x: np.ndarray) -> np.ndarray:
        y: np.ndarray = x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]
        return y

    def hidden(self, span: np.ndarray, cls: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """(n, D) candidate vectors -> (n, H) shared hidden layer."""
        return gelu(self._lin("proj", np.concatenate([span, cls, feats], axis=1)))

    def logits(self, h: np.ndarray) -> dict[str, np.ndarray]:
        return {name: self._lin(f"head_{name}", h) for name in HEAD_NAMES}

    def asset_scores(self, h: np.ndarray, opt_vec: np.ndarray, opt_feats: np.ndarray) -> np.ndarray:
        """One candidate's hidden vector (H,), its options' vectors (k, D) and
        features (k, F) -> (k,) option logits."""
        z = gelu(self._lin("asset_h", h[None, :]) + self._lin("asset_o", opt_vec)
                 + self._lin("asset_f", opt_feats))
        return self._lin("asset_out", z)[:, 0]

    def none_score(self, h: np.ndarray) -> np.ndarray:
        """(n, H) -> (n,) logit that the claim names no asset."""
        return self._lin("asset_none", h)[:, 0]
