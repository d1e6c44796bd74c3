"""Property tests of the pure parts, each against an oracle that does not use the code under
test: the letters that go in come out, clean text stays as it is, joiners survive, URLs keep their
path and real parameters; and they never raise on arbitrary input and are idempotent."""
import unicodedata
from urllib.parse import parse_qsl, unquote, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from crawler.text import clean_text
from crawler.urls import canonical_url


@given(text=st.text(), language=st.sampled_from(["fa", "vi", "kk", "ru"]))
def test_text_normalization_is_idempotent_and_clean(text, language):
    once = clean_text(text, language)
    assert clean_text(once, language) == once
    if once is not None:
        assert once == once.strip() and "  " not in once and "\u00a0" not in once
        assert not any(c in once for c in "\x00\x1b\u200e\u200f\u202b")


# the Persian letter fix the README promises, as a table of its own: Arabic yeh, kaf, alef maksura
PERSIAN = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9", "\u0649": "\u06cc"})


def letters(text: str) -> list[str]:
    """The letters, marks and digits of a text: what cleaning must never add, drop or reorder."""
    return [c for c in text if unicodedata.category(c)[0] in "LMN"]


@given(text=st.text(), language=st.sampled_from(["fa", "vi", "kk", "ru"]))
def test_cleaning_keeps_every_letter_in_order(text, language):
    want = unicodedata.normalize("NFC", text)
    if language == "fa":
        want = want.translate(PERSIAN)
    assert letters(clean_text(text, language) or "") == letters(want)


persian_words = st.lists(st.text(alphabet="ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيك", min_size=1, max_size=6),
                         min_size=2, max_size=5)


@given(words=persian_words, spaced=st.booleans())
def test_zero_width_non_joiners_survive_cleaning(words, spaced):
    """کتاب‌خانه: the ZWNJ inside a word is spelling, not a space, and is kept between letters."""
    text = "\u200c".join(words)
    if spaced:
        text = f"  {text}\u00a0 {text} "
    out = clean_text(text, "fa")
    assert out.count("\u200c") == text.count("\u200c")
    assert out.replace("\u200c", "").replace(" ", "") == "".join(words * (2 if spaced else 1)).translate(PERSIAN)


clean_words = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Lo", "Nd")), min_size=1, max_size=8)
clean_paragraphs = st.lists(st.lists(clean_words, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=4)


@given(paragraphs=clean_paragraphs, language=st.sampled_from(["vi", "kk", "ru"]))
def test_clean_text_is_left_as_it_is(paragraphs, language):
    """Already clean text (words, single spaces, paragraphs a blank line apart) comes out unchanged."""
    text = unicodedata.normalize("NFC", "\n\n".join(paragraphs))
    assert clean_text(text, language) == text


@given(paragraphs=clean_paragraphs, junk=st.sampled_from([" ", "\u00a0", "\t", "\u200e", "\u200f", "\u202b", "\x1b"]))
def test_paragraph_structure_survives_stray_spaces_and_marks(paragraphs, junk):
    text = "\n\n\n".join(f"{junk}{p.replace(' ', junk + ' ')}{junk}" for p in paragraphs)
    out = clean_text(text, "vi")
    assert out.split("\n\n") == [unicodedata.normalize("NFC", p) for p in paragraphs]


hosts = st.sampled_from(["gilan.iranpl.ir", "chb.iranpl.ir", "thuvienhanam.gov.vn", "kitapkhana.kz"])
# no backslash: browsers (and w3lib, after WHATWG) read it as a slash in http(s) URLs; no ";":
# w3lib reads it as the start of path parameters and drops empty ones (/a; is /a); no "." or ".."
# segments: they are resolved (RFC 3986 dot-segment removal), as a browser does
segments = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                                   blacklist_characters="?#/%\\;"), max_size=12)
                    .filter(lambda s: s.strip() not in (".", "..")), max_size=4)
queries = st.lists(st.tuples(st.sampled_from(["page", "newsid", "utm_source", "q"]),
                             st.text(alphabet="abc123", max_size=4)), max_size=3)


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
    # the oracle: the path as written, and the real parameters (in w3lib's sorted order), kept
    written = "/" + "/".join(path)
    if not query and not fragment:
        written = written.rstrip()  # spaces at the very end of a URL are not part of it
    assert unquote(urlsplit(once).path) == written
    real = sorted((k, v) for k, v in query if not k.startswith("utm_"))
    assert parse_qsl(urlsplit(once).query, keep_blank_values=True) == real
