"""Time the synthetic typology suite and measure its NLI single-side shortcuts.

Builds each profile's suite into a temporary folder (never the run store) and prints the
generation seconds (in total and per part: monolingual, parallel, NLI, QA), files, MB,
realised sentences and sentences per second. For each suite it also prints naive Bayes
accuracies on English dev and test from premises alone and hypotheses alone (bag of words,
of bigrams, and sentence length), which should sit near chance (33.3%), and from the words
that differ between premise and hypothesis, a shallow pair baseline that shows the task
stays learnable but not trivial.

    python benchmarks/bench_synth.py [--profiles smoke default] [--seed 0] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from weamlib.data.suitefiles import load_manifest, load_nli, load_qa, suite_specs
from weamlib.synth.baselines import naive_bayes_accuracy
from weamlib.synth.suite import SynthConfig, build_suite

PARTS = ("mono", "parallel", "nli", "qa")


def words(sentence: str) -> str:
    return sentence


def bigrams(sentence: str) -> str:
    tokens = sentence.lower().split()
    return " ".join(f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False))


def length(sentence: str) -> str:
    return f"n{len(sentence.split())}"


def difference(premise: str, hypothesis: str) -> str:
    """Words only in the hypothesis (+w), only in the premise (-w), and the negations."""
    p, h = Counter(premise.lower().split()), Counter(hypothesis.lower().split())
    return " ".join(
        [f"+{w}" for w in (h - p).elements()]
        + [f"-{w}" for w in (p - h).elements()]
        + [f"p-not:{p['not'] > 0}", f"h-not:{h['not'] > 0}"]
    )


def shortcut_table(suite: Path) -> dict:
    """Naive Bayes accuracies trained on English train, tested on English dev and test."""
    train = load_nli(suite, "train", "en")
    labels = [e.label for e in train]
    out = {}
    for split in ("dev", "test"):
        test = load_nli(suite, split, "en")
        gold = [e.label for e in test]
        row = {}
        for side in ("premise", "hypothesis"):
            for name, feature in (("words", words), ("bigrams", bigrams), ("length", length)):
                row[f"{side} {name}"] = naive_bayes_accuracy(
                    [feature(getattr(e, side)) for e in train],
                    labels,
                    [feature(getattr(e, side)) for e in test],
                    gold,
                )
        row["pair difference"] = naive_bayes_accuracy(
            [difference(e.premise, e.hypothesis) for e in train],
            labels,
            [difference(e.premise, e.hypothesis) for e in test],
            gold,
        )
        out[split] = row
    return out


def count_sentences(suite: Path) -> int:
    """Realised sentences in the suite's files: one per monolingual line, two per parallel
    pair and NLI item, and per QA item its question and context sentences (counted by the
    language's full stop; translate-train contexts count as their English originals, since
    noise may replace a full stop)."""
    marks = {code: spec["statement_mark"] for code, spec in suite_specs(suite).items()}
    per_item = {"mono": 1, "parallel": 2, "nli": 2}
    context_sentences = {}
    total = 0
    for f in load_manifest(suite)["files"]:
        part = f["path"].split("/")[0]
        if part in per_item and not f["path"].endswith(".gold"):
            total += per_item[part] * f["count"]
        elif f["role"].startswith("qa-") and f["role"] != "qa-question-types":
            split = f["role"].removeprefix("qa-")
            if split == "translate-train":
                continue
            items = load_qa(suite, split, f["language"])
            n = sum(ex.context.split().count(marks[f["language"]]) for ex in items)
            context_sentences[(split, f["language"])] = n
            total += n + len(items)
    for f in load_manifest(suite)["files"]:
        if f["role"] == "qa-translate-train":
            total += context_sentences[("train", "en")] + f["count"]
    return total


def bench_profile(profile: str, seed: int) -> dict:
    config = SynthConfig.for_profile(profile, seed=seed)
    marks: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="weam-bench-synth-") as tmp:
        suite = Path(tmp) / "suite"
        start = time.perf_counter()
        summary = build_suite(
            config,
            suite,
            progress=lambda message: marks.append((message.split()[0], time.perf_counter())),
        )
        seconds = time.perf_counter() - start
        parts, last = {}, start
        for part, when in marks:
            parts[part] = parts.get(part, 0.0) + when - last
            last = when
        sentences = count_sentences(suite)
        shortcuts = shortcut_table(suite)
    return {
        "profile": profile,
        "seed": seed,
        "seconds": round(seconds, 2),
        "part_seconds": {p: round(parts.get(p, 0.0), 2) for p in PARTS},
        "files": summary["files"],
        "megabytes": round(summary["bytes"] / 1e6, 2),
        "sentences": sentences,
        "sentences_per_second": round(sentences / seconds),
        "nli_shortcuts": shortcuts,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["smoke", "default"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    results = [bench_profile(profile, args.seed) for profile in args.profiles]
    print(
        f"{'profile':8s} {'seconds':>8s} {'mono':>6s} {'par.':>6s} {'nli':>6s} {'qa':>6s}"
        f" {'files':>6s} {'MB':>7s} {'sentences':>10s} {'sent/s':>8s}"
    )
    for r in results:
        parts = " ".join(f"{r['part_seconds'][p]:6.1f}" for p in PARTS)
        print(
            f"{r['profile']:8s} {r['seconds']:8.1f} {parts} {r['files']:6d}"
            f" {r['megabytes']:7.1f} {r['sentences']:10d} {r['sentences_per_second']:8d}"
        )
    for r in results:
        print(f"\nNLI naive Bayes accuracy, English, profile {r['profile']} (chance 33.3%):")
        table = r["nli_shortcuts"]
        print(f"  {'features':22s} " + " ".join(f"{split:>6s}" for split in table))
        for name in table["dev"]:
            print(f"  {name:22s} " + " ".join(f"{table[s][name]:6.1%}" for s in table))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
