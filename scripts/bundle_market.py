"""Build the bundled market data (corpus/market/) from the Binance candle files.

    python scripts/bundle_market.py ../shared/data/market/binance [--out corpus/market]

What is kept (the span the checks need for the news the project ships, which runs
May-August 2025, with room on both sides; see corpus/README.md):

- daily candles: the whole series, from listing (dated claims such as "in 2021",
  "its all-time high" are checked against them);
- hourly candles from HOURLY_FROM on, where the source has them;
- 4-hour candles from HOURLY_FROM on, only for assets without hourly candles (BTC, ETH):
  where hourly candles exist, 4-hour ones add nothing the checks use (the finest
  interval covering a window is chosen, and daily candles fill any gap).

Rows are copied byte for byte (the source's own number formatting), and written as
gzip with a zero timestamp, so rebuilding gives identical files.
"""

from __future__ import annotations

import argparse
import gzip
import io
from pathlib import Path

#: first day of the hourly and 4-hour candles kept (the dump starts 2025-05-02: the
#: extra 16 months cover dated claims about 2024 and the week-scale look-backs).
HOURLY_FROM = "2024-01-01"
#: fine intervals in the order they are preferred.
FINE = ("1h", "4h")


def bundle(src: Path, out: Path) -> list[tuple[str, int, int]]:
    """Write the bundled files; returns (name, rows, bytes) per file."""
    files = sorted(src.glob("*USDT_*.csv"))
    by_symbol: dict[str, dict[str, Path]] = {}
    for f in files:
        symbol, interval = f.stem.split("_")
        by_symbol.setdefault(symbol, {})[interval] = f
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.csv.gz"):
        old.unlink()
    written: list[tuple[str, int, int]] = []
    for symbol, intervals in sorted(by_symbol.items()):
        keep: list[tuple[str, str | None]] = [("1d", None)]
        fine = next((iv for iv in FINE if iv in intervals), None)
        if fine is not None:
            keep.append((fine, HOURLY_FROM))
        for interval, since in keep:
            lines = intervals[interval].read_text(encoding="utf-8").splitlines()
            header, rows = lines[0], lines[1:]
            if since is not None:
                rows = [r for r in rows if r[:10] >= since]
            if not rows:
                continue
            buf = io.BytesIO()
            with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
                gz.write(("\n".join([header, *rows]) + "\n").encode("utf-8"))
            name = f"{symbol}_{interval}.csv.gz"
            (out / name).write_bytes(buf.getvalue())
            written.append((name, len(rows), len(buf.getvalue())))
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path, help="folder of <SYMBOL>USDT_<interval>.csv files")
    ap.add_argument("--out", type=Path, default=Path("corpus/market"))
    args = ap.parse_args()
    written = bundle(args.src, args.out)
    for name, rows, size in written:
        print(f"{name:24} {rows:>7} rows {size / 1024:>8.1f} KiB")
    total = sum(s for _, _, s in written)
    print(f"{len(written)} files, {sum(r for _, r, _ in written)} candles, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
