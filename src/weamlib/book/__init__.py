"""The notebook pipeline: py:percent chapter -> papermill -> executed notebook -> Jupyter Book.

Owns :mod:`~weamlib.book.pipeline`: the chapters, the validation of a chapter's
parameters, running a chapter, the build report and the HTML build. It knows chapters as
files, and checks the values a chapter runs with against the study's settings of it
(:mod:`weamlib.study.settings`, the profiles in :mod:`weamlib.study.profiles`), so it sits
above the study; it never computes what a chapter computes.

May import: the layers below, :mod:`weamlib.core` through :mod:`weamlib.study`.
"""
