"""weamlib.data.formats: round trips of every writer, and clear errors for malformed input."""

from __future__ import annotations

import json

import pytest

from weamlib.core.errors import ConfigError, DataFormatError
from weamlib.data.formats import (
    LinkSet,
    NLIExample,
    QAExample,
    format_pharaoh_line,
    mlqa_filename,
    parse_pharaoh_line,
    read_lines,
    read_multinli_jsonl,
    read_nli_labels,
    read_parallel,
    read_pharaoh,
    read_squad_json,
    read_wpt,
    read_xnli_combined,
    read_xnli_tsv,
    split_tokens,
    write_lines,
    write_parallel,
    write_pharaoh,
    write_squad_json,
    write_xnli_tsv,
)

NLI = [
    NLIExample("A man sleeps.", "Someone rests.", "entailment"),
    NLIExample('He said "no".', "He agreed.", "contradiction"),
    NLIExample("Ünïcödé 漢字 — ok", "It is\u2028fine.", "neutral"),
]
CTX = "Ada Lovelace wrote the first program in 1843 in London."
QA = [
    QAExample("q1", CTX, "Who wrote it?", (("Ada Lovelace", 0),), title="Ada"),
    QAExample("q2", CTX, "When?", (("1843", 40), ("in 1843", 37)), title="Ada"),
    QAExample("q3", "Zürich liegt am See.", "Wo?", (("am See", 13),), title="Zürich"),
    QAExample("q4", "No answer here.", "Unlabelled?", ()),
]
PAIRS = [(["the", "cat"], ["die", "Katze"]), (["科学家", "\u3000", "x"], ["a"])]


def assert_error(excinfo, path, line=None):
    """The message names the file (and line): what every reader promises."""
    message = str(excinfo.value)
    assert str(path) in message
    if line is not None:
        assert f"{path}:{line}:" in message


# --------------------------------------------------------------------------- round trips


def test_xnli_round_trip_labelled_and_unlabelled(tmp_path):
    path = tmp_path / "dev-xx.tsv"
    write_xnli_tsv(path, NLI)
    assert read_xnli_tsv(path) == NLI
    assert (
        path.read_text(encoding="utf-8").splitlines()[0]
        == "A man sleeps.\tSomeone rests.\tentailment"
    )
    unlabelled = [NLIExample(e.premise, e.hypothesis, "") for e in NLI]
    write_xnli_tsv(path, unlabelled)
    assert read_xnli_tsv(path) == unlabelled
    assert path.read_text(encoding="utf-8").count("\t") == len(NLI)


def test_xnli_test_labels_from_separate_file(tmp_path):
    path, labels = tmp_path / "test-xx.tsv", tmp_path / "labels.tsv"
    write_xnli_tsv(path, [NLIExample(e.premise, e.hypothesis, "") for e in NLI])
    labels.write_text("index\tgenre\tlabel\n0\tfiction\tentailment\n1\tfiction\tcontradiction\n"
                      "2\tslate\tneutral\n", encoding="utf-8")  # fmt: skip
    assert read_xnli_tsv(path, labels_path=labels) == NLI
    assert read_nli_labels(labels) == ["entailment", "contradiction", "neutral"]


