"""What the pre-training chapter (03) shows, computed from its runs: the paragraph on the
models, the table of the runs, the losses in words, the probes' last layer, WEAM's worked
example of cross-lingual prediction and the throughput tables.

Each function returns a table or a paragraph (Markdown) whose numbers come from the runs,
so the chapter is prose, calls and figures. Nothing here computes a cached run; no run's
code reaches this module, so editing it re-keys nothing.

May import: :mod:`weamlib.train.pretrain_runs`, :mod:`weamlib.train.pretrain`, :mod:`weamlib.models.model`,
:mod:`weamlib.eval.probe`, :mod:`weamlib.study.settings` (types), pandas, transformers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from weamlib.store.runs import Run, RunStore
from weamlib.study.settings import StudySettings


def tokenizer(suite, settings: StudySettings, store: RunStore | None = None):
    """The study's tokenizer: the imported base model's (``base.init_model``), else the one
    WordPiece vocabulary learnt on the suite."""
    from weamlib.train.pretrain_runs import import_base, study_tokenizer

    if settings.base.init_model:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(import_base(settings.base, store).file("model")))
    return study_tokenizer(suite, settings.vocab_size, store)


def about_models(settings: StudySettings, n_entries: int, n_languages: int) -> str:
    """The paragraph on the base model, the vocabulary (``n_entries``) and the continued
    runs over the suite's ``n_languages`` (English included)."""
    if settings.base.init_model:
        about_base = (
            f"The base model is `{settings.base.init_model}`, imported as it is, with "
            f"its vocabulary of {n_entries} entries. "
        )
    else:
        about_base = (
            f"One WordPiece vocabulary of {n_entries} entries serves every model and "
            f"chapter. The models have {settings.size.layers} layers of width "
            f"{settings.size.hidden} ({settings.size.heads} heads). The base model trains for "
            f"{settings.base.steps} steps of "
            + (
                f"{settings.base.batch_size} rows of two sentences of one language each "
                "(`[CLS] a [SEP] b [SEP]`, segments 0/1). "
                if settings.base.base_rows == "pair"
                else f"{settings.base.batch_size} sentences. "
            )
        )
    weam = settings.config("weam")
    return (
        about_base + f"Each continued objective trains for {weam.steps} steps of "
        f"{weam.batch_size} pairs over {n_languages - 1} en–X corpora."
    )


def script_copy_note(suite, tokenizer, settings: StudySettings) -> str:
    """A sentence per script-only copy of a language in the suite (the control): how many
    entries of the study's vocabulary are its own, and how many of its dev NLI sentences
    split exactly as their originals do, re-spelt. Empty when the suite has none, or when
    the tokenizer is an imported model's (``base.init_model``), which was not built so."""
    from weamlib.data.suitefiles import load_nli
    from weamlib.data.tokenize import respell, script_copies

    if settings.base.init_model:
        return ""
    notes = []
    for code, copy in script_copies(suite).items():
        chars, source = copy["characters"], copy["language"]
        letters = set("".join(chars.values()))
        own = sum(1 for piece in tokenizer.get_vocab() if set(piece.removeprefix("##")) <= letters)
        same = total = 0
        for a, b in zip(load_nli(suite, "dev", source), load_nli(suite, "dev", code), strict=True):
            for x, y in ((a.premise, b.premise), (a.hypothesis, b.hypothesis)):
                total += 1
                same += tokenizer.tokenize(y) == [respell(t, chars) for t in tokenizer.tokenize(x)]
        notes.append(
            f" The control language `{code}` is not learnt from: its {own} entries are the"
            f" pieces of `{source}` re-spelt in its alphabet, so {same} of its {total} dev"
            f" sentences split exactly as their `{source}` originals do, into pieces of its own."
        )
    return "".join(notes)


def runs_table(runs: Mapping[str, Run]) -> pd.DataFrame:
    """One row per pre-training run (indexed by model): steps, final loss, minutes,
    tokens/s (rounded)."""
    return (
        pd.DataFrame(
            [
                {
                    "model": name,
                    "steps": run.results["steps"],
                    "final loss": run.results["final_loss"],
                    "minutes": run.results["seconds"] / 60,
                    "tokens/s": run.results["tokens_per_second"],
                }
                for name, run in runs.items()
            ]
        )
        .set_index("model")
        .round(2)
    )


def seed_losses_table(seed_runs: Mapping[int, Mapping[str, Run]]) -> pd.DataFrame:
    """Final pre-training loss per model (rows) and pre-training seed (columns)."""
    table = pd.DataFrame(
        {
            f"seed {seed}": {name: run.results["final_loss"] for name, run in runs.items()}
            for seed, runs in seed_runs.items()
        }
    )
    table.index.name = "final loss"
    return table.round(3)


