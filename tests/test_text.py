"""Normalization on real Persian, Vietnamese and Kazakh text (seed pages), NFD input included."""
import unicodedata

from crawler.text import ascii_digits, clean_line, clean_text, join_paragraphs, parse_count

VI = ("Thực hiện Chương trình công tác năm 2017, sự chỉ đạo của Sở Văn hoá, Thể thao và Du lịch "
      "tại Công văn số 700/SVHTTDL-VP ngày 20/11/2017")
FA_ARABIC_LETTERS = "اخبار برگزيده كتابخانه‌هاي عمومي"  # as the Gilan CMS writes it
FA = "اخبار برگزیده کتابخانه‌های عمومی"


def test_decomposed_vietnamese_comes_out_composed():
    nfd = unicodedata.normalize("NFD", VI)
    assert nfd != VI
    assert clean_text(nfd, "vi") == VI


def test_persian_letters_and_zwnj_kept():
    out = clean_text(FA_ARABIC_LETTERS, "fa")
    assert out == FA
    assert "\u200c" in out and "ي" not in out and "ك" not in out


def test_arabic_letters_stay_on_non_persian_sites():
    assert clean_text("كتاب", "kk") == "كتاب"


def test_direction_marks_removed_but_joiners_kept():
    text = "\u202bکتاب\u200cخانه\u200f عمومی\u200e\u202c"
    assert clean_text(text, "fa") == "کتاب\u200cخانه عمومی"


def test_word_paste_spaces_collapse_and_paragraphs_join_by_one_blank_line():
    pasted = "  Thư viện\u00a0\u00a0 tỉnh\u00a0Hà Nam \n\n\n\u00a0\n  tổ chức   Hội nghị  \r\n"
    assert clean_text(pasted, "vi") == "Thư viện tỉnh Hà Nam\n\ntổ chức Hội nghị"


def test_a_single_line_break_inside_a_paragraph_is_a_space():
    assert clean_text("Облыстық\nкітапхана", "kk") == "Облыстық кітапхана"


def test_empty_text_is_none():
    assert clean_text(" \u00a0 \n\n ", "vi") is None
    assert clean_text(None, "fa") is None


def test_controls_never_reach_the_output():
    assert clean_line("a\x00b\x1bc\u2028d") == "a b c d"


def test_join_paragraphs_drops_empty_spacers():
    assert join_paragraphs(["Một", "\u00a0", "", " Hai "]) == "Một\n\nHai"


def test_counts_with_separators_and_persian_digits():
    assert parse_count("1 245 қарау") == 1245
    assert parse_count("Lượt xem: 1.245") == 1245
    assert parse_count("بازدید: ۱۲۳۴") == 1234
    assert parse_count("نظرات (۳)") == 3
    assert parse_count("no number") is None


def test_ascii_digits():
    assert ascii_digits("۱۴۰۳/۰۵/۱۲ ١٤") == "1403/05/12 14"


def test_arabic_thousands_separator_in_counts():
    assert parse_count("بازدید: ۱٬۲۴۵") == 1245
    assert parse_count("۱٬۰۰۰٬۰۰۰") == 1000000


def test_a_lone_carriage_return_is_a_space_never_kept():
    assert clean_line("Thư viện\rHà Nam") == "Thư viện Hà Nam"
    assert clean_text("Một\rHai\r\n\r\nBa", "vi") == "Một Hai\n\nBa"
