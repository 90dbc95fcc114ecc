"""The semantic grammar of the synthetic world: concepts, meanings, and how to sample them.

A meaning is a frozen dataclass; sentences in every language are realised from it.

* ``Entity(head, attrs, count)``: a definite referent. ``head`` is a concept id (a noun such
  as ``"dog"``, a hypernym such as ``"animal"``, or a proper name such as ``"name:anna"``);
  ``attrs`` is a sorted tuple of ``(dimension, value)`` pairs, at most one value per
  exclusive dimension (colour, size, age); ``count`` is 1 (singular) or a small number 2-5.
* ``Place(relation, ground)``: ``relation`` is ``"in"`` or ``"near"``.
* ``Event(verb, agent, patient, recipient, place, time, tense, negated)``: one clause.
  Intransitive verbs have no patient; ditransitive verbs may have a recipient.

Concept ids are the English lemmas (names are prefixed ``name:``), so the English
realiser and the glosses read them directly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from weamlib.core.errors import ConfigError

# --- the concept inventory -------------------------------------------------------------

# category -> (singular, plural) of each noun; the category's hypernym comes first.
NOUNS: dict[str, tuple[tuple[str, str], ...]] = {
    "person": (
        ("person", "people"),
        ("man", "men"),
        ("woman", "women"),
        ("boy", "boys"),
        ("girl", "girls"),
        ("doctor", "doctors"),
        ("teacher", "teachers"),
        ("farmer", "farmers"),
    ),
    "animal": (
        ("animal", "animals"),
        ("dog", "dogs"),
        ("cat", "cats"),
        ("horse", "horses"),
        ("bird", "birds"),
        ("cow", "cows"),
        ("goat", "goats"),
    ),
    "object": (
        ("thing", "things"),
        ("book", "books"),
        ("ball", "balls"),
        ("apple", "apples"),
        ("box", "boxes"),
        ("cup", "cups"),
        ("letter", "letters"),
        ("key", "keys"),
        ("hat", "hats"),
    ),
    "place": (
        ("park", "parks"),
        ("house", "houses"),
        ("garden", "gardens"),
        ("kitchen", "kitchens"),
        ("market", "markets"),
        ("school", "schools"),
        ("forest", "forests"),
        ("river", "rivers"),
    ),
}
# Categories whose first noun is a hypernym of the others (places have none).
HYPERNYM_CATEGORIES = ("person", "animal", "object")
NAMES = ("Anna", "Tom", "Maria", "Ali", "Sara", "Omar", "Lena", "Ravi", "Mei", "Ivan")

# Exclusive attribute dimensions per category: one value per dimension at most.
DIMENSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "person": {"size": ("big", "small"), "age": ("old", "young")},
    "animal": {
        "colour": ("red", "blue", "green", "black", "white", "yellow"),
        "size": ("big", "small"),
        "age": ("old", "young"),
    },
    "object": {
        "colour": ("red", "blue", "green", "black", "white", "yellow"),
        "size": ("big", "small"),
        "age": ("old", "new"),
    },
    "place": {"size": ("big", "small"), "age": ("old", "new")},
}
# Adjectives are realised in this order before a noun (mirrored after it).
DIMENSION_ORDER = ("size", "age", "colour")

NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five"}

# verb -> (kind, agent categories, patient categories); English forms in realise_english.
VERBS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "run": ("intransitive", ("person", "animal"), ()),
    "sleep": ("intransitive", ("person", "animal"), ()),
    "sing": ("intransitive", ("person",), ()),
    "swim": ("intransitive", ("person", "animal"), ()),
    "laugh": ("intransitive", ("person",), ()),
    "walk": ("intransitive", ("person", "animal"), ()),
    "dance": ("intransitive", ("person",), ()),
    "see": ("transitive", ("person", "animal"), ("person", "animal", "object")),
    "find": ("transitive", ("person", "animal"), ("animal", "object")),
    "carry": ("transitive", ("person",), ("animal", "object")),
    "buy": ("transitive", ("person",), ("animal", "object")),
    "chase": ("transitive", ("person", "animal"), ("person", "animal")),
    "follow": ("transitive", ("person", "animal"), ("person", "animal")),
    "watch": ("transitive", ("person", "animal"), ("person", "animal")),
    "hold": ("transitive", ("person",), ("object",)),
    "give": ("ditransitive", ("person",), ("object",)),
    "send": ("ditransitive", ("person",), ("object",)),
    "show": ("ditransitive", ("person",), ("object",)),
    "throw": ("ditransitive", ("person",), ("object",)),
    "bring": ("ditransitive", ("person",), ("object",)),
}
RELATIONS = ("in", "near")
# time concept -> the tense it requires
TIMES = {"yesterday": "past", "last_night": "past", "tomorrow": "future", "next_week": "future"}
TENSES = ("past", "future")
WH_WORDS = ("who", "what", "where", "when")
ROLES = ("agent", "patient", "recipient", "place", "time")

_CATEGORY_OF = {sg: cat for cat, nouns in NOUNS.items() for sg, _ in nouns}
_PLURAL_OF = {sg: pl for nouns in NOUNS.values() for sg, pl in nouns}
HYPERNYMS = {cat: NOUNS[cat][0][0] for cat in HYPERNYM_CATEGORIES}
_HYPERNYM_OF = {sg: NOUNS[cat][0][0] for cat in HYPERNYM_CATEGORIES for sg, _ in NOUNS[cat][1:]}


def category(head: str) -> str:
    """The category of a head concept: person, animal, object or place."""
    return "person" if head.startswith("name:") else _CATEGORY_OF[head]


def plural(head: str) -> str:
    return _PLURAL_OF[head]


def hypernym(head: str) -> str | None:
    """``"dog" -> "animal"``; None for hypernyms, places and names."""
    return _HYPERNYM_OF.get(head)


def is_name(head: str) -> bool:
    return head.startswith("name:")


def name_text(head: str) -> str:
    """``"name:anna" -> "Anna"``."""
    return head.split(":", 1)[1].capitalize()


def concept_inventory() -> dict[str, tuple[str, ...]]:
    """Every concept a language needs a word for, grouped by part of speech."""
    adjectives = sorted({v for dims in DIMENSIONS.values() for vals in dims.values() for v in vals})
    return {
        "noun": tuple(sg for nouns in NOUNS.values() for sg, _ in nouns),
        "adjective": tuple(adjectives),
        "verb": tuple(VERBS),
        "numeral": tuple(NUMBERS.values()),
        "time": tuple(TIMES),
        "wh": WH_WORDS,
        "name": tuple(f"name:{n.lower()}" for n in NAMES),
    }


# --- meanings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    head: str
    attrs: tuple[tuple[str, str], ...] = ()
    count: int = 1

    def __post_init__(self):
        dims = [d for d, _ in self.attrs]
        if len(set(dims)) != len(dims):
            raise ValueError(f"entity {self.head!r} has two values in one dimension: {self.attrs}")
        if is_name(self.head) and (self.attrs or self.count != 1):
            raise ValueError(f"proper name {self.head!r} takes no attributes or number")
        if self.count != 1 and self.count not in NUMBERS:
            raise ValueError(
                f"entity count must be 1 or one of {sorted(NUMBERS)}, got {self.count}"
            )
        object.__setattr__(self, "attrs", tuple(sorted(self.attrs)))

    @property
    def category(self) -> str:
        return category(self.head)

    def attr(self, dim: str) -> str | None:
        return dict(self.attrs).get(dim)


@dataclass(frozen=True)
class Place:
    relation: str
    ground: Entity


@dataclass(frozen=True)
class Event:
    verb: str
    agent: Entity
    patient: Entity | None = None
    recipient: Entity | None = None
    place: Place | None = None
    time: str | None = None
    tense: str = "past"
    negated: bool = False

    def __post_init__(self):
        kind = VERBS[self.verb][0]
        if (kind == "intransitive") != (self.patient is None):
            raise ValueError(f"verb {self.verb!r} ({kind}) and patient {self.patient} disagree")
        if self.recipient is not None and kind != "ditransitive":
            raise ValueError(f"verb {self.verb!r} takes no recipient")
        if self.time is not None and TIMES[self.time] != self.tense:
            raise ValueError(f"time {self.time!r} needs tense {TIMES[self.time]!r}")

    def role(self, name: str):
        """The filler of a role: an Entity, a Place, a time concept, or None."""
        return getattr(self, name)


@dataclass(frozen=True)
class Question:
    """A wh-question about ``event``'s ``role`` (the event minus that role, asked about)."""

    event: Event
    role: str

    @property
    def kind(self) -> str:
        """who / what / whom / where / when."""
        if self.role == "place":
            return "where"
        if self.role == "time":
            return "when"
        filler = self.event.role(self.role)
        if filler.category != "person":
            return "what"
        return "who" if self.role == "agent" else "whom"


