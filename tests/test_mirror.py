"""The mirror map file: what it accepts, what it refuses with a clear error, how URLs map."""
from __future__ import annotations

import json

import pytest

from crawler.mirror import MirrorMap, MirrorMapError


def write(tmp_path, content: str):
    path = tmp_path / "m.json"
    path.write_text(content, encoding="utf-8")
    return path


def test_a_good_map_loads_and_maps_each_origin(tmp_path):
    path = write(tmp_path, json.dumps({"https://kitapkhana.kz": "http://127.0.0.1:8704/",
                                       "HTTP://ThuVienHaNam.gov.vn": "http://127.0.0.1:8705"}))
    mirror = MirrorMap.load(path)
    assert mirror
    assert mirror.to_mirror("https://kitapkhana.kz/kz/news/?page=2") == "http://127.0.0.1:8704/kz/news/?page=2"
    assert mirror.to_mirror("http://thuvienhanam.gov.vn") == "http://127.0.0.1:8705/"
    assert mirror.to_mirror("http://thuvienhanam.gov.vn/a.html#x") == "http://127.0.0.1:8705/a.html"
    assert mirror.to_mirror("https://thuvienhanam.gov.vn/a.html") == "https://thuvienhanam.gov.vn/a.html"  # other scheme
    assert mirror.to_mirror("https://kitapkhana.kz:8443/a") == "https://kitapkhana.kz:8443/a"  # other port


@pytest.mark.parametrize("content, message", [
    ("{not json", "cannot read mirror map"),
    ('["https://kitapkhana.kz"]', "must be a JSON object"),
    ('{"https://kitapkhana.kz": 8704}', "must be a JSON object"),
    ('{"kitapkhana.kz": "http://127.0.0.1:8704"}', "must be a JSON object"),
    ('{"https://kitapkhana.kz": "127.0.0.1:8704"}', "must be a JSON object"),
])
def test_a_bad_map_is_refused_with_the_reason(tmp_path, content, message):
    with pytest.raises(MirrorMapError, match=message):
        MirrorMap.load(write(tmp_path, content))


def test_a_missing_map_is_refused(tmp_path):
    with pytest.raises(MirrorMapError, match="cannot read mirror map"):
        MirrorMap.load(tmp_path / "nowhere.json")


def test_an_empty_map_maps_nothing(tmp_path):
    mirror = MirrorMap.load(write(tmp_path, "{}"))
    assert not mirror and not MirrorMap()
    assert mirror.to_mirror("https://kitapkhana.kz/") == "https://kitapkhana.kz/"
