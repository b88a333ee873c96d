"""Article text with claims marked by verdict, built from character offsets.

Every piece of text between the marks is escaped; only the ``<mark>`` tags
themselves are markup. Claims nest when one lies inside another; a claim that
overlaps another only partly cannot be marked as well and is reported back so
the page can say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    """One claim to mark: its offsets into the text and how to show it."""

    start: int
    end: int
    claim_id: str
    n: int
    verdict: str
    title: str


@dataclass
class _Node:
    span: Span
    children: list[_Node] = field(default_factory=list)


def _render(text: str, lo: int, hi: int, children: list[_Node], out: list[str], prefix: str) -> None:
    """Append the escaped text of ``[lo, hi)`` with the children's marks to ``out``."""
    pos = lo
    for child in children:
        s = child.span
        out.append(escape(text[pos : s.start]))
        out.append(
            f'<mark id="{escape(prefix)}m-{s.n}" class="claim verdict-{escape(s.verdict)}" '
            f'data-claim-id="{escape(s.claim_id)}" data-n="{s.n}" '
            f'data-verdict="{escape(s.verdict)}" title="{escape(s.title)}">'
        )
        _render(text, s.start, s.end, child.children, out, prefix)
        out.append("</mark>")
        pos = s.end
    out.append(escape(text[pos:hi]))


def highlight_text(
    text: str, spans: Sequence[Span], *, id_prefix: str = ""
) -> tuple[Markup, list[Span]]:
    """The text as HTML with a ``<mark>`` per span; returns the spans left unmarked.

    Args:
        text: the article text the offsets index.
        spans: the claims to mark.
        id_prefix: put before each mark's ``id`` (``m-<n>``), for pages with several articles.

    Returns:
        The escaped, marked-up text, and the spans that could not be marked (offsets
        outside the text, empty, or overlapping another span only partly).

    Example:
        >>> html, skipped = highlight_text("BTC <b> at $5", [Span(11, 13, "c1", 1, "consistent", "t")])
        >>> str(html)[:16], skipped
        ('BTC &lt;b&gt; at', [])
    """
    roots: list[_Node] = []
    stack: list[_Node] = []
    skipped: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end, s.n)):
        if s.start < 0 or s.end > len(text) or s.start >= s.end:
            skipped.append(s)
            continue
        while stack and s.start >= stack[-1].span.end:
            stack.pop()
        if stack and s.end > stack[-1].span.end:
            skipped.append(s)
            continue
        node = _Node(s)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    out: list[str] = []
    _render(text, 0, len(text), roots, out, id_prefix)
    # every piece is either escaped text or a tag built from escaped values
    return Markup("".join(out)), skipped
