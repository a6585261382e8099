"""Per-revision summaries: a restored or delta-built index answers like a full one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from index_git import commit, init_repo

from bot.index import ModelCache, build_index, models_for_files
from bot.model.extract import extract_file
from bot.model.tree import TreeIndex

HDR = b"""#ifndef FOO_H
#define FOO_H
#define TYPE_FOO_BASE "foo-base"
#define TYPE_FOO "foo"
#define TYPE_FOO_SUB TYPE_FOO "-sub"
#define FOO_REG_CTRL 0x10
#define MACHINE_TYPE_NAME(m) m "-machine"
#endif
"""
BASE_C = b"""#include "hw/foo.h"
static const VMStateDescription vmstate_foo_inner = {
    .name = "foo/inner",
    .version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(x, FooInner),
        VMSTATE_END_OF_LIST()
    },
};
static void foo_base_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->vmsd = &vmstate_foo_inner;
}
static const TypeInfo foo_base_info = {
    .name = TYPE_FOO_BASE,
    .parent = TYPE_PCI_DEVICE,
    .class_init = foo_base_class_init,
};
"""
FOO_C = b"""#include "hw/foo.h"
static bool foo_ext_needed(void *opaque) { return true; }
static const VMStateDescription vmstate_foo_ext = {
    .name = "foo/ext",
    .needed = foo_ext_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(e, FooState),
        VMSTATE_END_OF_LIST()
    },
};
static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(a, FooState),
        VMSTATE_STRUCT(inner, FooState, 1, vmstate_foo_inner, FooInner),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_foo_ext,
        NULL
    },
};
static const Property foo_props[] = {
    DEFINE_PROP_BOOL("x-flag", FooState, flag, true),
    DEFINE_PROP_UINT32("n", FooState, n, 4),
};
static void foo_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->vmsd = &vmstate_foo;
    device_class_set_props(dc, foo_props);
}
static const TypeInfo foo_types[] = {
    { .name = TYPE_FOO, .parent = TYPE_FOO_BASE, .class_init = foo_class_init, },
    { .name = TYPE_FOO_SUB, .parent = TYPE_FOO, },
};
DEFINE_TYPES(foo_types)
"""
BOARD_C = b"""#include "hw/foo.h"
GlobalProperty hw_compat_10_1[] = {
    { TYPE_FOO, "x-flag", "false" },
    { "foo-base", "n", "2" },
};
static void pc_init(MachineState *ms)
{
    DeviceState *d = qdev_new(TYPE_FOO);
    object_initialize_child(OBJECT(ms), "sub", &s->sub, TYPE_FOO_SUB);
}
"""


def _files() -> dict[str, bytes | None]:
    return {
        "include/hw/foo.h": HDR,
        "hw/misc/foo_base.c": BASE_C,
        "hw/misc/foo.c": FOO_C,
        "hw/i386/board.c": BOARD_C,
        "README": b"not C\n",
    }


def _answers(t: TreeIndex) -> dict[str, object]:
    """Every TreeView question about every name the tree knows (and a few it does not)."""
    types = (*t.type_names(), "nope", "pci-device")
    vmsd_names = sorted({c for c, _ in ((v.c_name, p) for p, v in t.iter_vmsds())})
    vmsds = (*vmsd_names, "vmstate_nope")
    out: dict[str, object] = {
        "type_names": t.type_names(),
        "iter_vmsds": tuple(t.iter_vmsds()),
        "compat_arrays": t.compat_arrays(),
        "paths": t.paths(),
    }
    for n in types:
        out[f"type_by_name {n}"] = t.type_by_name(n)
        out[f"type_record {n}"] = t.type_record(n)
        out[f"ancestors {n}"] = t.type_ancestors(n)
        out[f"descendants {n}"] = t.type_descendants(n)
        out[f"class_init_of {n}"] = t.class_init_of(n)
        out[f"vmsd_of_type {n}"] = t.vmsd_of_type(n)
        out[f"props {n}"] = t.properties_of_type(n)
        out[f"creations {n}"] = t.creations_of(n)
        out[f"versioned {n}"] = t.on_versioned_machine(n)
    for c in vmsds:
        out[f"vmsd {c}"] = t.vmsd(c)
        out[f"vmsd_path {c}"] = t.vmsd_path(c)
        out[f"vmsd_definitions {c}"] = t.vmsd_definitions(c)
        out[f"vmsd_containers {c}"] = t.vmsd_containers(c)
        for path in (None, *t.paths()):
            out[f"types_for_vmsd {c} {path}"] = t.types_for_vmsd(c, path)
    for name in ("TYPE_FOO", "TYPE_FOO_SUB", "TYPE_NOPE", "FOO_REG_CTRL"):
        out[f"resolve_define {name}"] = t.resolve_define(name)
    for expr in ('TYPE_FOO "-x"', 'MACHINE_TYPE_NAME("pc")'):
        out[f"resolve_expr {expr}"] = t.resolve_expr(expr, "hw/misc/foo.c")
    for path in t.paths():
        out[f"file_model {path}"] = t.file_model(path)
    return out


def _build(repo_path: str, rev: str, cache: Path, summaries: bool) -> TreeIndex:
    return build_index(repo_path, rev, cache, jobs=1, extractor=extract_file, summaries=summaries)


def test_restored_summary_answers_like_full_index(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, _files())
    cache = tmp_path / "c"
    full = _build(repo.path, rev, tmp_path / "plain", summaries=False)
    first = _build(repo.path, rev, cache, summaries=True)
    assert first.stats is not None and not first.stats.summary
    restored = _build(repo.path, rev, cache, summaries=True)
    assert restored.stats is not None and restored.stats.summary
    want = _answers(full)
    assert want["type_names"] == ("foo", "foo-base", "foo-sub")  # the fixture means something
    assert want["vmsd_containers vmstate_foo_inner"] == ("vmstate_foo",)
    assert _answers(restored) == want
    assert _answers(first) == want
    assert dict(restored.models) == dict(full.models)


def test_summary_delta_with_files_equals_full_build(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    base = commit(repo, _files())
    foo2 = FOO_C.replace(b"VMSTATE_UINT32(a, FooState),", b"VMSTATE_UINT64(a, FooState),")
    head = commit(repo, {"hw/misc/foo.c": foo2, "hw/misc/foo_base.c": None}, base)
    cache = tmp_path / "c"
    _build(repo.path, base, cache, summaries=True)
    old = _build(repo.path, base, cache, summaries=True)  # restored, lazy models
    changed = models_for_files(
        repo.path, head, ["hw/misc/foo.c", "hw/misc/foo_base.c"], cache, extractor=extract_file
    )
    new = old.with_files(changed)
    assert new._agg is not None  # derived from the base aggregate, not rebuilt
    full = _build(repo.path, head, tmp_path / "plain", summaries=False)
    assert _answers(new) == _answers(full)


def test_new_revision_from_nearest_summary(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    base = commit(repo, _files())
    foo2 = FOO_C.replace(b'"x-flag", FooState, flag, true', b'"x-flag", FooState, flag, false')
    head = commit(repo, {"hw/misc/foo.c": foo2, "hw/misc/new.c": b"int x;\n"}, base)
    cache = tmp_path / "c"
    _build(repo.path, base, cache, summaries=True)
    delta = _build(repo.path, head, cache, summaries=True)
    assert delta.stats is not None and delta.stats.summary  # no full build of head
    full = _build(repo.path, head, tmp_path / "plain", summaries=False)
    assert _answers(delta) == _answers(full)
    again = _build(repo.path, head, cache, summaries=True)  # stored by the delta
    assert _answers(again) == _answers(full)


def _tables(t: TreeIndex) -> dict[str, object]:
    """Every whole-tree table of the aggregate and of its define table, as plain values."""
    from bot.model.tree import _TABLES

    agg = t.aggregate
    out: dict[str, object] = {}
    for name in _TABLES:
        value = getattr(agg, name)
        out[name] = {k: value[k] for k in value} if hasattr(value, "keys") else list(value)
    for i, part in enumerate(agg.defines.state()):
        out[f"defines{i}"] = {k: part[k] for k in part}
    return out


def test_define_change_revisits_the_files_resolved_through_it(tmp_path: Path) -> None:
    """A header macro other files' names were resolved through changes: the delta revisits
    those files (and only needs them), answering like a whole build."""
    repo = init_repo(tmp_path / "r.git")
    base = commit(repo, _files())
    hdr2 = HDR.replace(b'#define TYPE_FOO "foo"', b'#define TYPE_FOO "foo2"')
    head = commit(repo, {"include/hw/foo.h": hdr2}, base)
    cache = tmp_path / "c"
    _build(repo.path, base, cache, summaries=True)
    t = _build(repo.path, head, cache, summaries=True)
    assert t.stats is not None and t.stats.summary  # a delta, not a whole build
    full = _build(repo.path, head, tmp_path / "plain", summaries=False)
    assert _answers(t) == _answers(full)
    assert _tables(t) == _tables(full)
    assert "foo2" in t.type_names() and "foo" not in t.type_names()
    assert t.type_by_name("foo2-sub") is not None  # TYPE_FOO_SUB expands through TYPE_FOO
    assert t.compat_arrays()[0][1].entries[0].driver == "foo2"  # board.c's compat re-resolved
    old = _build(repo.path, base, cache, summaries=True)
    new = old.with_files(
        models_for_files(repo.path, head, ["include/hw/foo.h"], cache, extractor=extract_file)
    )
    assert new._agg is not None  # derived from the base aggregate, not rebuilt
    assert _answers(new) == _answers(full)
    assert _tables(new) == _tables(full)
    # the files resolved through TYPE_FOO, and no other
    users = old.aggregate.define_users
    assert set(users["TYPE_FOO"]) == {"hw/misc/foo.c", "hw/i386/board.c"}
    assert "hw/misc/foo_base.c" not in users.get("TYPE_FOO", ())


def test_define_change_nothing_resolved_through_stays_a_delta(tmp_path: Path) -> None:
    """Define changes no other file's names were resolved through (a new header macro, a
    .c file's own macro) keep the nearest-summary delta: the usual case between two bases."""
    repo = init_repo(tmp_path / "r.git")
    base = commit(repo, _files())
    hdr2 = HDR.replace(b"#endif", b'#define TYPE_FOO_NEW "foo-new"\n#define FOO_MSG "hi"\n#endif')
    board2 = BOARD_C.replace(b"static void", b'#define BOARD_NAME "pc"\nstatic void')
    head = commit(repo, {"include/hw/foo.h": hdr2, "hw/i386/board.c": board2}, base)
    cache = tmp_path / "c"
    _build(repo.path, base, cache, summaries=True)
    t = _build(repo.path, head, cache, summaries=True)
    assert t.stats is not None and t.stats.summary  # delta, not a whole build
    full = _build(repo.path, head, tmp_path / "plain", summaries=False)
    assert _answers(t) == _answers(full)
    assert t.resolve_define("TYPE_FOO_NEW") == "foo-new"
    again = _build(repo.path, head, cache, summaries=True)  # its summary was stored
    assert again.stats is not None and again.stats.summary
    assert _answers(again) == _answers(full)
    # and a later swap that changes what was looked up is a delta too, revisiting its users
    hdr3 = hdr2.replace(b'#define TYPE_FOO "foo"', b'#define TYPE_FOO "foo3"')
    head3 = commit(repo, {"include/hw/foo.h": hdr3}, head)
    t3 = _build(repo.path, head3, cache, summaries=True)
    assert t3.stats is not None and t3.stats.summary
    full3 = _build(repo.path, head3, tmp_path / "plain3", summaries=False)
    assert _answers(t3) == _answers(full3)
    assert _tables(t3) == _tables(full3)


