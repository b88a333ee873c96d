"""``clean_article``: one article from raw body to the text claims are found in."""

from __future__ import annotations

import html
import logging
from collections import Counter

from ..models import Article, CleanArticle, Rejection, RejectReason
from ..settings import Settings
from .boilerplate import BoilerplateModel, is_countable, sentence_hash, sentence_spans
from .furniture import remove_furniture
from .normalize import normalize_text, tidy_whitespace
from .prepare import prepare_text
from .repeats import MIN_REPEAT_SENTENCE_CHARS, collapse_repeats, looks_like_title

__all__ = ["clean_article"]

logger = logging.getLogger(__name__)

# A headline glued to the first sentence ("<title> The intersection of ...") is split
# off only when at least this long: a short title ("Bitcoin rises") may well be the
# first words of a real sentence.
MIN_GLUED_TITLE_CHARS = 30


def _filter_sentences(
    text: str, source: str | None, model: BoilerplateModel | None, removed: Counter[str]
) -> str:
    """One pass over the sentences: drop long repeats and learned boilerplate."""
    seen: set[str] = set()
    out: list[str] = []
    for line in text.split("\n"):
        if not line:
            out.append(line)
            continue
        pieces: list[str] = []
        last = 0
        for s, e in sentence_spans(line):
            sentence = line[s:e]
            rule = None
            if e - s >= MIN_REPEAT_SENTENCE_CHARS:
                if sentence in seen:
                    rule = "repeated_sentence"
                else:
                    seen.add(sentence)
            if (
                rule is None
                and model is not None
                and is_countable(sentence)
                and model.is_boilerplate_hash(source, sentence_hash(sentence))
            ):
                rule = "boilerplate"
            if rule is not None:
                removed[rule] += 1
                pieces.append(line[last:s])
                last = e
        if last:
            pieces.append(line[last:])
            line = " ".join(p.strip() for p in pieces if p.strip())
        out.append(line)
    return "\n".join(out)


def _single_line(text: str) -> str:
    return " ".join(normalize_text(text).split())


def _compose(title: str, body: str, glued_ok: bool) -> str:
    """The text: the title, a blank line, the body (the title once, never twice)."""
    if not title:
        return body
    if body.startswith(title):
        rest = body[len(title) :]
        if not rest.strip():
            return title  # a teaser whose body is its headline
        if rest[0] == "\n" or (
            rest[0] == " " and (glued_ok or len(title) >= MIN_GLUED_TITLE_CHARS)
        ):
            return f"{title}\n\n{rest.lstrip()}"
        return body  # the title is the body's first words or sentence: keep the body
    return f"{title}\n\n{body}"


def clean_article(
    article: Article, settings: Settings, boilerplate: BoilerplateModel | None = None
) -> CleanArticle | Rejection:
    """Reduce an article to its main text.

    Steps: markup to text (HTML via trafilatura, Markdown stripped), Unicode
    normalization, page furniture (named rules), a second pasted copy and repeated
    blocks, learned boilerplate of the source (when a model is given).

    The returned ``text`` is the title, a blank line, then the cleaned body; when the
    article has no title, a headline line found between two pasted copies, or a
    headline-like first line (short, no final period, followed by more text), is used
    as the title. ``removed`` counts removals per rule.

    Args:
        article: the raw article.
        settings: project settings (``settings.clean``).
        boilerplate: a learned model; ``None`` skips learned boilerplate.

    Returns:
        A :class:`CleanArticle`, or a :class:`Rejection` with reason
        ``empty_after_cleaning`` when no body text is left.

    Example:
        >>> from newsclaims.settings import load_settings
        >>> a = Article(id="1", source_id="1", title="BTC dips",
        ...             body="Bitcoin fell \\u22121.88% today.\\nBTC0,03%\\n• Share")
        >>> clean_article(a, load_settings()).text
        'BTC dips\\n\\nBitcoin fell -1.88% today.'
    """
    del settings  # no per-call tuning yet: the thresholds live in the model and modules
    text, markup_title, removed = prepare_text(article)
    # feed headlines often arrive HTML-escaped ("Bitcoin&#039;s"); the text is for people
    title = _single_line(html.unescape(article.title)) if article.title else ""
    if not title:
        title = markup_title
    text, furniture = remove_furniture(text, title)
    removed.update(furniture)
    text, copy_title, repeats = collapse_repeats(text)
    removed.update(repeats)
    text = tidy_whitespace(_filter_sentences(text, article.source, boilerplate, removed))
    if not title:
        if copy_title:
            title = copy_title
        else:
            first, sep, rest = text.partition("\n")
            if sep and rest.strip() and looks_like_title(first):
                title = first
    removed_counts = {k: v for k, v in sorted(removed.items()) if v}
    if not text:
        what = ", ".join(f"{k}={v}" for k, v in removed_counts.items()) or "nothing matched"
        detail = (
            f"body of {len(article.body)} chars is empty"
            if not article.body.strip()
            else f"no text left after cleaning a body of {len(article.body)} chars; removed: {what}"
        )
        logger.debug("rejected %s: %s", article.source_id, detail)
        return Rejection(
            source_id=article.source_id,
            reason=RejectReason.EMPTY_AFTER_CLEANING,
            detail=detail,
            origin=article.origin,
        )
    return CleanArticle(
        id=article.id,
        source_id=article.source_id,
        title=title,
        text=_compose(title, text, glued_ok=furniture.get("feed_prefix", 0) > 0),
        published_at=article.published_at,
        time_zone_assumed=article.time_zone_assumed,
        url=article.url,
        source=article.source,
        origin=article.origin,
        removed=removed_counts,
    )