def test_xnli_header_auto_and_crlf(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_bytes(b"premise\thypothesis\tlabel\r\na\tb\tcontradictory\r\n")
    assert read_xnli_tsv(path) == [NLIExample("a", "b", "contradiction")]
    with pytest.raises(DataFormatError):  # the header is a bad data row when declared absent
        read_xnli_tsv(path, has_header=False)


def test_squad_round_trip(tmp_path):
    path = tmp_path / "dev-context-xx-question-xx.json"
    write_squad_json(path, QA)
    assert read_squad_json(path) == QA
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == "1.1"
    assert [a["title"] for a in data["data"]] == ["Ada", "Zürich", ""]
    assert len(data["data"][0]["paragraphs"]) == 1  # q1, q2 share their context
    assert len(data["data"][0]["paragraphs"][0]["qas"]) == 2


def test_squad_blank_answers_mean_unlabelled(tmp_path):
    path = tmp_path / "xquad.xx.json"
    qa = {"id": "a", "question": "?", "answers": [{"text": "", "answer_start": 0}]}
    path.write_text(json.dumps({"data": [{"paragraphs": [{"context": "c", "qas": [qa]}]}]}))
    assert read_squad_json(path) == [QAExample("a", "c", "?", ())]


def test_parallel_round_trip_one_and_two_files(tmp_path):
    write_parallel(tmp_path / "p.txt", PAIRS)
    assert read_parallel(tmp_path / "p.txt") == PAIRS
    assert (tmp_path / "p.txt").read_text(encoding="utf-8").splitlines()[
        0
    ] == "the cat ||| die Katze"
    write_lines(tmp_path / "src", [" ".join(s) for s, _ in PAIRS])
    write_lines(tmp_path / "tgt", [" ".join(t) for _, t in PAIRS])
    assert read_parallel(tmp_path / "src", tmp_path / "tgt") == PAIRS


def test_split_tokens_keeps_ideographic_space_as_token():
    # Gold alignment indices count U+3000 as a token (see tests/data/test_datasets.py, ja-en).
    assert split_tokens("a \u3000 b\t c") == ["a", "\u3000", "b", "c"]


def test_lines_round_trip_keeps_unicode_separators(tmp_path):
    lines = ["one", "two\u2028still two", "", "ünï"]
    write_lines(tmp_path / "l.txt", lines)
    assert read_lines(tmp_path / "l.txt") == lines


def test_pharaoh_round_trip_sure_and_possible(tmp_path):
    gold = [
        LinkSet(frozenset({(0, 0), (2, 1)}), frozenset({(0, 0), (2, 1), (1, 1)})),
        LinkSet(frozenset(), frozenset()),
        LinkSet.from_links([(3, 4), (0, 10)]),
    ]
    write_pharaoh(tmp_path / "a.gold", gold)
    assert (tmp_path / "a.gold").read_text().splitlines() == ["0-0 1p1 2-1", "", "0-10 3-4"]
    assert read_pharaoh(tmp_path / "a.gold") == gold
    assert (
        read_pharaoh(tmp_path / "a.gold", one_based=False, lengths=[(3, 2), (1, 1), (4, 11)])
        == gold
    )


def test_pharaoh_plain_links_written_sorted_zero_based(tmp_path):
    write_pharaoh(tmp_path / "a.txt", [[(2, 1), (0, 0), (1, 3)], []])
    assert (tmp_path / "a.txt").read_text() == "0-0 1-3 2-1\n\n"
    assert format_pharaoh_line({(5, 0), (0, 5)}) == "0-5 5-0"


def test_parse_pharaoh_line_variants():
    links = parse_pharaoh_line("1-1 3p4 2 p 2 5-6 ", one_based=True)
    assert links.sure == {(0, 0), (4, 5)}
    assert links.possible == {(0, 0), (4, 5), (2, 3), (1, 1)}
    assert parse_pharaoh_line("") == LinkSet(frozenset(), frozenset())
    # a link given both as sure and as possible is sure
    assert parse_pharaoh_line("0-0 0p0").sure == {(0, 0)}


def test_one_based_must_be_explicit(tmp_path):
    (tmp_path / "a").write_text("1-1\n")
    with pytest.raises(ConfigError, match="one_based"):
        read_pharaoh(tmp_path / "a", one_based=None)


def test_wpt_layout(tmp_path):
    path = tmp_path / "test.wa"
    path.write_text("1 1 1 S\n1 2 3 P\n1 0 2 S\n3 2 2\n")  # 0 = NULL, dropped; sentence 2 empty
    links = read_wpt(path, one_based=True)
    assert links == [
        LinkSet(frozenset({(0, 0)}), frozenset({(0, 0), (1, 2)})),
        LinkSet(frozenset(), frozenset()),
        LinkSet(frozenset({(1, 1)}), frozenset({(1, 1)})),
    ]
    assert len(read_wpt(path, n_sentences=5)) == 5


def test_combined_xnli_and_multinli(tmp_path):
    combined = tmp_path / "xnli.dev.tsv"
    header = "language\tgold_label\tsentence1_binary_parse\tsentence1\tsentence2\tpairID"
    combined.write_text(f"{header}\nen\tneutral\t(x)\tA\tB\t1\nde\tentailment\t(x)\tC\tD\t1\n")
    assert read_xnli_combined(combined) == {
        "en": [NLIExample("A", "B", "neutral")],
        "de": [NLIExample("C", "D", "entailment")],
    }
    assert read_xnli_combined(combined, language="de") == [NLIExample("C", "D", "entailment")]
    with pytest.raises(ConfigError, match="'fr'.*de, en"):
        read_xnli_combined(combined, language="fr")
    mnli = tmp_path / "m.jsonl"
    rows = [
        {"sentence1": "a", "sentence2": "b", "gold_label": "neutral"},
        {"sentence1": "c", "sentence2": "d", "gold_label": "-"},
    ]
    mnli.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert read_multinli_jsonl(mnli) == [NLIExample("a", "b", "neutral")]


def test_mlqa_filename():
    assert mlqa_filename("dev", "de", "de") == "dev-context-de-question-de.json"
    assert mlqa_filename("test", "en", "zh") == "test-context-en-question-zh.json"
    with pytest.raises(ConfigError):
        mlqa_filename("train", "en", "en")


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ("a\tb\tneutral\na\tb\tc\td\n", 2, "columns"),
        ("a\tb\tneutral\na\tb\n", 2, "columns"),
        ("a\tb\tneutral\n\n", 2, "columns"),
        ("a\tb\tneutral\na\tb\tmaybe\n", 2, "bad label 'maybe'"),
    ],
)
def test_xnli_malformed(tmp_path, text, line, match):
    path = tmp_path / "dev-xx.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFormatError, match=match) as err:
        read_xnli_tsv(path)
    assert_error(err, path, line)