# --- sampling ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeaningKnobs:
    """Probabilities that shape sampled meanings (difficulty knobs; see the suite docstring)."""

    attribute_rate: float = 0.35  # each applicable dimension gets a value with this probability
    plural_rate: float = 0.2  # a common noun is a counted plural (2-5)
    name_rate: float = 0.3  # a person is a proper name
    hypernym_rate: float = 0.1  # a noun is replaced by its hypernym (animal, person, thing)
    place_rate: float = 0.35
    time_rate: float = 0.35
    recipient_rate: float = 0.8  # a ditransitive event has its recipient
    negation_rate: float = 0.15
    future_rate: float = 0.4
    kind_weights: tuple[float, float, float] = (0.3, 0.45, 0.25)  # intrans, trans, ditrans
    # Share of draws taken from the world's preferences instead of uniformly (0: every word
    # of a class in exactly the same contexts, as in the first suites). See WorldPreferences.
    preference: float = 0.0

    def __post_init__(self):
        for name, value in vars(self).items():
            if name != "kind_weights" and not (isinstance(value, int | float) and 0 <= value <= 1):
                raise ConfigError(f"meaning knob {name!r} must be a probability, got {value!r}")
        weights = self.kind_weights
        if (
            len(weights) != 3
            or any(not isinstance(w, int | float) or w < 0 for w in weights)
            or sum(weights) <= 0
        ):
            raise ConfigError(
                f"meaning knob 'kind_weights' must be 3 weights >= 0, got {weights!r}"
            )
        object.__setattr__(self, "kind_weights", tuple(weights))


