"""Language specs (``data/languages/<code>.yml``) and the lexicons generated from them.

A spec is plain YAML; see ``data/languages/README.md`` for every field. ``load_spec`` checks
it and raises ``ConfigError`` naming the file and the field at fault; ``load_language``
returns a ``Language``: the spec plus a seeded lexicon (one word per concept, affixes and
function words), generated from the spec's syllable inventory and written in its script.
English is special: ``realiser: english`` uses real English words (see ``realise.py``) and
its grammar fields only describe it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from weamlib.core.errors import ConfigError
from weamlib.core.paths import repo_root
from weamlib.synth.meaning import concept_inventory, is_name, name_text
from weamlib.synth.scripts import ALPHABETIC, SCRIPTS, SyllableRenderer, render_letters

CONSTITUENTS = ("S", "V", "O", "IO", "PLACE", "TIME")
AFFIX_POSITIONS = ("suffix", "prefix")
MARKING = ("none", "suffix", "prefix", "particle_before", "particle_after")
CHOICES = {
    "noun_phrase.article": ("none", "word_before", "word_after", "prefix", "suffix"),
    "noun_phrase.adjective": ("before", "after"),
    "noun_phrase.numeral": ("before", "after"),
    "morphology.type": ("isolating", "agglutinative", "fusional"),
    "morphology.plural": ("none", "suffix"),
    "morphology.case": ("none", "suffix"),
    "morphology.tense.past": MARKING,
    "morphology.tense.future": MARKING,
    "morphology.negation": MARKING[1:],
    "adposition": ("preposition", "postposition"),
    "realiser": ("synthetic", "english"),
    "script": SCRIPTS,
}
# Grammatical morphemes that get a form of their own (affix or function word).
GRAMMATICAL = (
    "article",
    "plural",
    "accusative",
    "dative",
    "in",
    "near",
    "past",
    "future",
    "negation",
)
# Content concepts eligible to be cognates of English.
_COGNATE_POS = ("noun", "adjective", "verb", "numeral", "time")


def languages_dir() -> Path:
    """``<repo>/data/languages``: the spec files of the default language set."""
    return repo_root() / "data" / "languages"


def known_languages(spec_dir: Path | None = None) -> list[str]:
    folder = Path(spec_dir) if spec_dir is not None else languages_dir()
    return sorted(p.stem for p in folder.glob("*.yml"))


@dataclass(frozen=True)
class LanguageSpec:
    code: str
    name: str
    echoes: str
    realiser: str
    script: str
    word_order: tuple[str, ...]
    article: str
    adjective: str
    numeral: str
    morph_type: str
    plural: str
    case: str
    tense_past: str
    tense_future: str
    negation: str
    adposition: str
    wh_fronting: bool
    statement_mark: str = "."
    question_mark: str = "?"
    description: str = ""
    lexicon_seed: int = 0
    onsets: tuple[str, ...] = ()
    vowels: tuple[str, ...] = ()
    codas: tuple[str, ...] = ()
    syllables: tuple[int, int] = (1, 1)
    cognate_rate: float = 0.0
    cognate_ending: str = ""
    names: str = "keep"
    source: str = ""  # the file it came from

    @property
    def basic_order(self) -> str:
        """``"SVO"``, ``"SOV"``, ``"VSO"``...: the order of S, V, O in ``word_order``."""
        return "".join(c for c in self.word_order if c in ("S", "V", "O"))

    def to_dict(self) -> dict:
        """The resolved spec as plain values (written to ``languages.json``)."""
        from dataclasses import asdict

        out = asdict(self)
        out["basic_order"] = self.basic_order
        out.pop("source")
        return out


_MISSING = object()


class _Reader:
    """Reads dotted fields from a parsed YAML mapping, raising ConfigError naming them."""

    def __init__(self, data: dict, path: Path):
        self.data, self.path = data, path

    def error(self, name: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: field '{name}': {message}")

    def get(self, name: str, default=_MISSING):
        node = self.data
        for part in name.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is _MISSING:
                    raise self.error(name, "is missing")
                return default
            node = node[part]
        return node

    def choice(self, name: str, default=_MISSING) -> str:
        value = self.get(name, default)
        allowed = CHOICES[name]
        if value not in allowed:
            raise self.error(name, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def string(self, name: str, default=_MISSING) -> str:
        value = self.get(name, default)
        if not isinstance(value, str) or (default is _MISSING and not value):
            raise self.error(name, f"must be a non-empty string, got {value!r}")
        return value

    def strings(self, name: str, allow_empty_items: bool = False) -> tuple[str, ...]:
        value = self.get(name)
        if not isinstance(value, list) or not value:
            raise self.error(name, "must be a non-empty list of strings")
        items = tuple("" if v is None else v for v in value)
        if any(not isinstance(v, str) or (not v and not allow_empty_items) for v in items):
            raise self.error(name, f"must be a list of strings, got {value!r}")
        return items  # repeats are allowed: they weight the choice


def load_spec(path: str | Path) -> LanguageSpec:
    """Parse and validate one spec file; ``ConfigError`` names the file and field at fault."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a language spec must be a mapping of fields")
    r = _Reader(data, path)
    code = r.string("code")
    if code != path.stem:
        raise r.error("code", f"{code!r} must equal the file name {path.stem!r}")
    order = r.get("word_order")
    if not isinstance(order, list) or sorted(order) != sorted(CONSTITUENTS):
        raise r.error(
            "word_order", f"must list each of {', '.join(CONSTITUENTS)} once, got {order!r}"
        )
    wh = r.get("question.wh_fronting")
    if not isinstance(wh, bool):
        raise r.error("question.wh_fronting", f"must be true or false, got {wh!r}")
    fields = dict(
        code=code,
        name=r.string("name"),
        echoes=r.string("echoes"),
        realiser=r.choice("realiser", "synthetic"),
        script=r.choice("script"),
        word_order=tuple(order),
        article=r.choice("noun_phrase.article"),
        adjective=r.choice("noun_phrase.adjective"),
        numeral=r.choice("noun_phrase.numeral"),
        morph_type=r.choice("morphology.type"),
        plural=r.choice("morphology.plural"),
        case=r.choice("morphology.case"),
        tense_past=r.choice("morphology.tense.past"),
        tense_future=r.choice("morphology.tense.future"),
        negation=r.choice("morphology.negation"),
        adposition=r.choice("adposition"),
        wh_fronting=wh,
        statement_mark=r.string("punctuation.statement", "."),
        question_mark=r.string("punctuation.question", "?"),
        description=r.string("description", ""),
        source=str(path),
    )
    if fields["realiser"] == "synthetic":
        fields.update(_lexicon_fields(r, fields))
    return LanguageSpec(**fields)


