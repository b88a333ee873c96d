"""The spaCy pipeline of newsclaims, built in code from ``spacy.blank("en")``.

Components (registered under versioned names; spaCy does not allow dots in
factory names, so ``newsclaims_assets_v1`` stands for ``newsclaims.assets.v1``):

- tokenizer rules for money, ranges and ticker widgets (:mod:`.tokenizer`);
- ``newsclaims_sentences_v1``: sentence starts (:mod:`.sentences`);
- ``newsclaims_assets_v1``: asset and MARKET mentions in ``doc.spans["assets"]`` (:mod:`.assets`);
- ``newsclaims_claims_v1``: claim drafts in ``doc._.claim_drafts`` (:mod:`.claims`).

Example:
    >>> from newsclaims.settings import load_settings
    >>> nlp = build_pipeline(load_settings())
    >>> nlp.pipe_names
    ['newsclaims_sentences_v1', 'newsclaims_assets_v1', 'newsclaims_claims_v1']
"""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

from ..errors import SettingsError
from ..settings import Settings
from . import assets as _assets  # noqa: F401  (registers the factory)
from . import claims as _claims  # noqa: F401
from . import sentences as _sentences  # noqa: F401
from .tokenizer import customize_tokenizer

__all__ = ["build_pipeline"]


def build_pipeline(settings: Settings) -> Language:
    """A blank English pipeline with the newsclaims tokenizer rules and components.

    Args:
        settings: the run settings (``settings.extract`` selects the extractor).

    Returns:
        The pipeline; ``nlp(text)`` gives a doc with sentences, asset mentions and
        ``doc._.claim_drafts``.
    """
    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    nlp.add_pipe("newsclaims_sentences_v1")
    nlp.add_pipe("newsclaims_assets_v1")
    nlp.add_pipe("newsclaims_claims_v1", config={
        "model_dir": resolve_model_dir(settings), "threads": settings.extract.threads,
        "cascade": settings.extract.cascade})
    return nlp


def resolve_model_dir(settings: Settings) -> str | None:
    """The claim model folder the settings select, or ``None`` for the rules.

    Raises:
        SettingsError: a model is asked for and not found.
    """
    choice = settings.extract.model.strip()
    if choice.lower() == "none":
        return None
    from ..extract.learned.runtime import default_model_dir

    if choice.lower() == "bundled":
        d = default_model_dir()
        if d is None:
            raise SettingsError(
                "the bundled claim model (models/claims-minilm) is missing from this install; "
                "rebuild it with `newsclaims train` or use `--set extract.model=none`")
        return str(d)
    p = Path(choice).expanduser()
    if not (p / "encoder.onnx").is_file():
        raise SettingsError(f"extract.model: {p} is not a claim model folder (no encoder.onnx)")
    return str(p)
