"""The objectives' maths: masking, pairing, word exchange, the losses, and their reductions."""

from __future__ import annotations

import pytest
import torch
from transformers import BertForMaskedLM

from weamlib.core.errors import ConfigError
from weamlib.models import objectives as obj
from weamlib.models.model import BertForWeamPreTraining, ModelSize

PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
VOCAB = 60


class _Tok:
    pad_token_id = PAD

    def __len__(self):
        return VOCAB


def tiny_model(objective="weam", lambda_=1.0, seed=0) -> BertForWeamPreTraining:
    torch.manual_seed(seed)
    cfg = ModelSize(layers=2, hidden=16, heads=2, intermediate=32).bert_config(_Tok())
    cfg.hidden_dropout_prob = cfg.attention_probs_dropout_prob = 0.0
    return BertForWeamPreTraining(cfg).configure(objective, lambda_).eval()


def collate(objective, examples, mask_prob=0.5, encoding="concat", seed=0):
    cfg = obj.CollatorConfig(objective, PAD, CLS, SEP, MASK, VOCAB, mask_prob, encoding)
    return obj.PretrainCollator(cfg, torch.Generator().manual_seed(seed))(examples)


PAIRS = [
    obj.PairExample((10, 11, 12, 13), (20, 21, 22), ((0, 0), (1, 2), (2, 2), (3, 1))),
    obj.PairExample((14, 15), (23, 24, 25, 26, 27), ((0, 4), (1, 0), (1, 1))),
    obj.PairExample((16,), (28, 29), ()),
]


# --- masking ------------------------------------------------------------------------------


def test_masking_rate_specials_and_80_10_10():
    n, length = 400, 50
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(5, VOCAB, (n, length), generator=gen)
    ids[:, 0], ids[:, -1], ids[:, 30:35] = CLS, SEP, PAD
    maskable = (ids != CLS) & (ids != SEP) & (ids != PAD)
    out, labels = obj.mask_tokens(ids, maskable, 0.3, MASK, VOCAB, gen)
    chosen = labels != obj.IGNORE
    assert not chosen[~maskable].any()  # specials and padding never chosen
    assert torch.equal(out[~maskable], ids[~maskable])
    rate = chosen.sum().item() / maskable.sum().item()
    assert abs(rate - 0.3) < 0.01
    assert torch.equal(labels[chosen], ids[chosen])
    n_chosen = chosen.sum().item()
    as_mask = (out[chosen] == MASK).sum().item() / n_chosen
    kept = (out[chosen] == ids[chosen]).sum().item() / n_chosen
    assert abs(as_mask - 0.8) < 0.02
    # "kept" includes random replacements that happen to draw the original id (1/55)
    assert abs(kept - (0.1 + 0.1 / (VOCAB - 5))) < 0.015
    replaced = out[chosen][(out[chosen] != MASK) & (out[chosen] != ids[chosen])]
    assert (replaced >= 5).all()  # random replacements are never special tokens
    assert abs(len(replaced) / n_chosen - 0.1 * (1 - 1 / (VOCAB - 5))) < 0.015


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, "0.3", True])
def test_mask_prob_out_of_range_is_refused(bad):
    with pytest.raises(ConfigError, match="mask_prob"):
        obj.CollatorConfig("weam", PAD, CLS, SEP, MASK, VOCAB, bad)


# --- pairing and word exchange --------------------------------------------------------------


def test_pair_layouts():
    rows, src_at, tgt_at = obj.pair_rows([10, 11], [20], CLS, SEP, "concat")
    assert rows == [([CLS, 10, 11, SEP, 20, SEP], [0, 0, 0, 0, 1, 1])]
    assert (src_at, tgt_at) == ((0, 1), (0, 4))
    rows, src_at, tgt_at = obj.pair_rows([10, 11], [20], CLS, SEP, "separate")
    assert rows == [([CLS, 10, 11, SEP], [0, 0, 0, 0]), ([CLS, 20, SEP], [0, 0, 0])]
    assert (src_at, tgt_at) == ((0, 1), (1, 1))
    with pytest.raises(ConfigError, match="pair_encoding"):
        obj.pair_rows([1], [2], CLS, SEP, "interleaved")


def test_base_rows_of_sentence_pairs_take_the_a_b_layout():
    pair = collate("base", [obj.PairExample((10, 11), (20,))], mask_prob=0.01)
    assert pair["token_type_ids"].tolist() == [[0, 0, 0, 0, 1, 1]]
    assert pair["attention_mask"].tolist() == [[1] * 6]
    one = collate("base", [(10, 11), (20, 21, 22)], mask_prob=0.01)
    assert one["token_type_ids"].tolist() == [[0] * 5, [0] * 5]
    assert one["attention_mask"].tolist() == [[1, 1, 1, 1, 0], [1] * 5]
    # the specials stay unmasked, so the ids at [CLS] and both [SEP] are exact
    ids = collate("base", [obj.PairExample((10, 11), (20,))], mask_prob=0.99)["input_ids"]
    assert [ids[0, i].item() for i in (0, 3, 5)] == [CLS, SEP, SEP]


