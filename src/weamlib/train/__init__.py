"""Training: pre-training and fine-tuning runs, with the task code they run.

Owns the computation of a pre-training run (:mod:`~weamlib.train.pretrain`), the
pre-training runs of the study, found, keyed, trained once and stored
(:mod:`~weamlib.train.pretrain_runs`), fine-tuning under the zero-shot protocol
(:mod:`~weamlib.train.finetune`), extractive-QA features and span decoding
(:mod:`~weamlib.train.qa`) and the task metrics (:mod:`~weamlib.train.metrics`), which
select a fine-tuned model on English dev and score the test sets.

May import: the layers below: :mod:`weamlib.core`, :mod:`weamlib.store`,
:mod:`weamlib.data`, :mod:`weamlib.synth`, :mod:`weamlib.align`, :mod:`weamlib.models`.
"""
