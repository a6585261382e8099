"""The builtin dump comparator: wire semantics, both directions, one finding per problem."""

from __future__ import annotations

from typing import Any

import pytest
from art_dumpfix import base, clone, desc, fld

from bot.artifacts.allowlists import AllowLists
from bot.artifacts.compare import compare_dumps, is_compatible, load_dump, validate_dump
from bot.artifacts.kinds import extra_get
from bot.errors import InputError
from bot.findings import Evidence, Finding, Severity


def summary(fs: tuple[Finding, ...]) -> list[tuple[str, str, str, str]]:
    return sorted((f.rule, f.severity.value, f.entity, extra_get(f, "direction")) for f in fs)


def fields_of(d: dict[str, Any], sec: str = "mydev") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = d[sec]["Description"]["Fields"]
    return out


def test_self_compare_is_silent_even_with_duplicate_subsection_names() -> None:
    d = base()
    assert compare_dumps(d, clone(d)) == ()


def test_append_field_without_version_breaks_both_ways() -> None:
    new = clone(base())
    fields_of(new).append(fld("extra_reg"))
    assert summary(compare_dumps(base(), new)) == [
        ("MIG001", "error", "mydev/mydev.extra_reg", "both")]


def test_versioned_append_only_breaks_backward() -> None:
    new = clone(base())
    fields_of(new).append(fld("extra_reg", v=4))
    new["mydev"]["version_id"] = new["mydev"]["Description"]["version_id"] = 4
    fs = compare_dumps(base(), new)
    assert summary(fs) == [("MIG004", "warning", "mydev/mydev", "new->old")]


def test_min_version_bump_breaks_forward() -> None:
    new = clone(base())
    new["mydev"]["minimum_version_id"] = new["mydev"]["Description"]["minimum_version_id"] = 3
    fs = compare_dumps(base(), new)
    # old sends 3, new accepts [3,3]: fine; bump min above the old version instead
    assert fs == ()
    new["mydev"]["minimum_version_id"] = new["mydev"]["Description"]["minimum_version_id"] = 4
    new["mydev"]["version_id"] = new["mydev"]["Description"]["version_id"] = 4
    assert summary(compare_dumps(base(), new)) == [("MIG004", "error", "mydev/mydev", "both")]


def test_removed_field_and_size_and_array_length() -> None:
    new = clone(base())
    f = fields_of(new)
    del f[1]  # ctrl
    f[1]["size"] = 4  # status 2 -> 4
    f[2]["num"] = 32  # regs[16] -> regs[32] (upstream misses this)
    assert summary(compare_dumps(base(), new)) == [
        ("MIG002", "error", "mydev/mydev.ctrl", "both"),
        ("MIG003", "error", "mydev/mydev.regs", "both"),
        ("MIG003", "error", "mydev/mydev.status", "both"),
    ]


def test_rename_same_size_is_a_note_and_allowlisted_rename_is_silent() -> None:
    new = clone(base())
    fields_of(new)[1]["field"] = "control"
    fs = compare_dumps(base(), new)
    assert summary(fs) == [("ART001", "note", "mydev/mydev.ctrl", "none")]
    assert is_compatible(fs)
    allow = AllowLists(fields={"mydev": (("ctrl", "control"),)})
    assert compare_dumps(base(), new, allow) == ()


def test_unused_replacement_of_same_total_size_is_compatible() -> None:
    new = clone(base())
    f = fields_of(new)
    f[1:3] = [fld("unused", 6)]  # ctrl(4) + status(2)
    assert compare_dumps(base(), new) == ()
    f[1] = fld("unused", 4)
    assert not is_compatible(compare_dumps(base(), new))


def test_fields_wrapped_into_a_substruct_are_compatible_but_size_change_inside_is_not() -> None:
    new = clone(base())
    f = fields_of(new)
    f[1:3] = [fld("regs_s", 64, desc=desc("mydev_regs", [fld("ctrl"), fld("status", 2)]))]
    assert compare_dumps(base(), new) == ()
    f[1]["Description"]["Fields"][1]["size"] = 1
    assert summary(compare_dumps(base(), new)) == [
        ("MIG003", "error", "mydev/mydev.status", "both")]


def test_nested_struct_rename_and_version_are_not_on_the_wire() -> None:
    new = clone(base())
    nested = fields_of(new)[0]["Description"]
    nested["name"] = "PCIDeviceRenamed"
    nested["version_id"] = 3
    assert compare_dumps(base(), new) == ()


def test_nested_versioned_field_breaks_both_ways() -> None:
    new = clone(base())
    nested = fields_of(new)[0]["Description"]
    nested["version_id"] = 3
    nested["Fields"].append(fld("new_state", 4, v=3))
    assert summary(compare_dumps(base(), new)) == [
        ("MIG001", "error", "mydev/PCIDevice.new_state", "both")]


