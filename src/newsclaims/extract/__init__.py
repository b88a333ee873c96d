"""Claim extraction: a cleaned article -> the market claims it states (``spec/claims.md``).

Example:
    >>> from newsclaims.models import CleanArticle
    >>> from newsclaims.nlp import build_pipeline
    >>> from newsclaims.settings import load_settings
    >>> s = load_settings()
    >>> art = CleanArticle(id="a1", source_id="a.txt", title="",
    ...                    text="Bitcoin is trading at $67.46K, down 1.88% in 24 hours.")
    >>> [(c.type, c.asset, c.value) for c in extract_claims(art, build_pipeline(s), s)]
    [('price', 'BTC', 67460.0), ('price_change', 'BTC', -1.88)]
"""

from __future__ import annotations

import logging

from spacy.language import Language

from ..models import Claim, CleanArticle
from ..nlp.text import TEXT_KEY
from ..settings import Settings
from .rules import Draft

__all__ = ["drafts_to_claims", "extract_claims"]

logger = logging.getLogger(__name__)


def extract_claims(article: CleanArticle, nlp: Language, settings: Settings) -> list[Claim]:
    """The claims of one article, from its title and body, sorted by start offset.

    Args:
        article: the cleaned article; claim offsets index ``article.text``.
        nlp: the pipeline from :func:`newsclaims.nlp.build_pipeline`.
        settings: run settings (``settings.extract``).

    Returns:
        One :class:`Claim` per distinct fact; repeats are counted in ``mentions``.
    """
    text = article.text
    doc = nlp.make_doc(text)
    doc.user_data[TEXT_KEY] = text
    title = article.title.strip()
    doc.user_data["title_chars"] = len(title) if title and text.startswith(title) else 0
    doc.user_data["published_year"] = article.published_at.year if article.published_at else None
    doc.user_data["published_at"] = article.published_at
    for _name, proc in nlp.pipeline:
        doc = proc(doc)
    drafts: list[Draft] = doc._.claim_drafts or []
    claims = drafts_to_claims(drafts, article, text)
    logger.debug("article %s: %d claims", article.source_id, len(claims))
    return claims


def drafts_to_claims(drafts: list[Draft], article: CleanArticle, text: str) -> list[Claim]:
    """Attach ids, texts and article fields to drafts."""
    out: list[Claim] = []
    for d in drafts:
        out.append(
            Claim(
                id=Claim.make_id(article.id, d.start, d.end, d.type, d.asset),
                article_id=article.id,
                source_id=article.source_id,
                type=d.type,  # type: ignore[arg-type]
                asset=d.asset,
                subject=d.subject,
                value=d.value,
                value_max=d.value_max,
                unit=d.unit,
                direction=d.direction,  # type: ignore[arg-type]
                window=d.window,
                side=d.side,  # type: ignore[arg-type]
                qualifier=d.qualifier,  # type: ignore[arg-type]
                status=d.status if d.type in ("support", "resistance") else None,  # type: ignore[arg-type]
                when=d.when,
                text=text[d.start : d.end],
                start=d.start,
                end=d.end,
                sentence=text[d.sent_start : d.sent_end],
                confidence=d.confidence,
                extractor=d.extractor,
                mentions=d.mentions,
            )
        )
    out.sort(key=lambda c: (c.start, c.end, c.type, c.asset or ""))
    return out
