"""The batch job on a Ray cluster (``newsclaims run --engine ray``; the ``ray`` extra).

The same pipeline as :mod:`newsclaims.pipeline`, whose per-article functions it
calls, on Ray Data: input shards (:mod:`.shards`), an actor pool that cleans, signs,
extracts and checks, a distributed near-duplicate clustering (:mod:`.graph`), the story
grouping and the cross-copy check over the whole dataset, and one Parquet dataset per
table (:mod:`.tables`) that :func:`import_output` loads into SQLite. Given the same
input and settings it gives the rows the local run gives.

Only :mod:`.job` imports Ray, and only when a run starts, so the default install
(without the extra) imports this package and can read and import an output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .shards import Shard, ShardPlan, plan_shards, read_shard
from .tables import TABLES, import_output, read_manifest

if TYPE_CHECKING:
    from .job import run_on_ray


def __getattr__(name: str) -> Any:
    if name == "run_on_ray":
        from .job import run_on_ray

        return run_on_ray
    raise AttributeError(name)


__all__ = ["TABLES", "Shard", "ShardPlan", "import_output", "plan_shards", "read_manifest", "read_shard", "run_on_ray"]
