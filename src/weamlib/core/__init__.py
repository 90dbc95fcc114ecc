"""The lowest layer: what every other layer may use, and nothing specific to the study.

Owns the errors for bad input (:mod:`~weamlib.core.errors`), where things live
(:mod:`~weamlib.core.paths`), files and folders written whole
(:mod:`~weamlib.core.atomicio`, :mod:`~weamlib.core.outdirs`), progress lines for the
terminal (:mod:`~weamlib.core.progress`), independent runs side by side in worker processes
(:mod:`~weamlib.core.workers`) and the numeric precision of training and inference
(:mod:`~weamlib.core.precision`).

May import: nothing of weamlib outside ``core`` (the standard library and third-party
packages only).
"""