def _zipf(items, rng: random.Random, exponent: float = 1.0) -> dict:
    """``{item: weight}``: Zipfian weights ``1 / rank ** exponent`` over a seeded order."""
    order = list(items)
    rng.shuffle(order)
    return {item: 1.0 / (rank + 1) ** exponent for rank, item in enumerate(order)}


class WorldPreferences:
    """How the world's words are distributed, as in a real language: Zipfian frequencies
    and selectional preferences, fixed for the whole world (every corpus and split).

    * each verb prefers some agents and patients (``who does what to what``);
    * each noun prefers some values of each attribute (apples are mostly red or green);
    * names, verbs and numbers have Zipfian frequencies.

    With :attr:`MeaningKnobs.preference` = p, a draw follows these weights with
    probability p and is uniform otherwise, so every word still occurs in every context,
    only at different rates: masked-word prediction then tells words of one class apart,
    which the uniform world (p = 0) never lets it do.
    """

    def __init__(self, key: str = "weam-world"):
        rng = random.Random(key)
        self.nouns = {cat: _zipf([sg for sg, _ in nouns], rng) for cat, nouns in NOUNS.items()}
        self.roles = {
            (verb, role): {cat: _zipf([sg for sg, _ in NOUNS[cat]], rng, 1.5) for cat in cats}
            for verb, (_, agents, patients) in VERBS.items()
            for role, cats in (("agent", agents), ("patient", patients))
        }
        self.values = {
            (sg, dim): _zipf(values, rng, 1.5)
            for cat, dims in DIMENSIONS.items()
            for sg, _ in NOUNS[cat]
            for dim, values in dims.items()
        }
        self.names = _zipf(NAMES, rng)
        self.verbs = _zipf(VERBS, rng)
        self.numbers = _zipf(sorted(NUMBERS), rng)


