"""A suite on disk: the readers of a suite folder's files (synthetic or real).

A suite folder holds ``manifest.json`` (its languages, English first), ``languages.json``,
``mono/{lang}.txt``, ``parallel/en-{lang}.txt`` (``src ||| tgt``) with ``.gold`` Pharaoh
links where known, ``nli/{split}-{lang}.tsv`` (XNLI TSV) and
``qa/{split}-context-{lang}-question-{lang}.json`` (MLQA/SQuAD JSON). These readers are
all that training, fine-tuning and evaluation need of a suite; they import neither the
generator (:mod:`weamlib.synth`) nor the real-data builder (:mod:`weamlib.data.realsuite`), so a
run keyed by a suite's digest does not depend on the code that wrote it.

May import: :mod:`weamlib.data.formats`, :mod:`weamlib.core.errors`.
"""

from __future__ import annotations

import json
from pathlib import Path

from weamlib.core.atomicio import atomic_write_text
from weamlib.core.errors import ConfigError
from weamlib.data import formats


def qa_id(split: str, n: int) -> str:
    """Question ids are shared by all languages (as in MLQA); translate-train reuses train's."""
    return f"{'train' if split == 'translate-train' else split}-{n:06d}"


def qa_filename(split: str, lang: str) -> str:
    """MLQA naming for every split, e.g. ``train-context-en-question-en.json``."""
    return f"{split}-context-{lang}-question-{lang}.json"


def load_manifest(suite: str | Path) -> dict:
    path = Path(suite) / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not a synthetic suite (no manifest.json)")
    return json.loads(path.read_text(encoding="utf-8"))


def suite_languages(suite: str | Path) -> list[str]:
    """Language codes of a suite, English first."""
    return list(load_manifest(suite)["languages"])


def suite_specs(suite: str | Path) -> dict[str, dict]:
    """The resolved spec (with lexicon) of each language, from ``languages.json``."""
    return json.loads((Path(suite) / "languages.json").read_text(encoding="utf-8"))


def _check_lang(suite: Path, lang: str) -> None:
    langs = suite_languages(suite)
    if lang not in langs:
        raise ConfigError(f"unknown language {lang!r} in suite {suite}; it has {', '.join(langs)}")


def nli_path(suite: str | Path, split: str, lang: str) -> Path:
    """``split`` is train (English only), dev, test or translate-train (not English)."""
    suite = Path(suite)
    _check_lang(suite, lang)
    path = suite / "nli" / f"{split}-{lang}.tsv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the suite has no NLI {split} set for {lang!r}")
    return path


def qa_path(suite: str | Path, split: str, lang: str) -> Path:
    suite = Path(suite)
    _check_lang(suite, lang)
    path = suite / "qa" / qa_filename(split, lang)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the suite has no QA {split} set for {lang!r}")
    return path


def load_nli(suite: str | Path, split: str, lang: str) -> list[formats.NLIExample]:
    return formats.read_xnli_tsv(nli_path(suite, split, lang), has_header=False)


def load_qa(suite: str | Path, split: str, lang: str) -> list[formats.QAExample]:
    return formats.read_squad_json(qa_path(suite, split, lang))


def load_mono(suite: str | Path, lang: str) -> list[str]:
    _check_lang(Path(suite), lang)
    return formats.read_lines(Path(suite) / "mono" / f"{lang}.txt")


def parallel_paths(suite: str | Path, lang: str) -> tuple[Path, Path]:
    """``(text, gold)`` paths of the en-``lang`` pair."""
    suite = Path(suite)
    _check_lang(suite, lang)
    if lang == "en":
        raise ConfigError("parallel data pairs English with another language; got 'en'")
    return suite / "parallel" / f"en-{lang}.txt", suite / "parallel" / f"en-{lang}.gold"


def load_parallel(suite: str | Path, lang: str):
    """``(pairs, gold)``: token-list pairs and one LinkSet per pair (0-based)."""
    text, gold = parallel_paths(suite, lang)
    pairs = formats.read_parallel(text)
    lengths = [(len(s), len(t)) for s, t in pairs]
    return pairs, formats.read_pharaoh(gold, one_based=False, lengths=lengths)


def load_question_types(suite: str | Path) -> dict[str, str]:
    """Question id -> who / what / whom / where / when."""
    return json.loads((Path(suite) / "qa" / "question-types.json").read_text(encoding="utf-8"))


PHENOMENA_COLUMNS = ("edits", "n_edits", "dimensions", "polarity")


def phenomena_filename(split: str) -> str:
    """``nli/{split}-phenomena.tsv``: what each hypothesis of a split changed."""
    return f"nli/{split}-phenomena.tsv"


def write_phenomena(path: Path, rows: list[dict]) -> None:
    """One tab-separated row per NLI item (:data:`PHENOMENA_COLUMNS`, with a header)."""
    lines = ["\t".join(PHENOMENA_COLUMNS)]
    lines += ["\t".join(str(r[c]) for c in PHENOMENA_COLUMNS) for r in rows]
    atomic_write_text(path, "\n".join(lines) + "\n")


def load_phenomena(suite: str | Path, split: str) -> list[dict]:
    """The phenomena rows of the NLI items of ``split`` (dev or test), in item order: the
    same items in every language. ``n_edits`` is an int."""
    path = Path(suite) / phenomena_filename(split)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the suite records no NLI phenomena for {split!r}")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != PHENOMENA_COLUMNS:
        raise ValueError(f"{path}: line 1: expected the header {' '.join(PHENOMENA_COLUMNS)}")
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        values = line.split("\t")
        if len(values) != len(PHENOMENA_COLUMNS) or not values[1].isdigit():
            raise ValueError(f"{path}: line {n}: expected {len(PHENOMENA_COLUMNS)} fields")
        row = dict(zip(PHENOMENA_COLUMNS, values, strict=True))
        row["n_edits"] = int(row["n_edits"])
        rows.append(row)
    return rows