def test_exchange_links_are_row_normalised_in_both_directions():
    entries = obj.exchange_links([(0, 0), (1, 2), (2, 2)])
    fwd = {(i, j): w for d, i, j, w in entries if d == 0}
    rev = {(i, j): w for d, i, j, w in entries if d == 1}
    assert fwd == {(0, 0): 1.0, (1, 2): 1.0, (2, 2): 1.0}
    assert rev == {(0, 0): 1.0, (2, 1): 0.5, (2, 2): 0.5}


@pytest.mark.parametrize("encoding", ["concat", "separate"])
def test_swapped_states_are_row_normalised_partner_combinations(encoding):
    batch = collate("weam", PAIRS, encoding=encoding)
    n, length = batch["input_ids"].shape
    hidden = torch.randn(n * length, 8)
    positions, states = obj.swap_states(hidden, batch["swap_index"], batch["swap_weight"])
    expected = {}
    for k, ex in enumerate(PAIRS):
        rows, src_at, tgt_at = obj.pair_rows(ex.src_ids, ex.tgt_ids, CLS, SEP, encoding)
        row0 = k if encoding == "concat" else 2 * k

        def flat(at, p, row0=row0):
            return (row0 + at[0]) * length + at[1] + p

        partners_src, partners_tgt = {}, {}
        for a, b in ex.links:
            partners_src.setdefault(flat(src_at, a), []).append(flat(tgt_at, b))
            partners_tgt.setdefault(flat(tgt_at, b), []).append(flat(src_at, a))
        for table in (partners_src, partners_tgt):
            for i, js in table.items():
                expected[i] = hidden[js].mean(0)
    assert sorted(positions.tolist()) == sorted(expected)
    for i, state in zip(positions.tolist(), states, strict=True):
        assert torch.allclose(state, expected[i], atol=1e-6)
    # every partner lies in the other sentence
    for i, j in batch["swap_index"].tolist():
        if encoding == "concat":
            assert i // length == j // length
            seg = batch["token_type_ids"].reshape(-1)
            assert seg[i] != seg[j]
        else:
            assert i // length != j // length and i // length // 2 == j // length // 2


# --- the losses -----------------------------------------------------------------------------


def _mlm_reference(model, batch):
    ref = BertForMaskedLM(model.config).eval()
    ref.load_state_dict(model.state_dict())
    return ref(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        token_type_ids=batch["token_type_ids"],
        labels=batch["labels"],
    ).loss


@pytest.mark.parametrize(
    ("encoding", "reference"), [("concat", "tlm"), ("separate", "mlm_control")]
)
def test_lambda_zero_is_exactly_tlm_or_pairwise_mlm(encoding, reference):
    model = tiny_model("weam", lambda_=0.0)
    batch = collate("weam", PAIRS, encoding=encoding, seed=3)
    weam = model(**batch).loss
    model.configure(reference)
    base = model(**collate(reference, PAIRS, seed=3)).loss
    assert torch.equal(weam, base)
    # and our masked-positions-only MLM equals Hugging Face's full-vocabulary MLM loss
    assert torch.allclose(weam, _mlm_reference(model, batch), atol=1e-5)


def test_cross_term_is_zero_not_nan_without_masked_links():
    model = tiny_model("weam", lambda_=1.0)
    batch = collate("weam", PAIRS, seed=0)
    linked = batch["swap_index"][:, 0]
    batch["labels"].view(-1)[linked] = obj.IGNORE  # no linked position is predicted
    assert (batch["labels"] != obj.IGNORE).any()
    out = model(**batch)
    assert out.cross_loss.item() == 0.0
    assert torch.isfinite(out.loss)
    model.configure("tlm")
    assert torch.equal(out.loss, model(**batch).loss)
    # a batch with no link at all
    batch = collate("weam", [PAIRS[2]], seed=0)
    assert batch["swap_index"].shape == (0, 2)
    model.configure("weam", 1.0)
    assert model(**batch).cross_loss.item() == 0.0


def test_weam_adds_lambda_times_cross_lingual_loss():
    model = tiny_model("weam", lambda_=2.0)
    batch = collate("weam", PAIRS, mask_prob=0.9, seed=1)
    out = model(**batch)
    assert out.cross_loss > 0
    assert torch.allclose(out.loss, out.mlm_loss + 2.0 * out.cross_loss, atol=1e-6)


def test_gradients_reach_both_sentences():
    model = tiny_model("weam", lambda_=1.0).train()
    for p in model.parameters():
        p.requires_grad_(True)
    batch = collate("weam", PAIRS[:1], mask_prob=0.9, seed=2)
    emb = model.bert.embeddings.word_embeddings
    emb.weight.grad = None
    model(**batch).loss.backward()
    grad = emb.weight.grad
    src, tgt = PAIRS[0].src_ids, PAIRS[0].tgt_ids
    assert grad[list(src)].abs().sum() > 0
    assert grad[list(tgt)].abs().sum() > 0


