"""Unattended runs as cron makes them, on the saved copies of the sites (v1, and v2 = days later):
incremental writes, few requests when nothing changed, exit codes and the broken-layout alarm, the
run report. (SIGKILL and the run lock: tests/test_durability.py.)"""
from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.output import run_name
from crawler.replay import ReplayServer, SiteCopy, edited_copy
from tests.support import FIXTURES, SITES, TEST_NOW, crawl, expected_items, outputs, read_lines

pytestmark = pytest.mark.crawl  # each test starts crawler processes (mutation runs leave them out)

V2 = FIXTURES / "sites_v2"
ALL = ["chaharmahal", "gilan", "hanam", "kyzylorda", "travinh"]


def expected_urls(folder: str, site: str) -> set[str]:
    path = FIXTURES / folder / f"{site}.jsonl"
    return {json.loads(line)["url"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def scheduled(mirror: Path, work: Path, *extra: str, sites=ALL) -> subprocess.CompletedProcess:
    return crawl(["crawl", *sites, "--mirror", str(mirror), "--output-dir", str(work / "out"),
                  "--state", str(work / "state.sqlite"), *extra], cwd=work)


def serve(root: Path, sites=ALL, faults: dict | None = None) -> ReplayServer:
    return ReplayServer([SiteCopy.load(root / s, (faults or {}).get(s)) for s in sites])


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Three runs against one state: v1, v1 again, v2. Returns what each wrote and requested."""
    work = tmp_path_factory.mktemp("cron")
    runs = []
    for root in (SITES, SITES, V2):
        before = set(outputs(work / "out"))
        with serve(root) as server:
            result = scheduled(server.write_map(work / "mirror.json"), work)
            requests = {s.root.name: len(s.requests) for s in server.sites}
        runs.append((result, sorted(set(outputs(work / "out")) - before), requests))
    return work, runs


def test_first_run_writes_every_article_one_file_per_site(history):
    _, runs = history
    result, files, _ = runs[0]
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(f.parent.name for f in files) == ALL
    for f in files:
        urls = [i["url"] for i in read_lines(f)]
        assert len(urls) == len(set(urls))
        assert set(urls) == expected_urls("expected", f.parent.name)
        assert f.name.endswith("Z.jsonl")


def test_second_run_on_unchanged_sites_writes_nothing_and_asks_little(history):
    _, runs = history
    result, files, requests = runs[1]
    first_requests = runs[0][2]
    assert result.returncode == 0, result.stderr[-2000:]
    assert files == []  # no empty files either
    for site, count in requests.items():
        assert count <= 12, (site, count)
        assert count < first_requests[site] / 3, (site, count, first_requests[site])


def test_run_on_v2_writes_exactly_the_new_articles(history):
    _, runs = history
    result, files, _ = runs[2]
    assert result.returncode == 0, result.stderr[-2000:]
    for f in files:
        site = f.parent.name
        new = expected_urls("expected_v2", site) - expected_urls("expected", site)
        assert {i["url"] for i in read_lines(f)} == new
    assert sorted(f.parent.name for f in files) == ALL


def test_run_report_is_saved_as_json_and_printed(history):
    work, runs = history
    reports = sorted((work / "out" / "_runs").glob("*.json"))
    assert len(reports) == 3
    last = json.loads(reports[-1].read_text(encoding="utf-8"))
    assert last["exit_code"] == 0
    by_site = {s["site"]: s for s in last["sites"]}
    assert set(by_site) == set(ALL)
    assert all(s["ok"] and s["new_items"] == 4 for s in by_site.values())
    assert by_site["hanam"]["fill_rates"]["title"] == 1.0
    assert "hanam" in runs[2][0].stderr and "new items" in runs[2][0].stderr


def test_full_recrawls_everything_despite_the_state(tmp_path):
    with serve(SITES, ["hanam"]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        assert scheduled(mirror, tmp_path, sites=["hanam"]).returncode == 0
        result = scheduled(mirror, tmp_path, "--full", sites=["hanam"])
    assert result.returncode == 0
    files = outputs(tmp_path / "out")
    assert len(files) == 2 and len(read_lines(files[1])) == len(expected_urls("expected", "hanam"))


def test_a_run_never_takes_the_name_of_an_earlier_one(tmp_path):
    """Run names have whole seconds: a run starting within a second that an earlier run's report,
    output or archive is named for takes a later name instead of replacing that run's files."""
    names = [run_name(TEST_NOW + timedelta(seconds=k)) for k in range(3)]  # the crawl's clock starts at TEST_NOW
    earlier = [tmp_path / "out" / "_runs" / f"{names[0]}.json", tmp_path / "out" / "hanam" / f"{names[1]}.jsonl",
               tmp_path / "archive" / "hanam" / f"{names[2]}.warc.gz"]
    for path in earlier:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("an earlier run's\n")
    with serve(SITES, ["hanam"]) as server:
        result = scheduled(server.write_map(tmp_path / "m.json"), tmp_path, "--archive-dir", str(tmp_path / "archive"),
                           sites=["hanam"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert [p.read_text() for p in earlier] == ["an earlier run's\n"] * 3
    (report,) = set((tmp_path / "out" / "_runs").glob("*.json")) - set(earlier)
    run = report.stem
    assert run > names[2]
    assert (tmp_path / "out" / "hanam" / f"{run}.jsonl").is_file()
    assert (tmp_path / "archive" / "hanam" / f"{run}.warc.gz").is_file()


def broken_copy(tmp_path: Path, site: str, edit) -> Path:
    """A copy of a saved site whose pages went through `edit(path, html) -> html`."""
    root = tmp_path / "broken"
    edited_copy(SITES / site, root / site, edit)
    return root


def test_article_template_change_names_the_site_and_field(tmp_path):
    dates = [json.loads(line)["date_raw"] for line in
             (FIXTURES / "expected" / "hanam.jsonl").read_text(encoding="utf-8").splitlines()]

    def drop_dates(path, html):
        for date in dates:
            html = html.replace(date.encode(), b"")
        return html

    root = broken_copy(tmp_path, "hanam", drop_dates)
    with serve(root, ["hanam"]) as server:
        result = scheduled(server.write_map(tmp_path / "m.json"), tmp_path, sites=["hanam"])
    assert result.returncode == 1
    assert "hanam" in result.stderr and "published_at missing" in result.stderr


def test_listing_template_change_is_an_alarm(tmp_path):
    root = broken_copy(tmp_path, "travinh", lambda path, html: html.replace(b"<a ", b"<span "))
    with serve(root, ["travinh"]) as server:
        result = scheduled(server.write_map(tmp_path / "m.json"), tmp_path, sites=["travinh"])
    assert result.returncode == 1
    assert "no article links" in result.stderr


def test_unreachable_site_fails_the_run(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({"http://thuvienhanam.gov.vn": "http://127.0.0.1:9"}))
    result = scheduled(tmp_path / "m.json", tmp_path, "--quiet", sites=["hanam"])
    assert result.returncode == 1
    assert "unreachable" in result.stderr


def test_unknown_site_is_a_usage_error(tmp_path):
    result = crawl(["crawl", "atlantis"], cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown site" in result.stderr and not (tmp_path / "data").exists()


def test_since_writes_only_newer_articles_and_stops_walking(tmp_path):
    since = "2019-01-01"
    newer = {json.loads(line)["url"] for line in (FIXTURES / "expected" / "gilan.jsonl").read_text(
        encoding="utf-8").splitlines() if json.loads(line)["published_at"] >= since}
    with serve(SITES, ["gilan"]) as server:
        result = scheduled(server.write_map(tmp_path / "m.json"), tmp_path, "--since", since, sites=["gilan"])
        articles = {k for k in server.sites[0].requests if k.startswith("/fa/news/")}
    assert result.returncode == 0, result.stderr[-2000:]
    assert {i["url"] for i in read_lines(*outputs(tmp_path / "out"))} == newer
    report = json.loads(next((tmp_path / "out" / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    assert report["sites"][0]["dropped"]["older_than_since"] >= 1
    # the walk stopped after the first listing page that reached older articles
    saved = {k for k in SiteCopy.load(SITES / "gilan").pages
             if k.startswith("/fa/news/")}
    assert len(newer) < len(articles) < len(saved)


def test_one_undated_article_is_remembered_and_never_fails_a_night(tmp_path):
    """A copy of kyzylorda whose newest article lost its printed date, crawled on three nights:
    the page is dropped once, with its reason, remembered, and not fetched (nor dropped, nor
    counted against the layout alarm) on the following nights; every night exits 0."""
    newest = max((e for e in expected_items("kyzylorda") if isinstance(e["published_at"], str)),
                 key=lambda e: e["published_at"])
    path = urlsplit(newest["url"]).path
    root = broken_copy(tmp_path, "kyzylorda",
                       lambda key, html: html.replace(newest["date_raw"].encode(), b"") if key == path else html)
    nights = []
    with serve(root, ["kyzylorda"]) as server:
        for _ in range(3):
            before = server.sites[0].requests.count(path)
            result = scheduled(server.write_map(tmp_path / "m.json"), tmp_path, sites=["kyzylorda"])
            report = json.loads(max((tmp_path / "out" / "_runs").glob("*.json")).read_text(encoding="utf-8"))
            nights.append((result.returncode, server.sites[0].requests.count(path) - before, report["sites"][0]))
    assert [code for code, _, _ in nights] == [0, 0, 0], nights[-1][2]["problems"]
    assert [fetched for _, fetched, _ in nights] == [1, 0, 0]  # asked once, then remembered
    assert nights[0][2]["dropped"] == {"missing_published_at": 1}
    assert [n[2]["skipped"].get("dropped_before/missing_published_at") for n in nights[1:]] == [1, 1]
    check = crawl(["state", "check", "--state", str(tmp_path / "state.sqlite")], cwd=tmp_path)
    (row,) = [line.split() for line in check.stdout.splitlines() if line.split()[:1] == ["kyzylorda"]]
    assert row[4] == "1"  # the state check lists it among the dropped pages
