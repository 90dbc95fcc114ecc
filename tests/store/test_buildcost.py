"""Attribution of a build's time to stages (weamlib.store.buildcost)."""

from __future__ import annotations

import json
import os

import pytest

from weamlib.store.buildcost import finished_runs, stage_table


def make_run(root, kind, key, seconds, finished):
    folder = root / kind / key
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(
        json.dumps({} if seconds is None else {"seconds": seconds})
    )
    (folder / "DONE").write_text("")
    os.utime(folder / "DONE", (finished, finished))


def test_runs_in_the_window_are_attributed_to_their_stage(tmp_path):
    make_run(tmp_path, "pretrain", "a", 120.0, 1000)
    make_run(tmp_path, "finetune_nli", "b", 30.0, 1010)
    make_run(tmp_path, "finetune_nli", "c", 60.0, 1020)
    make_run(tmp_path, "finetune_nli", "old", 99.0, 500)  # cached before the build
    make_run(tmp_path, "align", "d", None, 1030)  # a kind that records no seconds
    (tmp_path / "finetune_nli" / ".x.tmp-1").mkdir()  # a half-written run: no DONE
    runs = finished_runs(tmp_path, since=900)
    assert sorted(runs.run) == ["a", "b", "c", "d"]
    table = stage_table(runs)
    assert table.loc["fine-tuning XNLI", "runs"] == 2
    assert table.loc["fine-tuning XNLI", "minutes"] == pytest.approx(1.5)
    assert table.loc["pre-training", "minutes"] == pytest.approx(2.0)
    assert table.index[0] == "pre-training"  # largest first
    assert table.loc["word alignment", "minutes"] == 0  # unrecorded seconds count as 0
    assert finished_runs(tmp_path, since=1015, until=1025).run.tolist() == ["c"]
    assert stage_table(finished_runs(tmp_path, since=5000)).empty


def test_git_commit_names_the_checkout_and_says_when_there_is_none(tmp_path, monkeypatch):
    import weamlib.core.paths
    from weamlib.study.environment import git_commit

    here = git_commit()
    assert here and here != "not a git checkout"
    monkeypatch.setattr(weamlib.core.paths, "repo_root", lambda: tmp_path)
    assert git_commit() == "not a git checkout"
