"""The last gate before output: required fields present and the line matching the JSON Schema."""
from __future__ import annotations

from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator

from crawler.items import as_line, schema
from pipelines.base import SitePipeline

REQUIRED = ("url", "title", "published_at", "body")


class ValidatePipeline(SitePipeline):
    def open_spider(self):
        self.validator = Draft202012Validator(schema())

    def process_item(self, item):
        adapter = ItemAdapter(item)
        for name in REQUIRED:
            if not adapter.get(name):
                raise self.drop(f"missing_{name}", item)
        error = next(iter(self.validator.iter_errors(as_line(item))), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "item"
            raise self.drop("contract_break", item, f"{where}: {error.message[:200]}")
        return item
