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

import spacy
from spacy.language import Language

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
    nlp.add_pipe("newsclaims_claims_v1")
    return nlp
