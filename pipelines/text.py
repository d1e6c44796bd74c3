"""Text normalization of every text field and image caption (crawler.text does the work)."""
from __future__ import annotations

from crawler.items import TEXT_FIELDS
from crawler.text import clean_text
from pipelines.base import SitePipeline


class TextPipeline(SitePipeline):
    def process_item(self, item):
        language = item.get("language")
        for name in TEXT_FIELDS:
            if name in item:
                item[name] = clean_text(item[name], language)
        for image in item.get("images") or []:
            image["caption"] = clean_text(image.get("caption"), language)
        return item
