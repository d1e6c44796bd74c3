"""Text normalization of every text field and image caption (crawler.text does the work)."""
from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.items import TEXT_FIELDS
from crawler.text import clean_text
from pipelines.base import SitePipeline


class TextPipeline(SitePipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        language = adapter.get("language")
        for name in TEXT_FIELDS:
            if name in adapter:
                adapter[name] = clean_text(adapter[name], language)
        for image in adapter.get("images") or []:
            image["caption"] = clean_text(image.get("caption"), language)
        return item
