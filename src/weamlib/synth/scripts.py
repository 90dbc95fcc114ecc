"""Writing systems: render a romanised syllable sequence in a Latin or non-Latin script.

Words are built as syllables ``(onset, vowel, coda)`` of romanised letters. Alphabetic
scripts (Greek, Cyrillic, Arabic, Devanagari-like) map letter by letter; Hangul composes one
block per syllable; ``cjk`` gives each distinct syllable its own ideograph. Rendering is
compositional (the rendering of a concatenation is the concatenation of renderings), so
suffixes can be rendered apart and glued on.
"""

from __future__ import annotations

import unicodedata

SCRIPTS = ("latin", "greek", "cyrillic", "arabic", "devanagari", "hangul", "cjk")
# Scripts whose words can be spelled from arbitrary romanised strings (cognates, names).
ALPHABETIC = ("latin", "greek", "cyrillic", "arabic", "devanagari")

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_TABLES = {
    "greek": "αβψδεφγηιξκλμνοπθρστυωϝχυζ",
    "cyrillic": "абцдефгхийклмнопщрстувшжыз",
    "arabic": "ابصدىفغحيجكلمنوپقرستءوشخيز",
}
_MAPS = {name: dict(zip(_LETTERS, table, strict=True)) for name, table in _TABLES.items()}
_MAPS["devanagari"] = {  # one letter per romanised letter, multi-codepoint values allowed
    "a": "अ",
    "b": "ब",
    "c": "छ",
    "d": "द",
    "e": "ए",
    "f": "फ",
    "g": "ग",
    "h": "ह",
    "i": "इ",
    "j": "ज",
    "k": "क",
    "l": "ल",
    "m": "म",
    "n": "न",
    "o": "ओ",
    "p": "प",
    "q": "क़",
    "r": "र",
    "s": "स",
    "t": "त",
    "u": "उ",
    "v": "व",
    "w": "श",
    "x": "ख़",
    "y": "य",
    "z": "ज़",
}
CJK_BASE, CJK_SIZE, CJK_STRIDE = 0x4E00, 20902, 11  # stride coprime with size: no collisions
HANGUL_BASE = 0xAC00


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def render_letters(roman: str, script: str) -> str:
    """Letter-by-letter rendering for alphabetic scripts (accents dropped outside Latin)."""
    if script == "latin":
        return roman
    table = _MAPS[script]
    return "".join(table.get(c, c) for c in strip_accents(roman).lower())


class SyllableRenderer:
    """Renders syllables of one language's inventory in its script.

    ``onsets``/``vowels``/``codas`` fix the index of each part for Hangul composition and
    the ideograph of each syllable for ``cjk``.
    """

    def __init__(self, script: str, onsets, vowels, codas):
        if script not in SCRIPTS:
            raise ValueError(f"unknown script {script!r}; known: {', '.join(SCRIPTS)}")
        self.script = script
        self.onsets, self.vowels, self.codas = list(onsets), list(vowels), list(codas)

    def syllable(self, onset: str, vowel: str, coda: str) -> str:
        if self.script in _MAPS or self.script == "latin":
            return render_letters(onset + vowel + coda, self.script)
        o, v, c = self.onsets.index(onset), self.vowels.index(vowel), self.codas.index(coda)
        if self.script == "hangul":
            return chr(HANGUL_BASE + ((o % 19) * 21 + (v % 21)) * 28 + (c % 28))
        # cjk: enumerate the syllable space and spread it over the ideograph block
        index = (o * len(self.vowels) + v) * len(self.codas) + c
        return chr(CJK_BASE + (index * CJK_STRIDE) % CJK_SIZE)

    def word(self, syllables) -> str:
        return "".join(self.syllable(*s) for s in syllables)
