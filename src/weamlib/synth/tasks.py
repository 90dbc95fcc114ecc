"""The tasks: NLI pairs and QA items as meanings, their realisation, and translation noise.

**NLI without a premise-only or hypothesis-only shortcut.** Items come in XNLI-style
triples: one premise, sampled like any sentence, with one entailed, one neutral and one
contradicting hypothesis (``sample_triple``). Hypotheses are the premise edited by a chain
of one or two random edits (``HYPOTHESIS_EDITS``: add, drop or swap an adjective, specialise
or generalise a noun, change a number, add, drop or change a place/time/recipient, replace
a participant, change the verb), or, for a share ``nli_unrelated_rate`` of neutrals, an
unrelated event; the label of each candidate is read off the meanings by
``inference.nli_label``, never assigned by hand. Then

* the premise says nothing about the label: every premise occurs once with each label,
  so on whole triples any premise-only classifier is right exactly once per triple;
* the hypothesis says nothing about the label either, because the edits that make a
  hypothesis entailed (dropping, generalising) shorten it and the ones that make it neutral
  (adding) lengthen it. So the three hypotheses of a premise are chosen from candidate pools
  with the same ``surface_signature``: tense, English length without negation words, and
  the numbers of adjectives, numerals, hypernyms (``animal``, ``person``, ``thing``) and
  names. Hence a two-edit contradiction matches a one-edit entailment of the same length;
* negation cannot be matched inside a triple (an entailed hypothesis has the premise's
  polarity), so it is balanced over labels in expectation (``_targets``): a premise is
  negated with rate r (``nli_negated_premise_rate``) and its neutral and contradicting
  hypotheses take the other polarity with rates chosen so that every label's hypothesis is
  negated with probability r (``TaskKnobs.polarity_flip_rates``);
* the words of a hypothesis are distributed alike under every label: edits pick their new
  words uniformly, as the sampler does, and a changed verb is drawn so that it keeps the
  sampler's distribution of verbs given the participants (``change_verb``).

Premises for which no matching triple turns up within a budget of candidates are
redrawn, which changes only which premises occur, not their labels. On the default suite a
naive Bayes classifier on premises alone or hypotheses alone (words, bigrams or length)
sits within about two points of chance, while one on the words that differ between premise
and hypothesis reaches about 85% (``benchmarks/bench_synth.py`` prints these figures).

**QA.** A context is 2-4 events over a small pool of shared entities (so the same person or
object recurs, a distractor), some events sharing the target's verb. The question asks for
one role of one positive event (who/what/whom/where/when) and is kept only when exactly one
event in the context answers it. The answer is the realised constituent (the noun phrase
without its adposition, the time adverb), found through the meaning elements of the tokens.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, replace
from itertools import accumulate

from weamlib.core.errors import ConfigError
from weamlib.synth.inference import (
    CONTRADICTION,
    ENTAILMENT,
    LABELS,
    NEUTRAL,
    heads_compatible,
    nli_label,
    subsumes,
)
from weamlib.synth.language import Language
from weamlib.synth.meaning import (
    DIMENSIONS,
    HYPERNYMS,
    NAMES,
    NOUNS,
    NUMBERS,
    RELATIONS,
    TIMES,
    VERBS,
    Entity,
    Event,
    MeaningSampler,
    Place,
    Question,
    hypernym,
    is_name,
    with_attr,
)
from weamlib.synth.realise import EN_TIME, Token, answer_span, english_vocabulary, realise
from weamlib.synth.scripts import render_letters

ENTITY_SLOTS = ("agent", "patient", "recipient", "place")
MODIFIERS = ("recipient", "place", "time")


@dataclass(frozen=True)
class TaskKnobs:
    """Difficulty knobs of the tasks (see the suite docstring)."""

    nli_unrelated_rate: float = 0.2  # neutral hypotheses that are an unrelated event (easy)
    nli_extra_edit_rate: float = 0.4  # hypotheses two edits away from the premise (harder)
    nli_negated_premise_rate: float = 0.3  # negated NLI premises
    nli_polarity_flip_rate: float = 0.3  # neutral/contradiction hypotheses of positive
    # premises with the opposite polarity (negated premises flip at the rate that balances it)
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
            raise ConfigError(
                f"task knob 'qa_events' must be (min, max) in 1..8, got {self.qa_events!r}"
            )
        object.__setattr__(self, "qa_events", (lo, hi))
        if not isinstance(self.qa_pool, int) or self.qa_pool < 1:
            raise ConfigError(
                f"task knob 'qa_pool' must be a positive integer, got {self.qa_pool!r}"
            )
        rate, flip = self.nli_negated_premise_rate, self.nli_polarity_flip_rate
        if flip * (1 - rate) > rate:
            raise ConfigError(
                f"task knob 'nli_polarity_flip_rate' must be at most nli_negated_premise_rate /"
                f" (1 - nli_negated_premise_rate) = {rate / (1 - rate):.3g} so that negated"
                f" hypotheses can be as frequent under every label, got {flip!r}"
            )

    @property
    def polarity_flip_rates(self) -> dict[bool, float]:
        """Premise negated -> the rate at which its neutral and contradicting hypotheses take
        the other polarity. Entailing hypotheses never do, so a hypothesis is negated with
        probability ``nli_negated_premise_rate`` under every label: r (1 - f[True]) +
        (1 - r) f[False] = r."""
        rate, flip = self.nli_negated_premise_rate, self.nli_polarity_flip_rate
        return {False: flip, True: flip * (1 - rate) / rate if rate > 0 else 0.0}


# --- hypothesis edits: (event, rng, sampler) -> event or None when not applicable ---------


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


def replace_referent(event, rng, sampler):
    """Another referent of the same category (``the dog`` -> ``the cat``): nothing follows."""
    slot = _pick_slot(event, rng, lambda e: True)
    ent = _get(event, slot)
    heads = [
        sg
        for sg, _ in NOUNS[ent.category]
        if sg not in HYPERNYMS.values() and not heads_compatible(sg, ent.head)
    ]
    if ent.category == "person":
        heads += [f"name:{n.lower()}" for n in NAMES if f"name:{n.lower()}" != ent.head]
    if not heads:
        return None
    head = rng.choice(heads)
    return _set(event, slot, Entity(head) if is_name(head) else replace(ent, head=head))


def change_modifier(event, rng, sampler):
    """Another place (relation or ground) or another time of the same tense."""
    options = [m for m in ("place", "time") if event.role(m) is not None]
    if not options:
        return None
    if rng.choice(options) == "time":
        times = [t for t, tense in TIMES.items() if tense == event.tense and t != event.time]
        return replace(event, time=rng.choice(times))
    place = event.place
    if rng.random() < 0.5:
        return replace(
            event,
            place=replace(
                place, relation=rng.choice([r for r in RELATIONS if r != place.relation])
            ),
        )
    grounds = [sg for sg, _ in NOUNS["place"] if sg != place.ground.head]
    return replace(
        event, place=replace(place, ground=replace(place.ground, head=rng.choice(grounds)))
    )


def change_verb(event, rng, sampler):
    """Another verb of the same kind for the same participants. The sampler gives verb v,
    given the participants' categories, probability proportional to 1 / (number of agent
    categories of v x number of patient categories of v); the new verb is the old one's
    probability interval rotated by half the total mass, which keeps that distribution (so
    the verbs of edited hypotheses are distributed like the premises' verbs)."""
    kind = VERBS[event.verb][0]
    patient = event.patient.category if event.patient is not None else None
    weights = [
        (v, 1 / (len(agents) * max(len(patients), 1)))
        for v, (k, agents, patients) in VERBS.items()
        if k == kind and event.agent.category in agents and (patient is None or patient in patients)
    ]
    verbs = [v for v, _ in weights]
    ends = list(accumulate(w for _, w in weights))
    i = verbs.index(event.verb)
    point = (ends[i] - rng.random() * weights[i][1] + ends[-1] / 2) % ends[-1]
    verb = verbs[min(bisect_right(ends, point), len(verbs) - 1)]
    return replace(event, verb=verb) if verb != event.verb else None


def _fresh(entity: Entity, rng: random.Random) -> Entity:
    """A random entity of the same category and shape (name or hypernym or common noun,
    number of adjectives, singular or plural)."""
    if is_name(entity.head):
        return Entity(f"name:{rng.choice(NAMES).lower()}")
    nouns = [sg for sg, _ in NOUNS[entity.category]]
    head = (
        entity.head
        if entity.head in HYPERNYMS.values()
        else rng.choice([n for n in nouns if n not in HYPERNYMS.values()])
    )
    dims = DIMENSIONS[entity.category]
    attrs = tuple((d, rng.choice(dims[d])) for d in rng.sample(sorted(dims), len(entity.attrs)))
    return Entity(head, attrs, rng.choice(sorted(NUMBERS)) if entity.count > 1 else 1)


def unrelated(event, rng, sampler):
    """Another verb with fresh participants and place of the same shapes (so the same
    ``surface_signature``; the time is kept): nothing follows either way."""
    other = change_verb(event, rng, sampler)
    if other is None:
        return None
    fresh = {
        slot: _fresh(event.role(slot), rng)
        for slot in ("agent", "patient", "recipient")
        if event.role(slot) is not None
    }
    if event.place is not None:
        fresh["place"] = Place(rng.choice(RELATIONS), _fresh(event.place.ground, rng))
    return replace(other, **fresh)


# Hypotheses are premises edited by a chain of these, whatever the label; the label is then
# read off the meanings. Entailing, neutral and contradicting edits are all in the list.
HYPOTHESIS_EDITS = (
    add_attr,
    drop_attr,
    swap_attr,
    specialise_head,
    generalise_head,
    change_count,
    add_modifier,
    drop_modifier,
    replace_referent,
    change_modifier,
    change_verb,
)


def _edit(event: Event, rng: random.Random, sampler: MeaningSampler) -> Event:
    """One random applicable edit of ``event`` (``event`` itself if none applies)."""
    for _ in range(4 * len(HYPOTHESIS_EDITS)):
        out = rng.choice(HYPOTHESIS_EDITS)(event, rng, sampler)
        if out is not None:
            return out
    return event


def english_length(event: Event, negation: bool = True) -> int:
    """Number of words (with the full stop) of ``event``'s English realisation; with
    ``negation=False``, of its positive counterpart."""

    def phrase(entity: Entity) -> int:
        return 1 if is_name(entity.head) else 2 + (entity.count > 1) + len(entity.attrs)

    n = phrase(event.agent) + 2 + (event.tense == "future")  # verb (will), full stop
    if negation and event.negated:  # "did not run" for "ran", "will not run" for "will run"
        n += 2 if event.tense == "past" else 1
    if event.patient is not None:
        n += phrase(event.patient)
    if event.recipient is not None:
        n += 1 + phrase(event.recipient)
    if event.place is not None:
        n += 1 + phrase(event.place.ground)
    if event.time is not None:
        n += len(EN_TIME[event.time])
    return n


def surface_signature(event: Event) -> tuple:
    """The wording features that the three hypotheses of a premise share: tense, English
    length without the negation words, and the numbers of adjectives, numerals, hypernyms
    and names. (Negation itself is balanced over labels by ``_targets``.)"""
    entities = [
        e
        for e in (
            event.agent,
            event.patient,
            event.recipient,
            event.place.ground if event.place else None,
        )
        if e is not None
    ]
    return (
        event.tense,
        english_length(event, negation=False),
        sum(len(e.attrs) for e in entities),
        sum(e.count > 1 for e in entities),
        sum(e.head in HYPERNYMS.values() for e in entities),
        sum(is_name(e.head) for e in entities),
    )


_CANDIDATES, _ROUNDS = 8, 12  # hypothesis chains per round; rounds before a new premise
_PREMISES = 2000  # premises tried for one triple before the knobs are declared unworkable


def _targets(rng: random.Random, knobs: TaskKnobs) -> tuple[bool, dict[str, bool]]:
    """The premise's polarity and each label's hypothesis polarity, drawn so that a
    hypothesis is negated with the same probability whatever its label."""
    negated = rng.random() < knobs.nli_negated_premise_rate
    flip = knobs.polarity_flip_rates[negated]
    return negated, {
        ENTAILMENT: negated,  # entailment keeps the polarity
        NEUTRAL: negated != (rng.random() < flip),
        CONTRADICTION: negated != (rng.random() < flip),
    }


def _add(bucket: dict[tuple, list[Event]], hyp: Event) -> None:
    bucket.setdefault(surface_signature(hyp), []).append(hyp)


def sample_triple(
    rng: random.Random, sampler: MeaningSampler, knobs: TaskKnobs
) -> tuple[Event, dict[str, Event]]:
    """A premise and one hypothesis per label (label -> hypothesis), all three with the
    same ``surface_signature``; every label is checked by ``nli_label``."""
    negated, target = _targets(rng, knobs)
    unrelated_neutral = rng.random() < knobs.nli_unrelated_rate
    for _ in range(_PREMISES):
        premise = replace(sampler.event(negation=False), negated=negated)
        buckets: dict[str, dict[tuple, list[Event]]] = {label: {} for label in LABELS}
        for _ in range(_ROUNDS):
            for _ in range(_CANDIDATES):
                chain = premise
                for _ in range(1 + (rng.random() < knobs.nli_extra_edit_rate)):
                    chain = _edit(chain, rng, sampler)
                for polarity in sorted(set(target.values())):
                    hyp = chain if chain.negated == polarity else replace(chain, negated=polarity)
                    label = nli_label(premise, hyp)
                    if (
                        hyp != premise
                        and target[label] == polarity
                        and not (label == NEUTRAL and unrelated_neutral)
                    ):
                        _add(buckets[label], hyp)
                other = unrelated(chain, rng, sampler) if unrelated_neutral else None
                if other is not None:
                    other = replace(other, negated=target[NEUTRAL])
                    if nli_label(premise, other) == NEUTRAL:
                        _add(buckets[NEUTRAL], other)
            shared = [
                s
                for s in buckets[ENTAILMENT]
                if s in buckets[NEUTRAL] and s in buckets[CONTRADICTION]
            ]
            if shared:
                signature = rng.choice(shared)
                return premise, {label: rng.choice(buckets[label][signature]) for label in LABELS}
    raise ConfigError(
        f"no NLI premise with matched entailed, neutral and contradicting hypotheses found in"
        f" {_PREMISES} tries (premise negated: {negated}, hypotheses negated: {target});"
        f" the meaning and task knobs leave too few attributes, numbers or modifiers to edit"
    )


def sample_nli(
    n: int, rng: random.Random, sampler: MeaningSampler, knobs: TaskKnobs
) -> list[tuple[Event, Event, str]]:
    """``n`` (premise, hypothesis, label) items: consecutive triples share a premise and
    have one hypothesis of each label, in random order (the last triple may be cut short),
    so labels are balanced to within one."""
    out = []
    while len(out) < n:
        premise, hyps = sample_triple(rng, sampler, knobs)
        labels = list(LABELS)
        rng.shuffle(labels)
        out += [(premise, hyps[label], label) for label in labels]
    return out[:n]


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


def _context_event(
    sampler: MeaningSampler,
    rng: random.Random,
    pool: list[Entity],
    verb: str | None,
    knobs: TaskKnobs,
) -> Event:
    event = sampler.event(verb=verb)
    for slot in ("agent", "patient", "recipient"):
        ent = event.role(slot)
        if ent is None or rng.random() >= knobs.qa_reuse_rate:
            continue
        allowed = (
            VERBS[event.verb][1]
            if slot == "agent"
            else (VERBS[event.verb][2] if slot == "patient" else ("person",))
        )
        choices = [p for p in pool if p.category in allowed]
        if choices:
            event = replace(event, **{slot: rng.choice(choices)})
    return event


def sample_qa_item(rng: random.Random, sampler: MeaningSampler, knobs: TaskKnobs) -> QAItem:
    while True:
        pool = [
            sampler.entity(rng.choice(("person", "animal", "object"))) for _ in range(knobs.qa_pool)
        ]
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
        roles = [
            r
            for r in ("agent", "patient", "recipient", "place", "time")
            if first.role(r) is not None
        ]
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
    return " ".join(words[span[0] : span[1]]), start


def vocabulary(lang: Language) -> list[str]:
    """Content word forms of a language (substitutions in translation noise draw from these)."""
    if lang.is_english:
        return sorted({render_letters(w, lang.spec.script) for w in english_vocabulary()})
    return sorted({lex.form for lex in lang.words.values()})


def add_noise(
    words: list[str],
    rate: float,
    rng: random.Random,
    vocab: list[str],
    protect: tuple[int, int] | None = None,
) -> tuple[list[str], tuple[int, int] | None]:
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
