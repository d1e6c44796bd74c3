"""Logs that fit cron: an expected network failure (refused, DNS, TLS, timeout, robots.txt that
cannot be fetched) is one line naming the site and never a traceback; with --quiet a failing run
prints its report and nothing else; a link robots.txt forbids is no warning; `--output FILE`
with nothing new still leaves FILE for the script that reads it."""
from __future__ import annotations

import json
import re
import socket
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


@pytest.mark.parametrize("kind,words", [("refused", "Connection refused"), ("dns", "DNS lookup failed"),
                                        ("tls", "TLS error"), ("timeout", "took longer than 1.0 seconds")])
def test_expected_network_failures_are_one_line_each_naming_the_site(tmp_path, slow_server, kind, words):
    stderr = run_failing(kind, tmp_path, slow_server)
    logged = [line for line in stderr.splitlines() if LOG_LINE.match(line)]
    report_at = stderr.splitlines().index(next(line for line in stderr.splitlines() if line.startswith("run ")))
    assert len(logged) == report_at  # every line before the report is a whole log record
    assert all("hanam" in line and words in line for line in logged), logged
    assert [line for line in logged if "robots.txt cannot be fetched" in line] != []
    assert not [line for line in logged if " ERROR: " in line]


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
