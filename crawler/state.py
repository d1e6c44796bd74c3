"""What earlier runs wrote, per site: the memory that makes a scheduled run incremental.

A SQLite file (default ./data/state.sqlite). An article is recorded only after the output file
holding its line has been put in place, so a run that dies loses nothing: what it did not
commit, the next run writes. Files committed by a run that died before recording them are
adopted on the next start (`adopt_files`), so nothing is written twice either.

Compact, because a hundred sites back to 2010 are about a million URLs: URLs are keyed by an
8-byte hash, content hashes and fingerprints are 8-byte BLOBs, the article id is not stored
(it is derived from the URL), and an alias row exists only for a URL that is not the article's
own. The layout's version is the file's `PRAGMA user_version`; a file of the release before
versions (0) is migrated in place on open, and a file that is not a crawler state is refused,
never replaced.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

SCHEMA_VERSION = 2
SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA_V1 = """
CREATE TABLE sites (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    walk_complete INTEGER NOT NULL DEFAULT 1, last_run TEXT);
CREATE TABLE articles (
    site INTEGER NOT NULL, key BLOB NOT NULL, url TEXT NOT NULL, content BLOB NOT NULL,
    fingerprint BLOB NOT NULL, published INTEGER,
    PRIMARY KEY (site, key)) WITHOUT ROWID;
CREATE INDEX articles_content ON articles (site, content);
CREATE TABLE aliases (
    site INTEGER NOT NULL, key BLOB NOT NULL, target BLOB NOT NULL,
    PRIMARY KEY (site, key)) WITHOUT ROWID;
CREATE TABLE dead (
    site INTEGER NOT NULL, key BLOB NOT NULL, seen INTEGER NOT NULL,
    PRIMARY KEY (site, key)) WITHOUT ROWID;
CREATE TABLE files (path TEXT PRIMARY KEY, site TEXT, lines INTEGER, recorded_at TEXT);
"""
# Version 1 → 2: the capture time of the recorded version (so that an older capture never
# replaces it), and the pages dropped for a missing field (so that they are not fetched nightly).
UPGRADE_1_2 = """
ALTER TABLE articles ADD COLUMN captured INTEGER;
CREATE TABLE dropped (
    site INTEGER NOT NULL, key BLOB NOT NULL, reason TEXT NOT NULL, seen INTEGER NOT NULL,
    PRIMARY KEY (site, key)) WITHOUT ROWID;
"""
LOOKUP = """
SELECT 0, url, content, fingerprint, published, captured FROM articles WHERE site = ?1 AND key = ?2
UNION ALL
SELECT 1, a.url, a.content, a.fingerprint, a.published, a.captured FROM aliases l
    JOIN articles a ON a.site = l.site AND a.key = l.target WHERE l.site = ?1 AND l.key = ?2
UNION ALL
SELECT 2, NULL, NULL, NULL, NULL, NULL FROM dead WHERE site = ?1 AND key = ?2
UNION ALL
SELECT 3, NULL, NULL, NULL, seen, reason FROM dropped WHERE site = ?1 AND key = ?2
LIMIT 1"""
# The tables by which each known layout is recognised.
TABLES = {0: {"articles", "aliases", "files", "dead"},
          1: {"sites", "articles", "aliases", "files", "dead"},
          2: {"sites", "articles", "aliases", "files", "dead", "dropped"}}
# Fields whose change makes a revisited article worth writing again.
VOLATILE = ("crawled_at", "run", "id", "aliases", "fetched")


Record = tuple[str, str, str, str, "str | None", tuple[str, ...], "str | None"]


class StateError(Exception):
    """The state file cannot be used as it is; the message says what to do."""


def _hash16(text: str) -> str:
    """64 bits of SHA-256 in hex: collisions among a million URLs or contents are ~1 in 10^7."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def adapted(item: Any) -> ItemAdapter:
    """Any item type Scrapy supports (scrapy.Item, dict, dataclass, attrs), read as a mapping."""
    return item if isinstance(item, ItemAdapter) else ItemAdapter(item)


def content_hash(item: Any) -> str:
    """Title and body (any item type Scrapy supports)."""
    item = adapted(item)
    return _hash16(f"{item.get('title') or ''}\n{item.get('body') or ''}")


