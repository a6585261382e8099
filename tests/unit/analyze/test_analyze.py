"""analyze(): per-patch + folded runs, series judgment, bisectability notes, quick skip.

The extractor here is a tiny real one for a toy line format (`vmsd NAME: f1 f2 ...`), so the
tests exercise the pipeline independently of the C model.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analyze import DEFAULT_SCAN_PREFIXES, analyze, fold_patches, is_reviewable
from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, Rule, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import Define, FileModel, Vmsd, VmstateField
from bot.series import FileChange, Patch, Series, hunks_from_bytes

PATH = "hw/misc/foo.c"
calls: list[tuple[str, bytes, dict[str, str]]] = []


def toy_extract(path: str, data: bytes, defines: Mapping[str, str] | None) -> FileModel:
    """`vmsd NAME: f1 f2` -> a Vmsd; `define N V` -> a Define; `garbage` -> unparsed."""
    vmsds: list[Vmsd] = []
    defs: list[Define] = []
    for i, line in enumerate(data.decode().splitlines(), start=1):
        if line == "garbage":
            return FileModel(path, parsed=False)
        if line.startswith("define "):
            _, name, value = line.split()
            defs.append(Define(name, value, value, i))
        if line.startswith("vmsd "):
            name, _, rest = line[5:].partition(":")
            name = name.strip()
            if defines is not None and name in defines:
                name = defines[name]
            fields = tuple(
                VmstateField(
                    "VMSTATE_UINT32", (f, "S"), f, f, "S", 0, None, None, "uint32", 4, None, None, i
                )
                for f in rest.split()
            )
            vmsds.append(Vmsd(name, name, None, 1, 1, fields, (), 0, (), False, None, i, i))
    return FileModel(path, vmsds=tuple(vmsds), defines=tuple(defs))


def removed_fields(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Field names that disappeared from a vmsd."""
    if change.op == "modified":
        assert isinstance(change.old, Vmsd) and isinstance(change.new, Vmsd)
        new_names = {f.name for f in change.new.fields}
        for f in change.old.fields:
            if f.name not in new_names:
                yield Hit(
                    f"field {f.name} removed from {change.key}",
                    change.new.line,
                    "new",
                    f"{change.key}.{f.name}",
                )


