"""The replay server in-process, over real HTTP on loopback: pages as recorded, and each fault kind
the fault tests use (status, times, body, truncate, reset, delay, gzip, chunked)."""
from __future__ import annotations

import gzip
import http.client
import json

import pytest

from crawler.replay import ReplayServer, SiteCopy, main, write_copy

ORIGIN = "http://thuvienhanam.gov.vn"
PAGE = "<html><body><p>Thư viện tỉnh Hà Nam</p></body></html>".encode() * 20


@pytest.fixture
def copy(tmp_path) -> SiteCopy:
    write_copy(tmp_path / "hanam", ORIGIN, [
        ("/", 200, [("Content-Type", "text/html; charset=utf-8"), ("Server", "Microsoft-IIS/8.5"),
                    ("Date", "Fri, 20 Feb 2026 06:00:00 GMT"), ("X-Kept", "yes")], PAGE),
        ("/old.html", 301, [("Location", f"{ORIGIN}/")], b""),
    ])
    return SiteCopy.load(tmp_path / "hanam")


def get(server: ReplayServer, target: str) -> tuple[http.client.HTTPResponse, bytes]:
    host = server.mirror[ORIGIN].split("//", 1)[1]
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("GET", target)
    response = conn.getresponse()
    try:
        body = response.read()
    finally:
        conn.close()
    return response, body


def test_pages_are_served_with_their_recorded_headers_once(copy):
    with ReplayServer([copy]) as server:
        page, body = get(server, "/")
        moved, _ = get(server, "/old.html")
        missing, missing_body = get(server, "/none.html")
    assert (page.status, body) == (200, PAGE)
    assert page.getheader("Content-Type") == "text/html; charset=utf-8" and page.getheader("X-Kept") == "yes"
    assert len(page.msg.get_all("Server")) == len(page.msg.get_all("Date")) == 1
    assert page.getheader("Server") != "Microsoft-IIS/8.5"  # the server's own, not the recorded one
    assert page.getheader("Content-Length") == str(len(PAGE))
    assert (moved.status, moved.getheader("Location")) == (301, f"{ORIGIN}/")
    assert (missing.status, missing.getheader("Content-Type")) == (404, "text/html; charset=utf-8")
    assert missing_body == b"<html><body>404 Not Found</body></html>"
    assert copy.requests == ["/", "/old.html", "/none.html"]


def test_status_faults_with_headers_and_times(copy):
    copy.faults.update({"/": {"status": 503, "times": 2},
                        "/old.html": {"status": 302, "headers": {"Location": f"{ORIGIN}/elsewhere"}}})
    with ReplayServer([copy]) as server:
        answers = [get(server, "/") for _ in range(3)]
        moved, moved_body = get(server, "/old.html")
    assert [a[0].status for a in answers] == [503, 503, 200]
    assert answers[0][1] == b"<h1>error</h1>" and answers[0][0].getheader("Content-Type") == "text/html"
    assert answers[2][1] == PAGE
    assert copy.hits == {"/": 3, "/old.html": 1}
    assert (moved.status, moved.getheader("Location"), moved_body) == (302, f"{ORIGIN}/elsewhere", b"<h1>error</h1>")


def test_body_faults_replace_the_page(copy):
    copy.faults.update({"/": {"body": "%PDF-1.4 é", "content_type": "application/pdf"},
                        "/old.html": {"body": b"\x89PNG", "content_type": "image/png", "code": 410}})
    with ReplayServer([copy]) as server:
        pdf, pdf_body = get(server, "/")
        png, png_body = get(server, "/old.html")
    assert (pdf.status, pdf.getheader("Content-Type"), pdf_body) == (200, "application/pdf", "%PDF-1.4 é".encode("latin-1"))
    assert (png.status, png.getheader("Content-Type"), png_body) == (410, "image/png", b"\x89PNG")
    copy.faults["/"] = {"body": b"x"}
    with ReplayServer([copy]) as server:
        plain, _ = get(server, "/")
    assert plain.getheader("Content-Type") == "text/html"


def test_truncate_reset_and_delay(copy):
    copy.faults.update({"/": {"truncate": 0.5}, "/old.html": {"reset": True}, "/slow": {"delay": 0.01}})
    with ReplayServer([copy]) as server:
        host = server.mirror[ORIGIN].split("//", 1)[1]
        conn = http.client.HTTPConnection(host, timeout=10)
        conn.request("GET", "/")
        truncated = conn.getresponse()
        assert truncated.getheader("Content-Type") == "text/html; charset=utf-8"
        assert truncated.getheader("Content-Length") == str(len(PAGE))  # announced whole, sent half
        with pytest.raises(http.client.IncompleteRead) as cut:
            truncated.read()
        conn.close()
        with pytest.raises(ConnectionResetError):  # a reset, not a close
            get(server, "/old.html")
        slow, _ = get(server, "/slow")
    assert len(cut.value.partial) == len(PAGE) // 2 and cut.value.expected == len(PAGE) - len(PAGE) // 2
    assert slow.status == 404


@pytest.mark.parametrize("fault", [{"gzip": True}, {"chunked": True}, {"gzip": True, "chunked": True}])
def test_pages_sent_compressed_or_chunked(copy, fault):
    copy.faults["/"] = fault
    with ReplayServer([copy]) as server:
        page, body = get(server, "/")
    assert page.status == 200
    assert page.getheader("Content-Encoding") == ("gzip" if fault.get("gzip") else None)
    assert page.getheader("Transfer-Encoding") == ("chunked" if fault.get("chunked") else None)
    assert (page.getheader("Content-Length") is None) == bool(fault.get("chunked"))
    assert (gzip.decompress(body) if fault.get("gzip") else body) == PAGE


def test_mirror_map_file_and_two_sites_on_two_ports(copy, tmp_path):
    other = SiteCopy.load(tmp_path / "hanam")
    other.origin = "https://other.kz"
    with ReplayServer([copy, other]) as server:
        path = server.write_map(tmp_path / "m.json")
        assert path == tmp_path / "m.json"
        mirror = json.loads(path.read_text(encoding="utf-8"))
        assert mirror == server.mirror and sorted(mirror) == sorted([ORIGIN, "https://other.kz"])
        assert len(set(mirror.values())) == 2 and all(v.startswith("http://127.0.0.1:") for v in mirror.values())
        assert get(server, "/")[0].status == 200


def test_replay_main_converts_in_process(tmp_path, capsys):
    folder = tmp_path / "copies" / "gilan"
    folder.mkdir(parents=True)
    (folder / "0.body").write_bytes(b"<p>x</p>")
    (folder / "pages.json").write_text(json.dumps({"origin": "https://gilan.iranpl.ir", "pages": {
        "/": {"file": "0.body", "status": 200, "content_type": "text/html", "headers": {}}}}), encoding="utf-8")
    assert main(["convert", str(tmp_path / "copies")]) == 0
    assert f"{folder} → {folder / 'pages.warc.gz'}" in capsys.readouterr().err
    assert SiteCopy.load(folder).answer("/").body == b"<p>x</p>"
    assert main(["convert", str(folder)]) == 1
    assert "no pages.json folder found" in capsys.readouterr().err
    assert main(["convert", str(folder / "pages.warc.gz")]) == 1  # a file is no folder of copies
    with pytest.raises(SystemExit):
        main([])
