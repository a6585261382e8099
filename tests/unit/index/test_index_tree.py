"""TreeIndex aggregation: define resolution, QOM hierarchy, vmsd users, compat, reach."""

from __future__ import annotations

from pathlib import Path

from index_git import commit, init_repo

from bot.engine.spec import TreeView
from bot.index import build_index
from bot.model.entities import (
    ClassInit,
    CompatArray,
    CompatEntry,
    Define,
    FileModel,
    ObjectCreation,
    Property,
    TypeInfo,
    Vmsd,
)
from bot.model.tree import TreeIndex


def _d(name: str, raw: str) -> Define:
    return Define(name, raw, None, 1)


def _t(c: str, name_expr: str, parent_expr: str | None, class_init: str | None = None,
       name: str | None = None) -> TypeInfo:
    return TypeInfo(c, name, name_expr, None, parent_expr, class_init, None, None, False, (), 1)


def _ci(fn: str, vmsd: str | None = None, member: str = "dc->vmsd",
        props: tuple[str, ...] = ()) -> ClassInit:
    return ClassInit(fn, vmsd, member if vmsd else None, props, 1)


def _v(c: str, name: str) -> Vmsd:
    return Vmsd(c, name, f'"{name}"', 1, 1, (), (), 0, (), False, None, 1, 2)


HEADERS = {
    "include/hw/core/boards.h": FileModel(
        "include/hw/core/boards.h",
        defines=(
            _d("TYPE_MACHINE_SUFFIX", '"-machine"'),
            _d("MACHINE_TYPE_NAME(machinename)", "(machinename TYPE_MACHINE_SUFFIX)"),
        ),
    ),
    "target/i386/cpu-qom.h": FileModel(
        "target/i386/cpu-qom.h",
        defines=(
            _d("TYPE_X86_CPU", '"x86_64-cpu"'),
            _d("TYPE_X86_CPU", '"i386-cpu"'),
            _d("X86_CPU_TYPE_SUFFIX", '"-" TYPE_X86_CPU'),
            _d("X86_CPU_TYPE_NAME(name)", "(name X86_CPU_TYPE_SUFFIX)"),
        ),
    ),
    "include/hw/misc/adc.h": FileModel(
        "include/hw/misc/adc.h",
        defines=(
            _d("TYPE_ADC", '"adc"'),
            _d("TYPE_ADC_2600", 'TYPE_ADC "-ast2600"'),
            _d("TYPE_LM75", "TYPE_TMP105"),
            _d("TYPE_TMP105", '"tmp105"'),
            _d("TYPE_PAREN", '("paren-soc")'),
            _d("TYPE_ROM", "0x05"),
            _d("TYPE_LOOP", "TYPE_LOOP"),
            _d("STR(x)", "#x"),
            _d("VSTR(...)", "#__VA_ARGS__"),
            _d("VER_NAME(prefix,...)", 'prefix "-" VSTR(__VA_ARGS__)'),
            _d("PASTE(a)", "TYPE_ ## a"),
            _d("FLAGS", "(1 << 3)"),
        ),
    ),
}


def _tree(extra: dict[str, FileModel]) -> TreeIndex:
    return TreeIndex.from_models({**HEADERS, **extra})


def test_define_resolution_forms() -> None:
    t = _tree({})
    assert t.resolve_define("TYPE_ADC_2600") == "adc-ast2600"
    assert t.resolve_define("TYPE_LM75") == "tmp105"
    assert t.resolve_define("TYPE_PAREN") == "paren-soc"
    assert t.resolve_define("TYPE_ROM") is None  # SCSI-style integer, not a type name
    assert t.resolve_define("TYPE_LOOP") is None
    assert t.resolve_define("NOPE") is None
    assert t.resolve_expr('MACHINE_TYPE_NAME("virt")') == ("virt-machine",)
    assert t.resolve_expr('X86_CPU_TYPE_NAME("qemu64")') == (
        "qemu64-x86_64-cpu", "qemu64-i386-cpu",
    )
    assert t.resolve_expr("STR(abc)") == ("abc",)
    assert t.resolve_expr('VER_NAME("pc", 10, 2)') == ("pc-10, 2",)
    assert t.resolve_expr("PASTE(ADC)") == ()  # token pasting never yields a type name
    assert t.resolve_define("FLAGS") is None
    assert t.resolve_expr("its_class_name()") == ()
    assert t.defines.candidates("TYPE_X86_CPU") == ("x86_64-cpu", "i386-cpu")


