"""The learned claim classifier: a fine-tuned all-MiniLM-L6-v2 over the rules' candidates.

- :mod:`.features`: windows, candidate spans, asset options (shared by training and inference);
- :mod:`.runtime`: :class:`ClaimModel`, ONNX Runtime + numpy, CPU and offline;
- :mod:`.align`: gold claims -> labels on candidates;
- :mod:`.train`: fine-tuning and export (needs the ``train`` extra: torch, transformers).
"""

from __future__ import annotations

from .runtime import ClaimModel, default_model_dir

__all__ = ["ClaimModel", "default_model_dir"]
