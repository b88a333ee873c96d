"""The rule claim classifier: quantities in context -> claim drafts.

The work is split at two decision points so that a learned classifier can later
sit beside the rules:

1. :func:`build_candidates` turns every quantity of a sentence into a
   :class:`Candidate`: the number, the sentence, the text between it and its
   neighbours (its *segment*), and the asset mentions around it. Nothing is
   decided here.
2. :meth:`RuleClassifier.classify` gives a candidate a type, asset(s), direction,
   window, side and qualifier, or ``None`` (not a claim), with a confidence. It
   reads the previous decision of the same sentence, which is how context
   carries along lists ("BNB down 1.17%, Solana sliding 3.88%").

:func:`merge_drafts` then keeps one claim per distinct fact per article.
Everything works on character offsets of the document text; spaCy supplies the
sentences and the asset mentions.
"""

from __future__ import annotations

from .assemble import classify_sentences, merge_drafts
from .candidates import build_candidates, join_to_ranges
from .classify import RuleClassifier
from .cues import Cues
from .drafts import Candidate, Decision, Draft, Mention

__all__ = [
    "Candidate",
    "Cues",
    "Decision",
    "Draft",
    "Mention",
    "RuleClassifier",
    "build_candidates",
    "classify_sentences",
    "join_to_ranges",
    "merge_drafts",
]
