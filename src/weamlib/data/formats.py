"""Readers and writers of the standard data formats the study uses.

Formats (the same ones the real datasets ship in, so the synthetic suite and the
real data go through the very same loaders):

* XNLI TSV, XTREME per-language layout: ``premise \\t hypothesis [\\t label]``;
  the official combined ``xnli.{dev,test}.tsv``; MultiNLI JSONL.
* SQuAD v1.1 JSON (also MLQA, XQuAD, TyDiQA-GoldP).
* Parallel text: ``src ||| tgt`` in one file, or two line-aligned files; tokens are
  separated by ASCII spaces/tabs (the convention of the gold alignment sets).
* Word alignments: Pharaoh ``i-j`` (sure) and ``ipj`` (possible) links; the WPT
  ``snum i j [S|P]`` layout.
* Plain text, one sentence per line.

Every reader decodes UTF-8 (a leading BOM and CRLF line ends are tolerated) and
raises :class:`~weamlib.core.errors.DataFormatError` naming the file and the line for
malformed input. Every writer validates all records before it writes anything and
writes through a temporary file and a rename, so a failed write leaves no file.
Writers and readers round-trip exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from weamlib.core.atomicio import atomic_write_text
from weamlib.core.errors import ConfigError, DataFormatError, quote

NLI_LABELS = ("entailment", "neutral", "contradiction")
# XTREME's MultiNLI/XNLI files spell one label "contradictory".
NLI_LABEL_ALIASES = {"contradictory": "contradiction"}

PathLike = str | Path


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class NLIExample:
    """One premise/hypothesis pair; ``label`` is one of :data:`NLI_LABELS`, or "" if unlabelled."""

    premise: str
    hypothesis: str
    label: str


@dataclass(frozen=True)
class QAExample:
    """One extractive QA item.

    ``answers`` holds ``(text, answer_start)`` pairs, ``answer_start`` a character offset
    into ``context``; it is empty for unlabelled items (e.g. XTREME copies whose answers
    were blanked to ``{"text": "", "answer_start": 0}``). ``title`` is the article title.
    """

    id: str
    context: str
    question: str
    answers: tuple[tuple[str, int], ...]
    title: str = field(default="")


@dataclass(frozen=True)
class LinkSet:
    """Gold word alignment of one sentence pair: 0-based ``(src, tgt)`` links.

    ``possible`` includes ``sure`` (every sure link is also possible), as in the
    AER definition of Och & Ney (2003).
    """

    sure: frozenset[tuple[int, int]]
    possible: frozenset[tuple[int, int]]

    def __post_init__(self):
        if not self.sure <= self.possible:
            raise ValueError("LinkSet.possible must include every sure link")

    @classmethod
    def from_links(cls, links: Iterable[tuple[int, int]]) -> LinkSet:
        """All links sure (what an aligner outputs)."""
        sure = frozenset((int(i), int(j)) for i, j in links)
        return cls(sure=sure, possible=sure)

    def swapped(self) -> LinkSet:
        """The same alignment with source and target exchanged."""
        return LinkSet(
            sure=frozenset((j, i) for i, j in self.sure),
            possible=frozenset((j, i) for i, j in self.possible),
        )


# --------------------------------------------------------------------------- text helpers


def _read_text(path: PathLike) -> str:
    """The file decoded as UTF-8 (BOM dropped); a decoding error names the line."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataFormatError(f"not valid UTF-8 (byte {err.start})", path, line) from None
    return text[1:] if text.startswith("\ufeff") else text