def test_suffix_fallback_without_function_define() -> None:
    t = TreeIndex.from_models({
        "target/arm/cpu-qom.h": FileModel("target/arm/cpu-qom.h", defines=(
            _d("TYPE_ARM_CPU", '"arm-cpu"'), _d("ARM_CPU_TYPE_SUFFIX", '"-" TYPE_ARM_CPU'))),
    })
    assert t.resolve_expr('ARM_CPU_TYPE_NAME("max")') == ("max-arm-cpu",)


def test_file_local_define_wins_over_headers() -> None:
    t = _tree({
        "hw/misc/a.c": FileModel("hw/misc/a.c", defines=(_d("TYPE_ADC", '"local-adc"'),),
                                 types=(_t("a_info", "TYPE_ADC", '"device"'),)),
        "hw/misc/b.c": FileModel("hw/misc/b.c", types=(_t("b_info", "TYPE_ADC_2600",
                                                          '"device"'),)),
    })
    assert t.type_by_name("local-adc") is not None
    assert t.type_by_name("adc-ast2600") is not None  # b.c sees the header's TYPE_ADC
    assert t.resolve_define("TYPE_ADC") == "adc"


def test_ifdef_alternatives_register_every_candidate() -> None:
    t = _tree({
        "target/i386/cpu.c": FileModel("target/i386/cpu.c", types=(
            _t("x86_cpu_info", "TYPE_X86_CPU", '"cpu"'),
            _t("max_info", 'X86_CPU_TYPE_NAME("max")', "TYPE_X86_CPU"),
        )),
    })
    assert t.type_by_name("x86_64-cpu") is not None and t.type_by_name("i386-cpu") is not None
    assert t.type_ancestors("max-x86_64-cpu")[:2] == ("x86_64-cpu", "i386-cpu")
    assert "max-i386-cpu" in t.type_descendants("i386-cpu")


HIER = {
    "hw/char/uart.c": FileModel(
        "hw/char/uart.c",
        defines=(_d("TYPE_UART", '"uart"'), _d("TYPE_UART_B", 'TYPE_UART "-b"')),
        vmsds=(_v("vmstate_uart", "uart"), _v("vmstate_uart_c", "uart-c")),
        types=(
            _t("uart_info", "TYPE_UART", '"sys-bus-device"', "uart_class_init"),
            _t("uart_b_info", "TYPE_UART_B", "TYPE_UART", "uart_b_class_init"),
            _t("uart_c_info", '"uart-c"', "TYPE_UART", "uart_c_class_init"),
            _t("uart_d_info", '"uart-d"', '"uart-c"', None),
            _t("uart_e_info", '"uart-e"', '"uart-b"', "uart_e_class_init"),
        ),
        class_inits=(
            _ci("uart_class_init", "vmstate_uart", props=("uart_props",)),
            _ci("uart_b_class_init"),
            _ci("uart_c_class_init", "vmstate_uart_c"),
            _ci("uart_e_class_init", "vmstate_uart", member="k->vmsd"),
        ),
        properties=(
            Property("uart_props", "DEFINE_PROP_BOOL", "fifo", '"fifo"', "S", "fifo", "true", 3),
        ),
    ),
    "hw/core/qdev.c": FileModel("hw/core/qdev.c", types=(
        _t("dev_info", '"device"', None), _t("sb_info", '"sys-bus-device"', '"device"'))),
    # another file with a static vmsd of the same C name, used by its own type
    "hw/misc/other.c": FileModel(
        "hw/misc/other.c",
        vmsds=(_v("vmstate_uart", "other-uart"),),
        types=(_t("o_info", '"other"', '"device"', "uart_class_init"),),
        class_inits=(_ci("uart_class_init", "vmstate_uart"),),
    ),
}


