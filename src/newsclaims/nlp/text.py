"""The text of a doc without rebuilding it.

``Doc.text`` joins every token's text on each access (a Python loop over the
tokens); the components need the text several times per doc, so it is computed
once and kept in ``doc.user_data`` (``extract_claims`` puts the article text there
before the pipeline runs, which saves even the first join).
"""

from __future__ import annotations

from spacy.tokens import Doc

TEXT_KEY = "newsclaims_text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, cached in ``doc.user_data``."""
    cached = doc.user_data.get(TEXT_KEY)
    if isinstance(cached, str):
        return cached
    text = doc.text
    doc.user_data[TEXT_KEY] = text
    return text
