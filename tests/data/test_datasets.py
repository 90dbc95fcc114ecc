"""weamlib.data.datasets: the real files in ../shared/data, the manifest, fetch, safe extraction."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import re
import shutil
import tarfile
import threading
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from weamlib.cli.main import main as cli_main
from weamlib.core.errors import ConfigError, DataFormatError, WeamError
from weamlib.data import datasets as data
from weamlib.data import formats

MLQA_COUNTS = {"en": 1148, "de": 512, "es": 500, "ar": 517, "hi": 507, "vi": 511, "zh": 504}
GOLD_COUNTS = {"en-fr": 447, "zh-en": 450, "ja-en": 582, "de-en": 508}
TATOEBA_COUNTS = {code: 1000 for code in data.TATOEBA_LANGS} | {"swh": 390, "tha": 548}
XQUAD_COUNTS = {
    lang: 1190 for lang in ("ar", "de", "el", "en", "es", "hi", "ro", "ru", "th", "tr", "vi", "zh")
}
LOCAL_ENTRIES = (
    "xnli",
    "mlqa_dev",
    "xquad",
    "xquad_official",
    "tydiqa_goldp_en",
    "un_parallel",
    "tatoeba",
    "gold_alignments",
)


# --------------------------------------------------------------------------- real files


@pytest.mark.parametrize("lang", data.XNLI_LANGS)
def test_xnli_counts_and_labels(shared_data, lang):
    dev = data.load_xnli(lang, "dev", data_dir=shared_data)
    test = data.load_xnli(lang, "test", data_dir=shared_data)
    assert len(dev) == 2490 and len(test) == 5010
    assert Counter(e.label for e in test) == {
        "entailment": 1670,
        "neutral": 1670,
        "contradiction": 1670,
    }
    assert set(e.label for e in dev) == set(formats.NLI_LABELS)
    assert all(e.premise and e.hypothesis for e in dev + test)


def test_xnli_test_labels_shared_across_languages(shared_data):
    en = data.load_xnli("en", "test", data_dir=shared_data)
    sw = data.load_xnli("sw", "test", data_dir=shared_data)
    assert [e.label for e in en] == [e.label for e in sw]
    # premise groups: each premise has one hypothesis of each label (SOURCES.md)
    groups: dict[str, list[str]] = {}
    for ex in en:
        groups.setdefault(ex.premise, []).append(ex.label)
    assert all(sorted(v) == sorted(formats.NLI_LABELS) for v in groups.values() if len(v) == 3)


@pytest.mark.parametrize(("lang", "count"), MLQA_COUNTS.items())
def test_mlqa_dev_counts(shared_data, lang, count):
    examples = data.load_mlqa(lang, "dev", data_dir=shared_data)
    assert len(examples) == count
    assert all(len(ex.answers) == 1 for ex in examples)  # offsets were checked by the reader


@pytest.mark.parametrize("lang", data.XQUAD_LANGS)
def test_xquad_counts(shared_data, lang):
    """The official files (xquad_official/, preferred): 1190 QAs in each of the 12
    languages, each with its answer, parallel to English item by item."""
    assert (shared_data / "xquad_official" / f"xquad.{lang}.json").is_file()
    examples = data.load_xquad(lang, data_dir=shared_data)
    assert len(examples) == XQUAD_COUNTS[lang]
    assert all(len(ex.answers) == 1 for ex in examples)
    for ex in examples:
        for text, start in ex.answers:
            assert text and ex.context[start : start + len(text)] == text, ex.id
    english = data.load_xquad("en", data_dir=shared_data)
    assert [ex.id for ex in examples] == [ex.id for ex in english]


def test_xquad_languages(shared_data):
    assert set(data.XQUAD_LANGS) == set(XQUAD_COUNTS)
    present = sorted(p.name for p in (shared_data / "xquad_official").glob("xquad.*.json"))
    assert present == sorted(f"xquad.{lang}.json" for lang in XQUAD_COUNTS)


@pytest.mark.parametrize("lang", ["en", "de", "es", "tr", "vi", "zh"])
def test_xquad_xtreme_copy_is_the_official_set_without_answers(shared_data, lang):
    """xquad/ (XTREME's copy, the fallback) holds the same questions, answers blanked."""
    xtreme = formats.read_squad_json(shared_data / "xquad" / f"xquad.{lang}.json")
    official = data.load_xquad(lang, data_dir=shared_data)
    assert all(ex.answers == () for ex in xtreme)
    assert [(ex.id, ex.question, ex.context) for ex in xtreme] == [
        (ex.id, ex.question, ex.context) for ex in official
    ]


def test_load_xquad_falls_back_to_the_xtreme_copy(shared_data, tmp_path):
    (tmp_path / "xquad").mkdir()
    shutil.copy(shared_data / "xquad" / "xquad.de.json", tmp_path / "xquad")
    examples = data.load_xquad("de", data_dir=tmp_path)
    assert len(examples) == XQUAD_COUNTS["de"]
    assert all(ex.answers == () for ex in examples)
    with pytest.raises(FileNotFoundError, match="xquad_official/xquad.el.json"):
        data.load_xquad("el", data_dir=tmp_path)


def test_tydiqa_en_counts(shared_data):
    train = data.load_tydiqa_en("train", data_dir=shared_data)
    dev = data.load_tydiqa_en("dev", data_dir=shared_data)
    assert (len(train), len(dev)) == (3696, 440)
    assert all(len(ex.answers) == 1 for ex in train)


@pytest.mark.parametrize("split", ["dev", "test"])
@pytest.mark.parametrize("lang", data.UN_LANGS)
def test_un_parallel_counts(shared_data, lang, split):
    pairs = data.load_parallel_real("un_v1.0", lang, split, data_dir=shared_data)
    assert len(pairs) == 4000
    raw = data.load_parallel_real("un_v1.0", lang, split, data_dir=shared_data, tokenized=False)
    assert len(raw) == 4000 and raw[0][0] == " ".join(pairs[0][0])


@pytest.mark.parametrize(("code", "count"), TATOEBA_COUNTS.items())
def test_tatoeba_counts(shared_data, code, count):
    assert len(data.load_parallel_real("tatoeba", code, data_dir=shared_data)) == count


def test_tatoeba_two_letter_alias(shared_data):
    assert data.load_parallel_real(
        "tatoeba", "de", data_dir=shared_data
    ) == data.load_parallel_real("tatoeba", "deu", data_dir=shared_data)


@pytest.mark.parametrize(("pair", "count"), GOLD_COUNTS.items())
def test_gold_alignment_counts_and_ranges(shared_data, pair, count):
    pairs, gold = data.load_gold_alignment(pair, data_dir=shared_data)
    assert len(pairs) == len(gold) == count
    for (src, tgt), links in zip(pairs, gold, strict=True):
        assert links.sure <= links.possible
        assert all(0 <= i < len(src) and 0 <= j < len(tgt) for i, j in links.possible)
    assert sum(len(g.possible) for g in gold) > count  # not empty


def test_gold_alignment_orders(shared_data):
    pairs, _ = data.load_gold_alignment("en-fr", data_dir=shared_data)
    assert "the" in {w.lower() for s, _ in pairs for w in s}
    zh, _ = data.load_gold_alignment("zh-en", data_dir=shared_data)
    assert re.search(r"[\u4e00-\u9fff]", " ".join(zh[0][0]))
    de, _ = data.load_gold_alignment("de-en", data_dir=shared_data)
    assert de[0][0][:2] == ["Wir", "glauben"]
    ja, _ = data.load_gold_alignment("ja-en", data_dir=shared_data)
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", " ".join(ja[0][0]))
    # the reversed name swaps sentences and links
    en_de, gold_rev = data.load_gold_alignment("en-de", data_dir=shared_data)
    _, gold = data.load_gold_alignment("de-en", data_dir=shared_data)
    assert en_de[0] == (de[0][1], de[0][0])
    assert gold_rev[5].possible == {(j, i) for i, j in gold[5].possible}


def test_enfr_has_possible_links_and_link_total(shared_data):
    _, gold = data.load_gold_alignment("en-fr", data_dir=shared_data)
    assert sum(len(g.possible) for g in gold) == 17438  # SOURCES.md
    assert sum(len(g.possible - g.sure) for g in gold) > sum(len(g.sure) for g in gold)


def test_jaen_talp_plus_one_equals_awesome_gold(shared_data):
    root = shared_data / "word_alignment"
    talp = formats.read_pharaoh(root / "cross-align/data/jaen.talp", one_based=False)
    gold = formats.read_pharaoh(root / "awesome-align/examples/jaen.gold", one_based=True)
    assert len(talp) == len(gold) == 582
    assert talp == gold
    # and textually: every 0-based index + 1 gives the 1-based line
    talp_lines = formats.read_lines(root / "cross-align/data/jaen.talp")
    gold_lines = formats.read_lines(root / "awesome-align/examples/jaen.gold")
    shifted = [
        re.sub(r"\d+", lambda m: str(int(m.group()) + 1), line).split() for line in talp_lines
    ]
    assert shifted == [line.split() for line in gold_lines]


@pytest.mark.parametrize("name", LOCAL_ENTRIES)
def test_local_checksums_match_sources(shared_data, name):
    dataset = data.load_manifest()[name]
    assert data.verify_files(shared_data, dataset.files) == len(dataset.files)
    assert data.fetch(name, data_dir=shared_data) == shared_data


def test_manifest_checksums_are_those_of_sources_md(shared_data):
    listed = dict(
        (p, h)
        for h, p in re.findall(
            r"^([0-9a-f]{64})  (\S+)$", (shared_data / "SOURCES.md").read_text(), re.M
        )
    )
    manifest = {f.path: f.sha256 for ds in data.load_manifest().values() for f in ds.files}
    assert listed, "SOURCES.md lists no checksums"
    assert {p: manifest.get(p) for p in listed} == listed


def test_available_real_datasets(shared_data):
    present = data.available_real_datasets(shared_data)
    assert set(present) == set(data.load_manifest())
    assert all(present[name] for name in LOCAL_ENTRIES)
    assert not present["multinli"] and not present["squad_v1.1"]


# --------------------------------------------------------------------------- paper-profile entries

PAPER_ENTRIES = (
    "multinli",
    "xnli_official",
    "xnli_mt",
    "squad_v1.1",
    "squad_translate_train",
    "mlqa",
    "opus100",
    "opus100_xnli",
    "paracrawl_en_sw",
)
BITEXT_ENTRIES = ("opus100", "opus100_xnli", "paracrawl_en_sw")


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _raw_manifest() -> dict:
    import yaml

    return yaml.safe_load(data.manifest_path().read_text(encoding="utf-8"))["datasets"]


def test_every_entry_says_who_uses_it_and_its_licence():
    raw = _raw_manifest()
    assert set(raw) == set(data.load_manifest())
    for name, entry in raw.items():
        assert str(entry.get("used_by", "")).strip(), f"{name} has no used_by"
        assert str(entry.get("licence", "")).strip(), f"{name} has no licence"


@pytest.mark.parametrize("name", PAPER_ENTRIES)
def test_paper_entries_download_over_https(name):
    dataset = data.load_manifest()[name]
    urls = [f.url for f in dataset.files] + [a.url for a in dataset.archives]
    assert urls and all(u and u.startswith("https://") for u in urls), urls
    assert dataset.official_urls and dataset.title and dataset.licence
    # a checksum taken from elsewhere says where it comes from
    raw = _raw_manifest()[name]
    for part in (raw.get("files") or []) + (raw.get("archives") or []):
        if part.get("sha256"):
            assert "huggingface/datasets" in part.get("sha256_source", ""), part["url"]


def test_paper_entries_are_not_in_the_shared_data_dir(shared_data):
    present = data.available_real_datasets(shared_data)
    assert not any(present[name] for name in PAPER_ENTRIES)


def test_xnli_mt_provides_a_training_set_per_xnli_language():
    (archive,) = data.load_manifest()["xnli_mt"].archives
    assert archive.sha256 and archive.format == "zip"
    assert set(archive.provides) == {
        f"XNLI-MT-1.0/multinli/multinli.train.{lang}.tsv" for lang in data.XNLI_LANGS
    }


def test_squad_translate_train_covers_mlqa_languages_and_is_unverified():
    dataset = data.load_manifest()["squad_translate_train"]
    langs = {re.search(r"\.en-(\w+)\.json$", f.path).group(1) for f in dataset.files}
    assert langs == set(data.MLQA_LANGS) - {"en"}
    for f in dataset.files:  # no checksum was known offline: null, never a guess
        assert f.sha256 is None and f.url.endswith(_basename(f.path))
    assert not dataset.verified


def test_squad_translate_train_fetch_refuses_without_allow_unverified(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    dest = tmp_path / "dl"
    with pytest.raises(WeamError, match="squad.translate.train.en-de.json.*allow-unverified"):
        data.fetch("squad_translate_train", dest=dest, data_dir=empty, progress=False)
    assert not dest.exists()  # refused before downloading anything


def test_bitext_covers_english_and_every_xnli_language():
    manifest = data.load_manifest()
    covered = {}
    for name in BITEXT_ENTRIES:
        dataset = manifest[name]
        assert dataset.verified, name
        for archive in dataset.archives:
            for path in archive.provides:
                assert path.startswith("parallel/"), path
                pair_langs = re.search(r"\.(\w\w)-(\w\w)[.-]", _basename(path)).groups()
                assert "en" in pair_langs, path
                covered.setdefault(next(x for x in pair_langs if x != "en"), set()).add(path)
    assert set(covered) == set(data.XNLI_LANGS) - {"en"}
    for lang, paths in covered.items():  # both sides of every training set
        train = {p for p in paths if "-train." in p or p.startswith("parallel/paracrawl")}
        assert {p.rsplit(".", 1)[-1] for p in train} == {"en", lang}, lang


# --------------------------------------------------------------------------- loader errors


def test_unknown_codes_are_config_errors(shared_data):
    with pytest.raises(ConfigError, match="'xx'.*en, fr"):
        data.load_xnli("xx", "dev", data_dir=shared_data)
    with pytest.raises(ConfigError, match="split 'train'"):
        data.load_xnli("en", "train", data_dir=shared_data)
    with pytest.raises(ConfigError, match="'fr'.*en, es, de"):
        data.load_mlqa("fr", data_dir=shared_data)
    with pytest.raises(ConfigError, match="'de'.*ar, es"):
        data.load_parallel_real("un_v1.0", "de", data_dir=shared_data)
    with pytest.raises(ConfigError, match="'klingon'"):
        data.load_parallel_real("tatoeba", "klingon", data_dir=shared_data)
    with pytest.raises(ConfigError, match="'europarl'"):
        data.load_parallel_real("europarl", "de", data_dir=shared_data)
    with pytest.raises(ConfigError, match="'ro-en'.*de-en"):
        data.load_gold_alignment("ro-en", data_dir=shared_data)
    with pytest.raises(ConfigError, match="unknown dataset 'nope'"):
        data.fetch("nope")


def test_missing_data_dir_is_clear(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.load_xnli("en", "dev", data_dir=tmp_path / "absent")
    monkeypatch.setattr(data, "default_data_dir", lambda: None)
    monkeypatch.setenv("WEAM_DOWNLOAD_DIR", str(tmp_path / "downloads"))
    with pytest.raises(FileNotFoundError, match="no real-data directory.*WEAM_DATA_DIR"):
        data.load_mlqa("en")
    with pytest.raises(
        FileNotFoundError, match=r"multinli_1.0_train.jsonl not found.*fetch multinli"
    ):
        data.load_multinli("train", data_dir=tmp_path)


def test_tampered_file_fails_checksum(shared_data, tmp_path):
    dataset = data.load_manifest()["gold_alignments"]
    for f in dataset.files:
        (tmp_path / f.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_data / f.path, tmp_path / f.path)
    assert data.fetch("gold_alignments", data_dir=tmp_path) == tmp_path
    victim = tmp_path / "word_alignment/awesome-align/examples/zhen.gold"
    victim.write_bytes(victim.read_bytes().replace(b"1-1", b"1-2", 1))
    with pytest.raises(data.ChecksumError, match="zhen.gold"):
        data.fetch("gold_alignments", data_dir=tmp_path)


def test_manifest_errors_name_entry(tmp_path):
    path = tmp_path / "m.yml"
    path.write_text("datasets:\n  x:\n    files:\n      - path: ../up\n        sha256: null\n")
    with pytest.raises(DataFormatError, match=r"datasets\.x\.files\[0\].*inside the data dir"):
        data.load_manifest(path)
    path.write_text("datasets:\n  x:\n    files:\n      - path: a\n        sha256: abc\n")
    with pytest.raises(DataFormatError, match="64 lowercase hex"):
        data.load_manifest(path)


# --------------------------------------------------------------------------- downloads


def _sha(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


@pytest.fixture
def fake_manifest(tmp_path, monkeypatch):
    """Point the manifest at a file written by the test; returns a writer."""
    path = tmp_path / "manifest.yml"
    monkeypatch.setattr(data, "manifest_path", lambda: path)
    monkeypatch.setattr(data, "default_data_dir", lambda: None)

    def write(text: str) -> Path:
        path.write_text(text, encoding="utf-8")
        return path

    return write


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    """A folder served over http://127.0.0.1:PORT/ for the duration of a test."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_file_url_verifies_checksum(tmp_path):
    src = tmp_path / "src.txt"
    src.write_bytes(b"hello ||| hallo\n")
    target = tmp_path / "out" / "p.txt"
    assert data.download(src.as_uri(), target, _sha(b"hello ||| hallo\n"), progress=False)
    assert target.read_bytes() == b"hello ||| hallo\n"
    other = tmp_path / "out" / "q.txt"
    with pytest.raises(data.ChecksumError, match="does not match"):
        data.download(src.as_uri(), other, "0" * 64, progress=False)
    assert sorted(p.name for p in other.parent.iterdir()) == ["p.txt"]  # no partial file
    with pytest.raises(ConfigError, match="scheme"):
        data.download("ftp://example.org/x", other, None)


def test_fetch_over_http_files_and_archives(tmp_path, http_root, fake_manifest):
    root, base = http_root
    pair_file = b"a b ||| c d\n"
    (root / "pairs.txt").write_bytes(pair_file)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("set/dev.txt", "x ||| y\n")
        zf.writestr("__MACOSX/set/._dev.txt", "junk")
    (root / "set.zip").write_bytes(buf.getvalue())
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w:gz") as tf:
        blob = b"0-0\n"
        info = tarfile.TarInfo("gold/a.gold")
        info.size = len(blob)
        tf.addfile(info, io.BytesIO(blob))
    (root / "gold.tar.gz").write_bytes(tar_buf.getvalue())
    fake_manifest(f"""
datasets:
  demo:
    title: demo
    licence: none
    files:
      - path: demo/pairs.txt
        url: {base}/pairs.txt
        sha256: {_sha(pair_file)}
    archives:
      - url: {base}/set.zip
        sha256: {_sha(buf.getvalue())}
        format: zip
        extract_to: demo
        provides: [demo/set/dev.txt]
      - url: {base}/gold.tar.gz
        sha256: {_sha(tar_buf.getvalue())}
        format: tar.gz
        extract_to: .
        provides: [gold/a.gold]
""")
    dest = tmp_path / "dl"
    assert data.fetch("demo", dest=dest, progress=False) == dest
    assert formats.read_parallel(dest / "demo/pairs.txt") == [(["a", "b"], ["c", "d"])]
    assert (dest / "demo/set/dev.txt").read_text() == "x ||| y\n"
    assert not (dest / "demo/__MACOSX").exists()
    assert formats.read_pharaoh(dest / "gold/a.gold")[0].sure == {(0, 0)}
    assert not [p for p in dest.rglob(".*") if p.name != ".gitignore"]  # no temporary leftovers
    # a second fetch finds everything in place (the server is not needed any more)
    (root / "pairs.txt").unlink()
    assert data.fetch("demo", dest=dest, progress=False) == dest


def test_fetch_refuses_unverified_unless_allowed(tmp_path, fake_manifest):
    src = tmp_path / "u.txt"
    src.write_text("data\n")
    fake_manifest(f"""
datasets:
  loose:
    files:
      - path: loose/u.txt
        url: {src.as_uri()}
        sha256: null
""")
    dest = tmp_path / "dl"
    with pytest.raises(WeamError, match="refusing to download unverified"):
        data.fetch("loose", dest=dest, progress=False)
    assert not dest.exists()
    assert data.fetch("loose", dest=dest, allow_unverified=True, progress=False) == dest
    assert (dest / "loose/u.txt").read_text() == "data\n"


def test_fetch_bad_checksum_leaves_nothing(tmp_path, fake_manifest):
    src = tmp_path / "x.txt"
    src.write_text("tampered\n")
    fake_manifest(f"""
datasets:
  x:
    files:
      - path: x/x.txt
        url: {src.as_uri()}
        sha256: {"ab" * 32}
""")
    dest = tmp_path / "dl"
    with pytest.raises(data.ChecksumError):
        data.fetch("x", dest=dest, progress=False)
    assert not (dest / "x").exists() or not any((dest / "x").iterdir())


# --------------------------------------------------------------------------- safe extraction


def _tar(path: Path, members: list[tarfile.TarInfo]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for m in members:
            if m.isfile():
                tf.addfile(m, io.BytesIO(b"x" * m.size))
            else:
                tf.addfile(m)
    return path


def _file(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = 1
    return info


def _link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize(
    ("members", "match"),
    [
        ([_file("ok.txt"), _file("../evil.txt")], "'..'"),
        ([_file("/etc/evil.txt")], "absolute"),
        ([_file("a/../../evil.txt")], "'..'"),
        ([_link("a/link", "../../outside", tarfile.SYMTYPE)], "symlink"),
        ([_link("link", "/etc/passwd", tarfile.SYMTYPE)], "symlink"),
        ([_file("f"), _link("hard", "../f", tarfile.LNKTYPE)], "hard link"),
    ],
)
def test_tar_traversal_refused(tmp_path, members, match):
    archive = _tar(tmp_path / "evil.tar.gz", members)
    dest = tmp_path / "dest"
    with pytest.raises(data.UnsafeArchiveError, match=match):
        data.extract_archive(archive, dest, "tar.gz")
    assert not (tmp_path / "evil.txt").exists()
    assert not dest.exists() or not any(dest.iterdir())


def test_tar_inner_links_allowed(tmp_path):
    archive = _tar(tmp_path / "ok.tar.gz", [_file("d/f"), _link("d/l", "f", tarfile.SYMTYPE)])
    written = data.extract_archive(archive, tmp_path / "dest", "tar.gz")
    assert sorted(p.relative_to(tmp_path / "dest").as_posix() for p in written) == ["d/f", "d/l"]


@pytest.mark.parametrize(
    ("name", "match"),
    [("../evil.txt", "'..'"), ("/abs/evil.txt", "absolute"), ("C:/evil.txt", "absolute"),
     ("a\\..\\..\\evil.txt", "'..'")],
)  # fmt: skip
def test_zip_traversal_refused(tmp_path, name, match):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", "fine")
        zf.writestr(zipfile.ZipInfo(name), "evil")
    dest = tmp_path / "dest"
    with pytest.raises(data.UnsafeArchiveError, match=match):
        data.extract_archive(archive, dest, "zip")
    assert not (tmp_path / "evil.txt").exists()
    assert not dest.exists() or not any(dest.iterdir())


def test_zip_symlink_refused(tmp_path):
    archive = tmp_path / "link.zip"
    info = zipfile.ZipInfo("link")
    info.external_attr = 0o120777 << 16
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(data.UnsafeArchiveError, match="symbolic link"):
        data.extract_archive(archive, tmp_path / "dest", "zip")


# --------------------------------------------------------------------------- CLI


def test_cli_fetch_list_and_errors(shared_data, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("WEAM_DATA_DIR", str(shared_data))
    assert cli_main(["fetch", "--list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^gold_alignments\s+yes\s+yes", out, re.M)
    assert re.search(r"^un_parallel_official\s+no\s+NO", out, re.M)
    assert cli_main(["fetch", "tatoeba"]) == 0
    # WEAM_DATA_DIR is resolved (../shared may be a symbolic link): compare resolved paths
    assert Path(capsys.readouterr().out.strip()).resolve() == shared_data.resolve()
    link = tmp_path / "data-link"  # the same through a symbolic link
    link.symlink_to(shared_data.resolve(), target_is_directory=True)
    monkeypatch.setenv("WEAM_DATA_DIR", str(link))
    assert cli_main(["fetch", "tatoeba"]) == 0
    assert Path(capsys.readouterr().out.strip()).resolve() == shared_data.resolve()
    assert cli_main(["fetch", "nope"]) == 2
    assert "unknown dataset 'nope'" in capsys.readouterr().err
    assert cli_main(["fetch"]) == 2


def test_fetch_xnli_without_local_copy_points_to_official(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    dest = tmp_path / "dl"
    with pytest.raises(WeamError, match="test_labels.tsv has no download URL.*'xnli_official'"):
        data.fetch("xnli", dest=dest, data_dir=empty, progress=False)
    assert not dest.exists()  # refused before downloading anything


def test_load_xnli_reads_official_combined_layout(tmp_path):
    folder = tmp_path / "XNLI-1.0"
    folder.mkdir()
    header = "language\tgold_label\tsentence1\tsentence2"
    rows = ["en\tneutral\tA\tB", "sw\tentailment\tC\tD", "sw\tcontradiction\tE\tF"]
    (folder / "xnli.test.tsv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    assert data.load_xnli("sw", "test", data_dir=tmp_path) == [
        formats.NLIExample("C", "D", "entailment"),
        formats.NLIExample("E", "F", "contradiction"),
    ]
    with pytest.raises(FileNotFoundError, match="xnli.dev.tsv"):
        data.load_xnli("sw", "dev", data_dir=tmp_path)
