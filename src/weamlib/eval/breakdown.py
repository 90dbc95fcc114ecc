"""NLI accuracy broken down by phenomenon, for every language: where transfer fails.

A fine-tuning run keeps its test predictions (``predictions-test-<lang>.txt``); the suite
records what each test hypothesis changed (:mod:`weamlib.synth.phenomena`,
``nli/test-phenomena.tsv``, the same items in every language). :func:`phenomenon_frame`
joins them: one row per run, language, item; :func:`phenomenon_table` gives accuracy per
phenomenon (rows) and language (columns), each cell with the number of items it counts.

May import: :mod:`weamlib.data.suitefiles`, :mod:`weamlib.store.runs`.
"""

from __future__ import annotations

from collections.abc import Iterable

from weamlib.data.suitefiles import load_nli, load_phenomena
from weamlib.store.runs import Run

# phenomenon groups read off an item's record: (name, test on the record)
GROUPS = (
    ("one edit", lambda r: r["n_edits"] == 1),
    ("two or more edits", lambda r: r["n_edits"] >= 2),
    ("positive items", lambda r: r["polarity"] == "positive"),
    ("negated items", lambda r: r["polarity"] == "negated"),
    ("polarity differs", lambda r: r["polarity"] == "mixed"),
    ("attribute added", lambda r: "add_attr" in r["edits"].split(",")),
    ("attribute dropped", lambda r: "drop_attr" in r["edits"].split(",")),
    ("attribute swapped", lambda r: "swap_attr" in r["edits"].split(",")),
    ("hypernym (generalise)", lambda r: "generalise" in r["edits"].split(",")),
    ("hyponym (specialise)", lambda r: "specialise" in r["edits"].split(",")),
    ("number changed", lambda r: "number" in r["edits"].split(",")),
    ("participant replaced", lambda r: "referent" in r["edits"].split(",")),
    ("verb changed", lambda r: "verb" in r["edits"].split(",")),
    (
        "modifier added/dropped",
        lambda r: any(
            k.startswith(("add_", "drop_")) and k not in ("add_attr", "drop_attr")
            for k in r["edits"].split(",")
        ),
    ),
)


def read_predictions(run: Run, lang: str) -> list[str]:
    """The test-set labels a fine-tuning run predicted for ``lang``, in item order."""
    path = run.file(f"predictions-test-{lang}.txt")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the run kept no NLI test predictions for {lang!r}")
    return path.read_text(encoding="utf-8").splitlines()


def phenomenon_frame(runs: Iterable[Run], suite, languages: Iterable[str]):
    """Tidy rows ``run, language, item, label, correct`` plus the item's phenomena."""
    import pandas as pd

    records = load_phenomena(suite, "test")
    rows = []
    for run in runs:
        for lang in languages:
            gold = [e.label for e in load_nli(suite, "test", lang)]
            pred = read_predictions(run, lang)
            if not len(gold) == len(pred) == len(records):
                raise ValueError(
                    f"{run.path}: {len(pred)} predictions for {lang!r}, {len(gold)} test items,"
                    f" {len(records)} phenomena records: they must be the same items"
                )
            for i, (g, p, rec) in enumerate(zip(gold, pred, records, strict=True)):
                rows.append(
                    {"run": run.path.name, "language": lang, "item": i, "label": g,
                     "correct": g == p, **rec}
                )  # fmt: skip
    return pd.DataFrame(rows)


def phenomenon_table(frame, languages: Iterable[str] | None = None):
    """Accuracy (0-100) per phenomenon group (rows, :data:`GROUPS`, plus ``all items``) and
    language (columns, in ``languages`` order), over every run in ``frame``; ``n`` is the
    number of test items of the group."""
    import pandas as pd

    languages = list(languages or dict.fromkeys(frame["language"]))
    records = frame.drop_duplicates("item").set_index("item")
    table = {}
    for name, test in (("all items", lambda r: True), *GROUPS):
        items = [i for i, r in records.iterrows() if test(r)]
        if not items:
            continue
        part = frame[frame["item"].isin(items)]
        row = {lang: 100 * part[part.language == lang]["correct"].mean() for lang in languages}
        table[name] = {"n": len(items), **row}
    return pd.DataFrame.from_dict(table, orient="index")
