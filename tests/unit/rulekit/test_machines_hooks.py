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


def test_member_writes_are_read_with_bounded_values() -> None:
    from bot.rulekit.machines import FileFunctions

    assert FileFunctions.members_written_in("a->b = 1; c.d = e->f; if (g) x->y = z;") == {
        "b", "d", "y"
    }
    # 32,000 assignments without `;` (quadratic when each looked for its `;` to the end)
    assert FileFunctions.members_written_in("s->m = x " * 32_000) == set()
    assert FileFunctions.members_written_in("s->m = " + "x" * 2_000 + ";") == set()


def test_member_write_re_compound_and_increments() -> None:
    from bot.model.memberwrites import member_write_re

    text = "s->ctl |= 1; s->ctl[2] = 0; if (s->ctl == 3) {} s->ctl++; t.ctl <<= 1;"
    assert len(member_write_re("ctl").findall(text)) == 3  # ==, ++ are not writes here
    assert len(member_write_re("ctl", increments=True).findall(text)) == 4
    assert member_write_re("ctl").search("s->ctlx = 1") is None
