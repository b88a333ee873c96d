"""The claim component (``newsclaims_claims_v1``): numbers in context -> claim drafts.

Runs after the sentence and asset components. It parses the quantities of the
whole text once (:func:`newsclaims.quantities.parse_quantities`), groups them by
sentence, and hands each sentence to the rule classifier
(:mod:`newsclaims.extract.rules`); only sentences holding a quantity are looked at.
The drafts are stored in ``doc._.claim_drafts``; :func:`newsclaims.extract.extract_claims`
turns them into :class:`~newsclaims.models.Claim` records.

``doc.user_data["title_chars"]`` (set by ``extract_claims``) tells the component how
long the title is, so that title mentions weigh more when picking the main asset;
``doc.user_data["published_year"]`` (also set there, when the article is dated) lets
the classifier tell "in 2021" (history) and "by 2028" (a target) from the present.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from ..extract.classify import is_bare_level
from ..extract.drafts import Prepared
from ..extract.rules import (
    Draft,
    Mention,
    RuleClassifier,
    build_candidates,
    classify_sentences,
    merge_drafts,
)
from ..lexicon import AssetLexicon
from ..quantities import parse_quantities
from .assets import SPAN_KEY, main_asset
from .text import doc_text

if TYPE_CHECKING:
    from ..extract.learned.runtime import ClaimModel


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """(start_char, end_char) of each sentence, from the sentence-start flags.

    Read with two array exports instead of ``doc.sents``, which creates a Python
    object for every token (the largest single cost of the pipeline otherwise).
    """
    n = len(doc)
    if n == 0:
        return []
    arr = doc.to_array([SENT_START, IDX])
    idx = arr[:, 1].astype(numpy.int64)
    starts = numpy.flatnonzero(arr[:, 0].astype(numpy.int64) == 1)
    if len(starts) == 0 or starts[0] != 0:
        starts = numpy.concatenate(([0], starts))
    char_starts = idx[starts].tolist()
    ends = [*char_starts[1:], len(doc_text(doc))]
    return list(zip(char_starts, ends, strict=True))


if not Doc.has_extension("claim_drafts"):
    Doc.set_extension("claim_drafts", default=None)


def prepare(doc: Doc) -> Prepared | None:
    """Candidate quantities grouped by sentence, asset mentions and the main asset.

    ``None`` when the document holds no candidate quantity.
    """
    text = doc_text(doc)
    # Plain numbers (dates, counts, "24" in "24-hour") are never claims and must
    # not cut a sentence into segments; "50 cents" is money.
    quantities = [
        q for q in parse_quantities(text)
        if q.unit != "number" or text[q.end : q.end + 7].lstrip().lower().startswith("cent")
        or is_bare_level(text, q)
    ]
    if not quantities:
        return None
    groups = build_candidates(text, sentence_spans(doc), quantities)
    if not groups:
        return None
    mentions = [
        Mention(s.start_char, s.end_char, s.label_) for s in doc.spans.get(SPAN_KEY, [])
    ]
    title_chars = int(doc.user_data.get("title_chars", 0))
    return Prepared(text, groups, mentions, main_asset(doc, title_chars), title_chars)


class ClaimComponent:
    """Finds claims; see the module docstring.

    With a ``model`` (:class:`newsclaims.extract.learned.ClaimModel`) the learned
    classifier decides; without one, the rules do.
    """

    def __init__(self, name: str, price_bands: dict[str, tuple[float, float]] | None = None,
                 model: ClaimModel | None = None) -> None:
        self.name = name
        self.classifier = RuleClassifier()
        self.model = model
        self.price_bands = price_bands if price_bands is not None else AssetLexicon.load().price_bands()

    def __call__(self, doc: Doc) -> Doc:
        doc._.claim_drafts = self.drafts(doc)
        return doc

    def drafts(self, doc: Doc) -> list[Draft]:
        p = prepare(doc)
        if p is None:
            return []
        year = doc.user_data.get("published_year")
        self.classifier.published_year = year if isinstance(year, int) else None
        self.classifier.title_chars = p.title_chars
        drafts = classify_sentences(self.classifier, p.groups, p.mentions, p.main)
        if self.model is not None:
            published = doc.user_data.get("published_at")
            drafts = self.model.decide(p, published if isinstance(published, datetime) else None,
                                       rule_drafts=drafts)
        return merge_drafts(drafts, p.title_chars, self.price_bands)


@Language.factory(
    "newsclaims_claims_v1",
    assigns=["doc._.claim_drafts"],
    requires=["token.is_sent_start", "doc.spans"],
    default_config={"model_dir": None, "threads": 1, "cascade": False},
)
def make_claim_component(nlp: Language, name: str, model_dir: str | None, threads: int,
                         cascade: bool) -> ClaimComponent:
    """Build the claim component: the learned model from ``model_dir``, or the rules."""
    model = None
    if model_dir:
        from ..extract.learned.runtime import ClaimModel

        model = ClaimModel(model_dir, threads=threads, cascade=cascade)
    return ClaimComponent(name, model=model)
