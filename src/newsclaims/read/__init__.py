"""Readers: files and dumps in, a stream of ``Article | Rejection`` out.

Supported inputs (each optionally ``.gz``; ``.zip`` archives are read member by member):

- ``.txt``, ``.md``/``.markdown``: one article per file (an optional ``---`` front
  matter block with ``title:``, ``date:``, ``url:``, ``source:`` lines is honoured);
- ``.html``/``.htm``: one article per file (main text extracted by the cleaner);
- ``.jsonl``/``.ndjson``: one record per line;
- ``.json``: an array of records, one record, or one record per line;
- ``.csv``: one record per row, with a header.

Everything streams: a dump is never held in memory whole. A record that cannot be
used becomes a :class:`~newsclaims.models.Rejection` naming the record and the
reason, and reading goes on with the next one.

Example:
    >>> from newsclaims.settings import load_settings
    >>> recs = list(iter_records(["corpus/seeds"], load_settings()))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import InputError
from ..models import Article, Rejection, RejectReason
from ..settings import Settings
from .dumps import read_csv, read_json, read_jsonl
from .files import read_document
from .streams import open_bounded

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES: dict[str, Literal["text", "markdown", "html"]] = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
DUMP_SUFFIXES = {".jsonl", ".ndjson", ".json", ".csv"}
#: a folder's entry whose name starts with one of these is not input (hidden files, our ignore file).
HIDDEN_PREFIXES = (".", "_")
IGNORE_FILE = ".newsclaimsignore"

__all__ = ["InputFile", "InputProgress", "input_bytes", "iter_input_files", "iter_records", "read_file"]


@dataclass(frozen=True)
class InputFile:
    """One file to read: where it is and the id its records get."""

    path: Path
    source_id: str  # path relative to the folder named on the command line, or the file name


@dataclass
class InputProgress:
    """How much of the input has been read, in bytes on disk (for progress bars).

    Pass one to :func:`iter_records`; it fills in ``total_bytes`` first and
    advances while records are read. Compressed files count their compressed bytes.
    """

    total_bytes: int = 0
    done_bytes: int = 0
    current: object | None = None

    def bytes_read(self) -> int:
        """Bytes of finished files plus the position in the file being read."""
        pos = getattr(self.current, "position", None)
        return self.done_bytes + (int(pos()) if callable(pos) else 0)

    def fraction(self) -> float | None:
        """Share of the input read (0 to 1), or None when the size is unknown."""
        if self.total_bytes <= 0:
            return None
        return min(1.0, self.bytes_read() / self.total_bytes)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def input_bytes(paths: Sequence[str | os.PathLike[str]], settings: Settings) -> int:
    """Total size on disk of the files :func:`iter_records` would read."""
    return sum(_size(f.path) for f in iter_input_files(paths, settings) if isinstance(f, InputFile))


def _kind(name: str) -> tuple[str, bool] | None:
    """The file's kind (suffix without .gz) and whether it is gzipped, or None."""
    lower = name.lower()
    gz = lower.endswith(".gz")
    if gz:
        lower = lower[:-3]
    suffix = os.path.splitext(lower)[1]
    if suffix in DOCUMENT_SUFFIXES or suffix in DUMP_SUFFIXES or suffix == ".zip":
        return suffix, gz
    return None


def _ignore_patterns(folder: Path) -> list[str]:
    f = folder / IGNORE_FILE
    if not f.is_file():
        return []
    lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def _ignored(rel: str, patterns: list[str]) -> bool:
    from fnmatch import fnmatch

    for pat in patterns:
        p = pat.rstrip("/")
        if fnmatch(rel, p) or rel.startswith(p + "/") or fnmatch(os.path.basename(rel), p):
            return True
    return False


def iter_input_files(
    paths: Sequence[str | os.PathLike[str]], settings: Settings
) -> Iterator[InputFile | Rejection]:
    """Expand the paths into files to read, in a stable order.

    Folders are walked recursively in sorted order. Hidden entries and the patterns
    of a ``.newsclaimsignore`` file in a named folder are skipped. A symbolic link
    that leads outside the named folder is rejected unless
    ``settings.ingest.follow_symlinks``.

    Raises:
        InputError: a named path does not exist.
    """
    for raw in paths:
        top = Path(raw)
        if not top.exists() and not top.is_symlink():
            raise InputError(f"no such file or folder: {raw}")
        if top.is_file():
            yield InputFile(top, top.name)
            continue
        if not top.is_dir():
            yield Rejection(source_id=top.name, reason=RejectReason.UNREADABLE, detail="not a regular file or folder", origin=str(top))
            continue
        root = top.resolve()
        patterns = _ignore_patterns(top)
        yield from _walk(top, root, top, patterns, settings)