def fingerprint(item: Any) -> str:
    """Everything a consumer sees of an article (its line) except when and by which run it was
    crawled; what an item carries beside the contract (a dataclass's unset helper fields) is not
    seen, so it does not count."""
    from crawler.items import as_line

    data = {k: v for k, v in as_line(item).items() if k not in VOLATILE}
    return _hash16(json.dumps(data, sort_keys=True, ensure_ascii=False))


def url_key(url: str) -> bytes:
    """The 8-byte key of a canonical URL in the state."""
    return hashlib.blake2b(url.encode(), digest_size=8).digest()


def _blob(hex_digest: str) -> bytes:
    return bytes.fromhex(hex_digest[:16])


def _epoch(iso: str | None) -> int | None:
    return None if iso is None else int(datetime.fromisoformat(iso).timestamp())


def _now() -> datetime:
    return datetime.now(timezone.utc)


def record_of(item: Any) -> Record:
    """What the state keeps of a written item: small, so a big run holds little in memory."""
    item = adapted(item)
    return (item["url"], item["id"], content_hash(item), fingerprint(item), item.get("published_at"),
            tuple(item.get("aliases") or ()), item.get("crawled_at"))


# -- recognising a state file without changing it ----------------------------------------------

def header_version(head: bytes) -> int:
    """The schema version in a SQLite file's first 100 bytes; StateError when it is no SQLite."""
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise StateError("is not a SQLite file")
    return int.from_bytes(head[60:64], "big")


def inspect(path: str | Path) -> int | None:
    """The schema version of an existing state file, None when there is none; StateError with
    the reason when it is not a crawler state of a known version. Reads only: a file without the
    SQLite header is refused before SQLite opens it, and the rest is read through a read-only
    connection."""
    path = Path(path)
    if not path.exists():
        return None
    if not path.is_file():
        raise StateError("is not a file")
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError as exc:
        raise StateError(f"cannot be read ({exc.strerror})") from exc
    if not head:
        return None  # an empty file is an empty SQLite database
    header_version(head)
    try:
        # immutable when no write-ahead log is beside it (then the file says it all, and
        # SQLite creates nothing); read-only through the log otherwise
        wal = path.with_name(path.name + "-wal").exists()
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{'' if wal else '&immutable=1'}", uri=True)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            ok = db.execute("PRAGMA quick_check(1)").fetchone()[0]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise StateError(f"is damaged ({exc})") from exc
    if ok != "ok":
        raise StateError(f"is damaged ({ok})")
    if version not in TABLES:
        raise StateError(f"has schema version {version}, this crawler knows {sorted(TABLES)}: "
                         "a newer release wrote it")
    if version == 0 and not tables:
        return None  # a SQLite file with nothing in it yet
    if not TABLES[version] <= tables:
        raise StateError("is a SQLite file but not a crawler state")
    return version


def advice(path: str | Path, problem: str) -> str:
    """One line: what is wrong with the state file and what to do."""
    problem = " ".join(problem.split())
    return (f"state file {path} {problem}: it is not used and left as it is; move it aside or "
            "give --state another path (a new state writes every article again)")


# -- the state ---------------------------------------------------------------------------------

@dataclass
class SiteSummary:
    """What the state holds of a site (`python -m crawler state check`)."""
    site: str
    articles: int
    aliases: int
    dead: int
    files: int
    last_run: str | None
    walk_complete: bool
    dropped: int = 0  # pages dropped for a missing field, not asked again for a while


