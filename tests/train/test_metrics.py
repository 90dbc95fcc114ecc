"""weamlib.train.metrics: MLQA EM/F1 as the official MLQA v1 script, XNLI file accuracy, and the
``weamlib evaluate`` command.

Expected values are worked out by hand in the comments (tokens after normalisation, then
precision/recall/F1), following the rules of ``mlqa_evaluation_v1.py``.
"""

from __future__ import annotations

import json

import pytest

from weamlib.cli.main import main as cli_main
from weamlib.core.errors import DataFormatError
from weamlib.train.metrics import (
    MLQA_LANGUAGES,
    accuracy,
    mlqa_coverage,
    mlqa_evaluate,
    mlqa_exact_match,
    mlqa_f1,
    mlqa_questions,
    mlqa_rule,
    normalize_answer,
    xnli_evaluate,
)

TWO_THIRDS = 2 / 3  # F1 with precision 1/2, recall 1 (or the reverse): 2*(1/2)/(3/2)


def _dataset(golds: dict[str, list[str]], version: str = "1.0") -> dict:
    """A SQuAD/MLQA file dict: one article, one paragraph per question."""
    paragraphs = [
        {
            "context": " ".join(answers),
            "qas": [
                {
                    "id": qid,
                    "question": "?",
                    "answers": [{"text": t, "answer_start": 0} for t in answers],
                }
            ],
        }
        for qid, answers in golds.items()
    ]
    return {"version": version, "data": [{"title": "t", "paragraphs": paragraphs}]}


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # en: lower-case, punctuation out, a/an/the out as whole words only
        ("en", "The Eiffel Tower!", "eiffel tower"),
        ("en", "An apple, a pear and THE plum.", "apple pear and plum"),
        ("en", "Theatre and another", "theatre and another"),
        ("en", "U.S.A. (1776)", "usa 1776"),
        # es: un una unos unas el la los las; "del" and "al" stay
        ("es", "El Museo del Prado", "museo del prado"),
        ("es", "Los Reyes Católicos, unas veces", "reyes católicos veces"),
        ("es", "¿Una pregunta?", "pregunta"),
        # de: ein eine einer eines einem einen der die das des dem den
        ("de", "Die Hauptstadt der Bundesrepublik", "hauptstadt bundesrepublik"),
        ("de", "Einem Mann mit einen Hund, des Weges", "mann mit hund weges"),
        ("de", "„Dasein“ und Derwisch", "dasein und derwisch"),
        # ar: every "ال" becomes a space, word-initial or not (the script's pattern)
        ("ar", "الكتاب", "كتاب"),
        ("ar", "فالكتاب", "ف كتاب"),
        ("ar", "جمال", "جم"),
        ("ar", "مدينة القاهرة؟", "مدينة قاهرة"),
        # hi: no article removal; the danda is punctuation
        ("hi", "भारत की राजधानी।", "भारत की राजधानी"),
        ("hi", "एक राजा", "एक राजा"),
        # vi: the script's list của là cái chiếc những
        ("vi", "Những con mèo của tôi", "con mèo tôi"),
        ("vi", "Chiếc xe là cái gì?", "xe gì"),
        # zh: mixed segmentation, each ideograph in U+4E00..U+9FA5 a token, other runs words
        ("zh", "北京大学", "北 京 大 学"),
        ("zh", "2008年北京奥运会。", "2008 年 北 京 奥 运 会"),
        ("zh", "Python编程 Guide", "python 编 程 guide"),
        ("zh", "北京，中国", "北 京 中 国"),
        ("zh", "\u3400\u3401中", "\u3400\u3401 中"),  # CJK extension A is outside the range
        ("zh", "the 猫", "the 猫"),  # no article removal for zh
    ],
)
def test_normalize_answer_mlqa_languages(lang, text, expected):
    assert normalize_answer(text, lang) == expected


