"""Fix drafts over every rule fixture: ready to paste, and proven from source.

Every finding's draft must be free of bare placeholders (`<old value>`, `X_Y`, `...`),
FIXME markers and lines over 80 columns (bot.fixedit.draft_problems); what the model cannot
give is named in a C comment instead. Each draft is then applied to the fixture's head
(bot.fixverify) and the fixture reviewed again: the finding must go and nothing new appear.
Drafts that need a part the fixture tree does not have (a compat array without VERSION or
hw/core/machine.c, machine init code) say so; the share verified must not fall.
"""

from __future__ import annotations

import dataclasses

import pytest
from fixturelib import Case, all_files, discover
from test_fixtures import _extract, _release, _trees

from bot.analyze import analyze
from bot.engine.spec import Rule
from bot.findings import Finding
from bot.fixedit import draft_problems
from bot.fixverify import VERIFIED, apply_draft, verify_fixes, verify_one
from bot.report import Report
from rules import load_rules

# Measured: 98 of 108 drafts (91 %). The rest: dummy sections with no place to go (MIG020),
# CPU feature guidance (MIG035), fixes that reveal a second defect of the same fixture
# (a renamed section's version bump), an old tree's CPU without a QOM type to name.
MIN_VERIFIED_SHARE = 0.90


def verified_report(case: Case, rules: tuple[Rule, ...]) -> Report:
    """A fixture's report, every draft applied to its head and the case reviewed again."""
    old_tree, new_tree = _trees(case)
    release = _release(case)
    report = analyze(case.series(), rules=rules, old_tree=old_tree, new_tree=new_tree,
                     extract=_extract, release=release)  # fmt: skip
    files = all_files(case)
    return verify_fixes(report, rules=rules, old_tree=old_tree, new_tree=new_tree,
                        read_head=lambda p: (files.get(p) or (None, None))[1],
                        extract=_extract, release=release)  # fmt: skip


@pytest.fixture(scope="module")
def drafted() -> list[tuple[str, Finding]]:
    rules = load_rules()
    return [(case.id, f) for case in discover() if case.files
            for f in verified_report(case, rules).findings if f.fix_draft]  # fmt: skip


def test_every_draft_is_ready_to_paste(drafted: list[tuple[str, Finding]]) -> None:
    bad = [f"{cid} {f.rule}: {'; '.join(draft_problems(f.fix_draft or ''))}"
           for cid, f in drafted if draft_problems(f.fix_draft or "")]  # fmt: skip
    assert drafted and not bad, "\n".join(bad)


def test_every_draft_says_whether_it_was_verified(drafted: list[tuple[str, Finding]]) -> None:
    assert all(f.fix_check for _, f in drafted)
    assert all(f.fix_check == VERIFIED or f.fix_check.startswith("fix not verified: ")
               for _, f in drafted if f.fix_check)  # fmt: skip


def test_share_verified_from_source(drafted: list[tuple[str, Finding]]) -> None:
    verified = [cid for cid, f in drafted if f.fix_check == VERIFIED]
    assert len(verified) / len(drafted) >= MIN_VERIFIED_SHARE, (len(verified), len(drafted))
    # the drafts that go into a tree with VERSION and hw/core/machine.c verify end to end
    # (`// fixture-tree: compat` cases: a tree with VERSION and hw/core/machine.c)
    for case in ("MIG001/append_field", "MIG006/no_needed", "MIG014/nested_v_field",
                 "MIG002/remove_middle", "MIG023/id_changed", "MIG020/registration_removed",
                 "MIG036/chain_broken", "MIG010/copied_field_other_struct",
                 "MIG014/nested_array_in_device", "MIG033/nvme_msix_in_bar0",
                 "MIG033/parent_obj_renamed", "MIG007/subsections_no_null",
                 "MIG032/property_on_subtype", "MIG015/drop_old_version_gates_ok",
                 "MIG008/second_list", "MIG004/loop_registered_subtypes",
                 "MIG004/minimum_raised_field_dropped", "MIG014/nested_in_other_file"):  # fmt: skip
        assert case in verified, case


def test_no_compat_entry_is_drafted_for_a_device_no_versioned_machine_has() -> None:
    (case,) = [c for c in discover() if c.id == "MIG030/compat_macro_old_style"]
    (f,) = [f for f in verified_report(case, load_rules()).findings if f.rule == "MIG030"]
    assert f.severity.value == "note" and "cannot appear on a versioned" in f.message
    assert f.fix_draft is None  # no hw_compat suggestion for a board without versions


