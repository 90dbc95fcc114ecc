"""The synthetic typology suite: one semantic grammar realised in typologically varied languages.

Modules: ``meaning`` (concepts, meaning dataclasses, sampling), ``inference`` (NLI labels
from meanings), ``scripts`` (writing systems), ``language`` (spec files and lexicons),
``realise`` (sentences with per-word meaning elements, gold alignments), ``tasks`` (NLI, QA,
translation noise), ``baselines`` (hypothesis- and premise-only naive Bayes), ``suite``
(config, build, cache). Chapters call :func:`ensure_suite`; the readers of a suite on disk
are :mod:`weamlib.suitefiles`.
"""

from weamlib.synth.baselines import hypothesis_only_accuracy, naive_bayes_accuracy
from weamlib.synth.inference import LABELS, nli_label
from weamlib.synth.language import Language, known_languages, load_language, load_spec
from weamlib.synth.meaning import Entity, Event, Place, Question
from weamlib.synth.realise import Token, answer_span, gold_links, realise, realise_question
from weamlib.synth.suite import DEFAULT_LANGUAGES, SynthConfig, build_suite, ensure_suite

__all__ = [
    "DEFAULT_LANGUAGES",
    "LABELS",
    "Entity",
    "Event",
    "Language",
    "Place",
    "Question",
    "SynthConfig",
    "Token",
    "answer_span",
    "build_suite",
    "ensure_suite",
    "gold_links",
    "hypothesis_only_accuracy",
    "known_languages",
    "load_language",
    "load_spec",
    "naive_bayes_accuracy",
    "nli_label",
    "realise",
    "realise_question",
]
