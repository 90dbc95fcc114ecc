"""The claims ledger: each claim of the paper, the test that decides it, and a verdict
computed from the results by a pure rule (:mod:`~weamlib.claims.ledger`).

May import: the layers below, :mod:`weamlib.core` through :mod:`weamlib.book`.
"""
