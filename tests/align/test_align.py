"""Word alignment: symmetrisation, AER, projection, statistics, both aligners, CLI."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from weamlib.align.corpus import align_corpus, ensure_alignments, load_links
from weamlib.align.eflomal_wrapper import eflomal_align
from weamlib.align.fastalign import FastAlignConfig, fastalign
from weamlib.align.metrics import alignment_scores
from weamlib.align.projection import links_to_words, project_links, subword_matrix
from weamlib.align.stats import distortions, fertility_summary, link_types
from weamlib.align.symmetrize import symmetrize
from weamlib.cli.main import main
from weamlib.core.errors import ConfigError, DataFormatError
from weamlib.data.formats import LinkSet, read_pharaoh, write_parallel, write_pharaoh

# ----------------------------------------------------------------------------- symmetrisation

# 4x4: intersection {(0,0),(1,1)}; forward adds (3,3), reverse adds (3,2); neither touches
# the intersection, so grow-diag adds nothing and only the FINAL steps differ.
FWD_B = {(0, 0), (1, 1), (3, 3)}
REV_B = {(0, 0), (1, 1), (3, 2)}


def test_intersection_and_union():
    assert symmetrize(FWD_B, REV_B, "intersection") == {(0, 0), (1, 1)}
    assert symmetrize(FWD_B, REV_B, "union") == {(0, 0), (1, 1), (3, 3), (3, 2)}


def test_grow_diag_does_not_add_isolated_points():
    assert symmetrize(FWD_B, REV_B, "grow-diag") == {(0, 0), (1, 1)}


def test_final_adds_when_either_word_is_unaligned():
    # FINAL(fwd) adds (3,3); FINAL(rev) then adds (3,2): target 2 is still unaligned.
    assert symmetrize(FWD_B, REV_B, "grow-diag-final") == {(0, 0), (1, 1), (3, 3), (3, 2)}


def test_final_and_needs_both_words_unaligned():
    # After (3,3), source word 3 is aligned, so (3,2) is refused.
    assert symmetrize(FWD_B, REV_B, "grow-diag-final-and") == {(0, 0), (1, 1), (3, 3)}


def test_grow_diag_adds_neighbour_of_unaligned_word():
    fwd, rev = {(0, 0), (1, 1), (2, 1)}, {(0, 0), (1, 1)}
    assert symmetrize(fwd, rev, "intersection") == {(0, 0), (1, 1)}
    assert symmetrize(fwd, rev, "grow-diag") == {(0, 0), (1, 1), (2, 1)}


def test_grow_diag_grows_through_diagonals_in_chains():
    # (1,0) is a side neighbour of (1,1) and (0,0) a diagonal one; both join.
    fwd, rev = {(0, 0), (1, 1)}, {(1, 0), (1, 1)}
    assert symmetrize(fwd, rev, "intersection") == {(1, 1)}
    assert symmetrize(fwd, rev, "grow-diag") == {(0, 0), (1, 0), (1, 1)}


def test_grow_diag_skips_union_points_between_aligned_words():
    # (0,1) neighbours (0,0) but both its words are already aligned.
    fwd, rev = {(0, 0), (1, 1), (0, 1)}, {(0, 0), (1, 1)}
    assert symmetrize(fwd, rev, "grow-diag") == {(0, 0), (1, 1)}
    assert symmetrize(fwd, rev, "grow-diag-final") == {(0, 0), (1, 1)}


def test_unknown_method_is_refused():
    with pytest.raises(ConfigError, match="grow-diag-final-and"):
        symmetrize(FWD_B, REV_B, "grow")


# ----------------------------------------------------------------------------- metrics


def test_aer_with_sure_and_possible_links():
    gold = [LinkSet(sure=frozenset({(0, 0), (1, 1)}), possible=frozenset({(0, 0), (1, 1), (1, 2)}))]
    pred = [{(0, 0), (1, 2), (2, 2)}]
    s = alignment_scores(pred, gold)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(1 / 2)
    assert s.aer == pytest.approx(1 - (1 + 2) / (3 + 2))


def test_aer_is_corpus_level_not_a_mean_of_sentences():
    gold = [{(0, 0)}, {(0, 0), (1, 1), (2, 2)}]
    pred = [{(0, 0)}, {(0, 1)}]
    s = alignment_scores(pred, gold)
    assert s.precision == pytest.approx(1 / 2)
    assert s.recall == pytest.approx(1 / 4)
    assert s.aer == pytest.approx(1 - 2 / 6)


def test_aer_perfect_and_length_mismatch():
    assert alignment_scores([{(0, 1)}], [{(0, 1)}]).aer == 0.0
    with pytest.raises(ValueError, match="2 predicted sentences but 1 gold"):
        alignment_scores([set(), set()], [set()])


# ----------------------------------------------------------------------------- projection


def test_projection_first_and_all():
    links = [(1, 0), (2, 1)]
    src, tgt = [1, 2, 1], [2, 1]
    assert project_links(links, src, tgt, "first") == [(1, 0), (3, 2)]
    assert project_links(links, src, tgt, "all") == [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)]
    assert links_to_words(project_links(links, src, tgt, "all"), src, tgt) == links
    assert links_to_words(project_links(links, src, tgt, "first"), src, tgt) == links


def test_subword_matrix_rows_normalised():
    mat = subword_matrix([(0, 0), (0, 1)], [2], [1, 1], "all", normalize=True)
    assert mat.shape == (2, 2)
    np.testing.assert_allclose(mat, [[0.5, 0.5], [0.5, 0.5]])
    first = subword_matrix([(0, 1)], [2], [1, 1], "first", normalize=True)
    np.testing.assert_allclose(first, [[0, 1], [0, 0]])


def test_projection_errors():
    with pytest.raises(ValueError, match="outside"):
        project_links([(3, 0)], [1, 1], [1], "first")
    with pytest.raises(ConfigError, match="subword_alignment"):
        project_links([(0, 0)], [1], [1], "last")
    # A word with no pieces drops its links rather than pointing into its neighbour.
    assert project_links([(0, 0), (1, 0)], [0, 2], [1], "first") == [(0, 0)]


# ----------------------------------------------------------------------------- statistics


def test_link_types_hand_case():
    # src0-tgt0 (1-1); src1-tgt1, src1-tgt2 (1-n); src2-tgt3, src3-tgt3 (n-1); src4 unaligned.
    links = [{(0, 0), (1, 1), (1, 2), (2, 3), (3, 3)}]
    out = link_types(links, [(5, 5)])
    assert (out["1-1"], out["1-n"], out["n-1"], out["n-m"]) == (1, 2, 2, 0)
    assert out["unaligned_src"] == 1 and out["unaligned_tgt"] == 1
    assert out["frac_1-n"] == pytest.approx(0.4)
    nm = link_types([{(0, 0), (0, 1), (1, 0), (1, 1)}], [(2, 2)])
    assert nm["n-m"] == 4


def test_distortion_sign_shows_reordering():
    mono = distortions([{(0, 0), (1, 1), (2, 2)}], [(3, 3)])
    rev = distortions([{(0, 2), (1, 1), (2, 0)}], [(3, 3)])
    np.testing.assert_allclose(mono, 0.0)
    np.testing.assert_allclose(sorted(rev), [-2 / 3, 0.0, 2 / 3])
    assert (distortions([{(0, 2)}], [(3, 3)], signed=False) > 0).all()


def test_fertility_summary():
    out = fertility_summary([1, 1, 2, 7], max_bucket=3)
    assert out["mean"] == pytest.approx(11 / 4)
    assert (out["share_1"], out["share_2"], out["share_3"]) == (0.5, 0.25, 0.25)


# ----------------------------------------------------------------------------- aligners


def toy_corpus(n, reverse, seed=0, vocab=150):
    """Word-for-word translations (x<k> for w<k>), optionally in reversed order."""
    rng = random.Random(seed)
    pairs, gold = [], []
    for _ in range(n):
        length = rng.randint(3, 10)
        src = [f"w{rng.randrange(vocab)}" for _ in range(length)]
        tgt = ["x" + w[1:] for w in src]
        if reverse:
            tgt = tgt[::-1]
        pairs.append((src, tgt))
        gold.append({(i, length - 1 - i if reverse else i) for i in range(length)})
    return pairs, gold


def diagonal_baseline(pairs):
    return [
        {(i, round(i * (len(t) - 1) / max(len(s) - 1, 1))) for i in range(len(s))} for s, t in pairs
    ]


def test_fastalign_monotone_corpus_gets_high_tension_and_low_aer():
    pairs, gold = toy_corpus(1500, reverse=False)
    fwd, rev, info = fastalign(pairs)
    assert alignment_scores(fwd, gold).aer < 0.05
    assert alignment_scores(rev, gold).aer < 0.05
    assert info["tension_forward"] > 8 and info["tension_reverse"] > 8


def test_fastalign_reversed_corpus_gets_low_tension():
    pairs, gold = toy_corpus(1500, reverse=True)
    fwd, _, info = fastalign(pairs)
    assert info["tension_forward"] < 1.0
    assert alignment_scores(fwd, gold).aer < alignment_scores(diagonal_baseline(pairs), gold).aer


def test_fastalign_options_change_the_model():
    pairs, _ = toy_corpus(300, reverse=True)
    fixed = fastalign(pairs, FastAlignConfig(optimize_tension=False))[2]
    assert fixed["tension_forward"] == 4.0
    vb = fastalign(pairs, FastAlignConfig(variational_bayes=True, alpha=0.01))
    plain = fastalign(pairs, FastAlignConfig(variational_bayes=False))
    assert vb[2]["log_likelihood_forward"] != plain[2]["log_likelihood_forward"]
    assert fastalign(pairs)[0] == vb[0]  # deterministic, and -v is the default


def test_fastalign_links_are_one_per_source_word_in_range():
    pairs, _ = toy_corpus(200, reverse=False, seed=3)
    fwd, rev, _ = fastalign(pairs)
    for (s, t), f, r in zip(pairs, fwd, rev, strict=True):
        assert len({i for i, _ in f}) == len(f) and len({j for _, j in r}) == len(r)
        assert all(0 <= i < len(s) and 0 <= j < len(t) for i, j in f + r)


def test_fastalign_config_validation_names_parameter():
    with pytest.raises(ConfigError, match="p0"):
        FastAlignConfig(p0=1.5)
    with pytest.raises(ConfigError, match="iterations"):
        FastAlignConfig(iterations=0)


def test_eflomal_beats_diagonal_and_is_seeded():
    pairs, gold = toy_corpus(400, reverse=True, seed=1)
    fwd, rev, info = eflomal_align(pairs, seed=3)
    for (s, t), f, r in zip(pairs, fwd, rev, strict=True):
        assert all(0 <= i < len(s) and 0 <= j < len(t) for i, j in f + r)
    base = alignment_scores(diagonal_baseline(pairs), gold).aer
    assert alignment_scores(fwd, gold).aer < base - 0.3
    assert info["deterministic"]


def test_eflomal_same_seed_same_links_on_a_hard_corpus():
    rng = random.Random(5)
    # Unrelated sentences: the sampler's randomness shows in the output.
    pairs = [
        (
            [f"a{rng.randrange(30)}" for _ in range(rng.randint(2, 8))],
            [f"b{rng.randrange(30)}" for _ in range(rng.randint(2, 8))],
        )
        for _ in range(150)
    ]
    a = eflomal_align(pairs, seed=7)[:2]
    assert eflomal_align(pairs, seed=7)[:2] == a
    assert eflomal_align(pairs, seed=8)[:2] != a


def test_align_corpus_symmetrises_and_caches(run_store):
    pairs, gold = toy_corpus(300, reverse=False)
    out = align_corpus(pairs, aligner="fastalign", symmetrize="intersection", store=run_store)
    assert alignment_scores(out.links, gold).aer < 0.05
    assert all(set(x) <= set(f) for x, f in zip(out.links, out.forward, strict=True))
    again = align_corpus(pairs, aligner="fastalign", symmetrize="union", store=run_store)
    assert again.info["run"] == out.info["run"]  # one directional run, two symmetrisations
    assert len(list((run_store.root / "align").iterdir())) == 1
    plain = align_corpus(pairs, aligner="fastalign", symmetrize=None, cache=False)
    assert plain.links == plain.forward == out.forward


def test_align_corpus_bad_input():
    with pytest.raises(DataFormatError, match="pair 2: empty target"):
        align_corpus([(["a"], ["b"]), (["a"], [])], cache=False)
    with pytest.raises(ConfigError, match="unknown aligner"):
        align_corpus([(["a"], ["b"])], aligner="giza", cache=False)
    with pytest.raises(ConfigError, match="tension_x"):
        align_corpus([(["a"], ["b"])], aligner="fastalign", cache=False, tension_x=1)
    with pytest.raises(ConfigError, match="unknown method"):
        align_corpus([(["a"], ["b"])], symmetrize="grow", cache=False)


@pytest.fixture
def toy_suite(tmp_path):
    pairs, gold = toy_corpus(300, reverse=True, seed=2)
    (tmp_path / "suite" / "parallel").mkdir(parents=True)
    write_parallel(tmp_path / "suite" / "parallel" / "en-xx.txt", pairs)
    write_pharaoh(tmp_path / "suite" / "parallel" / "en-xx.gold", gold)
    return tmp_path / "suite"


def test_ensure_alignments_writes_pharaoh_and_scores(toy_suite, run_store):
    run = ensure_alignments(toy_suite, "en-xx", "eflomal", "grow-diag-final-and", 0, run_store)
    for name in ("forward.txt", "reverse.txt", "links.txt"):
        assert len(read_pharaoh(run.file(name), one_based=False)) == 300
    assert run.results["aer"] < 0.1 and run.results["n_pairs"] == 300
    again = ensure_alignments(toy_suite, "en-xx", "eflomal", "grow-diag-final-and", 0, run_store)
    assert again.path == run.path and load_links(again) == load_links(run)
    other = ensure_alignments(toy_suite, "en-xx", "eflomal", "intersection", 0, run_store)
    assert other.path != run.path
    with pytest.raises(FileNotFoundError, match="en-zz"):
        ensure_alignments(toy_suite, "en-zz", store=run_store)


# ----------------------------------------------------------------------------- CLI


def test_cli_align_symmetrize_aer(tmp_path, capsys):
    pairs, gold = toy_corpus(200, reverse=False, seed=4)
    write_parallel(tmp_path / "p.txt", pairs)
    write_pharaoh(tmp_path / "gold.txt", [{(i + 1, j + 1) for i, j in g} for g in gold])
    assert (
        main(
            [
                "align",
                "--aligner",
                "fastalign",
                "--input",
                str(tmp_path / "p.txt"),
                "--output",
                str(tmp_path / "fwd.txt"),
                "--reverse-output",
                str(tmp_path / "rev.txt"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "symmetrize",
                str(tmp_path / "fwd.txt"),
                str(tmp_path / "rev.txt"),
                "--method",
                "grow-diag-final-and",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 200 and lines[0]
    assert (
        main(
            [
                "aer",
                "--gold",
                str(tmp_path / "gold.txt"),
                "--pred",
                str(tmp_path / "fwd.txt"),
                "--gold-one-based",
                "--text",
                str(tmp_path / "p.txt"),
            ]
        )
        == 0
    )
    scores = json.loads(capsys.readouterr().out)
    assert scores["aer"] < 0.05 and set(scores) >= {"precision", "recall", "aer"}


def test_cli_refuses_bad_files(tmp_path, capsys):
    (tmp_path / "p.txt").write_text("a b ||| c d\na b c d\n", encoding="utf-8")
    assert (
        main(["align", "--input", str(tmp_path / "p.txt"), "--output", str(tmp_path / "o.txt")])
        == 2
    )
    assert "p.txt:2" in capsys.readouterr().err
    assert not (tmp_path / "o.txt").exists()
    (tmp_path / "q.txt").write_text("a b ||| c d\n", encoding="utf-8")
    (tmp_path / "pred.txt").write_text("0-0 1-5\n", encoding="utf-8")
    (tmp_path / "gold.txt").write_text("1-1\n", encoding="utf-8")
    assert (
        main(
            [
                "aer",
                "--gold",
                str(tmp_path / "gold.txt"),
                "--pred",
                str(tmp_path / "pred.txt"),
                "--gold-one-based",
                "--text",
                str(tmp_path / "q.txt"),
            ]
        )
        == 2
    )
    assert "pred.txt:1" in capsys.readouterr().err
    (tmp_path / "rev.txt").write_text("0-0\n0-0\n", encoding="utf-8")
    (tmp_path / "fwd.txt").write_text("0-0\n", encoding="utf-8")
    assert (
        main(
            [
                "symmetrize",
                str(tmp_path / "fwd.txt"),
                str(tmp_path / "rev.txt"),
                "--method",
                "union",
            ]
        )
        == 2
    )
    assert "fwd.txt:2" in capsys.readouterr().err


@pytest.mark.parametrize("aligner", ["eflomal", "fastalign"])
def test_direction_convention_forward_is_one_link_per_source_word(aligner):
    rng = random.Random(9)
    pairs = []
    for _ in range(300):
        src = [f"w{rng.randrange(60)}" for _ in range(rng.randint(2, 6))]
        pairs.append((src, [p for w in src for p in ("a" + w[1:], "b" + w[1:])]))  # 1-2 words
    out = align_corpus(pairs, aligner, None, cache=False)
    fwd_src = [i for links in out.forward for i, _ in links]
    rev_tgt = [j for links in out.reverse for _, j in links]
    assert all(len(set(x)) == len(x) for x in ([i for i, _ in links] for links in out.forward))
    assert all(len(set(x)) == len(x) for x in ([j for _, j in links] for links in out.reverse))
    # The reverse direction can and does give one source word its two target words.
    assert sum(len(links) for links in out.reverse) > 1.5 * len(fwd_src)
    assert len(rev_tgt) > 0


# ----------------------------------------------------------------------------- experiments


def test_learning_curve_scores_the_same_sentences(run_store):
    from weamlib.align.experiments import learning_curve

    pairs, gold = toy_corpus(400, reverse=False, seed=6)
    rows = learning_curve(
        pairs, gold, [50, 400, 10_000], "fastalign", "intersection", store=run_store, n_eval=100
    )
    assert [r["size"] for r in rows] == [50, 400]
    assert {r["n_sure"] for r in rows} == {sum(len(g) for g in gold[:50])}
    assert rows[-1]["aer"] <= rows[0]["aer"]


def test_real_gold_set_with_extra_bitext(shared_data):
    from weamlib.align.experiments import load_real_training, score_methods

    pairs, gold, info = load_real_training("en-fr", 50, shared_data)
    assert info["n_gold"] == len(gold) == 447 and info["n_extra"] == 50
    assert len(pairs) == 497 and not info["extra_unsegmented"]
    assert all(tok == tok.lower() for s, t in pairs[447:] for tok in s + t)
    fwd, rev, _ = fastalign(pairs, FastAlignConfig(lowercase=True))
    rows = {r["method"]: r for r in score_methods(fwd, rev, gold, ["intersection"])}
    # Possible links count for precision: real gold sets have many.
    assert rows["intersection"]["precision"] > rows["intersection"]["recall"] > 0.2
    assert rows["intersection"]["aer"] < 0.6


def test_ensure_all_alignments_matches_single_calls(toy_suite, run_store, tmp_path):
    from weamlib.align.corpus import ensure_all_alignments
    from weamlib.store.runs import RunStore

    pairs, gold = toy_corpus(200, reverse=False, seed=8)
    write_parallel(toy_suite / "parallel" / "en-yy.txt", pairs)
    runs = ensure_all_alignments(toy_suite, None, "fastalign", "union", 0, run_store, workers=2)
    assert list(runs) == ["en-xx", "en-yy"]
    alone = ensure_alignments(
        toy_suite, "en-yy", "fastalign", "union", 0, RunStore(tmp_path / "other")
    )
    assert load_links(runs["en-yy"]) == load_links(alone)
    assert "aer" not in runs["en-yy"].results  # no gold file for en-yy


def test_evaluate_real_sets_without_data_dir_names_the_fix(tmp_path, monkeypatch):
    from weamlib.align.experiments import evaluate_real_sets

    monkeypatch.setenv("WEAM_DATA_DIR", str(tmp_path))  # an empty data directory
    with pytest.raises(FileNotFoundError, match="fetch"):
        evaluate_real_sets(["de-en"], ["fastalign"], ["union"], data_dir=tmp_path)


# ----------------------------------------------------------------------------- cached experiments


def test_evaluate_aligners_rows_are_cached_in_key_order(run_store, monkeypatch):
    from weamlib.align import experiments

    pairs, gold = toy_corpus(200, reverse=False, seed=9)
    args = (pairs, gold, ["fastalign"], ["union"], 0, run_store, 100)
    plain = experiments.evaluate_aligners(*args, cache=False)
    cached = experiments.evaluate_aligners(*args)
    assert cached == plain and [list(r) for r in cached] == [list(r) for r in plain]
    assert len(list((run_store.root / experiments.EVAL_KIND).iterdir())) == 1

    def no_aligning(*a, **k):
        raise AssertionError("a warm evaluation must not align or read alignment files")

    monkeypatch.setattr(experiments, "align_corpus", no_aligning)
    assert experiments.evaluate_aligners(*args) == plain
    # Other gold links or another n_eval are another run, not a stale hit.
    with pytest.raises(AssertionError, match="warm evaluation"):
        experiments.evaluate_aligners(*args[:-1], 50)
    other_gold = [set(g) for g in gold]
    other_gold[0] = {(0, 1)}
    with pytest.raises(AssertionError, match="warm evaluation"):
        experiments.evaluate_aligners(pairs, other_gold, *args[2:])


def test_learning_curve_cached_equals_uncached(run_store):
    from weamlib.align.experiments import learning_curve

    pairs, gold = toy_corpus(300, reverse=False, seed=10)
    args = (pairs, gold, [50, 300], "fastalign", "intersection", 0, run_store, 50)
    assert learning_curve(*args) == learning_curve(*args, cache=False)
    assert [r["size"] for r in learning_curve(*args)] == [50, 300]


def test_gold_digest_sees_possible_links():
    from weamlib.align.experiments import gold_digest

    sure = LinkSet(sure=frozenset({(0, 0)}), possible=frozenset({(0, 0)}))
    more = LinkSet(sure=frozenset({(0, 0)}), possible=frozenset({(0, 0), (1, 1)}))
    assert gold_digest([sure]) == gold_digest([{(0, 0)}])
    assert gold_digest([sure]) != gold_digest([more])


def test_example_alignment_and_tension_match_align_corpus(run_store):
    from weamlib.align.experiments import (
        example_alignment,
        example_index,
        fitted_tension,
        suite_distortions,
        suite_tensions,
    )

    pairs, gold = toy_corpus(150, reverse=True, seed=11)
    gold = [LinkSet(sure=frozenset(g), possible=frozenset(g)) for g in gold]
    ex = example_alignment(pairs, gold, ["fastalign"], "union", 0, run_store)
    k = example_index(pairs)
    full = align_corpus(pairs, "fastalign", "union", 0, run_store)
    assert ex["k"] == k and (ex["src"], ex["tgt"]) == pairs[k]
    assert ex["panels"]["fastalign"] == full.links[k]
    assert set(ex["panels"]["gold"]) == gold[k].sure
    assert example_alignment(pairs, gold, ["fastalign"], "union", 0, run_store) == ex
    assert fitted_tension(pairs, 0, run_store) == full.info["tension_forward"]
    data = {"en-r": (pairs, gold), "en-m": toy_corpus(150, reverse=False, seed=11)}
    data["en-m"] = (data["en-m"][0], [LinkSet(frozenset(g), frozenset(g)) for g in data["en-m"][1]])
    tensions = suite_tensions(data, 0, run_store)
    assert tensions["en-r"] == full.info["tension_forward"] < tensions["en-m"]
    dist = suite_distortions(data)
    assert np.abs(dist["en-r"]).mean() > 0.3 and np.abs(dist["en-m"]).max() == 0.0


def test_suite_link_types_gold_and_pipeline(toy_suite, run_store):
    from weamlib.align.corpus import load_suite_pair
    from weamlib.align.experiments import suite_link_types
    from weamlib.align.stats import link_types

    runs = {"en-xx": ensure_alignments(toy_suite, "en-xx", "fastalign", "union", 0, run_store)}
    data = {"en-xx": load_suite_pair(toy_suite, "en-xx")}
    rows = suite_link_types(data, runs, "fa", run_store)
    assert [(r["pair"], r["links"]) for r in rows] == [("en-xx", "gold"), ("en-xx", "fa")]
    pairs, gold = data["en-xx"]
    lengths = [(len(s), len(t)) for s, t in pairs]
    assert rows[1]["n_links"] == link_types(load_links(runs["en-xx"]), lengths)["n_links"]
    assert rows[0]["frac_1-1"] == 1.0  # the toy gold is word for word
    assert suite_link_types(data, runs, "fa", run_store) == rows


def test_suite_fertility_cached_with_tokenizer_length(tmp_path, run_store):
    from weamlib.align.experiments import suite_fertility

    (tmp_path / "mono").mkdir()
    (tmp_path / "mono" / "aa.txt").write_text("ab ab abc\nabc ab\n" * 20, encoding="utf-8")
    (tmp_path / "mono" / "bb.txt").write_text("xyzzy qq\nqq xyzzy qq\n" * 20, encoding="utf-8")
    rows, n = suite_fertility(tmp_path, 40, 10, run_store)
    assert [r["lang"] for r in rows] == ["aa", "bb"] and 5 < n <= 40
    assert rows[0]["n_words"] == 5 * 5  # the first 10 lines: 5 copies of 5 words
    assert suite_fertility(tmp_path, 40, 10, run_store) == (rows, n)


# ----------------------------------------------------------------------------- chapter report


def _aer_frame(values):
    """values: {(aligner, method, pair): aer_pct} -> a frame like the chapter's ``aer``."""
    from weamlib.align.report import with_aer_pct

    return with_aer_pct(
        [{"pair": p, "aligner": a, "method": m, "aer": v / 100} for (a, m, p), v in values.items()]
    )