def test_punctuation_set_is_the_scripts():
    # Unicode P* categories and string.punctuation (ASCII symbols too); other symbols stay.
    assert normalize_answer("a«b»c—d…e・f", "hi") == "abcdef"
    assert normalize_answer("$5+3=8 |x| ~y^ `z`", "hi") == "538 x y z"
    assert normalize_answer("5€ 30° 2×3", "hi") == "5€ 30° 2×3"


def test_whitespace_is_collapsed():
    assert normalize_answer("  the\tcat \n sat  ", "en") == "cat sat"
    assert normalize_answer("北京\u3000大学", "zh") == "北 京 大 学"


def test_neutral_rule_for_other_languages():
    # lower-case, punctuation out, whitespace tokens, nothing else
    assert mlqa_rule("vela") == "neutral" and mlqa_rule("hoza") == "neutral"
    assert normalize_answer("The cat, el gato!", "vela") == "the cat el gato"
    assert normalize_answer("الكتاب", "kesh") == "الكتاب"
    assert normalize_answer("北京大学。", "hoza") == "北京大学"
    assert normalize_answer("Die Katze", "dorn") == "die katze"
    # no mixed segmentation: one token each, no overlap
    assert mlqa_f1("北京大学", "北京", "hoza") == 0.0
    assert mlqa_f1("北京 大学", "北京", "hoza") == pytest.approx(TWO_THIRDS)
    assert mlqa_exact_match("The cat", "cat", "vela") == 0.0
    assert mlqa_exact_match("The cat", "cat", "en") == 1.0


@pytest.mark.parametrize("code", ["EN", "zh-CN", "zh_Hans", "Ar", " es"])
def test_lookalikes_of_mlqa_codes_are_refused(code):
    with pytest.raises(ValueError, match="looks like MLQA"):
        normalize_answer("x", code)


@pytest.mark.parametrize("code", ["", "  ", None])
def test_empty_language_code_is_refused(code):
    with pytest.raises(ValueError, match="non-empty"):
        mlqa_rule(code)


def test_mlqa_codes_get_their_own_rule():
    assert [mlqa_rule(code) for code in MLQA_LANGUAGES] == list(MLQA_LANGUAGES)


# --------------------------------------------------------------------------- per-pair scores


@pytest.mark.parametrize(
    ("lang", "pred", "gold", "em", "f1"),
    [
        # en: [big, cat] vs [cat]: p 1/2, r 1
        ("en", "the big cat", "a cat", 0.0, TWO_THIRDS),
        ("en", "The Cat.", "cat", 1.0, 1.0),
        # en: [cat cat] vs [cat]: common 1 (multiset), p 1/2, r 1
        ("en", "cat cat", "cat", 0.0, TWO_THIRDS),
        # es: [museo, prado] vs [museo, del, prado]: common 2, p 1, r 2/3 -> 0.8
        ("es", "el museo, prado", "Museo del Prado", 0.0, 0.8),
        ("es", "Los Reyes Católicos", "reyes católicos.", 1.0, 1.0),
        # de: [berliner, mauer] vs [mauer]: p 1/2, r 1
        ("de", "Die Berliner Mauer", "der Mauer", 0.0, TWO_THIRDS),
        ("de", "Eine Stadt", "die Stadt", 1.0, 1.0),
        # ar: [ف, كتاب] vs [كتاب]: p 1/2, r 1
        ("ar", "فالكتاب", "الكتاب", 0.0, TWO_THIRDS),
        ("ar", "القاهرة", "قاهرة", 1.0, 1.0),
        # hi: [भारत, की, राजधानी] vs [राजधानी]: p 1/3, r 1 -> 0.5
        ("hi", "भारत की राजधानी", "राजधानी।", 0.0, 0.5),
        # vi: [con, mèo] vs [mèo, tôi]: common 1, p 1/2, r 1/2 -> 0.5
        ("vi", "những con mèo", "mèo của tôi", 0.0, 0.5),
        ("vi", "Cái bàn", "bàn", 1.0, 1.0),
        # zh: [北 京 大 学] vs [北 京]: common 2, p 2/4, r 1
        ("zh", "北京大学", "北京", 0.0, TWO_THIRDS),
        # zh: [1949, 年] vs [1949, 年, 10, 月]: common 2, p 1, r 1/2
        ("zh", "1949年", "1949年10月", 0.0, TWO_THIRDS),
        ("zh", "北京。", "北京", 1.0, 1.0),
        # empty prediction scores 0 against a real answer
        ("en", "", "Paris", 0.0, 0.0),
        ("zh", "", "北京", 0.0, 0.0),
        # script quirk: both normalise to "": EM 1 but F1 0 (no common token)
        ("en", "", "The", 1.0, 0.0),
        ("en", "!!", "?", 1.0, 0.0),
    ],
)
def test_per_pair_scores(lang, pred, gold, em, f1):
    assert mlqa_exact_match(pred, gold, lang) == em
    assert mlqa_f1(pred, gold, lang) == pytest.approx(f1, abs=1e-12)


