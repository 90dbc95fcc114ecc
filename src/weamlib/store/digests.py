"""Content digests that key cached runs on their inputs: files, model folders, suites,
tokenizers. A retrained model or a rebuilt suite changes the digest, so every run that
depends on it is recomputed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

MODEL_FILES = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_digest(model_dir: str | Path) -> str:
    """sha256 over a model folder's weights, config.json and tokenizer files (names + hashes)."""
    folder = Path(model_dir)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder}: not a save_pretrained model folder (no config.json)")
    weights = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.safetensors.index.json"))
    weights = weights or sorted(folder.glob("pytorch_model*.bin"))
    if not weights:
        raise FileNotFoundError(f"{folder}: no model weights (model.safetensors) in the folder")
    files = [folder / name for name in MODEL_FILES if (folder / name).is_file()] + weights
    h = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        h.update(f"{path.name}\0{file_sha256(path)}\n".encode())
    return h.hexdigest()


def suite_digest(suite: str | Path, reads: Iterable[str] | None = None) -> str:
    """sha256 of the suite's ``manifest.json`` (which lists every file with its sha256).

    ``reads``: the part of the suite a run reads, as paths of folders or files in it
    (``("nli",)``, ``("mono", "parallel")``). The digest then covers the manifest without
    the generator's settings (``config``, ``sources``) and only the files under ``reads``,
    so a suite rebuilt with, say, more QA items keys no NLI or pre-training run apart:
    their inputs are the same bytes. A manifest entry without a sha256 falls back to the
    whole manifest.
    """
    path = Path(suite) / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not a synthetic suite (no manifest.json)")
    if reads is None:
        return file_sha256(path)
    reads = sorted(set(reads))
    manifest = json.loads(path.read_text(encoding="utf-8"))
    files = [f for f in manifest["files"] if any(read_by(f["path"], r) for r in reads)]
    if any("sha256" not in f for f in files):
        return file_sha256(path)
    part = {k: v for k, v in manifest.items() if k not in ("config", "sources", "files")}
    part["reads"] = reads
    part["files"] = sorted((f["path"], f["sha256"]) for f in files)
    return hashlib.sha256(json.dumps(part, sort_keys=True).encode("utf-8")).hexdigest()


def read_by(path: str, read: str) -> bool:
    """Whether the suite file ``path`` (relative, ``/``-separated) lies under ``read``."""
    return path == read or path.startswith(read.rstrip("/") + "/")


def tokenizer_digest(tokenizer) -> str:
    """sha256 of a tokenizer's vocabulary (token -> id)."""
    vocab = json.dumps(tokenizer.get_vocab(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(vocab.encode("utf-8")).hexdigest()