def _draft_of(case_id: str, rule: str) -> Finding:
    (case,) = [c for c in discover() if c.id == case_id]
    (f,) = [f for f in verified_report(case, load_rules()).findings if f.rule == rule]
    return f


def test_nested_struct_gate_reaches_the_device_through_the_parent_field() -> None:
    # dfcf74fa68c8: vmstate_virtio_gpu_scanout is nested in VirtIOGPU.parent_obj.scanout[]
    # (through vmstate_virtio_gpu_scanouts, which no class sets as dc->vmsd); the device is
    # the type whose Property array names VirtIOGPU, not its subtype virtio-gpu-gl-device
    f = _draft_of("MIG014/nested_array_in_device", "MIG014")
    draft = f.fix_draft or ""
    assert "container_of(opaque, VirtIOGPU, parent_obj.scanout)" in draft
    assert "element 0" in draft  # an array member: said, not hidden
    assert '{ "virtio-gpu-device", "x-migrate-v2", "false" },' in draft
    assert "DEFINE_PROP_BOOL(\"x-migrate-v2\", VirtIOGPU, migrate_v2, true)" in draft
    assert "fill in" not in draft and "= NULL" not in draft
    members = [e for e in f.fix_edits if e.op == "member"]
    assert [(e.path, e.anchor, e.optional) for e in members] == [
        ("include/hw/virtio/virtio-gpu.h", "VirtIOGPU", False)]
    assert f.fix_check == VERIFIED


def test_gated_call_names_the_functions_own_state_variable_and_keeps_the_old_call() -> None:
    # 1901b4967c3f: nvme_init_pci(NvmeCtrl *n, PCIDevice *pci_dev, ...) replaces
    # msix_init_exclusive_bar() by msix_init() in BAR 0; nvme_props[] names NvmeCtrl
    (case,) = [c for c in discover() if c.id == "MIG033/nvme_msix_in_bar0"]
    findings = verified_report(case, load_rules()).findings
    (f,) = [f for f in findings if f.rule == "MIG033" and "msix_init(" in f.message]
    draft = f.fix_draft or ""
    assert draft.startswith("if (n->migrate_msix) {\n    msix_init(pci_dev,")
    assert "} else {\n    msix_init_exclusive_bar(pci_dev, n->params.msix_qsize, 4, &err);" in draft
    assert 'DEFINE_PROP_BOOL("x-migrate-msix", NvmeCtrl, migrate_msix, true),' in draft
    assert "fill in" not in draft and "Object" not in draft
    assert f.fix_check == VERIFIED
    files = all_files(case)
    drafted = apply_draft(case.series(), f.fix_edits, lambda p: files[p][1])
    code = drafted.files["hw/block/nvme.c"].decode()
    assert "    } else {\n        ret = msix_init_exclusive_bar(pci_dev," in code
    assert "bool migrate_msix;" in drafted.files["hw/block/nvme.h"].decode()


def test_a_draft_naming_a_member_the_struct_lacks_is_not_verified() -> None:
    (case,) = [c for c in discover() if c.id == "MIG033/cap_added"]
    rules = load_rules()
    (f, *_) = [f for f in verified_report(case, rules).findings if f.rule == "MIG033"]
    assert f.fix_check == VERIFIED
    without_member = tuple(e for e in f.fix_edits if e.op != "member")
    g = dataclasses.replace(f, fix_edits=without_member)
    files = all_files(case)
    check = verify_one(g, case.series(), {f.fingerprint}, rules=rules, old_tree=None,
                       new_tree=None, read_head=lambda p: (files.get(p) or (None, None))[1],
                       extract=_extract)  # fmt: skip
    assert check == ("fix not verified: the draft names members that do not exist "
                     "(FooPcieState has no member migrate_msix)")  # fmt: skip


