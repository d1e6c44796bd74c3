"""The state over time: its schema version, migration in place from the release before versions
(a state file that release wrote), refusal of damaged or foreign files, `state check`, and the
compact layout (bytes per URL)."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from crawler.cli import EXIT_SETUP
from crawler.state import SCHEMA_VERSION, State, StateError, check, inspect, record_of
from crawler.replay import ReplayServer, SiteCopy
from tests.support import FIXTURES, SITES, crawl, crawler_env

RELEASE = FIXTURES / "state" / "release-ffce339.sqlite"
ALL = ["chaharmahal", "gilan", "hanam", "kyzylorda", "travinh"]


def old_rows(query: str) -> list[tuple]:
    """Rows of the release's state file, read with plain SQL (not through the code under test)."""
    db = sqlite3.connect(f"{RELEASE.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


@pytest.fixture
def migrated(tmp_path):
    path = tmp_path / "state.sqlite"
    shutil.copy(RELEASE, path)
    assert inspect(path) == 0
    state = State(path, now=datetime(2026, 12, 3, tzinfo=timezone.utc))
    yield state
    state.close()


def test_release_state_is_migrated_in_place_with_everything_it_knew(migrated):
    assert migrated.version == SCHEMA_VERSION == 1
    articles = old_rows("SELECT site, url, content, fingerprint, published_at FROM articles")
    assert len(articles) == 158
    for site, url, content, print_, published in articles:
        known = migrated.known(site, url)
        assert known["url"] == url
        assert known["fingerprint"] == print_[:16] and known["content"] == content[:16]
        assert known["published"] == int(datetime.fromisoformat(published).timestamp())
        assert migrated.content_owner(site, content) == url
    aliases = old_rows("SELECT site, alias, url FROM aliases WHERE alias != url")
    assert aliases  # the release file has real aliases (chaharmahal's redirects)
    for site, alias, url in aliases:
        assert migrated.known(site, alias)["url"] == url
    for site, url in old_rows("SELECT site, url FROM dead"):
        assert migrated.is_dead(site, url) and migrated.is_settled(site, url)
    for (path,) in old_rows("SELECT path FROM files"):
        assert migrated.is_recorded_file(path)
    assert all(migrated.walk_complete(site) for site in ALL)
    assert migrated.known("hanam", "http://thuvienhanam.gov.vn/never-seen") is None


def test_migrated_state_is_smaller_and_reopens_without_migrating(migrated):
    migrated.close()
    assert migrated.path.stat().st_size < RELEASE.stat().st_size / 2
    version, sites = check(migrated.path)
    assert version == 1
    assert {s.site: s.articles for s in sites} == dict(old_rows("SELECT site, count(*) FROM articles GROUP BY site"))
    assert {s.site: s.aliases for s in sites} == {
        site: n for site, n in [(s, 0) for s in ALL] + old_rows(
            "SELECT site, count(*) FROM aliases WHERE alias != url GROUP BY site")}
    again = State(migrated.path)
    assert again.version == 1 and again.has_articles("gilan")
    again.close()


def test_a_run_on_a_migrated_release_state_writes_nothing_already_written(tmp_path):
    shutil.copy(RELEASE, tmp_path / "state.sqlite")
    with ReplayServer([SiteCopy.load(SITES / s) for s in ALL]) as server:
        result = crawl(["crawl", "--mirror", str(server.write_map(tmp_path / "m.json")), "--output-dir",
                        str(tmp_path / "out"), "--state", str(tmp_path / "state.sqlite")], cwd=tmp_path)
        requests = {s.root.name: len(s.requests) for s in server.sites}
    assert result.returncode == 0, result.stderr[-2000:]
    assert list((tmp_path / "out").glob("*/*.jsonl")) == []
    assert all(n <= 12 for n in requests.values()), requests
    assert inspect(tmp_path / "state.sqlite") == 1


@pytest.mark.parametrize("content,problem", [
    (b"", None),
    (b"id,url\n1,http://example.org\n" * 20, "is not a SQLite file"),
    (b"SQLite format 3\x00" + b"\x00" * 20, "is not a SQLite file"),
])
def test_files_that_are_not_a_state(tmp_path, content, problem):
    path = tmp_path / "state.sqlite"
    path.write_bytes(content)
    if problem is None:
        assert inspect(path) is None  # an empty file is an empty database: a new state
        return
    with pytest.raises(StateError, match=problem):
        State(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.sqlite"]


def test_damaged_state_is_refused_and_never_replaced(tmp_path):
    path = tmp_path / "state.sqlite"
    data = RELEASE.read_bytes()
    damaged = data[:4096] + b"\x00\xff" * 2048 + data[8192:]
    path.write_bytes(damaged)
    with pytest.raises(StateError, match="damaged"):
        State(path)
    assert path.read_bytes() == damaged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.sqlite"]


def test_foreign_and_future_sqlite_files_are_refused(tmp_path):
    foreign, future = tmp_path / "foreign.db", tmp_path / "future.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE articles (x)")  # one table of the same name is not enough
    db.close()
    with sqlite3.connect(future) as db:
        db.executescript("CREATE TABLE sites (x); CREATE TABLE articles (x); CREATE TABLE aliases (x);"
                         "CREATE TABLE dead (x); CREATE TABLE files (x); PRAGMA user_version = 2;")
    db.close()
    with pytest.raises(StateError, match="not a crawler state"):
        State(foreign)
    with pytest.raises(StateError, match="schema version 2"):
        State(future)


def test_state_check_reports_per_site(tmp_path):
    path = tmp_path / "state.sqlite"
    shutil.copy(RELEASE, path)
    before = path.read_bytes()
    result = subprocess.run([sys.executable, "-m", "crawler", "state", "check", "--state", str(path)],
                            capture_output=True, text=True, env=crawler_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == before  # a check changes nothing, not even the schema
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"state {path}: schema version 0 (the next run migrates it to 1)")
    rows = {line.split()[0]: line.split()[1:5] for line in lines[2:]}
    dead = dict(old_rows("SELECT site, count(*) FROM dead GROUP BY site"))
    for site, count in old_rows("SELECT site, count(*) FROM articles GROUP BY site"):
        assert rows[site][0] == str(count)
        assert rows[site][2] == str(dead.get(site, 0))
        assert rows[site][3] == "1"
    State(path).close()
    result = subprocess.run([sys.executable, "-m", "crawler", "state", "check", "--state", str(path)],
                            capture_output=True, text=True, env=crawler_env(), cwd=tmp_path)
    assert "schema version 1," in result.stdout.splitlines()[0]


@pytest.mark.parametrize("make,words", [
    (lambda p: p.write_text("not a state"), "is not a SQLite file"),
    (lambda p: None, "no state file at"),
])
def test_state_check_of_a_bad_or_missing_file_gives_advice(tmp_path, make, words):
    path = tmp_path / "state.sqlite"
    make(path)
    result = subprocess.run([sys.executable, "-m", "crawler", "state", "check", "--state", str(path)],
                            capture_output=True, text=True, env=crawler_env(), cwd=tmp_path)
    assert result.returncode == EXIT_SETUP
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


# -- the layout ---------------------------------------------------------------------------------

def test_a_url_costs_at_most_200_bytes(tmp_path):
    """The benchmark's shape (bench/state.py), smaller: every tenth article reached by an alias."""
    state = State(tmp_path / "s.sqlite")
    n = 20_000
    for site in ("gilan", "hanam"):
        records = []
        for i in range(n // 2):
            url = f"https://{site}.example/news/{i}/some-article-slug-{i}"
            item = {"url": url, "id": "x", "title": f"t{i}", "body": f"b{i}", "site": site,
                    "published_at": "2020-01-01T00:00:00+07:00",
                    "aliases": [url + "?from=menu"] if i % 10 == 0 else [url]}
            records.append(record_of(item))
        state.record(site, records)
    state.close()
    size = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert size / n <= 200, size / n


def test_aliases_are_stored_only_when_real_and_resolved_to_their_article(tmp_path):
    state = State(tmp_path / "s.sqlite")
    item = {"url": "http://h/a", "id": "x", "title": "t", "body": "b", "published_at": None,
            "aliases": ["http://h/a", "http://h/a?x=1"]}
    state.record("hanam", [record_of(item)])
    count = lambda: state.db.execute("SELECT count(*) FROM aliases").fetchone()[0]  # noqa: E731
    assert count() == 1
    state.record_links("hanam", {"http://h/short": "http://h/a?x=1",  # alias of an alias
                                 "http://h/to-nowhere": "http://h/unknown",
                                 "http://h/a": "http://h/a"}, dead=["http://h/gone"])
    assert count() == 2
    assert state.known("hanam", "http://h/short")["url"] == "http://h/a"
    assert state.known("hanam", "http://h/to-nowhere") is None
    assert state.is_dead("hanam", "http://h/gone") and not state.is_dead("gilan", "http://h/gone")
    assert not state.is_settled("hanam", "http://h/a")  # no date: always revisited
    state.record("hanam", [record_of({**item, "aliases": []})])
    assert state.known("hanam", "http://h/a?x=1")["url"] == "http://h/a"  # once an alias, always one
    assert count() == 2
    state.close()


def test_walk_completeness_survives_reopening_and_reset(tmp_path):
    state = State(tmp_path / "s.sqlite")
    assert state.begin_walk("hanam") is True  # nothing before: nothing cut short
    state.close()
    state = State(tmp_path / "s.sqlite")  # a run died mid-walk
    assert state.begin_walk("hanam") is False
    state.end_walk("hanam", complete=False)  # an interrupted run
    assert state.begin_walk("hanam") is False
    state.end_walk("hanam")
    assert state.walk_complete("hanam") and state.begin_walk("hanam") is True
    assert not state.walk_complete("hanam")
    state.forget("hanam")
    assert state.walk_complete("hanam")
    assert [s.site for s in state.summary()] == []
    state.close()


def test_reset_refuses_a_damaged_state_with_advice(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_text("not a state")
    result = subprocess.run([sys.executable, "-m", "crawler", "reset", "hanam", "--state", str(path)],
                            capture_output=True, text=True, env=crawler_env(), cwd=tmp_path)
    assert result.returncode == EXIT_SETUP and "Traceback" not in result.stderr
    assert "move it aside" in result.stderr and path.read_text() == "not a state"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.sqlite"]  # no lock file either
