"""The study's experiments: which models are fine-tuned how, collected as tidy frames.

The results chapters (04 XNLI, 05 MLQA, 06–08 ablations) and the claims ledger (09) all
call these functions, so a ledger row and the chapter it cites read the very same runs
from the run store. A chapter's settings are the profile's (:mod:`weamlib.study.settings`: the
library's defaults with the profile's section over them), exactly what the book runs with.

* :func:`pretrain_variants` — continued pre-training runs with per-variant settings
  (ablations), side by side, one single-threaded process per core.
* :func:`finetune_grid` — fine-tune models × settings × seeds, in parallel, skipping
  every run already in the store, and return the tidy frame of all of them.
* :func:`main_results`, :func:`ablation_results`, :func:`lr_results`,
  :func:`noise_results` — the experiments of the chapters.
* :func:`summary_table`, :func:`paired_table`, :func:`plot_languages` — what the chapters
  show, all derived from the frames.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from weamlib.core.errors import ConfigError
from weamlib.core.workers import run_parallel
from weamlib.store.runs import Run, RunStore
from weamlib.study import calibration
from weamlib.study.settings import (
    CHAPTER,
    StudySettings,
    chapter_settings,
    profile_settings,
    suite_profile,
)
from weamlib.train import finetune as ft
from weamlib.train.pretrain import PretrainConfig, with_overrides
from weamlib.train.pretrain_runs import (
    _pretrain_job,
    ensure_pretrained,
    find_pretrained,
    pair_links,
)

MODELS = ("base", "mlm_control", "tlm", "word_aligned", "weam")
LABELS = {
    "base": "base (“mBERT”)",
    "mlm_control": "MLM control",
    "tlm": "TLM",
    "word_aligned": "word-aligned",
    "weam": "WEAM",
}
XNLI_CHAPTER, MLQA_CHAPTER = "04_xnli", "05_mlqa"
TASKS = {"xnli": "accuracy", "mlqa": "f1"}  # the headline metric of each task
# that metric for a guess: three balanced labels; the F1 of no answer is 0
CHANCE = {"xnli": calibration.CHANCE, "mlqa": 0.0}


# --------------------------------------------------------------------------- settings


def chapter_parameters(chapter: str, profile: str) -> dict[str, Any]:
    """A chapter's parameters under ``profile`` as plain values
    (:func:`weamlib.study.settings.chapter_settings`: what ``weamlib book --profile`` runs the
    chapter with); no notebook is read."""
    return chapter_settings(chapter, profile).values()


def _check_seeds(seeds) -> list[int]:
    seeds = list(seeds)
    if not seeds or any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seeds):
        raise ConfigError(f"parameter 'seeds' must list ints >= 0, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"parameter 'seeds' lists a seed twice: {seeds!r}")
    return seeds


@dataclass(frozen=True)
class FinetunePlan:
    """How one task is fine-tuned: the config (seed excluded), the seeds and the settings.

    Setting ``"translate-train-one"`` (:data:`weamlib.train.finetune.ONE_LANGUAGE`) is one
    run per target language, each trained on that language's translated set alone: it is
    run for the models of ``one_language_models`` only (empty: every model) and the
    fine-tuning seeds of ``one_language_seeds`` (None: ``seeds``).
    """

    task: str
    config: Any
    seeds: tuple[int, ...]
    settings: tuple[str, ...] = ("zero-shot", "translate-train")
    one_language_models: tuple[str, ...] = ()
    one_language_seeds: tuple[int, ...] | None = None
    ablation_seeds: tuple[int, ...] | None = None

    def for_ablations(self, settings: Sequence[str]) -> FinetunePlan:
        """The plan of the single-pre-training-seed comparisons (chapters 06-08): the same
        config, ``ablation_seeds`` (None: ``seeds``), the given settings."""
        return dataclasses.replace(
            self, settings=tuple(settings), seeds=self.ablation_seeds or self.seeds
        )

    @property
    def main_settings(self) -> tuple[str, ...]:
        """The settings every model runs in every language (the main tables and claims)."""
        return tuple(s for s in self.settings if s != ft.ONE_LANGUAGE)

    @classmethod
    def from_parameters(cls, task: str, params: Mapping[str, Any]) -> FinetunePlan:
        """From a chapter's ``finetune``, ``seeds``, ``settings``, ``one_language_models``,
        ``one_language_seeds`` and ``ablation_seeds`` parameters."""
        if task not in TASKS:
            raise ConfigError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
        cls_ = ft.TASKS[task].config_class
        values = dict(params.get("finetune") or {})
        if "seed" in values:
            raise ConfigError("parameter 'finetune' must not set 'seed': use 'seeds'")
        config = with_overrides(cls_, {}, values, "finetune")
        settings = tuple(params.get("settings") or ("zero-shot", "translate-train"))
        for s in settings:
            if s not in ft.SETTINGS:
                raise ConfigError(
                    f"parameter 'settings': unknown setting {s!r}; choose from"
                    f" {', '.join(ft.SETTINGS)}"
                )
        models = params.get("one_language_models") or []
        unknown = [m for m in models if m not in MODELS]
        if unknown:
            raise ConfigError(
                f"parameter 'one_language_models': unknown model(s) {unknown}; choose from"
                f" {', '.join(MODELS)}"
            )
        one_seeds = params.get("one_language_seeds")
        ablation_seeds = params.get("ablation_seeds")
        return cls(
            task,
            config,
            tuple(_check_seeds(params.get("seeds") or [0])),
            settings,
            tuple(models),
            None if one_seeds is None else tuple(_check_seeds(one_seeds)),
            None if ablation_seeds is None else tuple(_check_seeds(ablation_seeds)),
        )

    def with_config(self, **changes) -> FinetunePlan:
        return dataclasses.replace(self, config=dataclasses.replace(self.config, **changes))


def nli_plan(profile: str, settings: Sequence[str] | None = None) -> FinetunePlan:
    """The XNLI fine-tuning of ``profile`` (chapter 04's parameters); the ablations use it
    too (:meth:`FinetunePlan.for_ablations`: its ``ablation_seeds``), so their reference
    runs are the main table's."""
    plan = chapter_settings(XNLI_CHAPTER, profile).plan
    return dataclasses.replace(plan, settings=tuple(settings)) if settings else plan


def qa_plan(profile: str, settings: Sequence[str] | None = None) -> FinetunePlan:
    """The MLQA fine-tuning of ``profile`` (chapter 05's parameters)."""
    plan = chapter_settings(MLQA_CHAPTER, profile).plan
    return dataclasses.replace(plan, settings=tuple(settings)) if settings else plan


def study_suite(profile: str, store: RunStore | None = None, **overrides) -> Path:
    """The suite the models of ``profile`` train and are scored on: the real-data suite of
    ``paper`` / ``paper-smoke`` (:mod:`weamlib.data.realsuite`), else the synthetic suite
    (``overrides``: e.g. ``noise_rate``; synthetic only)."""
    from weamlib.data.realsuite import ensure_real_suite, real_profile
    from weamlib.synth.suite import ensure_suite

    if real_profile(profile):
        if overrides:
            raise ConfigError(
                f"profile {profile!r} studies real data; {', '.join(overrides)} only exist"
                " for the synthetic suite"
            )
        return ensure_real_suite(profile, store=store)
    return ensure_suite(suite_profile(profile), 0, store, **overrides)


# --------------------------------------------------------------------------- pre-training


def pretrain_variants(
    suite,
    settings: StudySettings,
    variants: Mapping[str, tuple[str, Mapping[str, Any]]],
    store: RunStore | None = None,
    workers: int | None = None,
    processes: int = 1,
    profile: str | None = None,
) -> dict[str, Run]:
    """Continued pre-training runs: name -> ``(objective, overrides)`` on the profile's
    settings (e.g. ``{"weam mask 0.1": ("weam", {"mask_prob": 0.1})}``). The base model
    and the alignments they need are made here first; the runs then train side by side.
    Returns name -> run (``"base"`` for the objective ``"base"``).

    ``processes`` > 1 (data parallelism, e.g. one process per GPU): each run is trained,
    one after the other, by ``accelerate launch --num_processes N -m weamlib pretrain``
    under ``profile`` (whose settings ``settings`` must be), and read from the run store.
    """
    seed = settings.base.seed
    return pretrain_seed_variants(
        suite, settings, [seed], variants, store, workers, processes, profile
    )[seed]


def pretrain_seed_variants(
    suite,
    settings: StudySettings,
    seeds: Sequence[int],
    variants: Mapping[str, tuple[str, Mapping[str, Any]]],
    store: RunStore | None = None,
    workers: int | None = None,
    processes: int = 1,
    profile: str | None = None,
) -> dict[int, dict[str, Run]]:
    """:func:`pretrain_variants` under each pre-training seed of ``seeds``
    (``settings.with_seed``; a seed listed twice is one): seed -> name -> run. The missing
    base models train side by side first, then every seed's missing continued runs
    together, so no core waits for one seed's base model while the others' could train."""
    from weamlib.data.suitefiles import suite_languages

    store = store or RunStore()
    per_seed = {seed: settings.with_seed(seed) for seed in seeds}

    def job(cfg, base) -> tuple:  # the arguments of one worker's _pretrain_job
        return (suite, cfg, settings.size, settings.vocab_size, base, str(store.root))

    cfgs = {
        seed: {
            name: s.config(objective, None, **dict(overrides))
            for name, (objective, overrides) in variants.items()
        }
        for seed, s in per_seed.items()
    }
    bases = [
        seed
        for seed, s in per_seed.items()
        if find_pretrained(suite, s.base, s.size, s.vocab_size, None, store) is None
    ]
    if processes > 1:  # the base model trains in this process (as on one GPU)
        for seed in bases:
            s = per_seed[seed]
            ensure_pretrained(suite, s.base, s.size, s.vocab_size, None, store)
    else:
        run_parallel(
            _pretrain_job,
            [job(per_seed[seed].base, None) for seed in bases],
            workers,
            labels=[f"pre-training base (pre-training seed {seed})" for seed in bases],
        )
    todo = [
        (seed, name, cfg)
        for seed, named in cfgs.items()
        for name, cfg in named.items()
        if cfg.objective != "base"
        and find_pretrained(
            suite, cfg, settings.size, settings.vocab_size, per_seed[seed].base, store
        )
        is None
    ]
    # Links the runs to train need are made here first, so workers only read them (and a
    # build whose runs are all cached does not even read them).
    for source in sorted({c.alignment_source for _, _, c in todo if c.uses_alignment}):
        for lang in suite_languages(suite)[1:]:
            pair_links(suite, lang, source, 0, store)
    if processes > 1:
        for seed, _, cfg in todo:
            launch_pretraining(profile, per_seed[seed], cfg, processes, store)
    else:
        run_parallel(
            _pretrain_job,
            [job(cfg, per_seed[seed].base) for seed, _, cfg in todo],
            workers,
            labels=[
                f"pre-training {name}"
                + (f" (pre-training seed {seed})" if len(per_seed) > 1 else "")
                for seed, name, _ in todo
            ],
        )
    return {
        seed: {
            name: ensure_pretrained(
                suite,
                cfg,
                settings.size,
                settings.vocab_size,
                None if cfg.objective == "base" else per_seed[seed].base,
                store,
                False,
            )
            for name, cfg in named.items()
        }
        for seed, named in cfgs.items()
    }


def launch_pretraining(
    profile: str | None, settings: StudySettings, cfg: PretrainConfig, processes: int,
    store: RunStore,
) -> None:  # fmt: skip
    """Train ``cfg`` with ``processes`` data-parallel processes: ``accelerate launch`` of
    ``weamlib pretrain`` (its progress goes to this terminal); the run lands in ``store``."""
    import os
    import shutil
    import subprocess
    import sys

    seed = settings.base.seed  # the pre-training seed: base and continued runs share it
    if profile is None or profile_settings(profile).with_seed(seed) != settings.with_seed(seed):
        raise ConfigError(
            "multi-process pre-training runs `weamlib pretrain --profile P`, which reads the"
            f" profile's settings: these settings are not profile {profile!r}'s (run the"
            " chapter under its profile, or with processes = 1)"
        )
    accelerate = shutil.which("accelerate", path=os.path.dirname(sys.executable)) or "accelerate"
    command = [accelerate, "launch", "--multi_gpu", "--num_processes", str(processes),
               "-m", "weamlib", "pretrain", "--profile", profile, "--objective", cfg.objective,
               "--seed", str(seed)]  # fmt: skip
    defaults = settings.config(cfg.objective)
    for field in dataclasses.fields(cfg):
        value = getattr(cfg, field.name)
        if value != getattr(defaults, field.name):
            command += ["-p", field.name, json.dumps(value)]
    env = {**os.environ, "WEAM_CACHE": str(store.root)}
    done = subprocess.run(command, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed (exit {done.returncode})")


def _study_runs(profile: str, seeds: Sequence[int], store, workers) -> dict[int, dict[str, Path]]:
    """The five models of the main tables under each of ``seeds``: seed -> name -> folder."""
    runs = pretrain_seed_variants(
        study_suite(profile, store),
        profile_settings(profile),
        seeds,
        {name: (name, {}) for name in MODELS},
        store,
        workers,
        chapter_settings(CHAPTER, profile).processes,
        profile,
    )
    return {
        seed: {name: run.file("model") for name, run in named.items()}
        for seed, named in runs.items()
    }


def study_models(
    profile: str, store: RunStore | None = None, workers: int | None = None,
    pretrain_seed: int | None = None,
):  # fmt: skip
    """The five models of the main tables (chapter 03's settings) under one pre-training
    seed (default: the base model's, the seed of the single-seed chapters): name -> model
    folder."""
    if pretrain_seed is None:
        pretrain_seed = profile_settings(profile).base.seed
    return _study_runs(profile, [pretrain_seed], store, workers)[pretrain_seed]


def pretrain_seeds(profile: str) -> list[int]:
    """The pre-training seeds of the main tables (chapter 03's ``pretrain_seeds``)."""
    return list(chapter_settings(CHAPTER, profile).pretrain_seeds)


def study_model_seeds(
    profile: str, store: RunStore | None = None, workers: int | None = None
) -> dict[int, dict[str, Path]]:
    """The five models under every pre-training seed: seed -> name -> model folder. Each
    continued model starts from the base model of its own seed; missing runs of all
    seeds train side by side (:func:`pretrain_seed_variants`)."""
    return _study_runs(profile, pretrain_seeds(profile), store, workers)


# --------------------------------------------------------------------------- fine-tuning


@dataclass(frozen=True)
class _Job:
    name: str  # model name in the frame
    task: str
    model_dir: str
    suite: str
    cfg: Any
    setting: str
    languages: tuple[str, ...] | None
    train_languages: tuple[str, ...] | None
    columns: tuple[tuple[str, Any], ...] = ()
    oracle: bool = True  # False: the ablations' runs, whose frames drop the oracle rows

    def arguments(self, oracle: bool | None = None) -> dict:
        return {
            "languages": list(self.languages) if self.languages else None,
            "setting": self.setting,
            "train_languages": list(self.train_languages) if self.train_languages else None,
            "oracle": self.oracle if oracle is None else oracle,
        }

    def cached(self, store: RunStore) -> Run | None:
        """The stored run; a job without the oracle also takes the run with it (the same
        training and English-selected scores, plus the oracle's), so an ablation's runs
        that a main table has run already are not run again."""
        task = ft.TASKS[self.task]
        for oracle in dict.fromkeys((True, self.oracle)):
            spec = ft.finetune_spec(task, self.model_dir, self.suite, self.cfg,
                                    **self.arguments(oracle))  # fmt: skip
            run = spec.get(store)
            if run is not None:
                return run
        return None

    def run(self, store: RunStore) -> Run:
        task = ft.TASKS[self.task]
        return ft.ensure_finetune(
            task, self.model_dir, self.suite, self.cfg, store=store, **self.arguments()
        )


def _finetune_chunk(jobs: Sequence[_Job], root: str) -> list[str]:
    store = RunStore(root)
    return [str(job.run(store).path) for job in jobs]


def _jobs(
    models: Mapping[str, Any],
    suite,
    plan: FinetunePlan,
    columns=None,
    oracle: bool = True,
    main: Mapping[str, Collection[int]] | None = None,
) -> list[_Job]:
    """One job per model, setting, seed (and language, for translate-train-one).

    ``oracle``: whether the runs score the oracle sensitivity. ``main``: model name ->
    the fine-tuning seeds at which that model's runs are also a main table's (the same
    model folder, config and setting): those run with the oracle whatever ``oracle`` says,
    so that they are one run, under one key, whichever chapter runs first."""
    from weamlib.data.realsuite import is_real_suite, task_languages

    # A real suite scores each task in its own languages (XNLI's 15, MLQA's 7); the
    # synthetic suite in all of its languages (None keeps the cache keys of earlier runs).
    languages = tuple(task_languages(suite, plan.task)) if is_real_suite(suite) else None
    targets = [lang for lang in task_languages(suite, plan.task) if lang != "en"]
    jobs = []
    for name, model_dir in models.items():
        extra = tuple((columns or {}).get(name, {}).items())
        main_seeds = (main or {}).get(name, ())
        for setting in plan.settings:
            for seed in plan.seeds:
                cfg = dataclasses.replace(plan.config, seed=seed)
                oracle_here = oracle or seed in main_seeds
                if setting == ft.ONE_LANGUAGE:
                    if plan.one_language_models and name not in plan.one_language_models:
                        continue
                    if plan.one_language_seeds is not None and seed not in plan.one_language_seeds:
                        continue
                    for lang in targets:  # trained, selected and scored on ``lang`` alone
                        jobs.append(
                            _Job(name, plan.task, str(model_dir), str(suite), cfg, setting,
                                 (lang,), (lang,), extra, oracle_here)
                        )  # fmt: skip
                else:
                    jobs.append(
                        _Job(name, plan.task, str(model_dir), str(suite), cfg, setting,
                             languages, None, extra, oracle_here)
                    )  # fmt: skip
    return jobs


def finetune_grid(
    models: Mapping[str, Any],
    suite,
    plan: FinetunePlan,
    store: RunStore | None = None,
    workers: int | None = None,
    columns: Mapping[str, Mapping[str, Any]] | None = None,
    chunk: int = 4,
    oracle: bool = True,
    main: Mapping[str, Collection[int]] | None = None,
):
    """Fine-tune every model (name -> model folder) in every setting with every seed of
    ``plan``; returns the tidy frame (:func:`weamlib.train.finetune.results_frame`) of all runs.

    Runs already in the store are read, the others computed in ``workers`` spawned
    single-threaded processes, ``chunk`` runs per process (a process start costs seconds).
    ``columns``: model name -> extra constant columns (ablation factor and level). A
    ``"translate-train-one"`` run contributes the rows of its one language. ``oracle``:
    False runs no oracle sensitivity (a stored run with it is still read), except for the
    runs that ``main`` names as a main table's (:func:`_jobs`).
    """
    jobs = _jobs(models, suite, plan, columns, oracle=oracle, main=main)
    return _run_jobs(jobs, store, workers, chunk)


def _label(job: _Job) -> str:
    extra = dict(job.columns)
    seed = f" (pre-training seed {extra['pretrain_seed']})" if "pretrain_seed" in extra else ""
    return f"{job.name}{seed}/{job.setting}/seed {job.cfg.seed}"


def _run_jobs(jobs: Sequence[_Job], store: RunStore | None, workers: int | None, chunk: int = 4):
    """:func:`finetune_grid` of a list of jobs (which may mix models of several
    pre-training seeds, so that no worker idles between one seed's runs and the next's)."""
    import pandas as pd

    store = store or RunStore()
    found = [job.cached(store) for job in jobs]  # one digest and lookup per job
    todo = [job for job, run in zip(jobs, found, strict=True) if run is None]
    chunks = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
    run_parallel(
        _finetune_chunk,
        [(c, str(store.root)) for c in chunks],
        workers,
        labels=[f"fine-tuning {c[0].task} {', '.join(map(_label, c))}" for c in chunks],
    )
    frames = []
    for job, run in zip(jobs, found, strict=True):
        run = run or job.cached(store)  # computed by a worker just now
        if run is None:  # a missing run is a bug, not a cache miss
            raise RuntimeError(f"fine-tuning run of {job.name} ({job.setting}) is missing")
        frame = ft.results_frame({job.name: run}, **dict(job.columns))
        if job.train_languages:
            frame = frame[frame.language.isin(job.train_languages)]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- experiments


def main_results(
    profile: str, task: str, store: RunStore | None = None, workers: int | None = None,
    plan: FinetunePlan | None = None,
):  # fmt: skip
    """The main table of ``task`` ("xnli" or "mlqa"): the five models under every
    pre-training seed (column ``pretrain_seed``), every setting, every fine-tuning seed of
    the chapter's plan; ``"translate-train-one"`` (one run per target language, for the
    plan's ``one_language_models``) under the first pre-training seed only. A tidy frame."""
    plan = plan or (nli_plan(profile) if task == "xnli" else qa_plan(profile))
    suite = study_suite(profile, store)
    jobs = []
    for k, (seed, models) in enumerate(study_model_seeds(profile, store, workers).items()):
        columns = {name: {"pretrain_seed": seed} for name in models}
        seed_plan = plan if k == 0 else dataclasses.replace(plan, settings=plan.main_settings)
        jobs += _jobs(models, suite, seed_plan, columns)
    return _run_jobs(jobs, store, workers)  # every seed's runs share the workers


def one_language_table(frame, task: str, metric: str | None = None, split: str = "test"):
    """The models that ran ``"translate-train-one"``, per language, in each setting, on the
    same runs' footing: the first pre-training seed and the one-language fine-tuning seeds
    only. Rows: (model, setting); columns: the target languages and their average; means
    over those seeds."""
    import pandas as pd

    metric = metric or TASKS[task]
    rows = frame[(frame.task == task) & (frame.metric == metric) & (frame.split == split)]
    one = rows[rows.setting == ft.ONE_LANGUAGE]
    if one.empty:
        raise ValueError(f"no {task} {ft.ONE_LANGUAGE} {metric} results on {split}")
    keep = rows.model.isin(set(one.model)) & rows.seed.isin(set(one.seed))
    keep &= rows.language.isin(set(one.language))
    keep &= rows.setting.isin(["zero-shot", "translate-train", ft.ONE_LANGUAGE])
    if "pretrain_seed" in rows.columns:
        keep &= rows.pretrain_seed.isin(set(one.pretrain_seed))
    part = rows[keep]
    table = part.pivot_table(index=["model", "setting"], columns="language", values="value",
                             aggfunc="mean")  # fmt: skip
    languages = list(dict.fromkeys(one.language))
    table = table[languages]
    table["avg"] = table.mean(axis=1)
    order = [(m, s) for m in MODELS for s in ("zero-shot", "translate-train", ft.ONE_LANGUAGE)
             if (m, s) in table.index]  # fmt: skip
    table = table.loc[order]
    table.index = pd.MultiIndex.from_tuples([(LABELS.get(m, m), s) for m, s in table.index],
                                            names=["model", "setting"])  # fmt: skip
    return table


def setting_costs(profile: str, task: str, store: RunStore | None = None,
                  plan: FinetunePlan | None = None):  # fmt: skip
    """What a fine-tuning run of each setting costs: runs, mean training seconds per run,
    and seconds in all (training and scoring), from the cached runs of the first
    pre-training seed (nothing is computed). A DataFrame indexed by setting."""
    import pandas as pd

    store = store or RunStore()
    plan = plan or (nli_plan(profile) if task == "xnli" else qa_plan(profile))
    suite = study_suite(profile, store)
    models = study_models(profile, store, None, pretrain_seeds(profile)[0])
    per: dict[str, list[dict]] = {}
    for job in _jobs(models, suite, plan):
        run = job.cached(store)
        if run is not None:
            per.setdefault(job.setting, []).append(run.results)
    out = {
        setting: {
            "runs": len(results),
            "training s per run": float(np.mean([r["train_seconds"] for r in results])),
            "s in all": float(np.sum([r["seconds"] for r in results])),
        }
        for setting, results in per.items()
    }
    return pd.DataFrame.from_dict(out, orient="index")


def phenomenon_results(
    profile: str, models: Sequence[str] = ("base",), setting: str = "zero-shot",
    store: RunStore | None = None,
):  # fmt: skip
    """NLI test accuracy by phenomenon (rows) and language (columns) of ``models``'
    fine-tuning runs of the XNLI chapter (every seed), read from the store
    (:func:`weamlib.eval.breakdown.phenomenon_table`); ``main_results`` must have run. One
    table per model: name -> DataFrame."""
    from weamlib.data.suitefiles import suite_languages
    from weamlib.eval.breakdown import phenomenon_frame, phenomenon_table

    store = store or RunStore()
    plan = nli_plan(profile, (setting,))
    suite = study_suite(profile, store)
    folders = study_models(profile, store)
    languages = suite_languages(suite)
    tables = {}
    for name in models:
        runs = [job.cached(store) for job in _jobs({name: folders[name]}, suite, plan)]
        if any(run is None for run in runs):
            raise RuntimeError(f"the XNLI runs of {name} ({setting}) are not in the store")
        tables[name] = phenomenon_table(phenomenon_frame(runs, suite, languages), languages)
    return tables


ABLATION_FACTORS = {
    "mask_prob": "weam",
    "lambda_": "weam",
    "subword_alignment": "weam",
    "alignment_source": "weam",
}


def ablation_results(
    profile: str,
    factor: str,
    levels: Sequence[Any],
    store: RunStore | None = None,
    workers: int | None = None,
    objective: str = "weam",
):
    """WEAM pre-trained with ``factor`` at each of ``levels`` (the other settings the
    profile's), fine-tuned on XNLI zero-shot with the main table's plan. A tidy frame with
    ``factor`` and ``level`` columns; the level of the profile's own WEAM is the main
    table's run."""
    if factor not in ABLATION_FACTORS:
        raise ConfigError(
            f"unknown ablation factor {factor!r}; choose one of {', '.join(ABLATION_FACTORS)}"
        )
    levels = list(levels)
    if not levels or len(set(map(str, levels))) != len(levels):
        raise ConfigError(f"ablation levels must be distinct and non-empty, got {levels!r}")
    settings = profile_settings(profile)
    suite = study_suite(profile, store)
    if factor in ("mask_prob", "lambda_"):  # 1 and 1.0 must be one run (one cache key)
        levels = [float(lvl) if isinstance(lvl, int | float) else lvl for lvl in levels]
    variants = {f"{factor}={lvl}": (objective, {factor: lvl}) for lvl in levels}
    processes = chapter_settings(CHAPTER, profile).processes
    runs = pretrain_variants(suite, settings, variants, store, workers, processes, profile)
    models = {name: run.file("model") for name, run in runs.items()}
    columns = {f"{factor}={lvl}": {"factor": factor, "level": lvl} for lvl in levels}
    plan = nli_plan(profile).for_ablations(("zero-shot",))
    # no oracle in the ablations' own runs (a fifth of each, never shown); the runs they
    # share with the main table (the profile's own level at its fine-tuning seeds) are its
    # runs, oracle and all, whichever chapter computes them first
    own = settings.config(objective)
    main_seeds = nli_plan(profile).seeds
    main = {
        name: main_seeds
        for name, (obj, overrides) in variants.items()
        if settings.config(obj, **overrides) == own
    }
    frame = finetune_grid(models, suite, plan, store, workers, columns, oracle=False, main=main)
    frame = frame[frame.setting != ft.ORACLE_SETTING].reset_index(drop=True)  # main tables only
    frame["model"] = objective
    return frame


def lr_results(
    profile: str,
    learning_rates: Sequence[float],
    models: Sequence[str] = ("tlm", "weam"),
    store: RunStore | None = None,
    workers: int | None = None,
):
    """``models`` fine-tuned on XNLI zero-shot at each fine-tuning learning rate (the other
    settings the main table's). Tidy frame with ``factor="finetune_lr"`` and ``level``."""
    folders = study_models(profile, store, workers)
    suite = study_suite(profile, store)
    main_plan = nli_plan(profile)
    jobs = []
    for lr in learning_rates:
        plan = main_plan.for_ablations(("zero-shot",)).with_config(learning_rate=lr)
        picked = {m: folders[m] for m in models}
        columns = {m: {"factor": "finetune_lr", "level": lr} for m in models}
        # as ablation_results: the main table's rate at its seeds is its run
        main = {m: main_plan.seeds for m in models} if plan.config == main_plan.config else {}
        jobs += _jobs(picked, suite, plan, columns, oracle=False, main=main)
    frame = _run_jobs(jobs, store, workers)  # every rate's runs share the workers
    return frame[frame.setting != ft.ORACLE_SETTING].reset_index(drop=True)  # main tables only


def noise_results(
    profile: str,
    noise_rates: Sequence[float],
    model: str = "base",
    store: RunStore | None = None,
    workers: int | None = None,
):
    """Translate-train of ``model`` on suites whose translations carry each noise rate (the
    same meanings and dev/test sets; only the translate-train files differ), for XNLI and
    MLQA. Tidy frame with ``factor="noise_rate"`` and ``level`` (empty without rates: the
    real-data profiles have no noise to set)."""
    import pandas as pd

    if not noise_rates:
        return pd.DataFrame(columns=[*ft.FRAME_COLUMNS, "factor", "level"])
    folders = study_models(profile, store, workers)
    jobs = []
    for rate in noise_rates:
        suite = study_suite(profile, store, noise_rate=rate)
        for plan in (nli_plan(profile), qa_plan(profile)):
            plan = plan.for_ablations(("translate-train",))
            columns = {model: {"factor": "noise_rate", "level": rate}}
            jobs += _jobs({model: folders[model]}, suite, plan, columns)
    return _run_jobs(jobs, store, workers)  # every rate's and task's runs share the workers


ABLATION_CHAPTERS = {
    "mask_prob": ("06_ablation_mask_prob", "levels"),
    "lambda_": ("07_ablation_lambda", "levels"),
    "alignment_source": ("08_alignment_sources", "sources"),
}


def all_results(profile: str, store: RunStore | None = None, workers: int | None = None):
    """Every frame the claims ledger reads, from the runs of chapters 04–08 under
    ``profile`` (their parameters): ``{"xnli", "mlqa", "mask_prob", "lambda", "alignment",
    "lr", "noise"}``."""
    frames = {
        "xnli": main_results(profile, "xnli", store, workers),
        "mlqa": main_results(profile, "mlqa", store, workers),
    }
    for key, factor in (("mask_prob", "mask_prob"), ("lambda", "lambda_"),
                        ("alignment", "alignment_source")):  # fmt: skip
        chapter, name = ABLATION_CHAPTERS[factor]
        levels = chapter_parameters(chapter, profile)[name]
        frames[key] = ablation_results(profile, factor, levels, store, workers)
    params = chapter_parameters("08_alignment_sources", profile)
    frames["lr"] = lr_results(profile, params["learning_rates"], store=store, workers=workers)
    frames["noise"] = noise_results(profile, params["noise_rates"], store=store, workers=workers)
    return frames


# --------------------------------------------------------------------------- tables


def summary_table(frame, task: str, setting: str, metric: str | None = None, split="test"):
    """Rows: models; columns: languages and the average over the non-English ones ("avg",
    per seed, then over seeds), each "mean ± SD over seeds". With several pre-training seeds
    the SD is over the pre-training seeds' means (each the mean over its fine-tuning seeds:
    the unit of :mod:`weamlib.eval.stats`). Returns a DataFrame of strings for display and one
    of the means."""
    metric = metric or TASKS[task]
    rows = frame[
        (frame.task == task) & (frame.setting == setting) & (frame.metric == metric)
        & (frame.split == split)
    ]  # fmt: skip
    if rows.empty:
        raise ValueError(f"no {task} {setting} {metric} results on {split}")
    import pandas as pd

    from weamlib.eval.stats import NoMatchingResults, seed_scores

    langs = list(dict.fromkeys(rows.language))
    langs = [lang for lang in langs if lang == "en"] + [lang for lang in langs if lang != "en"]
    present = list(dict.fromkeys(rows.model))
    order = [m for m in MODELS if m in present] + [m for m in present if m not in MODELS]

    def unit_scores(model: str) -> dict[str, pd.Series]:
        """Column -> one score per seed unit (weamlib.eval.stats.seed_scores)."""
        out = {lang: pd.Series(seed_scores(rows, model=model, languages=[lang])) for lang in langs}
        try:
            out["avg"] = pd.Series(seed_scores(rows, model=model, exclude_languages=("en",)))
        except NoMatchingResults:  # English only: no transfer average
            out["avg"] = pd.Series(dtype=float)
        return out

    per_model = {m: unit_scores(m) for m in order}
    means = pd.DataFrame(
        {m: {c: v.mean() for c, v in cols.items()} for m, cols in per_model.items()}
    ).T
    sds = pd.DataFrame(
        {m: {c: v.std(ddof=1) for c, v in cols.items()} for m, cols in per_model.items()}
    ).T
    text = means.round(1).astype(str) + " ± " + sds.round(1).astype(str)
    text.index = [LABELS.get(m, m) for m in text.index]
    return text, means


def run_count(frame) -> str:
    """What a main table holds: "5 models × 3 pre-training seeds × 2 settings × 2
    fine-tuning seeds: 60 fine-tuning runs" (oracle rows are no runs of their own), and
    ", and 14 translate-train-one runs (2 models × 7 languages)" where there are some (one
    run per model, seed and target language)."""
    rows = frame[frame.setting != ft.ORACLE_SETTING]
    one = rows[rows.setting == ft.ONE_LANGUAGE]
    rows = rows[rows.setting != ft.ONE_LANGUAGE]
    ids = [c for c in ("model", "pretrain_seed", "setting", "seed") if c in rows.columns]
    parts = [f"{rows.model.nunique()} models"]
    if "pretrain_seed" in rows.columns:
        parts.append(f"{rows.pretrain_seed.nunique()} pre-training seeds")
    parts += [f"{rows.setting.nunique()} settings", f"{rows.seed.nunique()} fine-tuning seeds"]
    text = f"{' × '.join(parts)}: {len(rows.groupby(ids))} fine-tuning runs"
    if not one.empty:
        n = len(one.groupby([*ids, "language"]))
        text += (
            f", and {n} {ft.ONE_LANGUAGE} runs ({one.model.nunique()} models ×"
            f" {one.language.nunique()} languages)"
        )
    return text


def oracle_table(frame, task: str, metric: str | None = None, split: str = "test"):
    """Zero-shot non-English average per model under the protocol's English-dev selection
    and under target-dev ("oracle") selection of each language's epoch, and the gap: a
    sensitivity of the selection rule (Keung et al. 2020), never a verdict's input."""
    import pandas as pd

    _, english = summary_table(frame, task, "zero-shot", metric, split)
    _, oracle = summary_table(frame, task, ft.ORACLE_SETTING, metric, split)
    out = pd.DataFrame(
        {"English dev selects": english["avg"], "target dev selects (oracle)": oracle["avg"]}
    )
    out["oracle − English"] = out.iloc[:, 1] - out.iloc[:, 0]
    out.index = [LABELS.get(m, m) for m in out.index]
    return out


DEFAULT_PAIRS = (
    ("weam", "tlm"),
    ("weam", "word_aligned"),
    ("weam", "base"),
    ("weam", "mlm_control"),
    ("tlm", "base"),
    ("word_aligned", "base"),
    ("mlm_control", "base"),
    ("tlm", "mlm_control"),
)


def paired_table(frame, task: str, setting: str, pairs=DEFAULT_PAIRS, metric=None, split="test"):
    """Paired differences (a − b) of the non-English average, paired by seed (the
    pre-training seed when the frame holds several, else the fine-tuning seed: column
    ``unit``), with 95 % t intervals (:func:`weamlib.eval.stats.compare`)."""
    import pandas as pd

    from weamlib.eval.stats import compare

    metric = metric or TASKS[task]
    present = set(frame[(frame.task == task) & (frame.setting == setting)].model)
    out = []
    for a, b in pairs:
        if a not in present or b not in present:
            continue
        d = compare(
            frame, {"model": a}, {"model": b}, task=task, setting=setting, metric=metric,
            split=split, exclude_languages=("en",),
        )  # fmt: skip
        out.append(
            {
                "difference": f"{LABELS.get(a, a)} − {LABELS.get(b, b)}",
                "mean": d.mean,
                "95 % low": d.low,
                "95 % high": d.high,
                "seeds": d.n,
                "unit": d.unit,
                "excludes 0": bool(d.low > 0 or d.high < 0),
            }
        )
    return pd.DataFrame(out)


HEADLINE_PAIRS = ("WEAM − TLM", "WEAM − word-aligned", "TLM − base (“mBERT”)",
                  "MLM control − base (“mBERT”)")  # fmt: skip


def headline(frame, task: str, setting: str = "zero-shot") -> str:
    """A chapter's summary sentence, computed from its frame: English dev (the selection
    set), the best non-English average, and the main paired differences with intervals."""
    metric = TASKS[task]
    unit = " %" if metric == "accuracy" else ""
    _, means = summary_table(frame, task, setting)
    diffs = paired_table(frame, task, setting).set_index("difference")
    dev = frame[(frame.split == "dev") & (frame.language == "en") & (frame.setting == setting)
                & (frame.metric == metric)]  # fmt: skip
    best = means["avg"].idxmax()
    lines = [
        f"English dev {metric} (the selection set) averages {dev.value.mean():.1f}{unit} over "
        f"models and seeds.",
        f"In {setting}, the highest non-English average is {LABELS.get(best, best)}'s "
        f"({means.loc[best, 'avg']:.1f}{unit})"
        + (
            f", against {means.loc['base', 'avg']:.1f}{unit} for the base model."
            if "base" in means.index
            else "."
        ),  # fmt: skip
    ]
    for name in HEADLINE_PAIRS:
        if name in diffs.index:
            r = diffs.loc[name]
            lines.append(
                f"{name}: {r['mean']:+.1f} points (95 % interval {r['95 % low']:+.1f} to "
                f"{r['95 % high']:+.1f}; {'excludes' if r['excludes 0'] else 'includes'} 0)."
            )
    return " ".join(lines)


def _interval(d) -> str:
    return f"{d.mean:+.1f} [{d.low:+.1f}, {d.high:+.1f}]"


def _pairs_text(frame, task: str, setting: str, names: Sequence[str]) -> str:
    diffs = paired_table(frame, task, setting).set_index("difference")
    return "; ".join(
        f"{name} {diffs.loc[name, 'mean']:+.1f} [{diffs.loc[name, '95 % low']:+.1f}, "
        f"{diffs.loc[name, '95 % high']:+.1f}]"
        for name in names
        if name in diffs.index
    )


def _range(values, unit: str) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:.1f}{unit}" if round(lo, 1) == round(hi, 1) else f"{lo:.1f}–{hi:.1f}{unit}"


def _transfer_line(frame, task: str, metric: str, unit: str, extra: str = "") -> str:
    """English test score (the language fine-tuned on) across models and the zero-shot
    non-English average of the base model and of the best model."""
    _, means = summary_table(frame, task, "zero-shot", metric)
    best = means["avg"].idxmax()
    base = (f"{means.loc['base', 'avg']:.1f}{unit} for the base model, "
            if "base" in means.index else "")  # fmt: skip
    return (
        f"English test {metric}, the language fine-tuned on: {_range(means['en'], unit)} across"
        f" models{extra}. Zero-shot, the other languages average {base}"
        f"{means.loc[best, 'avg']:.1f}{unit} at best ({LABELS.get(best, best)})."
    )


def xnli_summary(frame, settings: Sequence[str]) -> str:
    """Chapter 04's opening summary (Markdown bullets): how well English is learnt and how
    much of it transfers, the zero-shot differences the XNLI claims rest on (C1, C4, C5)
    and, with translate-train, WEAM's zero-shot against its translate-train (C6)."""
    lines = [_transfer_line(frame, "xnli", "accuracy", " %", f" (chance {CHANCE['xnli']:.1f} %)")]
    pairs = _pairs_text(frame, "xnli", "zero-shot",
                        ("WEAM − TLM", "WEAM − word-aligned", "TLM − base (“mBERT”)"))  # fmt: skip
    if pairs:
        lines.append(f"Zero-shot paired differences (points, 95 % interval): {pairs}.")
    if "translate-train" in settings:
        _, means = summary_table(frame, "xnli", "translate-train")
        best = means["avg"].idxmax()
        line = (f"Translate-train: the highest non-English average is {LABELS.get(best, best)}'s"
                f" ({means.loc[best, 'avg']:.1f} %)")  # fmt: skip
        if "weam" in means.index:
            from weamlib.eval.stats import compare

            d = compare(frame, {"setting": "zero-shot"}, {"setting": "translate-train"},
                        model="weam", task="xnli", metric="accuracy", split="test",
                        exclude_languages=("en",))  # fmt: skip
            line += f"; WEAM zero-shot − translate-train: {_interval(d)} points"
        lines.append(line + ".")
    return "\n".join(f"* {line}" for line in lines)


def control_languages(profile: str, store: RunStore | None = None) -> list[str]:
    """The suite's script-only controls: languages other than English realised by the
    English realiser (``realiser: english``: English's grammar and words, written in another
    script; data/languages/README.md). None in a real-data suite."""
    from weamlib.data.realsuite import real_profile
    from weamlib.data.suitefiles import suite_specs

    if real_profile(profile):
        return []
    specs = suite_specs(study_suite(profile, store))
    return [c for c, spec in specs.items() if c != "en" and spec.get("realiser") == "english"]


def control_line(frame, task: str, controls: Sequence[str], model: str = "base") -> str | None:
    """The positive control of DESIGN §3: the share of English's zero-shot test margin over
    chance that ``model`` keeps on each script-only control language (a change of script
    alone should cost little; under half of English's margin, the regime, not the
    objectives, is broken). None without controls or runs."""
    metric = TASKS[task]
    rows = frame[(frame.task == task) & (frame.setting == "zero-shot") & (frame.model == model)
                 & (frame.metric == metric) & (frame.split == "test")]  # fmt: skip
    controls = [c for c in controls if c in set(rows.language)]
    if not controls or "en" not in set(rows.language):
        return None
    chance = CHANCE[task]
    en = rows[rows.language == "en"].value.mean()
    head = f"Positive control ({task.upper()} {metric}, {LABELS.get(model, model)}, zero-shot): "
    if en <= chance:
        return (
            f"{head}English itself is not above chance ({en:.1f} against {chance:.1f}), so the"
            f" script-only control ({', '.join(f'`{c}`' for c in controls)}) has no margin to"
            " keep: the regime is broken by DESIGN §3's rule."
        )
    parts = [
        calibration.control_text(c, rows[rows.language == c].value.mean(), en, chance)
        for c in controls
    ]
    return head + "; ".join(parts) + "."


def mlqa_summary(frame, settings: Sequence[str]) -> str:
    """Chapter 05's opening summary (Markdown bullets): English F1 and exact match, the
    zero-shot transfer, and the differences the MLQA parts of C1–C3 rest on."""
    _, em = summary_table(frame, "mlqa", "zero-shot", "exact_match")
    lines = [_transfer_line(frame, "mlqa", "f1", "", f" (exact match {_range(em['en'], '')})")]
    for setting, names in (
        ("zero-shot", ("TLM − base (“mBERT”)", "WEAM − base (“mBERT”)", "WEAM − TLM")),
        ("translate-train", ("TLM − base (“mBERT”)", "WEAM − base (“mBERT”)")),
    ):
        pairs = _pairs_text(frame, "mlqa", setting, names) if setting in settings else ""
        if pairs:
            lines.append(f"{setting.capitalize()} F1 paired differences (points, 95 % "
                         f"interval): {pairs}.")  # fmt: skip
    return "\n".join(f"* {line}" for line in lines)


def level_summary(
    frame, factor: str, claimed, name: str, baseline: tuple[Any, str] | None = None,
    split: str = "test",
) -> str:  # fmt: skip
    """An ablation chapter's opening summary (Markdown bullets) for one factor of WEAM:
    the non-English accuracy at every level, the best level, and each level against the
    paper's (``claimed``); ``name``: how the factor is written (``λ``). ``baseline``:
    ``(level, what it means)``, a level whose difference to the paper's is a claim of its
    own (λ = 0: no cross-lingual prediction), stated as ``claimed − level``."""
    from weamlib.eval.stats import compare

    best = best_level(frame, factor, split)
    rows = frame[(frame.factor == factor) & (frame.split == split)]
    common = {"split": split, "metric": rows.metric.iloc[0], "task": rows.task.iloc[0],
              "exclude_languages": ("en",)}  # fmt: skip
    at = "; ".join(f"{lv}: {v:.1f} %" for lv, v in best["at"].items())
    vs = "; ".join(
        f"{lv}: {_interval(compare(rows, {'level': lv}, {'level': claimed}, **common))}"
        for lv in best["at"]
        if str(lv) != str(claimed)
    )
    lines = [
        f"Non-English zero-shot XNLI accuracy by {name}: {at}. The highest is at {name} = "
        f"{best['level']}; the paper's {name} = {claimed} gives {best['at'][claimed]:.1f} %.",
    ]
    if vs:
        lines.append(f"Each {name} − {name} = {claimed} (points, 95 % interval): {vs}.")
    if baseline is not None and any(str(lv) == str(baseline[0]) for lv in best["at"]):
        d = compare(rows, {"level": claimed}, {"level": baseline[0]}, **common)
        lines.append(f"{name} = {claimed} − {name} = {baseline[0]} ({baseline[1]}): "
                     f"{_interval(d)} points.")  # fmt: skip
    return "\n".join(f"* {line}" for line in lines)


def level_table(frame, factor: str, claimed=None, split: str = "test"):
    """One row per level of an ablation: English and non-English average (mean ± SD over
    seeds), and the paired difference of the non-English average against the ``claimed``
    level (95 % t interval)."""
    import pandas as pd

    from weamlib.eval.stats import compare, seed_scores

    rows = frame[(frame.factor == factor) & (frame.split == split)]
    common = {"split": split, "metric": rows.metric.iloc[0], "task": rows.task.iloc[0]}
    out = []
    for level in list(dict.fromkeys(rows.level)):
        other = seed_scores(rows, level=level, exclude_languages=("en",), **common)
        english = seed_scores(rows, level=level, languages=["en"], **common)
        row = {
            factor: level,
            "English": f"{np.mean(list(english.values())):.1f} ± {np.std(list(english.values()), ddof=1):.1f}",
            "other languages": f"{np.mean(list(other.values())):.1f} ± {np.std(list(other.values()), ddof=1):.1f}",
            "seeds": len(other),
        }
        if claimed is not None and str(level) == str(claimed):
            row[f"− {claimed} (95 % interval)"] = "reference"
        elif claimed is not None:
            d = compare(rows, {"level": level}, {"level": claimed}, exclude_languages=("en",),
                        **common)  # fmt: skip
            row[f"− {claimed} (95 % interval)"] = f"{d.mean:+.1f} ({d.low:+.1f} to {d.high:+.1f})"
        out.append(row)
    return pd.DataFrame(out).set_index(factor)


def best_level(frame, factor: str, split: str = "test") -> dict:
    """The level with the highest mean (over seeds) non-English average: ``{"level",
    "mean", "at": {level: mean}}``."""
    rows = frame[(frame.factor == factor) & (frame.split == split) & (frame.language != "en")]
    per_seed = rows.groupby(["level", "seed"], sort=False).value.mean()
    at = per_seed.groupby(level="level", sort=False).mean().to_dict()
    level = max(at, key=at.get)
    return {"level": level, "mean": at[level], "at": at}


def noise_table(frame, split: str = "test"):
    """Translate-train score (non-English average, mean ± SD over seeds) per task and noise
    rate, and each task's paired drop from the lowest to the highest rate."""
    import pandas as pd

    from weamlib.eval.stats import compare, seed_scores

    out = []
    for task, metric in TASKS.items():
        rows = frame[(frame.task == task) & (frame.metric == metric) & (frame.split == split)]
        if rows.empty:
            continue
        levels = sorted(set(rows.level))
        row = {"task": task, "metric": metric}
        for level in levels:
            v = list(seed_scores(rows, level=level, exclude_languages=("en",)).values())
            row[f"noise {level}"] = f"{np.mean(v):.1f} ± {np.std(v, ddof=1):.1f}"
        d = compare(rows, {"level": levels[0]}, {"level": levels[-1]}, exclude_languages=("en",))
        row["drop (95 % interval)"] = f"{d.mean:+.1f} ({d.low:+.1f} to {d.high:+.1f})"
        out.append(row)
    return pd.DataFrame(out, columns=["task", "metric"] if not out else None).set_index("task")


def input_lengths(profile: str, store: RunStore | None = None) -> dict:
    """Mean input length in subword tokens of the study's tokenizer, English train: NLI
    (premise + hypothesis) and QA (question + context)."""
    from transformers import AutoTokenizer

    from weamlib.data.suitefiles import load_nli, load_qa

    suite = study_suite(profile, store)
    settings = profile_settings(profile)
    base = ensure_pretrained(suite, settings.base, settings.size, settings.vocab_size, None, store)
    tok = AutoTokenizer.from_pretrained(str(base.file("model")))
    nli = load_nli(suite, "train", "en")[:2000]
    qa = load_qa(suite, "train", "en")[:2000]
    n_nli = [len(tok(e.premise, e.hypothesis)["input_ids"]) for e in nli]
    n_qa = [len(tok(e.question, e.context)["input_ids"]) for e in qa]
    return {"xnli": float(np.mean(n_nli)), "mlqa": float(np.mean(n_qa))}


def lr_table(frame, a: str = "weam", b: str = "tlm", split: str = "test"):
    """Per fine-tuning learning rate: each model's non-English average (mean ± SD) and the
    paired difference ``a − b`` with its 95 % interval."""
    import pandas as pd

    from weamlib.eval.stats import compare, seed_scores

    out = []
    for level in sorted(set(frame.level)):
        rows = frame[(frame.level == level) & (frame.split == split)]
        row = {"learning rate": level}
        for m in (b, a):
            v = list(seed_scores(rows, model=m, exclude_languages=("en",)).values())
            row[LABELS.get(m, m)] = f"{np.mean(v):.1f} ± {np.std(v, ddof=1):.1f}"
        d = compare(rows, {"model": a}, {"model": b}, exclude_languages=("en",))
        row[f"{LABELS.get(a, a)} − {LABELS.get(b, b)}"] = (
            f"{d.mean:+.1f} ({d.low:+.1f} to {d.high:+.1f})"
        )
        out.append(row)
    return pd.DataFrame(out).set_index("learning rate")


def plot_languages(frame, task: str, metric: str | None = None, split: str = "test"):
    """Bars per language (mean over seeds, whiskers: SD), one bar per model, one panel per
    setting stacked in the column; languages by name on the x axis, chance marked for NLI."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from weamlib.study import plots

    metric = metric or TASKS[task]
    rows = frame[
        (frame.task == task) & (frame.metric == metric) & (frame.split == split)
        & (frame.setting != ft.ORACLE_SETTING)  # a sensitivity, shown in its own table
    ].copy()  # fmt: skip
    rows["model"] = rows.model.map(lambda m: LABELS.get(m, m))
    settings = list(dict.fromkeys(rows.setting))
    languages = list(dict.fromkeys(rows.language))
    fig, axes = plt.subplots(
        len(settings), 1, figsize=(plots.COLUMN_WIDTH, 2.9 * len(settings) + 0.6), sharey=True,
        squeeze=False,
    )  # fmt: skip
    palette = plots.model_colours()
    order = [LABELS.get(m, m) for m in MODELS if LABELS.get(m, m) in set(rows.model)]
    order += [m for m in dict.fromkeys(rows.model) if m not in order]
    for k, (ax, setting) in enumerate(zip(axes[:, 0], settings, strict=True)):
        sns.barplot(
            data=rows[rows.setting == setting], x="language", y="value", hue="model",
            order=languages, hue_order=order, errorbar="sd", ax=ax,
            palette={m: palette.get(m, "grey") for m in order}, legend=k == 0, saturation=1,
        )  # fmt: skip
        if metric == "accuracy" and task == "xnli":
            ax.axhline(CHANCE["xnli"], color="black", linestyle=":", lw=1, label="chance")
        ax.set_title(f"{task.upper()} {setting} ({split})", fontsize=11)
        ax.set_ylabel(metric)
        ax.set_xlabel("")
        ax.set_xticks(range(len(languages)), [plots.language_label(c) for c in languages],
                      fontsize=8)  # fmt: skip
    sns.move_legend(axes[0, 0], "lower center", bbox_to_anchor=(0.5, 1.12), ncol=3,
                    frameon=False, fontsize=8, title=None)  # fmt: skip
    fig.tight_layout()
    return fig


def plot_levels(frame, factor: str, reference: float | str | None = None, split: str = "test"):
    """Curve of the non-English average (and English) over an ablation's levels: mean over
    seeds with a 95 % t interval of the per-seed values; the paper's value (``reference``)
    marked."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from weamlib.study import plots

    rows = frame[(frame.factor == factor) & (frame.split == split)].copy()
    rows["where"] = rows.language.map(lambda x: "English" if x == "en" else "other languages")
    per = rows.groupby(["level", "seed", "where"]).value.mean().reset_index()
    fig, ax = plt.subplots(figsize=(plots.COLUMN_WIDTH * 0.85, 3.6))
    levels = list(dict.fromkeys(rows.level))
    numeric = all(isinstance(v, int | float) for v in per.level)
    palette = dict(zip(["other languages", "English"], plots.colours(2), strict=True))
    if numeric:
        sns.lineplot(data=per, x="level", y="value", hue="where", errorbar=("ci", 95), ax=ax,
                     marker="o", palette=palette, hue_order=list(palette),
                     err_style="band")  # fmt: skip
        ax.set_xticks(sorted(levels))
    else:
        sns.pointplot(data=per, x="level", y="value", hue="where", errorbar=("ci", 95),
                      ax=ax, order=levels, linestyle="none", dodge=0.25, palette=palette,
                      hue_order=list(palette), capsize=0.1)  # fmt: skip
    if reference is not None:
        plots.mark_reference(ax, levels, reference)
    ax.set_xlabel(plots.FACTOR_LABELS.get(factor, factor.rstrip("_").replace("_", " ")))
    ax.set_ylabel(TASKS.get(rows.task.iloc[0], "value") if len(rows) else "value")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    fig.tight_layout()
    return fig
