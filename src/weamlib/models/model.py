"""Thin pre-training heads on Hugging Face BERT.

:class:`BertForWeamPreTraining` *is* a ``BertForMaskedLM`` (same weights, same
``save_pretrained`` layout, loads with ``AutoModelForMaskedLM``) whose ``forward`` takes the
flat batches of :mod:`weamlib.models.objectives` and returns the objective's loss. The MLM head
runs only on the positions that are predicted, never over the whole sequence, and dropout
draws its masks with :mod:`weamlib.models.fastdropout`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from transformers import BertConfig, BertForMaskedLM
from transformers.modeling_outputs import ModelOutput

from weamlib.core.errors import ConfigError
from weamlib.models import objectives as obj
from weamlib.models.fastdropout import use_fast_dropout


@dataclass(frozen=True)
class ModelSize:
    """The shape of the study's BERT (the profile chooses it)."""

    layers: int = 2
    hidden: int = 128
    heads: int = 2
    intermediate: int = 512
    max_positions: int = 128

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"model parameter {name!r} must be a positive int, got {value!r}")
        if self.hidden % self.heads:
            raise ConfigError(
                f"model parameter 'hidden' ({self.hidden}) must be divisible by 'heads' ({self.heads})"
            )

    def bert_config(self, tokenizer) -> BertConfig:
        return BertConfig(
            vocab_size=len(tokenizer),
            hidden_size=self.hidden,
            num_hidden_layers=self.layers,
            num_attention_heads=self.heads,
            intermediate_size=self.intermediate,
            max_position_embeddings=self.max_positions,
            pad_token_id=tokenizer.pad_token_id,
            attn_implementation="sdpa",
            architectures=["BertForMaskedLM"],
        )


@dataclass
class PreTrainingOutput(ModelOutput):
    loss: torch.Tensor | None = None
    mlm_loss: torch.Tensor | None = None
    cross_loss: torch.Tensor | None = None


class BertForWeamPreTraining(BertForMaskedLM):
    """``BertForMaskedLM`` computing one of the study's objectives in ``forward``.

    Set ``objective`` (and ``lambda_``, ``lambda_reg``) after loading. For
    ``word_aligned`` give the frozen base model with :meth:`set_reference`; it is kept
    out of the state dict, so checkpoints hold only the trained model.
    """

    objective: str = "weam"
    lambda_: float = 1.0
    lambda_reg: float = 1.0

    def __init__(self, config: BertConfig):
        super().__init__(config)
        use_fast_dropout(self)  # the CPU's dropout mask, cheaply (weamlib.models.fastdropout)

    def configure(self, objective: str, lambda_: float = 1.0, lambda_reg: float = 1.0):
        if objective not in obj.OBJECTIVES:
            raise ConfigError(
                f"unknown objective {objective!r}; choose one of {', '.join(obj.OBJECTIVES)}"
            )
        for name, value in (("lambda_", lambda_), ("lambda_reg", lambda_reg)):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"parameter {name!r} must be a number >= 0, got {value!r}")
        self.objective, self.lambda_, self.lambda_reg = objective, float(lambda_), float(lambda_reg)
        return self

    def set_reference(self, reference: BertForMaskedLM | None) -> None:
        if reference is not None:
            reference.eval().requires_grad_(False)
        self.__dict__["_reference"] = reference  # not a submodule: not saved, not trained

    def _states(self, model, input_ids, attention_mask, token_type_ids) -> torch.Tensor:
        out = model.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return out.last_hidden_state.reshape(-1, self.config.hidden_size)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor,
        labels: torch.Tensor | None = None,
        swap_index: torch.Tensor | None = None,
        swap_weight: torch.Tensor | None = None,
        piece_index: torch.Tensor | None = None,
        word_links: torch.Tensor | None = None,
        english_words: torch.Tensor | None = None,
        n_words: torch.Tensor | None = None,
        **_,
    ) -> PreTrainingOutput:
        """Inputs ``(N, L)``; ``labels`` ``(N, L)``; the index tensors as in
        :mod:`weamlib.models.objectives`. Returns the loss and its parts."""
        hidden = self._states(self, input_ids, attention_mask, token_type_ids)  # (N*L, H)
        head = self.cls
        if self.objective == "word_aligned":
            reference = self.__dict__.get("_reference")
            ref_states = None
            if reference is not None and self.lambda_reg > 0:
                reference.to(hidden.device)
                with torch.no_grad():
                    ref_states = self._states(reference, input_ids, attention_mask, token_type_ids)
            loss, align, reg = obj.word_aligned_loss(
                hidden,
                ref_states,
                piece_index,
                int(n_words),
                word_links,
                english_words,
                self.lambda_reg,
            )
            return PreTrainingOutput(loss=loss, mlm_loss=align.detach(), cross_loss=reg.detach())
        labels = labels.reshape(-1)
        if self.objective == "weam":
            loss, mono, cross = obj.weam_loss(
                head, hidden, labels, swap_index, swap_weight, self.lambda_
            )
            return PreTrainingOutput(loss=loss, mlm_loss=mono.detach(), cross_loss=cross.detach())
        loss = obj.masked_lm_loss(head, hidden, labels)
        return PreTrainingOutput(loss=loss, mlm_loss=loss.detach())