def _split_lines(text: str) -> list[str]:
    """Lines split on LF only (sentences may hold U+2028 and the like), CR of CRLF dropped."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _file_lines(path: PathLike) -> list[str]:
    return _split_lines(_read_text(path))


def _check_field(value: str, what: str, index: int, forbidden: str = "\t\n\r") -> None:
    if not isinstance(value, str):
        raise DataFormatError(
            f"record {index}: {what} must be a string, got {type(value).__name__}"
        )
    bad = [c for c in forbidden if c in value]
    if bad:
        raise DataFormatError(
            f"record {index}: {what} contains {quote(bad[0])}, which the format cannot hold"
        )


# --------------------------------------------------------------------------- plain lines


def read_lines(path: PathLike) -> list[str]:
    """Monolingual text, one sentence per line -> list of lines (no line ends)."""
    return _file_lines(path)


def write_lines(path: PathLike, lines: Iterable[str]) -> None:
    """One sentence per line, LF line ends, atomic."""
    lines = list(lines)
    for n, line in enumerate(lines):
        _check_field(line, "line", n, forbidden="\n\r")
    atomic_write_text(Path(path), "".join(f"{line}\n" for line in lines))


# --------------------------------------------------------------------------- NLI


def _nli_label(raw: str, path: PathLike, line: int) -> str:
    label = NLI_LABEL_ALIASES.get(raw.strip(), raw.strip())
    if label not in NLI_LABELS:
        raise DataFormatError(
            f"bad label {quote(raw)}; expected one of {', '.join(NLI_LABELS)}", path, line
        )
    return label


_NLI_HEADER_WORDS = {"premise", "hypothesis", "label", "sentence1", "sentence2", "gold_label"}


def read_xnli_tsv(
    path: PathLike, labels_path: PathLike | None = None, has_header: bool | str = "auto"
) -> list[NLIExample]:
    """XNLI in the XTREME per-language layout -> list of examples, file order.

    Rows are ``premise \\t hypothesis \\t label`` (dev/train) or ``premise \\t hypothesis``
    (XTREME strips test labels; then ``label`` is "" unless ``labels_path`` gives them).
    ``labels_path``: a TSV whose header holds a ``label`` column (e.g. ``index\\tgenre\\tlabel``)
    and one row per example, or a header-less file of one label per line. ``has_header``:
    True, False or "auto" (a first row made of known column names is a header).
    Fields are split on tabs only; quotes are ordinary characters (no CSV quoting).
    """
    if has_header not in (True, False, "auto"):
        raise ConfigError(f"has_header must be True, False or 'auto', got {has_header!r}")
    lines = _file_lines(path)
    start = 0
    if lines and (
        has_header is True
        or (
            has_header == "auto"
            and {c.strip().lower() for c in lines[0].split("\t")} <= _NLI_HEADER_WORDS
        )
    ):
        start = 1
    examples: list[NLIExample] = []
    ncols = None
    for n in range(start, len(lines)):
        cols = lines[n].split("\t")
        if len(cols) not in (2, 3):
            raise DataFormatError(
                f"expected 2 or 3 tab-separated columns (premise, hypothesis[, label]), got {len(cols)}",
                path,
                n + 1,
            )
        if ncols is None:
            ncols = len(cols)
        elif len(cols) != ncols:
            raise DataFormatError(
                f"expected {ncols} columns like the rows above, got {len(cols)}", path, n + 1
            )
        label = _nli_label(cols[2], path, n + 1) if len(cols) == 3 else ""
        examples.append(NLIExample(premise=cols[0], hypothesis=cols[1], label=label))
    if labels_path is not None:
        labels = read_nli_labels(labels_path)
        if len(labels) != len(examples):
            raise DataFormatError(
                f"{len(labels)} labels in {labels_path} for {len(examples)} examples", path
            )
        merged = []
        for n, (ex, label) in enumerate(zip(examples, labels, strict=True)):
            if ex.label and ex.label != label:
                raise DataFormatError(
                    f"label {quote(ex.label)} disagrees with {quote(label)} in {labels_path}",
                    path,
                    n + start + 1,
                )
            merged.append(NLIExample(ex.premise, ex.hypothesis, label))
        examples = merged
    return examples


def read_nli_labels(path: PathLike) -> list[str]:
    """Labels, one per example: a TSV with a ``label`` header column, or one label a line."""
    lines = _file_lines(path)
    if not lines:
        return []
    header = [c.strip().lower() for c in lines[0].split("\t")]
    if "label" in header or "gold_label" in header:
        col = header.index("label") if "label" in header else header.index("gold_label")
        rows = lines[1:]
        first = 2
    else:
        if len(header) != 1:
            raise DataFormatError("labels file needs a header with a 'label' column", path, 1)
        col, rows, first = 0, lines, 1
    labels = []
    for n, row in enumerate(rows):
        cols = row.split("\t")
        if len(cols) != len(header):
            raise DataFormatError(
                f"expected {len(header)} columns, got {len(cols)}", path, n + first
            )
        labels.append(_nli_label(cols[col], path, n + first))
    return labels


def write_xnli_tsv(path: PathLike, examples: Iterable[NLIExample]) -> None:
    """``premise \\t hypothesis \\t label`` rows, no header, LF, atomic.

    Unlabelled examples (label "") are written as two columns, as XTREME's test files.
    A file must be all labelled or all unlabelled.
    """
    examples = list(examples)
    rows = []
    labelled = {bool(ex.label) for ex in examples}
    if len(labelled) > 1:
        raise DataFormatError("cannot mix labelled and unlabelled examples in one XNLI file", path)
    for n, ex in enumerate(examples):
        _check_field(ex.premise, "premise", n)
        _check_field(ex.hypothesis, "hypothesis", n)
        if ex.label and ex.label not in NLI_LABELS:
            raise DataFormatError(
                f"record {n}: bad label {quote(ex.label)}; expected one of {NLI_LABELS}", path
            )
        rows.append("\t".join([ex.premise, ex.hypothesis] + ([ex.label] if ex.label else [])))
    atomic_write_text(Path(path), "".join(f"{row}\n" for row in rows))


def read_xnli_combined(
    path: PathLike, language: str | None = None
) -> dict[str, list[NLIExample]] | list[NLIExample]:
    """The official combined ``xnli.dev.tsv`` / ``xnli.test.tsv`` of XNLI-1.0.

    Its header names the columns (``language``, ``gold_label``, ``sentence1``,
    ``sentence2``, ...). Returns ``{language: examples}`` in file order, or the list for
    one ``language`` (unknown language -> ConfigError listing those present).
    """
    lines = _file_lines(path)
    if not lines:
        raise DataFormatError("empty file; expected a header row", path, 1)
    header = lines[0].split("\t")
    needed = ("language", "gold_label", "sentence1", "sentence2")
    missing = [c for c in needed if c not in header]
    if missing:
        raise DataFormatError(f"header lacks column(s) {', '.join(missing)}", path, 1)
    idx = {c: header.index(c) for c in needed}
    out: dict[str, list[NLIExample]] = {}
    for n in range(1, len(lines)):
        cols = lines[n].split("\t")
        if len(cols) != len(header):
            raise DataFormatError(f"expected {len(header)} columns, got {len(cols)}", path, n + 1)
        lang = cols[idx["language"]]
        label = _nli_label(cols[idx["gold_label"]], path, n + 1)
        out.setdefault(lang, []).append(
            NLIExample(
                premise=cols[idx["sentence1"]], hypothesis=cols[idx["sentence2"]], label=label
            )
        )
    if language is None:
        return out
    if language not in out:
        raise ConfigError(
            f"language {quote(language)} not in {path}; present: {', '.join(sorted(out))}"
        )
    return out[language]


def read_multinli_jsonl(path: PathLike) -> list[NLIExample]:
    """MultiNLI ``*.jsonl`` (``sentence1``, ``sentence2``, ``gold_label``) -> examples.

    Rows whose ``gold_label`` is "-" (no annotator consensus) are skipped, as is usual.
    """
    examples = []
    for n, line in enumerate(_file_lines(path), start=1):
        if not line.strip():
            continue
        record = _json_loads(line, path, n)
        if not isinstance(record, dict):
            raise DataFormatError("expected a JSON object", path, n)
        for key in ("sentence1", "sentence2", "gold_label"):
            if not isinstance(record.get(key), str):
                raise DataFormatError(f"missing or non-string field {quote(key)}", path, n)
        if record["gold_label"] == "-":
            continue
        label = _nli_label(record["gold_label"], path, n)
        examples.append(NLIExample(record["sentence1"], record["sentence2"], label))
    return examples


def _json_loads(text: str, path: PathLike, line_offset: int = 1):
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFormatError(
            f"bad JSON: {err.msg} (column {err.colno})", path, err.lineno + line_offset - 1
        ) from None


# --------------------------------------------------------------------------- SQuAD-style QA


def mlqa_filename(split: str, context_lang: str, question_lang: str) -> str:
    """MLQA's file name, e.g. ``mlqa_filename("dev", "de", "de") == "dev-context-de-question-de.json"``."""
    if split not in ("dev", "test"):
        raise ConfigError(f"MLQA split must be 'dev' or 'test', got {split!r}")
    return f"{split}-context-{context_lang}-question-{question_lang}.json"