def test_corrupt_summary_is_rebuilt(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, _files())
    cache = tmp_path / "c"
    full = _build(repo.path, rev, cache, summaries=True)
    db = sqlite3.connect(cache / ModelCache.FILE)
    db.execute("UPDATE summaries SET data = ?", (b"\x78\x9cjunk",))
    db.commit()
    db.close()
    t = _build(repo.path, rev, cache, summaries=True)
    assert t.stats is not None and not t.stats.summary
    assert _answers(t) == _answers(full)
    again = _build(repo.path, rev, cache, summaries=True)
    assert again.stats is not None and again.stats.summary
    assert _answers(again) == _answers(full)


def test_lazy_models_load_in_bulk_and_equal_a_full_build(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, _files())
    cache = tmp_path / "c"
    full = _build(repo.path, rev, tmp_path / "plain", summaries=False)
    _build(repo.path, rev, cache, summaries=True)
    restored = _build(repo.path, rev, cache, summaries=True)
    assert restored.stats is not None and restored.stats.summary
    assert dict(restored.models.items()) == dict(full.models)
    assert list(restored.models.values()) == [full.models[p] for p in full.models]


def test_models_for_files_symlink_absent_corrupt_row_replaced(tmp_path: Path) -> None:
    import pygit2

    repo = init_repo(tmp_path / "r.git")
    base = commit(repo, _files())
    # hw/misc/link.c is a symbolic link: not a C file of the tree, as in a whole build
    index = pygit2.Index()
    index.read_tree(repo[base].peel(pygit2.Commit).tree)
    target = repo.create_blob(b"foo.c")
    index.add(pygit2.IndexEntry("hw/misc/link.c", target, pygit2.GIT_FILEMODE_LINK))
    sig = pygit2.Signature("t", "t@example.org", 1700000000, 0)
    rev = str(repo.create_commit(None, sig, sig, "c", index.write_tree(repo), [repo[base].id]))
    cache = tmp_path / "c"
    paths = ["hw/misc/foo.c", "hw/misc/link.c", "hw/misc/gone.c"]
    first = models_for_files(repo.path, rev, paths, cache, extractor=extract_file)
    assert first["hw/misc/link.c"] is None and first["hw/misc/gone.c"] is None
    foo = first["hw/misc/foo.c"]
    assert foo is not None and foo.vmsd("vmstate_foo") is not None
    blob = str(repo[rev].peel(pygit2.Commit).tree["hw/misc/foo.c"].id)
    db = sqlite3.connect(cache / ModelCache.FILE)
    db.execute("UPDATE models SET data = ? WHERE blob = ?", (b"\x78\x9cjunk", blob))
    db.commit()
    again = models_for_files(repo.path, rev, paths, cache, extractor=extract_file)
    assert again == first
    (row,) = db.execute("SELECT data FROM models WHERE blob = ?", (blob,)).fetchall()
    db.close()
    assert bytes(row[0]) != b"\x78\x9cjunk"  # the corrupt row was replaced


