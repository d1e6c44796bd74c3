"""Property tests of the pure parts: they never raise on arbitrary input and are idempotent.

The date reader's properties are in tests/test_dates_properties.py."""
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.text import clean_text
from crawler.urls import canonical_url


@settings(max_examples=500)
@given(text=st.text(), language=st.sampled_from(["fa", "vi", "kk"]))
def test_text_normalization_is_idempotent_and_clean(text, language):
    once = clean_text(text, language)
    assert clean_text(once, language) == once
    if once is not None:
        assert once == once.strip() and "  " not in once and "\u00a0" not in once
        assert not any(c in once for c in "\x00\x1b\u200e\u200f\u202b")


hosts = st.sampled_from(["gilan.iranpl.ir", "chb.iranpl.ir", "thuvienhanam.gov.vn", "kitapkhana.kz"])
segments = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                                   blacklist_characters="?#/%"), max_size=12),
                    max_size=4)
queries = st.lists(st.tuples(st.sampled_from(["page", "newsid", "utm_source", "q"]),
                             st.text(alphabet="abc123", max_size=4)), max_size=3)


@settings(max_examples=300)
@given(host=hosts, path=segments, query=queries, fragment=st.text(alphabet="abc#", max_size=5))
def test_canonical_url_is_idempotent_and_keeps_the_host(host, path, query, fragment):
    url = f"https://{host}/" + "/".join(path)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query)
    if fragment:
        url += "#" + fragment
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert urlsplit(once).hostname == host
    assert "#" not in once and "utm_" not in urlsplit(once).query
