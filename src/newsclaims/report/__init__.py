"""The static HTML report: stories, and each article with its claims marked by verdict.

Jinja2 templates (``report/templates``) with autoescaping always on; no server, no
CDN, no script on any page (a Content-Security-Policy forbids them as a second
guard behind the escaping).

Example:
    >>> from newsclaims.storage import open_db
    >>> index = write_report(open_db("newsclaims.db"), Path("report"))  # doctest: +SKIP
"""

from __future__ import annotations

from .chart import Chart, build_chart, format_usd
from .highlight import Span, highlight_text
from .render import (
    CandleSource,
    render_article_page,
    render_articles_page,
    safe_url,
    worst_verdict,
)
from .site import article_file_name, write_report

__all__ = [
    "CandleSource",
    "Chart",
    "Span",
    "article_file_name",
    "build_chart",
    "format_usd",
    "highlight_text",
    "render_article_page",
    "render_articles_page",
    "safe_url",
    "worst_verdict",
    "write_report",
]
