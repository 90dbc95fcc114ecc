"""The study's data on disk: file formats, real datasets, suite folders, the tokenizer.

Owns the readers and writers of the standard formats (:mod:`~weamlib.data.formats`), the
real-dataset manifest with checksum-verified fetching and the loaders over a data directory
(:mod:`~weamlib.data.datasets`), the readers of a suite folder
(:mod:`~weamlib.data.suitefiles`), real data laid out as a suite
(:mod:`~weamlib.data.realsuite`), word splitting before alignment
(:mod:`~weamlib.data.wordsplit`) and the subword tokenizer (:mod:`~weamlib.data.tokenize`).
Its run kinds (``realsuite``, ``tokenizer``) go through the store.

May import: :mod:`weamlib.core`, :mod:`weamlib.store`.
"""