def test_types_for_vmsd_through_inheritance() -> None:
    t = TreeIndex.from_models(HIER)
    got = t.types_for_vmsd("vmstate_uart", "hw/char/uart.c")
    # direct users first (uart-e sets it again via k->vmsd), then inheriting subclasses;
    # uart-c overrides, so uart-d under it is out too
    assert got == ("uart", "uart-e", "uart-b")
    assert t.types_for_vmsd("vmstate_uart_c") == ("uart-c", "uart-d")
    assert set(t.types_for_vmsd("vmstate_uart")) == {"uart", "uart-b", "uart-e", "other"}
    assert t.types_for_vmsd("vmstate_uart", "hw/misc/other.c") == ("other",)
    assert t.vmsd_of_type("uart-b") == "vmstate_uart"
    assert t.vmsd_of_type("uart-d") == "vmstate_uart_c"
    assert t.vmsd_of_type("device") is None


def test_hierarchy_and_lookup() -> None:
    t = TreeIndex.from_models(HIER)
    assert t.type_ancestors("uart-e") == ("uart-b", "uart", "sys-bus-device", "device")
    assert t.type_descendants("uart") == ("uart-b", "uart-c", "uart-e", "uart-d")
    info = t.type_by_name("uart-b")
    assert info is not None and info.parent == "uart" and info.name == "uart-b"
    assert [p.name for p in t.properties_of_type("uart")] == ["fifo"]
    assert t.properties_of_type("uart-b") == ()
    assert t.vmsd_path("vmstate_uart") == "hw/char/uart.c"
    assert len(t.vmsd_definitions("vmstate_uart")) == 2
    assert t.file_model("hw/core/qdev.c") is not None and t.file_model("nope.c") is None
    view: TreeView = t
    assert view.type_by_name("nope") is None


def test_with_files_replaces_and_deletes() -> None:
    base = TreeIndex.from_models(HIER)
    head = base.with_files({
        "hw/misc/other.c": None,
        "hw/char/uart.c": FileModel("hw/char/uart.c", types=(
            _t("uart_info", '"uart"', '"device"'),)),
    })
    assert head.type_by_name("other") is None and head.type_by_name("uart-b") is None
    assert head.type_ancestors("uart") == ("device",)
    assert base.type_by_name("uart-b") is not None
    assert "hw/misc/other.c" not in head.paths()


def test_compat_arrays_resolve_drivers() -> None:
    t = _tree({
        "hw/core/machine.c": FileModel("hw/core/machine.c", compat_arrays=(CompatArray(
            "hw_compat_10_1", (
                CompatEntry(None, "TYPE_ADC_2600", "x-y", '"x-y"', "off", '"off"', 5),
                CompatEntry("virtio-blk-device", '"virtio-blk-device"', "q", '"q"', "1",
                            '"1"', 6),
            ), 4, 7, (10, 1)),)),
    })
    ((path, arr),) = t.compat_arrays()
    assert path == "hw/core/machine.c"
    assert [e.driver for e in arr.entries] == ["adc-ast2600", "virtio-blk-device"]


def _creation(type_expr: str, fn: str = "init") -> ObjectCreation:
    return ObjectCreation("qdev_new", type_expr, None, None, None, fn, False, False, None, 9)