def _summary_inputs():
    import pandas as pd

    aer = _aer_frame(
        {
            ("eflomal", "gdfa", "en-a"): 10.0,
            ("eflomal", "gdfa", "en-b"): 30.0,
            ("fastalign", "gdfa", "en-a"): 5.0,
            ("fastalign", "gdfa", "en-b"): 50.0,
            ("eflomal", "union", "en-a"): 12.0,
            ("eflomal", "union", "en-b"): 20.0,
            ("fastalign", "union", "en-a"): 40.0,
            ("fastalign", "union", "en-b"): 60.0,
        }
    )
    tensions = pd.DataFrame(
        {"mean |offset| (gold)": [0.1, 0.5], "fitted tension λ (FastAlign, forward)": [9.0, 1.0]},
        index=pd.Index(["en-a", "en-b"], name="pair"),
    )
    pipeline = pd.DataFrame(
        {"AER (%)": [8.0, 31.0], "aligner seconds": [1.25, 2.0]}, index=["en-a", "en-b"]
    )
    fertility = pd.DataFrame({"mean": [1.5, 2.25, 1.1]}, index=["a", "b", "en"])
    return aer, tensions, pipeline, fertility


def test_summary_picks_the_aligner_with_lower_mean_aer():
    from weamlib.align.report import best_methods, mean_aer_by_aligner, summary_lines

    aer, tensions, pipeline, fertility = _summary_inputs()
    # eflomal: mean 20 with gdfa; fastalign: 27.5 although it wins on en-a.
    assert mean_aer_by_aligner(aer, "gdfa").idxmin() == "eflomal"
    assert best_methods(aer, ["gdfa", "union"], ["eflomal", "fastalign"]) == {
        "eflomal": ("union", 16.0),
        "fastalign": ("gdfa", 27.5),
    }
    lines = summary_lines(
        aer, tensions, pipeline, fertility, aligners=["eflomal", "fastalign"],
        methods=["gdfa", "union"], pipeline_aligner="eflomal", pipeline_symmetrize="gdfa",
        n_pairs=100, pipeline_seconds=0.5,
    )  # fmt: skip
    assert "eflomal 20.0%, fastalign 27.5%; eflomal is best on average" in lines[0]
    assert "(2 language pairs, 100 pairs each)" in lines[0]
    assert "en-a is the easiest pair (10.0%) and en-b the hardest (30.0%)" in lines[1]
    assert "union for eflomal (16.0%), gdfa for fastalign (27.5%)" in lines[2]
    assert "r = -1.00" in lines[3] and "the more monotone" in lines[3]
    assert "AER 8.0–31.0%" in lines[4] and "3.2 s in total for the 2 pairs" in lines[4]
    assert "from 1.10 (en) to 2.25 (b)" in lines[5]
    assert lines[-1] == "* The real gold sets were skipped in this run."


