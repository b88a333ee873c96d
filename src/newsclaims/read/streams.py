"""Byte streams with bounds: decompression bombs, huge lines and truncated gzip.

``BoundedReader`` wraps a binary stream (plain or gzip) and counts what it hands
out. Past ``settings.ingest.max_decompressed_bytes``, or past
``MAX_COMPRESSION_RATIO`` times the compressed size once a file has expanded to
more than ``RATIO_CHECK_AFTER`` bytes, it raises :class:`TooLarge`: no real text
dump compresses that well, so it is treated as a bomb. A truncated gzip raises
:class:`Truncated` at the point where data stops.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path
from types import TracebackType
from typing import IO, cast

from ..settings import Settings

#: text compresses 3-10x with gzip; 200x only happens with repeated filler (bombs).
MAX_COMPRESSION_RATIO = 200
#: the ratio is only judged once this much was decompressed (small files vary a lot).
RATIO_CHECK_AFTER = 64 * 1024 * 1024
CHUNK = 1 << 16


class TooLarge(Exception):
    """The stream expanded beyond the allowed size."""


class Truncated(Exception):
    """The compressed stream ends before its end marker."""


class BoundedReader:
    """A binary reader that enforces size limits and reports truncation."""

    def __init__(self, raw: IO[bytes], *, compressed_size: int | None, settings: Settings, closer: IO[bytes] | None = None) -> None:
        self._raw = raw
        self._closer = closer
        self._compressed = compressed_size
        self._limit = settings.ingest.max_decompressed_bytes
        self.consumed = 0

    def _account(self, n: int) -> None:
        self.consumed += n
        if self.consumed > self._limit:
            raise TooLarge(f"expands beyond {self._limit:,} bytes (ingest.max_decompressed_bytes)")
        if (
            self._compressed
            and self.consumed > RATIO_CHECK_AFTER
            and self.consumed > MAX_COMPRESSION_RATIO * self._compressed
        ):
            raise TooLarge(
                f"expands more than {MAX_COMPRESSION_RATIO}x ({self._compressed:,} compressed bytes): a decompression bomb"
            )

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._raw.read(n)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise Truncated(f"compressed data ends early or is corrupt ({exc})") from exc
        self._account(len(data))
        return data

    def readline(self, limit: int) -> bytes:
        """A line of at most ``limit`` bytes (without reading further than that)."""
        try:
            data = self._raw.readline(limit)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise Truncated(f"compressed data ends early or is corrupt ({exc})") from exc
        self._account(len(data))
        return data

    def skip_line(self) -> int:
        """Skip to the end of the current line; return how many bytes were skipped."""
        skipped = 0
        while True:
            chunk = self.readline(CHUNK)
            skipped += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                return skipped

    def position(self) -> int:
        """Bytes of the file read so far (compressed bytes for gzip), for progress."""
        try:
            return int((self._closer or self._raw).tell())
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self._raw.close()
        if self._closer is not None:
            self._closer.close()

    def __enter__(self) -> BoundedReader:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def open_bounded(path: Path, gz: bool, settings: Settings) -> BoundedReader:
    """Open a file (gzip if ``gz``) as a :class:`BoundedReader`."""
    f = open(path, "rb")  # noqa: SIM115 - closed by BoundedReader
    if not gz:
        return BoundedReader(f, compressed_size=None, settings=settings)
    size = path.stat().st_size
    return BoundedReader(cast(IO[bytes], gzip.GzipFile(fileobj=f, mode="rb")), compressed_size=size, settings=settings, closer=f)


def bounded_bytes(data: bytes, settings: Settings, gz: bool = False) -> BoundedReader:
    """A :class:`BoundedReader` over bytes already in memory (zip members, tests)."""
    raw: IO[bytes] = io.BytesIO(data)
    if gz:
        return BoundedReader(cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")), compressed_size=len(data), settings=settings)
    return BoundedReader(raw, compressed_size=None, settings=settings)
