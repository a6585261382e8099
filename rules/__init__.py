"""Rule registry: an explicit, sorted tuple of rule modules. A meta test checks it is complete.

Retired ids are never reused; list them in RETIRED_IDS.
"""

from __future__ import annotations

import importlib

from bot.engine.spec import Rule

# Sorted by module name. One module per rule; see docs/architecture.md "A rule".
RULE_MODULES: tuple[str, ...] = (
    "acpi_device_id_change",
    "compat_entry_alters_release",
    "compat_entry_unknown_target",
    "compat_entry_wrong_array",
    "compat_property_missing",
    "core_stream_change",
    "cpu_feature_mask_change",
    "cpu_model_feature_change",
    "cpu_state_not_migrated",
    "derived_state_not_reloaded",
    "dev_path_change",
    "element_hook_null_deref",
    "field_test_or_needed_changed",
    "field_version_above_vmsd",
    "guest_register_not_migrated",
    "hook_assert_inverted",
    "instance_id_change",
    "load_hook_resets_state",
    "machine_compat_chain",
    "machine_compat_coverage",
    "machine_flag_unversioned",
    "machine_hook_global_write",
    "machine_setting_released_change",
    "migration_knob_family",
    "nested_vmsd_versioned_field",
    "new_device_register_not_migrated",
    "pci_config_change",
    "pointer_field_conditional_alloc",
    "property_macro_default",
    "qom_reparent_or_bus_change",
    "ram_block_change",
    "realize_gate_added",
    "registration_in_machine_hook",
    "section_added",
    "section_removed",
    "section_renamed",
    "spapr_cap_unmigrated",
    "stream_member_not_sent",
    "stream_nested_opaque_mismatch",
    "stream_sequence_change",
    "subsection_added_unconditional",
    "subsection_name_prefix",
    "subsection_needed_from_reset",
    "subsection_removed_or_renamed",
    "timer_state_not_migrated",
    "version_test_equality",
    "virtio_config_size_change",
    "virtio_feature_default",
    "vmsd_duplicate_subsections",
    "vmsd_hook_body_changed",
    "vmsd_missing_end_of_list",
    "vmsd_opaque_cast_mismatch",
    "vmsd_state_sent_twice",
    "vmsd_version_bump",
    "vmstate_field_added_no_version",
    "vmstate_field_removed",
    "vmstate_field_type_or_size_changed",
    "vmstate_pointer_array_mismatch",
    "vmstate_register_unpaired",
    "vmstate_size_from_header",
    "vmstate_struct_self_reference",
    "vmstate_struct_type_mismatch",
)

RETIRED_IDS: tuple[str, ...] = ()


def load_rules() -> tuple[Rule, ...]:
    """Import every registered rule module and return its Rule, sorted by id."""
    out: list[Rule] = []
    for modname in RULE_MODULES:
        mod = importlib.import_module(f"rules.{modname}")
        out.append(Rule(spec=mod.RULE, check=mod.check, doc=(mod.__doc__ or "").strip()))
    return tuple(sorted(out, key=lambda r: r.spec.id))