def test_real_comparison_counts_cells_above_published():
    from weamlib.align.report import (
        count_above_published,
        real_comparison,
        real_plot_frame,
        summary_lines,
        with_aer_pct,
    )

    published = {"fast_align": {"de-en": 27.0, "en-fr": 10.5}, "eflomal": {"de-en": 22.6}}
    real = with_aer_pct(
        [
            {"pair": "de-en", "aligner": "eflomal", "method": "gdfa", "aer": 0.30},
            {"pair": "de-en", "aligner": "fastalign", "method": "gdfa", "aer": 0.20},
            {"pair": "en-fr", "aligner": "fastalign", "method": "gdfa", "aer": 0.11},
            {"pair": "en-fr", "aligner": "fastalign", "method": "union", "aer": 0.01},
        ]
    )
    measured, pub = real_comparison(real, "gdfa", published)
    assert list(measured.index) == ["de-en", "en-fr"] and list(pub.index) == ["de-en", "en-fr"]
    assert measured.loc["en-fr", "fastalign"] == pytest.approx(11.0)
    # de-en eflomal 30 > 22.6, de-en fastalign 20 < 27, en-fr fastalign 11 > 10.5; en-fr
    # eflomal was not measured (NaN), so it is no comparison.
    assert count_above_published(measured, pub) == (2, 4)
    assert count_above_published(measured.dropna(axis=1), pub) == (1, 2)
    long = real_plot_frame(measured, pub)
    assert set(long["source"]) == {"this study", "published (Dou & Neubig 2021)"}
    assert set(long["aligner"]) == {"eflomal", "fast_align"}
    aer, tensions, pipeline, fertility = _summary_inputs()
    lines = summary_lines(
        aer, tensions, pipeline, fertility, aligners=["eflomal", "fastalign"],
        methods=["gdfa"], pipeline_aligner="eflomal", pipeline_symmetrize="gdfa",
        n_pairs=100, pipeline_seconds=0.5, measured=measured, published=pub,
    )  # fmt: skip
    assert lines[-1].startswith("* Real gold sets (AER %, gdfa): de-en: eflomal 30.0")
    assert "2 of 4 are above the published values" in lines[-1]


