"""The state over time: its schema version, migration in place from the release before versions
(a state file that release wrote), refusal of damaged or foreign files, `state check`, and the
compact layout (bytes per URL)."""
from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from crawler.cli import EXIT_SETUP
from crawler.items import FIELDS
from crawler.state import (SCHEMA_VERSION, State, StateError, advice, check, content_hash, fingerprint,
                           header_version, inspect, record_of, url_key)
from crawler.replay import ReplayServer, SiteCopy
from tests import children
from tests.support import CAPTURED, FIXTURES, SITES, clock_args, crawl, expected_items

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
    assert migrated.version == SCHEMA_VERSION == 2
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
    assert version == SCHEMA_VERSION
    assert {s.site: s.articles for s in sites} == dict(old_rows("SELECT site, count(*) FROM articles GROUP BY site"))
    assert {s.site: s.aliases for s in sites} == {
        site: n for site, n in [(s, 0) for s in ALL] + old_rows(
            "SELECT site, count(*) FROM aliases WHERE alias != url GROUP BY site")}
    again = State(migrated.path)
    assert again.version == SCHEMA_VERSION and again.has_articles("gilan")
    again.close()


@pytest.mark.crawl
@pytest.mark.parametrize("days_after", [1, 30])
def test_a_run_on_a_migrated_release_state_writes_nothing_already_written(tmp_path, days_after):
    """The release's run (3 Dec 2026) wrote kyzylorda's "today" and "yesterday" articles as of 4 and
    3 Dec. A run a day later revisits them (younger than 7 days) and finds them unchanged, a
    month later it does not ask for them; neither writes anything (the replayed pages speak for
    their capture time, so they read the same on either day)."""
    shutil.copy(RELEASE, tmp_path / "state.sqlite")
    recent = {urlsplit(e["url"]).path for e in expected_items("kyzylorda") if isinstance(e["published_at"], dict)}
    with ReplayServer([SiteCopy.load(SITES / s) for s in ALL]) as server:
        result = crawl(["crawl", *ALL, "--mirror", str(server.write_map(tmp_path / "m.json")), "--output-dir",
                        str(tmp_path / "out"), "--state", str(tmp_path / "state.sqlite"),
                        *clock_args(CAPTURED + timedelta(days=days_after))], cwd=tmp_path)
        requests = {s.root.name: len(s.requests) for s in server.sites}
        revisited = recent & set(next(s for s in server.sites if s.root.name == "kyzylorda").requests)
    assert result.returncode == 0, result.stderr[-2000:]
    assert list((tmp_path / "out").glob("*/*.jsonl")) == []
    assert all(n <= 12 for n in requests.values()), requests
    assert revisited == (recent if days_after < 7 else set())
    assert inspect(tmp_path / "state.sqlite") == SCHEMA_VERSION


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
                         "CREATE TABLE dead (x); CREATE TABLE files (x); CREATE TABLE dropped (x); PRAGMA user_version = 3;")
    db.close()
    with pytest.raises(StateError, match="not a crawler state"):
        State(foreign)
    with pytest.raises(StateError, match=r"^has schema version 3, this crawler knows \[0, 1, 2\]: a newer release wrote it$"):
        State(future)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    with pytest.raises(StateError, match=r"^is damaged \(.+\)$"):
        State(garbage)