def test_word_aligned_loss_zero_for_identical_words_and_untouched_model():
    hidden = torch.randn(6, 4)
    hidden[4] = hidden[1]  # word 2 (position 4) equals word 0 (position 1)
    pieces = torch.tensor([[1, 0], [2, 1], [3, 1], [4, 2]])
    links = torch.tensor([[0, 2]])
    english = torch.tensor([0, 1])
    loss, align, reg = obj.word_aligned_loss(hidden, hidden.clone(), pieces, 3, links, english, 1.0)
    assert align.item() == 0.0 and reg.item() == 0.0 and loss.item() == 0.0
    words = obj.word_vectors(hidden, pieces, 3)
    assert torch.allclose(words[1], (hidden[2] + hidden[3]) / 2)
    _, align, _ = obj.word_aligned_loss(hidden, None, pieces, 3, torch.tensor([[1, 2]]), english, 0)
    assert torch.allclose(align, (words[1] - words[2]).pow(2).sum())


def test_word_aligned_regulariser_is_zero_for_the_untouched_model():
    model = tiny_model("word_aligned")
    reference = BertForMaskedLM(model.config).eval()
    reference.load_state_dict(model.state_dict())
    model.set_reference(reference)
    example = obj.make_pair_example(
        [1, 2], [1, 1, 1], [10, 11, 12], [20, 21, 22], [(0, 0), (1, 2)], "first", 40
    )
    out = model(**collate("word_aligned", [example]))
    assert out.cross_loss.item() == 0.0  # the regulariser
    assert out.mlm_loss.item() > 0  # the alignment distance of two different words


def test_projection_modes_and_truncation():
    ex = obj.make_pair_example(
        [2, 1], [1, 3], [10, 11, 12], [20, 21, 22, 23], [(0, 1), (1, 0)], "all", 40
    )
    assert set(ex.links) == {(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 0)}
    ex = obj.make_pair_example(
        [2, 1], [1, 3], [10, 11, 12], [20, 21, 22, 23], [(0, 1), (1, 0)], "first", 40
    )
    assert set(ex.links) == {(0, 1), (2, 0)}
    ex = obj.make_pair_example(
        [2, 1], [1, 3], [10, 11, 12], [20, 21, 22, 23], [(0, 1), (1, 0)], "first", 2
    )
    assert ex.src_ids == (10, 11) and ex.tgt_ids == (20, 21)
    assert set(ex.links) == {(0, 1)} and ex.word_links == ((0, 1),)


def test_alignment_sources():
    gold = [[(0, 0), (1, 2)], [(0, 1)]]
    lengths = [(2, 3), (1, 2)]
    assert obj.alignment_for_source("none", gold, None, lengths) == [[], []]
    assert obj.alignment_for_source("gold", gold, None, lengths) == gold
    shuffled = obj.alignment_for_source("shuffled", gold, None, lengths, seed=1)
    assert [len(x) for x in shuffled] == [2, 1]
    assert [sorted(i for i, _ in x) for x in shuffled] == [[0, 1], [0]]
    with pytest.raises(ConfigError, match="does not fit"):
        obj.alignment_for_source("eflomal", None, [[(0, 5)], []], lengths)
    with pytest.raises(ConfigError, match="alignment_source"):
        obj.alignment_for_source("giza", gold, None, lengths)


def test_bad_parameters_are_refused_by_name():
    with pytest.raises(ConfigError, match="lambda_"):
        tiny_model().configure("weam", lambda_=-1)
    with pytest.raises(ConfigError, match="unknown objective 'xlm'"):
        tiny_model().configure("xlm")
    with pytest.raises(ConfigError, match="unknown objective"):
        obj.CollatorConfig("xlm", PAD, CLS, SEP, MASK, VOCAB)


def test_masked_positions_only_mlm_equals_the_full_logits_loss_and_gradients():
    """The base objective runs the head on the masked positions only; its loss and every
    gradient equal Hugging Face's BertForMaskedLM, whose head runs on every position
    (fp32, padded batch)."""
    model = tiny_model("base").train()
    for module in model.modules():
        module.training = False  # no dropout: the two must see the same network
    sentences = [(10, 11, 12, 13, 14, 15, 16), (20, 21), (30, 31, 32, 33)]
    batch = collate("base", sentences, mask_prob=0.4, seed=5)
    assert (batch["attention_mask"] == 0).any() and (batch["labels"] != obj.IGNORE).any()
    ref = BertForMaskedLM(model.config).eval()
    ref.load_state_dict(model.state_dict())
    ours_loss = model(**batch).loss
    ref_loss = ref(**{k: batch[k] for k in ("input_ids", "attention_mask", "token_type_ids")},
                   labels=batch["labels"]).loss  # fmt: skip
    assert torch.allclose(ours_loss, ref_loss, atol=1e-6)
    ours_loss.backward()
    ref_loss.backward()
    ref_grads = dict(ref.named_parameters())
    for name, p in model.named_parameters():
        if p.grad is None:
            assert ref_grads[name].grad is None or not ref_grads[name].grad.any(), name
            continue
        assert torch.allclose(p.grad, ref_grads[name].grad, atol=1e-6), name
