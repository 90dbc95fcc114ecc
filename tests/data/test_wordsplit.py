"""Word splitting per language (weamlib.data.wordsplit), on hand-worked cases and real lines."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from weamlib.data.wordsplit import SCHEME, scheme, split_sentence, split_words

TATOEBA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "parallel" / "tatoeba_laser_v1"  # fmt: skip
TATOEBA_CODES = ("cmn", "hin", "ara", "tha", "deu", "vie")


# --------------------------------------------------------------------------- schemes


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", "characters"),
        ("cmn", "characters"),
        ("ja", "characters"),
        ("jpn", "characters"),
        ("th", "characters"),
        ("tha", "characters"),
        ("zh-CN", "characters"),
        ("ZH_Hant", "characters"),
        ("en", "moses"),
        ("de", "moses"),
        ("hi", "moses"),
        ("ar", "moses"),
        ("vi", "moses"),
        ("ko", "moses"),
        ("xx", "moses"),
    ],
)
def test_scheme(lang, expected):
    assert scheme(lang) == expected


def test_scheme_table_has_only_known_values():
    assert set(SCHEME.values()) == {"characters"}
    assert {"zh", "cmn", "ja", "jpn", "th", "tha"} <= set(SCHEME)


@pytest.mark.parametrize("bad", ["", "  ", None, 3])
def test_bad_language_code(bad):
    with pytest.raises(ValueError, match="language code"):
        split_words("a b", bad)


# --------------------------------------------------------------------------- hand-worked cases


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Hello, world! It's 3.5 km.",
            "en",
            ["Hello", ",", "world", "!", "It's", "3.5", "km", "."],
        ),
        ("„Ja“, sagte er.", "de", ["„", "Ja", "“", ",", "sagte", "er", "."]),
        ("»Nein«", "de", ["»", "Nein", "«"]),
        ("«Oui», dit-il : l’homme.", "fr", ["«", "Oui", "»", ",", "dit-il", ":", "l’homme", "."]),
        ("我爱北京。ABC 123", "zh", ["我", "爱", "北", "京", "。", "ABC", "123"]),
        ("我爱北京。ABC 123", "cmn", ["我", "爱", "北", "京", "。", "ABC", "123"]),
        ("他说：“好！”", "zh", ["他", "说", "：", "“", "好", "！", "”"]),
        (
            "私はコーヒーが好き。",
            "ja",
            ["私", "は", "コ", "ー", "ヒ", "ー", "が", "好", "き", "。"],
        ),
        ("iPhone15を買った", "jpn", ["iPhone15", "を", "買", "っ", "た"]),
        ("नमस्ते, दुनिया।", "hi", ["नमस्ते", ",", "दुनिया", "।"]),
        ("مرحبا، كيف حالك؟", "ar", ["مرحبا", "،", "كيف", "حالك", "؟"]),
        ("ثلاثة ٣٫٥", "ar", ["ثلاثة", "٣٫٥"]),
        ("Tôi yêu Việt Nam.", "vi", ["Tôi", "yêu", "Việt", "Nam", "."]),
        ("well-known COVID-19 1,000.50", "en", ["well-known", "COVID-19", "1,000.50"]),
        ('students\' (test) "q"', "en", ["students", "'", "(", "test", ")", '"', "q", '"']),
        ("Wait... what?!", "en", ["Wait", "...", "what", "?", "!"]),
        ("a,b 1,x -5 x- 'a", "en", ["a", ",", "b", "1", ",", "x", "-", "5", "x", "-", "'", "a"]),
        (
            "price: $5 + 10% = €5,50",
            "en",
            ["price", ":", "$", "5", "+", "10", "%", "=", "€", "5,50"],
        ),
        ("", "en", []),
        ("   \t ", "zh", []),
    ],
)
def test_hand_worked(text, lang, expected):
    assert split_words(text, lang) == expected


def test_hindi_vowel_signs_stay_with_their_letters():
    tokens = split_words("नमस्ते, दुनिया।", "hi")
    assert tokens[0] == "न" + "म" + "स" + "\u094d" + "त" + "\u0947"  # virama, vowel sign E
    assert tokens[2] == "द" + "\u0941" + "न" + "\u093f" + "य" + "\u093e"
    assert all(not unicodedata.category(t[0]).startswith("M") for t in tokens)


def test_arabic_harakat_stay_with_their_letters():
    text = "كَتَبَ، الوَلَدُ"
    assert split_words(text, "ar") == ["كَتَبَ", "،", "الوَلَدُ"]


def test_thai_characters_keep_their_combining_marks():
    # น้ำ: NO NU + MAI THO (Mn) + SARA AM (Lo); กิน: KO KAI + SARA I (Mn) + NO NU
    assert split_words("น้ำ", "th") == ["น\u0e49", "\u0e33"]
    assert split_words("กินข้าว 2,500 บาท!", "tha") == [
        "กิ", "น", "ข้", "า", "ว", "2,500", "บ", "า", "ท", "!",
    ]  # fmt: skip
    for tok in split_words("ภาษาไทยง่ายนิดเดียว", "th"):
        assert unicodedata.category(tok[0])[0] != "M"
        assert all(unicodedata.category(c) in ("Mn", "Mc") for c in tok[1:])


def test_decomposed_marks_and_joiners_stay_in_words():
    assert split_words("Cafe\u0301, naïve", "fr") == ["Cafe\u0301", ",", "naïve"]
    assert split_words("か\u3099な", "ja") == ["か\u3099", "な"]  # combining dakuten
    zwnj = "می\u200cخواهم."
    assert split_words(zwnj, "fa") == ["می\u200cخواهم", "."]


def test_thai_and_cjk_are_not_split_in_moses_languages():
    assert split_words("我爱北京。", "en") == ["我爱北京", "。"]
    assert split_words("ภาษาไทย", "en") == ["ภาษาไทย"]


# --------------------------------------------------------------------------- split_sentence


def test_split_sentence_joins_with_single_spaces():
    assert split_sentence("  Hello,\tworld!  ", "en") == "Hello , world !"
    assert split_sentence("我爱北京。", "zh") == "我 爱 北 京 。"


def test_split_sentence_refuses_the_separator():
    with pytest.raises(ValueError, match=r"'\|\|\|'"):
        split_sentence("a ||| b", "en")
    assert split_words("a||b|", "en") == ["a", "|", "|", "b", "|"]


def test_non_string_text():
    with pytest.raises(TypeError):
        split_words(None, "en")


# --------------------------------------------------------------------------- properties

SENTENCES = [
    ("en", "Hello, world! It's 3.5 km."),
    ("en", '«Ça va?» — "Yes"... (maybe) [x] {y} 1,000,000 U.S.A. e-mail: a@b.org #tag'),
    ("de", "„Ja“, sagte er; ‚nein‘ – 3,5 % der Bürger."),
    ("zh", "我爱北京天安门。ABC 123，好吗？"),
    ("ja", "東京タワーは３３３ｍです。Ｗｉ－Ｆｉもあります！"),
    ("hi", "नमस्ते, दुनिया। क्या हाल है?"),
    ("ar", "مرحبا، كيف حالك؟ ١٢٣٫٤٥"),
    ("th", "สวัสดีครับ ผมชื่อสมชาย"),
    ("vi", "Tiếng Việt có dấu: ă, â, ê, ô, ơ, ư, đ."),
    ("en", "\u0301odd start, \u200dzwj and \x00 control"),
]


def _tatoeba_lines():
    if not TATOEBA.is_dir():
        return []
    lines = []
    for code in TATOEBA_CODES:
        for suffix in (code, "eng"):
            path = TATOEBA / f"tatoeba.{code}-eng.{suffix}"
            if path.is_file():
                lang = "en" if suffix == "eng" else code
                text = path.read_text(encoding="utf-8")
                lines += [(lang, line) for line in text.split("\n") if line]
    return lines


def _check_properties(lang, text):
    tokens = split_words(text, lang)
    assert "".join(tokens) == "".join(text.split())
    assert all(tok and tok.split() == [tok] for tok in tokens)
    assert all(unicodedata.category(tok[0])[0] != "M" for tok in tokens[1:] if tokens)
    assert split_words(text, lang) == tokens  # deterministic
    if "|||" not in text:
        assert split_sentence(text, lang).split(" ") == (tokens if tokens else [""])
    return tokens


@pytest.mark.parametrize(("lang", "text"), SENTENCES)
def test_round_trip_and_no_empty_tokens(lang, text):
    _check_properties(lang, text)


def test_round_trip_on_real_tatoeba_lines():
    lines = _tatoeba_lines()
    if not lines:
        pytest.skip(f"{TATOEBA} is not present")
    assert {lang for lang, _ in lines} >= {"cmn", "tha"}
    counts = {}
    for lang, text in lines:
        counts[lang] = counts.get(lang, 0) + len(_check_properties(lang, text))
    # character languages give many more words per line than there are spaces
    cmn = [t for lang, t in lines if lang == "cmn"]
    assert counts["cmn"] > sum(len(t.split()) for t in cmn) * 3