class State:
    def __init__(self, path: str | Path, revisit_days: float = 7.0, now: datetime | None = None,
                 retry_dropped_days: float = 30.0):
        self.path = Path(path)
        version = inspect(self.path)  # refuses a damaged or foreign file before touching it
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        if version is None:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                _create(self.db)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif version < SCHEMA_VERSION:
            if version == 0:
                migrate(self.db)
            upgrade(self.db)
        self.now = now or _now()
        self.revisit_after = int((self.now - timedelta(days=revisit_days)).timestamp())
        self.retry_dropped_after = int((self.now - timedelta(days=retry_dropped_days)).timestamp())
        self._sites: dict[str, int] = {}

    def close(self) -> None:
        self.db.close()

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def site_id(self, site: str) -> int:
        if site not in self._sites:
            self.db.execute("INSERT OR IGNORE INTO sites (name) VALUES (?)", (site,))
            self._sites[site] = self.db.execute("SELECT id FROM sites WHERE name = ?", (site,)).fetchone()[0]
        return self._sites[site]

    # -- questions a run asks -----------------------------------------------------------------

    def _article(self, sid: int, key: bytes) -> tuple | None:
        return self.db.execute("SELECT url, content, fingerprint, published FROM articles "
                               "WHERE site = ? AND key = ?", (sid, key)).fetchone()

    def _lookup(self, site: str, url: str) -> tuple | None:
        """One statement for the look-up a listing makes of every link: the article the URL is,
        else the one it is an alias of, else whether it is a dead link (kind 0, 1, 2)."""
        return self.db.execute(LOOKUP, (self.site_id(site), url_key(url))).fetchone()

    def known(self, site: str, url: str) -> dict[str, Any] | None:
        """The recorded article a URL (or one of its aliases) leads to."""
        row = self._lookup(site, url)
        if row is None or row[0] in (2, 3):
            return None
        return {"url": row[1], "content": row[2].hex(), "fingerprint": row[3].hex(), "published": row[4],
                "captured": row[5]}

    def is_settled(self, site: str, url: str) -> bool:
        """Known and older than the revisit window, or a dead link: no need to fetch it again."""
        return self.settled_as(site, url) is not None

    def settled_as(self, site: str, url: str) -> str | None:
        """Why a URL need not be fetched again ("known", "dead", or the reason it was dropped,
        such as "missing_published_at"), None when it must be fetched."""
        row = self._lookup(site, url)
        if row is None:
            return None
        if row[0] == 2:
            return "dead"
        if row[0] == 3:  # dropped for a missing field: asked again only after a while
            return row[5] if row[4] >= self.retry_dropped_after else None
        return "known" if row[4] is not None and row[4] < self.revisit_after else None

    def is_dead(self, site: str, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM dead WHERE site = ? AND key = ?",
                               (self.site_id(site), url_key(url))).fetchone() is not None

    def content_owner(self, site: str, content: str) -> str | None:
        row = self.db.execute("SELECT url FROM articles WHERE site = ? AND content = ? LIMIT 1",
                              (self.site_id(site), _blob(content))).fetchone()
        return row[0] if row else None

    def has_articles(self, site: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE site = ? LIMIT 1",
                               (self.site_id(site),)).fetchone() is not None

    def walk_complete(self, site: str) -> bool:
        """False when the site's last walk of its listings was cut short (an interrupted run):
        the next run must then walk on past pages holding only known articles."""
        row = self.db.execute("SELECT walk_complete FROM sites WHERE id = ?", (self.site_id(site),)).fetchone()
        return bool(row[0])

    # -- recording what was written -----------------------------------------------------------

    def begin_walk(self, site: str) -> bool:
        """Mark the site's walk as under way (a run killed now leaves it incomplete); returns
        whether the previous walk was complete."""
        complete = self.walk_complete(site)
        self.db.execute("UPDATE sites SET walk_complete = 0 WHERE id = ?", (self.site_id(site),))
        return complete

    def end_walk(self, site: str, complete: bool = True) -> None:
        """A run of the site ended (its lines recorded); complete when its walk was not cut short."""
        self.db.execute("UPDATE sites SET walk_complete = ?, last_run = ? WHERE id = ?",
                        (int(complete), self.now.isoformat(timespec="seconds"), self.site_id(site)))

    def record(self, site: str, records: Iterable[Record], file: str | Path | None = None) -> int:
        """Remember written articles (after their file is in place), in one transaction."""
        sid = self.site_id(site)
        count = 0
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for url, _id, content, print_, published_at, aliases, captured in records:
                key = url_key(url)
                self.db.execute("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
                                (sid, key, url, _blob(content), _blob(print_), _epoch(published_at),
                                 _epoch(captured)))
                self.db.execute("DELETE FROM dropped WHERE site = ? AND key = ?", (sid, key))
                self.db.executemany("INSERT OR REPLACE INTO aliases VALUES (?, ?, ?)",
                                    [(sid, url_key(a), key) for a in set(aliases) - {url}])
                count += 1
            if file is not None:
                self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                                (str(Path(file).resolve()), site, count, self.now.isoformat()))
        return count

    def confirm(self, site: str, captures: dict[str, str]) -> None:
        """Articles seen again unchanged (URL → capture time): the version recorded is the
        current one as of that capture (never moved back)."""
        sid = self.site_id(site)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "UPDATE articles SET captured = ?1 WHERE site = ?2 AND key = ?3 "
                "AND (captured IS NULL OR captured < ?1)",
                [(_epoch(at), sid, url_key(url)) for url, at in captures.items()])

    def record_links(self, site: str, aliases: dict[str, str], dead: Iterable[str],
                     dropped: dict[str, str] | None = None) -> None:
        """Redirecting links as aliases of the article they lead to, links that are gone, and
        pages dropped for a missing field (URL → reason; not fetched again for a while, so one
        bad page is not fetched, dropped and counted every night)."""
        sid, now = self.site_id(site), int(self.now.timestamp())
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for source, target in aliases.items():
                key, target_key = url_key(source), url_key(target)
                if self._article(sid, target_key) is None:
                    row = self.db.execute("SELECT target FROM aliases WHERE site = ? AND key = ?",
                                          (sid, target_key)).fetchone()
                    if row is None:
                        continue  # leads to nothing written: not worth remembering
                    target_key = row[0]
                if key != target_key:
                    self.db.execute("INSERT OR IGNORE INTO aliases VALUES (?, ?, ?)", (sid, key, target_key))
            self.db.executemany("INSERT OR REPLACE INTO dead VALUES (?, ?, ?)",
                                [(sid, url_key(u), now) for u in dead])
            self.db.executemany("INSERT OR REPLACE INTO dropped VALUES (?, ?, ?, ?)",
                                [(sid, url_key(u), reason, int(self.now.timestamp()))
                                 for u, reason in (dropped or {}).items()
                                 if self._article(sid, url_key(u)) is None])

    def is_recorded_file(self, path: str | Path) -> bool:
        return self.db.execute("SELECT 1 FROM files WHERE path = ?",
                               (str(Path(path).resolve()),)).fetchone() is not None

    def adopt_files(self, site: str, folder: str | Path) -> int:
        """Record the lines of committed output files that a dead run never got to record."""
        adopted = 0
        for path in sorted(Path(folder).glob("*.jsonl")):
            if self.is_recorded_file(path):
                continue
            items = []
            with open(path, encoding="utf-8") as f:
                for line in f:
                    try:
                        items.append(json.loads(line))
                    except ValueError:
                        continue
            records = [record_of(i) for i in items if i.get("site") == site and i.get("url") and i.get("id")]
            adopted += self.record(site, records, path)
        return adopted

    def forget(self, site: str) -> int:
        """Reset a site: the next run writes all its articles again."""
        sid = self.site_id(site)
        with self.db:
            n = self.db.execute("DELETE FROM articles WHERE site = ?", (sid,)).rowcount
            self.db.execute("DELETE FROM aliases WHERE site = ?", (sid,))
            self.db.execute("DELETE FROM files WHERE site = ?", (site,))
            self.db.execute("DELETE FROM dead WHERE site = ?", (sid,))
            self.db.execute("DELETE FROM dropped WHERE site = ?", (sid,))
            self.db.execute("UPDATE sites SET walk_complete = 1, last_run = NULL WHERE id = ?", (sid,))
        return n

    def summary(self) -> list[SiteSummary]:
        return summaries(self.db, SCHEMA_VERSION)


