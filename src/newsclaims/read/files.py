"""One-article files: .txt, .md, .html (each optionally gzipped)."""

from __future__ import annotations

import re
from typing import Literal

from ..models import Article, Rejection, RejectReason
from ..settings import Settings
from .records import RecordError, decode_text, parse_time
from .streams import BoundedReader, TooLarge, Truncated

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)
_FM_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$", re.M)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """``---``-delimited ``key: value`` lines at the top of a file, and the rest."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    fields = {k.lower(): v.strip().strip("'\"") for k, v in _FM_LINE.findall(m.group(1))}
    return fields, text[m.end():]


def read_document(
    stream: BoundedReader,
    fmt: Literal["text", "markdown", "html"],
    source_id: str,
    origin: str,
    settings: Settings,
) -> Article | Rejection:
    """Read a whole one-article file."""
    limit = settings.ingest.max_record_bytes
    try:
        data = stream.read(limit + 1)
    except TooLarge as exc:
        return Rejection(source_id=source_id, reason=RejectReason.TOO_LARGE, detail=str(exc), origin=origin)
    except Truncated as exc:
        return Rejection(source_id=source_id, reason=RejectReason.TRUNCATED, detail=str(exc), origin=origin)
    except OSError as exc:
        return Rejection(source_id=source_id, reason=RejectReason.UNREADABLE, detail=f"read error: {exc}", origin=origin)
    if len(data) > limit:
        return Rejection(source_id=source_id, reason=RejectReason.TOO_LARGE, detail=f"file larger than {limit:,} bytes (ingest.max_record_bytes)", origin=origin)
    if not data.strip():
        return Rejection(source_id=source_id, reason=RejectReason.EMPTY, detail="empty file", origin=origin)
    try:
        text = decode_text(data)
    except RecordError as exc:
        return Rejection(source_id=source_id, reason=exc.reason, detail=exc.detail, origin=origin)
    fields: dict[str, str] = {}
    if fmt != "html":
        fields, text = _front_matter(text)
    if not text.strip():
        return Rejection(source_id=source_id, reason=RejectReason.MISSING_BODY, detail="front matter but no text", origin=origin)
    published, assumed = parse_time(fields.get("date") or fields.get("published_at") or fields.get("published"), settings)
    title = fields.get("title", "")
    return Article(
        id=Article.make_id(source_id, title, text),
        source_id=source_id,
        title=title,
        body=text,
        body_format=fmt,
        published_at=published,
        time_zone_assumed=assumed,
        url=fields.get("url") or None,
        source=fields.get("source") or None,
        origin=origin,
    )