def test_xnli_label_count_mismatch(tmp_path):
    path, labels = tmp_path / "t.tsv", tmp_path / "labels.tsv"
    path.write_text("a\tb\nc\td\n")
    labels.write_text("label\nneutral\n")
    with pytest.raises(DataFormatError, match="1 labels .* for 2 examples") as err:
        read_xnli_tsv(path, labels_path=labels)
    assert_error(err, path)


def test_invalid_utf8_names_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_bytes(b"a\tb\tneutral\nc\t\xff\tneutral\n")
    with pytest.raises(DataFormatError, match="UTF-8") as err:
        read_xnli_tsv(path)
    assert_error(err, path, 2)


def test_bad_json_names_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"version": "1.1",\n "data": [\n  {"paragraphs": ]}\n')
    with pytest.raises(DataFormatError, match="bad JSON.*column") as err:
        read_squad_json(path)
    assert_error(err, path, 3)
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"sentence1": "a", "sentence2": "b", "gold_label": "neutral"}\n{oops\n')
    with pytest.raises(DataFormatError, match="bad JSON") as err:
        read_multinli_jsonl(jsonl)
    assert_error(err, jsonl, 2)


def test_squad_answer_offset_mismatch_names_question(tmp_path):
    path = tmp_path / "q.json"
    qa = {"id": "q-17", "question": "?", "answers": [{"text": "Lovelace", "answer_start": 1}]}
    path.write_text(json.dumps({"data": [{"paragraphs": [{"context": CTX, "qas": [qa]}]}]}))
    with pytest.raises(DataFormatError, match="q-17.*not at offset 1") as err:
        read_squad_json(path)
    assert_error(err, path)


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ("a b ||| c\nno separator here\n", 2, "one '|||'"),
        ("a ||| b ||| c\n", 1, "found 2"),
        ("a b ||| c\n ||| c\n", 2, "empty source"),
        ("a b ||| c\na |||   \n", 2, "empty target"),
    ],
)
def test_parallel_malformed(tmp_path, text, line, match):
    path = tmp_path / "p.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFormatError, match=match) as err:
        read_parallel(path)
    assert_error(err, path, line)