def read_squad_json(path: PathLike) -> list[QAExample]:
    """SQuAD v1.1 JSON (also MLQA, XQuAD, TyDiQA-GoldP) -> examples in file order.

    Checks that every answer's ``context[start:start+len(text)] == text``; errors name
    the file and the question id. Ids are not always unique (XTREME's TyDiQA-GoldP
    English train reuses "0", "1", ...), so key examples by position. Blank answers
    (``{"text": "", ...}``, how XTREME hides test answers) are dropped, so such items
    come back with ``answers == ()``.
    """
    data = _json_loads(_read_text(path), path)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise DataFormatError("expected a JSON object with a 'data' list (SQuAD v1.1)", path)
    examples: list[QAExample] = []
    for a, article in enumerate(data["data"]):
        where = f"data[{a}]"
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            raise DataFormatError(f"{where}: expected an object with a 'paragraphs' list", path)
        title = article.get("title", "")
        if not isinstance(title, str):
            raise DataFormatError(f"{where}: title must be a string", path)
        for p, para in enumerate(article["paragraphs"]):
            pwhere = f"{where}.paragraphs[{p}]"
            if not isinstance(para, dict) or not isinstance(para.get("context"), str):
                raise DataFormatError(f"{pwhere}: missing 'context' string", path)
            if not isinstance(para.get("qas"), list):
                raise DataFormatError(f"{pwhere}: missing 'qas' list", path)
            context = para["context"]
            for q, qa in enumerate(para["qas"]):
                examples.append(_read_qa(qa, context, title, path, f"{pwhere}.qas[{q}]"))
    return examples