def test_state_check_reports_per_site(tmp_path):
    path = tmp_path / "state.sqlite"
    shutil.copy(RELEASE, path)
    before = path.read_bytes()
    result = children.run(["state", "check", "--state", str(path)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == before  # a check changes nothing, not even the schema
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"state {path}: schema version 0 (the next run migrates it to {SCHEMA_VERSION})")
    rows = {line.split()[0]: line.split()[1:6] for line in lines[2:]}
    dead = dict(old_rows("SELECT site, count(*) FROM dead GROUP BY site"))
    for site, count in old_rows("SELECT site, count(*) FROM articles GROUP BY site"):
        assert rows[site][0] == str(count)
        assert rows[site][2] == str(dead.get(site, 0))
        assert rows[site][3:5] == ["0", "1"]  # nothing dropped, one file
    State(path).close()
    result = children.run(["state", "check", "--state", str(path)], cwd=tmp_path)
    assert f"schema version {SCHEMA_VERSION}," in result.stdout.splitlines()[0]


@pytest.mark.parametrize("make,words", [
    (lambda p: p.write_text("not a state"), "is not a SQLite file"),
    (lambda p: None, "no state file at"),
])
def test_state_check_of_a_bad_or_missing_file_gives_advice(tmp_path, make, words):
    path = tmp_path / "state.sqlite"
    make(path)
    result = children.run(["state", "check", "--state", str(path)], cwd=tmp_path)
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
    result = children.run(["reset", "hanam", "--state", str(path)], cwd=tmp_path)
    assert result.returncode == EXIT_SETUP and "Traceback" not in result.stderr
    assert "move it aside" in result.stderr and path.read_text() == "not a state"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.sqlite"]  # no lock file either


# -- the parts, against their definitions -------------------------------------------------------

def test_digests_are_the_first_64_bits_of_sha256_of_their_definition():
    import hashlib

    item = {"title": "Кітапхана", "body": "Ақпарат", "b": 1, "a": [2], "crawled_at": "x", "id": "y",
            "aliases": ["z"]}
    assert content_hash(item) == hashlib.sha256("Кітапхана\nАқпарат".encode()).hexdigest()[:16]
    assert content_hash({"title": None}) == hashlib.sha256(b"\n").hexdigest()[:16]
    # the fingerprint: the line's fields (crawler.items.FIELDS, missing ones null, images []) but
    # crawled_at, run and id, as sorted JSON; what the item carries beside them does not count
    line = {name: None for name in FIELDS if name not in ("crawled_at", "run", "id")}
    stable = {**line, "images": [], "body": "Ақпарат", "title": "Кітапхана"}
    assert fingerprint(item) == hashlib.sha256(
        json.dumps(stable, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    assert fingerprint({**item, "crawled_at": "later", "run": "r", "b": 2}) == fingerprint(item)
    assert fingerprint({**item, "author": "A"}) != fingerprint(item)
    assert len(url_key("http://h/a")) == 8 and url_key("http://h/a") != url_key("http://h/b")


def test_header_version_reads_bytes_60_to_63():
    head = b"SQLite format 3\x00" + bytes(44) + (0x01020304).to_bytes(4, "big") + bytes(36)
    assert header_version(head) == 0x01020304
    with pytest.raises(StateError, match="^is not a SQLite file$"):
        header_version(head[:99])


def test_sqlite_files_without_tables(tmp_path):
    for version in (0, 1):
        path = tmp_path / f"v{version}.sqlite"
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE t (x)")
        db.execute("DROP TABLE t")
        db.execute(f"PRAGMA user_version = {version}")
        db.commit()
        db.close()
    assert inspect(tmp_path / "v0.sqlite") is None  # nothing in it yet: a new state
    with pytest.raises(StateError, match="^is a SQLite file but not a crawler state$"):
        inspect(tmp_path / "v1.sqlite")
    (tmp_path / "dir.sqlite").mkdir()
    with pytest.raises(StateError, match="^is not a file$"):
        inspect(tmp_path / "dir.sqlite")


def test_advice_is_one_line():
    assert advice("s.db", "is damaged (a\n  b)") == (
        "state file s.db is damaged (a b): it is not used and left as it is; move it aside or give --state "
        "another path (a new state writes every article again)")


def test_revisit_window_default_and_boundary(tmp_path):
    now = datetime(2026, 12, 3, tzinfo=timezone.utc)
    state = State(tmp_path / "deep" / "er" / "s.sqlite", now=now)  # folders made as needed
    rows = {"edge": "2026-11-26T00:00:00+00:00", "older": "2026-11-25T12:00:00+00:00",
            "newer": "2026-11-26T12:00:00+00:00"}
    state.record("hanam", [record_of({"url": f"http://h/{k}", "id": "-", "title": k, "body": k,
                                      "published_at": v}) for k, v in rows.items()])
    assert state.is_settled("hanam", "http://h/older")  # 7.5 days old: outside the 7-day window
    assert not state.is_settled("hanam", "http://h/edge")  # exactly 7 days: still revisited
    assert not state.is_settled("hanam", "http://h/newer")
    state.close()


def test_questions_about_unknown_and_dead_links(tmp_path):
    state = State(tmp_path / "s.sqlite")
    assert state.record("hanam", [record_of({"url": u, "id": "-", "title": u, "body": "b", "published_at": None})
                                  for u in ("http://h/a", "http://h/b")]) == 2
    state.record_links("hanam", {"http://h/to-nowhere": "http://h/x", "http://h/short": "http://h/a"},
                       dead=["http://h/gone"])
    assert state.known("hanam", "http://h/short")["url"] == "http://h/a"  # alias of an article itself
    assert state.known("hanam", "http://h/gone") is None and state.is_settled("hanam", "http://h/gone")
    assert state.content_owner("hanam", "0" * 16) is None
    assert state.content_owner("hanam", content_hash({"title": "http://h/b", "body": "b"})) == "http://h/b"
    state.end_walk("hanam")
    (summary,) = state.summary()
    assert (summary.site, summary.articles, summary.aliases, summary.dead, summary.files) == ("hanam", 2, 1, 1, 0)
    assert summary.last_run.endswith("+00:00") and summary.walk_complete
    state.close()


def test_adoption_reads_every_unrecorded_file_and_skips_bad_lines(tmp_path):
    folder = tmp_path / "hanam"
    folder.mkdir()
    line = lambda url, **kw: json.dumps({"site": "hanam", "url": url, "id": "-", "title": url, "body": "b",  # noqa: E731
                                         "published_at": None, **kw}) + "\n"
    (folder / "1.jsonl").write_text(line("http://h/1"))
    (folder / "2.jsonl").write_text("{broken\n" + line("http://h/2") + line("http://h/3", site="gilan")
                                    + line("http://h/4", id=None) + line("http://h/5"))
    (folder / "3.jsonl").write_text(line("http://h/6"))
    state = State(tmp_path / "s.sqlite")
    state.record("hanam", [], folder / "1.jsonl")  # the first file is recorded already
    assert state.adopt_files("hanam", folder) == 3
    assert [u for u in (f"http://h/{i}" for i in range(1, 7)) if state.known("hanam", u)] == [
        "http://h/2", "http://h/5", "http://h/6"]
    state.close()


def test_check_reads_both_versions_without_changing_them(tmp_path):
    path = tmp_path / "s.sqlite"
    shutil.copy(RELEASE, path)
    version, sites = check(path)
    assert version == 0 and path.read_bytes() == RELEASE.read_bytes()
    old = {s.site: (s.articles, s.aliases, s.dead, s.files, s.last_run, s.walk_complete) for s in sites}
    expected = {}
    for site in ALL:
        count = lambda q: old_rows(q.replace("?", f"'{site}'"))[0][0]  # noqa: E731
        expected[site] = (count("SELECT count(*) FROM articles WHERE site = ?"),
                          count("SELECT count(*) FROM aliases WHERE site = ? AND alias != url"),
                          count("SELECT count(*) FROM dead WHERE site = ?"),
                          count("SELECT count(*) FROM files WHERE site = ?"),
                          count("SELECT max(recorded_at) FROM files WHERE site = ?"), True)
    assert old == expected
    State(path).close()
    version, sites = check(path)
    assert version == SCHEMA_VERSION
    assert {s.site: (s.articles, s.aliases, s.dead, s.files, s.last_run[:19]) for s in sites} == {
        site: (*e[:4], e[4][:19]) for site, e in expected.items()}
    with pytest.raises(StateError, match="^does not exist or holds nothing yet"):
        check(tmp_path / "none.sqlite")


def test_summary_lists_sites_with_something_recorded(tmp_path):
    state = State(tmp_path / "s.sqlite")
    state.known("travinh", "http://t/1")  # a question makes a site row, not a summary line
    state.end_walk("gilan")  # a run that wrote nothing
    state.record("kyzylorda", [], tmp_path / "k.jsonl")  # an empty file recorded
    assert [(s.site, s.files, bool(s.last_run)) for s in state.summary()] == [("gilan", 0, True),
                                                                             ("kyzylorda", 1, False)]
    state.close()


def test_check_reads_through_the_log_of_a_state_still_open(tmp_path):
    state = State(tmp_path / "s.sqlite")
    state.record("hanam", [record_of({"url": "http://h/a", "id": "-", "title": "t", "body": "b",
                                      "published_at": None})])
    assert (tmp_path / "s.sqlite-wal").exists()  # not yet checkpointed into the file
    version, sites = check(tmp_path / "s.sqlite")
    assert version == SCHEMA_VERSION and [(s.site, s.articles) for s in sites] == [("hanam", 1)]
    state.close()


def test_check_of_a_release_state_with_a_site_without_files(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE articles (site TEXT, url TEXT, id TEXT, content TEXT, fingerprint TEXT,
                               published_at TEXT, written_at TEXT);
        CREATE TABLE aliases (site TEXT, alias TEXT, url TEXT);
        CREATE TABLE files (path TEXT PRIMARY KEY, site TEXT, lines INTEGER, recorded_at TEXT);
        CREATE TABLE dead (site TEXT, url TEXT, seen_at TEXT);
        INSERT INTO articles VALUES ('hanam', 'http://h/a', 'x', 'c', 'f', NULL, '2026-01-01');
        INSERT INTO dead VALUES ('gilan', 'http://g/x', '2026-01-01');
    """)
    db.close()
    version, sites = check(path)
    assert version == 0
    assert [(s.site, s.articles, s.dead, s.files, s.last_run) for s in sites] == [
        ("gilan", 0, 1, 0, None), ("hanam", 1, 0, 0, None)]


def test_a_version_1_state_is_upgraded_in_place_and_keeps_what_it_knew(tmp_path):
    """1 → 2 adds the capture time (unknown for what was recorded before: any capture may
    replace it) and the table of pages dropped for a missing field; nothing else changes."""
    from crawler.state import migrate

    path = tmp_path / "state.sqlite"
    shutil.copy(RELEASE, path)
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db)  # the release's file as release 1 left it
    db.close()
    assert inspect(path) == 1
    before = {s.site: (s.articles, s.aliases, s.dead, s.files) for s in check(path)[1]}
    state = State(path)
    assert state.version == SCHEMA_VERSION == 2
    assert {s.site: (s.articles, s.aliases, s.dead, s.files) for s in state.summary()} == before
    url = old_rows("SELECT url FROM articles WHERE site = 'hanam' LIMIT 1")[0][0]
    assert state.known("hanam", url)["captured"] is None
    state.close()


def test_a_dropped_page_is_asked_again_after_the_retry_window_or_once_written(tmp_path):
    """Remembered with its reason as of the run's clock; settled for DROPPED_RETRY_DAYS, then
    fetched again; forgotten as soon as the page gives an item that is written."""
    t0 = datetime(2026, 11, 1, 3, 15, tzinfo=timezone.utc)
    url, path = "http://thuvienhanam.gov.vn/a.html", tmp_path / "s.sqlite"
    state = State(path, now=t0, retry_dropped_days=30)
    state.record_links("hanam", {}, [], {url: "missing_published_at"})
    assert state.settled_as("hanam", url) == "missing_published_at" and state.known("hanam", url) is None
    state.close()
    for days, settled in ((29.9, True), (30, True), (30.1, False)):
        state = State(path, now=t0 + timedelta(days=days), retry_dropped_days=30)
        assert state.is_settled("hanam", url) is settled, days
        state.close()
    state = State(path, now=t0 + timedelta(days=1))
    state.record("hanam", [record_of({"url": url, "id": "-", "title": "t", "body": "b",
                                      "published_at": "2026-10-01T00:00:00+07:00"})])
    assert state.settled_as("hanam", url) == "known" and state.summary()[0].dropped == 0
    state.close()
