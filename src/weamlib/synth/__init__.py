"""The synthetic typology suite: one semantic grammar realised in typologically varied languages.

Modules: ``meaning`` (concepts, meaning dataclasses, sampling), ``inference`` (NLI labels
from meanings), ``scripts`` (writing systems), ``language`` (spec files and lexicons),
``realise`` (sentences with per-word meaning elements, gold alignments), ``tasks`` (NLI, QA,
translation noise), ``phenomena`` (what each test hypothesis changed), ``baselines``
(hypothesis- and premise-only naive Bayes), ``suite`` (config, build, cache), ``report``
(the data chapter's tables). Chapters call :func:`weamlib.synth.suite.ensure_suite`; the
readers of a suite on disk are :mod:`weamlib.data.suitefiles`, so nothing that trains or
evaluates imports this package.

May import: :mod:`weamlib.core`, :mod:`weamlib.store`, :mod:`weamlib.data`; not
:mod:`weamlib.align` (a sibling layer).
"""