def summaries(db: sqlite3.Connection, version: int) -> list[SiteSummary]:
    """Per site: what a state of the given schema version holds (sites with nothing recorded are
    left out)."""
    files = dict(db.execute("SELECT site, count(*) FROM files GROUP BY site").fetchall())
    out = []
    if version == 0:
        names = [r[0] for r in db.execute("SELECT site FROM articles UNION SELECT site FROM dead "
                                          "UNION SELECT site FROM files WHERE site IS NOT NULL ORDER BY 1")]
        for name in names:
            counts = [db.execute(query, (name,)).fetchone()[0] for query in (
                "SELECT count(*) FROM articles WHERE site = ?",
                "SELECT count(*) FROM aliases WHERE site = ? AND alias != url",
                "SELECT count(*) FROM dead WHERE site = ?")]
            last = db.execute("SELECT max(recorded_at) FROM files WHERE site = ?", (name,)).fetchone()[0]
            out.append(SiteSummary(name, *counts, files.get(name, 0), last, True))
        return out
    for sid, name, complete, last_run in db.execute(
            "SELECT id, name, walk_complete, last_run FROM sites ORDER BY name").fetchall():
        counts = [db.execute(f"SELECT count(*) FROM {table} WHERE site = ?", (sid,)).fetchone()[0]
                  for table in ("articles", "aliases", "dead")]
        dropped = (db.execute("SELECT count(*) FROM dropped WHERE site = ?", (sid,)).fetchone()[0]
                   if version >= 2 else 0)
        if any(counts) or dropped or files.get(name) or last_run:
            out.append(SiteSummary(name, *counts, files.get(name, 0), last_run, bool(complete), dropped))
    return out


