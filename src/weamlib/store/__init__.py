"""The run store: cached run folders keyed by what they compute.

Owns the store (:mod:`~weamlib.store.runs`), the run kinds and the code each computes with
(:mod:`~weamlib.store.runkinds`), digests of normalised source code
(:mod:`~weamlib.store.codehash`) and of a run's inputs: files, model folders, suites,
tokenizers (:mod:`~weamlib.store.digests`), what a store holds and which of its runs are
stale (:mod:`~weamlib.store.storeinfo`), and what a book build's runs cost
(:mod:`~weamlib.store.buildcost`). It knows runs as folders and kinds as names, never what
a kind computes.

May import: :mod:`weamlib.core`.
"""
