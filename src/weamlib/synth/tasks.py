"""The tasks: NLI pairs and QA items as meanings, their realisation, and translation noise.

**NLI without a hypothesis-only shortcut.** The hypothesis is sampled *first*, from the
same distribution whatever the label; the label is drawn (balanced), and only then is the
premise built from the hypothesis by edits suited to that label, and its label checked by
``inference.nli_label``. So the hypothesis alone carries no information about the label (a
hypothesis-only classifier sits at chance up to sampling noise), and every label is
derived from the meanings, never assigned by hand.

**QA.** A context is 2-4 events over a small pool of shared entities (so the same person or
object recurs, a distractor), some events sharing the target's verb. The question asks for
one role of one positive event (who/what/whom/where/when) and is kept only when exactly one
event in the context answers it. The answer is the realised constituent (the noun phrase
without its adposition, the time adverb), found through the meaning elements of the tokens.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from weamlib.errors import ConfigError
from weamlib.synth.inference import CONTRADICTION, ENTAILMENT, LABELS, nli_label, subsumes
from weamlib.synth.language import Language
from weamlib.synth.meaning import (
    DIMENSIONS,
    HYPERNYMS,
    NOUNS,
    NUMBERS,
    VERBS,
    Entity,
    Event,
    MeaningSampler,
    Question,
    hypernym,
    is_name,
    with_attr,
)
from weamlib.synth.realise import Token, answer_span, english_vocabulary, realise

ENTITY_SLOTS = ("agent", "patient", "recipient", "place")
MODIFIERS = ("recipient", "place", "time")


@dataclass(frozen=True)
class TaskKnobs:
    """Difficulty knobs of the tasks (see the suite docstring)."""

    nli_unrelated_rate: float = 0.2  # neutral premises that are an unrelated event (easy)
    nli_extra_edit_rate: float = 0.4  # a second edit on the premise (longer, harder to match)
    qa_events: tuple[int, int] = (2, 4)  # events per context
    qa_pool: int = 4  # shared entities per context
    qa_reuse_rate: float = 0.5  # a participant comes from the shared pool
    qa_same_verb_rate: float = 0.35  # a context event reuses the target's verb (distractor)
    qa_keep_modifier_rate: float = 0.5  # the question keeps the target's place/time

    def __post_init__(self):
        for name, value in vars(self).items():
            if name.endswith("_rate") and not (isinstance(value, int | float) and 0 <= value <= 1):
                raise ConfigError(f"task knob {name!r} must be a probability, got {value!r}")
        lo, hi = self.qa_events
        if not (isinstance(lo, int) and isinstance(hi, int) and 1 <= lo <= hi <= 8):
            raise ConfigError(f"task knob 'qa_events' must be (min, max) in 1..8, got {self.qa_events!r}")
        object.__setattr__(self, "qa_events", (lo, hi))
        if not isinstance(self.qa_pool, int) or self.qa_pool < 1:
            raise ConfigError(f"task knob 'qa_pool' must be a positive integer, got {self.qa_pool!r}")


# --- premise edits: (event, rng, sampler) -> event or None when not applicable ------------


def _get(event: Event, slot: str) -> Entity | None:
    if slot == "place":
        return event.place.ground if event.place else None
    return event.role(slot)


def _set(event: Event, slot: str, entity: Entity) -> Event:
    if slot == "place":
        return replace(event, place=replace(event.place, ground=entity))
    return replace(event, **{slot: entity})


def _pick_slot(event: Event, rng: random.Random, ok) -> str | None:
    slots = [s for s in ENTITY_SLOTS if _get(event, s) is not None and ok(_get(event, s))]
    return rng.choice(slots) if slots else None


def add_attr(event, rng, sampler):
    def free_dims(e):
        return [] if is_name(e.head) else [d for d in DIMENSIONS[e.category] if e.attr(d) is None]

    slot = _pick_slot(event, rng, lambda e: free_dims(e))
    if slot is None:
        return None
    ent = _get(event, slot)
    dim = rng.choice(free_dims(ent))
    return _set(event, slot, with_attr(ent, dim, rng.choice(DIMENSIONS[ent.category][dim])))


def drop_attr(event, rng, sampler):
    slot = _pick_slot(event, rng, lambda e: e.attrs)
    if slot is None:
        return None
    ent = _get(event, slot)
    return _set(event, slot, with_attr(ent, rng.choice(ent.attrs)[0], None))


def swap_attr(event, rng, sampler):
    slot = _pick_slot(event, rng, lambda e: e.attrs)
    if slot is None:
        return None
    ent = _get(event, slot)
    dim, value = rng.choice(ent.attrs)
    other = rng.choice([v for v in DIMENSIONS[ent.category][dim] if v != value])
    return _set(event, slot, with_attr(ent, dim, other))


def specialise_head(event, rng, sampler):
    slot = _pick_slot(event, rng, lambda e: e.head in HYPERNYMS.values())
    if slot is None:
        return None
    ent = _get(event, slot)
    nouns = [sg for sg, _ in NOUNS[ent.category][1:]]
    return _set(event, slot, replace(ent, head=rng.choice(nouns)))


def generalise_head(event, rng, sampler):
    slot = _pick_slot(event, rng, lambda e: hypernym(e.head) is not None)
    if slot is None:
        return None
    ent = _get(event, slot)
    return _set(event, slot, replace(ent, head=hypernym(ent.head)))


def change_count(event, rng, sampler):
    slot = _pick_slot(event, rng, lambda e: not is_name(e.head) and e.category != "place")
    if slot is None:
        return None
    ent = _get(event, slot)
    counts = [c for c in (1, *NUMBERS) if c != ent.count]
    if ent.count == 1:
        counts = list(NUMBERS)
    return _set(event, slot, replace(ent, count=rng.choice(counts)))


def add_modifier(event, rng, sampler):
    options = [m for m in MODIFIERS if event.role(m) is None]
    if VERBS[event.verb][0] != "ditransitive" and "recipient" in options:
        options.remove("recipient")
    if not options:
        return None
    mod = rng.choice(options)
    if mod == "place":
        return replace(event, place=sampler.place())
    if mod == "time":
        return replace(event, time=sampler.time_for(event.tense))
    return replace(event, recipient=sampler.entity("person"))


def drop_modifier(event, rng, sampler):
    options = [m for m in MODIFIERS if event.role(m) is not None]
    if not options:
        return None
    return replace(event, **{rng.choice(options): None})


def negate(event, rng, sampler):
    return replace(event, negated=not event.negated)


def unrelated(event, rng, sampler):
    """A fresh event with another verb: nothing follows either way."""
    while True:
        other = sampler.event()
        if other.verb != event.verb:
            return other


# Edits that make the premise more specific (so it entails the hypothesis), by polarity.
_SPECIFIC = {False: (add_attr, specialise_head, add_modifier), True: (add_attr, specialise_head,
                                                                      drop_modifier)}
_GENERAL = {False: (drop_attr, generalise_head, drop_modifier), True: (drop_attr, generalise_head,
                                                                       add_modifier)}


def _apply(edits, event, rng, sampler) -> Event | None:
    edits = list(edits)
    rng.shuffle(edits)
    for edit in edits:
        out = edit(event, rng, sampler)
        if out is not None:
            return out
    return None


def make_premise(hyp: Event, label: str, rng: random.Random, sampler: MeaningSampler,
                 knobs: TaskKnobs) -> Event:
    """A premise whose NLI label against ``hyp`` is ``label`` (checked by ``nli_label``)."""
    for _ in range(200):
        extra = rng.random() < knobs.nli_extra_edit_rate
        if label == ENTAILMENT:
            prem = _apply(_SPECIFIC[hyp.negated], hyp, rng, sampler) or hyp
            if extra:
                prem = _apply(_SPECIFIC[hyp.negated], prem, rng, sampler) or prem
        elif label == CONTRADICTION:
            edit = rng.choice((swap_attr, change_count, negate))
            prem = edit(hyp, rng, sampler) or negate(hyp, rng, sampler)
            if extra:  # decorations that keep the label are kept by the check below
                prem = _apply((add_attr, add_modifier), prem, rng, sampler) or prem
        else:
            if rng.random() < knobs.nli_unrelated_rate:
                prem = unrelated(hyp, rng, sampler)
            else:
                prem = _apply(_GENERAL[hyp.negated], hyp, rng, sampler)
                if prem is None or rng.random() < 0.25:  # a polarity flip that does not contradict
                    flip = negate(hyp, rng, sampler)
                    prem = (drop_modifier if hyp.negated else add_modifier)(flip, rng, sampler)
                if prem is None:
                    prem = unrelated(hyp, rng, sampler)
            if extra:
                prem = _apply((add_attr,), prem, rng, sampler) or prem
        if nli_label(prem, hyp) == label:
            return prem
    raise RuntimeError(f"no premise with label {label!r} found for {hyp}")


def sample_nli(n: int, rng: random.Random, sampler: MeaningSampler,
               knobs: TaskKnobs) -> list[tuple[Event, Event, str]]:
    """``n`` (premise, hypothesis, label) triples with labels balanced to within one."""
    labels = [LABELS[i % 3] for i in range(n)]
    rng.shuffle(labels)
    out = []
    for label in labels:
        hyp = sampler.event()
        out.append((make_premise(hyp, label, rng, sampler, knobs), hyp, label))
    return out


# --- QA -------------------------------------------------------------------------------


def answers_question(q: Question, event: Event) -> bool:
    """Does ``event`` (positive) answer question ``q`` (all of ``q``'s other roles hold of it)?"""
    qe = q.event
    if event.negated or event.verb != qe.verb or event.tense != qe.tense:
        return False
    if event.role(q.role) is None:
        return False
    for role in ("agent", "patient", "recipient", "place", "time"):
        if role == q.role or qe.role(role) is None:
            continue
        want, have = qe.role(role), event.role(role)
        if have is None:
            return False
        if isinstance(want, Entity):
            ok = subsumes(want, have)
        elif role == "place":
            ok = want.relation == have.relation and subsumes(want.ground, have.ground)
        else:
            ok = want == have
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class QAItem:
    events: tuple[Event, ...]
    target: int  # index of the event the question is about
    question: Question

    @property
    def kind(self) -> str:
        return self.question.kind


def _context_event(sampler: MeaningSampler, rng: random.Random, pool: list[Entity],
                   verb: str | None, knobs: TaskKnobs) -> Event:
    event = sampler.event(verb=verb)
    for slot in ("agent", "patient", "recipient"):
        ent = event.role(slot)
        if ent is None or rng.random() >= knobs.qa_reuse_rate:
            continue
        allowed = VERBS[event.verb][1] if slot == "agent" else (
            VERBS[event.verb][2] if slot == "patient" else ("person",))
        choices = [p for p in pool if p.category in allowed]
        if choices:
            event = replace(event, **{slot: rng.choice(choices)})
    return event


def sample_qa_item(rng: random.Random, sampler: MeaningSampler, knobs: TaskKnobs) -> QAItem:
    while True:
        pool = [sampler.entity(rng.choice(("person", "animal", "object")))
                for _ in range(knobs.qa_pool)]
        n = rng.randint(*knobs.qa_events)
        target = rng.randrange(n)
        first = _context_event(sampler, rng, pool, None, knobs)
        first = replace(first, negated=False)
        events = []
        for i in range(n):
            if i == target:
                events.append(first)
            else:
                verb = first.verb if rng.random() < knobs.qa_same_verb_rate else None
                events.append(_context_event(sampler, rng, pool, verb, knobs))
        roles = [r for r in ("agent", "patient", "recipient", "place", "time")
                 if first.role(r) is not None]
        role = rng.choice(roles)
        qevent = first
        if rng.random() >= knobs.qa_keep_modifier_rate:
            qevent = replace(qevent, **{m: None for m in ("place", "time") if m != role})
        question = Question(qevent, role)
        if sum(answers_question(question, e) for e in events) == 1:
            return QAItem(tuple(events), target, question)


# --- realisation of task items -------------------------------------------------------------


def realise_context(lang: Language, item: QAItem) -> tuple[list[Token], tuple[int, int]]:
    """Context tokens of ``item`` and the token span of its answer."""
    tokens: list[Token] = []
    span = None
    for i, event in enumerate(item.events):
        sent = realise(lang, event)
        if i == item.target:
            a, b = answer_span(sent, item.question.role)
            span = (len(tokens) + a, len(tokens) + b)
        tokens += sent
    return tokens, span


def char_span(words: list[str], span: tuple[int, int]) -> tuple[str, int]:
    """Answer text and its character offset in ``" ".join(words)``."""
    start = sum(len(w) + 1 for w in words[: span[0]])
    return " ".join(words[span[0]: span[1]]), start


def vocabulary(lang: Language) -> list[str]:
    """Content word forms of a language (substitutions in translation noise draw from these)."""
    if lang.is_english:
        return english_vocabulary()
    return sorted({lex.form for lex in lang.words.values()})


def add_noise(words: list[str], rate: float, rng: random.Random, vocab: list[str],
              protect: tuple[int, int] | None = None) -> tuple[list[str], tuple[int, int] | None]:
    """Translation noise: each word is dropped (p = rate/2) or replaced by a random
    vocabulary word (p = rate/2). The final punctuation and the ``protect`` span are kept;
    returns the new words and the protected span's new position.
    """
    if rate <= 0:
        return list(words), protect
    out, new_span = [], None
    for i, w in enumerate(words):
        if protect is not None and i == protect[0]:
            new_span = (len(out), len(out) + protect[1] - protect[0])
        kept = (protect is not None and protect[0] <= i < protect[1]) or i == len(words) - 1
        r = rng.random()
        if kept or r >= rate:
            out.append(w)
        elif r >= rate / 2:
            out.append(rng.choice(vocab))
    return out, new_span