def save_mlm(model: BertForMaskedLM, tokenizer, folder: str | Path) -> Path:
    """Save as a plain ``BertForMaskedLM`` folder (safetensors + tokenizer)."""
    folder = Path(folder)
    model.config.architectures = ["BertForMaskedLM"]
    model.save_pretrained(str(folder))
    # transformers writes how the tokenizer was loaded (local_files_only follows
    # HF_HUB_OFFLINE); pinned, so the folder and its digest (the key of every fine-tuning
    # run) do not depend on the environment of the process that saved it.
    tokenizer.init_kwargs["local_files_only"] = True
    tokenizer.save_pretrained(str(folder))
    return folder


def exchange_predictions(
    model: BertForMaskedLM,
    tokenizer,
    src_words: list[str],
    tgt_words: list[str],
    word_links: list[tuple[int, int]],
    word: int,
    k: int = 5,
    mode: str = "first",
):
    """WEAM's two predictions for one masked source word, as a table.

    The pair is encoded as ``[CLS] src [SEP] tgt [SEP]`` with every piece of source word
    ``word`` replaced by [MASK]. The first piece is predicted from its own final state
    (multilingual prediction) and from its swapped state, the row-normalised sum of its
    aligned target pieces' states (cross-lingual prediction). Returns a DataFrame with
    columns ``prediction`` ("own state" / "swapped state"), ``rank``, ``token``, ``prob``.
    """
    import pandas as pd

    from weamlib.data.tokenize import word_pieces_batch

    src_counts, tgt_counts = word_pieces_batch(tokenizer, [src_words, tgt_words])
    enc = tokenizer(
        [list(src_words), list(tgt_words)], is_split_into_words=True, add_special_tokens=False
    )
    example = obj.make_pair_example(
        src_counts, tgt_counts, enc["input_ids"][0], enc["input_ids"][1], word_links, mode, 10**6
    )
    rows, src_at, tgt_at = obj.pair_rows(
        example.src_ids, example.tgt_ids, tokenizer.cls_token_id, tokenizer.sep_token_id, "concat"
    )
    ids, seg = rows[0]
    first = sum(src_counts[:word])
    masked = list(ids)
    for p in range(first, first + src_counts[word]):
        masked[src_at[1] + p] = tokenizer.mask_token_id
    entries = [
        (src_at[1] + i, tgt_at[1] + j, w)
        for d, i, j, w in obj.exchange_links(example.links)
        if d == 0 and i == first
    ]
    if not entries:
        raise ConfigError(f"source word {word} ({src_words[word]!r}) has no aligned partner")
    model.eval()
    with torch.inference_mode():
        out = model.bert(
            input_ids=torch.tensor([masked]),
            token_type_ids=torch.tensor([seg]),
            attention_mask=torch.ones(1, len(ids), dtype=torch.long),
        )
        hidden = out.last_hidden_state[0]
        index = torch.tensor([[i, j] for i, j, _ in entries])
        _, swapped = obj.swap_states(hidden, index, torch.tensor([w for *_, w in entries]))
        states = {"own state": hidden[src_at[1] + first], "swapped state": swapped[0]}
        table = []
        for name, state in states.items():
            probs = model.cls(state[None])[0].softmax(-1)
            top = probs.topk(k)
            for rank, (p, t) in enumerate(zip(top.values, top.indices, strict=True), start=1):
                table.append(
                    {
                        "prediction": name,
                        "rank": rank,
                        "token": tokenizer.convert_ids_to_tokens(int(t)),
                        "prob": float(p),
                    }
                )
    return pd.DataFrame(table)
