"""Dumps of many records: JSON Lines, JSON (array, object, or object per line), CSV.

A bad record is rejected with its line or index and the reading goes on; a
truncated or oversized stream keeps what was read and rejects the rest.
"""

from __future__ import annotations

import codecs
import csv
import json
import sys
from collections.abc import Iterator
from typing import Any

from ..models import Article, Rejection, RejectReason
from ..settings import Settings
from .records import RecordError, decode_text, record_to_article
from .streams import CHUNK, BoundedReader, TooLarge, Truncated

Out = Iterator[Article | Rejection]


def _reject(source_id: str, reason: RejectReason, detail: str, origin: str) -> Rejection:
    return Rejection(source_id=source_id, reason=reason, detail=detail, origin=origin)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _too_deep(value: Any, limit: int) -> bool:
    """Whether a parsed value nests deeper than ``limit`` (iterative, no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > limit:
            return True
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values() if isinstance(x, dict | list))
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v if isinstance(x, dict | list))
    return False


def _record(value: Any, fallback_id: str, origin: str, settings: Settings) -> Article | Rejection:
    if _too_deep(value, settings.ingest.max_json_depth):
        return _reject(fallback_id, RejectReason.MALFORMED_JSON, f"nested deeper than {settings.ingest.max_json_depth} levels (ingest.max_json_depth)", origin)
    return record_to_article(value, fallback_id, origin, settings)


def read_jsonl(stream: BoundedReader, source_id: str, origin: str, settings: Settings, lines: tuple[int, int | None] | None = None) -> Out:
    """One JSON object per line; blank lines are skipped.

    ``lines`` = ``(first, last)`` reads only lines ``first`` to ``last`` (1-based,
    inclusive; ``last`` None for the rest), with the line numbers, ids and origins
    a whole read gives them: one shard of a large dump.
    """
    limit = settings.ingest.max_record_bytes
    first, last = lines if lines is not None else (1, None)
    lineno = 0
    # a file with no records is rejected once, by the read that covers all of it
    seen_any = first > 1 or last is not None
    while True:
        lineno += 1
        if last is not None and lineno > last:
            return
        where = f"{origin}:{lineno}"
        fallback = f"{source_id}#{lineno}"
        if lineno < first:
            try:
                passed = stream.readline(limit + 1)
                if passed and not passed.endswith(b"\n"):
                    stream.skip_line()
            except (Truncated, TooLarge):
                return  # the read that covers the damaged line reports it
            if not passed:
                return
            continue
        try:
            raw = stream.readline(limit + 1)
            if len(raw) > limit and not raw.endswith(b"\n"):
                skipped = len(raw) + stream.skip_line()
                seen_any = True
                yield _reject(fallback, RejectReason.TOO_LARGE, f"line {lineno} is {skipped:,} bytes, over {limit:,} (ingest.max_record_bytes)", where)
                continue
        except Truncated as exc:
            yield _reject(f"{source_id}#{lineno}-", RejectReason.TRUNCATED, f"stream ends early after line {lineno - 1}: the rest is lost ({exc})", where)
            return
        except TooLarge as exc:
            yield _reject(f"{source_id}#{lineno}-", RejectReason.TOO_LARGE, f"stopped at line {lineno}: {exc}", where)
            return
        if not raw:
            break
        if not raw.strip():
            continue
        seen_any = True
        try:
            text = decode_text(raw)
        except RecordError as exc:
            yield _reject(fallback, exc.reason, f"line {lineno}: {exc.detail}", where)
            continue
        try:
            value = _loads(text)
        except ValueError as exc:
            yield _reject(fallback, RejectReason.MALFORMED_JSON, f"line {lineno}: {exc}", where)
            continue
        yield _record(value, fallback, where, settings)
    if not seen_any:
        yield _reject(source_id, RejectReason.EMPTY, "no records", origin)


def read_json(stream: BoundedReader, source_id: str, origin: str, settings: Settings) -> Out:
    """A JSON array of records, one record, or records one after another."""
    limit = settings.ingest.max_record_bytes
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buf = ""
    pos = 0
    eof = False
    in_array: bool | None = None
    index = 0
    want = CHUNK

    def fill() -> bool:
        nonlocal buf, pos, eof, want
        data = stream.read(want)
        want = min(want * 2, 1 << 22)
        if not data:
            eof = True
            buf = buf[pos:] + utf8.decode(b"", final=True)
            pos = 0
            return False
        buf = buf[pos:] + utf8.decode(data)
        pos = 0
        return True

    try:
        while True:
            while True:  # skip white space and separators
                while pos < len(buf) and buf[pos] in " \t\r\n\ufeff":
                    pos += 1
                if pos < len(buf) or eof:
                    break
                fill()
            if pos >= len(buf):
                break
            ch = buf[pos]
            if in_array is None:
                in_array = ch == "["
                if in_array:
                    pos += 1
                    continue
            if in_array and ch == ",":
                pos += 1
                continue
            if in_array and ch == "]":
                in_array = False
                pos += 1
                continue
            try:
                value, end = decoder.raw_decode(buf, pos)
            except RecursionError:
                yield _reject(f"{source_id}#{index}", RejectReason.MALFORMED_JSON, f"record {index}: JSON nested too deeply; the rest of the file is not read", origin)
                return
            except json.JSONDecodeError as exc:
                if not eof and len(buf) - pos <= limit:
                    fill()
                    continue
                reason = RejectReason.TOO_LARGE if len(buf) - pos > limit else RejectReason.MALFORMED_JSON
                yield _reject(f"{source_id}#{index}", reason, f"record {index}: {exc.msg} at char {exc.pos - pos}; the rest of the file is not read", origin)
                return
            yield _record(value, f"{source_id}#{index}", f"{origin}[{index}]", settings)
            index += 1
            pos = end
    except Truncated as exc:
        yield _reject(f"{source_id}#{index}-", RejectReason.TRUNCATED, f"stream ends early after record {index}: the rest is lost ({exc})", origin)
        return
    except TooLarge as exc:
        yield _reject(f"{source_id}#{index}-", RejectReason.TOO_LARGE, f"stopped at record {index}: {exc}", origin)
        return
    if index == 0:
        yield _reject(source_id, RejectReason.EMPTY, "no records", origin)


def _lines(stream: BoundedReader, limit: int) -> Iterator[str]:
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        if len(raw) > limit and not raw.endswith(b"\n"):
            raise TooLarge(f"a line over {limit:,} bytes (ingest.max_record_bytes)")
        try:
            yield decode_text(raw)
        except RecordError:
            yield raw.decode("utf-8", errors="replace")


def read_csv(stream: BoundedReader, source_id: str, origin: str, settings: Settings) -> Out:
    """CSV with a header row; every row is a record."""
    limit = settings.ingest.max_record_bytes
    csv.field_size_limit(min(limit, sys.maxsize))
    reader = csv.reader(_lines(stream, limit))
    row_no = 0
    try:
        header = next(reader, None)
        if header is None:
            yield _reject(source_id, RejectReason.EMPTY, "no rows", origin)
            return
        header = [h.strip().lstrip("\ufeff") for h in header]
        while True:
            row_no += 1
            where = f"{origin}:row {row_no}"
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield _reject(f"{source_id}#{row_no}", RejectReason.MALFORMED_CSV, f"row {row_no}: {exc}", where)
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield _reject(f"{source_id}#{row_no}", RejectReason.MALFORMED_CSV, f"row {row_no} has {len(row)} fields, header has {len(header)}", where)
                continue
            yield record_to_article(dict(zip(header, row, strict=True)), f"{source_id}#{row_no}", where, settings)
    except Truncated as exc:
        yield _reject(f"{source_id}#{row_no}-", RejectReason.TRUNCATED, f"stream ends early after row {row_no - 1}: the rest is lost ({exc})", origin)
    except TooLarge as exc:
        yield _reject(f"{source_id}#{row_no}-", RejectReason.TOO_LARGE, f"stopped at row {row_no}: {exc}", origin)
