"""Every cached fine-tuning result of a profile as tidy rows, read from the run store alone.

:func:`cached_rows` computes nothing: it reads the store's finished runs. The suites of a
profile are the suite runs whose settings are the profile's (the synthetic suite of its
size, with any ablation overrides; or its real-data suite); its results are the
fine-tuning runs on one of those suites, whatever their code version (a run's ``current``
field says whether today's code would find it). Each model is named by the pre-training
run that made it (``objective``, ``pretrain_seed``, ``pretrain`` key) through the digest
of its model folder; a model the store did not make is ``"external"``.

Rows: ``model, task, setting, language, split, pretrain_seed, seed, metric, value`` (scores
0-100, task names as the chapters use them: ``xnli``, ``mlqa``) plus ``pretrain`` (the
pre-training run key), ``run`` (the fine-tuning run key: the calibration's runs of the
base model with another head or budget are rows of their own), ``head``, ``epochs``,
``suite`` and ``current``.

May import: :mod:`weamlib.store.runs`, :mod:`weamlib.store.storeinfo`, :mod:`weamlib.store.digests`,
:mod:`weamlib.synth.suite` (configs only), :mod:`weamlib.data.realsuite` (configs only),
:mod:`weamlib.train.finetune` (what its runs read of a suite, and their scores).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from weamlib.core.errors import ConfigError
from weamlib.store.digests import model_digest, suite_digest
from weamlib.store.runs import MARKER, RunStore

ROW_KEYS = (
    "model",
    "task",
    "setting",
    "language",
    "split",
    "pretrain_seed",
    "seed",
    "metric",
    "value",
)
FINETUNE_KINDS = ("finetune_nli", "finetune_qa")


def _finished(store: RunStore, kind: str):
    folder = store.root / kind
    if not folder.is_dir():
        return
    for run in sorted(folder.iterdir()):
        if (run / MARKER).is_file() and (run / "config.json").is_file():
            record = json.loads((run / "config.json").read_text(encoding="utf-8"))
            yield run, record


def _digests(suite: Path) -> dict[str, Path]:
    """The digests a run may hold of ``suite``: the whole suite's, and each fine-tuning
    task's part (:attr:`weamlib.train.finetune.Task.reads`)."""
    from weamlib.train.finetune import TASKS

    parts = [suite_digest(suite, task.reads) for task in TASKS.values()]
    return {digest: suite for digest in (suite_digest(suite), *parts)}


def profile_suites(store: RunStore, profile: str) -> dict[str, Path]:
    """``{suite digest: suite folder}`` of the suites the store holds for ``profile``, each
    under every digest a fine-tuning run may hold of it (:func:`_digests`)."""
    from weamlib.data.realsuite import REAL_SUITES
    from weamlib.study.settings import suite_profile
    from weamlib.synth.suite import _SIZES, PROFILES

    found: dict[str, Path] = {}
    if profile in REAL_SUITES:
        wanted = dataclasses.asdict(REAL_SUITES[profile])
        for run, record in _finished(store, "realsuite"):
            if record["config"].get("config") == wanted and (run / "suite").is_dir():
                found.update(_digests(run / "suite"))
        return found
    name = suite_profile(profile)
    if name not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}")
    sizes = _SIZES[name]
    for run, record in _finished(store, "synth"):
        config = record["config"].get("config", {})
        if all(config.get(k) == v for k, v in sizes.items()) and (run / "suite").is_dir():
            found.update(_digests(run / "suite"))
    return found


def model_names(store: RunStore) -> dict[str, dict]:
    """``{model digest: {"model", "pretrain_seed", "pretrain"}}`` of the store's pre-training
    runs."""
    names = {}
    for run, record in _finished(store, "pretrain"):
        if not (run / "model" / "config.json").is_file():
            continue
        config = record["config"]
        settings = config.get("pretrain") or {}
        objective = settings.get("objective", "base")
        names[model_digest(run / "model")] = {
            "model": objective,
            "pretrain_seed": settings.get("seed"),
            "pretrain": run.name,
        }
    return names


def cached_rows(store: RunStore, profile: str) -> list[dict]:
    """Every fine-tuning score of ``profile`` in ``store`` (module docstring), sorted."""
    from weamlib.store.storeinfo import is_current
    from weamlib.train.finetune import scored_rows  # the one reading of a run's scores

    suites = profile_suites(store, profile)
    models = model_names(store)
    digests: dict = {}
    rows = []
    for kind in FINETUNE_KINDS:
        for run, record in _finished(store, kind):
            config = record["config"]
            if config.get("suite") not in suites:
                continue
            results = json.loads((run / "results.json").read_text(encoding="utf-8"))
            who = models.get(config.get("model"), {"model": "external", "pretrain_seed": None})
            current = is_current(record, digests)
            for setting, metric, split, language, value in scored_rows(config["setting"], results):
                rows.append(
                    {
                        "model": who["model"],
                        "task": config.get("task", "xnli"),
                        "setting": setting,
                        "language": language,
                        "split": split,
                        "pretrain_seed": who["pretrain_seed"],
                        "seed": config["seed"],
                        "metric": metric,
                        "value": value,
                        "pretrain": who.get("pretrain"),
                        "run": run.name,
                        "head": config.get("head"),
                        "epochs": config.get("epochs"),
                        "suite": suites[config["suite"]].parent.name,
                        "current": current,
                    }
                )
    order = {k: i for i, k in enumerate(ROW_KEYS)}
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in sorted(order, key=order.get)))
