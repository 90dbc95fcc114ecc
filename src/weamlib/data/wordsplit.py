"""Word splitting before word alignment, suited to each language's script.

Word aligners (eflomal, FastAlign, awesome-align style extraction) align *words*:
space-separated tokens of a ``src ||| tgt`` line. Raw sentences must first be split
into words, and what a word is depends on the script:

* ``"moses"`` (every language not listed in :data:`SCHEME`: English, German, Hindi,
  Arabic, Vietnamese, ...): Moses-style tokenisation. The text is split on whitespace,
  then punctuation and symbols (Unicode categories ``P*`` and ``S*``) are split off the
  words, except where they sit inside a word or number: an apostrophe between letters
  (``It's``, ``l'homme``), a hyphen between letters or digits (``well-known``,
  ``COVID-19``), a period between letters or digits (``3.5``, ``www.example.org``), a
  comma or Arabic decimal / thousands separator between digits (``1,000``, ``٣٫٥``).
  A run of periods (``...``) stays one token. Unlike Moses proper, English clitics
  are not split (``It's`` stays whole) and there are no per-language non-breaking
  prefixes (``U.S.`` gives ``U.S`` and ``.``).
* ``"characters"`` (``zh``, ``ja``, ``th`` and their ISO 639-2/3 aliases): these scripts
  write no spaces between words and no segmenter is available offline, so every CJK
  ideograph, kana and Thai character is a word of its own. mBERT's tokenizer makes the
  same choice for CJK ideographs (it keeps kana runs together; here kana are split too,
  as the Chinese and Japanese gold alignment sets count characters). Runs of other
  letters and digits (Latin words, numbers) stay together, by the rules above, and
  punctuation is split off.

In both schemes a combining mark (categories ``Mn``, ``Mc``, ``Me``: Devanagari and
Thai vowel signs, Arabic harakat, viramas, dakuten) and a format character (``Cf``:
zero-width joiners) always stay with the character before them. Nothing is dropped,
normalised or reordered: ``"".join(split_words(text, lang))`` equals the text with its
whitespace (``str.split``) removed, and no token is empty. Pure standard library;
deterministic.
"""

from __future__ import annotations

import unicodedata

from weamlib.core.errors import ConfigError

MOSES = "moses"
CHARACTERS = "characters"

# Languages whose words are characters; every other language is "moses". Keys are
# ISO 639-1 codes and their ISO 639-2/3 aliases (as in the Tatoeba file names).
SCHEME = {
    "zh": CHARACTERS,  # Chinese: no spaces; one word per ideograph
    "zho": CHARACTERS,
    "chi": CHARACTERS,
    "cmn": CHARACTERS,  # Mandarin (Tatoeba's code)
    "ja": CHARACTERS,  # Japanese: no spaces; one word per ideograph / kana
    "jpn": CHARACTERS,
    "th": CHARACTERS,  # Thai: no spaces between words; no offline segmenter
    "tha": CHARACTERS,
}

SEPARATOR = "|||"

_APOSTROPHES = frozenset("'\u2019")  # ' and ’ (ʼ U+02BC is a letter already)
_HYPHENS = frozenset("-\u2010\u2011")  # -, hyphen, non-breaking hyphen
_DIGIT_SEPARATORS = frozenset(",\u066b\u066c")  # comma, Arabic decimal / thousands separator

# Scripts written without spaces whose letters are words of their own in the
# "characters" scheme: (first, last) code points.
_CHARACTER_RANGES = (
    (0x0E00, 0x0E7F),  # Thai
    (0x2E80, 0x2FDF),  # CJK radicals supplement, Kangxi radicals
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3031, 0x3035),  # kana repeat marks
    (0x303B, 0x303C),  # 〻 〼
    (0x3040, 0x30FF),  # hiragana, katakana (with ー and the iteration marks)
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width katakana
    (0x1B000, 0x1B16F),  # kana supplement / extended-A, small kana extension
    (0x20000, 0x3134F),  # CJK extensions B-G, compatibility supplement
)


def _normalise(lang: str) -> str:
    if not isinstance(lang, str) or not lang.strip():
        raise ConfigError(f"language code must be a non-empty string, got {lang!r}")
    # "zh-CN", "zh_Hant", "JA" -> "zh", "zh", "ja"
    return lang.strip().lower().replace("_", "-").split("-")[0]


