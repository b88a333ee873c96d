"""Stories: the rewrites of one event across outlets, and nothing else.

Public API::

    open_story_encoder(settings) -> SentenceEncoder | None
    story_doc(article_id, title=, body=, published=, source=, cluster=) -> StoryDoc
    group_events(docs, embeddings, params) -> list[int]
    story_ids(docs, labels) -> dict[article id, story id]
    load_labels(folder, side) / score_stories(story_of, labels)   # the labelled pairs
    batch.stored_doc / embed_chunks / group_by_events           # the steps both engines take

``group`` holds the candidate search, the pair decision and the clustering; ``features``
what is read from an article's title and lead; ``evaluate`` the pairwise scores and ARI.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..encoder import encoder_dir
from ..settings import Settings
from .evaluate import StoryLabels, StoryScores, adjusted_rand_index, load_labels, score_stories
from .group import (
    StoryDoc,
    StoryParams,
    candidate_pairs,
    doc_of_article,
    group_events,
    members_of,
    story_doc,
    story_ids,
)

if TYPE_CHECKING:
    from ..encoder import SentenceEncoder

log = logging.getLogger(__name__)


def story_model_dir(settings: Settings) -> Path | None:
    """The encoder folder the settings name, or None (``none``, or no bundled model).

    Raises:
        SettingsError: a named folder does not hold an encoder.
    """
    return encoder_dir(settings.check.story_model, "check.story_model")


def open_story_encoder(settings: Settings) -> SentenceEncoder | None:
    """The title-and-lead encoder of the settings, or None when there is none to use
    (the grouping then falls back to claim fingerprints, and says so in the log)."""
    d = story_model_dir(settings)
    if d is None:
        log.info("stories: no encoder (check.story_model=%s); grouping by claim fingerprints",
                 settings.check.story_model)
        return None
    from ..encoder import SentenceEncoder

    return SentenceEncoder(d, threads=settings.check.story_threads)


def story_params(settings: Settings) -> StoryParams:
    """The grouping's constants, with the window the settings give."""
    return replace(StoryParams(), window_hours=settings.check.story_window_hours)


__all__ = [
    "StoryDoc",
    "StoryLabels",
    "StoryParams",
    "StoryScores",
    "adjusted_rand_index",
    "candidate_pairs",
    "doc_of_article",
    "group_events",
    "load_labels",
    "members_of",
    "open_story_encoder",
    "score_stories",
    "story_doc",
    "story_ids",
    "story_model_dir",
    "story_params",
]
