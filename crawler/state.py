"""What earlier runs wrote, per site: the memory that makes a scheduled run incremental.

A SQLite file (default ./data/state.sqlite). An article is recorded only after the output file
holding its line has been put in place, so a run that dies loses nothing: what it did not
commit, the next run writes. Files committed by a run that died before recording them are
adopted on the next start (`adopt_files`), so nothing is written twice either.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    site TEXT NOT NULL, url TEXT NOT NULL, id TEXT NOT NULL, content TEXT NOT NULL,
    fingerprint TEXT NOT NULL, published_at TEXT, written_at TEXT NOT NULL,
    PRIMARY KEY (site, url)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS articles_content ON articles (site, content);
CREATE TABLE IF NOT EXISTS aliases (
    site TEXT NOT NULL, alias TEXT NOT NULL, url TEXT NOT NULL,
    PRIMARY KEY (site, alias)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, site TEXT, lines INTEGER, recorded_at TEXT);
CREATE TABLE IF NOT EXISTS dead (
    site TEXT NOT NULL, url TEXT NOT NULL, seen_at TEXT NOT NULL,
    PRIMARY KEY (site, url)) WITHOUT ROWID;
"""
# Fields whose change makes a revisited article worth writing again.
VOLATILE = ("crawled_at", "id", "aliases")


Record = tuple[str, str, str, str, "str | None", tuple[str, ...]]


def content_hash(item: dict[str, Any]) -> str:
    text = f"{item.get('title') or ''}\n{item.get('body') or ''}"
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(item: dict[str, Any]) -> str:
    """Everything a consumer sees of an article except when it was crawled."""
    data = {k: v for k, v in dict(item).items() if k not in VOLATILE}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def record_of(item: dict[str, Any]) -> Record:
    """What the state keeps of a written item: small, so a big run holds little in memory."""
    return (item["url"], item["id"], content_hash(item), fingerprint(item), item.get("published_at"),
            tuple(item.get("aliases") or ()))


class State:
    def __init__(self, path: str | Path, revisit_days: float = 7.0, now: datetime | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self.now = now or datetime.now(timezone.utc)
        self.revisit_after = (self.now - timedelta(days=revisit_days)).isoformat()

    def close(self) -> None:
        self.db.close()

    # -- questions a run asks -----------------------------------------------------------------

    def known(self, site: str, url: str) -> dict[str, Any] | None:
        """The recorded article a URL (or one of its aliases) leads to."""
        row = self.db.execute(
            "SELECT a.url, a.content, a.fingerprint, a.published_at FROM aliases l "
            "JOIN articles a ON a.site = l.site AND a.url = l.url WHERE l.site = ? AND l.alias = ?",
            (site, url)).fetchone()
        if row is None:
            return None
        return dict(zip(("url", "content", "fingerprint", "published_at"), row))

    def is_settled(self, site: str, url: str) -> bool:
        """Known and older than the revisit window, or a dead link: no need to fetch it again."""
        article = self.known(site, url)
        if article is None:
            return self.is_dead(site, url)
        published = article["published_at"]
        return published is not None and _utc(published) < self.revisit_after

    def is_dead(self, site: str, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM dead WHERE site = ? AND url = ?", (site, url)).fetchone() is not None

    def content_owner(self, site: str, content: str) -> str | None:
        row = self.db.execute("SELECT url FROM articles WHERE site = ? AND content = ? LIMIT 1",
                              (site, content)).fetchone()
        return row[0] if row else None

    def has_articles(self, site: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE site = ? LIMIT 1", (site,)).fetchone() is not None

    # -- recording what was written -----------------------------------------------------------

    def record(self, site: str, records: Iterable[Record], file: str | Path | None = None) -> int:
        """Remember written articles (after their file is in place), in one transaction."""
        now = datetime.now(timezone.utc).isoformat()
        count = 0
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for url, article_id, content, print_, published_at, aliases in records:
                self.db.execute("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
                                (site, url, article_id, content, print_, published_at, now))
                self.db.executemany("INSERT OR REPLACE INTO aliases VALUES (?, ?, ?)",
                                    [(site, alias, url) for alias in {url, *aliases}])
                count += 1
            if file is not None:
                self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                                (str(Path(file).resolve()), site, count, now))
        return count

    def record_links(self, site: str, aliases: dict[str, str], dead: Iterable[str]) -> None:
        """Redirecting links as aliases of the article they lead to, and links that are gone."""
        now = datetime.now(timezone.utc).isoformat()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for source, target in aliases.items():
                self.db.execute(
                    "INSERT OR IGNORE INTO aliases SELECT site, ?, url FROM aliases WHERE site = ? AND alias = ?",
                    (source, site, target))
            self.db.executemany("INSERT OR REPLACE INTO dead VALUES (?, ?, ?)", [(site, u, now) for u in dead])

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
        with self.db:
            n = self.db.execute("DELETE FROM articles WHERE site = ?", (site,)).rowcount
            self.db.execute("DELETE FROM aliases WHERE site = ?", (site,))
            self.db.execute("DELETE FROM files WHERE site = ?", (site,))
            self.db.execute("DELETE FROM dead WHERE site = ?", (site,))
        return n


def _utc(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(timezone.utc).isoformat()
