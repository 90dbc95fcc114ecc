"""Parameter validation of the notebook pipeline, and the CLI around it (fast tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from weamlib.book import pipeline
from weamlib.cli import main as cli
from weamlib.core.errors import ConfigError
from weamlib.study import profiles

REPO = Path(__file__).resolve().parents[2]
ENV_CHAPTER = REPO / "notebooks" / "00_environment.py"

HEADER = """# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (weam)
#     language: python
#     name: python3
# ---
"""


def test_declared_parameters_reads_the_parameters_cell(tmp_path):
    nb = tmp_path / "05_demo.py"
    nb.write_text(
        HEADER
        + '\n# %% tags=["parameters"]\nprofile = "default"\nrate = 0.3\nlangs = ["a", "b"]\n'
        + "\n# %%\nx = rate * 2\n"
    )
    assert pipeline.declared_parameters(nb) == {
        "profile": "default",
        "rate": 0.3,
        "langs": ["a", "b"],
    }


def test_parameters_must_be_literals(tmp_path):
    nb = tmp_path / "05_demo.py"
    nb.write_text(HEADER + '\n# %% tags=["parameters"]\nrate = 1 / 3 + len("x")\n')
    with pytest.raises(ConfigError, match="'rate'.*plain literal"):
        pipeline.declared_parameters(nb)


def test_missing_parameters_cell_is_refused(tmp_path):
    nb = tmp_path / "05_demo.py"
    nb.write_text(HEADER + "\n# %%\nx = 1\n")
    with pytest.raises(ConfigError, match="exactly one cell tagged 'parameters'"):
        pipeline.declared_parameters(nb)


def test_profile_and_overrides_resolve():
    params = pipeline.resolve_parameters(ENV_CHAPTER, "smoke", {"matmul_size": 64})
    assert params["profile"] == "smoke"
    assert params["matmul_size"] == 64
    smoke = profiles.load_profile("smoke")["00_environment"]
    assert params["matmul_repeats"] == smoke["matmul_repeats"]


def test_unknown_profile_is_refused():
    with pytest.raises(ConfigError, match="unknown profile 'nope'.*smoke"):
        pipeline.resolve_parameters(ENV_CHAPTER, "nope")


def test_undeclared_parameter_is_refused():
    with pytest.raises(ConfigError, match="'matmul_sise'.*not declared"):
        pipeline.resolve_parameters(ENV_CHAPTER, "smoke", {"matmul_sise": 3})


@pytest.mark.parametrize("value", ["big", 3.5, True, [1]])
def test_wrong_type_is_refused(value):
    with pytest.raises(ConfigError, match="'matmul_size'.*should be int"):
        pipeline.resolve_parameters(ENV_CHAPTER, "smoke", {"matmul_size": value})


def test_cli_values_are_read_as_yaml():
    assert pipeline.parse_cli_value("3") == 3
    assert pipeline.parse_cli_value("0.5") == 0.5
    assert pipeline.parse_cli_value("[a, b]") == ["a", "b"]
    assert pipeline.parse_cli_value("true") is True
    assert pipeline.parse_cli_value("hello") == "hello"


def test_every_profile_section_names_a_chapter_and_declared_parameters():
    stems = {p.stem: p for p in pipeline.chapters()}
    for profile_file in sorted((REPO / "notebooks" / "profiles").glob("*.yml")):
        for chapter, section in profiles.load_profile(profile_file.stem).items():
            assert chapter in stems, f"{profile_file.name}: section {chapter!r} names no chapter"
            pipeline.resolve_parameters(stems[chapter], profile_file.stem, None)
            assert set(section) <= set(pipeline.declared_parameters(stems[chapter]))


def test_every_chapter_is_in_the_table_of_contents_and_has_a_header():
    toc = yaml.safe_load((REPO / "book" / "_toc.yml").read_text())
    files = {c["file"] for part in toc["parts"] for c in part["chapters"]}
    listed = {f.split("/", 1)[1] for f in files if f.startswith("chapters/")}
    assert listed == {p.stem for p in pipeline.chapters()}
    for source in pipeline.chapters():
        text = source.read_text()
        assert "format_name: percent" in text and "name: python3" in text, source.name
        assert re.search(r'^# %% tags=\["parameters"\]', text, re.M), source.name


def test_cli_params_prints_resolved_yaml(capsys):
    assert (
        cli.main(["params", "00_environment", "--profile", "smoke", "-p", "matmul_size", "32"]) == 0
    )
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["matmul_size"] == 32 and printed["profile"] == "smoke"


def test_cli_reports_bad_parameter_in_one_line(capsys):
    status = cli.main(["run", "00_environment", "--profile", "smoke", "-p", "nope", "1"])
    err = capsys.readouterr().err
    assert status == 2
    assert "'nope'" in err and "not declared" in err and "Traceback" not in err


def test_cli_unknown_chapter(capsys):
    assert cli.main(["run", "42_missing", "--profile", "smoke"]) == 2
    assert "unknown chapter '42_missing'" in capsys.readouterr().err


def test_cli_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("book", "run", "params"):
        assert command in out
