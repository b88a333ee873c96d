"""From HTML or Markdown to plain text with paragraph breaks.

A whole HTML page goes through trafilatura with its fast, precision-oriented settings
(no comments, no metadata, no fallback extractors, no dedup cache), after a cheap
title lookup (``<title>`` / ``<h1>`` / ``og:title``). An HTML fragment (a feed body
without ``<html>``/``<body>``), or a page trafilatura keeps nothing of, goes through
a plain walk over the parsed tree that keeps the visible text. ``<script>``,
``<style>``, ``<iframe>`` and the like never reach the output on either path.

Markdown is reduced to its text: heading marks, emphasis, link and image syntax,
block quotes, list bullets, rules and table separators go; every word and number
stays.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import lxml.html  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]

__all__ = [
    "html_to_text",
    "markdown_to_text",
    "strip_heading_marks",
    "strip_text_markup",
]

logger = logging.getLogger(__name__)

# Elements whose content is never article text, on the fallback path (trafilatura
# already drops them on its own path).
_INVISIBLE_TAGS = (
    "script", "style", "iframe", "noscript", "template", "svg", "canvas", "object",
    "embed", "head", "nav", "footer", "form", "button", "select", "textarea", "aside",
)  # fmt: skip
# Elements that end a line of text on the fallback path.
_BLOCK_TAGS = frozenset(
    (
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
        "section", "article", "header", "blockquote", "pre", "figcaption", "dd", "dt", "hr",
    )
)  # fmt: skip
# A title longer than this is not a title (a whole <h1> paragraph in a broken page).
MAX_TITLE_CHARS = 300


# Only a whole page (<html> or <body> near the top) goes through trafilatura.
PAGE_SNIFF_CHARS = 4096
_WHOLE_PAGE = re.compile(r"<(?:html|body|!doctype)\b", re.I)
_LIST_DASH = re.compile(r"^- ", re.M)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _trafilatura_extract(tree: Any) -> str | None:
    try:
        import trafilatura
    except ImportError as exc:  # pragma: no cover - a core dependency
        from ..errors import MissingExtraError

        raise MissingExtraError("trafilatura", "html", "HTML cleaning") from exc
    try:
        result = trafilatura.extract(
            tree,
            fast=True,  # no readability/justext fallbacks: ~3x faster
            favor_precision=True,  # leave navigation and teaser blocks out
            include_comments=False,
            include_tables=True,  # price tables are content
            include_images=False,
            include_links=False,
            include_formatting=False,
            with_metadata=False,  # no date/author extraction on the hot path
            deduplicate=False,  # trafilatura's dedup cache is module state: never
            output_format="txt",
        )
    except Exception as exc:  # trafilatura raises assorted errors on broken trees
        logger.debug("trafilatura failed: %s", exc)
        return None
    return result if isinstance(result, str) else None


def _parse(html: str) -> Any:
    if html.lstrip().startswith("<?xml"):
        # lxml refuses a str with an encoding declaration; the text is decoded already
        html = _XML_DECLARATION.sub("", html, count=1)
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _title_of(tree: Any) -> str:
    for path in ("//meta[@property='og:title']/@content", "//title//text()", "//h1//text()"):
        found = tree.xpath(path)
        text = " ".join(str(t) for t in found).strip() if found else ""
        text = " ".join(text.split())
        if text and len(text) <= MAX_TITLE_CHARS:
            return text
    return ""


def _visible_text(tree: Any) -> str:
    etree.strip_elements(
        tree, *_INVISIBLE_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False
    )
    parts: list[str] = []
    for event, el in etree.iterwalk(tree, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
        else:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.tail:
                parts.append(el.tail)
    return "".join(parts)


def html_to_text(html: str) -> tuple[str, str]:
    """Main text and title of an HTML document.

    Args:
        html: the document (a fragment is fine).

    Returns:
        ``(text, title)``; the text has one paragraph per line (not yet normalized:
        blank lines and edge whitespace may remain), the title is ``""`` when the
        page names none.

    Example:
        >>> text, title = html_to_text("<title>T</title><p>BTC rose 2%.</p><script>x=1</script>")
        >>> text.strip(), title
        ('BTC rose 2%.', 'T')
    """
    tree = _parse(html)
    if tree is None:
        return "", ""
    title = _title_of(tree)
    text = None
    if _WHOLE_PAGE.search(html, 0, PAGE_SNIFF_CHARS):
        text = _trafilatura_extract(tree)
        if text:
            # trafilatura marks list items with "- ", which reads as a minus sign
            text = _LIST_DASH.sub("", text)
    if not text or not text.strip():
        # a fragment (a feed body) has no page chrome to remove, and trafilatura's
        # precision mode drops its lists ("<ul><li>Every day, the Fed prints $465
        # million ...</li></ul>"): keep all visible text
        fresh = _parse(html)
        text = _visible_text(fresh) if fresh is not None else ""
    return text, title


# --------------------------------------------------------------------------- markdown

_MD_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*(?:```|~~~).*$", re.M), ""),  # code fences (content kept)
    (re.compile(r"^\s*(?:[-*_]\s*){3,}$", re.M), ""),  # horizontal rules
    (re.compile(r"^\s*=+\s*$|^\s*-{2,}\s*$", re.M), ""),  # setext underlines
    (re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*$", re.M), ""),  # table rules
    (re.compile(r"^\s*\[[^\]\n]+\]:\s+\S+.*$", re.M), ""),  # link reference definitions
    (re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)"), ""),  # images
    (re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)"), r"\1"),  # inline links -> text
    (re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]"), r"\1"),  # reference links -> text
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),  # block quotes
    (re.compile(r"^\s*[-*+]\s+(?=\S)", re.M), ""),  # bullets (numbered items keep digits)
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # emphasis *
    (re.compile(r"(?<![\w])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])"), r"\1"),  # emphasis _
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # strikethrough
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # inline code
    (re.compile(r"</?(?:br|p|div|span|em|strong|b|i|u|sup|sub)\b[^>]*>", re.I), " "),
)
_HEADING_AT_LINE_START = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M)
# A heading mark inside a flattened line ("... the result. ## Leverage Exits ..."):
# only after the end of a sentence, so "#1 exchange" or "C#" never match.
_HEADING_INLINE = re.compile(r"(?<=[.!?:\"')\]])[ \t]+#{2,6}[ \t]+(?=\S)")
_TABLE_PIPES = re.compile(r"[ \t]*\|[ \t]*")


def strip_heading_marks(text: str) -> tuple[str, int]:
    """Remove Markdown heading marks; an inline ``## `` starts a new line.

    Returns:
        the text and the number of marks removed.
    """
    if "#" not in text:
        return text, 0
    text, n_inline = _HEADING_INLINE.subn("\n", text)
    text, n_line = _HEADING_AT_LINE_START.subn(r"\1", text)
    return text, n_inline + n_line


_STRONG = re.compile(r"(?<!\w)(\*\*|__)(?=\S)([^\n]+?)(?<=\S)\1(?!\w)")


def strip_text_markup(text: str) -> tuple[str, int]:
    """The Markdown that plain-text dumps carry: heading marks and ``**strong**``.

    Returns:
        the text and the number of marks removed.

    Example:
        >>> strip_text_markup("On May 20th, **DigiAsia** plans **$100 million**.")
        ('On May 20th, DigiAsia plans $100 million.', 2)
    """
    text, count = strip_heading_marks(text)
    if "**" in text or "__" in text:
        text, n = _STRONG.subn(r"\2", text)
        count += n
    return text, count


def markdown_to_text(markdown: str) -> tuple[str, int]:
    """Plain text of a Markdown document.

    Returns:
        the text and the number of markup constructs removed.

    Example:
        >>> markdown_to_text("# BTC\\n**Bitcoin** rose [2.5%](https://x.y) to $67,460.")[0]
        'BTC\\nBitcoin rose 2.5% to $67,460.'
    """
    text, count = strip_heading_marks(markdown)
    for pattern, repl in _MD_RULES:
        text, n = pattern.subn(repl, text)
        count += n
    if "|" in text:
        lines = []
        for line in text.split("\n"):
            if line.count("|") >= 2:
                line = _TABLE_PIPES.sub(" | ", line.strip().strip("|")).strip()
            lines.append(line)
        text = "\n".join(lines)
    return text, count
