"""Realisation: a meaning becomes a list of Tokens in one language.

Every ``Token`` carries the set of **meaning elements** it realises, so gold alignments
are read off the realisations instead of being guessed. Elements are named by role:

* a noun phrase in role R (``agent``, ``patient``, ``recipient``, ``place``): its head
  noun or name is ``R``, its article ``R.det``, its numeral ``R.num``, each adjective
  ``R.attr.<dimension>``; its case marker (a ``to``/dative word or a case suffix) is
  ``R.case``; the place relation (``in``/``near``, a word or a suffix) is ``place.rel``;
* the verb is ``verb``, its tense ``tense`` (an English auxiliary ``did``/``will``, a
  particle, an affix, or English's past form), negation ``neg``; a time adverb ``time``;
  sentence punctuation ``punct``.

A word that fuses several morphemes carries all their elements (``park+LOC`` realises
``place`` and ``place.rel``). **Alignment convention:** an English word and a word of the
other language are linked iff their element sets intersect. So content words link to
content words; an affix links its host word to the English function word that expresses
the same morpheme (``in``, ``to``, ``the``, ``will``, ``not``), which gives one-to-many links
for agglutinative languages; a morpheme with no counterpart leaves its word unlinked
(English ``the`` in a language without articles, an accusative suffix in English).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from weamlib.synth.language import Language
from weamlib.synth.meaning import (
    DIMENSION_ORDER,
    DIMENSIONS,
    NAMES,
    NOUNS,
    NUMBERS,
    Entity,
    Event,
    Question,
    is_name,
    name_text,
    plural,
)
from weamlib.synth.scripts import render_letters

ROLE_SLOT = {"agent": "S", "patient": "O", "recipient": "IO", "place": "PLACE", "time": "TIME"}
EN_PAST = {
    "run": "ran",
    "sleep": "slept",
    "sing": "sang",
    "swim": "swam",
    "laugh": "laughed",
    "walk": "walked",
    "dance": "danced",
    "see": "saw",
    "find": "found",
    "carry": "carried",
    "buy": "bought",
    "chase": "chased",
    "follow": "followed",
    "watch": "watched",
    "hold": "held",
    "give": "gave",
    "send": "sent",
    "show": "showed",
    "throw": "threw",
    "bring": "brought",
}
EN_TIME = {
    "yesterday": ("yesterday",),
    "last_night": ("last", "night"),
    "tomorrow": ("tomorrow",),
    "next_week": ("next", "week"),
}
EN_ORDER = ("S", "V", "O", "IO", "PLACE", "TIME")
_CASE_GLOSS = {"accusative": "ACC", "dative": "DAT", "in": "IN", "near": "NEAR"}


@dataclass(frozen=True)
class Token:
    form: str
    elements: frozenset[str]
    gloss: str = ""
    roman: str = ""


def _tok(form: str, *elements: str, gloss: str | None = None, roman: str | None = None) -> Token:
    return Token(
        form,
        frozenset(elements),
        form if gloss is None else gloss,
        form if roman is None else roman,
    )


def answer_elements(role: str) -> callable:
    """Predicate on element sets: does a token belong to the answer span for ``role``?"""
    markers = {f"{role}.case", f"{role}.rel"}

    def inside(elements: frozenset[str]) -> bool:
        return any(e == role or (e.startswith(role + ".") and e not in markers) for e in elements)

    return inside


def gold_links(src: list[Token], tgt: list[Token]) -> list[tuple[int, int]]:
    """Pharaoh links ``(i, j)``, 0-based: ``src[i]`` and ``tgt[j]`` share a meaning element."""
    return [(i, j) for i, s in enumerate(src) for j, t in enumerate(tgt) if s.elements & t.elements]


# --- English -----------------------------------------------------------------------------


def _en_np(entity: Entity, role: str) -> list[Token]:
    if is_name(entity.head):
        return [_tok(name_text(entity.head), role)]
    out = [_tok("the", f"{role}.det")]
    if entity.count > 1:
        out.append(_tok(NUMBERS[entity.count], f"{role}.num"))
    attrs = dict(entity.attrs)
    out += [_tok(attrs[d], f"{role}.attr.{d}") for d in DIMENSION_ORDER if d in attrs]
    out.append(_tok(plural(entity.head) if entity.count > 1 else entity.head, role))
    return out


def _en_slots(event: Event) -> dict[str, list[Token]]:
    slots = {"S": _en_np(event.agent, "agent")}
    if event.patient is not None:
        slots["O"] = _en_np(event.patient, "patient")
    if event.recipient is not None:
        slots["IO"] = [_tok("to", "recipient.case")] + _en_np(event.recipient, "recipient")
    if event.place is not None:
        slots["PLACE"] = [_tok(event.place.relation, "place.rel")] + _en_np(
            event.place.ground, "place"
        )
    if event.time is not None:
        slots["TIME"] = [_tok(w, "time") for w in EN_TIME[event.time]]
    return slots


def _en_verb(event: Event) -> list[Token]:
    if event.tense == "past" and not event.negated:
        return [_tok(EN_PAST[event.verb], "verb", "tense")]
    aux = "did" if event.tense == "past" else "will"
    neg = [_tok("not", "neg")] if event.negated else []
    return [_tok(aux, "tense"), *neg, _tok(event.verb, "verb")]


def _english(event: Event) -> list[Token]:
    slots = _en_slots(event)
    slots["V"] = _en_verb(event)
    return [t for slot in EN_ORDER for t in slots.get(slot, [])] + [_tok(".", "punct")]


def _english_question(q: Question) -> list[Token]:
    event, slot = q.event, ROLE_SLOT[q.role]
    slots = _en_slots(event)
    if q.role == "agent":
        slots["S"] = [_tok(q.kind, "q")]
        slots["V"] = _en_verb(event)
        return [t for s in EN_ORDER for t in slots.get(s, [])] + [_tok("?", "punct")]
    wh = (
        [_tok("to", "recipient.case"), _tok("whom", "q")]
        if q.role == "recipient"
        else [_tok(q.kind, "q")]
    )
    aux = _tok("did" if event.tense == "past" else "will", "tense")
    neg = [_tok("not", "neg")] if event.negated else []
    rest = [t for s in EN_ORDER[2:] if s != slot for t in slots.get(s, [])]
    return [*wh, aux, *slots["S"], *neg, _tok(event.verb, "verb"), *rest, _tok("?", "punct")]


# --- synthetic languages ---------------------------------------------------------------


def _word(
    lang: Language, concept: str, elements: set[str], gloss: str, prefixes=(), suffixes=()
) -> Token:
    """A word: stem of ``concept`` with affixes (grammatical morpheme names) glued on."""
    stem = lang.words[concept]
    pre = [lang.grams[p] for p in prefixes]
    suf = [lang.grams[s] for s in suffixes]
    form = "".join(x.form for x in pre) + stem.form + "".join(x.form for x in suf)
    roman = "-".join([x.roman for x in pre] + [stem.roman] + [x.roman for x in suf])
    tags = [_gram_gloss(p) for p in prefixes] + [gloss] + [_gram_gloss(s) for s in suffixes]
    return Token(form, frozenset(elements), "-".join(tags), roman)


def _gram(lang: Language, gram: str, *elements: str) -> Token:
    lex = lang.grams[gram]
    return Token(lex.form, frozenset(elements), _gram_gloss(gram), lex.roman)


def _gram_gloss(gram: str) -> str:
    return {
        "article": "DEF",
        "plural": "PL",
        "past": "PST",
        "future": "FUT",
        "negation": "NEG",
    }.get(gram, _CASE_GLOSS.get(gram, gram))


def _case_elements(role: str, case: str | None) -> set[str]:
    if case is None:
        return set()
    return {"place.rel"} if case in ("in", "near") else {f"{role}.case"}


def _mark_case(
    lang: Language, tokens: list[Token], role: str, case: str | None, head_index: int
) -> list[Token]:
    """Add the case of a noun phrase: a suffix on its head, or an adposition word."""
    if case is None:
        return tokens
    spec = lang.spec
    if spec.case == "suffix":
        head = tokens[head_index]
        lex = lang.grams[case]
        tokens[head_index] = Token(
            head.form + lex.form,
            head.elements | _case_elements(role, case),
            f"{head.gloss}-{_gram_gloss(case)}",
            f"{head.roman}-{lex.roman}",
        )
        return tokens
    if case == "accusative":  # analytic languages mark the object by position only
        return tokens
    adp = _gram(lang, case, *_case_elements(role, case))
    if case == "dative":
        adp = Token(adp.form, adp.elements, "to", adp.roman)
    return [adp, *tokens] if spec.adposition == "preposition" else [*tokens, adp]


def _np(lang: Language, entity: Entity, role: str, case: str | None) -> list[Token]:
    spec = lang.spec
    if is_name(entity.head):
        lex = lang.words[entity.head]
        return _mark_case(
            lang,
            [Token(lex.form, frozenset({role}), name_text(entity.head), lex.roman)],
            role,
            case,
            0,
        )
    prefixes, suffixes, elements = [], [], {role}
    if spec.article in ("prefix", "suffix"):
        (prefixes if spec.article == "prefix" else suffixes).append("article")
        elements.add(f"{role}.det")
    if entity.count > 1 and spec.plural == "suffix":
        suffixes.append("plural")
    head = _word(lang, entity.head, elements, entity.head, prefixes, suffixes)
    attrs = dict(entity.attrs)
    adjs = [
        _word(lang, attrs[d], {f"{role}.attr.{d}"}, attrs[d]) for d in DIMENSION_ORDER if d in attrs
    ]
    words = [*adjs, head] if spec.adjective == "before" else [head, *reversed(adjs)]
    if entity.count > 1:
        num = _word(lang, NUMBERS[entity.count], {f"{role}.num"}, NUMBERS[entity.count])
        words = [num, *words] if spec.numeral == "before" else [*words, num]
    if spec.article in ("word_before", "word_after"):
        art = _gram(lang, "article", f"{role}.det")
        words = [art, *words] if spec.article == "word_before" else [*words, art]
    return _mark_case(lang, words, role, case, words.index(head))


def _verb(lang: Language, event: Event) -> list[Token]:
    spec = lang.spec
    tense_mode = spec.tense_past if event.tense == "past" else spec.tense_future
    prefixes, suffixes, before, after, elements = [], [], [], [], {"verb"}
    morphemes = [(event.tense, tense_mode, "tense")]
    if event.negated:
        morphemes.append(("negation", spec.negation, "neg"))
    for gram, mode, element in morphemes:  # tense inside, negation outside
        if mode == "suffix":
            suffixes.append(gram)
            elements.add(element)
        elif mode == "prefix":
            prefixes.insert(0, gram)
            elements.add(element)
        elif mode == "particle_before":
            before.insert(0, _gram(lang, gram, element))
        elif mode == "particle_after":
            after.append(_gram(lang, gram, element))
    return [*before, _word(lang, event.verb, elements, event.verb, prefixes, suffixes), *after]


def _slots(lang: Language, event: Event) -> dict[str, list[Token]]:
    slots = {"S": _np(lang, event.agent, "agent", None), "V": _verb(lang, event)}
    if event.patient is not None:
        slots["O"] = _np(lang, event.patient, "patient", "accusative")
    if event.recipient is not None:
        slots["IO"] = _np(lang, event.recipient, "recipient", "dative")
    if event.place is not None:
        slots["PLACE"] = _np(lang, event.place.ground, "place", event.place.relation)
    if event.time is not None:
        slots["TIME"] = [_word(lang, event.time, {"time"}, event.time)]
    return slots


def _wh(lang: Language, q: Question) -> list[Token]:
    if q.role in ("place", "time"):
        return [_word(lang, q.kind, {"q"}, q.kind)]
    word = "what" if q.kind == "what" else "who"
    case = {"agent": None, "patient": "accusative", "recipient": "dative"}[q.role]
    return _mark_case(lang, [_word(lang, word, {"q"}, q.kind)], q.role, case, 0)


# --- entry points ------------------------------------------------------------------------


def _in_script(lang: Language, tokens: list[Token]) -> list[Token]:
    """English tokens written in ``lang``'s alphabet, letter by letter (the script-only
    control: English's grammar and words, no subword shared with English; punctuation
    becomes the language's own marks). Latin script: unchanged."""
    script = lang.spec.script
    if script == "latin":
        return tokens
    marks = {".": lang.spec.statement_mark, "?": lang.spec.question_mark}
    return [
        Token(
            marks[t.form] if t.form in marks else render_letters(t.form, script),
            t.elements,
            t.gloss,
            t.form,
        )
        for t in tokens
    ]


