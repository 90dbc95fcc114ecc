"""Loaders of the paper-scale datasets (XNLI-MT, SQuAD translate-train, OPUS-100,
ParaCrawl en-sw) on small fixture files written in their official layouts."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from weamlib.core.errors import ConfigError, DataFormatError
from weamlib.data import datasets as data
from weamlib.data.formats import NLIExample

XNLI_MT = "XNLI-MT-1.0/multinli/multinli.train.{lang}.tsv"
SQUAD_TT = "squad/translate-train/squad.translate.train.en-{lang}.json"
OPUS = "parallel/opus-100-corpus/v1.0/supervised/{pair}/opus.{pair}-{split}.{lang}"


def _write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _opus(root: Path, lang: str, split: str, en: list[str], xx: list[str]) -> str:
    pair = "-".join(sorted(("en", lang)))
    _write(root, OPUS.format(pair=pair, split=split, lang="en"), "".join(f"{s}\n" for s in en))
    _write(root, OPUS.format(pair=pair, split=split, lang=lang), "".join(f"{s}\n" for s in xx))
    return pair


# --------------------------------------------------------------------------- XNLI-MT


def test_xnli_mt_skips_header_and_maps_contradictory(tmp_path):
    _write(
        tmp_path,
        XNLI_MT.format(lang="de"),
        "premise\thypo\tlabel\n"
        "Ein Mann isst.\tJemand isst.\tentailment\n"
        "Es regnet.\tDie Sonne scheint.\tcontradictory\n"
        "Sie liest.\tSie liest ein Buch.\tneutral\n",
    )
    assert data.load_xnli_mt("de", data_dir=tmp_path) == [
        NLIExample("Ein Mann isst.", "Jemand isst.", "entailment"),
        NLIExample("Es regnet.", "Die Sonne scheint.", "contradiction"),
        NLIExample("Sie liest.", "Sie liest ein Buch.", "neutral"),
    ]


def test_xnli_mt_tolerates_bom_and_crlf(tmp_path):
    _write(
        tmp_path,
        XNLI_MT.format(lang="en"),
        "\ufeffpremise\thypo\tlabel\r\nA man eats.\tSomeone eats.\tentailment\r\n".encode(),
    )
    assert data.load_xnli_mt("en", data_dir=tmp_path) == [
        NLIExample("A man eats.", "Someone eats.", "entailment")
    ]


def test_xnli_mt_without_header_is_refused(tmp_path):
    path = _write(tmp_path, XNLI_MT.format(lang="fr"), "Il pleut.\tIl fait beau.\tneutral\n")
    with pytest.raises(DataFormatError, match="header") as err:
        data.load_xnli_mt("fr", data_dir=tmp_path)
    assert err.value.path == str(path) and err.value.line == 1


def test_xnli_mt_malformed_row_names_file_and_line(tmp_path):
    path = _write(
        tmp_path,
        XNLI_MT.format(lang="es"),
        "premise\thypo\tlabel\nLlueve.\tHace sol.\tcontradictory\nsolo una columna\n",
    )
    with pytest.raises(DataFormatError, match="columns") as err:
        data.load_xnli_mt("es", data_dir=tmp_path)
    assert err.value.path == str(path) and err.value.line == 3
    assert str(err.value).startswith(f"{path}:3: ")


def test_xnli_mt_bad_label_names_line(tmp_path):
    _write(tmp_path, XNLI_MT.format(lang="es"), "premise\thypo\tlabel\na\tb\tmaybe\n")
    with pytest.raises(DataFormatError, match=r":2: bad label 'maybe'"):
        data.load_xnli_mt("es", data_dir=tmp_path)


def test_xnli_mt_unknown_language_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="XNLI-MT language code 'ja'"):
        data.load_xnli_mt("ja", data_dir=tmp_path)
    with pytest.raises(
        FileNotFoundError, match=r"multinli.train.sw.tsv not found.*weamlib fetch xnli_mt"
    ):
        data.load_xnli_mt("sw", data_dir=tmp_path)


# --------------------------------------------------------------------------- SQuAD translate-train


def _squad(context: str, question: str, answer: str, start: int) -> str:
    qa = {"id": "q1", "question": question, "answers": [{"text": answer, "answer_start": start}]}
    article = {"title": "T", "paragraphs": [{"context": context, "qas": [qa]}]}
    return json.dumps({"version": "v1.1", "data": [article]}, ensure_ascii=False)


def test_squad_translate_train_reads_squad_json(tmp_path):
    context = "Berlin ist die Hauptstadt Deutschlands."
    _write(
        tmp_path, SQUAD_TT.format(lang="de"), _squad(context, "Was ist Berlin?", "Hauptstadt", 15)
    )
    (ex,) = data.load_squad_translate_train("de", data_dir=tmp_path)
    assert ex.context == context and ex.answers == (("Hauptstadt", 15),) and ex.title == "T"


def test_squad_translate_train_errors(tmp_path):
    with pytest.raises(ConfigError, match="'fr'.*es, de, ar, hi, vi, zh"):
        data.load_squad_translate_train("fr", data_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match="weamlib fetch squad_translate_train"):
        data.load_squad_translate_train("zh", data_dir=tmp_path)
    path = _write(tmp_path, SQUAD_TT.format(lang="es"), '{"version": "v1.1",\n "data": [}\n')
    with pytest.raises(DataFormatError, match="bad JSON") as err:
        data.load_squad_translate_train("es", data_dir=tmp_path)
    assert err.value.path == str(path) and err.value.line == 2
    _write(tmp_path, SQUAD_TT.format(lang="ar"), _squad("abc def", "q?", "def", 0))
    with pytest.raises(DataFormatError, match="'def' is not at offset 0"):
        data.load_squad_translate_train("ar", data_dir=tmp_path)


# --------------------------------------------------------------------------- OPUS-100


@pytest.mark.parametrize(
    ("lang", "pair"),
    [("de", "de-en"), ("ar", "ar-en"), ("bg", "bg-en"), ("es", "en-es"), ("zh", "en-zh")],
)
def test_opus100_pair_is_alphabetical_and_english_comes_first(tmp_path, lang, pair):
    assert _opus(tmp_path, lang, "dev", ["Hello world", "Good night"], ["x1 y1", "x2"]) == pair
    assert data.load_parallel_real("opus100", lang, "dev", data_dir=tmp_path) == [
        (["Hello", "world"], ["x1", "y1"]),
        (["Good", "night"], ["x2"]),
    ]
    assert data.load_parallel_real("opus100", lang, "dev", data_dir=tmp_path, tokenized=False) == [
        ("Hello world", "x1 y1"),
        ("Good night", "x2"),
    ]


def test_opus100_splits(tmp_path):
    for split in ("train", "dev", "test"):
        _opus(tmp_path, "fr", split, [f"{split} en"], [f"{split} fr"])
        assert data.load_parallel_real(
            "opus100", "fr", split, data_dir=tmp_path, tokenized=False
        ) == [(f"{split} en", f"{split} fr")]
    with pytest.raises(ConfigError, match="OPUS-100 split 'valid'"):
        data.load_parallel_real("opus100", "fr", "valid", data_dir=tmp_path)
    with pytest.raises(ConfigError, match="OPUS-100 language code 'sw'"):
        data.load_parallel_real("opus100", "sw", "train", data_dir=tmp_path)


def test_limit_reads_only_the_first_pairs(tmp_path):
    en = [f"en {k}" for k in range(50)]
    xx = [f"es {k}" for k in range(50)]
    _opus(tmp_path, "es", "train", en, xx)
    load = data.load_parallel_real
    assert load("opus100", "es", "train", tmp_path, tokenized=False, limit=3) == [
        ("en 0", "es 0"),
        ("en 1", "es 1"),
        ("en 2", "es 2"),
    ]
    assert len(load("opus100", "es", "train", tmp_path, limit=3)) == 3
    assert load("opus100", "es", "train", tmp_path, limit=0) == []
    assert len(load("opus100", "es", "train", tmp_path, limit=1000)) == 50
    assert len(load("opus100", "es", "train", tmp_path)) == 50
    for bad in (-1, 2.5, True, "3"):
        with pytest.raises(ConfigError, match="limit"):
            load("opus100", "es", "train", tmp_path, limit=bad)


def test_limit_does_not_read_past_the_limit(tmp_path):
    """A broken line after the limit is never decoded: the file is read lazily."""
    pair = _opus(tmp_path, "vi", "train", ["a", "b"], ["c", "d"])
    path = tmp_path / OPUS.format(pair=pair, split="train", lang="vi")
    path.write_bytes(b"c\nd\n\xff\xfe broken\n")
    (tmp_path / OPUS.format(pair=pair, split="train", lang="en")).write_bytes(b"a\nb\nz\n")
    assert data.load_parallel_real("opus100", "vi", "train", tmp_path, limit=2) == [
        (["a"], ["c"]),
        (["b"], ["d"]),
    ]
    with pytest.raises(DataFormatError, match="not valid UTF-8") as err:
        data.load_parallel_real("opus100", "vi", "train", tmp_path)
    assert err.value.path == str(path) and err.value.line == 3


def test_parallel_line_count_mismatch_and_empty_sentence(tmp_path):
    pair = _opus(tmp_path, "ru", "test", ["a", "b", "c"], ["x", "y"])
    ru = tmp_path / OPUS.format(pair=pair, split="test", lang="ru")
    with pytest.raises(DataFormatError, match="line counts differ") as err:
        data.load_parallel_real("opus100", "ru", "test", tmp_path)
    assert err.value.path == str(ru) and err.value.line == 3
    assert len(data.load_parallel_real("opus100", "ru", "test", tmp_path, limit=2)) == 2
    pair = _opus(tmp_path, "tr", "test", ["a", "b"], ["x", "  "])
    tr = tmp_path / OPUS.format(pair=pair, split="test", lang="tr")
    with pytest.raises(DataFormatError, match="empty sentence") as err:
        data.load_parallel_real("opus100", "tr", "test", tmp_path)
    assert str(err.value).startswith(f"{tr}:2: ")
    assert data.load_parallel_real("opus100", "tr", "test", tmp_path, tokenized=False)[1] == (
        "b",
        "  ",
    )


def test_crlf_bom_and_unicode_line_separators(tmp_path):
    pair = _opus(tmp_path, "hi", "dev", ["x"], ["y"])
    (tmp_path / OPUS.format(pair=pair, split="dev", lang="en")).write_bytes(
        "\ufeffone\r\ntwo\u2028half\n".encode()
    )
    (tmp_path / OPUS.format(pair=pair, split="dev", lang="hi")).write_bytes("एक\nदो\n".encode())
    assert data.load_parallel_real("opus100", "hi", "dev", tmp_path, tokenized=False) == [
        ("one", "एक"),
        ("two\u2028half", "दो"),
    ]


def test_opus100_missing_names_the_right_fetch_entry(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"opus.ar-en-train.en not found.*fetch opus100`"):
        data.load_parallel_real("opus100", "ar", "train", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"opus.en-th-dev.en not found.*fetch opus100_xnli"):
        data.load_parallel_real("opus100", "th", "dev", tmp_path)


# --------------------------------------------------------------------------- ParaCrawl en-sw


def test_paracrawl_en_sw(tmp_path):
    base = "parallel/paracrawl_v9/ParaCrawl.en-sw"
    _write(tmp_path, f"{base}.en", "Good morning\nThank you\nBye\n")
    _write(tmp_path, f"{base}.sw", "Habari ya asubuhi\nAsante\nKwaheri\n")
    pairs = data.load_parallel_real("paracrawl_en_sw", "sw", data_dir=tmp_path, limit=2)
    assert pairs == [
        (["Good", "morning"], ["Habari", "ya", "asubuhi"]),
        (["Thank", "you"], ["Asante"]),
    ]
    assert data.load_parallel_real("paracrawl_en_sw", "swh", data_dir=tmp_path, tokenized=False)[
        2
    ] == ("Bye", "Kwaheri")
    with pytest.raises(ConfigError, match="ParaCrawl en-sw language code 'de'"):
        data.load_parallel_real("paracrawl_en_sw", "de", data_dir=tmp_path)
    (tmp_path / f"{base}.sw").unlink()
    with pytest.raises(FileNotFoundError, match="weamlib fetch paracrawl_en_sw"):
        data.load_parallel_real("paracrawl_en_sw", "sw", data_dir=tmp_path)


def test_parallel_sets_lists_the_new_sets():
    assert {"opus100", "paracrawl_en_sw"} <= set(data.PARALLEL_SETS)
    with pytest.raises(ConfigError, match="'europarl'.*opus100, paracrawl_en_sw"):
        data.load_parallel_real("europarl", "de")


# --------------------------------------------------------------------------- manifest


def _requests(monkeypatch, empty: Path, call) -> list[tuple[str, str]]:
    """The (path, fetch_name) pairs a loader asks find_file for; every file is ``empty``."""
    asked: list[tuple[str, str]] = []

    def fake_find_file(relative, data_dir=None, fetch_name=""):
        for rel in [relative] if isinstance(relative, str) else relative:
            asked.append((rel, fetch_name))
        return empty

    monkeypatch.setattr(data, "find_file", fake_find_file)
    with contextlib.suppress(DataFormatError):  # an empty file is no XNLI-MT / SQuAD file
        call()
    return asked


def _paper_loader_calls():
    for lang in data.XNLI_LANGS:
        yield lambda lang=lang: data.load_xnli_mt(lang)
    for lang in data.SQUAD_TRANSLATE_LANGS:
        yield lambda lang=lang: data.load_squad_translate_train(lang)
    for lang in data.OPUS100_LANGS:
        for split in ("train", "dev", "test"):
            yield lambda lang=lang, split=split: data.load_parallel_real("opus100", lang, split)
    yield lambda: data.load_parallel_real("paracrawl_en_sw", "sw")


def test_every_fetch_name_is_a_manifest_entry_that_provides_the_file(monkeypatch, tmp_path):
    manifest = data.load_manifest()
    empty = tmp_path / "empty"
    empty.write_text("")
    seen, paths = set(), 0
    for call in _paper_loader_calls():
        for rel, fetch_name in _requests(monkeypatch, empty, call):
            paths += 1
            assert fetch_name in manifest, fetch_name
            assert rel in manifest[fetch_name].paths, (rel, fetch_name)
            seen.add(fetch_name)
    assert seen == {
        "xnli_mt",
        "squad_translate_train",
        "opus100",
        "opus100_xnli",
        "paracrawl_en_sw",
    }
    # one file per XNLI-MT / SQuAD language, two per OPUS-100 split and for ParaCrawl
    assert paths == 15 + 6 + 13 * 3 * 2 + 2


def test_opus100_languages_are_those_of_the_manifest():
    manifest = data.load_manifest()
    for entry in ("opus100", "opus100_xnli"):
        pairs = {p.split("/")[4] for p in manifest[entry].paths}
        langs = {next(x for x in pair.split("-") if x != "en") for pair in pairs}
        assert langs == {lang for lang, e in data.OPUS100_ENTRIES.items() if e == entry}
