"""Logs that fit cron: an expected network failure (refused, DNS, TLS, timeout, robots.txt that
cannot be fetched) is one line naming the site and never a traceback; with --quiet a failing run
prints its report and nothing else; a link robots.txt forbids is no warning; `--output FILE`
with nothing new still leaves FILE for the script that reads it."""
from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import pytest

from crawler.replay import ReplayServer, SiteCopy
from tests.support import SITES, crawl, read_lines

pytestmark = pytest.mark.crawl  # each test starts crawler processes (mutation runs leave them out)

ORIGIN = "http://thuvienhanam.gov.vn"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[\w.]+\] (DEBUG|INFO|WARNING|ERROR|CRITICAL): ")


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def slow_server():
    with ReplayServer([SiteCopy.load(SITES / "hanam", {"/robots.txt": {"delay": 3}, "/": {"delay": 3}})]) as server:
        yield server


def mirror_for(kind: str, tmp_path: Path, slow_server: ReplayServer) -> Path:
    port = slow_server.mirror[ORIGIN].rsplit(":", 1)[1]
    target = {"refused": f"http://127.0.0.1:{closed_port()}",
              "dns": "http://no-such-host.invalid",
              "tls": f"https://127.0.0.1:{port}",  # TLS spoken to a plain HTTP server
              "timeout": f"http://127.0.0.1:{port}"}[kind]
    path = tmp_path / "m.json"
    path.write_text(json.dumps({ORIGIN: target}))
    return path


