"""Incremental runs: skip what earlier runs wrote unless it changed since, and what is too old.

Runs only when the spider was given a state (the CLI does, unless the run is one-off); with
--full the state is still written to but never consulted.
"""
from __future__ import annotations

from datetime import datetime

from itemadapter import ItemAdapter

from crawler.state import content_hash, fingerprint
from pipelines.base import SitePipeline


class IncrementalPipeline(SitePipeline):
    def process_item(self, item):
        since: datetime | None = getattr(self.spider, "since", None)
        adapter = ItemAdapter(item)
        if since is not None and datetime.fromisoformat(adapter["published_at"]) < since:
            raise self.drop("older_than_since", item)
        if not self.spider.is_incremental:
            return item
        state = self.spider.state
        known = state.known(adapter["site"], adapter["url"])
        if known is not None:
            if known["fingerprint"] == fingerprint(item):
                raise self.drop("unchanged", item)
            self.stats.inc_value("incremental/changed")
            return item
        owner = state.content_owner(adapter["site"], content_hash(item))
        if owner is not None and owner != adapter["url"]:
            raise self.drop("duplicate_content", item, f"written before as {owner}")
        return item
