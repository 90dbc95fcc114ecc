"""`weamlib runs`: what the store holds, what no current code reaches, and its cleaning."""

from __future__ import annotations

import json

from weamlib.cli import main as cli
from weamlib.store import storeinfo
from weamlib.store.runs import RunStore


def _store(tmp_path):
    store = RunStore(tmp_path / "store")
    current = store.run(
        "demo", {"a": 1, "name": "x"}, lambda f: {"n": 1}, code=["weamlib.core.errors"]
    )
    old = store.run("demo", {"a": 2}, lambda f: {"n": 2}, code=["weamlib.core.errors"])
    # the code of `old` changed since it ran: its stored digest is not today's
    record = json.loads((old.path / "config.json").read_text())
    record["code_digest"] = "0" * 64
    (old.path / "config.json").write_text(json.dumps(record))
    legacy = store.run("other", {"b": 1}, lambda f: {}, code=["weamlib.store.digests"])
    record = json.loads((legacy.path / "config.json").read_text())
    del record["code"]  # written before records named their code
    (legacy.path / "config.json").write_text(json.dumps(record))
    (store.root / "demo" / ".deadbeef.tmp-1-host").mkdir()  # left by a killed run
    (store.root / "pretrain" / "k1").mkdir(parents=True)  # a run being trained...
    (store.root / "pretrain-checkpoints" / "k1").mkdir(parents=True)  # ...keeps its checkpoint
    return store, current, old, legacy


def test_list_tells_current_from_stale(tmp_path):
    store, current, old, legacy = _store(tmp_path)
    runs = {r.key: r for r in storeinfo.list_runs(store)}
    assert runs[current.path.name].current and runs[current.path.name].kind == "demo"
    assert "a=1" in runs[current.path.name].summary and runs[current.path.name].bytes > 0
    assert not runs[old.path.name].current and not runs[legacy.path.name].current
    assert runs[".deadbeef.tmp-1-host"].kind == "(partial)"
    assert "k1" not in runs  # the checkpoint of an unfinished, recent run is kept
    assert {r.key for r in storeinfo.list_runs(store, "other")} == {legacy.path.name}


def test_gc_deletes_only_what_no_code_reaches(tmp_path):
    store, current, old, legacy = _store(tmp_path)
    stale = {r.path for r in storeinfo.stale_runs(store)}
    assert stale == {old.path, legacy.path, store.root / "demo" / ".deadbeef.tmp-1-host"}
    assert {r.path for r in storeinfo.collect_garbage(store, dry_run=True)} == stale
    assert all(p.exists() for p in stale)
    storeinfo.collect_garbage(store)
    assert not any(p.exists() for p in stale)
    assert current.path.is_dir() and store.get(
        "demo", {"a": 1, "name": "x"}, ["weamlib.core.errors"]
    )
    assert (store.root / "pretrain-checkpoints" / "k1").is_dir()


def test_checkpoint_of_a_finished_run_is_litter(tmp_path):
    store = RunStore(tmp_path / "store")
    done = store.run("pretrain", {"s": 1}, lambda f: {}, code=["weamlib.core.errors"])
    (store.root / "pretrain-checkpoints" / done.path.name).mkdir(parents=True)
    stale = storeinfo.stale_runs(store)
    assert [r.kind for r in stale] == ["(checkpoint)"]


def test_cli_lists_and_cleans(tmp_path, capsys):
    store, current, old, _ = _store(tmp_path)
    assert cli.main(["runs", "list", "--store", str(store.root)]) == 0
    out = capsys.readouterr().out
    assert current.path.name in out and "current" in out and "stale" in out
    assert cli.main(["runs", "stale", "--store", str(store.root), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert old.path.name in {r["key"] for r in rows} and not any(r["current"] for r in rows)
    assert cli.main(["runs", "gc", "--store", str(store.root), "--dry-run"]) == 0
    assert "would be deleted" in capsys.readouterr().out and old.path.exists()
    assert cli.main(["runs", "gc", "--store", str(store.root)]) == 0
    assert not old.path.exists() and current.path.exists()
    assert cli.main(["runs", "list", "--store", str(tmp_path / "nope")]) == 2
    assert "--store" in capsys.readouterr().err


def test_summary_leaves_out_digests_and_is_short():
    text = storeinfo.summarise({"model": "a" * 64, "pretrain": {"objective": "weam"}, "x": 1})
    assert text == "pretrain.objective=weam x=1"
    assert len(storeinfo.summarise({f"k{i}": i for i in range(100)}, 40)) == 40
