"""Issue 17: nothing lost, nothing cryptic.

Output folders are replaced only when they are a command's own earlier output; bad input
ends in one line ``weamlib CMD: error: ...`` (exit 2) and writes nothing; inputs that
cannot be scored are refused; killed runs leave no litter that later runs keep; written
files honour the umask; messages quote input at a readable length.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from weamlib.cli import main as cli
from weamlib.cli.main import main as cli_main
from weamlib.core import outdirs
from weamlib.core.atomicio import atomic_write_text
from weamlib.core.errors import DataFormatError, UsageError, quote
from weamlib.core.outdirs import MARKER, OutputDirError, check_replaceable
from weamlib.data import datasets as data
from weamlib.data import formats
from weamlib.store.runs import RunStore

REPO = Path(__file__).resolve().parents[2]

PAIRS = "a b ||| c d\nx y z ||| u v\n"
LINKS = "0-0 1-1\n0-0 2-1\n"
XNLI_GOLD = "p1\th1\tentailment\np2\th2\tneutral\n"
XNLI_PRED = "entailment\nneutral\n"
MLQA = {
    "version": "1.0",
    "data": [
        {
            "title": "t",
            "paragraphs": [
                {
                    "context": "the cat sat",
                    "qas": [
                        {
                            "id": "q1",
                            "question": "who sat?",
                            "answers": [{"text": "the cat", "answer_start": 0}],
                        }
                    ],
                }
            ],
        }
    ],
}


def _one_line_error(capsys, command: str) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert err.startswith(f"weamlib {command}: error: "), err
    assert err.count("\n") == 1, err
    return err


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its size and mtime: to tell that nothing was written."""
    return {
        str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory with valid inputs and the four bad paths: ``dir`` (a folder),
    ``missing.txt``, ``empty.txt`` and ``binary.bin``; an isolated run store."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEAM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TQDM_DISABLE", "1")
    (tmp_path / "pairs.txt").write_text(PAIRS, encoding="utf-8")
    (tmp_path / "fwd.txt").write_text(LINKS, encoding="utf-8")
    (tmp_path / "rev.txt").write_text(LINKS, encoding="utf-8")
    (tmp_path / "gold.txt").write_text(LINKS, encoding="utf-8")
    (tmp_path / "gold.tsv").write_text(XNLI_GOLD, encoding="utf-8")
    (tmp_path / "pred.txt").write_text(XNLI_PRED, encoding="utf-8")
    (tmp_path / "data.json").write_text(json.dumps(MLQA), encoding="utf-8")
    (tmp_path / "preds.json").write_text(json.dumps({"q1": "the cat"}), encoding="utf-8")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "thesis.txt").write_text("mine\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 4)
    return tmp_path


# --------------------------------------------------------------------------- every subcommand

BAD_FILES = ("dir", "missing.txt", "empty.txt", "binary.bin")
# {P} is the path under test; the other arguments are valid.
FILE_SLOTS = {
    "align": [
        ["align", "--input", "{P}", "--output", "out.txt"],
    ],
    "symmetrize": [
        ["symmetrize", "{P}", "rev.txt", "--method", "union"],
        ["symmetrize", "fwd.txt", "{P}", "--method", "union"],
        ["symmetrize", "fwd.txt", "rev.txt", "--method", "union", "--text", "{P}"],
    ],
    "aer": [
        ["aer", "--gold", "{P}", "--pred", "fwd.txt"],
        ["aer", "--gold", "gold.txt", "--pred", "{P}"],
        ["aer", "--gold", "gold.txt", "--pred", "fwd.txt", "--text", "{P}"],
    ],
    "evaluate": [
        ["evaluate", "mlqa", "{P}", "preds.json", "en"],
        ["evaluate", "mlqa", "data.json", "{P}", "en"],
        ["evaluate", "xnli", "{P}", "pred.txt"],
        ["evaluate", "xnli", "gold.tsv", "{P}"],
    ],
    "run": [["run", "{P}", "--profile", "smoke"]],
    "params": [["params", "{P}", "--profile", "smoke"]],
}
# Arguments naming something to write, and folders: a folder where a file is written, a
# path under a file, a file (or a foreign folder) where a folder is expected. Outputs may
# be missing (they are created).
DIR_SLOTS = {
    "align": [
        (["align", "--input", "pairs.txt", "--output", "{P}"], ("dir", "empty.txt/out")),
        (
            ["align", "--input", "pairs.txt", "--output", "o", "--reverse-output", "{P}"],
            ("dir", "binary.bin/out"),
        ),
    ],
    "symmetrize": [
        (["symmetrize", "fwd.txt", "rev.txt", "--method", "union", "--output", "{P}"], ("dir",))
    ],
    "book": [(["book", "--book-dir", "{P}", "--no-html"], BAD_FILES)],
    "run": [(["run", "00_environment", "--profile", "smoke", "--out-dir", "{P}"], BAD_FILES[2:])],
    "synth": [(["synth", "--profile", "smoke", "--out", "{P}"], ("dir", *BAD_FILES[2:]))],
    "fetch": [
        (["fetch", "tatoeba", "--data-dir", "{P}"], BAD_FILES[1:]),
        (["fetch", "tatoeba", "--dest", "{P}"], BAD_FILES[2:]),
    ],
    "pretrain": [
        (
            ["pretrain", "--profile", "smoke", "--objective", "base", "--output", "{P}"],
            ("dir", *BAD_FILES[2:]),
        )
    ],
    "runs": [(["runs", action, "--store", "{P}"], BAD_FILES[1:]) for action in ("list", "gc")],
    "finetune": [(["finetune", "xnli", "--profile", "smoke", "--model", "{P}"], BAD_FILES)],
    "results": [(["results", "--profile", "smoke", "--store", "{P}"], BAD_FILES[1:])],
}
PENDING: set[str] = set()


def _cases():
    for command, templates in FILE_SLOTS.items():
        for template in templates:
            for bad in BAD_FILES:
                yield command, template, bad
    for command, slots in DIR_SLOTS.items():
        for template, bads in slots:
            for bad in bads:
                yield command, template, bad


def _subcommands() -> set[str]:
    import argparse

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_the_table_drives_every_subcommand():
    driven = set(FILE_SLOTS) | set(DIR_SLOTS)
    assert _subcommands() - PENDING <= driven, "add the new command to FILE_SLOTS/DIR_SLOTS"
    assert driven <= _subcommands()


@pytest.mark.parametrize(
    ("command", "template", "bad"),
    list(_cases()),
    ids=[f"{' '.join(t[:3])}-{b}" for _, t, b in _cases()],
)
def test_every_subcommand_refuses_bad_paths_in_one_line(
    workdir, capsys, monkeypatch, command, template, bad
):
    import weamlib.study.experiments

    def no_work(*args, **kwargs):
        raise AssertionError("work started before the arguments were checked")

    monkeypatch.setattr(weamlib.study.experiments, "study_suite", no_work)
    monkeypatch.setattr(data, "download", no_work)
    before = _tree(workdir)
    argv = [bad if arg == "{P}" else arg for arg in template]
    assert cli_main(argv) == 2
    err = _one_line_error(capsys, command)
    assert bad in err, err  # names the argument it refuses
    assert _tree(workdir) == before  # nothing written
    assert not (REPO / "book" / "chapters" / "dir").exists()


# --------------------------------------------------------------------------- 1. output folders


def test_synth_refuses_a_folder_it_did_not_write(workdir, capsys):
    assert cli_main(["synth", "--profile", "smoke", "--out", "dir"]) == 2
    err = _one_line_error(capsys, "synth")
    assert "'dir'" in err and "thesis.txt" in err
    assert (workdir / "dir" / "thesis.txt").read_text() == "mine\n"
    assert sorted(p.name for p in workdir.iterdir() if p.name.startswith(".")) == []


def test_synth_languages_are_checked_before_any_work_and_then_written(workdir, capsys):
    before = _tree(workdir)
    assert cli_main(["synth", "--profile", "smoke", "--out", "new", "--languages", "en,xx"]) == 2
    err = _one_line_error(capsys, "synth")
    assert "--languages" in err and "'xx'" in err
    assert _tree(workdir) == before
    assert cli_main(["synth", "--profile", "smoke", "--out", "new", "--languages", "vela,en"]) == 2
    assert "must start with 'en'" in _one_line_error(capsys, "synth")
    assert cli_main(["synth", "--profile", "smoke", "--out", "new", "--languages", "en,feng"]) == 0
    langs = json.loads((workdir / "new" / "manifest.json").read_text())["languages"]
    assert langs == ["en", "feng"]
    assert sorted(p.name for p in (workdir / "new" / "mono").iterdir()) == ["en.txt", "feng.txt"]


def test_synth_refuses_the_working_directory(workdir, capsys, monkeypatch):
    inner = workdir / "inner"
    inner.mkdir()
    monkeypatch.chdir(inner)
    for folder in (".", "..", str(inner)):
        before = _tree(workdir)
        assert cli_main(["synth", "--profile", "smoke", "--out", folder]) == 2
        assert "working directory" in _one_line_error(capsys, "synth")
        assert _tree(workdir) == before
    assert not [p.name for p in workdir.rglob(".*")]


def test_a_suite_replaces_only_an_empty_folder_or_its_own(tmp_path):
    from weamlib.synth.suite import SynthConfig, build_suite

    config = SynthConfig.for_profile("smoke")
    empty = tmp_path / "empty"
    empty.mkdir()
    build_suite(config, empty)
    assert (empty / MARKER).read_text().startswith("weamlib synth\n")
    (empty / "mono" / "en.txt").write_text("edited\n")
    build_suite(config, empty)  # its own earlier output: replaced
    assert (empty / "mono" / "en.txt").read_text() != "edited\n"
    other = tmp_path / "model"
    other.mkdir()
    (other / MARKER).write_text("weamlib pretrain\n")
    (other / "config.json").write_text("{}")
    with pytest.raises(OutputDirError, match="weamlib synth did not write"):
        build_suite(config, other)  # another command's output is not synth's to replace
    assert sorted(p.name for p in other.iterdir()) == [MARKER, "config.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "model"]


def test_check_replaceable_refuses_paths_under_files_and_unwritable_parents(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputDirError, match="is a file"):
        check_replaceable(tmp_path / "f" / "out", "--output", "pretrain")
    with pytest.raises(OutputDirError, match="is a file"):
        check_replaceable(tmp_path / "f", "--output", "pretrain")
    assert check_replaceable(tmp_path / "new" / "out", "--output", "pretrain") == (
        tmp_path / "new" / "out"
    )
    assert not (tmp_path / "new").exists()  # checking writes nothing
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(OutputDirError, match="no write permission"):
            check_replaceable(locked / "out", "--output", "pretrain")


@pytest.mark.parametrize("layout", ["foreign", "under-file"])
def test_pretrain_checks_output_before_training(workdir, capsys, monkeypatch, layout):
    import weamlib.study.experiments

    def no_work(*args, **kwargs):
        raise AssertionError("training started before --output was checked")

    monkeypatch.setattr(weamlib.study.experiments, "study_suite", no_work)
    output = "dir" if layout == "foreign" else "empty.txt/model"
    argv = ["pretrain", "--profile", "smoke", "--objective", "base", "--output", output]
    before = _tree(workdir)
    assert cli_main(argv) == 2
    err = _one_line_error(capsys, "pretrain")
    assert "--output" in err and output in err
    assert _tree(workdir) == before and not (workdir / "cache").exists()


def test_pretrain_output_replaces_only_its_own_folder(workdir, monkeypatch, capsys):
    model = workdir / "store-model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    _fake_training(monkeypatch, model)
    argv = ["pretrain", "--profile", "smoke", "--objective", "base", "--output", "m"]
    assert cli_main(argv) == 0
    assert (workdir / "m" / "config.json").is_file()
    assert (workdir / "m" / MARKER).read_text().startswith("weamlib pretrain\n")
    (model / "config.json").write_text('{"again": 1}')
    assert cli_main(argv) == 0  # its own earlier output: replaced
    assert json.loads((workdir / "m" / "config.json").read_text()) == {"again": 1}
    assert not [p for p in workdir.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- 2./3. -p values


class _FakeRun:
    def __init__(self, model: Path):
        self.model = model
        self.results = {"steps": 1, "final_loss": 1.0, "tokens_per_second": 1.0}

    def file(self, name: str) -> Path:
        return self.model


def _fake_training(monkeypatch, model: Path | None = None) -> list:
    """Replace the suite and the training by fakes; returns the list of configs trained."""
    import weamlib.study.experiments
    import weamlib.train.pretrain_runs

    trained = []

    def ensure_pretrained(suite, cfg, *args, **kwargs):
        trained.append(cfg)
        return _FakeRun(model or Path("model"))

    monkeypatch.setattr(weamlib.study.experiments, "study_suite", lambda profile: Path("suite"))
    monkeypatch.setattr(weamlib.train.pretrain_runs, "ensure_pretrained", ensure_pretrained)
    return trained


def _pretrain(*params: str) -> list[str]:
    return ["pretrain", "--profile", "smoke", "--objective", "weam", *params]


@pytest.mark.parametrize(
    ("params", "field", "value"),
    [
        (["-p", "seed", "3"], "seed", 3),
        (["-p", "objective", "weam"], "objective", "weam"),
        (["-p", "learning_rate", "1e-4"], "learning_rate", 1e-4),
        (["-p", "learning_rate", "2E-3"], "learning_rate", 2e-3),
        (["-p", "bf16", "true"], "bf16", True),
        (["-p", "smoothing", "1"], "smoothing", 1),
    ],
)
def test_pretrain_accepts_good_parameters(workdir, monkeypatch, capsys, params, field, value):
    trained = _fake_training(monkeypatch)
    assert cli_main(_pretrain(*params)) == 0, capsys.readouterr().err
    assert getattr(trained[0], field) == value


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        (["-p", "objective", "base"], "-p objective 'base' contradicts --objective weam"),
        (["-p", "seed", "3", "--seed", "4"], "-p seed 3 contradicts --seed 4"),
        (["-p", "seed", "3.5"], "'seed' must be an integer"),
        (["-p", "smoothing", "x"], "'smoothing' must be a number, got 'x'"),
        (["-p", "bf16", "maybe"], "'bf16' must be true or false, got 'maybe'"),
        (["-p", "bf16", "1"], "'bf16' must be true or false, got 1"),
        (["-p", "lambda_", ".nan"], "'lambda_' must be a finite number, got nan"),
        (["-p", "learning_rate", ".inf"], "'learning_rate' must be a finite number, got inf"),
        (["-p", "steps", "true"], "'steps' must be an integer, got True"),
        (["-p", "pair_encoding", "3"], "'pair_encoding' must be a string, got 3"),
        (["-p", "steps", "[" + "1, " * 200 + "1]"], "characters)"),
    ],
)
def test_pretrain_refuses_bad_parameters_in_one_line(workdir, monkeypatch, capsys, params, needle):
    trained = _fake_training(monkeypatch)
    assert cli_main(_pretrain(*params)) == 2
    err = _one_line_error(capsys, "pretrain")
    assert needle in err and len(err) < 400, err
    assert trained == [] and not (workdir / "cache").exists()


def test_cli_values_read_exponents_as_numbers():
    from weamlib.book.pipeline import parse_cli_value

    assert parse_cli_value("1e-4") == 1e-4 and isinstance(parse_cli_value("1e-4"), float)
    assert parse_cli_value("-2.5E3") == -2500.0
    assert parse_cli_value("1e") == "1e" and parse_cli_value("e5") == "e5"


def test_notebook_parameters_refuse_nan_and_inf(tmp_path, monkeypatch):
    from weamlib.book import pipeline
    from weamlib.core.errors import ConfigError
    from weamlib.study import profiles

    chapter = tmp_path / "notebooks" / "98_floats.py"
    chapter.parent.mkdir()
    (chapter.parent / "profiles").mkdir()
    (chapter.parent / "profiles" / "smoke.yml").write_text("{}\n")
    chapter.write_text(
        '# %% [markdown]\n# x\n\n# %% tags=["parameters"]\nrate = 0.5\n', encoding="utf-8"
    )
    monkeypatch.setattr(profiles, "notebooks_dir", lambda: chapter.parent)
    assert pipeline.resolve_parameters(chapter, "smoke", {"rate": 1e-4})["rate"] == 1e-4
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ConfigError, match="'rate'.*finite number"):
            pipeline.resolve_parameters(chapter, "smoke", {"rate": bad})