def loss_numbers(losses: pd.DataFrame) -> dict[str, float]:
    """From :func:`weamlib.train.pretrain_runs.loss_frame`: the base model's mean MLM loss over
    the first and the last tenth of its logged steps; WEAM's cross-lingual and multilingual
    prediction losses (mean of its last three logs); the word-aligned model's distance
    term at its first and last log and its English regulariser at the last."""
    base = losses[losses.model == "base"]
    tenth = max(1, len(base) // 10)
    weam_last = losses[losses.model == "weam"].tail(3)
    aligned = losses[losses.model == "word_aligned"]
    return {
        "base_first": base.iloc[:tenth].loss.mean(),
        "base_last": base.iloc[-tenth:].loss.mean(),
        "weam_cross": weam_last.cross_loss.mean(),
        "weam_mlm": weam_last.mlm_loss.mean(),
        "aligned_first": aligned.mlm_loss.iloc[0],
        "aligned_last": aligned.mlm_loss.iloc[-1],
        "aligned_regulariser": aligned.cross_loss.iloc[-1],
    }


def loss_text(n: Mapping[str, float]) -> str:
    """The losses (:func:`loss_numbers`) in words."""
    return (
        f"The base model's MLM loss falls from {n['base_first']:.2f} (first tenth of the "
        f"logged steps) to {n['base_last']:.2f} (last tenth). For WEAM the word-aligned "
        f"state predicts the masked word with a loss of {n['weam_cross']:.2f} at "
        f"the end, against {n['weam_mlm']:.2f} for the multilingual prediction. "
        f"The word-aligned model's mean squared distance between aligned words falls from "
        f"{n['aligned_first']:.1f} to {n['aligned_last']:.1f}, while its English "
        f"regulariser ends at {n['aligned_regulariser']:.2f}."
    )


def loss_summary(n: Mapping[str, float]) -> str:
    """The summary line of the losses."""
    return (
        f"The base model's MLM loss falls from {n['base_first']:.2f} to {n['base_last']:.2f}; "
        f"at the end WEAM's cross-lingual prediction loss is {n['weam_cross']:.2f} "
        f"against {n['weam_mlm']:.2f} for its multilingual prediction."
    )


def probe_runs(
    runs: Mapping[str, Run], suite, targets: Sequence[str], sentences: int, words: int
) -> pd.DataFrame:
    """The layer-wise retrieval probes (:func:`weamlib.eval.probe.ensure_probe`) of every run,
    with a ``model`` column."""
    from weamlib.eval.probe import ensure_probe

    frames = [
        ensure_probe(run.file("model"), suite, targets, sentences, max_words=words).assign(
            model=name
        )
        for name, run in runs.items()
    ]
    return pd.concat(frames, ignore_index=True)


def last_layer(probes: pd.DataFrame) -> pd.DataFrame:
    """The probes at the last layer: rows (task, model), columns languages and their mean."""
    top = probes.layer.max()
    table = (
        probes[probes.layer == top]
        .groupby(["task", "model", "language"])
        .value.mean()
        .unstack("language")
    )
    table["mean"] = table.mean(axis=1)
    return table


def probe_numbers(table: pd.DataFrame) -> dict:
    """From :func:`last_layer`: sentence retrieval and word-translation P@1 (means over
    languages) per model, and the model highest on each."""
    sent = table.loc["sentence_retrieval", "mean"]
    word = table.loc["word_retrieval", "mean"]
    return {"sentence": sent, "word": word, "best_sentence": sent.idxmax(),
            "best_word": word.idxmax()}  # fmt: skip


def probe_text(n: Mapping, seed: int) -> str:
    """The last-layer probes (:func:`probe_numbers`) in words; ``seed``: pre-training's."""
    sent, word = n["sentence"], n["word"]
    return (
        f"At the last layer, sentence retrieval averaged over languages and both directions "
        f"is {sent['base']:.1f} % for the base model and ranges from {sent.min():.1f} % to "
        f"{sent.max():.1f} % across models ({n['best_sentence']} highest). Word-translation "
        f"precision@1 is {word['base']:.1f} % for the base model and highest for "
        f"{n['best_word']} ({word.max():.1f} %). Each model here is one pre-training run "
        f"(seed {seed}), so these figures carry no interval: they describe these runs, and "
        "differences of a point or two between models are not evidence of an effect. "
        "Whether the probes predict transfer on the tasks is for the next chapters to show."
    )


def probe_summary(n: Mapping) -> str:
    """The summary line of the probes."""
    sent, word = n["sentence"], n["word"]
    return (
        f"Last-layer sentence retrieval: {sent['base']:.1f} % for the base model, "
        f"{sent.min():.1f}–{sent.max():.1f} % across models ({n['best_sentence']} highest); "
        f"word translation P@1 is highest for {n['best_word']} ({word.max():.1f} %). The "
        "probes read one pre-training run per model (the first seed): no intervals."
    )


def weam_example(
    suite, language: str, model_dir, tokenizer, store: RunStore | None = None
) -> tuple[str, pd.DataFrame]:
    """WEAM's two predictions for one masked English word of the last held-out en–
    ``language`` pair: from its own final state and from its aligned partner's (the
    swapped state). The word is the first aligned alphabetic word longer than three
    characters (else the first aligned word); the links are the gold ones, or on real data
    (no gold) eflomal's, the pre-training links. Returns the pair as Markdown and the top
    predictions (rows: rank; columns: token and probability of each prediction)."""
    from transformers import AutoModelForMaskedLM

    from weamlib.models.model import exchange_predictions
    from weamlib.train.pretrain import parallel_pairs
    from weamlib.train.pretrain_runs import pair_links

    pairs, gold = parallel_pairs(suite, language)
    src, tgt = pairs[-1]
    if gold:
        links = sorted(gold[-1].sure)
    else:
        links = sorted(pair_links(suite, language, "eflomal", 0, store)[-1])
    content = [i for i, _ in links if src[i].isalpha() and len(src[i]) > 3]
    word_index = content[0] if content else links[0][0]
    model = AutoModelForMaskedLM.from_pretrained(str(model_dir))
    example = exchange_predictions(model, tokenizer, list(src), list(tgt), links, word_index)
    header = (
        f"English: *{' '.join(src)}*  \n{language}: *{' '.join(tgt)}*  \n"
        f"Masked word: **{src[word_index]}**"
    )
    table = example.pivot(index="rank", columns="prediction", values=["token", "prob"]).round(3)
    return header, table


BENCHMARK_STAGES = ("reference", "mlm", "tlm", "word_aligned", "weam")


def speed_table(bench: Mapping) -> pd.DataFrame:
    """Tokens/s of each timed step (:func:`weamlib.study.benchmarks.ensure_benchmark`) and its
    ratio to the Hugging Face reference (rounded)."""
    speed = pd.DataFrame({"tokens/s": {k: bench[k] for k in BENCHMARK_STAGES}})
    speed["× reference"] = speed["tokens/s"] / bench["reference"]
    return speed.round(2)


def speed_text(bench: Mapping) -> str:
    """The benchmark against its bars, with when and how it was measured."""
    return (
        f"Our MLM step runs at {bench['mlm'] / bench['reference']:.2f}× the fp32 reference's "
        f"tokens/s (bar: ≥ 3×). A WEAM step costs {bench['weam_over_tlm_step']:.2f}× "
        f"a TLM step on the same batches of pairs (bar: ≤ 1.3×)"
        + (
            f"; per real token, WEAM costs {bench['weam_cost_over_mlm']:.2f}× the base MLM "
            "(it masks twice as many tokens and adds the cross-lingual prediction)"
            if "weam_cost_over_mlm" in bench
            else ""
        )
        + ". Measured "
        f"{bench['measured_at']} with {bench['threads']} thread, load average "
        f"{bench['load_average'][0]:.1f} at the start."
    )


def speed_summary(bench: Mapping) -> str:
    """The summary line of the benchmark."""
    return (
        f"Our MLM step runs at {bench['mlm'] / bench['reference']:.2f}× the Hugging Face "
        f"reference's tokens/s; a WEAM step costs {bench['weam_over_tlm_step']:.2f}× a TLM step."
    )


def gpu_texts(gpu: pd.DataFrame) -> list[str]:
    """One sentence per device of the recorded GPU benchmarks
    (:func:`weamlib.study.benchmarks.recorded_gpu_benchmarks`): WEAM's cost over TLM and the MLM
    control's speed over the reference."""
    out = []
    for device, rows in gpu.groupby("device"):
        speed = rows.set_index("stage")["tokens/s"]
        out.append(
            f"On the {device} ({rows['date'].iloc[0]}, commit {rows['commit'].iloc[0]}), a "
            f"WEAM step costs {speed['tlm'] / speed['weam']:.2f}× a TLM step and the MLM "
            f"control runs at {speed['mlm_control'] / speed['reference']:.2f}× the Hugging "
            f"Face reference."
        )
    return out


def bullets(lines: Sequence[str]) -> str:
    """Markdown bullets, one per line (a chapter's summary)."""
    return "\n".join(f"* {line}" for line in lines)
