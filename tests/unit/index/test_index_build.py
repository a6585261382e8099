"""build_index on real git repositories: cache hits, deltas, corruption, worker pool."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import index_standin as standin
import pytest
from index_git import commit, init_repo

from bot.errors import InputError
from bot.index import (
    INPROCESS_THRESHOLD,
    ModelCache,
    build_index,
    changed_c_files,
    decode_model,
    delta_index,
    encode_model,
    models_for_files,
)
from bot.model import entities as E

HDR = b'#define TYPE_FOO "foo"\n#define TYPE_FOO_SUB TYPE_FOO "-sub"\n'
FOO_C = b"""#include "foo.h"
static const VMStateDescription vmstate_foo = { .name = "foo", };
static void foo_class_init(ObjectClass *klass, const void *data)
{
    dc->vmsd = &vmstate_foo;
}
static const TypeInfo foo_info = { .name = TYPE_FOO, .parent = "sys-bus-device",
    .class_init = foo_class_init, };
"""


@pytest.fixture(autouse=True)
def _reset_calls() -> None:
    standin.CALLS.clear()


def _files(n: int) -> dict[str, bytes | None]:
    files: dict[str, bytes | None] = {"include/hw/foo.h": HDR, "hw/foo.c": FOO_C}
    for i in range(n):
        files[f"hw/misc/dev{i}.c"] = f'int dev{i};\n#define TYPE_D{i} "d{i}"\n'.encode()
    files["README"] = b"not C\n"
    return files


def test_second_run_hits_cache(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, _files(3))
    cache = tmp_path / "cache"
    t1 = build_index(repo.path, rev, cache, jobs=1, extractor=standin.extract)
    assert sorted(standin.CALLS) == sorted(t1.paths())
    assert len(standin.CALLS) == 5  # README skipped
    standin.CALLS.clear()
    t2 = build_index(repo.path, rev, cache, jobs=1, extractor=standin.extract)
    assert standin.CALLS == []
    assert t2.stats is not None and t2.stats.cache_hits == 5 and t2.stats.extracted == 0
    assert t2.models == t1.models
    assert t2.type_by_name("foo") is not None


def test_only_changed_blobs_reparsed(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    base = commit(repo, _files(3))
    cache = tmp_path / "cache"
    build_index(repo.path, base, cache, jobs=1, extractor=standin.extract)
    head = commit(
        repo,
        {"hw/misc/dev0.c": b"int changed;\n", "hw/new.c": b"int n;\n", "hw/misc/dev2.c": None},
        base,
    )
    standin.CALLS.clear()
    t = build_index(repo.path, head, cache, jobs=1, extractor=standin.extract)
    assert sorted(standin.CALLS) == ["hw/misc/dev0.c", "hw/new.c"]
    assert "hw/misc/dev2.c" not in t.paths()
    # going back to base is free: its blobs are still cached
    standin.CALLS.clear()
    build_index(repo.path, base, cache, jobs=1, extractor=standin.extract)
    assert standin.CALLS == []


def test_same_blob_two_paths_parsed_once(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, {"a/x.c": FOO_C, "b/x.c": FOO_C})
    t = build_index(repo.path, rev, tmp_path / "c", jobs=1, extractor=standin.extract)
    assert len(standin.CALLS) == 1
    assert t.file_model("a/x.c") is not None and t.file_model("b/x.c") is not None
    assert t.file_model("b/x.c").path == "b/x.c"  # type: ignore[union-attr]
    assert t.file_model("a/x.c").path == "a/x.c"  # type: ignore[union-attr]


def test_pool_matches_inprocess(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "calls.log"
    monkeypatch.setenv("INDEX_STANDIN_LOG", str(log))
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, _files(INPROCESS_THRESHOLD + 10))
    pooled = build_index(repo.path, rev, tmp_path / "c1", jobs=2, extractor=standin.extract)
    assert standin.CALLS == []  # all extraction happened in workers
    assert len(log.read_text().split()) == len(pooled.paths())
    single = build_index(repo.path, rev, tmp_path / "c2", jobs=1, extractor=standin.extract)
    assert pooled.models == single.models
    log.write_text("")
    again = build_index(repo.path, rev, tmp_path / "c1", jobs=2, extractor=standin.extract)
    assert log.read_text() == ""
    assert again.stats is not None and again.stats.extracted == 0


def test_corrupt_cache_file_is_rebuilt(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, _files(2))
    cache = tmp_path / "cache"
    build_index(repo.path, rev, cache, jobs=1, extractor=standin.extract)
    (cache / ModelCache.FILE).write_bytes(b"garbage, not sqlite" * 100)
    standin.CALLS.clear()
    t = build_index(repo.path, rev, cache, jobs=1, extractor=standin.extract)
    assert t.stats is not None and t.stats.cache_rebuilt
    assert len(standin.CALLS) == 4
    standin.CALLS.clear()
    build_index(repo.path, rev, cache, jobs=1, extractor=standin.extract)
    assert standin.CALLS == []


def test_corrupt_cache_row_is_reparsed(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, _files(2))
    cache = tmp_path / "cache"
    build_index(repo.path, rev, cache, jobs=1, extractor=standin.extract)
    db = sqlite3.connect(cache / ModelCache.FILE)
    (blob,) = db.execute("SELECT blob FROM models LIMIT 1").fetchone()
    db.execute("UPDATE models SET data = ? WHERE blob = ?", (b"\x78\x9cjunk", blob))
    db.commit()
    db.close()
    standin.CALLS.clear()
    t = build_index(repo.path, rev, cache, jobs=1, extractor=standin.extract)
    assert len(standin.CALLS) == 1
    assert len(t.paths()) == 4


def test_new_extractor_version_reparses_and_prunes(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, _files(1))
    cache = tmp_path / "cache"
    build_index(repo.path, rev, cache, jobs=1, extractor=standin.extract)
    standin.CALLS.clear()
    build_index(repo.path, rev, cache, jobs=1, extractor=standin.crashing)
    assert len(standin.CALLS) == 3  # another extractor: nothing reused
    db = sqlite3.connect(cache / ModelCache.FILE)
    assert db.execute("SELECT count(DISTINCT ver) FROM models").fetchone() == (1,)


def test_extractor_crash_not_fatal_nor_cached(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, {"a.c": b"CRASH\n", "b.c": b"int b;\n"})
    cache = tmp_path / "cache"
    t = build_index(repo.path, rev, cache, jobs=1, extractor=standin.crashing)
    fm = t.file_model("a.c")
    assert fm is not None and not fm.parsed and "crashed" in fm.notes[0]
    assert t.stats is not None and t.stats.failed == 1
    standin.CALLS.clear()
    build_index(repo.path, rev, cache, jobs=1, extractor=standin.crashing)
    assert t.file_model("b.c") is not None
    t2 = build_index(repo.path, rev, cache, jobs=1, extractor=standin.crashing)
    assert t2.stats is not None and t2.stats.extracted == 1  # a.c retried, b.c cached


def test_oversized_cache_keeps_current_tree(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    base = commit(repo, _files(3))
    cache = tmp_path / "cache"
    build_index(repo.path, base, cache, jobs=1, extractor=standin.extract)
    head = commit(repo, {"hw/misc/dev0.c": b"int other;\n"}, base)
    build_index(repo.path, head, cache, jobs=1, extractor=standin.extract, max_cache_bytes=1)
    standin.CALLS.clear()
    build_index(repo.path, head, cache, jobs=1, extractor=standin.extract)
    assert standin.CALLS == []
    build_index(repo.path, base, cache, jobs=1, extractor=standin.extract)
    assert standin.CALLS == ["hw/misc/dev0.c"]  # the pruned old blob


def test_bad_inputs_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        build_index(str(tmp_path / "nope"), "HEAD", tmp_path / "c", extractor=standin.extract)
    repo = init_repo(tmp_path / "r.git")
    commit(repo, _files(0))
    with pytest.raises(InputError):
        build_index(repo.path, "deadbeef", tmp_path / "c", extractor=standin.extract)


def test_head_from_base_plus_changed_files(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    base = commit(repo, _files(2))
    cache = tmp_path / "cache"
    old = build_index(repo.path, base, cache, jobs=1, extractor=standin.extract)
    head = commit(
        repo,
        {"hw/foo.c": FOO_C.replace(b"TYPE_FOO,", b"TYPE_FOO_SUB,"), "hw/misc/dev1.c": None},
        base,
    )
    changed = models_for_files(
        repo.path, head, ["hw/foo.c", "hw/misc/dev1.c"], cache, extractor=standin.extract
    )
    assert changed["hw/misc/dev1.c"] is None
    new = old.with_files(changed)
    full = build_index(repo.path, head, cache, jobs=1, extractor=standin.extract)
    assert new.models == full.models
    assert new.type_by_name("foo-sub") is not None and new.type_by_name("foo") is None
    assert old.type_by_name("foo") is not None  # the base index is untouched


def test_codec_roundtrip_every_entity() -> None:
    f = E.VmstateField(
        "VMSTATE_UINT32_V",
        ("x", "S", "2"),
        "x",
        "x",
        "S",
        2,
        None,
        None,
        "uint32",
        4,
        None,
        None,
        7,
        ("array",),
    )
    fm = E.FileModel(
        path="hw/x.c",
        vmsds=(
            E.Vmsd(
                "vmstate_x",
                "x",
                '"x"',
                2,
                1,
                (f,),
                ("vmstate_x_sub",),
                1,
                (("needed", "x_needed"),),
                False,
                "MIG_PRI_LOW",
                3,
                9,
                None,
                True,
                None,
                None,
            ),
        ),
        types=(
            E.TypeInfo(
                "x_info",
                "x",
                "TYPE_X",
                "device",
                "TYPE_DEVICE",
                "x_class_init",
                None,
                "sizeof(X)",
                True,
                ("hotplug-handler",),
                12,
                "array",
            ),
        ),
        class_inits=(E.ClassInit("x_class_init", "vmstate_x", "dc->vmsd", ("x_props",), 20, 21),),
        properties=(
            E.Property("x_props", "DEFINE_PROP_BOOL", "on", '"on"', "X", "on", "true", 30, None),
        ),
        compat_arrays=(
            E.CompatArray(
                "hw_compat_1_0",
                (E.CompatEntry("x", "TYPE_X", "on", '"on"', "off", '"off"', 40, True),),
                40,
                42,
                (1, 0),
            ),
        ),
        registrations=(
            E.VmstateRegistration(
                "vmstate_register",
                "vmstate_x",
                "&vmstate_x",
                "0",
                "x_realize",
                True,
                True,
                "n > 1",
                50,
            ),
        ),
        creations=(
            E.ObjectCreation(
                "qdev_new", "TYPE_X", "x", None, None, "f", False, False, None, 60, ("TYPE_X",)
            ),
        ),
        calls=(E.CallSite("pci_set_word", ("a", "b"), "f", 61),),
        defines=(E.Define("TYPE_X", '"x"', "x", 1),),
        arrays=(E.InitializerArray("models", "X86CPUDefinition", "{...}", 70, 80),),
        functions=(("f", 59, 62),),
        parse_errors=2,
        parsed=True,
        notes=("n",),
    )
    assert decode_model(encode_model(fm)) == fm
    with pytest.raises(ValueError):
        decode_model(b"not zlib")


def test_worker_death_isolates_the_culprit(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    files = _files(INPROCESS_THRESHOLD + 6)
    files["hw/misc/dev3.c"] = b"KILL\n"
    rev = commit(repo, files)
    t = build_index(repo.path, rev, tmp_path / "c", jobs=2, extractor=standin.killing)
    bad = t.file_model("hw/misc/dev3.c")
    assert bad is not None and not bad.parsed and "crashed" in bad.notes[0]
    others = [t.file_model(p) for p in t.paths() if p != "hw/misc/dev3.c"]
    assert all(m is not None and m.parsed for m in others)
    assert t.stats is not None and t.stats.failed == 1
    assert t.type_by_name("foo") is not None


def test_unpicklable_extractor_falls_back_in_process(tmp_path: Path) -> None:
    calls: list[str] = []

    def local(path: str, data: bytes) -> E.FileModel:
        calls.append(path)
        return standin.extract(path, data)

    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, _files(INPROCESS_THRESHOLD + 2))
    t = build_index(repo.path, rev, tmp_path / "c", jobs=2, extractor=local)
    assert sorted(calls) == list(t.paths())


def test_delta_index_equals_full_build(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    base = commit(repo, _files(3))
    head = commit(
        repo,
        {"hw/misc/dev1.c": None, "hw/misc/new.c": b"int x;\n", "hw/foo.c": FOO_C + b"int y;\n"},
        base,
    )
    cache = tmp_path / "cache"
    old = build_index(repo.path, base, cache, jobs=1, extractor=standin.extract)
    assert changed_c_files(repo.path, base, head) == [
        "hw/foo.c", "hw/misc/dev1.c", "hw/misc/new.c",
    ]
    standin.CALLS.clear()
    new = delta_index(old, repo.path, base, head, cache, extractor=standin.extract)
    assert sorted(standin.CALLS) == ["hw/foo.c", "hw/misc/new.c"]
    full = build_index(repo.path, head, cache, jobs=1, extractor=standin.extract)
    assert new.models == full.models


def test_memo_skips_cache_reads(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, {**_files(2), "hw/bad.c": b"CRASH\n"})
    memo: dict[str, E.FileModel] = {}
    cache = tmp_path / "cache"
    first = build_index(repo.path, rev, cache, jobs=1, extractor=standin.crashing, memo=memo)
    assert len(memo) == 4  # the crashed file is not remembered
    (cache / ModelCache.FILE).unlink()  # the memo alone must carry the next build
    standin.CALLS.clear()
    again = build_index(repo.path, rev, cache, jobs=1, extractor=standin.crashing, memo=memo)
    assert standin.CALLS == []  # only hw/bad.c ran (and crashed before counting)
    assert again.models == first.models


def test_unusable_cache_dir_still_indexes(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, _files(1))
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    t = build_index(repo.path, rev, blocker / "cache", jobs=1, extractor=standin.extract)
    assert t.type_by_name("foo") is not None