def run_failing(kind, tmp_path, slow_server, *extra):
    result = crawl(["crawl", "hanam", "--mirror", str(mirror_for(kind, tmp_path, slow_server)),
                    "--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "s.sqlite"),
                    "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=1", *extra], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.mark.parametrize("kind,words", [("refused", "connection refused"), ("dns", "DNS name not found"),
                                        ("tls", "TLS handshake failed"), ("timeout", "timed out after 1 s")])
def test_expected_network_failures_are_one_line_each_naming_the_site(tmp_path, slow_server, kind, words):
    stderr = run_failing(kind, tmp_path, slow_server)
    logged = [line for line in stderr.splitlines() if LOG_LINE.match(line)]
    report_at = stderr.splitlines().index(next(line for line in stderr.splitlines() if line.startswith("run ")))
    assert len(logged) == report_at  # every line before the report is a whole log record
    assert all("hanam" in line and words in line for line in logged), logged
    assert [line for line in logged if "robots.txt cannot be fetched" in line] != []
    assert not [line for line in logged if " ERROR: " in line]
    assert not [line for line in logged if "127.0.0.1" in line or "invalid" in line]  # live URLs only
    # the report says the same cause for the site
    assert f"unreachable: no page answered with success: {words}" in stderr


@pytest.mark.parametrize("kind", ["refused", "dns"])
def test_quiet_failing_run_prints_its_report_and_nothing_else(tmp_path, slow_server, kind):
    stderr = run_failing(kind, tmp_path, slow_server, "--quiet")
    lines = stderr.splitlines()
    assert lines[0].startswith("run ") and ": exit 1" in lines[0]
    assert all(line.startswith("  ") for line in lines[1:]), stderr
    assert "unreachable" in stderr and lines[-1].startswith("  report ")


def test_a_link_robots_txt_forbids_is_counted_not_warned(tmp_path):
    with ReplayServer([SiteCopy.load(SITES / "hanam")]) as server:
        result = crawl(["crawl", "hanam", "--mirror", str(server.write_map(tmp_path / "m.json")),
                        "--output", str(tmp_path / "out.jsonl")], cwd=tmp_path)
        asked = server.sites[0].requests
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(next((tmp_path / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    skipped = report["sites"][0]["skipped"]
    assert skipped.get("forbidden_by_robots", 0) >= 1 and "listing_failed" not in skipped
    assert "forbidden_by_robots" not in "\n".join(line for line in result.stderr.splitlines() if LOG_LINE.match(line))
    assert not [path for path in asked if path.startswith(("/tim-sach.html", "/tim-kiem.html", "/lien-he.html"))]
    # counted the same in every kind of run: an extraction of the same pages (robots.txt read
    # before the links, unlike a first crawl) calls a forbidden link no download error either
    extracted = crawl(["extract", "--site", "hanam", "--output", str(tmp_path / "x" / "x.jsonl"), str(SITES / "hanam")],
                      cwd=tmp_path)
    assert extracted.returncode == 0, extracted.stderr[-2000:]
    again = json.loads(next((tmp_path / "x" / "_runs").glob("*.json")).read_text(encoding="utf-8"))["sites"][0]
    assert again["skipped"]["forbidden_by_robots"] == skipped["forbidden_by_robots"]
    assert again["errors"] == report["sites"][0]["errors"] and again["errors"]["download_errors"] == 0
    assert "Disabled" not in extracted.stderr  # an extraction keeps no archive, and says nothing of it


def test_one_off_output_with_nothing_new_is_an_empty_file(tmp_path):
    with ReplayServer([SiteCopy.load(SITES / "kyzylorda")]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        args = ["crawl", "kyzylorda", "--mirror", str(mirror), "--state", str(tmp_path / "s.sqlite")]
        first = crawl([*args, "--output", str(tmp_path / "first.jsonl")], cwd=tmp_path)
        second = crawl([*args, "--output", str(tmp_path / "second.jsonl")], cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    assert len(read_lines(tmp_path / "first.jsonl")) > 0
    assert (tmp_path / "second.jsonl").read_bytes() == b""
    assert str(tmp_path / "second.jsonl") in second.stderr  # the report names it as written


def test_a_host_that_never_answers_is_given_up_on_its_deadline_and_leaves_nothing(tmp_path):
    """A host that accepts connections and never answers held a run for 246 s (every try of
    robots.txt, then of the start page, at DOWNLOAD_TIMEOUT each). With the default timeout and
    retries, the site is given up SILENT_SITE_GIVE_UP seconds after it began; --quiet prints the
    report alone, which names the cause and the setting; no empty archive is left, and none under
    the working directory."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel accepts the connections; nobody ever answers
        mirror = tmp_path / "m.json"
        mirror.write_text(json.dumps({ORIGIN: f"http://127.0.0.1:{silent.getsockname()[1]}"}))
        started = time.monotonic()
        result = crawl(["crawl", "hanam", "--mirror", str(mirror), "--output-dir", str(tmp_path / "news" / "out"),
                        "--state", str(tmp_path / "s.sqlite"), "--quiet", "-s", "SILENT_SITE_GIVE_UP=3"],
                       cwd=tmp_path)
        seconds = time.monotonic() - started
    assert result.returncode == 1
    assert seconds < 3 + 20, seconds  # the default DOWNLOAD_TIMEOUT alone is 30 s a try (and 4 tries)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("run ") and all(line.startswith("  ") for line in lines[1:]), result.stderr
    assert "unreachable: no page answered with success: no answer within 3 s, given up (SILENT_SITE_GIVE_UP)" in result.stderr
    assert [p for p in tmp_path.rglob("*.warc.gz")] == [] and not (tmp_path / "data").exists()


def test_the_archive_sits_beside_the_output_folder(tmp_path):
    with ReplayServer([SiteCopy.load(SITES / "chaharmahal")]) as server:
        result = crawl(["crawl", "chaharmahal", "--mirror", str(server.write_map(tmp_path / "m.json")),
                        "--output-dir", str(tmp_path / "news" / "out"), "--state", str(tmp_path / "s.sqlite")],
                       cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    (archive,) = (tmp_path / "news" / "archive" / "chaharmahal").glob("*.warc.gz")
    assert archive.stat().st_size > 1000 and not (tmp_path / "data").exists()
    assert "Disabled" not in result.stderr and "MetaCopyDetection" not in result.stderr


def test_a_request_given_up_after_its_retries_is_one_line(tmp_path, slow_server):
    """Not "gave up …" and then "skipped … listing_failed" for the same request: one line for
    robots.txt, one for the start page, each with the cause and the live URL."""
    stderr = run_failing("refused", tmp_path, slow_server, "-s", "RETRY_TIMES=2")
    logged = [line for line in stderr.splitlines() if LOG_LINE.match(line)]
    assert len(logged) == 2, logged
    assert "robots.txt cannot be fetched from http://thuvienhanam.gov.vn/robots.txt (connection refused)" in logged[0]
    assert logged[1].endswith(f"hanam: skipped {ORIGIN}/ (listing_failed): connection refused")