def scheme(lang: str) -> str:
    """``"characters"`` for languages written without spaces (see :data:`SCHEME`),
    ``"moses"`` for all others. Region or script subtags are ignored (``zh-CN``)."""
    return SCHEME.get(_normalise(lang), MOSES)


def _is_character_word(ch: str) -> bool:
    """A letter of a script whose words are characters (CJK, kana, Thai)."""
    cp = ord(ch)
    if not any(lo <= cp <= hi for lo, hi in _CHARACTER_RANGES):
        return False
    # Thai digits stay in numbers; Thai/CJK punctuation is split off as punctuation.
    return unicodedata.category(ch)[0] == "L" or unicodedata.category(ch) == "Nl"


def _attaches(cat: str) -> bool:
    """Combining marks and format characters stay with the character before them."""
    return cat[0] == "M" or cat == "Cf"


def _last_base(chars: list[str]) -> str:
    """Category of the last character of a word that is not a mark or format character."""
    for ch in reversed(chars):
        cat = unicodedata.category(ch)
        if not _attaches(cat):
            return cat
    return ""


def _split_chunk(chunk: str, characters: bool) -> list[str]:
    """One whitespace-free chunk -> tokens."""
    tokens: list[str] = []
    word: list[str] = []  # the letter/digit run being built

    def flush() -> None:
        if word:
            tokens.append("".join(word))
            word.clear()

    i, n = 0, len(chunk)
    while i < n:
        ch = chunk[i]
        cat = unicodedata.category(ch)
        if _attaches(cat):
            if word:
                word.append(ch)
            elif tokens:
                tokens[-1] += ch
            else:  # a mark that opens the chunk has no base: it opens a word
                word.append(ch)
        elif characters and _is_character_word(ch):
            flush()
            tokens.append(ch)
        elif cat[0] in "LN" or _joins(ch, word, chunk[i + 1 : i + 2], characters):
            word.append(ch)
        elif ch == "." and i + 1 < n and chunk[i + 1] == ".":
            flush()
            j = i
            while j < n and chunk[j] == ".":
                j += 1
            tokens.append(chunk[i:j])
            i = j
            continue
        else:  # punctuation, symbol, other: a token of its own
            flush()
            tokens.append(ch)
        i += 1
    flush()
    return tokens


def _joins(ch: str, word: list[str], nxt: str, characters: bool) -> bool:
    """Whether punctuation ``ch``, between the word built so far and the next character
    ``nxt`` ("" at the end of the chunk), belongs to the word (``It's``, ``3.5``)."""
    if not word or not nxt:
        return False
    after = unicodedata.category(nxt)
    if after[0] not in "LN" or (characters and _is_character_word(nxt)):
        return False  # the next character does not continue the word
    before = _last_base(word)
    if ch in _APOSTROPHES:
        return before[:1] == "L" and after[0] == "L"
    if ch in _HYPHENS or ch == ".":
        return before[:1] in ("L", "N")
    if ch in _DIGIT_SEPARATORS:
        return before == "Nd" and after == "Nd"
    return False


def split_words(text: str, lang: str) -> list[str]:
    """The words of ``text`` in language ``lang`` (see the module doc for the rules).

    >>> split_words("Hello, world! It's 3.5 km.", "en")
    ['Hello', ',', 'world', '!', "It's", '3.5', 'km', '.']
    >>> split_words("我爱北京。ABC 123", "zh")
    ['我', '爱', '北', '京', '。', 'ABC', '123']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    characters = scheme(lang) == CHARACTERS
    tokens: list[str] = []
    for chunk in text.split():
        tokens.extend(_split_chunk(chunk, characters))
    return tokens


def split_sentence(text: str, lang: str) -> str:
    """:func:`split_words` joined by single spaces: one side of a ``src ||| tgt`` line.

    Raises ValueError (ConfigError) if ``text`` contains ``|||``, the separator of the
    parallel format, which no sentence may hold.
    """
    if isinstance(text, str) and SEPARATOR in text:
        raise ConfigError(
            f"text contains {SEPARATOR!r}, the source/target separator of the parallel"
            f" format: {text[:80]!r}"
        )
    return " ".join(split_words(text, lang))
