"""The study: experiments, settings, calibration, tables, figures and chapter helpers.

Owns the experiments of the results chapters (:mod:`~weamlib.study.experiments`), the
settings of every chapter under a profile (:mod:`~weamlib.study.settings`; the profile
files: :mod:`~weamlib.study.profiles`), the calibration of the
regime on the base model (:mod:`~weamlib.study.calibration`), the book's figures
(:mod:`~weamlib.study.plots`, :mod:`~weamlib.study.alignment_plots`), every cached result
of a profile read from the store (:mod:`~weamlib.study.results`), the published baselines
(:mod:`~weamlib.study.published`), the environment chapter's facts
(:mod:`~weamlib.study.environment`) and the benchmark scripts a chapter runs
(:mod:`~weamlib.study.benchmarks`). No run kind computes with this code, so editing it
re-keys no run (``tests/store/test_runkinds.py``).

May import: the layers below, :mod:`weamlib.core` through :mod:`weamlib.eval`.
"""
