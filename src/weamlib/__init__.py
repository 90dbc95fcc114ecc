"""weamlib: the library behind the WEAM study, one package per layer.

A package imports only from the layers below it, never from one above or from a sibling
(``tests/test_layers.py`` fails on such an import, one inside a function included):

1. ``core``: errors, paths, files and folders written whole, progress, workers, precision.
2. ``store``: the run store, run kinds, digests of code and inputs, what a store holds.
3. ``data``: file formats, real datasets, suite folders, the real-data suite, the tokenizer.
4. ``synth`` (the typology suite) and ``align`` (word aligners), siblings.
5. ``models``: the pre-training model, task heads, the objectives.
6. ``train``: pre-training and fine-tuning runs, QA features and decoding, task metrics.
7. ``eval``: probes, breakdowns by phenomenon, paired statistics.
8. ``study``: experiments, settings and profiles, calibration, figures, results.
9. ``book``: the notebook pipeline (papermill and Jupyter Book).
10. ``claims``: the claims ledger.
11. ``cli``: the ``weamlib`` command.

A package's ``__init__`` holds its docstring only: import a module by its full name.
"""

__version__ = "0.1.0"
