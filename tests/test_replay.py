"""Saved site copies are WARC files: the conversion of the former pages.json folders, serving a
copy over HTTP on loopback as it was saved, and `snapshot` saving a site as an archive."""
from __future__ import annotations

import http.client
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest

from crawler.replay import ReplayServer, SiteCopy, SiteCopyError, convert, edited_copy, write_copy
from tests.children import crawler_env
from tests.support import SITES, crawl

ORIGIN = "https://gilan.iranpl.ir"
PAGES = {
    "/": (200, "text/html; charset=utf-8", {}, "<html><body><a href='/fa/news/1/خبر'>x</a></body></html>".encode()),
    "/fa/news/1/خبر": (200, "text/html", {}, "<html><h1>خبر</h1></html>".encode()),
    "/old?id=1": (301, "text/html", {"Location": f"{ORIGIN}/fa/news/1/خبر"}, b""),
    "/gone": (404, "text/html", {}, b"<h1>404</h1>"),
    "/file.pdf": (200, "application/pdf", {}, b"%PDF-1.4 \x00\xff"),
    "/bare": (200, None, {}, b"no type"),
}


def former_copy(folder: Path) -> None:
    """A site copy in the former format: pages.json and body files (one shared from outside)."""
    folder.mkdir(parents=True)
    pages = {}
    for n, (key, (status, ctype, headers, body)) in enumerate(PAGES.items()):
        name = f"{n:04d}.body" if key != "/gone" else "../shared.body"
        (folder / name).write_bytes(body)
        pages[key] = {"file": name, "status": status, "content_type": ctype, "headers": headers}
    (folder / "pages.json").write_text(json.dumps({"origin": ORIGIN, "pages": pages}, ensure_ascii=False),
                                       encoding="utf-8")


def get(base: str, target: str) -> http.client.HTTPResponse:
    host = base.split("//", 1)[1]
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("GET", target)
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


def test_convert_writes_an_archive_that_serves_every_page_as_saved(tmp_path):
    former_copy(tmp_path / "gilan")
    path = convert(tmp_path / "gilan")
    assert path == tmp_path / "gilan" / "pages.warc.gz"
    assert sorted(p.name for p in (tmp_path / "gilan").iterdir()) == ["pages.warc.gz"]
    assert (tmp_path / "shared.body").exists()  # a body shared from elsewhere stays
    copy = SiteCopy.load(tmp_path / "gilan")
    assert copy.origin == ORIGIN
    assert copy.pages == {k: {"status": v[0]} for k, v in PAGES.items()}
    with ReplayServer([copy]) as server:
        base = server.mirror[ORIGIN]
        for key, (status, ctype, headers, body) in PAGES.items():
            got = get(base, quote(key, safe="/?="))
            assert (got.status, got.body) == (status, body), key
            assert got.getheader("Content-Type") == ctype
            location = got.getheader("Location")  # the bytes as saved (http.client reads them as latin-1)
            assert (location.encode("latin-1").decode() if location else None) == headers.get("Location")
            assert got.getheader("Content-Length") == str(len(body))
        missing = get(base, "/nowhere")
        assert missing.status == 404
        tracked = get(base, "/gone?utm_source=feed")
        assert tracked.status == 404 and tracked.body == b"<h1>404</h1>"
    assert copy.requests[-1] == "/gone" and "/nowhere" in copy.requests


def test_convert_keeps_the_capture_time_given_and_refuses_what_would_not_read_back(tmp_path):
    former_copy(tmp_path / "gilan")
    when = datetime(2025, 5, 1, 12, 0, tzinfo=timezone.utc)
    convert(tmp_path / "gilan", captured=when)
    assert SiteCopy.load(tmp_path / "gilan").answer("/gone").captured == when
    former_copy(tmp_path / "framed")
    spec = json.loads((tmp_path / "framed" / "pages.json").read_text(encoding="utf-8"))
    spec["pages"]["/"]["headers"] = {"Transfer-Encoding": "chunked"}  # framing: not kept in an archive
    (tmp_path / "framed" / "pages.json").write_text(json.dumps(spec), encoding="utf-8")
    before = sorted(p.name for p in (tmp_path / "framed").iterdir())
    with pytest.raises(SiteCopyError, match="does not read back the same"):
        convert(tmp_path / "framed")
    assert sorted(p.name for p in (tmp_path / "framed").iterdir()) == before  # nothing lost


def test_convert_command_finds_the_folders_and_says_when_there_are_none(tmp_path):
    former_copy(tmp_path / "copies" / "gilan")
    run = [sys.executable, "-m", "crawler.replay", "convert", str(tmp_path / "copies")]
    first = subprocess.run(run, capture_output=True, text=True, env=crawler_env())
    assert first.returncode == 0, first.stderr
    assert "pages.warc.gz" in first.stderr and (tmp_path / "copies" / "gilan" / "pages.warc.gz").is_file()
    again = subprocess.run(run, capture_output=True, text=True, env=crawler_env())
    assert again.returncode == 1 and "no pages.json" in again.stderr


def test_a_folder_without_archives_or_with_two_origins_is_no_site_copy(tmp_path):
    former_copy(tmp_path / "old")
    with pytest.raises(SiteCopyError, match="convert"):
        SiteCopy.load(tmp_path / "old")
    with pytest.raises(SiteCopyError, match="no WARC"):
        SiteCopy.load(tmp_path / "nothing")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for site in ("gilan", "hanam"):
        (mixed / f"{site}.warc.gz").write_bytes((SITES / site / "pages.warc.gz").read_bytes())
    with pytest.raises(SiteCopyError, match="one origin"):
        SiteCopy.load(mixed)


def test_edited_copy_changes_html_pages_only(tmp_path):
    write_copy(tmp_path / "src", ORIGIN, [
        ("/a", 200, [("Content-Type", "text/html"), ("X-Kept", "1")], b"<p>a</p>"),
        ("/b", 200, [], b"<p>b</p>"),  # no type: taken for HTML
        ("/f.pdf", 200, [("Content-Type", "application/pdf")], b"%PDF"),
        ("/gone", 404, [("Content-Type", "text/html")], b"<p>404</p>"),
    ])
    edited = edited_copy(tmp_path / "src", tmp_path / "dst", lambda key, body: body + key.encode())
    copy = SiteCopy.load(edited.parent)
    assert copy.pages == SiteCopy.load(tmp_path / "src").pages
    assert {k: copy.answer(k).body for k in copy.pages} == {
        "/a": b"<p>a</p>/a", "/b": b"<p>b</p>/b", "/f.pdf": b"%PDF", "/gone": b"<p>404</p>"}
    a = copy.answer("/a")
    assert a.headers == [("Content-Type", "text/html"), ("X-Kept", "1"), ("Content-Length", "10")]


@pytest.mark.crawl
def test_snapshot_saves_a_site_as_an_archive_that_replays(tmp_path):
    source = SiteCopy.load(SITES / "travinh")
    with ReplayServer([source]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        result = crawl(["snapshot", "travinh", "--mirror", str(mirror), "--into", str(tmp_path / "snap")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    (archive,) = (tmp_path / "snap").glob("*.warc.gz")
    assert f"saved travinh into {archive}" in result.stderr
    snap = SiteCopy.load(tmp_path / "snap")
    assert snap.origin == source.origin
    fetched = set(source.requests)
    assert len(fetched) > 20 and fetched <= set(snap.pages)
    for key in fetched:
        assert snap.answer(key).body == source.answer(key).body, key
        assert snap.pages[key]["status"] == source.pages.get(key, {"status": 404})["status"], key
