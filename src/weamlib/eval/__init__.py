"""Measurements of trained models and of their results, beyond the task scores.

Owns the layer-wise retrieval probes of cross-lingual representations
(:mod:`~weamlib.eval.probe`, run kind ``probe``), NLI accuracy broken down by phenomenon
(:mod:`~weamlib.eval.breakdown`) and the paired statistics over fine-tuning seeds that every
comparison of the study uses (:mod:`~weamlib.eval.stats`).

May import: the layers below, :mod:`weamlib.core` through :mod:`weamlib.train`.
"""