# --------------------------------------------------------------------------- dataset scores


def test_mlqa_evaluate_hand_worked_en():
    data = _dataset(
        {
            "q1": ["Paris"],  # pred exact: EM 1, F1 1
            "q2": ["a cat"],  # "the big cat": EM 0, F1 2/3
            "q3": ["Berlin"],  # no prediction: 0, 0
            "q4": ["Rome"],  # empty prediction: 0, 0
            # several golds, max taken for EM and F1 separately:
            # "Paris France" vs "Paris" F1 2/3, vs "Paris France Europe" p 1 r 2/3 -> 0.8
            "q5": ["Paris", "Paris France Europe"],
            # "city of Paris": EM 0 vs gold 1, EM 1 vs gold 2
            "q6": ["Paris", "the city of Paris"],
        }
    )
    preds = {
        "q1": "paris.",
        "q2": "the big cat",
        "q4": "",
        "q5": "Paris France",
        "q6": "city of Paris",
        "extra": "ignored",
    }
    scores = mlqa_evaluate(data, preds, "en")
    assert list(scores) == ["exact_match", "f1"]
    assert scores["exact_match"] == pytest.approx(100.0 * 2 / 6)
    assert scores["f1"] == pytest.approx(100.0 * (1 + TWO_THIRDS + 0.8 + 1) / 6)
    # the bare data list gives the same
    assert mlqa_evaluate(data["data"], preds, "en") == scores
    assert mlqa_coverage(data, preds) == (["q3"], ["extra"])


def test_mlqa_evaluate_small_set_every_language():
    """One question per MLQA language, scored in that language; expected per question by hand."""
    cases = {
        # lang: (gold answers, prediction, EM, F1)
        "en": (["the Louvre"], "Louvre museum", 0, TWO_THIRDS),
        "es": (["la ciudad de México"], "Ciudad de México", 1, 1.0),
        "de": (["der Rhein", "Rhein"], "den Rhein.", 1, 1.0),
        # [ف, كتاب] vs [كتاب]
        "ar": (["الكتاب"], "فالكتاب", 0, TWO_THIRDS),
        # [गंगा, नदी] vs [गंगा]
        "hi": (["गंगा"], "गंगा नदी", 0, TWO_THIRDS),
        "vi": (["những con mèo"], "con mèo", 1, 1.0),
        # [北 京 大 学] vs [北 京]
        "zh": (["北京"], "北京大学", 0, TWO_THIRDS),
    }
    for lang, (golds, pred, em, f1) in cases.items():
        data = _dataset({"q": golds, "missing": ["x"]})
        scores = mlqa_evaluate(data, {"q": pred}, lang)
        assert scores["exact_match"] == pytest.approx(100.0 * em / 2), lang
        assert scores["f1"] == pytest.approx(100.0 * f1 / 2), lang


