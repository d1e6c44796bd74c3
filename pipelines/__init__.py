"""Item pipelines, in the order of data flow (see ITEM_PIPELINES in settings.py):
text → dates → ids → coverage → validate → dedup → state → jsonlines."""