def test_delta_starts_from_the_summary_nearest_in_commit_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new base derives from the stored revision nearest in time, not the last used one
    (list series: every one has its own base, and the cache holds many)."""
    from bot.index import build

    repo = init_repo(tmp_path / "r.git")
    day = 86400
    old = commit(repo, _files(), when=1700000000)
    near = commit(repo, {"hw/misc/a.c": b"int a;\n", "hw/misc/b.c": b"int b;\n"}, old,
                  when=1700000000 + 30 * day)
    head = commit(repo, {"hw/misc/c.c": b"int c;\n"}, near, when=1700000000 + 31 * day)
    cache = tmp_path / "c"
    _build(repo.path, near, cache, summaries=True)
    _build(repo.path, old, cache, summaries=True)  # the most recently used one
    monkeypatch.setattr(build, "DELTA_CANDIDATES", 1)
    monkeypatch.setattr(build, "DELTA_MAX_FILES", 1)  # `old` differs from head in 3 files
    t = _build(repo.path, head, cache, summaries=True)
    assert t.stats is not None and t.stats.summary  # from `near`'s summary + c.c
    assert _answers(t) == _answers(_build(repo.path, head, tmp_path / "plain", summaries=False))
    # without commit times (summaries of an older cache) the recently used one is tried
    with sqlite3.connect(cache / "models.sqlite") as db:
        db.execute("DELETE FROM summary_info")
    head2 = commit(repo, {"hw/misc/d.c": b"int d;\n"}, near, when=1700000000 + 32 * day)
    _build(repo.path, old, cache, summaries=True)
    t2 = _build(repo.path, head2, cache, summaries=True)
    assert t2.stats is not None and not t2.stats.summary


def test_restoring_a_summary_does_not_list_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counts of files and blobs a summary stands for are stored with it (the summary
    line shows them): a restore reads them instead of listing every C file again."""
    from bot.index import build

    repo = init_repo(tmp_path / "r.git")
    base = commit(repo, _files())
    head = commit(repo, {"hw/misc/new.c": b"int x;\n"}, base)
    cache = tmp_path / "c"
    first = _build(repo.path, base, cache, summaries=True)
    delta = _build(repo.path, head, cache, summaries=True)

    def no_listing(*_: object) -> None:
        raise AssertionError("listed the tree")

    monkeypatch.setattr(build, "list_c_files", no_listing)
    for rev, built in ((base, first), (head, delta)):
        again = _build(repo.path, rev, cache, summaries=True)
        assert again.stats is not None and built.stats is not None and again.stats.summary
        assert (again.stats.files, again.stats.blobs) == (built.stats.files, built.stats.blobs)
    assert (delta.stats.files, delta.stats.blobs) == (first.stats.files + 1,
                                                      first.stats.blobs + 1)  # fmt: skip
