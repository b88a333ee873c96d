"""Read access to stored candles: :class:`MarketData` and the answers it gives.

``MarketData`` reads the ``market_candles`` table of a newsclaims database. Each
(asset, interval) series is loaded on first use into numpy arrays (open and close
times as epoch seconds, OHLC as floats) and every lookup after that is a binary
search, so the batch job's ~150,000 claims cost microseconds each. Construction
does no I/O, and a ``MarketData`` pickles as the path of its database (loaded
series are dropped), so each worker process rebuilds cheaply what it uses.

Rules every method follows:

- Times are timezone-aware UTC datetimes; a naive input is taken as UTC.
- Only candles quoted in ``quote`` (default ``"USD"``: USDT and USDC pairs are
  stored as USD, see :mod:`newsclaims.market.names`) are used.
- Nothing is extrapolated: a time before the first candle's open, after the last
  candle's close or in a gap of the data is not covered and gives ``None``.
- "Finest interval" means the shortest candle interval that has data there.

What is loaded is cached: call :meth:`MarketData.refresh` after importing more data
into the same database.

Caveat: the last candle of an export is often still open when the file was made
(the bundled data ends with the 2026-01-06 candles); its close is the price at
export time, not at the candle's close.

Example:
    >>> md = MarketData.from_db(db)  # doctest: +SKIP
    >>> md.price_at("BTC", datetime(2025, 5, 19, 10, tzinfo=UTC)).price  # doctest: +SKIP
    103094.85
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlite_utils
from pydantic import BaseModel, ConfigDict

from ..errors import MarketDataError
from ..models import Candle
from .names import (
    FORMER_TICKERS,
    as_utc,
    candle_close,
    interval_seconds,
    is_calendar_interval,
    normalize_interval,
)

log = logging.getLogger(__name__)

#: how a price inside a candle is estimated (recorded in every PricePoint).
PRICE_AT_METHOD = "linear"


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PricePoint(_Result):
    """The estimated price of an asset at one moment.

    ``price`` is interpolated linearly between the containing candle's open and close
    by the elapsed fraction of the candle (``open + (close - open) * fraction``); the
    true price at that moment lay somewhere in ``[low, high]``.
    """

    asset: str
    quote: str
    at: datetime
    price: float
    interval: str
    open_time: datetime
    close_time: datetime
    open: float
    close: float
    low: float
    high: float
    #: elapsed fraction of the candle at ``at`` (0 at its open, 1 at its close).
    fraction: float
    method: str = PRICE_AT_METHOD
    source: str


class PriceRange(_Result):
    """Low and high (and first open, last close) over the candles overlapping a window."""

    asset: str
    quote: str
    start: datetime
    end: datetime
    low: float
    high: float
    open: float
    close: float
    interval: str
    #: open time of the first and of the last candle used.
    first_open_time: datetime
    last_open_time: datetime
    #: close time of the last candle used (exclusive).
    last_close_time: datetime
    candles: int
    #: True when the candles cover all of ``[start, end)`` without gaps.
    complete: bool
    source: str


class PriceChange(_Result):
    """Change of the price from ``start`` (= end - window) to ``end``."""

    asset: str
    quote: str
    start: datetime
    end: datetime
    window_seconds: float
    start_price: float
    end_price: float
    change: float
    change_pct: float
    #: the coarser of the two intervals used (each end is estimated at its finest interval).
    interval: str
    start_interval: str
    end_interval: str
    start_open_time: datetime
    end_open_time: datetime
    #: the [low, high] of the candles holding each end: the change could lie anywhere
    #: between (start_high -> end_low) and (start_low -> end_high).
    start_low: float
    start_high: float
    end_low: float
    end_high: float
    source: str


@dataclass
class _Series:
    interval: str
    opens: npt.NDArray[np.int64]
    closes: npt.NDArray[np.int64]
    o: npt.NDArray[np.float64]
    h: npt.NDArray[np.float64]
    lo: npt.NDArray[np.float64]
    c: npt.NDArray[np.float64]
    v: npt.NDArray[np.float64]
    sources: list[str]


def _ts(at: datetime) -> int:
    return int(as_utc(at).timestamp())


def _dt(ts: int | np.integer[Any]) -> datetime:
    return datetime.fromtimestamp(int(ts), tz=UTC)


def _join_sources(sources: list[str]) -> str:
    return ",".join(dict.fromkeys(sources))


class MarketData:
    """Candles from a newsclaims database, with lazy per-series numpy indexes.

    Build it with :meth:`from_db` or :func:`newsclaims.market.open_market`.
    """

    def __init__(
        self,
        db: sqlite_utils.Database | None,
        *,
        path: str | None = None,
        quote: str = "USD",
        more: Sequence[str] = (),
    ) -> None:
        self._db = db
        self._pid = os.getpid()
        self._path = path if path is not None else (_db_file(db) if db is not None else None)
        self.quote = quote
        #: further databases read after the first (the shared cache of the bundled data):
        #: where two hold a candle of one series at one time, the first one's wins.
        self._more = [p for p in more if p != self._path]
        self._more_dbs: dict[str, sqlite_utils.Database] = {}
        self._catalog: dict[str, list[str]] | None = None
        self._series: dict[tuple[str, str], _Series] = {}

    @classmethod
    def from_db(cls, db: sqlite_utils.Database, *, quote: str = "USD") -> MarketData:
        """Market data read from ``db`` (nothing is loaded until first use)."""
        return cls(db, quote=quote)

    @classmethod
    def layered(
        cls, db: sqlite_utils.Database, more: Sequence[str | os.PathLike[str]], *, quote: str = "USD"
    ) -> MarketData:
        """Market data read from ``db`` and then from the database files ``more``.

        A run's own database holds the data named with ``--market``; the bundled
        candles live once in a shared cache database that every run reads.
        """
        return cls(db, quote=quote, more=[str(p) for p in more])

    def refresh(self) -> None:
        """Forget the loaded catalog and series (after more data was imported)."""
        self._catalog = None
        self._series = {}

    def __repr__(self) -> str:
        more = f", more={self._more!r}" if self._more else ""
        return f"MarketData(path={self._path!r}, quote={self.quote!r}{more})"

    @property
    def paths(self) -> list[str]:
        """The database files read, first one first."""
        return [p for p in [self._path, *self._more] if p]

    # ------------------------------------------------------------------ pickling

    def __getstate__(self) -> dict[str, Any]:
        if not self._path:
            raise MarketDataError(
                "market data of an in-memory database cannot be sent to another process"
            )
        return {"path": self._path, "quote": self.quote, "more": self._more}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(None, path=state["path"], quote=state["quote"], more=state.get("more", ()))  # type: ignore[misc]

    def _conn(self) -> sqlite_utils.Database:
        # a connection inherited through fork is not safe to use: reopen by path
        if self._db is None or self._pid != os.getpid():
            if not self._path:
                raise MarketDataError("market data has no database to read from")
            if not os.path.exists(self._path):
                raise MarketDataError(f"the market database {self._path} does not exist")
            conn = sqlite3.connect(self._path, timeout=60)
            self._db = sqlite_utils.Database(conn)
            self._pid = os.getpid()
            self._more_dbs = {}
        return self._db

    def _conns(self) -> list[sqlite_utils.Database]:
        """The first database, then the others (opened read-only on first use)."""
        first = self._conn()
        out = [first]
        for path in self._more:
            db = self._more_dbs.get(path)
            if db is None:
                if not os.path.exists(path):
                    raise MarketDataError(f"the market database {path} does not exist")
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
                db = self._more_dbs[path] = sqlite_utils.Database(conn)
            out.append(db)
        return out

    # ------------------------------------------------------------------ catalog

    def _load_catalog(self) -> dict[str, list[str]]:
        if self._catalog is None:
            catalog: dict[str, list[str]] = {}
            for db in self._conns():
                for asset, intervals in _catalog_of(db, self.quote).items():
                    have = catalog.setdefault(asset, [])
                    have.extend(iv for iv in intervals if iv not in have)
            for intervals in catalog.values():
                intervals.sort(key=interval_seconds)
            self._catalog = catalog
        return self._catalog

    def assets(self) -> set[str]:
        """Canonical tickers with at least one candle."""
        return set(self._load_catalog())

    def series_asset(self, asset: str) -> str:
        """The ticker whose candles serve ``asset``: itself, or its former name.

        ``"pol"`` -> ``"MATIC"`` when the data holds MATIC candles and none for POL
        (:data:`~newsclaims.market.names.FORMER_TICKERS`).
        """
        a = asset.upper()
        catalog = self._load_catalog()
        former = FORMER_TICKERS.get(a)
        if a not in catalog and former is not None and former in catalog:
            return former
        return a

    def has_asset(self, asset: str) -> bool:
        """True when some candles serve ``asset`` (its own, or its former name's)."""
        return self.series_asset(asset) in self._load_catalog()

    def intervals(self, asset: str) -> list[str]:
        """Intervals stored for ``asset``, finest first (empty when none)."""
        return list(self._load_catalog().get(self.series_asset(asset), []))

    def _get(self, asset: str, interval: str) -> _Series | None:
        key = (asset, interval)
        if key in self._series:
            return self._series[key]
        if interval not in self._load_catalog().get(asset, []):
            return None
        rows: list[Any] = []
        for db in self._conns():
            if not db["market_candles"].exists():
                continue
            more = db.execute(
                "select open_time, open, high, low, close, ifnull(volume, -1.0), source "
                "from market_candles where asset = ? and quote = ? and interval = ? "
                "order by open_time",
                [asset, self.quote, interval],
            ).fetchall()
            if rows and more:  # a later database fills in, never replaces
                have = {r[0] for r in rows}
                rows = sorted(rows + [r for r in more if r[0] not in have], key=lambda r: r[0])
            elif not rows:
                rows = more
        stamps = [r[0] for r in rows]
        if all(t.endswith("+00:00") and len(t) == 25 for t in stamps):
            # the store writes "YYYY-MM-DDTHH:MM:SS+00:00": numpy parses it in bulk
            opens = np.array([t[:19] for t in stamps], dtype="datetime64[s]").astype(np.int64)
        else:
            opens = np.array(
                [int(datetime.fromisoformat(t).timestamp()) for t in stamps], dtype=np.int64
            )
        table = np.array([r[1:6] for r in rows], dtype=np.float64).reshape(len(rows), 5)
        sources = [r[6] or "" for r in rows]
        if is_calendar_interval(interval):
            closes = np.fromiter(
                (int(candle_close(_dt(t), interval).timestamp()) for t in opens),
                dtype=np.int64,
                count=len(rows),
            )
        else:
            closes = opens + interval_seconds(interval)
        cols = table[:, 0:4]
        vol = np.where(table[:, 4] < 0, np.nan, table[:, 4])
        # candles of one series must not overlap (files of different alignment could)
        if len(opens) > 1 and bool(np.any(opens[1:] < closes[:-1])):
            keep = [0]
            for i in range(1, len(opens)):
                if opens[i] >= closes[keep[-1]]:
                    keep.append(i)
            log.warning(
                "%s %s: %d candles overlap earlier ones and are ignored",
                asset,
                interval,
                len(opens) - len(keep),
            )
            idx = np.array(keep, dtype=np.int64)
            opens, closes, cols, vol = opens[idx], closes[idx], cols[idx], vol[idx]
            sources = [sources[i] for i in keep]
        series = _Series(
            interval=interval,
            opens=opens,
            closes=closes,
            o=np.ascontiguousarray(cols[:, 0]),
            h=np.ascontiguousarray(cols[:, 1]),
            lo=np.ascontiguousarray(cols[:, 2]),
            c=np.ascontiguousarray(cols[:, 3]),
            v=vol,
            sources=sources,
        )
        log.debug("loaded %s %s: %d candles", asset, interval, len(opens))
        self._series[key] = series
        return series

    def _bounds(self, asset: str, interval: str) -> tuple[int, int] | None:
        """(first open, last close) of a series from two index lookups, without loading it."""
        if (asset, interval) in self._series:
            s = self._series[(asset, interval)]
            return (int(s.opens[0]), int(s.closes[-1])) if len(s.opens) else None
        found = [
            row
            for db in self._conns()
            if db["market_candles"].exists()
            and (
                row := db.execute(
                    "select min(open_time), max(open_time) from market_candles "
                    "where asset = ? and quote = ? and interval = ?",
                    [asset, self.quote, interval],
                ).fetchone()
            )
            and row[0] is not None
        ]
        if not found:
            return None
        first = min(datetime.fromisoformat(r[0]) for r in found)
        last = candle_close(max(datetime.fromisoformat(r[1]) for r in found), interval)
        return int(first.timestamp()), int(last.timestamp())

    def coverage(self, asset: str) -> tuple[datetime, datetime] | None:
        """(first open, last close) over all intervals of ``asset``, or ``None``.

        Gaps inside are not reflected; lookups in a gap give ``None``.
        """
        asset = self.series_asset(asset)
        bounds = [b for iv in self.intervals(asset) if (b := self._bounds(asset, iv)) is not None]
        if not bounds:
            return None
        return _dt(min(b[0] for b in bounds)), _dt(max(b[1] for b in bounds))

    # ------------------------------------------------------------------ lookups

    @staticmethod
    def _overlap(s: _Series, start: int, end: int) -> tuple[int, int]:
        """Index range [i, j) of the candles overlapping [start, end)."""
        i = int(np.searchsorted(s.closes, start, side="right"))
        j = int(np.searchsorted(s.opens, end, side="left"))
        return i, max(i, j)

    @staticmethod
    def _complete(s: _Series, i: int, j: int, start: int, end: int) -> bool:
        if j <= i or s.opens[i] > start or s.closes[j - 1] < end:
            return False
        return bool(np.all(s.opens[i + 1 : j] == s.closes[i : j - 1]))

    def _choose(self, asset: str, start: int, end: int) -> tuple[_Series, int, int, bool] | None:
        """Finest series covering the window completely, else finest with any candle in it."""
        fallback: tuple[_Series, int, int, bool] | None = None
        for interval in self.intervals(asset):
            s = self._get(asset, interval)
            if s is None:
                continue
            i, j = self._overlap(s, start, end)
            if j > i:
                complete = self._complete(s, i, j, start, end)
                if complete:
                    return s, i, j, True
                if fallback is None:
                    fallback = (s, i, j, False)
        return fallback

    def candles(
        self, asset: str, start: datetime, end: datetime, interval: str | None = None
    ) -> list[Candle]:
        """Candles overlapping ``[start, end)``.

        Args:
            asset: canonical ticker.
            start: window start (inclusive).
            end: window end (exclusive).
            interval: a stored interval, or ``None`` for the finest interval whose
                candles cover the whole window (else the finest with any candle in it).

        Returns:
            The candles in time order; empty when nothing overlaps.
        """
        asset = self.series_asset(asset)
        a, b = _ts(start), _ts(end)
        if interval is not None:
            s = self._get(asset, normalize_interval(interval))
            if s is None:
                return []
            i, j = self._overlap(s, a, b)
        else:
            chosen = self._choose(asset, a, b)
            if chosen is None:
                return []
            s, i, j, _ = chosen
        return [
            Candle(
                asset=asset,
                quote=self.quote,
                interval=s.interval,
                open_time=_dt(s.opens[k]),
                open=float(s.o[k]),
                high=float(s.h[k]),
                low=float(s.lo[k]),
                close=float(s.c[k]),
                volume=None if np.isnan(s.v[k]) else float(s.v[k]),
                source=s.sources[k],
            )
            for k in range(i, j)
        ]

    def price_range(self, asset: str, start: datetime, end: datetime) -> PriceRange | None:
        """Low/high over the candles overlapping ``[start, end)`` at the finest interval with data.

        The interval is the finest whose candles cover the whole window; when none
        does, the finest with any candle in it, and ``complete`` is False.

        Example:
            >>> r = md.price_range("BTC", datetime(2025, 5, 19, 8, tzinfo=UTC),
            ...                    datetime(2025, 5, 19, 12, tzinfo=UTC))  # doctest: +SKIP
            >>> (r.low, r.high, r.interval)  # doctest: +SKIP
            (102782.6, 103425.53, '4h')
        """
        asset = self.series_asset(asset)
        a, b = _ts(start), _ts(end)
        if b <= a:
            raise ValueError(f"price_range: end {end} is not after start {start}")
        chosen = self._choose(asset, a, b)
        if chosen is None:
            return None
        s, i, j, complete = chosen
        return PriceRange(
            asset=asset,
            quote=self.quote,
            start=as_utc(start),
            end=as_utc(end),
            low=float(s.lo[i:j].min()),
            high=float(s.h[i:j].max()),
            open=float(s.o[i]),
            close=float(s.c[j - 1]),
            interval=s.interval,
            first_open_time=_dt(s.opens[i]),
            last_open_time=_dt(s.opens[j - 1]),
            last_close_time=_dt(s.closes[j - 1]),
            candles=j - i,
            complete=complete,
            source=_join_sources(s.sources[i:j]),
        )

    def price_at(self, asset: str, at: datetime) -> PricePoint | None:
        """Estimated price at ``at`` from the finest candle containing it.

        The estimate is linear between the candle's open and close by the elapsed
        fraction of the candle; the candle's low and high bound the true price. The
        close time of the last candle before a gap or the end of the data still
        counts (fraction 1); later times are not covered.

        Example:
            >>> p = md.price_at("BTC", datetime(2025, 5, 19, 10, tzinfo=UTC))  # doctest: +SKIP
            >>> p.interval, p.open_time.hour  # doctest: +SKIP
            ('4h', 8)
        """
        asset = self.series_asset(asset)
        t = _ts(at)
        for interval in self.intervals(asset):
            s = self._get(asset, interval)
            if s is None or not len(s.opens):
                continue
            k = int(np.searchsorted(s.opens, t, side="right")) - 1
            if k < 0 or t > s.closes[k]:
                continue
            span = int(s.closes[k] - s.opens[k])
            fraction = (t - int(s.opens[k])) / span if span else 1.0
            o, c = float(s.o[k]), float(s.c[k])
            return PricePoint(
                asset=asset,
                quote=self.quote,
                at=as_utc(at),
                price=o + (c - o) * fraction,
                interval=interval,
                open_time=_dt(s.opens[k]),
                close_time=_dt(s.closes[k]),
                open=o,
                close=c,
                low=float(s.lo[k]),
                high=float(s.h[k]),
                fraction=fraction,
                source=s.sources[k],
            )
        return None

    def change_over(self, asset: str, end: datetime, window: timedelta) -> PriceChange | None:
        """Change from ``price_at(end - window)`` to ``price_at(end)``; ``None`` if either is not covered.

        Example:
            >>> ch = md.change_over("ETH", datetime(2025, 6, 2, tzinfo=UTC), timedelta(days=1))  # doctest: +SKIP
            >>> round(ch.change_pct, 2)  # doctest: +SKIP
            -3.42
        """
        if window <= timedelta(0):
            raise ValueError(f"change_over: window must be positive, got {window}")
        p1 = self.price_at(asset, as_utc(end) - window)
        p2 = self.price_at(asset, end)
        if p1 is None or p2 is None:
            return None
        coarser = max(p1.interval, p2.interval, key=interval_seconds)
        return PriceChange(
            asset=p2.asset,
            quote=self.quote,
            start=p1.at,
            end=p2.at,
            window_seconds=window.total_seconds(),
            start_price=p1.price,
            end_price=p2.price,
            change=p2.price - p1.price,
            change_pct=(p2.price - p1.price) / p1.price * 100.0,
            interval=coarser,
            start_interval=p1.interval,
            end_interval=p2.interval,
            start_open_time=p1.open_time,
            end_open_time=p2.open_time,
            start_low=p1.low,
            start_high=p1.high,
            end_low=p2.low,
            end_high=p2.high,
            source=_join_sources([p1.source, p2.source]),
        )


def _catalog_of(db: sqlite_utils.Database, quote: str) -> dict[str, list[str]]:
    """Asset -> intervals held by one database, by skip-scan of the primary key
    (asset, quote, interval, open_time): a few index seeks instead of a DISTINCT."""
    catalog: dict[str, list[str]] = {}
    if "market_candles" not in db.table_names():
        return catalog

    def first(sql: str, args: list[str]) -> str | None:
        row = db.execute(sql, args).fetchone()
        return None if row is None else row[0]

    asset = first("select min(asset) from market_candles", [])
    while asset is not None:
        interval = first(
            "select min(interval) from market_candles where asset = ? and quote = ?",
            [asset, quote],
        )
        while interval is not None:
            catalog.setdefault(asset, []).append(interval)
            interval = first(
                "select min(interval) from market_candles "
                "where asset = ? and quote = ? and interval > ?",
                [asset, quote, interval],
            )
        asset = first("select min(asset) from market_candles where asset > ?", [asset])
    return catalog


def _db_file(db: sqlite_utils.Database) -> str | None:
    for _, name, file in db.execute("pragma database_list").fetchall():
        if name == "main":
            return str(file) or None
    return None
