"""HookBody extraction: which functions get one, and what their digest ignores or keeps."""

from __future__ import annotations

from bot.diff.filediff import diff_models
from bot.model.entities import HookBody
from bot.model.extract import extract_file
from bot.model.tree import TreeIndex

HEAD = '#include "qemu/osdep.h"\n#include "migration/vmstate.h"\n\n'

VMSD = """
static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = foo_post_load,
    .needed = foo_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_END_OF_LIST()
    }
};
"""


def bodies(src: str, path: str = "hw/misc/foo.c") -> dict[str, HookBody]:
    """The HookBody of every function the extractor keeps, by name."""
    fm = extract_file(path, (HEAD + src).encode())
    return {b.name: b for b in fm.hook_bodies}


def post_load(body: str) -> HookBody:
    """The HookBody of `foo_post_load` with this body, named by a vmsd of the file."""
    src = f"static int foo_post_load(void *opaque, int version_id)\n{{\n{body}\n}}\n" + (
        "static bool foo_needed(void *opaque)\n{\n    return true;\n}\n" + VMSD
    )
    return bodies(src)["foo_post_load"]


BASE = """    FooState *s = opaque;

    foo_update_irq(s);
    s->pending = 0;
    return 0;"""


def test_kept_for_named_static_hooks_and_hook_shaped_extern_functions() -> None:
    src = (
        "static int foo_post_load(void *opaque, int version_id)\n{\n    return 0;\n}\n"
        "static bool foo_needed(void *opaque)\n{\n    return true;\n}\n"
        "static int helper(void *opaque)\n{\n    return 1;\n}\n"  # static, unnamed
        "int shared_post_load(void *opaque, int version_id)\n{\n    return 0;\n}\n"
        "int not_a_hook(void *opaque, hwaddr addr, unsigned size)\n{\n    return 0;\n}\n"
        "void *not_a_hook_either(void *opaque)\n{\n    return NULL;\n}\n" + VMSD
    )
    got = bodies(src)
    assert set(got) == {"foo_post_load", "foo_needed", "shared_post_load"}
    assert got["shared_post_load"].static is False
    assert got["foo_needed"].static is True


def test_fast_path_files_get_bodies_of_hook_shaped_functions() -> None:
    # no VMState construct at all: the file is read by the fast path (no tree-sitter)
    src = (
        "int pcie_cap_slot_post_load(void *opaque, int version_id)\n{\n"
        "    PCIDevice *dev = opaque;\n    hotplug_event_update_event_status(dev);\n"
        "    return 0;\n}\n"
    )
    got = bodies(src, "hw/pci/pcie.c")
    assert got["pcie_cap_slot_post_load"].calls == ("hotplug_event_update_event_status",)


def test_digest_ignores_words_that_do_not_change_behaviour() -> None:
    base = post_load(BASE).digest
    same = [
        # comments, blank lines and spacing
        """    FooState *s = opaque;   /* the device */
    foo_update_irq( s );

    s->pending = 0;  // cleared
    return 0;""",
        # tracing, logging, assertions (also an if that only logs)
        """    FooState *s = opaque;

    trace_foo_post_load(s->ctrl);
    assert(s);
    if (s->ctrl > 7) {
        error_report("odd ctrl %u", s->ctrl);
    }
    foo_update_irq(s);
    s->pending = 0;
    qemu_log_mask(LOG_GUEST_ERROR, "x");
    return 0;""",
        # renamed local, QOM cast macro, DO_UPCAST, C cast, an alias local
        """    FooState *foo = FOO(opaque);

    foo_update_irq(foo);
    foo->pending = 0;
    return 0;""",
        """    FooState *st = DO_UPCAST(FooState, parent_obj, opaque);
    FooState *alias = st;

    foo_update_irq(alias);
    st->pending = 0;
    return 0;""",
        """    FooState *s = (FooState *)opaque;

    foo_update_irq(s);
    s->pending = 0;
    return 0;""",
    ]
    for body in same:
        assert post_load(body).digest == base, body


def test_digest_keeps_changes_of_logic() -> None:
    base = post_load(BASE)
    changed = {
        "call added": BASE.replace("    return 0;", "    foo_update_power(s);\n    return 0;"),
        "condition added": BASE.replace(
            "    s->pending = 0;", "    if (s->ctrl) {\n        s->pending = 0;\n    }"
        ),
        "value changed": BASE.replace("s->pending = 0", "s->pending = 1"),
        "early return": BASE.replace(
            "    foo_update_irq(s);", "    if (!s->ctrl) {\n        return 0;\n    }\n"
            "    foo_update_irq(s);"
        ),
    }
    for what, body in changed.items():
        assert post_load(body).digest != base.digest, what
    added = post_load(changed["call added"])
    assert "foo_update_power" in added.calls
    assert post_load(changed["value changed"]).writes == ("$v->pending",)


def test_diff_reports_a_modified_hook_body_and_tree_names_its_users() -> None:
    old_src = "int shared_post_load(void *opaque, int version_id)\n{\n    return 0;\n}\n"
    new_src = (
        "int shared_post_load(void *opaque, int version_id)\n{\n"
        "    power_off(opaque);\n    return 0;\n}\n"
    )
    old = extract_file("hw/pci/pcie.c", (HEAD + old_src).encode())
    new = extract_file("hw/pci/pcie.c", (HEAD + new_src).encode())
    changes = [c for c in diff_models("hw/pci/pcie.c", old, new) if c.kind == "hook_body"]
    assert [(c.op, c.key) for c in changes] == [("modified", "shared_post_load")]
    user = extract_file(
        "hw/pci-bridge/port.c",
        (HEAD + VMSD.replace("foo_post_load", "shared_post_load")).encode(),
    )
    tree = TreeIndex.from_models({"hw/pci/pcie.c": new, "hw/pci-bridge/port.c": user})
    assert tree.hook_users("shared_post_load") == (
        ("vmstate_foo", "post_load", "hw/pci-bridge/port.c"),
    )
    assert tree.hook_users("foo_needed") == (("vmstate_foo", "needed", "hw/pci-bridge/port.c"),)
    # a line shift alone is no change
    shifted = extract_file("hw/pci/pcie.c", (HEAD + "\n\n" + new_src).encode())
    assert not [c for c in diff_models("hw/pci/pcie.c", new, shifted) if c.kind == "hook_body"]