def script_characters(lang: Language) -> dict[str, str] | None:
    """For a language that writes English in another alphabet (the script-only control):
    every character English text can hold -> its form in the language, as
    :func:`_in_script` writes it (letters of either case, the two sentence marks); None for
    every other language."""
    if not lang.is_english or lang.spec.script == "latin":
        return None
    chars = {c: render_letters(c, lang.spec.script) for c in string.ascii_letters}
    return {**chars, ".": lang.spec.statement_mark, "?": lang.spec.question_mark}


def realise(lang: Language, event: Event) -> list[Token]:
    """A declarative sentence for ``event``, ending with the statement mark."""
    if lang.is_english:
        return _in_script(lang, _english(event))
    slots = _slots(lang, event)
    mark = _tok(lang.spec.statement_mark, "punct", roman=".")
    return [t for s in lang.spec.word_order for t in slots.get(s, [])] + [mark]


def realise_question(lang: Language, q: Question) -> list[Token]:
    """A wh-question about ``q.role`` of ``q.event``, ending with the question mark."""
    if lang.is_english:
        return _in_script(lang, _english_question(q))
    slots = _slots(lang, q.event)
    slot = ROLE_SLOT[q.role]
    slots[slot] = _wh(lang, q)
    order = list(lang.spec.word_order)
    if lang.spec.wh_fronting:
        order.remove(slot)
        order.insert(0, slot)
    mark = _tok(lang.spec.question_mark, "punct", roman="?")
    return [t for s in order for t in slots.get(s, [])] + [mark]


def answer_span(tokens: list[Token], role: str) -> tuple[int, int]:
    """``(first, last + 1)`` token indices of the constituent realising ``role``.

    Raises ValueError if the role is absent or its tokens are not contiguous.
    """
    inside = answer_elements(role)
    idx = [i for i, t in enumerate(tokens) if inside(t.elements)]
    if not idx:
        raise ValueError(f"role {role!r} is not realised in {[t.form for t in tokens]}")
    if idx != list(range(idx[0], idx[-1] + 1)):
        raise ValueError(f"role {role!r} is not contiguous in {[t.form for t in tokens]}")
    return idx[0], idx[-1] + 1


def english_vocabulary() -> list[str]:
    """Every English content word the realiser can produce (sorted)."""
    words = set(EN_PAST) | set(EN_PAST.values()) | set(NUMBERS.values())
    words |= {w for ws in EN_TIME.values() for w in ws}
    words |= {w for nouns in NOUNS.values() for pair in nouns for w in pair}
    words |= {v for dims in DIMENSIONS.values() for vals in dims.values() for v in vals}
    words |= set(NAMES)
    return sorted(words)


def text(tokens: list[Token]) -> str:
    return " ".join(t.form for t in tokens)