def test_mlqa_evaluate_counts_duplicate_questions_and_ignores_extras():
    data = {
        "data": [
            {
                "paragraphs": [
                    {"qas": [{"id": "a", "answers": [{"text": "x"}]}]},
                    {"qas": [{"id": "a", "answers": [{"text": "x"}]}]},
                    {"qas": [{"id": "b", "answers": [{"text": "y"}]}]},
                ]
            }
        ]
    }
    # like the script: "a" counted twice, "b" unanswered, "c" ignored
    assert mlqa_evaluate(data, {"a": "x", "c": "y"}, "en") == {
        "exact_match": 100.0 * 2 / 3,
        "f1": 100.0 * 2 / 3,
    }
    assert mlqa_coverage(data, {"c": "y"}) == (["a", "b"], ["c"])


def test_mlqa_evaluate_refuses_bad_input():
    good = _dataset({"q": ["x"]})
    with pytest.raises(ValueError, match="no questions"):
        mlqa_evaluate({"data": []}, {}, "en")
    with pytest.raises(ValueError, match="no gold answer"):
        mlqa_evaluate({"data": [{"paragraphs": [{"qas": [{"id": "q", "answers": []}]}]}]}, {}, "en")
    with pytest.raises(ValueError, match="'data'"):
        mlqa_evaluate({"version": "1.0"}, {}, "en")
    with pytest.raises(ValueError, match=r"data\[0\]\.paragraphs\[0\]"):
        mlqa_evaluate({"data": [{"paragraphs": [{"context": "c"}]}]}, {}, "en")
    with pytest.raises(ValueError, match="must be a string"):
        mlqa_evaluate(good, {"q": 3}, "en")
    with pytest.raises(ValueError, match="looks like MLQA"):
        mlqa_evaluate(good, {"q": "x"}, "EN")


# --------------------------------------------------------------------------- real MLQA dev


# Gold answers of the real dev sets that normalise to "": predicting them exactly gives EM 1
# but F1 0, as in the official script (es: the answer is the article "una").
EMPTY_GOLDS = {"es": {"60184cb268780854f89dc022bbf2ccf2c8eea2ac"}}


@pytest.mark.parametrize("lang", MLQA_LANGUAGES)
def test_real_mlqa_dev_gold_and_empty_predictions(shared_data, lang):
    path = shared_data / "mlqa" / "MLQA_V1" / "dev" / f"dev-context-{lang}-question-{lang}.json"
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    dataset = json.loads(path.read_text(encoding="utf-8"))
    questions = mlqa_questions(dataset)
    assert len(questions) > 400
    empty = {qid for qid, golds in questions if normalize_answer(golds[0], lang) == ""}
    assert empty == EMPTY_GOLDS.get(lang, set())
    first_gold = {qid: golds[0] for qid, golds in questions}
    f1 = 100.0 * (len(questions) - len(empty)) / len(questions)
    assert mlqa_evaluate(dataset, first_gold, lang) == {"exact_match": 100.0, "f1": f1}
    if lang == "es":
        assert f1 == 99.8  # 499/500, what the official script prints too
    else:
        assert f1 == 100.0
    assert mlqa_evaluate(dataset, {}, lang) == {"exact_match": 0.0, "f1": 0.0}
    # every other question answered exactly, the rest missing
    half = dict(list(first_gold.items())[::2])
    scores = mlqa_evaluate(dataset, half, lang)
    assert scores["exact_match"] == pytest.approx(100.0 * len(half) / len(questions))
    assert scores["f1"] == pytest.approx(100.0 * len(half.keys() - empty) / len(questions))


def test_cli_mlqa_on_real_dev(shared_data, tmp_path, capsys):
    path = shared_data / "mlqa" / "MLQA_V1" / "dev" / "dev-context-zh-question-zh.json"
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    questions = mlqa_questions(json.loads(path.read_text(encoding="utf-8")))
    preds = tmp_path / "p.json"
    preds.write_text(json.dumps({qid: golds[0] for qid, golds in questions}), encoding="utf-8")
    assert cli_main(["evaluate", "mlqa", str(path), str(preds), "zh"]) == 0
    out, err = capsys.readouterr()
    assert out == '{"exact_match": 100.0, "f1": 100.0}\n'
    assert err == ""


# --------------------------------------------------------------------------- XNLI files


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