def _read_qa(qa, context: str, title: str, path: PathLike, where: str) -> QAExample:
    if not isinstance(qa, dict):
        raise DataFormatError(f"{where}: expected an object", path)
    qid = qa.get("id")
    if not isinstance(qid, str) or not qid:
        raise DataFormatError(f"{where}: missing question 'id'", path)
    where = f"question id {quote(qid)}"
    if not isinstance(qa.get("question"), str):
        raise DataFormatError(f"{where}: missing 'question' string", path)
    raw_answers = qa.get("answers", [])
    if not isinstance(raw_answers, list):
        raise DataFormatError(f"{where}: 'answers' must be a list", path)
    answers = []
    for k, ans in enumerate(raw_answers):
        if not isinstance(ans, dict):
            raise DataFormatError(f"{where}: answer {k} must be an object", path)
        text, start = ans.get("text"), ans.get("answer_start")
        if not isinstance(text, str) or not isinstance(start, int) or isinstance(start, bool):
            raise DataFormatError(
                f"{where}: answer {k} needs a 'text' string and an integer 'answer_start'", path
            )
        if text == "":
            continue
        if start < 0 or context[start : start + len(text)] != text:
            raise DataFormatError(
                f"{where}: answer {k} {quote(text)} is not at offset {start} of the context"
                f" (found {quote(context[max(start, 0) : max(start, 0) + len(text)])})",
                path,
            )
        answers.append((text, start))
    return QAExample(
        id=qid, context=context, question=qa["question"], answers=tuple(answers), title=title
    )


def write_squad_json(
    path: PathLike, examples: Iterable[QAExample], title: str = "", version: str = "1.1"
) -> None:
    """SQuAD v1.1 JSON, atomic. Consecutive examples sharing a title form one article and
    consecutive examples sharing a context one paragraph, so reading the file back gives
    the same examples in the same order. ``title`` is used for examples whose own title is "".
    """
    examples = list(examples)
    articles: list[dict] = []
    for n, ex in enumerate(examples):
        if not isinstance(ex.id, str) or not ex.id:
            raise DataFormatError(
                f"record {n}: question id {quote(ex.id)} must be a non-empty string", path
            )
        _check_field(ex.question, "question", n, forbidden="")
        _check_field(ex.context, "context", n, forbidden="")
        for text, start in ex.answers:
            if not text or start < 0 or ex.context[start : start + len(text)] != text:
                raise DataFormatError(
                    f"record {n}: question id {quote(ex.id)}: answer {quote(text)} is not at offset {start}",
                    path,
                )
        ex_title = ex.title or title
        if not articles or articles[-1]["title"] != ex_title:
            articles.append({"title": ex_title, "paragraphs": []})
        paragraphs = articles[-1]["paragraphs"]
        if not paragraphs or paragraphs[-1]["context"] != ex.context:
            paragraphs.append({"context": ex.context, "qas": []})
        paragraphs[-1]["qas"].append(
            {
                "id": ex.id,
                "question": ex.question,
                "answers": [{"text": t, "answer_start": s} for t, s in ex.answers],
            }
        )
    text = json.dumps({"version": version, "data": articles}, ensure_ascii=False, indent=1)
    atomic_write_text(Path(path), text + "\n")


