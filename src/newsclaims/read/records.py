"""Turning one raw record (a dict from JSON/CSV, or a document) into an Article.

Field names are found by their common names unless settings name them; times
become timezone-aware UTC; bytes are decoded as UTF-8 with a Windows-1252 fallback.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ..models import Article, Rejection, RejectReason
from ..settings import Settings

ID_FIELDS = ("id", "_id", "article_id", "uuid", "guid", "doc_id", "key")
TITLE_FIELDS = ("title", "headline", "name", "heading")
BODY_FIELDS = ("body", "text", "content", "article", "article_body", "articleBody", "full_text", "html", "description", "summary")
TIME_FIELDS = ("published_at", "published_utc", "published", "publishedAt", "date", "datetime", "pubDate", "pub_date", "time", "timestamp", "created_at", "created")
URL_FIELDS = ("url", "link", "href", "source_url", "canonical_url")
SOURCE_FIELDS = ("source", "publisher", "site", "source_name", "domain", "outlet", "feed")

#: share of C0 control characters (other than tab/newline/CR) above which decoded text is junk.
MAX_CONTROL_SHARE = 0.01
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_HTML_HINT = re.compile(r"<(?:p|div|html|body|article|br|span|h[1-6]|a|script|iframe|ul|li)\b", re.I)
#: epoch values above this are milliseconds (year 2286 in seconds).
_EPOCH_MS_ABOVE = 10_000_000_000


class RecordError(Exception):
    """A record cannot be used; carries the rejection reason."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def decode_text(data: bytes) -> str:
    """Decode bytes as UTF-8 (BOM stripped), else Windows-1252.

    Raises:
        RecordError: binary data (NUL bytes) or text undecodable by both.
    """
    if b"\x00" in data[:8192]:
        raise RecordError(RejectReason.BINARY, "binary data (NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise RecordError(
                RejectReason.UNDECODABLE,
                f"not UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}) nor Windows-1252",
            ) from None
    controls = len(_CONTROL.findall(text[:65536]))
    if text and controls > MAX_CONTROL_SHARE * min(len(text), 65536):
        raise RecordError(RejectReason.BINARY, f"{controls} control characters: not text")
    return text


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:4096]))


def parse_time(value: Any, settings: Settings) -> tuple[datetime | None, bool]:
    """A time value as aware UTC, and whether the default zone was assumed.

    Accepts ISO 8601 (``Z`` or an offset, or none), ``YYYY-MM-DD HH:MM:SS``,
    RFC 2822 (RSS ``pubDate``) and epoch seconds or milliseconds. Unparseable -> (None, False).
    """
    if value is None or value == "":
        return None, False
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int | float):
        try:
            secs = float(value) / (1000.0 if abs(value) > _EPOCH_MS_ABOVE else 1.0)
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=secs), False
        except (OverflowError, ValueError):
            return None, False
    if not isinstance(value, str):
        return None, False
    s = value.strip()
    if re.fullmatch(r"\d{9,13}(?:\.\d+)?", s):
        return parse_time(float(s), settings)
    dt: datetime | None = None
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        try:
            dt = email.utils.parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return None, False
    if dt is None:
        return None, False
    if dt.tzinfo is None:
        return dt.replace(tzinfo=settings.ingest.zone()).astimezone(UTC), True
    return dt.astimezone(UTC), False


def _pick(record: Mapping[str, Any], named: str | None, candidates: tuple[str, ...]) -> Any:
    if named is not None:
        return record.get(named)
    for key in candidates:
        if key in record and record[key] not in (None, ""):
            return record[key]
    lowered = {k.lower(): k for k in record if isinstance(k, str)}
    for key in candidates:
        k = lowered.get(key.lower())
        if k is not None and record[k] not in (None, ""):
            return record[k]
    return None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):  # e.g. {"name": "CoinDesk"}
        for key in ("name", "title", "text", "value"):
            if isinstance(value.get(key), str):
                return str(value[key])
        return ""
    if isinstance(value, list):
        return "\n\n".join(_as_text(v) for v in value if v is not None)
    return str(value)


def record_to_article(record: Any, fallback_id: str, origin: str, settings: Settings) -> Article | Rejection:
    """A dump record (a mapping) as an Article, or a Rejection naming why not."""
    ing = settings.ingest
    if not isinstance(record, Mapping):
        return Rejection(source_id=fallback_id, reason=RejectReason.BAD_FIELD, detail=f"record is a JSON {type(record).__name__}, not an object", origin=origin)
    raw_id = _pick(record, ing.id_field, ID_FIELDS)
    source_id = _as_text(raw_id).strip() or fallback_id
    body = _as_text(_pick(record, ing.body_field, BODY_FIELDS))
    title = _as_text(_pick(record, ing.title_field, TITLE_FIELDS)).strip()
    if not body.strip():
        field = ing.body_field or "/".join(BODY_FIELDS[:3])
        return Rejection(source_id=source_id, reason=RejectReason.MISSING_BODY, detail=f"no text in field {field}" + (f" (title: {title[:80]!r})" if title else ""), origin=origin)
    if len(body.encode("utf-8", "surrogatepass")) > ing.max_record_bytes:
        return Rejection(source_id=source_id, reason=RejectReason.TOO_LARGE, detail=f"body larger than {ing.max_record_bytes:,} bytes (ingest.max_record_bytes)", origin=origin)
    published, assumed = parse_time(_pick(record, ing.time_field, TIME_FIELDS), settings)
    url = _as_text(_pick(record, ing.url_field, URL_FIELDS)).strip() or None
    source = _as_text(_pick(record, ing.source_field, SOURCE_FIELDS)).strip() or None
    body = body.replace("\x00", "")
    return Article(
        id=Article.make_id(source_id, title, body),
        source_id=source_id,
        title=title,
        body=body,
        body_format="html" if looks_like_html(body) else "text",
        published_at=published,
        time_zone_assumed=assumed,
        url=url,
        source=source,
        origin=origin,
    )