def test_parallel_mismatched_line_counts(tmp_path):
    src, tgt = tmp_path / "x.src", tmp_path / "x.tgt"
    src.write_text("a\nb\nc\n")
    tgt.write_text("A\nB\n")
    with pytest.raises(DataFormatError, match="line counts differ: .* 3 lines, .* 2") as err:
        read_parallel(src, tgt)
    assert_error(err, tgt, 3)


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ("0-0\n1-x\n", 2, "bad link '1-x'"),
        ("0-0\n1:2\n", 2, "bad link '1:2'"),
        ("0-0 1-1-1\n", 1, "bad link"),
        ("0-0\n-1-2\n", 2, "bad link"),
    ],
)
def test_pharaoh_malformed(tmp_path, text, line, match):
    path = tmp_path / "a.gold"
    path.write_text(text)
    with pytest.raises(DataFormatError, match=match) as err:
        read_pharaoh(path, one_based=False)
    assert_error(err, path, line)


def test_pharaoh_index_out_of_range_names_link(tmp_path):
    path = tmp_path / "a.gold"
    path.write_text("1-1 2-2\n1-1 3p4\n")
    with pytest.raises(DataFormatError, match="link 3-4 is outside") as err:
        read_pharaoh(path, one_based=True, lengths=[(2, 2), (3, 3)])
    assert_error(err, path, 2)
    with pytest.raises(DataFormatError, match="index 0 in a 1-based file") as err:
        path.write_text("0-1\n")
        read_pharaoh(path, one_based=True)
    assert_error(err, path, 1)
    with pytest.raises(DataFormatError, match="2 alignment lines for 3 sentence pairs"):
        path.write_text("0-0\n0-0\n")
        read_pharaoh(path, lengths=[(1, 1)] * 3)


def test_wpt_malformed(tmp_path):
    path = tmp_path / "w.wa"
    path.write_text("1 1 1 S\n1 x 2 S\n")
    with pytest.raises(DataFormatError, match="non-integer") as err:
        read_wpt(path)
    assert_error(err, path, 2)
    path.write_text("1 1 1 Q\n")
    with pytest.raises(DataFormatError, match="S or P") as err:
        read_wpt(path)
    assert_error(err, path, 1)


# --------------------------------------------------------------------------- writers leave nothing partial


def _bad_records():
    yield (["fine"], ["ok"])
    raise RuntimeError("producer died")


@pytest.mark.parametrize(
    ("writer", "records"),
    [
        (write_parallel, [(["a"], ["b"]), (["has space"], ["x"])]),
        (write_parallel, [(["a"], [])]),
        (write_parallel, [(["a", "|||"], ["b"])]),
        (write_parallel, _bad_records()),
        (
            write_xnli_tsv,
            [NLIExample("a", "b", "neutral"), NLIExample("tab\there", "b", "neutral")],
        ),
        (write_xnli_tsv, [NLIExample("a", "b", "maybe")]),
        (write_xnli_tsv, [NLIExample("a", "b", "neutral"), NLIExample("a", "b", "")]),
        (write_pharaoh, [[(0, 0)], [(-1, 2)]]),
        (write_squad_json, [QAExample("q", "abc", "?", (("x", 0),))]),
        (write_squad_json, [QAExample("", "abc", "?", ())]),
        (write_lines, ["ok", "two\nlines"]),
    ],
)
def test_failing_writer_leaves_no_file(tmp_path, writer, records):
    path = tmp_path / "out.txt"
    with pytest.raises((DataFormatError, RuntimeError)):
        writer(path, records)
    assert list(tmp_path.iterdir()) == []


def test_failing_writer_keeps_previous_file(tmp_path):
    path = tmp_path / "out.txt"
    write_parallel(path, PAIRS)
    before = path.read_bytes()
    with pytest.raises(DataFormatError):
        write_parallel(path, [(["a"], ["b c"])])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
