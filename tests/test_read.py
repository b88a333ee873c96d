"""Readers: every input kind, field detection, times, and every rejection reason."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsclaims.errors import InputError
from newsclaims.models import Article, Rejection, RejectReason
from newsclaims.read import iter_records
from newsclaims.settings import load_settings

from .conftest import CORPUS, FIXTURES

REAL = FIXTURES / "read" / "real_sample.jsonl"


def _records(paths: list[Path | str], **overrides: object) -> list[Article | Rejection]:
    return list(iter_records([str(p) for p in paths], load_settings(overrides=overrides)))


def _real_rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines()]


def _articles(recs: list[Article | Rejection]) -> list[Article]:
    return [r for r in recs if isinstance(r, Article)]


def _rejections(recs: list[Article | Rejection]) -> list[Rejection]:
    return [r for r in recs if isinstance(r, Rejection)]


# --------------------------------------------------------------------------- kinds


def test_folder_of_text_files_uses_relative_paths_as_source_ids(tmp_path: Path) -> None:
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    (sub / "one.txt").write_text("Bitcoin is trading at $67,460.", encoding="utf-8")
    (tmp_path / "two.md").write_text("---\ntitle: Two\ndate: 2025-05-19T10:00:00Z\nsource: demo\n---\n# Heading\n\nETH fell 3%.", encoding="utf-8")
    recs = _records([tmp_path])
    arts = {a.source_id: a for a in _articles(recs)}
    assert set(arts) == {"a/b/one.txt", "two.md"}
    two = arts["two.md"]
    assert two.title == "Two" and two.source == "demo" and two.body_format == "markdown"
    assert two.published_at == datetime(2025, 5, 19, 10, tzinfo=UTC)
    assert "---" not in two.body


def test_single_file_source_id_is_the_file_name() -> None:
    recs = _records([CORPUS / "seeds" / "001_1e56fe40bd3ef231.txt"])
    assert [r.source_id for r in recs] == ["001_1e56fe40bd3ef231.txt"]


def test_seeds_read_in_sorted_order() -> None:
    recs = _records([CORPUS / "seeds"])
    assert [r.source_id[:3] for r in recs] == ["000", "001", "002", "003"]
    assert all(isinstance(r, Article) for r in recs)


def test_html_file_is_marked_html(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<html><body><p>Bitcoin at $100K</p></body></html>", encoding="utf-8")
    (art,) = _records([tmp_path / "page.html"])
    assert isinstance(art, Article) and art.body_format == "html"


@pytest.mark.parametrize("gz", [False, True])
def test_jsonl_dump_real_records(tmp_path: Path, gz: bool) -> None:
    data = REAL.read_bytes()
    path = tmp_path / ("dump.jsonl.gz" if gz else "dump.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    recs = _records([path])
    rows = _real_rows()
    assert len(recs) == len(rows)
    arts = _articles(recs)
    first = next(a for a in arts if a.source_id == rows[0]["id"])
    assert first.title == rows[0]["headline"] and first.body == rows[0]["body"]
    assert first.url == rows[0]["url"] and first.source == rows[0]["source"]
    assert first.published_at is not None and first.published_at.tzinfo is not None


def test_json_array_and_single_object_and_lines(tmp_path: Path) -> None:
    rows = _real_rows()[:3]
    (tmp_path / "arr.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp_path / "one.json").write_text(json.dumps(rows[0]), encoding="utf-8")
    (tmp_path / "lines.json").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    for name, n in (("arr.json", 3), ("one.json", 1), ("lines.json", 3)):
        recs = _records([tmp_path / name])
        assert len(recs) == n, name
        assert [r.source_id for r in recs] == [r["id"] for r in rows[:n]]


def test_csv_dump_with_other_field_names(tmp_path: Path) -> None:
    rows = _real_rows()[:4]
    path = tmp_path / "dump.csv.gz"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["guid", "headline", "content", "date", "link", "publisher"])
    for r in rows:
        w.writerow([r["id"], r["headline"], r["body"], r["published_utc"], r["url"], r["source"]])
    path.write_bytes(gzip.compress(buf.getvalue().encode()))
    arts = _articles(_records([path]))
    assert [a.source_id for a in arts] == [r["id"] for r in rows if r["body"]]
    assert arts[0].body == next(r["body"] for r in rows if r["body"])
    assert arts[0].url and arts[0].source


def test_fields_can_be_named(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"ref": "x1", "story": "BTC rose 2%.", "when": "2025-05-19 12:00:00", "hed": "H"}) + "\n", encoding="utf-8")
    (art,) = _records([path], **{"ingest.id_field": "ref", "ingest.body_field": "story", "ingest.time_field": "when", "ingest.title_field": "hed"})
    assert isinstance(art, Article)
    assert (art.source_id, art.title, art.body) == ("x1", "H", "BTC rose 2%.")


def test_zone_less_times_use_the_configured_zone(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"id": "t", "body": "x", "published_utc": "2025-05-19T12:00:00"}) + "\n", encoding="utf-8")
    (utc,) = _records([path])
    (berlin,) = _records([path], **{"ingest.default_timezone": "Europe/Berlin"})
    assert isinstance(utc, Article) and isinstance(berlin, Article)
    assert utc.published_at == datetime(2025, 5, 19, 12, tzinfo=UTC) and utc.time_zone_assumed
    assert berlin.published_at == datetime(2025, 5, 19, 10, tzinfo=UTC) and berlin.time_zone_assumed


def test_epoch_and_rfc2822_times(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    lines = [
        {"id": "a", "body": "x", "timestamp": 1747656000},
        {"id": "b", "body": "x", "timestamp": 1747656000000},
        {"id": "c", "body": "x", "pubDate": "Mon, 19 May 2025 12:00:00 +0000"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    times = [a.published_at for a in _articles(_records([path]))]
    assert times == [datetime(2025, 5, 19, 12, tzinfo=UTC)] * 3


def test_ids_are_content_hashes_and_stable(tmp_path: Path) -> None:
    a1 = _articles(_records([REAL]))
    a2 = _articles(_records([REAL]))
    assert [a.id for a in a1] == [a.id for a in a2]
    assert len({a.id for a in a1}) == len(a1)


def test_zip_archive_members(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x/one.txt", "ETH rose 3% today.")
        z.writestr("dump.jsonl", REAL.read_text(encoding="utf-8"))
        z.writestr("image.png", b"\x89PNG")
    recs = _records([path])
    ids = [r.source_id for r in recs]
    assert "a.zip/x/one.txt" in ids
    assert any(isinstance(r, Rejection) and r.reason == RejectReason.UNSUPPORTED for r in recs)
    assert len(_articles(recs)) > 5


def test_ignore_file_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("BTC at $100K", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("no", encoding="utf-8")
    (tmp_path / "market").mkdir()
    (tmp_path / "market" / "BTCUSDT_1d.csv").write_text("timestamp,open\n", encoding="utf-8")
    (tmp_path / ".newsclaimsignore").write_text("# candles are not articles\nmarket/\n", encoding="utf-8")
    assert [r.source_id for r in _records([tmp_path])] == ["keep.txt"]


def test_bundled_corpus_reads_without_rejections() -> None:
    recs = _records([CORPUS])
    rej = _rejections(recs)
    assert not rej, rej[:3]
    assert len(recs) >= 44


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        _records([tmp_path / "nope"])


# --------------------------------------------------------------------------- bad input


def _only_reason(recs: list[Article | Rejection]) -> RejectReason:
    (r,) = recs
    assert isinstance(r, Rejection), r
    assert r.detail
    return r.reason


def test_binary_file(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert _only_reason(_records([tmp_path / "b.txt"])) == RejectReason.BINARY


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_bytes(b"  \n")
    assert _only_reason(_records([tmp_path / "e.txt"])) == RejectReason.EMPTY
    (tmp_path / "e.jsonl").write_bytes(b"")
    assert _only_reason(_records([tmp_path / "e.jsonl"])) == RejectReason.EMPTY


def test_undecodable_text(tmp_path: Path) -> None:
    # 0x81 and 0x8d are invalid in UTF-8 here and undefined in Windows-1252
    (tmp_path / "u.txt").write_bytes(b"Bitcoin \x81\x8d price")
    assert _only_reason(_records([tmp_path / "u.txt"])) == RejectReason.UNDECODABLE


def test_windows_1252_fallback(tmp_path: Path) -> None:
    (tmp_path / "w.txt").write_bytes("Bitcoin\u2019s price is \u20ac90,000".encode("cp1252"))
    (art,) = _records([tmp_path / "w.txt"])
    assert isinstance(art, Article) and "\u20ac90,000" in art.body


def test_malformed_json_line_inside_a_good_dump(tmp_path: Path) -> None:
    lines = REAL.read_text(encoding="utf-8").splitlines()
    lines.insert(2, '{"id": "broken", "body": "unterminated')
    (tmp_path / "d.jsonl").write_text("\n".join(lines), encoding="utf-8")
    recs = _records([tmp_path / "d.jsonl"])
    rej = [r for r in _rejections(recs) if r.reason == RejectReason.MALFORMED_JSON]
    assert len(rej) == 1 and "line 3" in rej[0].detail and rej[0].origin.endswith(":3")
    assert len(recs) == len(lines)


def test_missing_body(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text(json.dumps({"id": "nobody", "headline": "Only a title", "body": ""}) + "\n", encoding="utf-8")
    (r,) = _records([tmp_path / "d.jsonl"])
    assert isinstance(r, Rejection) and r.reason == RejectReason.MISSING_BODY and r.source_id == "nobody"


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    data = gzip.compress(REAL.read_bytes())
    (tmp_path / "t.jsonl.gz").write_bytes(data[: len(data) * 2 // 3])
    recs = _records([tmp_path / "t.jsonl.gz"])
    assert _articles(recs), "records before the cut are kept"
    last = recs[-1]
    assert isinstance(last, Rejection) and last.reason == RejectReason.TRUNCATED


def test_gzip_bomb_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=9) as f:
        chunk = b" " * (1 << 20)
        for _ in range(64):
            f.write(chunk)
    recs = _records([path], **{"ingest.max_decompressed_bytes": 8 << 20})
    assert _rejections(recs)[-1].reason == RejectReason.TOO_LARGE


def test_zip_bomb_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.txt", b"a" * (32 << 20))
    recs = _records([path], **{"ingest.max_decompressed_bytes": 8 << 20})
    assert _only_reason(recs) == RejectReason.TOO_LARGE


def test_huge_single_line_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    with open(path, "wb") as f:
        f.write(json.dumps({"id": "ok1", "body": "BTC rose 1%."}).encode() + b"\n")
        f.write(b'{"id": "huge", "body": "' + b"x" * (3 << 20) + b'"}\n')
        f.write(json.dumps({"id": "ok2", "body": "ETH fell 2%."}).encode() + b"\n")
    recs = _records([path], **{"ingest.max_record_bytes": 1 << 20})
    assert [type(r).__name__ for r in recs] == ["Article", "Rejection", "Article"]
    assert isinstance(recs[1], Rejection) and recs[1].reason == RejectReason.TOO_LARGE


def test_deeply_nested_json(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text('{"id": "deep", "body": ' + "[" * 5000 + "]" * 5000 + "}\n" + json.dumps({"id": "fine", "body": "BTC"}) + "\n", encoding="utf-8")
    recs = _records([tmp_path / "d.jsonl"])
    assert isinstance(recs[0], Rejection) and recs[0].reason == RejectReason.MALFORMED_JSON
    assert isinstance(recs[1], Article)


def test_malformed_csv_row(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text('id,title,body\n1,a,"BTC rose 2%"\n2,b\n3,c,"ETH fell"\n', encoding="utf-8")
    recs = _records([tmp_path / "d.csv"])
    assert [type(r).__name__ for r in recs] == ["Article", "Rejection", "Article"]
    assert isinstance(recs[1], Rejection) and recs[1].reason == RejectReason.MALFORMED_CSV


def test_unsupported_file_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4")
    assert _only_reason(_records([tmp_path])) == RejectReason.UNSUPPORTED


def test_json_record_that_is_not_an_object(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text('[1, 2]\n"text"\n', encoding="utf-8")
    recs = _records([tmp_path / "d.jsonl"])
    assert {r.reason for r in _rejections(recs)} == {RejectReason.BAD_FIELD}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_outside_is_not_followed_unless_asked(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("BTC at $1", encoding="utf-8")
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "ok.txt").write_text("ETH at $2", encoding="utf-8")
    (inp / "link.txt").symlink_to(outside / "secret.txt")
    (inp / "inner.txt").symlink_to(inp / "ok.txt")
    recs = _records([inp])
    by_id = {r.source_id: r for r in recs}
    assert isinstance(by_id["link.txt"], Rejection) and by_id["link.txt"].reason == RejectReason.SYMLINK
    assert isinstance(by_id["inner.txt"], Article)
    followed = {r.source_id: r for r in _records([inp], **{"ingest.follow_symlinks": True})}
    assert isinstance(followed["link.txt"], Article)


def test_odd_characters_in_paths(tmp_path: Path) -> None:
    name = "ünï cødé #1 [draft] 'q'.txt"
    (tmp_path / name).write_text("SOL rose 5%.", encoding="utf-8")
    (art,) = _records([tmp_path])
    assert isinstance(art, Article) and art.source_id == name


def test_a_100_mb_single_line_file(tmp_path: Path) -> None:
    """A 100 MB line is rejected as too large without holding it in memory; later lines are read."""
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as f:
        f.write(b'{"id": "huge", "body": "')
        block = b"x" * (1 << 20)
        for _ in range(100):
            f.write(block)
        f.write(b'"}\n')
        f.write(json.dumps({"id": "after", "body": "BTC rose 2% today."}).encode() + b"\n")
    recs = _records([path])
    assert isinstance(recs[0], Rejection) and recs[0].reason == RejectReason.TOO_LARGE
    assert "104,857,6" in recs[0].detail  # the whole line's size is reported
    assert isinstance(recs[1], Article) and recs[1].source_id == "after"
    (txt,) = _records([_write(tmp_path / "huge.txt", b"y" * (20 << 20))])
    assert isinstance(txt, Rejection) and txt.reason == RejectReason.TOO_LARGE


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_broken_symlink_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    assert _only_reason(_records([tmp_path])) == RejectReason.UNREADABLE
