"""Word alignment: eflomal and the FastAlign model (:mod:`~weamlib.align.eflomal_wrapper`,
:mod:`~weamlib.align.fastalign`), symmetrisation, AER, projection onto subwords, corpus
statistics, and the cached alignment runs of a suite (:mod:`~weamlib.align.corpus`).

This package file imports nothing, so that a computation importing one module (the
objectives import :mod:`~weamlib.align.projection`) does not depend on the aligners.
May import: :mod:`weamlib.formats`, :mod:`weamlib.tokenize`, :mod:`weamlib.runs` and below.
"""
