"""Cleaning: from a raw :class:`~newsclaims.models.Article` to a
:class:`~newsclaims.models.CleanArticle` (or a :class:`~newsclaims.models.Rejection`).

Modules: ``markup`` (HTML via trafilatura, Markdown), ``normalize`` (Unicode),
``furniture`` (named page/feed furniture rules), ``repeats`` (pasted copies),
``boilerplate`` (sentences a source repeats, learned from the input), ``cleaner``
(the stage function).

Example:
    >>> from newsclaims.models import Article
    >>> from newsclaims.settings import load_settings
    >>> a = Article(id="1", source_id="1", title="", body="Bitcoin rose 2%.")
    >>> clean_article(a, load_settings()).text
    'Bitcoin rose 2%.'
"""

from __future__ import annotations

from .boilerplate import BoilerplateModel, sentence_hash, split_sentences_for_boilerplate
from .cleaner import clean_article
from .normalize import normalize_text

__all__ = [
    "BoilerplateModel",
    "clean_article",
    "normalize_text",
    "sentence_hash",
    "split_sentences_for_boilerplate",
]
