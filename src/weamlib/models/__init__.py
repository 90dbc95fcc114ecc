"""Networks: the pre-training model, the task heads, and the objectives they compute.

Owns :class:`~weamlib.models.model.BertForWeamPreTraining` (:mod:`~weamlib.models.model`),
the task heads the Hugging Face library does not ship (:mod:`~weamlib.models.heads`), and
the pre-training objectives as pure functions with the collator that feeds them
(:mod:`~weamlib.models.objectives`), whose losses the model returns.

May import: the layers below: :mod:`weamlib.core`, :mod:`weamlib.store`,
:mod:`weamlib.data`, :mod:`weamlib.synth`, :mod:`weamlib.align` (the objectives project word
links onto subwords with :mod:`weamlib.align.projection`).
"""
