"""Word alignment: eflomal and the FastAlign model, symmetrisation, AER, projection onto
subwords, and corpus statistics."""

from weamlib.align.corpus import (
    ALIGNERS,
    Alignment,
    align_corpus,
    align_directions,
    aligner_config,
    check_pairs,
    corpus_digest,
    directional_run,
    ensure_alignments,
    ensure_all_alignments,
    load_links,
    load_suite_pair,
    suite_files,
    suite_pairs,
)
from weamlib.align.eflomal_wrapper import EflomalConfig, eflomal_align
from weamlib.align.fastalign import FastAlignConfig, fastalign
from weamlib.align.metrics import AlignmentScores, alignment_scores
from weamlib.align.projection import (
    links_to_words,
    project_links,
    project_with_tokenizer,
    subword_matrix,
    subword_to_word,
)
from weamlib.align.stats import distortions, fertility_summary, link_types
from weamlib.align.symmetrize import METHODS, symmetrize, symmetrize_corpus

__all__ = [
    "ALIGNERS",
    "METHODS",
    "Alignment",
    "AlignmentScores",
    "EflomalConfig",
    "FastAlignConfig",
    "align_corpus",
    "align_directions",
    "aligner_config",
    "alignment_scores",
    "check_pairs",
    "corpus_digest",
    "directional_run",
    "distortions",
    "eflomal_align",
    "ensure_alignments",
    "ensure_all_alignments",
    "fastalign",
    "fertility_summary",
    "link_types",
    "links_to_words",
    "load_links",
    "load_suite_pair",
    "project_links",
    "project_with_tokenizer",
    "subword_matrix",
    "subword_to_word",
    "suite_files",
    "suite_pairs",
    "symmetrize",
    "symmetrize_corpus",
]
