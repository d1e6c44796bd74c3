"""The last gate before output: required fields present and the line matching the JSON Schema.

The schema is compiled once into Python code (fastjsonschema): checking a line costs ~0.05 ms
instead of jsonschema's ~0.7 ms, which was a quarter of the CPU of an extraction from archives
and a sixth of a crawl's (BENCHMARKS.md). A line the compiled check refuses is explained by
jsonschema (the reference validator, which the tests also use), so a drop names the field as
before; tests/test_pipelines.py checks that the two agree on valid and broken lines.
"""
from __future__ import annotations

import fastjsonschema
from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator

from crawler.items import as_line, schema
from pipelines.base import SitePipeline

REQUIRED = ("url", "title", "published_at", "body")


def remember_dropped(spider: object, item: dict, reason: str) -> None:
    """Note a page dropped for a missing field on the spider's link notes, for the state to
    remember (crawler.state.record_links): an incremental run does not fetch it again every
    night (where it would be dropped, and counted against the layout alarm, again)."""
    notes = getattr(getattr(spider, "links", None), "dropped", None)
    url = ItemAdapter(item).get("url")
    if notes is not None and url:
        notes[url] = reason


def compiled_check():
    """The contract schema compiled to a function that raises JsonSchemaValueException."""
    return fastjsonschema.compile(schema())


class ValidatePipeline(SitePipeline):
    def open_spider(self):
        self.check = compiled_check()
        self.validator = Draft202012Validator(schema())

    def process_item(self, item):
        adapter = ItemAdapter(item)
        for name in REQUIRED:
            if not adapter.get(name):
                remember_dropped(self.spider, item, f"missing_{name}")
                raise self.drop(f"missing_{name}", item)
        line = as_line(item)
        try:
            self.check(line)
        except fastjsonschema.JsonSchemaValueException as exc:
            error = next(iter(self.validator.iter_errors(line)), None)
            if error is None:  # the two disagree (the tests say they do not): the compiled one's word
                where, message = "/".join(str(p) for p in exc.path[1:]) or "item", exc.message
            else:
                where, message = "/".join(str(p) for p in error.absolute_path) or "item", error.message
            raise self.drop("contract_break", item, f"{where}: {message[:200]}")
        return item