def _lexicon_fields(r: _Reader, f: dict) -> dict:
    affixed = [
        name
        for name, value in (
            ("noun_phrase.article", f["article"]),
            ("morphology.plural", f["plural"]),
            ("morphology.case", f["case"]),
            ("morphology.tense.past", f["tense_past"]),
            ("morphology.tense.future", f["tense_future"]),
            ("morphology.negation", f["negation"]),
        )
        if value in AFFIX_POSITIONS
    ]
    if f["morph_type"] == "isolating" and affixed:
        raise r.error(affixed[0], "an isolating language has no affixes")
    if f["morph_type"] == "agglutinative" and not affixed:
        raise r.error("morphology.type", "agglutinative but no feature is an affix")
    if f["morph_type"] == "fusional":
        raise r.error("morphology.type", "fusional morphology is only described, for English")
    seed = r.get("lexicon.seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise r.error("lexicon.seed", f"must be an integer, got {seed!r}")
    syl = r.get("lexicon.syllables")
    if (
        not isinstance(syl, list)
        or len(syl) != 2
        or not all(isinstance(s, int) for s in syl)
        or not 1 <= syl[0] <= syl[1] <= 4
    ):
        raise r.error(
            "lexicon.syllables", f"must be [min, max] with 1 <= min <= max <= 4, got {syl!r}"
        )
    rate = r.get("lexicon.cognate_rate")
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise r.error("lexicon.cognate_rate", f"must be a number in [0, 1], got {rate!r}")
    if rate > 0 and f["script"] not in ALPHABETIC:
        raise r.error(
            "lexicon.cognate_rate", f"cognates need an alphabetic script, not {f['script']!r}"
        )
    names = r.get("lexicon.names", "keep" if f["script"] == "latin" else "transliterate")
    if names not in ("keep", "transliterate"):
        raise r.error("lexicon.names", f"{names!r} is not one of keep, transliterate")
    return dict(
        lexicon_seed=seed,
        onsets=r.strings("lexicon.onsets", allow_empty_items=True),
        vowels=r.strings("lexicon.vowels"),
        codas=r.strings("lexicon.codas", allow_empty_items=True),
        syllables=(syl[0], syl[1]),
        cognate_rate=float(rate),
        cognate_ending=r.string("lexicon.cognate_ending", ""),
        names=names,
    )


@dataclass(frozen=True)
class Lexeme:
    form: str  # in the language's script
    roman: str  # romanisation (equal to form for Latin script)


@dataclass
class Language:
    """A spec with its lexicon: ``words[concept]`` and ``grams[morpheme]`` are Lexemes."""

    spec: LanguageSpec
    words: dict[str, Lexeme] = field(default_factory=dict)
    grams: dict[str, Lexeme] = field(default_factory=dict)
    cognates: frozenset[str] = frozenset()

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def is_english(self) -> bool:
        return self.spec.realiser == "english"


def build_lexicon(spec: LanguageSpec) -> Language:
    """Generate the lexicon of a synthetic language (deterministic given the spec)."""
    if spec.realiser == "english":
        return Language(spec)
    rng = random.Random(f"lexicon:{spec.code}:{spec.lexicon_seed}")
    renderer = SyllableRenderer(spec.script, spec.onsets, spec.vowels, spec.codas)
    used: set[str] = set()

    def fresh(n_min: int, n_max: int, what: str) -> Lexeme:
        for _ in range(2000):
            sylls = [
                (rng.choice(spec.onsets), rng.choice(spec.vowels), rng.choice(spec.codas))
                for _ in range(rng.randint(n_min, n_max))
            ]
            form = renderer.word(sylls)
            if form not in used:
                used.add(form)
                return Lexeme(form, "".join(o + v + c for o, v, c in sylls))
        raise ConfigError(
            f"{spec.source}: field 'lexicon': the syllable inventory is too small to give"
            f" {what} a distinct word"
        )

    lang = Language(spec)
    # Grammatical morphemes first (short: one syllable), so content words avoid them.
    for gram in GRAMMATICAL:
        lang.grams[gram] = fresh(1, 1, f"the morpheme {gram!r}")
    cognates = set()
    for pos, concepts in concept_inventory().items():
        for concept in concepts:
            if pos == "name":
                lang.words[concept] = _name_lexeme(concept, spec, fresh, used)
                continue
            if pos in _COGNATE_POS and spec.cognate_rate > 0 and rng.random() < spec.cognate_rate:
                roman = concept.replace("_", "") + spec.cognate_ending
                form = render_letters(roman, spec.script)
                if form not in used:
                    used.add(form)
                    lang.words[concept] = Lexeme(form, roman)
                    cognates.add(concept)
                    continue
            n_min, n_max = (1, 1) if pos == "wh" else spec.syllables
            lang.words[concept] = fresh(n_min, n_max, repr(concept))
    lang.cognates = frozenset(cognates)
    return lang


def _name_lexeme(concept: str, spec: LanguageSpec, fresh, used: set) -> Lexeme:
    assert is_name(concept)
    text = name_text(concept)
    if spec.names == "keep":
        used.add(text)
        return Lexeme(text, text)
    if spec.script in ALPHABETIC:
        form = render_letters(text.lower(), spec.script)
        used.add(form)
        return Lexeme(form, text.lower())
    return fresh(2, 2, repr(concept))


def load_language(code: str, spec_dir: str | Path | None = None) -> Language:
    """The language ``code`` from ``spec_dir`` (default ``data/languages``) with its lexicon."""
    folder = Path(spec_dir) if spec_dir is not None else languages_dir()
    path = folder / f"{code}.yml"
    if not path.is_file():
        known = known_languages(folder)
        raise ConfigError(
            f"unknown language {code!r}: no {path}; known languages: {', '.join(known) or 'none'}"
        )
    return build_lexicon(load_spec(path))
