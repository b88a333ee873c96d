"""Importing market data files into the store, and opening market data.

The store is the ``market_candles`` table of a newsclaims database (one row per
asset, quote, interval and open time; writes are upserts, so a re-import changes
nothing) plus ``market_imports``, which records each imported file under a key made
of its resolved path, size and modification time: a file with an unchanged key is
skipped without being read.

Quotes: USDT, USDC and USD pairs are stored with the quote ``"USD"``; the original
pair is kept in ``source`` (``"binance:BTCUSDT"``). See :mod:`newsclaims.market.names`.

Where market data comes from when none is named: the real Binance candles bundled
with the package (:func:`default_market_path`). Without a database of its own,
:func:`open_market` imports into a cache database (``$NEWSCLAIMS_CACHE`` or
``~/.cache/newsclaims``): ``market.db`` for the bundled data and
``market-<hash of the path>.db`` for any other file or folder, so that data named
with ``--market`` is never mixed with data imported earlier from somewhere else.

Example:
    >>> from newsclaims.storage import open_db
    >>> db = open_db("run.db")  # doctest: +SKIP
    >>> summary = import_market(db, ["BTCUSDT_4h.csv.gz"])  # doctest: +SKIP
    >>> md = open_market(db=db)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

import sqlite_utils
from pydantic import BaseModel, ConfigDict

from ..errors import MarketDataError
from ..storage import iso_utc, now_iso, open_db, transaction, upsert
from .data import MarketData
from .importers import MARKET_SUFFIXES, ParsedCandles, is_market_file, read_market_file

log = logging.getLogger(__name__)

#: environment variable naming the cache folder (the market cache is ``market.db`` in it).
CACHE_ENV = "NEWSCLAIMS_CACHE"
#: the cache folder when the variable is unset.
DEFAULT_CACHE_DIR = Path("~/.cache/newsclaims")
#: venue written into ``source`` for the bundled canonical CSV files, which came from Binance.
BUNDLED_EXCHANGE = "binance"

CANDLE_PK = ("asset", "quote", "interval", "open_time")


class FileImport(BaseModel):
    """What happened to one file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    key: str
    #: ``imported`` or ``skipped`` (unchanged since it was imported).
    status: str
    rows: int
    #: ``asset/interval`` of each series in the file (empty when skipped).
    series: list[str] = []
    format: str = ""


class ImportSummary(BaseModel):
    """Totals of one :func:`import_market` call."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    files: list[FileImport] = []

    @property
    def imported(self) -> int:
        """Files read and written."""
        return sum(1 for f in self.files if f.status == "imported")

    @property
    def skipped(self) -> int:
        """Files skipped because the same (path, size, mtime) was imported before."""
        return sum(1 for f in self.files if f.status == "skipped")

    @property
    def rows(self) -> int:
        """Candles written (upserted) by this call."""
        return sum(f.rows for f in self.files if f.status == "imported")


def import_key(path: Path) -> str:
    """The key of a file in ``market_imports``: a hash of resolved path, size and mtime."""
    st = path.stat()
    raw = f"{path.resolve()}\x1f{st.st_size}\x1f{st.st_mtime_ns}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and is_market_file(f))
            if not found:
                raise MarketDataError(
                    f"{p}: no market data files in this folder (looked for {', '.join(MARKET_SUFFIXES)})"
                )
            yield from found
        elif p.is_file():
            yield p
        else:
            raise MarketDataError(f"{p}: no such file or folder")


def candle_rows(parsed: ParsedCandles) -> Iterator[dict[str, object]]:
    for r in parsed.rows:
        yield {
            "asset": parsed.asset,
            "quote": parsed.quote,
            "interval": parsed.interval,
            "open_time": iso_utc(r.open_time),
            "open": r.open,
            "high": r.high,
            "low": r.low,
            "close": r.close,
            "volume": r.volume,
            "source": parsed.source,
        }


def import_market(
    db: sqlite_utils.Database, paths: Iterable[str | Path], *, exchange: str | None = None
) -> ImportSummary:
    """Import market data files (or every market file under folders) into ``db``.

    Idempotent: candles are upserted, and a file whose (path, size, mtime) key is
    already in ``market_imports`` is skipped without being read. Each file is one
    transaction; the key check happens inside it, so two processes importing the
    same file at once import it only once.

    Args:
        db: an open newsclaims database (:func:`newsclaims.storage.open_db`).
        paths: files and folders; folders are searched recursively for
            ``.csv``, ``.csv.gz``, ``.zip``, ``.json`` and ``.json.gz`` files.
        exchange: venue named in ``source`` for canonical CSV and bare CCXT files
            (``"csv"``/``"ccxt"`` when ``None``).

    Returns:
        What was imported and skipped, file by file.

    Raises:
        MarketDataError: a path does not exist, or a file is not market data or
            holds a bad value (the message names the file and line). Files before
            the bad one stay imported.

    Example:
        >>> s = import_market(db, ["corpus/market"])  # doctest: +SKIP
        >>> s.imported, s.rows  # doctest: +SKIP
        (13, 290431)
    """
    results: list[FileImport] = []
    for path in _expand(paths):
        key = import_key(path)
        if db["market_imports"].count_where("key = ?", [key]):
            results.append(FileImport(path=str(path), key=key, status="skipped", rows=0))
            continue
        parsed = read_market_file(path, exchange=exchange)
        with transaction(db):
            if db["market_imports"].count_where("key = ?", [key]):
                results.append(FileImport(path=str(path), key=key, status="skipped", rows=0))
                continue
            rows = 0
            for series in parsed:
                rows += upsert(db, "market_candles", candle_rows(series), pk=CANDLE_PK)
            upsert(
                db,
                "market_imports",
                [{"key": key, "path": str(path.resolve()), "rows": rows, "imported_at": now_iso()}],
                pk="key",
            )
        log.info("imported %s: %d candles", path, rows)
        results.append(
            FileImport(
                path=str(path),
                key=key,
                status="imported",
                rows=rows,
                series=[f"{p.asset}/{p.interval}" for p in parsed],
                format=parsed[0].format if parsed else "",
            )
        )
    return ImportSummary(files=results)


def default_market_path() -> Path:
    """The folder of the bundled market data (real Binance candles, USDT pairs).

    Looked up as package data (``newsclaims/data/market`` in an installed wheel)
    first, then in the source tree (``corpus/market`` of an editable install).

    Raises:
        MarketDataError: neither exists.
    """
    try:
        packaged = resources.files("newsclaims") / "data" / "market"
        if isinstance(packaged, Path) and packaged.is_dir() and any(packaged.iterdir()):
            return packaged
    except (ModuleNotFoundError, OSError):  # pragma: no cover - the package is importable here
        pass
    repo = Path(__file__).resolve().parents[3] / "corpus" / "market"
    if repo.is_dir():
        return repo
    raise MarketDataError(
        "bundled market data not found (neither package data newsclaims/data/market "
        f"nor {repo}); name market data explicitly"
    )


def cache_dir_default() -> Path:
    """``$NEWSCLAIMS_CACHE`` when set, else ``~/.cache/newsclaims``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else DEFAULT_CACHE_DIR.expanduser()


