"""Shared by the story benchmark and the tuning script: the labelled articles as StoryDocs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from newsclaims.clean import clean_article
from newsclaims.models import Article, CleanArticle
from newsclaims.read import iter_records
from newsclaims.settings import load_settings
from newsclaims.story.group import StoryDoc, StoryParams, doc_of_article


def cleaned_articles(path: str | Path) -> list[CleanArticle]:
    settings = load_settings()
    out = []
    for rec in iter_records([str(path)], settings):
        if isinstance(rec, Article):
            c = clean_article(rec, settings)
            if isinstance(c, CleanArticle):
                out.append(c)
    return out


def labelled_docs(folder: Path) -> list[StoryDoc]:
    """The labelled articles (ids are the dump's ids: the source ids of the records)."""
    docs = []
    for c in cleaned_articles(folder / "articles.jsonl.gz"):
        d = doc_of_article(c)
        docs.append(StoryDoc(id=c.source_id, source=d.source, published=d.published, features=d.features,
                             title_figures=d.title_figures, title_assets=d.title_assets))
    return docs


def embed_docs(docs: list[StoryDoc], model: str, threads: int = 2) -> np.ndarray:
    from newsclaims.encoder import SentenceEncoder

    return SentenceEncoder(model, threads=threads).embed([d.features.text for d in docs])


def story_params(assignments: list[str]) -> StoryParams:
    """The grouping's constants with ``NAME=VALUE`` assignments applied (``join_score=0.6``).

    >>> story_params(["join_score=0.6", "max_story=20"]).join_score
    0.6
    """
    fields = {f.name: f.type for f in dataclasses.fields(StoryParams)}
    changes: dict[str, float | int] = {}
    for a in assignments:
        name, sep, value = a.partition("=")
        name = name.strip()
        if not sep or name not in fields:
            raise SystemExit(f"--set {a!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(fields))}")
        changes[name] = int(value) if fields[name] in (int, "int") else float(value)
    return dataclasses.replace(StoryParams(), **changes)
