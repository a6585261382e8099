"""A CPU's vmsd bound through `cc->sysemu_ops = &ops` (`.legacy_vmsd`, QEMU 6.1 on) belongs
to the CPU types of that class_init, as `cc->vmsd = &v` did before: reach follows them."""

from __future__ import annotations

from bot.model.extract import extract_file
from bot.model.tree import TreeIndex

CPU_C = """
static const VMStateDescription vmstate_foo_cpu = {
    .name = "cpu",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(env.pc, FooCPU),
        VMSTATE_END_OF_LIST()
    }
};

static const struct SysemuCPUOps foo_sysemu_ops = {
    .get_phys_page_debug = foo_cpu_get_phys_page_debug,
    .legacy_vmsd = &vmstate_foo_cpu,
};

static const Property foo_cpu_properties[] = {
    DEFINE_PROP_BOOL("x-ext", FooCPU, cfg.ext, false),
};

static void foo_cpu_class_init(ObjectClass *c, const void *data)
{
    CPUClass *cc = CPU_CLASS(c);
    DeviceClass *dc = DEVICE_CLASS(c);

    device_class_set_props(dc, foo_cpu_properties);
    cc->sysemu_ops = &foo_sysemu_ops;
}

static const TypeInfo foo_cpu_type_info = {
    .name = "foo-cpu",
    .parent = "cpu",
    .class_init = foo_cpu_class_init,
};
"""


def test_legacy_vmsd_binds_to_the_class_init_that_sets_the_ops() -> None:
    fm = extract_file("target/foo/cpu.c", CPU_C.encode())
    bound = [c for c in fm.class_inits if c.vmsd == "vmstate_foo_cpu"]
    assert [(c.function, c.vmsd_member) for c in bound] == [("foo_cpu_class_init", "legacy_vmsd")]
    assert bound[0].props == ("foo_cpu_properties",)  # merged like dc->vmsd
    tree = TreeIndex.from_models({"target/foo/cpu.c": fm})
    assert tree.types_for_vmsd("vmstate_foo_cpu") == ("foo-cpu",)
    assert not tree.on_versioned_machine("foo-cpu")


def test_ops_never_assigned_stay_unbound() -> None:
    text = CPU_C.replace("    cc->sysemu_ops = &foo_sysemu_ops;\n", "")
    fm = extract_file("target/foo/cpu.c", text.encode())
    bound = [c for c in fm.class_inits if c.vmsd == "vmstate_foo_cpu"]
    assert [(c.function, c.vmsd_member) for c in bound] == [("foo_sysemu_ops", "legacy_vmsd")]
    assert TreeIndex.from_models({"target/foo/cpu.c": fm}).types_for_vmsd("vmstate_foo_cpu") == ()


def test_typedef_spelling_binds_too() -> None:
    text = CPU_C.replace("static const struct SysemuCPUOps", "static const SysemuCPUOps")
    fm = extract_file("target/foo/cpu.c", text.encode())
    bound = [c for c in fm.class_inits if c.vmsd == "vmstate_foo_cpu"]
    assert [c.function for c in bound] == ["foo_cpu_class_init"]


def test_hostile_number_of_ops_assignments_binds_only_the_first_few() -> None:
    decls = "".join(
        f"static const struct SysemuCPUOps ops{i} = {{ .legacy_vmsd = &vmstate_foo_cpu, }};\n"
        for i in range(40)
    )
    assigns = "".join(f"    cc->sysemu_ops = &ops{i};\n" for i in range(40))
    head = "static void big_class_init(ObjectClass *c, const void *data)\n{\n"
    text = decls + head + assigns + "}\n"
    fm = extract_file("target/foo/cpu.c", text.encode())
    bound = [c for c in fm.class_inits if c.function == "big_class_init"]
    unbound = [c for c in fm.class_inits if c.function.startswith("ops")]
    assert len(bound) == 8 and len(unbound) == 32
