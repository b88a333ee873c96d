"""The first, shared step of cleaning and of boilerplate learning: markup and Unicode.

Both :func:`~newsclaims.clean.clean_article` and
:meth:`~newsclaims.clean.BoilerplateModel.add` start from this text, so that the
sentences the model counts are the sentences the cleaner later looks up.
"""

from __future__ import annotations

import re
from collections import Counter

from ..models import Article
from .markup import html_to_text, markdown_to_text, strip_text_markup
from .normalize import normalize_text

__all__ = ["looks_like_html", "prepare_text"]

# A "text" body with this many HTML block/inline tags is HTML that a dump stored as
# text (the real dump's Forexlive items: "<p>Coinbase with the mic drop:</p><ul>...").
MIN_HTML_TAGS_IN_TEXT = 2
_HTML_TAG = re.compile(
    r"</?(?:p|div|br|a|span|ul|ol|li|strong|em|b|i|img|h[1-6]|table|tr|td)\b[^>\n]{0,300}>", re.I
)


def looks_like_html(body: str) -> bool:
    """Whether a body declared as text is really HTML (cheap test first)."""
    if "<" not in body or ">" not in body:
        return False
    for found, _match in enumerate(_HTML_TAG.finditer(body), start=1):
        if found >= MIN_HTML_TAGS_IN_TEXT:
            return True
    return False


def prepare_text(article: Article) -> tuple[str, str, Counter[str]]:
    """Body as normalized plain text, the title found in the markup, and removal counts.

    Returns:
        ``(text, markup_title, removed)``: ``markup_title`` is the HTML ``<title>``
        (``""`` for other formats); ``removed`` counts ``markup`` constructs dropped.
    """
    removed: Counter[str] = Counter()
    markup_title = ""
    body = article.body
    body_format = article.body_format
    if body_format == "text" and looks_like_html(body):
        body_format = "html"
        removed["markup"] += 1
        # double-escaped line breaks ("</p>\\n   This article ...") are whitespace in HTML
        body = body.replace("\\n", "\n")
    if body_format == "html":
        body, markup_title = html_to_text(body)
        markup_title = normalize_text(markup_title)
    elif body_format == "markdown":
        body, n = markdown_to_text(body)
        if n:
            removed["markup"] += n
    else:
        # plain text often carries Markdown headings ("## Outlook"; seed 003 even
        # inline in one long line) and **strong** marks (coinotag): the marks go.
        body, n = strip_text_markup(body)
        if n:
            removed["markup"] += n
    return normalize_text(body), markup_title, removed
