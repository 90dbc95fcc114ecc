"""weamlib: the small library behind the WEAM study.

Modules: ``synth`` (typology suite), ``data`` (formats and loaders), ``align``
(aligners and metrics), ``runs`` (cached run folders), ``pipeline`` (papermill
and Jupyter Book), ``cli`` (the ``weamlib`` command).
"""

__version__ = "0.1.0"
