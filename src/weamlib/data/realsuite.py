"""Real data laid out as a suite: the study's data for the ``paper`` and ``paper-smoke``
profiles.

The pre-training, fine-tuning and results code reads a *suite folder* (``mono/``,
``parallel/``, ``nli/``, ``qa/`` and ``manifest.json``; see :mod:`weamlib.synth.suite`).
This module writes one from real corpora, so the very same code runs on real data:

============================  ==========================================  ==========================================
suite file                    ``paper``                                   ``paper-smoke`` (stand-ins, ``../shared/data``)
============================  ==========================================  ==========================================
``parallel/en-X.txt``         OPUS-100 en-X train (word-split)            Tatoeba en-X (word-split)
``mono/X.txt``                the X side of the parallel corpora          the same
``nli/train-en.tsv``          MultiNLI train                              XNLI dev-en, first ``nli_train`` items
``nli/dev-X.tsv``             XNLI dev                                    XNLI dev-X, the items after those
``nli/test-X.tsv``            XNLI test                                   XNLI test-X (first ``test_limit``)
``nli/translate-train-X.tsv`` XNLI-MT 1.0 (MultiNLI machine-translated)   XNLI dev-X, first ``nli_train`` items
``qa/train-…-en-…``           SQuAD v1.1 train                            TyDiQA-GoldP English train
``qa/dev-…-X-…``              MLQA dev                                    MLQA dev-X, first ``qa_dev`` items
``qa/test-…-X-…``             MLQA test                                   MLQA dev-X, the items after those
``qa/translate-train-…``      SQuAD translate-train (XTREME)              XQuAD-X (human translations of SQuAD)
============================  ==========================================  ==========================================

The stand-ins keep the protocol's shape (English training data, English dev for model
selection, parallel test sets, translations of the English training items for
translate-train) with the files present on this machine; their numbers are not
comparable with the paper's.

Before alignment each sentence is split into words as suits its language
(:mod:`weamlib.data.wordsplit`: Moses-style punctuation splitting; characters for zh, ja, th).
Fine-tuning data keeps its raw text (the subword tokenizer splits it).
The suite is cached in the run store (kind ``"realsuite"``) under its settings, the
sha256 of every input file and this module's code.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

from weamlib.core.errors import ConfigError
from weamlib.data import formats
from weamlib.store.runkinds import RunSpec
from weamlib.store.runs import RunStore

KIND = "realsuite"
FORMAT = 1  # the manifest layout version (not part of the cache key)
PARALLEL_SOURCES = ("tatoeba", "opus100", "un_v1.0", "paracrawl_en_sw")
NLI_SOURCES = ("xnli-dev-stand-in", "multinli")
QA_SOURCES = ("tydiqa-stand-in", "squad")


@dataclass(frozen=True)
class RealSuiteConfig:
    """Which real files make a suite, and how many items of each.

    ``languages``: English first, then every language paired with English for
    pre-training. ``nli_languages`` / ``qa_languages``: the languages each task is
    evaluated in (subsets of ``languages``, English first). A limit of None keeps all.
    """

    name: str
    languages: tuple[str, ...]
    nli_languages: tuple[str, ...]
    qa_languages: tuple[str, ...]
    parallel: str = "tatoeba"
    parallel_by_language: tuple[tuple[str, str], ...] = ()  # (lang, source) exceptions
    parallel_split: str = "train"
    parallel_pairs: int | None = None
    nli: str = "xnli-dev-stand-in"
    nli_train: int | None = None
    nli_dev: int | None = None
    qa: str = "tydiqa-stand-in"
    qa_train: int | None = None
    qa_dev: int | None = None
    test_limit: int | None = None

    def __post_init__(self):
        for name in ("languages", "nli_languages", "qa_languages"):
            langs = getattr(self, name)
            if not langs or langs[0] != "en" or len(set(langs)) != len(langs):
                raise ConfigError(f"{name} must list distinct languages, English first: {langs!r}")
        for name in ("nli_languages", "qa_languages"):
            extra = set(getattr(self, name)) - set(self.languages)
            if extra:
                raise ConfigError(f"{name}: {sorted(extra)} are not in languages {self.languages}")
        for lang, source in self.parallel_by_language:
            if lang not in self.languages[1:] or source not in PARALLEL_SOURCES:
                raise ConfigError(f"parallel_by_language: ({lang!r}, {source!r}) needs a language of languages and one of {', '.join(PARALLEL_SOURCES)}")  # fmt: skip
        checks = (("parallel", PARALLEL_SOURCES), ("nli", NLI_SOURCES), ("qa", QA_SOURCES))
        for name, allowed in checks:
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")  # fmt: skip
        for name in ("parallel_pairs", "nli_train", "nli_dev", "qa_train", "qa_dev", "test_limit"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):  # fmt: skip
                raise ConfigError(f"{name} must be None or an int >= 1, got {value!r}")
        if self.nli == "xnli-dev-stand-in" and not (self.nli_train and self.nli_dev):
            raise ConfigError("the XNLI-dev stand-in splits XNLI dev: set nli_train and nli_dev")
        if self.qa == "tydiqa-stand-in" and not self.qa_dev:
            raise ConfigError("the TyDiQA stand-in splits MLQA dev into dev and test: set qa_dev")


MLQA = ("en", "es", "de", "ar", "hi", "vi", "zh")
XNLI = ("en", "fr", "es", "de", "el", "bg", "ru", "tr", "ar", "vi", "th", "zh", "hi", "sw", "ur")

#: The suites of the real-data profiles. ``paper``'s sizes not given by the paper
#: (parallel pairs per language) are our choice; see notebooks/profiles/paper.yml.
REAL_SUITES = {
    "paper-smoke": RealSuiteConfig(
        name="paper-smoke",
        languages=MLQA,
        nli_languages=MLQA,
        qa_languages=MLQA,
        parallel="tatoeba",
        parallel_pairs=400,
        nli="xnli-dev-stand-in",
        nli_train=2000,
        nli_dev=300,
        qa="tydiqa-stand-in",
        qa_dev=40,
        test_limit=100,
    ),
    "paper": RealSuiteConfig(
        name="paper",
        languages=(*MLQA, *(x for x in XNLI if x not in MLQA)),
        nli_languages=XNLI,
        qa_languages=MLQA,
        parallel="opus100",
        parallel_by_language=(("sw", "paracrawl_en_sw"),),  # OPUS-100 has no Swahili
        parallel_split="train",
        parallel_pairs=100_000,  # our choice: the paper does not give its corpus sizes
        nli="multinli",
        qa="squad",
    ),
}


def real_profile(profile: str) -> bool:
    """Whether ``profile`` studies real data (a suite of :data:`REAL_SUITES`)."""
    return profile in REAL_SUITES


# --------------------------------------------------------------------------- reading


def _read_parallel(cfg: RealSuiteConfig, lang: str, data_dir):
    from weamlib.data.datasets import load_parallel_real

    source = dict(cfg.parallel_by_language).get(lang, cfg.parallel)
    split = cfg.parallel_split if source in ("opus100", "un_v1.0") else "dev"
    return load_parallel_real(
        source, lang, split, data_dir, tokenized=False, limit=cfg.parallel_pairs
    )


def _nli_sets(cfg: RealSuiteConfig, data_dir) -> dict[tuple[str, str], list]:
    from weamlib.data.datasets import load_multinli, load_xnli, load_xnli_mt

    sets = {}
    n_train, n_dev = cfg.nli_train, cfg.nli_dev
    for lang in cfg.nli_languages:
        dev = load_xnli(lang, "dev", data_dir)
        test = load_xnli(lang, "test", data_dir)[: cfg.test_limit]
        if cfg.nli == "xnli-dev-stand-in":
            if len(dev) < n_train + n_dev:
                raise ConfigError(
                    f"XNLI dev-{lang} has {len(dev)} items; nli_train + nli_dev = {n_train + n_dev}"
                )
            train, dev = dev[:n_train], dev[n_train : n_train + n_dev]
        else:
            train = (load_multinli("train", data_dir) if lang == "en" else load_xnli_mt(lang, data_dir))[:n_train]  # fmt: skip
            dev = dev[:n_dev]
        sets[("train" if lang == "en" else "translate-train", lang)] = train
        sets[("dev", lang)] = dev
        sets[("test", lang)] = test
    return sets


def _qa_sets(cfg: RealSuiteConfig, data_dir) -> dict[tuple[str, str], list]:
    from weamlib.data.datasets import (
        load_mlqa,
        load_squad,
        load_squad_translate_train,
        load_tydiqa_en,
        load_xquad,
    )

    sets = {}
    for lang in cfg.qa_languages:
        if cfg.qa == "tydiqa-stand-in":
            dev_all = load_mlqa(lang, "dev", data_dir)
            dev = dev_all[: cfg.qa_dev]
            test = dev_all[cfg.qa_dev :][: cfg.test_limit]
            train = load_tydiqa_en("train", data_dir) if lang == "en" else load_xquad(lang, data_dir)  # fmt: skip
        else:
            dev = load_mlqa(lang, "dev", data_dir)[: cfg.qa_dev]
            test = load_mlqa(lang, "test", data_dir)[: cfg.test_limit]
            train = load_squad("train", data_dir) if lang == "en" else load_squad_translate_train(lang, data_dir)  # fmt: skip
        train = [ex for ex in train if ex.answers][: cfg.qa_train]
        if not train or not dev or not test:
            raise ConfigError(f"QA data for {lang!r} is empty (train {len(train)}, dev {len(dev)}, test {len(test)})")  # fmt: skip
        sets[("train" if lang == "en" else "translate-train", lang)] = train
        sets[("dev", lang)] = dev
        sets[("test", lang)] = test
    return sets


def input_files(cfg: RealSuiteConfig, data_dir=None) -> list[Path]:
    """The real files a suite is made from (their sha256 keys the cached suite)."""
    from weamlib.data import datasets as data

    seen: list[Path] = []
    original = data.find_file

    def recording(relative, data_dir=None, fetch_name=""):
        path = original(relative, data_dir, fetch_name)
        if path not in seen:
            seen.append(path)
        return path

    data.find_file = recording  # every loader resolves its files through find_file
    try:
        for lang in cfg.languages[1:]:
            _read_parallel(cfg, lang, data_dir)
        _nli_sets(cfg, data_dir)
        _qa_sets(cfg, data_dir)
    finally:
        data.find_file = original
    return seen


# --------------------------------------------------------------------------- writing


def split_pairs(pairs, lang: str) -> list[tuple[list[str], list[str]]]:
    """Raw ``(en, xx)`` sentence pairs -> word lists for alignment (pairs where either
    side has no word are dropped: an aligner cannot use them)."""
    from weamlib.data.wordsplit import split_words

    out = []
    for en, xx in pairs:
        src, tgt = split_words(en, "en"), split_words(xx, lang)
        if src and tgt:
            out.append((src, tgt))
    return out


def write_suite(cfg: RealSuiteConfig, folder: Path, data_dir=None, sources=None) -> dict:
    """Write the suite of ``cfg`` into ``folder`` (which must be empty or absent)."""
    from weamlib.data.suitefiles import qa_filename
    from weamlib.store.digests import file_sha256

    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    files: list[dict] = []

    def record(rel: str, lang: str, role: str, count: int) -> None:
        files.append({"path": rel, "language": lang, "role": role, "count": count})

    mono: dict[str, list[str]] = {lang: [] for lang in cfg.languages}
    for lang in cfg.languages[1:]:
        pairs = split_pairs(_read_parallel(cfg, lang, data_dir), lang)
        if not pairs:
            raise ConfigError(f"the en-{lang} parallel corpus ({cfg.parallel}) has no pair")
        rel = f"parallel/en-{lang}.txt"
        (folder / "parallel").mkdir(exist_ok=True)
        formats.write_parallel(folder / rel, pairs)
        record(rel, lang, "parallel", len(pairs))
        mono["en"].extend(" ".join(s) for s, _ in pairs)
        mono[lang].extend(" ".join(t) for _, t in pairs)
    (folder / "mono").mkdir(exist_ok=True)
    for lang, lines in mono.items():
        lines = list(dict.fromkeys(lines))  # English recurs across pairs
        formats.write_lines(folder / "mono" / f"{lang}.txt", lines)
        record(f"mono/{lang}.txt", lang, "mono", len(lines))
    (folder / "nli").mkdir(exist_ok=True)
    for (split, lang), examples in _nli_sets(cfg, data_dir).items():
        rel = f"nli/{split}-{lang}.tsv"
        formats.write_xnli_tsv(folder / rel, examples)
        record(rel, lang, f"nli-{split}", len(examples))
    (folder / "qa").mkdir(exist_ok=True)
    for (split, lang), examples in _qa_sets(cfg, data_dir).items():
        rel = f"qa/{qa_filename(split, lang)}"
        formats.write_squad_json(folder / rel, examples)
        record(rel, lang, f"qa-{split}", len(examples))
    for entry in files:
        entry["sha256"] = file_sha256(folder / entry["path"])
    manifest = {
        "format": FORMAT,
        "kind": "real",
        "config": dataclasses.asdict(cfg),
        "languages": list(cfg.languages),
        "tasks": {"nli": list(cfg.nli_languages), "qa": list(cfg.qa_languages)},
        "sources": sources or {},
        "files": files,
    }
    formats.atomic_write_text(
        folder / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    )
    return {
        "files": len(files),
        "seconds": round(time.perf_counter() - started, 2),
        "counts": {f["path"]: f["count"] for f in files},
    }


def _relative(path: Path, data_dir) -> str:
    """``path`` inside its data directory (the manifest must not depend on where that is)."""
    from weamlib.data.datasets import _roots

    for root in _roots(data_dir):
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return path.name


def ensure_real_suite(
    name: str, data_dir=None, store: RunStore | None = None, config: RealSuiteConfig | None = None
) -> Path:
    """The suite folder of the real-data profile ``name`` (or of ``config``), built once."""
    from weamlib.store.digests import file_sha256

    if config is None:
        if name not in REAL_SUITES:
            raise ConfigError(f"unknown real-data suite {name!r}; known: {', '.join(REAL_SUITES)}")
        config = REAL_SUITES[name]
    sources = {_relative(p, data_dir): file_sha256(p) for p in input_files(config, data_dir)}
    key = {
        "config": dataclasses.asdict(config),
        "inputs": sorted(sources.values()),
    }

    def build(folder: Path) -> dict:
        return write_suite(config, folder / "suite", data_dir, sources)

    store = store or RunStore()
    return RunSpec(KIND, key).run(store, build).path / "suite"


def is_real_suite(suite) -> bool:
    path = Path(suite) / "manifest.json"
    return path.is_file() and json.loads(path.read_text(encoding="utf-8")).get("kind") == "real"


def task_languages(suite, task: str) -> list[str]:
    """The languages ``task`` ("xnli"/"nli" or "mlqa"/"qa") is evaluated in: the real
    suite's own list, else every language of the suite."""
    from weamlib.data.suitefiles import load_manifest

    manifest = load_manifest(suite)
    key = {"xnli": "nli", "mlqa": "qa"}.get(task, task)
    if key not in ("nli", "qa"):
        raise ConfigError(f"unknown task {task!r}; choose xnli or mlqa")
    return list(manifest.get("tasks", {}).get(key) or manifest["languages"])


