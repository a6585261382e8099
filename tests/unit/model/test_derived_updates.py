"""bot.model.extract.derived: which paths of a file update unmigrated memory region state."""

from __future__ import annotations

from bot.model.extract import extract_file

HEAD = '#include "qemu/osdep.h"\n#include "migration/vmstate.h"\n\n'

SRC = """
static void update_view(FooState *s)
{
    memory_region_set_enabled(&s->win, s->ctrl & 1);
}

static void foo_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    FooState *s = opaque;

    s->ctrl = val;
    update_view(s);
}

static void setup_view(FooState *s)
{
    memory_region_set_address(&s->win, 0x1000);
}

static void foo_realize(DeviceState *dev, Error **errp)
{
    setup_view(FOO(dev));
}

static void remap(FooState *s)
{
    memory_region_set_alias_offset(&s->alias, s->base);
}

static gboolean each(gpointer key, gpointer value, gpointer data)
{
    remap(data);
    return false;
}

static int foo_post_load(void *opaque, int version_id)
{
    FooState *s = opaque;

    g_tree_foreach(s->tree, each, s);
    return 0;
}

static void foo_base_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    FooState *s = opaque;

    s->base = val;
    remap(s);
}

static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .post_load = foo_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_END_OF_LIST()
    }
};

static void foo_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = foo_realize;
    dc->vmsd = &vmstate_foo;
}
"""


def test_classifies_updaters_by_the_paths_that_reach_them() -> None:
    fm = extract_file("hw/misc/foo.c", (HEAD + SRC).encode())
    got = {fn: (kind, roots) for fn, kind, roots in fm.derived_updates}
    assert got == {
        "update_view": ("runtime", ("foo_write",)),
        "setup_view": ("setup", ()),
        "remap": ("load", ()),  # post_load reaches it through the g_tree_foreach callback
    }
    assert {c.call for c in fm.calls if c.call.startswith("memory_region_set_")} == {
        "memory_region_set_enabled",
        "memory_region_set_address",
        "memory_region_set_alias_offset",
    }


def test_files_without_such_updates_record_nothing() -> None:
    src = HEAD + "static int f(void)\n{\n    return 0;\n}\n"
    fm = extract_file("hw/misc/bar.c", src.encode())
    assert fm.derived_updates == ()