def test_a_renamed_member_is_renamed_in_the_old_call_and_blanks_are_not_verified() -> None:
    # the PCIDevice member `dev` became `parent_obj`: the else branch keeps the old call
    (case,) = [c for c in discover() if c.id == "MIG033/parent_obj_renamed"]
    (f,) = [f for f in verified_report(case, load_rules()).findings
            if f.rule == "MIG033" and f.message.startswith("pci_set_byte")]  # fmt: skip
    assert "} else {\n    pci_set_byte(s->parent_obj.wmask + PCI_INTERRUPT_LINE, 0);" in (
        f.fix_draft or "")
    assert f.fix_check == VERIFIED
    # a 2012 tree's CPU has no QOM type for a compat property: the new MSR goes in a
    # subsection sent only while it is set (as QEMU did for pv_eoi_en_msr)
    (case,) = [c for c in discover() if c.id == "MIG007/old_tree_target_dash"]
    (g,) = [g for g in verified_report(case, load_rules()).findings if g.rule == "MIG001"]
    assert "    return s->env.pv_eoi_en_msr != 0;\n" in (g.fix_draft or "")
    assert g.fix_check == VERIFIED


def test_subtypes_registered_in_a_loop_get_the_entry_of_the_type_sized_by_the_state() -> None:
    # d62644b46a86: e1000, e1000-82544gc ... come from a loop over e1000_devices[]; the
    # abstract e1000-base (instance_size = sizeof(E1000State)) names them all
    f = _draft_of("MIG004/loop_registered_subtypes", "MIG004")
    assert '{ "e1000-base", "x-migrate-ipcss", "false" },' in (f.fix_draft or "")
    assert f.fix_check == VERIFIED


def test_a_raised_minimum_skips_the_dropped_fields_of_older_streams() -> None:
    # abc24d86cc03 dropped env.v7m.other_sp and current_sp and raised cpu/m's minimum
    (case,) = [c for c in discover() if c.id == "MIG004/minimum_raised_field_dropped"]
    (f,) = [f for f in verified_report(case, load_rules()).findings
            if f.entity.endswith(".minimum_version_id")]  # fmt: skip
    files = all_files(case)
    drafted = apply_draft(case.series(), f.fix_edits, lambda p: files[p][1])
    code = drafted.files["target/arm/machine.c"].decode()
    assert ("        VMSTATE_UNUSED_TEST(m_before_v2, 4), /* was env.v7m.other_sp */\n"
            "        VMSTATE_UINT32(env.v7m.vecbase, ARMCPU),") in code  # fmt: skip
    assert "    return version_id < 2;" in code and "    .minimum_version_id = 1," in code
    assert f.fix_check == VERIFIED


def test_a_device_without_properties_gets_a_property_array() -> None:
    # bar-timer's class_init sets dc->vmsd and installs no properties
    f = _draft_of("MIG014/nested_in_other_file", "MIG014")
    assert "static const Property bar_timer_properties[] = {\n" in (f.fix_draft or "")
    assert "    device_class_set_props(dc, bar_timer_properties);" in (f.fix_draft or "")
    assert f.fix_check == VERIFIED


def test_a_dummy_swallows_a_struct_array_by_the_nested_descriptions_size() -> None:
    # 340e19ebf210 (i8257 "dma"): regs is VMSTATE_STRUCT_ARRAY of 4 x 17 bytes
    f = _draft_of("MIG020/struct_array_dummy_sized", "MIG020")
    assert "        VMSTATE_UNUSED(68), /* was regs */" in (f.fix_draft or "")
    assert "fill in" not in (f.fix_draft or "")
    assert f.fix_check == VERIFIED


def test_a_registration_made_conditional_is_kept_for_old_machine_types() -> None:
    # 8ad9087c4a07 kept the s390 PHB on old machine types by making its condition true there
    (case,) = [c for c in discover() if c.id == "MIG020/registration_conditional"]
    (f,) = [f for f in verified_report(case, load_rules()).findings if f.rule == "MIG020"]
    files = all_files(case)
    drafted = apply_draft(case.series(), f.fix_edits, lambda p: (files.get(p) or (None, None))[1])
    code = drafted.files["hw/ppc/spapr_rtc.c"].decode()
    assert ("    if (t->has_rtc ||\n"
            "        MACHINE_GET_CLASS(qdev_get_machine())->keeps_board_timer) {\n"
            "        vmstate_register(") in code  # fmt: skip
    assert f.fix_check == VERIFIED


def test_a_bus_field_is_sent_only_while_set_when_no_property_can_gate_it() -> None:
    # 2293c27faddf: i2c_bus gained `broadcast`; a bus has no Property array
    f = _draft_of("MIG001/bus_field_runtime_needed", "MIG001")
    assert "    return s->broadcast;\n" in (f.fix_draft or "")
    assert "x-migrate" not in (f.fix_draft or "")
    assert f.fix_check == VERIFIED
