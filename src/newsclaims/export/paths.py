"""Output paths that cannot escape the folder they are allowed in."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..errors import OutputPathError

#: longest file-name stem made from an id (file systems allow 255 bytes; room for suffixes).
MAX_STEM = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def safe_output_path(path: str | Path, base_dir: str | Path | None = None) -> Path:
    """Resolve ``path`` and refuse it unless it lies inside ``base_dir``.

    A relative ``path`` is relative to the current directory (as a user typed it).
    Symbolic links are resolved before the comparison, so a link inside the folder
    that points out of it is refused too.

    Args:
        path: where the output is to be written.
        base_dir: the folder outputs must stay in; default: the current directory.

    Returns:
        The resolved path.

    Raises:
        OutputPathError: the path is outside ``base_dir`` (or is ``base_dir`` itself).

    Example:
        >>> safe_output_path("/tmp/out/claims.csv", "/tmp").name
        'claims.csv'
        >>> safe_output_path("/etc/passwd", "/tmp")
        Traceback (most recent call last):
        ...
        newsclaims.errors.OutputPathError: output path '/etc/passwd' is outside the folder '/tmp'
    """
    base = Path(base_dir if base_dir is not None else Path.cwd()).resolve()
    target = Path(path).expanduser().resolve()
    if target == base or not target.is_relative_to(base):
        raise OutputPathError(f"output path {str(path)!r} is outside the folder {str(base)!r}")
    return target


def safe_file_stem(identifier: str) -> str:
    """A file-name stem made from an id: only ``[A-Za-z0-9_-]``, bounded length.

    Ids that are already safe (the project's content hashes) are kept as they are;
    any other id gets a hash suffix so that two ids never share a file.

    >>> safe_file_stem("8e8d785f63898a59")
    '8e8d785f63898a59'
    >>> safe_file_stem("../../etc/passwd")[:10]
    'etc_passwd'
    """
    cleaned = _UNSAFE.sub("_", identifier).strip("_")[:MAX_STEM]
    if cleaned == identifier and cleaned:
        return cleaned
    digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{cleaned}-{digest}" if cleaned else digest