def check(path: str | Path) -> tuple[int, list[SiteSummary]]:
    """The schema version and per-site summary of a state file, read without changing it;
    StateError when it is absent, damaged or not a crawler state."""
    version = inspect(path)
    if version is None:
        raise StateError("does not exist or holds nothing yet (a first run creates it)")
    path = Path(path)
    wal = path.with_name(path.name + "-wal").exists()
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{'' if wal else '&immutable=1'}", uri=True)
    try:
        return version, summaries(db, version)
    finally:
        db.close()


def _create(db: sqlite3.Connection, layout: str | None = None) -> None:
    """The tables of a layout (default: the current one, version 1 and its upgrade)."""
    for statement in (layout or SCHEMA_V1 + UPGRADE_1_2).split(";"):
        if statement.strip():
            db.execute(statement)


def upgrade(db: sqlite3.Connection) -> None:
    """Version 1 → 2 in one transaction: columns and tables added, nothing rewritten (an article
    recorded before has no capture time: any capture may replace it)."""
    with db:
        db.execute("BEGIN IMMEDIATE")
        _create(db, UPGRADE_1_2)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def migrate(db: sqlite3.Connection) -> None:
    """Version 0 (hex digests as text, the id stored, an alias row for every URL) → version 1,
    in place and in one transaction: a failure leaves version 0 as it was."""
    db.create_function("urlkey", 1, url_key, deterministic=True)
    db.create_function("blob8", 1, _blob, deterministic=True)
    db.create_function("epoch", 1, _epoch, deterministic=True)
    with db:
        db.execute("BEGIN IMMEDIATE")
        for table in ("articles", "aliases", "dead"):
            db.execute(f"ALTER TABLE {table} RENAME TO old_{table}")
        db.execute("DROP INDEX IF EXISTS articles_content")
        db.execute("ALTER TABLE files RENAME TO old_files")
        _create(db, SCHEMA_V1)
        db.execute("INSERT INTO sites (name) SELECT DISTINCT site FROM old_articles "
                   "UNION SELECT DISTINCT site FROM old_dead UNION SELECT DISTINCT site FROM old_files "
                   "WHERE site IS NOT NULL")
        db.execute("INSERT INTO articles SELECT s.id, urlkey(a.url), a.url, blob8(a.content), "
                   "blob8(a.fingerprint), epoch(a.published_at) FROM old_articles a JOIN sites s ON s.name = a.site")
        db.execute("INSERT OR IGNORE INTO aliases SELECT s.id, urlkey(l.alias), urlkey(l.url) FROM old_aliases l "
                   "JOIN sites s ON s.name = l.site WHERE l.alias != l.url")
        db.execute("INSERT INTO dead SELECT s.id, urlkey(d.url), epoch(d.seen_at) FROM old_dead d "
                   "JOIN sites s ON s.name = d.site")
        db.execute("INSERT INTO files SELECT * FROM old_files")
        db.execute("UPDATE sites SET last_run = (SELECT substr(max(recorded_at), 1, 19) || '+00:00' "
                   "FROM files WHERE files.site = sites.name)")
        for table in ("articles", "aliases", "dead", "files"):
            db.execute(f"DROP TABLE old_{table}")
        db.execute("PRAGMA user_version = 1")
    db.execute("VACUUM")  # give the space of the old layout back
