"""Word alignment: eflomal and the FastAlign model (:mod:`~weamlib.align.eflomal_wrapper`,
:mod:`~weamlib.align.fastalign`), symmetrisation, AER, projection onto subwords, corpus
statistics, the alignment chapter's experiments and report, and the cached alignment runs
of a suite (:mod:`~weamlib.align.corpus`). Its figures are
:mod:`weamlib.study.alignment_plots`.

This package file imports nothing, so that a computation importing one module (the
objectives import :mod:`~weamlib.align.projection`) does not depend on the aligners.
May import: :mod:`weamlib.core`, :mod:`weamlib.store`, :mod:`weamlib.data`; not
:mod:`weamlib.synth` (a sibling layer).
"""
