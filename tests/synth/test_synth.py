"""Tests of the synthetic typology suite (weamlib.synth) and the ``weamlib synth`` command."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import shutil
from pathlib import Path

import pytest
import yaml

from weamlib.cli.main import main as cli_main
from weamlib.core.errors import ConfigError
from weamlib.data import formats
from weamlib.data.suitefiles import (
    load_nli,
    load_parallel,
    load_qa,
    load_question_types,
    suite_languages,
)
from weamlib.synth.baselines import (
    hypothesis_only_accuracy,
    naive_bayes_accuracy,
    premise_only_accuracy,
)
from weamlib.synth.inference import nli_label
from weamlib.synth.language import languages_dir, load_language, load_spec
from weamlib.synth.meaning import NUMBERS, Entity, Event, MeaningSampler, Place, Question, name_text
from weamlib.synth.realise import EN_PAST, EN_TIME, gold_links, realise, realise_question, text
from weamlib.synth.suite import SynthConfig, build_suite, ensure_suite
from weamlib.synth.tasks import (
    TaskKnobs,
    add_noise,
    english_length,
    realise_context,
    sample_nli,
    sample_qa_item,
    surface_signature,
)

LANGS = ("en", "feng", "vela", "dorn", "kesh", "sund", "tavo", "hoza")
E, N, C = "entailment", "neutral", "contradiction"


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def smoke_suite(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("suite") / "smoke"
    build_suite(SynthConfig.for_profile("smoke"), out)
    return out


@pytest.fixture(scope="module")
def langs():
    return {code: load_language(code) for code in LANGS}


def _events(n: int, seed: int = 0) -> list[Event]:
    sampler = MeaningSampler(random.Random(seed))
    return [sampler.event() for _ in range(n)]


# --- determinism and files ---------------------------------------------------------------


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(smoke_suite, tmp_path):
    again = tmp_path / "again"
    build_suite(SynthConfig.for_profile("smoke"), again)
    assert _hashes(again) == _hashes(smoke_suite)
    other = tmp_path / "other"
    build_suite(SynthConfig.for_profile("smoke", seed=1), other)
    differ = [k for k, v in _hashes(other).items() if _hashes(smoke_suite)[k] != v]
    assert "nli/train-en.tsv" in differ and "mono/en.txt" in differ


def test_manifest_lists_every_file_with_its_count(smoke_suite):
    import json

    from weamlib.core.outdirs import MARKER

    manifest = json.loads((smoke_suite / "manifest.json").read_text())
    listed = {f["path"] for f in manifest["files"]}
    # the marker that lets a later build replace the folder is not a file of the suite
    on_disk = {k for k in _hashes(smoke_suite) if k not in ("manifest.json", "README.md", MARKER)}
    assert listed == on_disk
    for lang in LANGS:
        assert f"mono/{lang}.txt" in listed
        assert f"nli/dev-{lang}.tsv" in listed and f"nli/test-{lang}.tsv" in listed
        assert f"qa/dev-context-{lang}-question-{lang}.json" in listed
        if lang != "en":
            assert {
                f"parallel/en-{lang}.txt",
                f"parallel/en-{lang}.gold",
                f"nli/translate-train-{lang}.tsv",
                f"qa/translate-train-context-{lang}-question-{lang}.json",
            } <= listed
    counts = {f["path"]: f["count"] for f in manifest["files"]}
    assert counts["nli/train-en.tsv"] == 600
    assert len(load_nli(smoke_suite, "train", "en")) == 600
    assert suite_languages(smoke_suite) == list(LANGS)


def test_dev_and_test_items_are_the_same_in_every_language(smoke_suite):
    labels = {lang: [e.label for e in load_nli(smoke_suite, "dev", lang)] for lang in LANGS}
    assert all(v == labels["en"] for v in labels.values())
    ids = {lang: [q.id for q in load_qa(smoke_suite, "test", lang)] for lang in LANGS}
    assert all(v == ids["en"] for v in ids.values())
    premises = {lang: load_nli(smoke_suite, "dev", lang)[0].premise for lang in LANGS}
    assert len(set(premises.values())) == len(LANGS)  # but realised differently


def test_interrupted_build_leaves_nothing(tmp_path, monkeypatch):
    from weamlib.synth import suite as suite_module

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(suite_module, "_qa", boom)
    with pytest.raises(KeyboardInterrupt):
        build_suite(SynthConfig.for_profile("smoke"), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_ensure_suite_builds_once_through_the_run_store(run_store, monkeypatch):
    path = ensure_suite("smoke", seed=3, store=run_store, nli_train=30, qa_train=9)
    assert (path / "manifest.json").is_file() and len(load_nli(path, "train", "en")) == 30
    from weamlib.synth import suite as suite_module

    monkeypatch.setattr(suite_module, "build_suite", lambda *a, **k: pytest.fail("rebuilt"))
    assert ensure_suite("smoke", seed=3, store=run_store, nli_train=30, qa_train=9) == path
    with pytest.raises(ConfigError, match="unknown suite parameter 'nli_size'"):
        ensure_suite("smoke", store=run_store, nli_size=3)


def test_a_suite_built_in_a_books_kernel_reports_each_step_to_the_progress_file(
    run_store, monkeypatch, tmp_path
):
    # a kernel's tqdm bar reaches the notebook, not the terminal: the book echoes this file
    lines = tmp_path / "progress.log"
    monkeypatch.setenv("WEAM_PROGRESS_FILE", str(lines))
    ensure_suite("smoke", seed=4, store=run_store, nli_train=30, qa_train=9)
    got = lines.read_text(encoding="utf-8").splitlines()
    n = 4 * len(SynthConfig.for_profile("smoke").languages) - 3
    assert len(got) == n
    assert got[0].startswith("  [synthetic suite smoke] mono en: 1/")
    assert got[-1].endswith(f"{n}/{n}, 0 s left")
    assert all("s left" in line for line in got)


def test_cli_writes_the_suite(tmp_path, capsys):
    assert (
        cli_main(["synth", "--profile", "smoke", "--out", str(tmp_path / "s"), "--seed", "2"]) == 0
    )
    assert (tmp_path / "s" / "qa" / "train-context-en-question-en.json").is_file()
    assert "wrote" in capsys.readouterr().out


# --- gold alignments -------------------------------------------------------------------------


_FUNCTION_GLOSS = {
    "the": {"DEF"},
    "to": {"DAT", "to"},
    "in": {"IN", "in"},
    "near": {"NEAR", "near"},
    "did": {"PST"},
    "will": {"FUT"},
    "not": {"NEG"},
}
_TIME_WORDS = {
    "last": "last_night",
    "night": "last_night",
    "next": "next_week",
    "week": "next_week",
}


def _allowed_glosses(word: str) -> set[str]:
    """Gloss pieces a target word linked to English ``word`` may carry, worked out from the
    English word alone (not from the meaning elements the links are computed from)."""
    from weamlib.synth.meaning import NOUNS

    if word in _FUNCTION_GLOSS:
        return _FUNCTION_GLOSS[word]
    if word in _TIME_WORDS:
        return {_TIME_WORDS[word]}
    plurals = {pl: sg for nouns in NOUNS.values() for sg, pl in nouns}
    pasts = {past: verb for verb, past in EN_PAST.items()}
    if word in pasts:  # a past form realises the verb and the past tense
        return {pasts[word], "PST"}
    return {plurals.get(word, word)}


# The synthetic languages, glossed by grams; feng glosses by the English words themselves
# (its links are English's with itself: test_fake_english_...).
@pytest.mark.parametrize("code", [c for c in LANGS[1:] if c != "feng"])
def test_every_gold_link_joins_words_of_the_same_meaning(langs, code):
    en, lang = langs["en"], langs[code]
    one_to_many = 0
    for event in _events(150, seed=7):
        src, tgt = realise(en, event), realise(lang, event)
        links = gold_links(src, tgt)
        assert all(0 <= i < len(src) and 0 <= j < len(tgt) for i, j in links)
        for i, j in links:
            if src[i].form == ".":
                assert j == len(tgt) - 1
                continue
            pieces = set(tgt[j].gloss.split("-"))
            assert pieces & _allowed_glosses(src[i].form), (code, src[i].form, tgt[j].gloss)
        # every English content word is linked
        linked = {i for i, _ in links}
        for i, tok in enumerate(src):
            if tok.form not in _FUNCTION_GLOSS:
                assert i in linked, (code, text(src), tok.form)
        fan_out = [sum(1 for k, _ in links if k == i) for i in range(len(src))]
        fan_in = [sum(1 for _, k in links if k == j) for j in range(len(tgt))]
        one_to_many += max(fan_out) > 1 or max(fan_in) > 1
    if code in ("dorn", "kesh", "vela"):  # affixes fuse morphemes English writes as words
        assert one_to_many > 50


def test_gold_file_round_trips_with_indices_in_range(smoke_suite):
    pairs, gold = load_parallel(smoke_suite, "dorn")
    assert len(pairs) == len(gold) == 300
    assert all(g.sure for g in gold)


# --- word order and typology -------------------------------------------------------------------


def _transitive(negated=False, tense="past"):
    return Event(
        "see", Entity("dog"), Entity("cat", (("colour", "red"),)), tense=tense, negated=negated
    )


def _index(tokens, element):
    return [i for i, t in enumerate(tokens) if element in t.elements]


def test_word_orders_are_realised_as_specified(langs):
    event = _transitive()
    sov = realise(langs["dorn"], event)  # SOV: the verb is last before the full stop
    assert _index(sov, "verb") == [len(sov) - 2]
    assert _index(sov, "agent")[0] < _index(sov, "patient")[0]
    vso = realise(langs["kesh"], event)
    assert _index(vso, "verb")[0] == 0 and _index(vso, "agent")[0] < _index(vso, "patient")[0]
    svo = realise(langs["en"], event)
    assert [t.form for t in svo] == ["the", "dog", "saw", "the", "red", "cat", "."]
    vela = realise(langs["vela"], event)  # adjective after the noun
    assert _index(vela, "patient")[0] < _index(vela, "patient.attr.colour")[0]
    hoza = realise(langs["hoza"], Event("run", Entity("dog"), time="yesterday"))
    assert _index(hoza, "time") == [0]


def test_adpositions_and_case_suffixes(langs):
    event = Event("run", Entity("dog"), place=Place("in", Entity("park")))
    sund = realise(langs["sund"], event)  # postposition after the noun phrase
    assert _index(sund, "place.rel")[0] > _index(sund, "place")[0]
    vela = realise(langs["vela"], event)  # preposition
    assert _index(vela, "place.rel")[0] < _index(vela, "place")[0]
    dorn = realise(langs["dorn"], event)  # locative suffix: one word realises both
    assert _index(dorn, "place.rel") == _index(dorn, "place")
    assert dorn[_index(dorn, "place")[0]].gloss == "park-IN"


def test_questions_front_or_keep_the_wh_word_in_situ(langs):
    q = Question(_transitive(), "patient")
    assert text(realise_question(langs["en"], q)) == "what did the dog see ?"
    vela = realise_question(langs["vela"], q)
    assert "q" in vela[0].elements  # fronted
    sund = realise_question(langs["sund"], q)
    assert "q" not in sund[0].elements and any("q" in t.elements for t in sund)


def test_scripts_share_no_letters_with_english(langs):
    event = _transitive()
    for code in ("kesh", "sund", "hoza"):
        words = [t.form for t in realise(langs[code], event)[:-1]]
        assert not any(c.isascii() and c.isalpha() for w in words for c in w), (code, words)


# --- NLI ---------------------------------------------------------------------------------


def _ev(agent="dog", attrs=(), verb="run", negated=False, place=None, time=None, count=1):
    return Event(verb, Entity(agent, attrs, count), place=place, time=time, negated=negated)


RED, BLUE = (("colour", "red"),), (("colour", "blue"),)
PARK = Place("in", Entity("park"))


@pytest.mark.parametrize(
    "premise,hypothesis,label",
    [
        (_ev(attrs=RED), _ev(), E),  # dropped modifier
        (_ev(), _ev(agent="animal"), E),  # generalised head
        (_ev(place=PARK, time="yesterday"), _ev(), E),  # dropped event modifiers
        (_ev(negated=True), _ev(negated=True, place=PARK), E),  # negation reverses that
        (_ev(negated=True, place=PARK), _ev(negated=True), N),
        (_ev(attrs=RED), _ev(attrs=BLUE), C),  # exclusive attribute swap
        (_ev(count=2), _ev(count=3), C),  # different numbers
        (_ev(place=PARK), _ev(negated=True), C),  # negation
        (_ev(negated=True), _ev(place=PARK), C),
        (_ev(negated=True, place=PARK), _ev(), N),  # not running in the park != not running
        (_ev(), _ev(attrs=RED), N),  # added information
        (_ev(), _ev(place=PARK), N),
        (_ev(agent="animal"), _ev(), N),
        (_ev(), _ev(verb="sleep"), N),  # unrelated event
        (_ev(agent="dog", attrs=RED), _ev(agent="cat", attrs=BLUE), N),  # other referent
    ],
)
def test_nli_labels_of_hand_worked_pairs(premise, hypothesis, label):
    assert nli_label(premise, hypothesis) == label


def test_nli_labels_are_balanced_and_derived(smoke_suite):
    for split, lang in (("train", "en"), ("dev", "kesh"), ("test", "hoza")):
        counts = {lab: 0 for lab in (E, N, C)}
        for ex in load_nli(smoke_suite, split, lang):
            counts[ex.label] += 1
        assert max(counts.values()) - min(counts.values()) <= 1, counts
    rng = random.Random(5)
    for prem, hyp, label in sample_nli(300, rng, MeaningSampler(rng), TaskKnobs()):
        assert nli_label(prem, hyp) == label


@pytest.fixture(scope="module")
def nli_items():
    """4500 sampled NLI items: 3600 to train a baseline on, 900 (the size of a default dev
    set) to test it on; 3600 is a multiple of 3, so no premise triple straddles the cut."""
    rng = random.Random(11)
    return sample_nli(4500, rng, MeaningSampler(rng), TaskKnobs())


@pytest.fixture(scope="module")
def nli_english(nli_items, langs):
    en = langs["en"]
    return [
        formats.NLIExample(text(realise(en, p)), text(realise(en, h)), lab)
        for p, h, lab in nli_items
    ]


def test_suite_nli_files_hold_premise_triples(smoke_suite):
    for split, lang in (("train", "en"), ("dev", "sund"), ("test", "en")):
        items = load_nli(smoke_suite, split, lang)
        for k in range(0, len(items), 3):
            assert len({e.premise for e in items[k : k + 3]}) == 1
            assert sorted(e.label for e in items[k : k + 3]) == sorted((E, N, C))


def test_hypothesis_only_baseline_sits_near_chance(nli_english):
    examples = nli_english
    accuracy = hypothesis_only_accuracy(examples[:3600], examples[3600:])
    assert abs(accuracy - 1 / 3) < 0.05, accuracy


def test_premise_only_baseline_sits_near_chance(nli_english):
    examples = nli_english
    accuracy = premise_only_accuracy(examples[:3600], examples[3600:])
    assert abs(accuracy - 1 / 3) < 0.05, accuracy


def _bigrams(sentence: str) -> str:
    words = sentence.split()
    return " ".join(f"{a}_{b}" for a, b in zip(words, words[1:], strict=False))


def test_bigrams_and_length_of_one_side_carry_no_label(nli_english):
    train, test = nli_english[:3600], nli_english[3600:]
    features = {"bigrams": _bigrams, "length": lambda s: f"n{len(s.split())}"}
    for side in ("premise", "hypothesis"):
        for name, feature in features.items():
            accuracy = naive_bayes_accuracy(
                [feature(getattr(e, side)) for e in train],
                [e.label for e in train],
                [feature(getattr(e, side)) for e in test],
                [e.label for e in test],
            )
            assert abs(accuracy - 1 / 3) < 0.05, (side, name, accuracy)


def test_nli_items_are_premise_triples_with_matched_hypotheses(nli_items):
    assert len(nli_items) % 3 == 0
    for k in range(0, len(nli_items), 3):
        triple = nli_items[k : k + 3]
        assert len({p for p, _, _ in triple}) == 1
        assert sorted(label for _, _, label in triple) == sorted((E, N, C))
        assert len({surface_signature(h) for _, h, _ in triple}) == 1
        assert all(h != p for p, h, _ in triple)
    cut = sample_nli(7, random.Random(2), MeaningSampler(random.Random(2)), TaskKnobs())
    assert len(cut) == 7 and len({p for p, _, _ in cut[:6]}) == 2


def test_hypothesis_negation_is_equally_frequent_under_every_label(nli_items):
    rates = {}
    for label in (E, N, C):
        hyps = [h for _, h, lab in nli_items if lab == label]
        rates[label] = sum(h.negated for h in hyps) / len(hyps)
    rate = TaskKnobs().nli_negated_premise_rate
    assert all(abs(r - rate) < 0.05 for r in rates.values()), rates
    flips = sum(p.negated != h.negated for p, h, lab in nli_items if lab == C)
    assert flips > 0.2 * len(nli_items) / 3  # negation contradictions are still common


def test_changed_verbs_keep_the_sampled_verb_distribution():
    from collections import Counter

    from weamlib.synth.meaning import VERBS
    from weamlib.synth.tasks import change_verb

    rng = random.Random(4)
    sampler = MeaningSampler(rng)
    before, after = Counter(), Counter()
    for _ in range(20000):
        event = sampler.event()
        changed = change_verb(event, rng, sampler)
        if changed is not None:
            assert changed.verb != event.verb
            assert VERBS[changed.verb][0] == VERBS[event.verb][0]
            before[event.verb] += 1
            after[changed.verb] += 1
    total = sum(before.values())
    assert total > 19000
    # total variation distance; a uniform choice among the fitting verbs gives about 0.11
    assert sum(abs(before[v] - after[v]) for v in VERBS) / (2 * total) < 0.04


def test_english_length_counts_the_realised_words(langs):
    for event in _events(500, seed=9):
        assert english_length(event) == len(realise(langs["en"], event))
        positive = dataclasses.replace(event, negated=False)
        assert english_length(event, negation=False) == len(realise(langs["en"], positive))


def test_unworkable_knobs_are_reported_not_looped_on(monkeypatch):
    from weamlib.synth import tasks
    from weamlib.synth.meaning import MeaningKnobs

    monkeypatch.setattr(tasks, "_PREMISES", 20)
    rng = random.Random(0)
    # no adjectives, no plurals, no polarity flips: nothing can contradict a premise
    sampler = MeaningSampler(rng, MeaningKnobs(attribute_rate=0, plural_rate=0))
    knobs = TaskKnobs(nli_negated_premise_rate=0, nli_polarity_flip_rate=0)
    with pytest.raises(ConfigError, match="no NLI premise"):
        sample_nli(3, rng, sampler, knobs)


def test_polarity_flip_rate_must_allow_balanced_negation():
    knobs = TaskKnobs(nli_negated_premise_rate=0.2, nli_polarity_flip_rate=0.25)
    flips = knobs.polarity_flip_rates
    assert flips[False] == 0.25 and flips[True] == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="nli_polarity_flip_rate"):
        TaskKnobs(nli_negated_premise_rate=0.2, nli_polarity_flip_rate=0.3)
    with pytest.raises(ConfigError, match="nli_polarity_flip_rate"):
        SynthConfig.for_profile("smoke", tasks={"nli_negated_premise_rate": 0.0})


def test_naive_bayes_finds_a_planted_shortcut():
    rng = random.Random(0)
    labels = [rng.choice((E, N, C)) for _ in range(600)]
    texts = [f"{rng.choice(['a', 'b', 'c'])} cue{lab[:3]}" for lab in labels]
    assert naive_bayes_accuracy(texts[:500], labels[:500], texts[500:], labels[500:]) > 0.95


# --- QA ------------------------------------------------------------------------------------


def test_qa_answers_are_at_their_offsets_in_every_language(smoke_suite):
    types = load_question_types(smoke_suite)
    for lang in LANGS:
        for split in ("dev", "test") + (("translate-train",) if lang != "en" else ("train",)):
            for ex in load_qa(smoke_suite, split, lang):
                ((answer, start),) = ex.answers
                assert ex.context[start : start + len(answer)] == answer
                assert ex.id.replace("translate-", "") in types or ex.id in types


def _english_phrase(filler) -> str:
    if isinstance(filler, str):
        return " ".join(EN_TIME[filler])
    if isinstance(filler, Place):
        filler = filler.ground
    if filler.head.startswith("name:"):
        return name_text(filler.head)
    from weamlib.synth.meaning import plural

    attrs = dict(filler.attrs)
    words = ["the"] + ([NUMBERS[filler.count]] if filler.count > 1 else [])
    words += [attrs[d] for d in ("size", "age", "colour") if d in attrs]
    return " ".join(words + [plural(filler.head) if filler.count > 1 else filler.head])


def test_qa_answer_realises_the_asked_role_and_is_unique(langs):
    rng = random.Random(3)
    sampler = MeaningSampler(rng)
    kinds = set()
    for _ in range(200):
        item = sample_qa_item(rng, sampler, TaskKnobs())
        kinds.add(item.kind)
        tokens, (a, b) = realise_context(langs["en"], item)
        expected = _english_phrase(item.events[item.target].role(item.question.role))
        assert " ".join(t.form for t in tokens[a:b]) == expected
        for code in LANGS[1:]:
            toks, (a, b) = realise_context(langs[code], item)
            assert all(not t.elements <= {"place.rel", "recipient.case"} for t in toks[a:b])
    assert kinds == {"who", "what", "whom", "where", "when"}


def test_translation_noise_keeps_the_protected_span():
    words = [f"w{i}" for i in range(40)] + ["."]
    rng = random.Random(0)
    out, span = add_noise(words, 0.5, rng, ["x", "y"], protect=(10, 13))
    assert out[span[0] : span[1]] == ["w10", "w11", "w12"] and out[-1] == "."
    assert out != words
    assert add_noise(words, 0.0, rng, ["x"]) == (words, None)


def test_translate_train_is_noisy_but_keeps_labels(smoke_suite):
    clean = SynthConfig.for_profile("smoke").noise_rate
    assert clean > 0
    tt = load_nli(smoke_suite, "translate-train", "vela")
    train = load_nli(smoke_suite, "train", "en")
    assert [e.label for e in tt] == [e.label for e in train]


# --- validation ------------------------------------------------------------------------------


def _write_spec(folder: Path, code: str, mutate) -> Path:
    data = yaml.safe_load((languages_dir() / "dorn.yml").read_text(encoding="utf-8"))
    data["code"] = code
    mutate(data)
    path = folder / f"{code}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_missing_spec_field_names_file_and_field(tmp_path):
    path = _write_spec(tmp_path, "xyzq", lambda d: d["morphology"].pop("case"))
    with pytest.raises(ConfigError, match=r"xyzq\.yml: field 'morphology\.case': is missing"):
        load_spec(path)


def test_invalid_spec_values_are_refused(tmp_path):
    bad = {
        "script": lambda d: d.update(script="klingon"),
        "word_order": lambda d: d.update(word_order=["S", "V", "O"]),
        "morphology.type": lambda d: d["morphology"].update(type="isolating"),
        "lexicon.cognate_rate": lambda d: d["lexicon"].update(cognate_rate=2),
        "lexicon.syllables": lambda d: d["lexicon"].update(syllables=[3, 1]),
    }
    for field, mutate in bad.items():
        path = _write_spec(tmp_path, "xyzq", mutate)
        with pytest.raises(ConfigError, match=rf"field '{field.split('.')[0]}"):
            load_spec(path)


def test_a_new_spec_file_is_a_new_language(tmp_path):
    for code in LANGS:
        shutil.copy(languages_dir() / f"{code}.yml", tmp_path)
    _write_spec(
        tmp_path,
        "zork",
        lambda d: (
            d.update(script="hangul", word_order=["O", "S", "V", "IO", "PLACE", "TIME"])
            or d["lexicon"].update(cognate_rate=0)
        ),
    )
    lang = load_language("zork", tmp_path)
    tokens = realise(lang, _transitive())
    assert _index(tokens, "patient")[0] < _index(tokens, "agent")[0] < _index(tokens, "verb")[0]
    assert all("\uac00" <= c <= "\ud7a3" for c in tokens[0].form)
    config = SynthConfig.for_profile("smoke", languages=("en", "zork"), spec_dir=str(tmp_path))
    assert config.languages == ("en", "zork")


def test_unknown_language_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown language 'xx'.*dorn.*hoza"):
        load_language("xx")
    with pytest.raises(ConfigError, match="unknown language 'fr'.*known languages: dorn"):
        SynthConfig(languages=("en", "fr"))


def test_config_parameters_are_validated():
    with pytest.raises(ConfigError, match="noise_rate"):
        SynthConfig.for_profile("smoke", noise_rate=1.5)
    with pytest.raises(ConfigError, match="languages"):
        SynthConfig.for_profile("smoke", languages=("vela", "en"))
    with pytest.raises(ConfigError, match="unknown profile"):
        SynthConfig.for_profile("huge")
    with pytest.raises(ConfigError, match="qa_events"):
        SynthConfig.for_profile("smoke", tasks={"qa_events": (0, 2)})
    with pytest.raises(ConfigError, match="attribute_rate"):
        SynthConfig.for_profile("smoke", meaning={"attribute_rate": -1})


def test_fake_english_is_english_in_another_script_with_no_shared_piece(smoke_suite):
    """The script-only control: the same words and order as English, letter for letter in
    Cyrillic, its own punctuation; gold links as English with itself; no word form is shared."""
    from weamlib.synth.scripts import render_letters

    en, fe = load_language("en"), load_language("feng")
    sampler = MeaningSampler(random.Random(3))
    for _ in range(50):
        event = sampler.event()
        a, b = realise(en, event), realise(fe, event)
        assert [render_letters(t.form, "cyrillic") for t in a[:-1]] == [t.form for t in b[:-1]]
        assert gold_links(a, b) == gold_links(a, a)  # English with itself
        assert b[-1].form == "։" and a[-1].form == "."
    q = realise_question(fe, Question(sampler.event(), "agent"))
    assert q[-1].form == "՞" and q[0].form == render_letters("who", "cyrillic")
    pairs, _ = load_parallel(smoke_suite, "feng")
    en_words = {w for s, _ in pairs for w in s}
    fe_words = {w for _, t in pairs for w in t}
    assert not en_words & fe_words
    assert not set("".join(fe_words)) & set("abcdefghijklmnopqrstuvwxyz.?")