# --------------------------------------------------------------------------- parallel text

SEPARATOR = "|||"


_TOKEN_SEP = re.compile(r"[ \t]+")


def split_tokens(text: str) -> list[str]:
    """Tokens separated by ASCII spaces/tabs only. Not ``str.split()``: the gold sets count
    U+3000 (ideographic space) in Japanese text as a token, and their indices agree only
    with this split."""
    return [tok for tok in _TOKEN_SEP.split(text) if tok]


def _tokens(side: str, what: str, path: PathLike, line: int) -> list[str]:
    tokens = split_tokens(side)
    if not tokens:
        raise DataFormatError(f"empty {what} sentence", path, line)
    return tokens


def read_parallel(
    path: PathLike, tgt_path: PathLike | None = None
) -> list[tuple[list[str], list[str]]]:
    """Parallel sentences -> list of (source tokens, target tokens).

    One file of ``src ||| tgt`` lines, or (with ``tgt_path``) two line-aligned files.
    Tokens are separated by ASCII spaces/tabs (:func:`split_tokens`), the convention
    gold alignment indices refer to. A line without exactly one ``|||``, an empty side, or files with
    different line counts raise DataFormatError naming the file and line.
    """
    if tgt_path is None:
        pairs = []
        for n, line in enumerate(_file_lines(path), start=1):
            parts = line.split(SEPARATOR)
            if len(parts) != 2:
                raise DataFormatError(
                    f"expected one '{SEPARATOR}' between source and target, found {len(parts) - 1}",
                    path,
                    n,
                )
            pairs.append(
                (_tokens(parts[0], "source", path, n), _tokens(parts[1], "target", path, n))
            )
        return pairs
    src_lines, tgt_lines = _file_lines(path), _file_lines(tgt_path)
    if len(src_lines) != len(tgt_lines):
        short, n = (
            (path, len(src_lines))
            if len(src_lines) < len(tgt_lines)
            else (tgt_path, len(tgt_lines))
        )
        raise DataFormatError(
            f"line counts differ: {path} has {len(src_lines)} lines, {tgt_path} has {len(tgt_lines)}",
            short,
            n + 1,
        )
    return [
        (_tokens(s, "source", path, n), _tokens(t, "target", tgt_path, n))
        for n, (s, t) in enumerate(zip(src_lines, tgt_lines, strict=True), start=1)
    ]


def _check_tokens(tokens: Sequence[str], what: str, n: int, path: PathLike) -> str:
    if isinstance(tokens, str):
        raise DataFormatError(
            f"record {n}: {what} must be a sequence of tokens, not a string", path
        )
    if not tokens:
        raise DataFormatError(f"record {n}: empty {what} sentence", path)
    for tok in tokens:
        if (
            not isinstance(tok, str)
            or split_tokens(tok) != [tok]
            or SEPARATOR in tok
            or any(c in tok for c in "\n\r")
        ):
            raise DataFormatError(
                f"record {n}: {what} token {quote(tok)} is empty, holds a space, a line break or '|||'",
                path,
            )
    return " ".join(tokens)


def write_parallel(path: PathLike, pairs: Iterable[tuple[Sequence[str], Sequence[str]]]) -> None:
    """``src ||| tgt`` lines (tokens joined by one space), atomic."""
    rows = [
        f"{_check_tokens(src, 'source', n, path)} {SEPARATOR} {_check_tokens(tgt, 'target', n, path)}"
        for n, (src, tgt) in enumerate(pairs)
    ]
    atomic_write_text(Path(path), "".join(f"{row}\n" for row in rows))


# --------------------------------------------------------------------------- Pharaoh alignments

