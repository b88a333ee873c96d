"""Input shards: whole files, and line ranges of large JSON Lines dumps (no Ray needed).

A shard is the unit of work, of retry and of resumption of the distributed run. The
plan is a pure function of the inputs and the settings, so a re-run over the same
output folder finds the same shards and skips those already written.

Records read from a shard carry the line numbers, ids and origins a whole read of the
file gives them, so the distributed run and the local run agree on every id.

Example:
    >>> from newsclaims.settings import load_settings
    >>> plan = plan_shards(["corpus/dumps"], load_settings())  # doctest: +SKIP
    >>> plan.shards[0].lines  # doctest: +SKIP
    (1, 1000)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..models import Article, Rejection
from ..read import InputFile, iter_input_files, read_file
from ..read.streams import CHUNK, TooLarge, Truncated, open_bounded
from ..settings import Settings

#: suffixes whose files are split by line ranges (one record per line).
LINE_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class Shard:
    """One file, or lines ``first`` to ``last`` (inclusive, 1-based; None = to the end) of it."""

    index: int
    path: str
    source_id: str
    lines: tuple[int, int | None] | None = None

    @property
    def key(self) -> str:
        return f"s{self.index:07d}"

    def as_dict(self) -> dict[str, object]:
        first, last = self.lines if self.lines is not None else (0, None)
        return {"index": self.index, "path": self.path, "source_id": self.source_id, "first": first, "last": -1 if last is None else last}

    @classmethod
    def from_dict(cls, row: dict[str, object]) -> Shard:
        first, last = int(str(row["first"])), int(str(row["last"]))
        lines = None if first == 0 else (first, None if last < 0 else last)
        return cls(int(str(row["index"])), str(row["path"]), str(row["source_id"]), lines)


@dataclass
class ShardPlan:
    """The shards of an input, the rejections found while listing it, and its fingerprint."""

    shards: list[Shard] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    fingerprint: str = ""


def _is_line_dump(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith(LINE_SUFFIXES)


def count_lines(path: Path, settings: Settings) -> int:
    """Lines that can be read from a (possibly gzipped) file, within the read bounds."""
    gz = path.name.lower().endswith(".gz")
    lines = 0
    last = b"\n"
    try:
        with open_bounded(path, gz, settings) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except (Truncated, TooLarge, OSError):
        pass  # the shard that reaches the damage reports it, as a whole read would
    return lines + (0 if last == b"\n" else 1)


def plan_shards(paths: Sequence[str | os.PathLike[str]], settings: Settings) -> ShardPlan:
    """Split the inputs into shards of at most ``settings.ray.lines_per_shard`` lines.

    Files other than JSON Lines dumps are one shard each. The last shard of a dump
    is open-ended, so a truncated or oversized stream is reported exactly once.

    Raises:
        InputError: a named path does not exist.
    """
    plan = ShardPlan()
    per = settings.ray.lines_per_shard
    # what the results depend on: every setting but where and how wide the cluster runs
    relevant = settings.model_dump(mode="json")
    relevant["ray"] = {"lines_per_shard": per}
    digest = hashlib.sha256(json.dumps(relevant, sort_keys=True).encode())
    for item in iter_input_files(paths, settings):
        if isinstance(item, Rejection):
            plan.rejections.append(item)
            continue
        try:
            st = item.path.stat()
            digest.update(json.dumps([str(item.path), item.source_id, st.st_size, st.st_mtime_ns]).encode())
        except OSError:
            digest.update(str(item.path).encode())
        n = count_lines(item.path, settings) if _is_line_dump(item.path) else 0
        if n <= per:
            plan.shards.append(Shard(len(plan.shards), str(item.path), item.source_id))
            continue
        for first in range(1, n + 1, per):
            last = first + per - 1
            plan.shards.append(Shard(len(plan.shards), str(item.path), item.source_id, (first, last if last < n else None)))
    plan.fingerprint = digest.hexdigest()[:16]
    return plan


def read_shard(shard: Shard, settings: Settings) -> Iterator[Article | Rejection]:
    """The records of one shard, with the ids and origins of a whole read."""
    yield from read_file(InputFile(Path(shard.path), shard.source_id), settings, lines=shard.lines)