GOLD_TSV = "p1\th1\tentailment\np2\th2\tneutral\np3\th3\tcontradiction\np4\th4\tneutral\n"


def test_xnli_evaluate(tmp_path):
    gold = _write(tmp_path / "gold.tsv", GOLD_TSV)
    pred = _write(tmp_path / "pred.txt", "entailment\nneutral\ncontradictory\nentailment\n")
    assert xnli_evaluate(gold, pred) == {"accuracy": 75.0}
    assert accuracy(["entailment"], ["entailment"]) == 100.0  # the old function is unchanged


def test_xnli_evaluate_refuses_bad_files(tmp_path):
    gold = _write(tmp_path / "gold.tsv", GOLD_TSV)
    short = _write(tmp_path / "short.txt", "entailment\nneutral\n")
    with pytest.raises(DataFormatError, match=r"short\.txt: 2 predicted labels for 4 gold"):
        xnli_evaluate(gold, short)
    unknown = _write(tmp_path / "unk.txt", "entailment\nneutral\nmaybe\nneutral\n")
    with pytest.raises(DataFormatError, match=r"unk\.txt:3: bad label 'maybe'"):
        xnli_evaluate(gold, unknown)
    blank = _write(tmp_path / "blank.txt", "entailment\n\nneutral\nneutral\n")
    with pytest.raises(DataFormatError, match=r"blank\.txt:2: bad label"):
        xnli_evaluate(gold, blank)
    unlabelled = _write(tmp_path / "test.tsv", "p1\th1\np2\th2\n")
    with pytest.raises(DataFormatError, match=r"test\.tsv: gold file has no label column"):
        xnli_evaluate(unlabelled, short)
    broken = _write(tmp_path / "broken.tsv", "p1\th1\tneutral\njust one column\n")
    with pytest.raises(DataFormatError, match=r"broken\.tsv:2: expected 2 or 3"):
        xnli_evaluate(broken, short)
    empty = _write(tmp_path / "empty.tsv", "")
    with pytest.raises(DataFormatError, match=r"empty\.tsv: no examples"):
        xnli_evaluate(empty, short)


def test_xnli_on_real_dev(shared_data, tmp_path):
    gold = shared_data / "xnli" / "dev-en.tsv"
    if not gold.is_file():
        pytest.skip(f"{gold} is not present")
    labels = [line.split("\t")[2] for line in gold.read_text(encoding="utf-8").splitlines()]
    pred = _write(tmp_path / "pred.txt", "".join(f"{label}\n" for label in labels))
    assert xnli_evaluate(gold, pred) == {"accuracy": 100.0}


# --------------------------------------------------------------------------- CLI


