"""Entailment between meanings: the NLI label of a (premise, hypothesis) pair of Events.

The semantics, stated once so that labels are derived, never hand-assigned:

* Noun phrases are **definite descriptions** of presupposed referents. Their description is
  upward monotone whatever the polarity: ``the red dog`` entails ``the dog`` and
  ``the dog`` (hypernym) entails ``the animal``. Two corresponding descriptions (same role,
  heads equal or in a hypernym relation) that give **different values in one exclusive
  dimension** (red/blue, big/small, old/young) or **different numbers** describe
  incompatible referents: contradiction.
* Modifiers of the event (place, time, recipient) are in the scope of negation: dropping one
  is entailment for a positive sentence and its converse for a negated one
  (``the dog did not run`` entails ``the dog did not run in the park``).
* Negation: a positive sentence contradicts a negated one when it entails the negated one's
  positive core (``the dog ran in the park`` vs. ``the dog did not run``).
* Different verbs, different tenses, non-corresponding participants (``dog`` vs ``cat``)
  or a different place/time: neither follows, so neutral.
"""

from __future__ import annotations

from dataclasses import replace

from weamlib.synth.meaning import Entity, Event, hypernym

ENTAILMENT, NEUTRAL, CONTRADICTION = "entailment", "neutral", "contradiction"
LABELS = (ENTAILMENT, NEUTRAL, CONTRADICTION)
_MODIFIERS = ("recipient", "place", "time")


def heads_compatible(a: str, b: str) -> bool:
    """Same head, or one is the other's hypernym (so they can denote the same referent)."""
    return a == b or hypernym(a) == b or hypernym(b) == a


def subsumes(general: Entity, specific: Entity) -> bool:
    """``specific`` entails ``general`` as a description (``the red dog`` -> ``the dog``)."""
    head_ok = general.head == specific.head or hypernym(specific.head) == general.head
    return head_ok and set(general.attrs) <= set(specific.attrs) and general.count == specific.count


def conflict(a: Entity, b: Entity) -> bool:
    """Corresponding descriptions that cannot denote the same referent."""
    if not heads_compatible(a.head, b.head):
        return False
    if a.count != b.count:
        return True
    da, db = dict(a.attrs), dict(b.attrs)
    return any(da[d] != db[d] for d in da.keys() & db.keys())


def _entities(event: Event) -> dict[str, Entity]:
    out = {"agent": event.agent, "patient": event.patient, "recipient": event.recipient}
    if event.place is not None:
        out[f"place:{event.place.relation}"] = event.place.ground
    return {k: v for k, v in out.items() if v is not None}


def _modifier_entails(p_value, h_value) -> bool:
    """A modifier of P (present) is at least as specific as the same modifier of H."""
    if isinstance(p_value, Entity):
        return subsumes(h_value, p_value)
    if hasattr(p_value, "relation"):  # Place
        return p_value.relation == h_value.relation and subsumes(h_value.ground, p_value.ground)
    return p_value == h_value  # time concept


def entails_same_polarity(p: Event, h: Event) -> bool:
    """P entails H, both with the same polarity (``p.negated == h.negated``)."""
    if p.verb != h.verb or p.tense != h.tense or p.negated != h.negated:
        return False
    if not subsumes(h.agent, p.agent):
        return False
    if (p.patient is None) != (h.patient is None):
        return False
    if p.patient is not None and not subsumes(h.patient, p.patient):
        return False
    for mod in _MODIFIERS:
        pv, hv = p.role(mod), h.role(mod)
        # positive: every modifier of H must be in P; negated: every modifier of P in H.
        need, have = (hv, pv) if not p.negated else (pv, hv)
        if need is None:
            continue
        if have is None:
            return False
        if not (_modifier_entails(pv, hv)):
            return False
    return True


def has_conflict(p: Event, h: Event) -> bool:
    """The two events are about the same situation and describe a participant incompatibly."""
    if p.verb != h.verb or p.tense != h.tense:
        return False
    pe, he = _entities(p), _entities(h)
    return any(conflict(pe[r], he[r]) for r in pe.keys() & he.keys())


def nli_label(premise: Event, hypothesis: Event) -> str:
    """``"entailment"``, ``"neutral"`` or ``"contradiction"`` for a pair of meanings."""
    if has_conflict(premise, hypothesis):
        return CONTRADICTION
    if premise.negated == hypothesis.negated:
        return ENTAILMENT if entails_same_polarity(premise, hypothesis) else NEUTRAL
    positive, negative = (premise, hypothesis) if hypothesis.negated else (hypothesis, premise)
    core = replace(negative, negated=False)
    return CONTRADICTION if entails_same_polarity(positive, core) else NEUTRAL
