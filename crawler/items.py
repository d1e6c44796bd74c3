"""The article item: the data contract of one JSON Lines output line, defined once.

`FIELDS` is the order of keys in the output; `article.schema.json` beside this module is the
same contract as a JSON Schema, which the tests validate written output against.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import scrapy
from itemadapter import ItemAdapter

FIELDS = (
    "id", "site", "url", "language", "title", "kicker", "lead", "body", "published_at",
    "date_raw", "author", "category", "images", "comment_count", "view_count", "crawled_at", "run",
)
TEXT_FIELDS = ("title", "kicker", "lead", "body", "author", "category", "date_raw")
REQUIRED = ("url", "title", "published_at")
SCHEMA_PATH = Path(__file__).with_name("article.schema.json")


class ArticleItem(scrapy.Item):
    id = scrapy.Field()
    site = scrapy.Field()
    url = scrapy.Field()
    language = scrapy.Field()
    title = scrapy.Field()
    kicker = scrapy.Field()
    lead = scrapy.Field()
    body = scrapy.Field()
    published_at = scrapy.Field()
    date_raw = scrapy.Field()
    author = scrapy.Field()
    category = scrapy.Field()
    images = scrapy.Field()
    comment_count = scrapy.Field()
    view_count = scrapy.Field()
    crawled_at = scrapy.Field()
    #: the run that wrote the line (its UTC start, as its file name): per id, the greatest is current
    run = scrapy.Field()
    #: not in the output: every canonical URL that led to the article (for incremental runs)
    aliases = scrapy.Field()
    #: not in the output: the canonical URL the page was fetched at (where its own name is
    #: shared with another article, the item falls back to it: pipelines/dedup.py)
    fetched = scrapy.Field()
    #: not in the output: the publication moment the markup carries (a <time datetime>, a meta),
    #: ISO 8601 with offset; the dates pipeline takes its time where the printed date has none
    published_moment = scrapy.Field()




def as_line(item: Any) -> dict[str, Any]:
    """The output object: every contract field, in contract order, missing ones as null (any item
    type Scrapy supports: read through ItemAdapter)."""
    # shallow: asdict() copies nested images too, 20x the cost
    data = item if isinstance(item, ItemAdapter) else ItemAdapter(item)
    line = {name: data.get(name) for name in FIELDS}
    if line["images"] is None:
        line["images"] = []
    return line


# Characters that str.splitlines() and some JSON Lines readers take for line ends; json leaves
# them raw when not escaping ASCII, so they are escaped here.
_LINE_BREAKERS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def dumps(item: Any) -> str:
    """One JSON Lines line (without the newline): UTF-8 text, not ASCII-escaped, one line whatever
    the text holds."""
    return json.dumps(as_line(item), ensure_ascii=False, separators=(",", ":")).translate(_LINE_BREAKERS)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