def test_cli_mlqa(tmp_path, capsys):
    data = _write(tmp_path / "data.json", json.dumps(_dataset({"q1": ["a cat"], "q2": ["dog"]})))
    preds = _write(tmp_path / "p.json", json.dumps({"q1": "the big cat", "zz": "x"}))
    assert cli_main(["evaluate", "mlqa", str(data), str(preds), "en"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"exact_match": 0.0, "f1": pytest.approx(100.0 * TWO_THIRDS / 2)}
    assert out.startswith('{"exact_match": 0.0, "f1": ')  # json.dumps, script key order
    assert "1 of 2 questions have no prediction" in err and "'q2'" in err
    assert "1 prediction ids are not in" in err and "'zz'" in err


def test_cli_mlqa_synthetic_language(tmp_path, capsys):
    data = _write(
        tmp_path / "data.json", json.dumps(_dataset({"q": ["北京 大学"]}), ensure_ascii=False)
    )
    preds = _write(tmp_path / "p.json", json.dumps({"q": "北京"}, ensure_ascii=False))
    assert cli_main(["evaluate", "mlqa", str(data), str(preds), "hoza"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"exact_match": 0.0, "f1": pytest.approx(100.0 * TWO_THIRDS)}
    assert err == ""


def test_cli_xnli(tmp_path, capsys):
    gold = _write(tmp_path / "gold.tsv", GOLD_TSV)
    pred = _write(tmp_path / "pred.txt", "entailment\nneutral\ncontradiction\nentailment\n")
    assert cli_main(["evaluate", "xnli", str(gold), str(pred)]) == 0
    assert capsys.readouterr().out == '{"accuracy": 75.0}\n'


def _refused(argv, tmp_path, capsys, *needles):
    before = sorted(p.name for p in tmp_path.iterdir())
    assert cli_main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("weamlib evaluate: error: ") and err.count("\n") == 1
    for needle in needles:
        assert needle in err, (needle, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_cli_mlqa_refuses_bad_input(tmp_path, capsys):
    data = _write(tmp_path / "data.json", json.dumps(_dataset({"q1": ["x"]})))
    preds = _write(tmp_path / "p.json", json.dumps({"q1": "x"}))

    def run(d, p, lang="en"):
        return ["evaluate", "mlqa", str(d), str(p), lang]

    bad_json = _write(tmp_path / "bad.json", '{"q1": "x",\n "q2": }\n')
    _refused(run(data, bad_json), tmp_path, capsys, "bad.json:2: malformed JSON")
    _refused(run(bad_json, preds), tmp_path, capsys, "bad.json:2: malformed JSON")
    as_list = _write(tmp_path / "list.json", '["x"]')
    _refused(run(data, as_list), tmp_path, capsys, "list.json", "JSON object of question id")
    not_str = _write(tmp_path / "num.json", '{"q1": 3}')
    _refused(run(data, not_str), tmp_path, capsys, "num.json", "'q1' must be a string, got int")
    nested = _write(tmp_path / "nested.json", '{"q1": {"text": "x"}}')
    _refused(run(data, nested), tmp_path, capsys, "nested.json", "got dict")
    dup = _write(tmp_path / "dup.json", '{"q1": "x", "q1": "y"}')
    _refused(run(data, dup), tmp_path, capsys, "dup.json", "duplicate id 'q1'")
    no_data = _write(tmp_path / "nodata.json", '{"version": "1.0"}')
    _refused(run(no_data, preds), tmp_path, capsys, "nodata.json", "'data'")
    no_answers = _write(
        tmp_path / "noans.json",
        json.dumps({"data": [{"paragraphs": [{"qas": [{"id": "q1", "answers": []}]}]}]}),
    )
    _refused(run(no_answers, preds), tmp_path, capsys, "noans.json", "no gold answer")
    empty = _write(tmp_path / "empty.json", '{"data": []}')
    _refused(run(empty, preds), tmp_path, capsys, "empty.json", "no questions")
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"q1": "caf\xe9"}'.encode("latin-1"))
    _refused(run(data, latin1), tmp_path, capsys, "latin1.json:1", "UTF-8")
    _refused(run(data, tmp_path / "absent.json"), tmp_path, capsys, "absent.json")
    _refused(run(data, preds, "ZH"), tmp_path, capsys, "'ZH'", "looks like MLQA")


def test_cli_xnli_refuses_bad_input(tmp_path, capsys):
    gold = _write(tmp_path / "gold.tsv", GOLD_TSV)
    short = _write(tmp_path / "short.txt", "entailment\n")
    _refused(
        ["evaluate", "xnli", str(gold), str(short)],
        tmp_path,
        capsys,
        "short.txt: 1 predicted labels for 4 gold",
    )
    unknown = _write(tmp_path / "unk.txt", "entailment\nneutral\nyes\nneutral\n")
    _refused(["evaluate", "xnli", str(gold), str(unknown)], tmp_path, capsys, "unk.txt:3", "'yes'")
    bad_gold = _write(tmp_path / "bad.tsv", "p1\th1\tentailment\np2\th2\tunknown\n")
    _refused(["evaluate", "xnli", str(bad_gold), str(short)], tmp_path, capsys, "bad.tsv:2")
    _refused(
        ["evaluate", "xnli", str(tmp_path / "none.tsv"), str(short)], tmp_path, capsys, "none.tsv"
    )
