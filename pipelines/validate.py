"""The last gate before output: required fields present and the line matching the JSON Schema."""
from __future__ import annotations

from jsonschema import Draft202012Validator

from crawler.items import as_line, schema
from pipelines.base import SitePipeline

REQUIRED = ("url", "title", "published_at", "body")


def remember_dropped(spider: object, item: dict, reason: str) -> None:
    """Note a page dropped for a missing field on the spider's link notes, for the state to
    remember (crawler.state.record_links): an incremental run does not fetch it again every
    night (where it would be dropped, and counted against the layout alarm, again)."""
    notes = getattr(getattr(spider, "links", None), "dropped", None)
    if notes is not None and item.get("url"):
        notes[item["url"]] = reason


class ValidatePipeline(SitePipeline):
    def open_spider(self):
        self.validator = Draft202012Validator(schema())

    def process_item(self, item):
        for name in REQUIRED:
            if not item.get(name):
                remember_dropped(self.spider, item, f"missing_{name}")
                raise self.drop(f"missing_{name}", item)
        error = next(iter(self.validator.iter_errors(as_line(item))), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "item"
            raise self.drop("contract_break", item, f"{where}: {error.message[:200]}")
        return item
