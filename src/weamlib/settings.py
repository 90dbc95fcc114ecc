"""The study's pre-training settings per profile.

:func:`profile_settings` reads the pre-training chapter's parameters with the profile's
``03_pretraining`` section over them (the values the book runs with), so that the CLI,
the benchmarks and the results chapters train and look up the very runs chapter 03 made.

May import: :mod:`weamlib.pretrain` (configs), :mod:`weamlib.model`, :mod:`weamlib.pipeline`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from weamlib import objectives as obj
from weamlib.errors import ConfigError
from weamlib.model import ModelSize
from weamlib.pretrain import PretrainConfig, _positive_int, with_overrides

CHAPTER = "03_pretraining"  # the profile section that holds the pre-training settings


@dataclass(frozen=True)
class StudySettings:
    """The pre-training regime of a profile: one tokenizer, one model size, the base run and
    the continued runs (shared settings plus per-objective ones)."""

    vocab_size: int
    size: ModelSize
    base: PretrainConfig
    continued: dict
    objectives: dict

    def config(self, objective: str, seed: int | None = None, **overrides) -> PretrainConfig:
        """The config of ``objective``: profile settings, then ``overrides`` (names checked)."""
        if objective == "base":
            values = asdict(self.base)
        else:
            if objective not in obj.OBJECTIVES:
                raise ConfigError(
                    f"unknown objective {objective!r}; choose one of {', '.join(obj.OBJECTIVES)}"
                )
            values = {**self.continued, **self.objectives.get(objective, {})}
        values = {**values, "objective": objective}
        if seed is not None:
            values["seed"] = seed
        return with_overrides(PretrainConfig, values, overrides, "pre-training")


def settings_from_parameters(params: dict) -> StudySettings:
    """:class:`StudySettings` from the pre-training chapter's parameters (``vocab_size``,
    ``model``, ``base``, ``continued``, ``objectives``)."""
    size = with_overrides(ModelSize, {}, dict(params.get("model") or {}), "model")
    base = with_overrides(
        PretrainConfig, {"objective": "base"}, dict(params.get("base") or {}), "base"
    )
    continued = dict(params.get("continued") or {})
    with_overrides(PretrainConfig, {"objective": "tlm"}, continued, "continued")
    objectives = {k: dict(v or {}) for k, v in (params.get("objectives") or {}).items()}
    for name, values in objectives.items():
        if name not in obj.OBJECTIVES or name == "base":
            raise ConfigError(f"parameter 'objectives': unknown continued objective {name!r}")
        with_overrides(PretrainConfig, {**continued, "objective": name}, values, name)
    vocab = params.get("vocab_size")
    _positive_int("vocab_size", vocab, minimum=6)
    return StudySettings(vocab, size, base, continued, objectives)


def profile_settings(profile: str) -> StudySettings:
    """The settings of ``profile``: the pre-training chapter's parameters cell overridden by
    the profile's ``03_pretraining`` section (the same values the book runs with)."""
    from weamlib.pipeline import declared_parameters, notebooks_dir, resolve_parameters

    source = notebooks_dir() / f"{CHAPTER}.py"
    params = {**declared_parameters(source), **resolve_parameters(source, profile)}
    return settings_from_parameters(params)


def suite_profile(profile: str) -> str:
    """The synthetic suite of a profile: ``smoke`` for the smoke profiles, else ``default``
    (the real-data profiles show it in the data and alignment chapters)."""
    return "smoke" if profile in ("smoke", "paper-smoke") else "default"