def _weighted(rng: random.Random, options, weights: dict):
    return rng.choices(list(options), [weights[o] for o in options])[0]


class MeaningSampler:
    """Draws entities and events from the semantic grammar with a seeded ``random.Random``."""

    def __init__(self, rng: random.Random, knobs: MeaningKnobs | None = None):
        self.rng = rng
        self.knobs = knobs or MeaningKnobs()
        self.world = WorldPreferences() if self.knobs.preference > 0 else None
        self._by_kind: dict[str, list[str]] = {}
        for verb, (kind, _, _) in VERBS.items():
            self._by_kind.setdefault(kind, []).append(verb)

    def _prefer(self) -> bool:
        # no draw at all in the uniform world: its suites stay exactly as they were
        return self.world is not None and self.rng.random() < self.knobs.preference

    def _choice(self, options, weights: dict | None = None):
        if weights is not None and self._prefer():
            return _weighted(self.rng, options, weights)
        return self.rng.choice(options)

    def entity(
        self, cat: str, allow_name: bool = True, role: tuple[str, str] | None = None
    ) -> Entity:
        rng, k, world = self.rng, self.knobs, self.world
        if cat == "person" and allow_name and rng.random() < k.name_rate:
            name = self._choice(NAMES, world and world.names)
            return Entity(f"name:{name.lower()}")
        nouns = [sg for sg, _ in NOUNS[cat]]
        weights = None
        if world is not None:
            weights = world.roles[role][cat] if role in world.roles else world.nouns[cat]
        if cat in HYPERNYM_CATEGORIES:
            hyper = rng.random() < k.hypernym_rate
            head = nouns[0] if hyper else self._choice(nouns[1:], weights)
        else:
            head = self._choice(nouns, weights)
        attrs = tuple(
            (dim, self._choice(values, world and world.values[(head, dim)]))
            for dim, values in DIMENSIONS[cat].items()
            if rng.random() < k.attribute_rate
        )
        # places stay singular: "in the three parks" reads as nonsense
        plural = cat != "place" and rng.random() < k.plural_rate
        count = self._choice(sorted(NUMBERS), world and world.numbers) if plural else 1
        return Entity(head, attrs, count)

    def place(self) -> Place:
        return Place(self.rng.choice(RELATIONS), self.entity("place"))

    def time_for(self, tense: str) -> str:
        return self.rng.choice(sorted(t for t, ts in TIMES.items() if ts == tense))

    def event(self, verb: str | None = None, negation: bool = True) -> Event:
        rng, k = self.rng, self.knobs
        if verb is None:
            kind = rng.choices(("intransitive", "transitive", "ditransitive"), k.kind_weights)[0]
            verb = self._choice(self._by_kind[kind], self.world and self.world.verbs)
        kind, agent_cats, patient_cats = VERBS[verb]
        agent = self.entity(rng.choice(agent_cats), role=(verb, "agent"))
        patient = (
            self.entity(rng.choice(patient_cats), role=(verb, "patient")) if patient_cats else None
        )
        recipient = None
        if kind == "ditransitive" and rng.random() < k.recipient_rate:
            recipient = self.entity("person")
        tense = "future" if rng.random() < k.future_rate else "past"
        return Event(
            verb=verb,
            agent=agent,
            patient=patient,
            recipient=recipient,
            place=self.place() if rng.random() < k.place_rate else None,
            time=self.time_for(tense) if rng.random() < k.time_rate else None,
            tense=tense,
            negated=negation and rng.random() < k.negation_rate,
        )


def with_attr(entity: Entity, dim: str, value: str | None) -> Entity:
    """A copy of ``entity`` with dimension ``dim`` set to ``value`` (None removes it)."""
    attrs = tuple((d, v) for d, v in entity.attrs if d != dim)
    if value is not None:
        attrs += ((dim, value),)
    return replace(entity, attrs=attrs)