def vmsd_added(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """A whole new vmsd (series scope)."""
    if change.op == "added":
        yield Hit(f"new section {change.key}", change.line, "new", change.key)


FIELD_REMOVED = Rule(
    RuleSpec(
        "MIG951",
        "toy-field-removed",
        Severity.ERROR,
        Category.FIELD_REMOVED,
        "high",
        "patch",
        "field removed",
        "use VMSTATE_UNUSED",
        ("vmsd",),
    ),
    removed_fields,
    "doc",
)
SECTION_ADDED = Rule(
    RuleSpec(
        "MIG952",
        "toy-section-added",
        Severity.WARNING,
        Category.SECTION_ADDED,
        "high",
        "series",
        "section added",
        "tie it to a compat property",
        ("vmsd",),
    ),
    vmsd_added,
    "doc",
)
RULES = (FIELD_REMOVED, SECTION_ADDED)


def make_series(*versions: bytes, path: str = PATH) -> Series:
    """A series whose patch i turns versions[i-1] into versions[i] of one file."""
    patches = []
    for i in range(1, len(versions)):
        fc = FileChange(
            path, path, versions[i - 1], versions[i], hunks_from_bytes(versions[i - 1], versions[i])
        )
        patches.append(Patch(i, f"{i:040x}", f"patch {i}", "A U Thor <a@example.org>", (fc,)))
    return Series("0" * 40, f"{len(patches):040x}", tuple(patches), fold_patches(patches))


def run(series: Series) -> tuple[list[tuple[str, str, int | None]], object]:
    report = analyze(series, rules=RULES, extract=toy_extract)
    assert report.stats.rule_errors == ()
    return [(f.rule, f.severity.value, f.patch_index) for f in report.findings], report


def test_single_patch_finding_attributed_to_patch_1() -> None:
    got, _ = run(make_series(b"vmsd vmstate_foo: a b c\n", b"\nvmsd vmstate_foo: a c\n"))
    assert got == [("MIG951", "error", 1)]


def test_folded_finding_attributed_to_introducing_patch() -> None:
    v0 = b"vmsd vmstate_foo: a b c\n"
    v1 = b"vmsd vmstate_foo: a c\n"  # patch 1 removes b
    v2 = b"// comment\nvmsd vmstate_foo: a c\n"  # patch 2 only shifts lines
    v3 = b"// comment\nvmsd vmstate_foo: a c\nvmsd vmstate_bar: x\n"  # patch 3 adds a section
    got, report = run(make_series(v0, v1, v2, v3))
    assert sorted(got, key=str) == [("MIG951", "error", 1), ("MIG952", "warning", 3)]
    assert report.findings[0].commit == f"{1:040x}"  # type: ignore[attr-defined]


def test_repaired_break_is_a_bisectability_note() -> None:
    v0 = b"vmsd vmstate_foo: a b c\n"
    v1 = b"vmsd vmstate_foo: a c\n"  # patch 1 removes b ...
    v2 = b"vmsd vmstate_foo: a b c\n"  # ... patch 2 puts it back
    got, report = run(make_series(v0, v1, v2))
    assert got == [("MIG951", "note", 1)]
    f = report.findings[0]  # type: ignore[attr-defined]
    assert f.message == (
        "patch 1 is not bisectable: field b removed from vmstate_foo (repaired later in the series)"
    )


def test_findings_deduplicated_across_patches() -> None:
    v0 = b"vmsd vmstate_foo: a b c\n"
    v1 = b"vmsd vmstate_foo: a c\n"
    v2 = b"vmsd vmstate_foo: a b c\n"
    v3 = b"vmsd vmstate_foo: a c\n"
    got, _ = run(make_series(v0, v1, v2, v3))
    # folded: b removed (attributed to patch 3, the last that did it); no duplicate notes
    assert got == [("MIG951", "error", 3)]


def test_quick_skip_for_non_code_series() -> None:
    fc_doc = FileChange("docs/devel/foo.rst", "docs/devel/foo.rst", b"a\n", b"b\n")
    fc_test = FileChange("tests/qtest/foo-test.c", "tests/qtest/foo-test.c", b"a\n", b"b\n")
    patch = Patch(1, "1" * 40, "docs", "a", (fc_doc, fc_test))
    series = Series("0" * 40, "1" * 40, (patch,), (fc_doc, fc_test))
    report = analyze(series)  # no rules, no extractor needed: must not even load them
    assert report.findings == ()
    assert report.stats.skipped_reason is not None
    assert "hw/" in report.stats.skipped_reason
    assert report.stats.files_parsed == 0
    assert report.stats.files_skipped == 2


def test_scan_prefixes_parameter() -> None:
    assert is_reviewable("hw/misc/foo.c") and is_reviewable("include/hw/foo.h")
    assert not is_reviewable("hw/misc/meson.build")
    assert not is_reviewable("tests/unit/test-vmstate.c")
    assert is_reviewable("tests/unit/test-vmstate.c", ("tests/",))
    # older trees: target-<arch>/ and top-level savevm.c, vl.c, arch_init.c
    for old_style in ("target-i386/cpu.c", "savevm.c", "vl.c", "arch_init.c", "slirp/slirp.c"):
        assert is_reviewable(old_style), old_style
    assert not is_reviewable("vl.cfg") and not is_reviewable("savevm.h.in")
    assert "qom/" in DEFAULT_SCAN_PREFIXES
    s = make_series(b"vmsd vmstate_foo: a b\n", b"vmsd vmstate_foo: a\n", path="linux-user/x.c")
    assert analyze(s, rules=RULES, extract=toy_extract).stats.skipped_reason is not None
    r = analyze(s, rules=RULES, extract=toy_extract, scan_prefixes=("linux-user/",))
    assert [f.rule for f in r.findings] == ["MIG951"]


def test_added_and_deleted_files() -> None:
    added = FileChange(None, "hw/misc/new.c", None, b"vmsd vmstate_new: a\n")
    deleted = FileChange("hw/misc/old.c", None, b"vmsd vmstate_old: a\n", None)
    patch = Patch(1, "1" * 40, "s", "a", (added, deleted))
    report = analyze(
        Series("0" * 40, "1" * 40, (patch,), (added, deleted)), rules=RULES, extract=toy_extract
    )
    assert [(f.rule, f.path) for f in report.findings] == [("MIG952", "hw/misc/new.c")]
    assert report.stats.files_parsed == 2


def test_unparsable_side_is_skipped_not_diffed() -> None:
    s = make_series(b"vmsd vmstate_foo: a b\n", b"garbage\n")
    report = analyze(s, rules=RULES, extract=toy_extract)
    assert report.findings == ()
    assert report.stats.files_skipped == 1


def test_crashing_extractor_does_not_kill_review() -> None:
    def boom(path: str, data: bytes, defines: Mapping[str, str] | None) -> FileModel:
        raise RuntimeError("parser bug")

    report = analyze(make_series(b"a\n", b"b\n"), rules=RULES, extract=boom)
    assert report.findings == ()
    assert report.stats.files_skipped == 1


def test_crashing_rule_reported_in_stats() -> None:
    def crash(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
        raise ZeroDivisionError("x")

    bad = Rule(
        RuleSpec("MIG953", "toy-crash", Severity.ERROR, Category.OTHER, "low", "patch", "m", "h"),
        crash,
        "doc",
    )
    s = make_series(b"vmsd vmstate_foo: a b c\n", b"vmsd vmstate_foo: a c\n")
    report = analyze(s, rules=(bad, *RULES), extract=toy_extract)
    assert report.stats.rule_errors == ("MIG953: ZeroDivisionError('x')",)
    assert [f.rule for f in report.findings] == ["MIG951"]


def test_header_defines_reach_c_files_of_same_unit() -> None:
    hdr = FileChange(
        "include/hw/misc/foo.h", "include/hw/misc/foo.h", b"", b"define VMSD_NAME vmstate_foo\n"
    )
    src = FileChange(PATH, PATH, b"vmsd vmstate_foo: a b\n", b"vmsd VMSD_NAME: a\n")
    patch = Patch(1, "1" * 40, "s", "a", (src, hdr))
    report = analyze(
        Series("0" * 40, "1" * 40, (patch,), (src, hdr)), rules=RULES, extract=toy_extract
    )
    assert [f.rule for f in report.findings] == ["MIG951"]


def test_fold_patches_follows_renames_and_drops_roundtrips() -> None:
    p1 = Patch(
        1,
        "1" * 40,
        "s",
        "a",
        (
            FileChange("hw/a.c", "hw/b.c", b"x\n", b"y\n"),
            FileChange(None, "hw/tmp.c", None, b"t\n"),
        ),
    )
    p2 = Patch(
        2,
        "2" * 40,
        "s",
        "a",
        (
            FileChange("hw/b.c", "hw/b.c", b"y\n", b"z\n"),
            FileChange("hw/tmp.c", None, b"t\n", None),
        ),
    )
    folded = fold_patches((p1, p2))
    assert [(f.old_path, f.new_path, f.old, f.new) for f in folded] == [
        ("hw/a.c", "hw/b.c", b"x\n", b"z\n")
    ]


def test_stats_and_caching() -> None:
    v0 = b"vmsd vmstate_foo: a b c\n"
    v1 = b"vmsd vmstate_foo: a c\n"
    v2 = b"vmsd vmstate_foo: a\n"
    report = analyze(make_series(v0, v1, v2), rules=RULES, extract=toy_extract)
    assert report.stats.files_parsed == 3  # v0, v1, v2 each extracted once
    assert report.stats.seconds >= 0


def test_entity_moved_verbatim_between_files_is_no_change() -> None:
    a = FileChange(
        "hw/misc/a.c",
        "hw/misc/a.c",
        b"vmsd vmstate_foo: a b\nvmsd vmstate_x: q\n",
        b"vmsd vmstate_x: q\n",
    )
    b = FileChange(None, "hw/misc/b.c", None, b"// moved here\n\nvmsd vmstate_foo: a b\n")
    patch = Patch(1, "1" * 40, "split a.c", "a", (a, b))
    report = analyze(Series("0" * 40, "1" * 40, (patch,), (a, b)), rules=RULES, extract=toy_extract)
    assert report.findings == ()
    # moved *and* changed: the add stays visible to rules
    b2 = FileChange(None, "hw/misc/b.c", None, b"vmsd vmstate_foo: a\n")
    patch = Patch(1, "1" * 40, "split a.c", "a", (a, b2))
    report = analyze(
        Series("0" * 40, "1" * 40, (patch,), (a, b2)), rules=RULES, extract=toy_extract
    )
    assert [(f.rule, f.path) for f in report.findings] == [("MIG952", "hw/misc/b.c")]


def test_verdict_carries_line_in_introducing_patch() -> None:
    v0 = b"vmsd vmstate_foo: a b c\n"
    v1 = b"vmsd vmstate_foo: a c\n"
    v2 = b"\n\n\nvmsd vmstate_foo: a c\n"
    report = analyze(make_series(v0, v1, v2), rules=RULES, extract=toy_extract)
    (f,) = report.findings
    assert (f.line, f.patch_index) == (4, 1)
    assert dict(f.extra) == {"patch_line": "1", "patch_side": "new"}


_FIELDS = st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True, max_size=4)
_VERSION = st.builds(
    lambda foo, bar: (
        (b"vmsd vmstate_foo: " + " ".join(foo).encode() + b"\n")
        + (b"" if bar is None else b"vmsd vmstate_bar: " + " ".join(bar).encode() + b"\n")
    ),
    _FIELDS,
    st.none() | _FIELDS,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_VERSION, min_size=2, max_size=5))
def test_series_verdict_equals_squashed_review(versions: list[bytes]) -> None:
    series = make_series(*versions)
    report = analyze(series, rules=RULES, extract=toy_extract)
    fps = [f.fingerprint for f in report.findings]
    assert len(fps) == len(set(fps))
    assert all(1 <= (f.patch_index or 0) <= len(series.patches) for f in report.findings)
    squashed = analyze(make_series(versions[0], versions[-1]), rules=RULES, extract=toy_extract)
    verdict = {
        (f.rule, f.fingerprint) for f in report.findings if "not bisectable" not in f.message
    }
    assert verdict == {(f.rule, f.fingerprint) for f in squashed.findings}
    for f in report.findings:
        if "not bisectable" in f.message:
            assert f.severity is Severity.NOTE