# --------------------------------------------------------------------------- describing

_DESCRIPTIONS = {
    ("parallel", "tatoeba"): "Tatoeba (LASER v1) en–X, word-split",
    ("parallel", "opus100"): "OPUS-100 v1.0 en–X train, word-split",
    ("parallel", "un_v1.0"): "UN Parallel Corpus v1.0 en–X, word-split",
    ("parallel", "paracrawl_en_sw"): "ParaCrawl v9 en–sw, word-split",
    (
        "nli-train",
        "xnli-dev-stand-in",
    ): "XNLI dev-en, first nli_train items (stand-in for MultiNLI)",
    ("nli-train", "multinli"): "MultiNLI 1.0 train",
    (
        "nli-translate-train",
        "xnli-dev-stand-in",
    ): "XNLI dev-X, the same items (stand-in for XNLI-MT)",
    ("nli-translate-train", "multinli"): "XNLI-MT 1.0 (MultiNLI train, machine-translated)",
    ("nli-dev", "xnli-dev-stand-in"): "XNLI dev, the items after the training items",
    ("nli-dev", "multinli"): "XNLI dev",
    ("nli-test", "xnli-dev-stand-in"): "XNLI test",
    ("nli-test", "multinli"): "XNLI test",
    ("qa-train", "tydiqa-stand-in"): "TyDiQA-GoldP English train (stand-in for SQuAD v1.1)",
    ("qa-train", "squad"): "SQuAD v1.1 train",
    ("qa-translate-train", "tydiqa-stand-in"): "XQuAD-X (stand-in for SQuAD translate-train)",
    ("qa-translate-train", "squad"): "SQuAD v1.1 translate-train (XTREME)",
    ("qa-dev", "tydiqa-stand-in"): "MLQA dev, first qa_dev items",
    ("qa-dev", "squad"): "MLQA dev",
    ("qa-test", "tydiqa-stand-in"): "MLQA dev, the items after those (stand-in for MLQA test)",
    ("qa-test", "squad"): "MLQA test",
}


def suite_table(suite):
    """One row per role of a real suite's files: where they come from, and the item count
    per language (a DataFrame; columns ``role``, ``source`` and one per language)."""
    import pandas as pd

    from weamlib.data.suitefiles import load_manifest

    manifest = load_manifest(suite)
    cfg = manifest["config"]
    source_of = {"parallel": cfg["parallel"], "nli": cfg["nli"], "qa": cfg["qa"]}
    by_language = dict(map(tuple, cfg.get("parallel_by_language") or ()))
    rows = {}
    for f in manifest["files"]:
        role = f["role"]
        if role == "mono":
            continue
        kind = by_language.get(f["language"], source_of[role.split("-")[0]]) if role == "parallel" else source_of[role.split("-")[0]]  # fmt: skip
        source = _DESCRIPTIONS.get((role, kind), "")
        rows.setdefault((role, source), {})[f["language"]] = f["count"]
    frame = pd.DataFrame(
        [{"role": r, "source": s, **counts} for (r, s), counts in rows.items()]
    ).set_index(["role", "source"])
    return frame[[lang for lang in manifest["languages"] if lang in frame.columns]]