def test_on_versioned_machine() -> None:
    t = TreeIndex.from_models({
        "hw/core/qdev.c": HIER["hw/core/qdev.c"],
        "hw/pci/pci.c": FileModel("hw/pci/pci.c", types=(_t("p", '"pci-device"', '"device"'),)),
        "hw/misc/edu.c": FileModel("hw/misc/edu.c", types=(_t("e", '"edu"', '"pci-device"'),)),
        "hw/misc/soc-dev.c": FileModel("hw/misc/soc-dev.c", types=(
            _t("a", '"embedded-only"', '"sys-bus-device"'),
            _t("b", '"soc-uart"', '"sys-bus-device"'),
            _t("c", '"soc-uart-sub"', '"soc-uart"'),
        )),
        "hw/arm/board.c": FileModel("hw/arm/board.c", types=(
            _t("s", '"my-soc"', '"sys-bus-device"'),),
            creations=(_creation('"embedded-only"'),)),
        "hw/misc/my-soc.c": FileModel("hw/misc/my-soc.c", types=(
            _t("s2", '"virt-soc"', '"sys-bus-device"'),), creations=(_creation('"soc-uart-sub"'),)),
        "hw/arm/virt.c": FileModel("hw/arm/virt.c", creations=(_creation('"virt-soc"'),)),
    })
    assert t.on_versioned_machine("not-a-known-type")  # unknown -> conservative
    assert t.on_versioned_machine("edu")  # PCI device
    assert not t.on_versioned_machine("embedded-only")  # only an unversioned board
    assert t.on_versioned_machine("virt-soc")  # created by virt.c
    assert t.on_versioned_machine("soc-uart-sub")  # created by a type virt.c creates
    assert t.on_versioned_machine("soc-uart")  # ancestor of something on virt
    assert not t.on_versioned_machine("my-soc")


HDR = b"""#ifndef FOO_H
#define FOO_H
#define TYPE_FOO_BASE "foo-base"
#define TYPE_FOO TYPE_FOO_BASE "-v2"
#define FOO_TYPE_NAME(model) model "-" TYPE_FOO
#endif
"""
SRC = b"""#include "qemu/osdep.h"
#include "hw/misc/foo.h"

static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(reg, FooState),
        VMSTATE_END_OF_LIST()
    },
};

static void foo_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo;
}

static const TypeInfo foo_types[] = {
    {
        .name = TYPE_FOO,
        .parent = TYPE_SYS_BUS_DEVICE,
        .class_init = foo_class_init,
    }, {
        .name = FOO_TYPE_NAME("fast"),
        .parent = TYPE_FOO,
    },
};

DEFINE_TYPES(foo_types)
"""


def test_real_extractor_resolves_across_headers(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r.git")
    rev = commit(repo, {
        "include/hw/misc/foo.h": HDR,
        "hw/misc/foo.c": SRC,
        "include/hw/core/sysbus.h": b'#define TYPE_SYS_BUS_DEVICE "sys-bus-device"\n',
    })
    t = build_index(repo.path, rev, tmp_path / "cache")
    info = t.type_by_name("foo-base-v2")
    assert info is not None and info.parent == "sys-bus-device"
    assert t.type_ancestors("fast-foo-base-v2") == ("foo-base-v2", "sys-bus-device")
    assert t.types_for_vmsd("vmstate_foo") == ("foo-base-v2", "fast-foo-base-v2")
    assert t.vmsd("vmstate_foo") is not None


def test_a_filled_view_swaps_files_like_the_index() -> None:
    # bot.fixverify re-reviews a drafted head through the view a review was given
    base = TreeIndex.from_models(HIER)
    view = base.view(["hw/misc/other.c", "hw/char/uart.c"])
    changed = {
        "hw/misc/other.c": None,
        "hw/char/uart.c": FileModel("hw/char/uart.c", types=(
            _t("uart_info", '"uart"', '"device"'),)),
    }  # fmt: skip
    swapped, whole = view.with_files(changed), base.with_files(changed)
    for name in ("other", "uart-b", "uart"):
        assert swapped.type_by_name(name) == whole.type_by_name(name)
    assert swapped.type_ancestors("uart") == whole.type_ancestors("uart") == ("device",)
    assert swapped.file_model("hw/misc/other.c") is None
    assert view.type_by_name("uart-b") is not None  # the view itself is unchanged
