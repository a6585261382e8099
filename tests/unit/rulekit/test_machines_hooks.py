"""hook_version: the parts of a versioned machine option hook's name."""

from __future__ import annotations

from bot.rulekit.machines import HookVersion, hook_version


def test_hook_names_of_every_style_give_stem_version_and_level() -> None:
    assert hook_version("ccw_machine_2_9_class_options") == HookVersion(
        "ccw_machine_2_9", (2, 9), False)
    assert hook_version("ccw_machine_2_9_instance_options") == HookVersion(
        "ccw_machine_2_9", (2, 9), True)
    assert hook_version("virt_machine_10_2_options") == HookVersion(
        "virt_machine_10_2", (10, 2), False)
    assert hook_version("pc_i440fx_2_3_machine_options") == HookVersion(
        "pc_i440fx_2_3", (2, 3), False)
    assert hook_version("ccw_init") is None
    assert hook_version("xenfv_machine_options") is None
