"""What an NLI hypothesis changed: the phenomena of each item, read off its two meanings.

:func:`edit_kinds` compares a premise and a hypothesis (two Events) and names every
difference: an attribute added, dropped or swapped (with its dimension), a head made more
specific or more general (hypernym), a participant replaced, a number changed, a
modifier (place, time, recipient) added, dropped or changed, a different verb, and the
polarity (negation) of each side. The suite writes these records beside its dev and test
sets (``nli/{split}-phenomena.tsv``: one row per item, the same items in every language),
so that accuracy can be broken down by phenomenon for every language.

May import: :mod:`weamlib.synth.meaning`.
"""

from __future__ import annotations

from weamlib.synth.meaning import Entity, Event, hypernym

ENTITY_SLOTS = ("agent", "patient", "recipient", "place")
COLUMNS = ("edits", "n_edits", "dimensions", "polarity")


def _entity(event: Event, slot: str) -> Entity | None:
    if slot == "place":
        return event.place.ground if event.place is not None else None
    return getattr(event, slot)


def _entity_edits(a: Entity, b: Entity) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    if a.head != b.head:
        if hypernym(a.head) == b.head:
            out.append(("generalise", None))
        elif hypernym(b.head) == a.head:
            out.append(("specialise", None))
        else:
            out.append(("referent", None))
    attrs_a, attrs_b = dict(a.attrs), dict(b.attrs)
    for dim in sorted(set(attrs_a) | set(attrs_b)):
        if dim not in attrs_b:
            out.append(("drop_attr", dim))
        elif dim not in attrs_a:
            out.append(("add_attr", dim))
        elif attrs_a[dim] != attrs_b[dim]:
            out.append(("swap_attr", dim))
    if a.count != b.count:
        out.append(("number", None))
    return out


def edit_kinds(premise: Event, hypothesis: Event) -> list[tuple[str, str | None]]:
    """Every difference of ``hypothesis`` from ``premise`` as ``(kind, dimension or None)``,
    in slot order; polarity is reported apart (:func:`record`)."""
    out: list[tuple[str, str | None]] = []
    if premise.verb != hypothesis.verb:
        out.append(("verb", None))
    for slot in ENTITY_SLOTS:
        a, b = _entity(premise, slot), _entity(hypothesis, slot)
        if a is None and b is None:
            continue
        modifier = slot in ("recipient", "place")
        if a is None:
            out.append((f"add_{slot}" if modifier else "referent", None))
        elif b is None:
            out.append((f"drop_{slot}" if modifier else "referent", None))
        else:
            out += _entity_edits(a, b)
            if slot == "place" and premise.place.relation != hypothesis.place.relation:
                out.append(("place_relation", None))
    if premise.time != hypothesis.time:
        if premise.time is None:
            out.append(("add_time", None))
        elif hypothesis.time is None:
            out.append(("drop_time", None))
        else:
            out.append(("change_time", None))
    return out


def record(premise: Event, hypothesis: Event) -> dict[str, str | int]:
    """The phenomena row of one item: ``edits`` (kinds, comma-separated, sorted),
    ``n_edits``, ``dimensions`` (of attribute edits, comma-separated; empty if none) and
    ``polarity`` (``positive``, ``negated`` or ``mixed``: premise and hypothesis differ)."""
    kinds = edit_kinds(premise, hypothesis)
    if premise.negated == hypothesis.negated:
        polarity = "negated" if premise.negated else "positive"
    else:
        polarity = "mixed"
    return {
        "edits": ",".join(sorted({k for k, _ in kinds})) or "none",
        "n_edits": len(kinds),
        "dimensions": ",".join(sorted({d for _, d in kinds if d})),
        "polarity": polarity,
    }