def _walk(folder: Path, root: Path, top: Path, patterns: list[str], settings: Settings) -> Iterator[InputFile | Rejection]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield Rejection(source_id=str(folder.relative_to(top)), reason=RejectReason.UNREADABLE, detail=f"cannot list folder: {exc.strerror}", origin=str(folder))
        return
    for entry in entries:
        if entry.name.startswith(HIDDEN_PREFIXES):
            continue
        path = Path(entry.path)
        rel = path.relative_to(top).as_posix()
        if _ignored(rel, patterns):
            continue
        if entry.is_symlink():
            target = path.resolve()
            inside = target == root or root in target.parents
            if not inside and not settings.ingest.follow_symlinks:
                yield Rejection(source_id=rel, reason=RejectReason.SYMLINK, detail=f"symbolic link to {target} leads outside {top}; not followed (see ingest.follow_symlinks)", origin=str(path))
                continue
        if entry.is_dir(follow_symlinks=True):
            yield from _walk(path, root, top, patterns, settings)
        elif entry.is_symlink() and not path.exists():
            yield Rejection(source_id=rel, reason=RejectReason.UNREADABLE, detail=f"broken symbolic link to {os.readlink(path)}", origin=str(path))
        elif entry.is_file(follow_symlinks=True):
            if _kind(entry.name) is None:
                yield Rejection(source_id=rel, reason=RejectReason.UNSUPPORTED, detail=f"unsupported file type {path.suffix or '(none)'!r}", origin=str(path))
            else:
                yield InputFile(path, rel)


def read_file(item: InputFile, settings: Settings, progress: InputProgress | None = None,
              lines: tuple[int, int | None] | None = None) -> Iterator[Article | Rejection]:
    """Read one file (any supported kind) into articles and rejections.

    ``lines`` = ``(first, last)`` reads only those lines of a JSON Lines dump (see
    :func:`~newsclaims.read.dumps.read_jsonl`); other kinds are always read whole.
    """
    kind = _kind(item.path.name)
    if kind is None:
        yield Rejection(source_id=item.source_id, reason=RejectReason.UNSUPPORTED, detail=f"unsupported file type {item.path.suffix or '(none)'!r}", origin=str(item.path))
        return
    suffix, gz = kind
    if suffix == ".zip":
        from .archives import read_zip

        yield from read_zip(item, settings, _read_stream)
        return
    try:
        stream = open_bounded(item.path, gz, settings)
    except OSError as exc:
        yield Rejection(source_id=item.source_id, reason=RejectReason.UNREADABLE, detail=f"cannot open: {exc.strerror or exc}", origin=str(item.path))
        return
    if progress is not None:
        progress.current = stream
    with stream:
        yield from _read_stream(stream, suffix, item.source_id, str(item.path), settings, lines)
    if progress is not None:
        progress.current = None


def _read_stream(stream: object, suffix: str, source_id: str, origin: str, settings: Settings, lines: tuple[int, int | None] | None = None) -> Iterator[Article | Rejection]:
    from .streams import BoundedReader

    assert isinstance(stream, BoundedReader)
    if suffix in DOCUMENT_SUFFIXES:
        yield read_document(stream, DOCUMENT_SUFFIXES[suffix], source_id, origin, settings)
    elif suffix in (".jsonl", ".ndjson"):
        yield from read_jsonl(stream, source_id, origin, settings, lines)
    elif suffix == ".json":
        yield from read_json(stream, source_id, origin, settings)
    elif suffix == ".csv":
        yield from read_csv(stream, source_id, origin, settings)


def iter_records(
    paths: Sequence[str | os.PathLike[str]], settings: Settings, progress: InputProgress | None = None
) -> Iterator[Article | Rejection]:
    """Every record of every input, in a stable order.

    ``progress``, when given, gets the input's total size first and then follows
    the reading (see :class:`InputProgress`).

    Raises:
        InputError: a named path does not exist.
    """
    if progress is not None:
        if not progress.total_bytes:
            progress.total_bytes = input_bytes(paths, settings)
        progress.done_bytes = 0
    for item in iter_input_files(paths, settings):
        if isinstance(item, Rejection):
            yield item
        else:
            yield from read_file(item, settings, progress)
            if progress is not None:
                progress.done_bytes += _size(item.path)
                progress.current = None