def test_report_tables():
    import numpy as np

    from weamlib.align.report import (
        extreme_pairs,
        link_type_shares,
        pipeline_table,
        suite_overview,
        tension_table,
    )
    from weamlib.store.runs import Run

    gold = [LinkSet(sure=frozenset({(0, 0), (1, 1)}), possible=frozenset({(0, 0), (1, 1)}))]
    overview = suite_overview({"en-a": ([(["a", "b"], ["x", "y", "z"])], gold)})
    assert overview.loc["en-a"].tolist() == [1, 2, 2.0, 3.0]
    results = {"n_pairs": 5, "n_links": 9, "precision": 0.5, "recall": 0.25, "aer": 0.1}
    table = pipeline_table({"en-a": Run(path=None, config={}, results={**results, "seconds": 3})})
    assert table.loc["en-a", "AER (%)"] == pytest.approx(10.0)
    assert table.loc["en-a", "recall"] == 25.0
    tension = tension_table(
        {"en-a": np.array([0.1, -0.3]), "en-b": np.array([0.0]), "en-c": np.array([-0.9])},
        {"en-a": 5.0, "en-b": 9.0, "en-c": 1.0},
    )
    assert tension.loc["en-a", "mean |offset| (gold)"] == pytest.approx(0.2)
    assert extreme_pairs(tension) == ["en-b", "en-c"]
    assert extreme_pairs(tension.loc[["en-a"]]) == ["en-a"]
    fracs = {f: 0.25 for f in ("frac_1-1", "frac_1-n", "frac_n-1", "frac_n-m")}
    rows = [{"pair": "en-a", "links": "gold", "n_links": 4, **fracs, "frac_unaligned_src": 0.5,
             "frac_unaligned_tgt": 0.0}]  # fmt: skip
    shares = link_type_shares(rows)
    assert list(shares.index) == [("en-a", "gold")] and "n_links" not in shares.columns