# ASCII only: ``\d`` and ``\s`` would also take other scripts' digits (``０-０``, ``٠-٠``)
# and spaces, which no aligner writes.
_LINK = re.compile(r"\s*([0-9]+)\s*([-p])\s*([0-9]+)(?=\s|$)", re.ASCII)
# No sentence of any alignment set comes near this many tokens: a larger index is a
# corrupt file (or not a Pharaoh file), refused even when the text is not known.
MAX_INDEX = 99_999
_ASCII_INT = re.compile(r"[0-9]+", re.ASCII)


def _index(digits: str) -> int:
    """ASCII digits as an int, capped just above :data:`MAX_INDEX` (a thousand-digit
    index is as wrong as a six-digit one, and ``int`` refuses very long strings)."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= len(str(MAX_INDEX)) + 1 else MAX_INDEX + 2


def _require_base(one_based) -> int:
    if one_based is None or not isinstance(one_based, bool):
        raise ConfigError(
            f"one_based must be True or False, got {one_based!r}: the index base of an alignment"
            " file is not guessed; gold sets are usually 1-based, aligner output 0-based"
        )
    return 1 if one_based else 0


def parse_pharaoh_line(text: str, one_based: bool = False, where: str = "") -> LinkSet:
    """One line of Pharaoh links -> LinkSet with 0-based indices.

    ``i-j`` is a sure link, ``ipj`` (or ``i p j``) a possible one. An empty line is a
    sentence without links. Indices are ASCII digits, at most :data:`MAX_INDEX`.
    ``where`` (e.g. ``"gold.txt:12"``) prefixes error messages.
    """
    base = _require_base(one_based)
    sure: set[tuple[int, int]] = set()
    possible: set[tuple[int, int]] = set()
    pos, end = 0, len(text.rstrip())
    while pos < end:
        match = _LINK.match(text, pos)
        if match is None:
            msg = f"bad link {quote(text[pos:].split()[0])}; expected i-j or ipj with integer indices (ASCII digits)"
            raise DataFormatError(f"{where}: {msg}" if where else msg)
        i, j = _index(match.group(1)) - base, _index(match.group(3)) - base
        if max(i, j) > MAX_INDEX:
            msg = (
                f"link {quote(match.group(0).strip())} has an index above {MAX_INDEX}:"
                " no sentence has that many tokens"
            )
            raise DataFormatError(f"{where}: {msg}" if where else msg)
        if i < 0 or j < 0:
            msg = f"link {quote(match.group(0).strip())} has index 0 in a 1-based file"
            raise DataFormatError(f"{where}: {msg}" if where else msg)
        (sure if match.group(2) == "-" else possible).add((i, j))
        pos = match.end()
    return LinkSet(sure=frozenset(sure), possible=frozenset(possible | sure))


def _check_range(
    links: LinkSet, length: tuple[int, int], path: PathLike, line: int, base: int
) -> None:
    src_len, tgt_len = length
    for i, j in sorted(links.possible):
        if not (0 <= i < src_len and 0 <= j < tgt_len):
            raise DataFormatError(
                f"link {i + base}-{j + base} is outside the sentence pair"
                f" ({src_len} source, {tgt_len} target tokens; {'1' if base else '0'}-based)",
                path,
                line,
            )


def read_pharaoh(
    path: PathLike,
    one_based: bool | None = False,
    lengths: Sequence[tuple[int, int]] | None = None,
) -> list[LinkSet]:
    """A Pharaoh file, one sentence per line -> one LinkSet (0-based) per line.

    ``one_based`` must be given explicitly (True for most gold sets, False for aligner
    output): None raises ConfigError rather than guessing. ``lengths``, one
    ``(src_len, tgt_len)`` per line, makes every index checked against its sentence.
    """
    base = _require_base(one_based)
    lines = _file_lines(path)
    if lengths is not None and len(lengths) != len(lines):
        raise DataFormatError(
            f"{len(lines)} alignment lines for {len(lengths)} sentence pairs", path
        )
    out = []
    for n, line in enumerate(lines, start=1):
        try:
            links = parse_pharaoh_line(line, one_based=bool(base))
        except DataFormatError as err:
            raise DataFormatError(str(err), path, n) from None
        if lengths is not None:
            _check_range(links, lengths[n - 1], path, n, base)
        out.append(links)
    return out


def read_wpt(
    path: PathLike,
    one_based: bool = True,
    n_sentences: int | None = None,
    lengths: Sequence[tuple[int, int]] | None = None,
) -> list[LinkSet]:
    """The WPT-03/05 layout: lines ``snum i j [S|P] [confidence]`` -> one LinkSet per sentence.

    Sentence numbers and (with ``one_based``) word indices count from 1; a word index 0 in a
    1-based file is the NULL word, and such links are dropped. A missing S/P means S.
    The result has ``n_sentences`` entries (default: the largest sentence number; with
    ``lengths``, ``len(lengths)``), sentences without links get an empty LinkSet.
    """
    base = _require_base(one_based)
    by_sent: dict[int, tuple[set, set]] = {}
    for n, line in enumerate(_file_lines(path), start=1):
        cols = line.split()
        if not cols:
            continue
        if len(cols) not in (3, 4, 5):
            raise DataFormatError(
                f"expected 'snum i j [S|P] [confidence]', got {len(cols)} fields", path, n
            )
        if not all(_ASCII_INT.fullmatch(c.removeprefix("-")) for c in cols[:3]):
            raise DataFormatError(f"non-integer index in {quote(line.strip())}", path, n)
        snum = int(cols[0])
        i, j = (_index(c.removeprefix("-")) * (-1 if c.startswith("-") else 1) for c in cols[1:3])
        if max(i, j) > MAX_INDEX + base:
            raise DataFormatError(
                f"index above {MAX_INDEX} in {quote(line.strip())}: no sentence has that many"
                " tokens",
                path,
                n,
            )
        kind = cols[3].upper() if len(cols) > 3 else "S"
        if kind not in ("S", "P"):
            raise DataFormatError(f"link type {quote(cols[3])} must be S or P", path, n)
        if snum < 1 or i < 0 or j < 0:
            raise DataFormatError(
                f"negative or zero sentence number / index in {quote(line.strip())}", path, n
            )
        if base and (i == 0 or j == 0):
            continue  # NULL alignment
        sure, possible = by_sent.setdefault(snum, (set(), set()))
        link = (i - base, j - base)
        possible.add(link)
        if kind == "S":
            sure.add(link)
        if lengths is not None:
            if snum > len(lengths):
                raise DataFormatError(
                    f"sentence {snum} beyond the {len(lengths)} sentence pairs", path, n
                )
            _check_range(LinkSet(frozenset(), frozenset([link])), lengths[snum - 1], path, n, base)
    if n_sentences is None:
        n_sentences = len(lengths) if lengths is not None else max(by_sent, default=0)
    if by_sent and max(by_sent) > n_sentences:
        raise DataFormatError(
            f"sentence number {max(by_sent)} beyond n_sentences={n_sentences}", path
        )
    empty: tuple[set, set] = (set(), set())
    return [
        LinkSet(frozenset(by_sent.get(s, empty)[0]), frozenset(by_sent.get(s, empty)[1]))
        for s in range(1, n_sentences + 1)
    ]


def format_pharaoh_line(links: LinkSet | Iterable[tuple[int, int]]) -> str:
    """0-based links as a sorted Pharaoh line: ``"0-0 1-2"``; a LinkSet's possible-only
    links are written ``ipj``."""
    if isinstance(links, LinkSet):
        tagged = [(i, j, "-") for i, j in links.sure]
        tagged += [(i, j, "p") for i, j in links.possible - links.sure]
    else:
        tagged = [(int(i), int(j), "-") for i, j in links]
    for i, j, _ in tagged:
        if i < 0 or j < 0:
            raise DataFormatError(f"negative index in link ({i}, {j})")
    return " ".join(f"{i}{sep}{j}" for i, j, sep in sorted(set(tagged)))


def write_pharaoh(path: PathLike, links: Iterable[LinkSet | Iterable[tuple[int, int]]]) -> None:
    """One sentence per line, 0-based sorted ``i-j`` links (``ipj`` for possible-only
    links of a LinkSet), atomic."""
    rows = []
    for n, sent in enumerate(links):
        try:
            rows.append(format_pharaoh_line(sent))
        except (DataFormatError, TypeError, ValueError) as err:
            raise DataFormatError(f"record {n}: {err}", path) from None
    atomic_write_text(Path(path), "".join(f"{row}\n" for row in rows))