def test_subsection_added_removed_renamed() -> None:
    new = clone(base())
    subs = new["mydev"]["Description"]["Subsections"]
    subs.append(desc("mydev/more", [fld("y")]))
    assert summary(compare_dumps(base(), new)) == [
        ("MIG006", "warning", "mydev/mydev/more", "new->old")]
    new = clone(base())
    del new["mydev"]["Description"]["Subsections"][1]
    assert summary(compare_dumps(base(), new)) == [
        ("MIG005", "error", "mydev/mydev/dma", "old->new")]
    new = clone(base())
    new["mydev"]["Description"]["Subsections"][1]["name"] = "mydev/dma2"
    fs = compare_dumps(base(), new)
    assert summary(fs) == [("MIG005", "error", "mydev/mydev/dma", "both")]
    assert "renamed" in fs[0].message


def test_subsection_field_change_is_found_inside_the_subsection() -> None:
    new = clone(base())
    new["mydev"]["Description"]["Subsections"][0]["Fields"][0]["size"] = 4
    assert summary(compare_dumps(base(), new)) == [
        ("MIG003", "error", "mydev/mydev/extra.x", "both")]


def test_duplicate_subsections_paired_by_occurrence() -> None:
    new = clone(base())
    new["sd-card"]["Description"]["Subsections"][1]["Fields"][0]["num"] = 512
    assert summary(compare_dumps(base(), new)) == [
        ("MIG003", "error", "sd-card/sd-card/ext.ext_csd", "both")]
    new = clone(base())
    new["mydev"]["Description"]["Subsections"].append(desc("mydev/dma", [fld("z")]))
    assert [f.rule for f in compare_dumps(base(), new)] == ["MIG008"]


def test_sections_removed_added_and_qom_rename() -> None:
    new = clone(base())
    new["serial-isa-2"] = new.pop("serial-isa")
    new["serial-isa-2"]["Name"] = "serial-isa-2"
    fs = compare_dumps(base(), new)
    assert summary(fs) == [("MIG021", "note", "serial-isa", "none")]
    new = clone(base())
    del new["serial-isa"]
    fs = compare_dumps(base(), new)
    assert summary(fs) == [("MIG020", "error", "serial-isa", "old->new")]
    assert summary(compare_dumps(new, base())) == [("MIG024", "note", "serial-isa", "new->old")]


def test_vmsd_rename_under_same_type_changes_the_idstr() -> None:
    new = clone(base())
    new["serial-isa"]["Description"]["name"] = "serial2"
    assert summary(compare_dumps(base(), new)) == [
        ("MIG021", "error", "serial-isa/serial", "both")]


def test_reorder_is_reported_once_as_moved() -> None:
    new = clone(base())
    f = fields_of(new)
    f[1], f[3] = f[3], f[1]
    fs = compare_dumps(base(), new)
    assert fs and all(x.rule == "MIG003" for x in fs)
    assert any("moved" in x.message for x in fs)


def test_test_predicate_field_added_is_a_warning() -> None:
    new = clone(base())
    fields_of(new).append(fld("opt", 4, test=True))
    assert summary(compare_dumps(base(), new)) == [
        ("MIG015", "warning", "mydev/mydev.opt", "both")]


def test_findings_carry_dump_evidence_and_mapping_keys() -> None:
    new = clone(base())
    del fields_of(new)[1]
    (f,) = compare_dumps(base(), new)
    assert f.evidence == (Evidence.DUMP,)
    assert extra_get(f, "section") == "mydev" and extra_get(f, "vmsd") == "mydev"
    assert f.fingerprint and f.severity is Severity.ERROR and f.category.value == "field-removed"


def test_machine_mismatch_is_a_note() -> None:
    new = clone(base())
    new["vmschkmachine"]["Name"] = "pc-q35-8.0"
    fs = compare_dumps(base(), new)
    assert [f.rule for f in fs] == ["ART002"] and is_compatible(fs)


def test_load_dump_errors(tmp_path: Any) -> None:
    p = tmp_path / "x.json"
    with pytest.raises(InputError, match="cannot read"):
        load_dump(p)
    p.write_text("{nope")
    with pytest.raises(InputError, match="not JSON"):
        load_dump(p)
    p.write_text("[]")
    with pytest.raises(InputError, match="not a JSON object"):
        load_dump(p)
    with pytest.raises(InputError, match="version_id"):
        validate_dump({"a": {"Description": {"version_id": "x"}}})


def test_old_dumps_without_num_compare_element_size_only() -> None:
    old = base()
    for f in old["mydev"]["Description"]["Fields"]:
        f.pop("num", None)  # a QEMU < 8.1 dump
    assert compare_dumps(old, base()) == ()
    new = clone(base())
    fields_of(new)[3]["size"] = 8
    assert [f.rule for f in compare_dumps(old, new)] == ["MIG003"]