# --------------------------------------------------------------------------- 2. network, archives


def test_fetch_unreachable_url_is_one_line(workdir, capsys, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    manifest = workdir / "manifest.yml"
    manifest.write_text(
        f"""
datasets:
  demo:
    title: demo
    licence: none
    files:
      - path: demo/pairs.txt
        url: http://127.0.0.1:{port}/pairs.txt
        sha256: "{"0" * 64}"
""",
        encoding="utf-8",
    )
    monkeypatch.setattr(data, "manifest_path", lambda: manifest)
    monkeypatch.setattr(data, "default_data_dir", lambda: None)
    monkeypatch.delenv("WEAM_DATA_DIR", raising=False)
    assert cli_main(["fetch", "demo", "--dest", "dl"]) == 2
    err = _one_line_error(capsys, "fetch")
    assert f"http://127.0.0.1:{port}/pairs.txt: download failed" in err
    assert not [p for p in (workdir / "dl").rglob("*") if p.is_file()]


def _symlink(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info


def test_tar_with_chained_inner_symlinks_is_refused(tmp_path):
    archive = tmp_path / "chain.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.addfile(_symlink("sub", "."))  # inside the folder
        tf.addfile(_symlink("sub/up", ".."))  # inside too, read alone: together they leave it
    dest = tmp_path / "dest"
    with pytest.raises(data.UnsafeArchiveError, match="sub/up"):
        data.extract_archive(archive, dest, "tar.gz")
    assert not dest.exists() or not any(dest.iterdir())


def test_corrupt_archive_is_a_format_error(tmp_path):
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(b"not a tar at all")
    with pytest.raises(DataFormatError, match="not a readable tar.gz archive"):
        data.extract_archive(archive, tmp_path / "dest", "tar.gz")


def test_cli_reports_os_errors_in_one_line_and_keeps_bugs_loud(capsys, monkeypatch):
    def denied(args):
        raise PermissionError(13, "Permission denied", "/some/file")

    def bug(args):
        raise TypeError("a genuine bug")

    parser = cli.build_parser
    for func, expect in ((denied, 2), (bug, None)):
        monkeypatch.setattr(cli, "build_parser", lambda func=func: _parser_with(parser(), func))
        if expect is None:
            with pytest.raises(TypeError):
                cli_main(["params", "00_environment"])
        else:
            assert cli_main(["params", "00_environment"]) == expect
            assert "/some/file: Permission denied" in _one_line_error(capsys, "params")


def _parser_with(parser, func):
    import argparse

    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub.choices["params"].set_defaults(func=func)
    return parser


# --------------------------------------------------------------------------- 3. Pharaoh indices


@pytest.mark.parametrize("text", ["０-０", "٠-٠", "0-٣", "१p१", "0-0\u30001-1"])
def test_pharaoh_indices_are_ascii_digits(text):
    with pytest.raises(DataFormatError, match="bad link"):
        formats.parse_pharaoh_line(text)


def test_wpt_indices_are_ascii_digits(tmp_path):
    path = tmp_path / "w.wa"
    path.write_text("1 1 1 S\n1 ٢ 2 S\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="non-integer index") as err:
        formats.read_wpt(path)
    assert f"{path}:2" in str(err.value)
    path.write_text("1 1_0 2 S\n", encoding="utf-8")  # int() would take it as 10
    with pytest.raises(DataFormatError, match="non-integer index"):
        formats.read_wpt(path)


def test_huge_pharaoh_index_is_refused():
    with pytest.raises(DataFormatError, match="index above 99999"):
        formats.parse_pharaoh_line("0-0 100000-1")
    with pytest.raises(DataFormatError, match="index above 99999"):
        formats.parse_pharaoh_line("0-0 " + "9" * 5000 + "-1")
    assert formats.parse_pharaoh_line("0-0 99999-000001").sure == {(0, 0), (99999, 1)}


def test_symmetrize_checks_indices_against_the_text(workdir, capsys):
    (workdir / "big.txt").write_text("0-0 9-9\n0-0\n", encoding="utf-8")
    argv = ["symmetrize", "big.txt", "rev.txt", "--method", "union"]
    assert cli_main([*argv, "--text", "pairs.txt"]) == 2
    assert "big.txt:1: link 9-9 is outside the sentence pair" in _one_line_error(
        capsys, "symmetrize"
    )
    (workdir / "big.txt").write_text("0-0 123456789-1\n0-0\n", encoding="utf-8")
    assert cli_main(argv) == 2  # without --text: still no absurd index
    assert "big.txt:1" in _one_line_error(capsys, "symmetrize")


# --------------------------------------------------------------------------- 4. unscorable input


def test_aer_refuses_an_empty_gold_file(workdir, capsys):
    assert cli_main(["aer", "--gold", "empty.txt", "--pred", "empty.txt"]) == 2
    err = _one_line_error(capsys, "aer")
    assert "--gold" in err and "empty" in err
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("gold", "what"), [("\n\n", "no links"), ("0p0\n1p1\n", "only possible")])
def test_aer_refuses_gold_without_sure_links(workdir, capsys, gold, what):
    (workdir / "nolinks.txt").write_text(gold, encoding="utf-8")
    assert cli_main(["aer", "--gold", "nolinks.txt", "--pred", "fwd.txt"]) == 2
    err = _one_line_error(capsys, "aer")
    assert "nolinks.txt" in err and what in err and "undefined" in err


def test_symmetrize_refuses_possible_links(workdir, capsys):
    (workdir / "poss.txt").write_text("0-0\n0-0 2p1\n", encoding="utf-8")
    for argv in (
        ["symmetrize", "poss.txt", "rev.txt", "--method", "grow-diag-final-and"],
        ["symmetrize", "fwd.txt", "poss.txt", "--method", "intersection", "--output", "o.txt"],
    ):
        assert cli_main(argv) == 2
        assert "poss.txt:2: possible link '2p1'" in _one_line_error(capsys, "symmetrize")
    assert not (workdir / "o.txt").exists()


# --------------------------------------------------------------------------- 5. litter and modes


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _litter(parent: Path, name: str) -> dict[str, Path]:
    """Temporary folders beside ``parent/name``: one of a dead process, one of this (live)
    process, one of an unknown owner three days old and one an hour old."""
    host = outdirs._host_tag()
    paths = {
        "dead": parent / f".{name}.tmp-{_dead_pid()}-{host}-abc",
        "live": parent / f".{name}.tmp-{os.getpid()}-{host}-abc",
        "old": parent / f".{name}.tmp-legacy",
        "recent": parent / f".{name}.tmp-recent",
    }
    for path in paths.values():
        path.mkdir(parents=True)
        (path / "partial").write_text("x")
    stale = time.time() - 3 * 24 * 3600
    os.utime(paths["old"], (stale, stale))
    return paths


def test_run_store_sweeps_what_killed_runs_left(tmp_path):
    store = RunStore(tmp_path)
    litter = _litter(tmp_path / "kind", "0123456789abcdef")
    store.run("kind", {"a": 1}, lambda folder: {"ok": 1})
    left = {k for k, p in litter.items() if p.exists()}
    assert left == {"live", "recent"}
    assert store.clean_partial() == 0  # the live run's folder stays
    assert store.clean_partial(max_age=0) == 1 and litter["live"].exists()


def test_suite_build_sweeps_what_killed_builds_left(tmp_path):
    from weamlib.synth.suite import SynthConfig, build_suite

    litter = _litter(tmp_path, "suite")
    other = tmp_path / f".other.tmp-{_dead_pid()}-{outdirs._host_tag()}-x"
    other.mkdir()
    build_suite(SynthConfig.for_profile("smoke"), tmp_path / "suite")
    assert {k for k, p in litter.items() if p.exists()} == {"live", "recent"}
    assert other.exists()  # not this folder's litter


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_written_files_and_folders_honour_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        formats.write_lines(tmp_path / "b.txt", ["x"])
        run = RunStore(tmp_path / "store").run("kind", {"a": 1}, lambda folder: {"ok": 1})
    finally:
        os.umask(old)
    for path in (tmp_path / "a.txt", tmp_path / "b.txt", run.file("results.json")):
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
    assert run.path.stat().st_mode & 0o777 == 0o777 & ~umask


def test_suite_and_download_modes_honour_the_umask(tmp_path):
    from weamlib.synth.suite import SynthConfig, build_suite

    src = tmp_path / "src.txt"
    src.write_bytes(b"a ||| b\n")
    old = os.umask(0o022)
    try:
        build_suite(SynthConfig.for_profile("smoke"), tmp_path / "suite")
        sha = hashlib.sha256(b"a ||| b\n").hexdigest()
        data.download(src.as_uri(), tmp_path / "dl" / "p.txt", sha, progress=False)
    finally:
        os.umask(old)
    assert (tmp_path / "suite").stat().st_mode & 0o777 == 0o755
    for path in (
        tmp_path / "suite" / "manifest.json",
        tmp_path / "suite" / "mono" / "en.txt",
        tmp_path / "dl" / "p.txt",
    ):
        assert path.stat().st_mode & 0o777 == 0o644, path


# --------------------------------------------------------------------------- 6. chapters, profiles


def test_params_refuses_a_path_that_is_not_the_repository_chapter(tmp_path, capsys):
    elsewhere = tmp_path / "00_environment.py"
    elsewhere.write_text((REPO / "notebooks" / "00_environment.py").read_text())
    assert cli_main(["params", str(elsewhere), "--profile", "smoke"]) == 2
    err = _one_line_error(capsys, "params")
    assert str(elsewhere) in err and "not the repository's chapter" in err
    assert cli_main(["params", str(tmp_path / "nowhere" / "00_environment.py")]) == 2
    _one_line_error(capsys, "params")
    # the repository's own chapter, by path or stem, is fine
    for name in (str(REPO / "notebooks" / "00_environment.py"), "00_environment.py"):
        assert cli_main(["params", name, "--profile", "smoke"]) == 0
        assert "profile: smoke" in capsys.readouterr().out


@pytest.mark.parametrize(
    "profile", ["../../book/_config", "../profiles/smoke", str(REPO / "notebooks/profiles/smoke")]
)
def test_profile_is_a_name_never_a_path(capsys, profile):
    assert cli_main(["params", "00_environment", "--profile", profile]) == 2
    assert "unknown profile" in _one_line_error(capsys, "params")


# --------------------------------------------------------------------------- 7. quoting


def test_quote_cuts_long_input():
    assert quote("abc") == "'abc'"
    long = quote("x" * 16000)
    assert len(long) < 120 and long.endswith("... (16000 characters)")


def test_messages_quoting_a_long_line_stay_short(workdir, capsys):
    big = json.dumps({f"q{i}": "an answer " * 3 for i in range(500)})
    assert len(big) > 16000
    (workdir / "big.json").write_text(big + "\n" + big + "\n", encoding="utf-8")
    assert cli_main(["evaluate", "xnli", "gold.tsv", "big.json"]) == 2
    err = _one_line_error(capsys, "evaluate")
    assert "big.json:1" in err and "characters)" in err and len(err) < 300, err
    (workdir / "big.txt").write_text("0-0 " + "x" * 20000 + "\n0-0\n", encoding="utf-8")
    assert cli_main(["aer", "--gold", "big.txt", "--pred", "fwd.txt"]) == 2
    assert len(_one_line_error(capsys, "aer")) < 300


def test_usage_error_is_a_weam_error():
    from weamlib.core.errors import WeamError

    assert issubclass(UsageError, WeamError) and cli.UsageError is UsageError


def test_one_line_for_a_multi_line_message():
    err = cli.error_line(ValueError("first\nsecond\n"))
    assert err == "first second"
    assert cli.error_line(FileNotFoundError(2, "No such file or directory", "x.txt")) == (
        "x.txt: No such file or directory"
    )