def _cache_name(path: Path, bundled: bool) -> str:
    if bundled:
        return "market.db"
    digest = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"market-{digest}.db"


def open_market(
    path: str | Path | None = None,
    *,
    db: sqlite_utils.Database | None = None,
    cache_dir: Path | None = None,
    with_bundled: bool = True,
) -> MarketData:
    """Market data from a file or folder added to the bundled data, imported first if needed.

    Data named with ``path`` (``--market``) adds to the bundled candles, it does not
    replace them: ``path`` is imported (into ``db``, or a cache database of its own)
    and read before the shared cache of the bundled candles (:func:`open_run_market`),
    so where both hold a candle of one series at one time the one from ``path`` is kept.

    Args:
        path: a market data file or folder; ``None`` for the bundled default alone.
        db: import into this database (the run's own) and read from it. Without it
            the data is imported into a cache database under ``cache_dir``.
        cache_dir: folder of the cache databases; default ``$NEWSCLAIMS_CACHE`` or
            ``~/.cache/newsclaims``. Created if missing.
        with_bundled: False to read ``path`` alone, without the bundled data.

    Returns:
        A :class:`MarketData` over the database (series load lazily).

    Raises:
        MarketDataError: the path is missing or holds bad data.
        StorageError: the cache database cannot be opened.

    Example:
        >>> md = open_market()  # doctest: +SKIP
        >>> "BTC" in md.assets()  # doctest: +SKIP
        True
    """
    if path is not None and with_bundled:
        return open_run_market(db, path, cache_dir=cache_dir)
    bundled = path is None
    source = default_market_path() if path is None else Path(path).expanduser()
    if not source.exists():
        raise MarketDataError(f"{source}: no such file or folder")
    exchange = BUNDLED_EXCHANGE if bundled else None
    if db is None:
        folder = (cache_dir or cache_dir_default()).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MarketDataError(f"cannot create the market cache folder {folder}: {exc}") from exc
        db = open_db(folder / _cache_name(source, bundled))
    summary = import_market(db, [source], exchange=exchange)
    if summary.imported:
        log.info(
            "market data: imported %d files (%d candles) from %s",
            summary.imported,
            summary.rows,
            source,
        )
    return MarketData.from_db(db)


def bundled_cache(cache_dir: str | Path | None = None) -> Path:
    """The shared database of the bundled candles, imported on first use.

    One per cache folder (``$NEWSCLAIMS_CACHE`` or ``~/.cache/newsclaims``), read by
    every run: a run's own database holds only the data named with ``--market``.
    Re-importing is skipped while the bundled files are unchanged, and two processes
    importing at once import each file once.
    """
    folder = (Path(cache_dir) if cache_dir else cache_dir_default()).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MarketDataError(f"cannot create the market cache folder {folder}: {exc}") from exc
    target = folder / _cache_name(folder, bundled=True)
    summary = import_market(open_db(target), [default_market_path()], exchange=BUNDLED_EXCHANGE)
    if summary.imported:
        log.info("market cache %s: imported %d bundled files (%d candles)", target, summary.imported, summary.rows)
    return target


def open_run_market(
    db: sqlite_utils.Database | None,
    path: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
) -> MarketData:
    """The bundled candles plus the data at ``path``, as one :class:`MarketData`.

    The bundled candles are read from the shared cache (:func:`bundled_cache`);
    ``path`` (``--market``) is imported into ``db`` (a run's own database), or
    without one into a cache database of its own. Where both hold a candle, the
    one from ``path`` wins; elsewhere the bundled data fills in.

    Example:
        >>> md = open_run_market(open_db("run.db"), "my-candles/")  # doctest: +SKIP
        >>> sorted(md.assets())  # doctest: +SKIP
        ['BNB', 'BTC', 'DOGE', 'ETH', 'SOL', 'XRP']
    """
    shared = bundled_cache(cache_dir)
    if path is not None:
        source = Path(path).expanduser()
        if not source.exists():
            raise MarketDataError(f"{source}: no such file or folder")
        if db is None:
            folder = shared.parent
            db = open_db(folder / _cache_name(source, bundled=False))
        summary = import_market(db, [source])
        log.info("market data: imported %d files (%d candles) from %s", summary.imported, summary.rows, source)
    if db is None:
        return MarketData.from_db(open_db(shared))
    return MarketData.layered(db, [shared])
