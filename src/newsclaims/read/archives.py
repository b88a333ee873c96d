"""Zip archives: each member is read as if it were a file, with the same bounds."""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, cast

from ..models import Article, Rejection, RejectReason
from ..settings import Settings
from .streams import BoundedReader

if TYPE_CHECKING:
    from . import InputFile

StreamReader = Callable[[object, str, str, str, Settings], Iterator[Article | Rejection]]


def read_zip(item: InputFile, settings: Settings, read_stream: StreamReader) -> Iterator[Article | Rejection]:
    """Every supported member of a zip archive (members' ids: ``archive.zip/member``)."""
    from . import _kind

    try:
        archive = zipfile.ZipFile(item.path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Rejection(source_id=item.source_id, reason=RejectReason.TRUNCATED if isinstance(exc, zipfile.BadZipFile) else RejectReason.UNREADABLE, detail=f"not a readable zip archive: {exc}", origin=str(item.path))
        return
    limit = settings.ingest.max_decompressed_bytes
    total = 0
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            member_id = f"{item.source_id}/{info.filename}"
            origin = f"{item.path}!{info.filename}"
            kind = _kind(info.filename)
            if kind is None or kind[0] == ".zip":
                yield Rejection(source_id=member_id, reason=RejectReason.UNSUPPORTED, detail="unsupported archive member type", origin=origin)
                continue
            total += info.file_size
            if info.file_size > limit or total > limit:
                yield Rejection(source_id=member_id, reason=RejectReason.TOO_LARGE, detail=f"member declares {info.file_size:,} bytes; the archive would expand beyond {limit:,} (ingest.max_decompressed_bytes)", origin=origin)
                continue
            suffix, gz = kind
            try:
                raw = archive.open(info)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                yield Rejection(source_id=member_id, reason=RejectReason.UNREADABLE, detail=f"cannot open member: {exc}", origin=origin)
                continue
            inner: IO[bytes] = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if gz else raw
            stream = BoundedReader(inner, compressed_size=max(info.compress_size, 1), settings=settings, closer=raw if gz else None)
            with stream:
                try:
                    yield from read_stream(stream, suffix, member_id, origin, settings)
                except zipfile.BadZipFile as exc:
                    yield Rejection(source_id=member_id, reason=RejectReason.TRUNCATED, detail=f"corrupt member: {exc}", origin=origin)
