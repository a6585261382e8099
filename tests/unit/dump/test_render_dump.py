"""render_dump: the source model in the exact JSON shape of QEMU's -dump-vmstate."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from bot.model.entities import Define
from bot.model.extract import extract_file
from bot.model.render_dump import (
    format_dump,
    render_dump,
    render_dump_ex,
    render_models,
)
from bot.model.tree import TreeIndex

FIX = Path(__file__).parent / "fixtures"


def _tree(*files: tuple[str, str | bytes]) -> TreeIndex:
    models = {}
    for path, text in files:
        data = text if isinstance(text, bytes) else text.encode()
        models[path] = extract_file(path, data)
    return TreeIndex.from_models(models)


def _widget_tree() -> TreeIndex:
    return _tree(("hw/misc/widget.c", (FIX / "widget.c").read_bytes()))


def F(name: str, size: int | None, version: int = 0, exists: bool = False, **kw: Any) -> dict:
    """A field object with the keys in QEMU's order (num before size, Description last)."""
    out: dict[str, Any] = {"field": name, "version_id": version, "field_exists": exists}
    if "num" in kw:
        out["num"] = kw.pop("num")
    out["size"] = size
    out.update(kw)
    return out


WIDGET_DESC = {
    "name": "widget",
    "version_id": 3,
    "minimum_version_id": 2,
    "Fields": [
        F("ctrl", 4),
        F("regs", 1, num=4),
        F(
            "chan",
            None,
            2,
            num=2,
            Description={
                "name": "widget/chan",
                "version_id": 2,
                "minimum_version_id": 2,
                "Fields": [F("count", 2), F("latched", 1)],
            },
        ),
        F("chan[0x0].count", 2, 3),
        F("unused", 4),
        F("deadline", 8),
        F("blob", None),
        F("flag", 1, exists=True),
    ],
    "Subsections": [
        {
            "name": "widget/extra",
            "version_id": 1,
            "minimum_version_id": 1,
            "Fields": [F("extra", 8)],
        }
    ],
}


def test_exact_section_shape() -> None:
    dump = render_dump(_widget_tree(), machine="pc-q35-11.0")
    assert dump["vmschkmachine"] == {"Name": "pc-q35-11.0"}
    assert dump["widget"] == {
        "Name": "widget",
        "version_id": 3,
        "minimum_version_id": 2,
        "Description": WIDGET_DESC,
    }
    # key order is QEMU's, not just the key set
    assert list(dump) == ["vmschkmachine", "widget", "widget-base", "widget-plus", "widget-renamed"]
    assert list(dump["widget"]) == ["Name", "version_id", "minimum_version_id", "Description"]
    fields = dump["widget"]["Description"]["Fields"]
    assert list(fields[1]) == ["field", "version_id", "field_exists", "num", "size"]
    assert list(fields[2]) == ["field", "version_id", "field_exists", "num", "size", "Description"]
    assert list(dump["widget"]["Description"]) == [
        "name", "version_id", "minimum_version_id", "Fields", "Subsections",
    ]


def test_inheritance_abstract_and_override() -> None:
    dump = render_dump(_widget_tree())
    # abstract parents are dumped (object_class_get_list(TYPE_DEVICE, true))
    assert dump["widget-base"]["Description"] == WIDGET_DESC
    # grandchild inherits dc->vmsd
    assert dump["widget-plus"]["Description"] == WIDGET_DESC
    # a subclass that sets its own vmsd; no .fields -> no "Fields" key at all
    assert dump["widget-renamed"] == {
        "Name": "widget-renamed",
        "version_id": 0,
        "minimum_version_id": 0,
        "Description": {"name": "widget-renamed", "version_id": 0, "minimum_version_id": 0},
    }


def test_validate_is_skipped_and_unknowns_are_listed() -> None:
    res = render_dump_ex(_widget_tree(), ["widget"])
    names = [f["field"] for f in res.dump["widget"]["Description"]["Fields"]]
    assert "widget sane" not in names
    # sizeof(C struct) and sizeof(typeof_field(...)) are unknown to source analysis
    assert res.unknown == {
        ("widget", "Description", "Fields", 2, "size"),
        ("widget", "Description", "Fields", 6, "size"),
    }
    assert res.origins["widget"] == ("vmstate_widget", "hw/misc/widget.c")


def test_types_filter_keeps_only_known_requested_types() -> None:
    dump = render_dump(_widget_tree(), ["widget-plus", "no-such-type"])
    assert list(dump) == ["vmschkmachine", "widget-plus"]


def test_wrapper_macro_from_the_tree_expands_to_several_fields() -> None:
    c = b"""
typedef struct S { DeviceState parent_obj; uint32_t a; uint16_t b; } S;
static bool s_has_b(void *opaque, int version_id) { return true; }
static const VMStateDescription vmstate_s = {
    .name = "s", .version_id = 1, .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PAIR(a, b, S, s_has_b),
        VMSTATE_END_OF_LIST()
    }
};
static void s_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->vmsd = &vmstate_s;
}
static const TypeInfo s_info = { .name = "s-dev", .parent = "device",
                                 .class_init = s_class_init };
"""
    fm = extract_file("hw/misc/s.c", c)
    header = extract_file("include/hw/misc/pair.h", b"")
    wrapper = Define(
        name="VMSTATE_PAIR(_a,_b,_s,_t)",
        raw="VMSTATE_UINT32(_a, _s), VMSTATE_UINT16_TEST(_b, _s, _t)",
        value=None,
        line=1,
    )
    header = dataclasses.replace(header, defines=(wrapper,))
    tree = TreeIndex.from_models({"hw/misc/s.c": fm, "include/hw/misc/pair.h": header})
    fields = render_dump(tree)["s-dev"]["Description"]["Fields"]
    assert fields == [F("a", 4), F("b", 2, exists=True)]


def test_nested_vmsd_defined_in_another_file() -> None:
    dev = b"""
static const VMStateDescription vmstate_d = {
    .name = "d", .version_id = 1, .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_POINTER(tmr, DState, vmstate_shared_timer, SharedTimer),
        VMSTATE_END_OF_LIST()
    }
};
static void d_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->vmsd = &vmstate_d;
}
static const TypeInfo d_info = { .name = "d-dev", .parent = "device",
                                 .class_init = d_class_init };
"""
    shared = b"""
const VMStateDescription vmstate_shared_timer = {
    .name = "shared-timer", .version_id = 2, .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_TIMER_PTR(t, SharedTimer),
        VMSTATE_END_OF_LIST()
    }
};
"""
    stub = b"""
const VMStateDescription vmstate_shared_timer = { .name = "stub" };
"""
    tree = _tree(("hw/misc/d.c", dev), ("hw/core/timer-stub.c", stub), ("hw/core/timer.c", shared))
    f = render_dump(tree)["d-dev"]["Description"]["Fields"][0]
    # pointer to struct: size is sizeof(SharedTimer *), known
    assert f == F(
        "tmr",
        8,
        Description={
            "name": "shared-timer",
            "version_id": 2,
            "minimum_version_id": 1,
            "Fields": [F("t", 8)],
        },
    )


def test_render_models_without_index_and_bad_input() -> None:
    good = extract_file("hw/misc/widget.c", (FIX / "widget.c").read_bytes())
    bad = extract_file("hw/misc/bad.c", b"\xff\xfe static const VMStateDescription = {{{")
    res = render_models({"hw/misc/widget.c": good, "hw/misc/bad.c": bad})
    assert res.dump["widget"]["Description"] == WIDGET_DESC


def test_format_dump_is_qemus_layout() -> None:
    dump = {
        "vmschkmachine": {"Name": "pc-i440fx-11.0"},
        "dev": {
            "Name": "dev",
            "version_id": 1,
            "minimum_version_id": 1,
            "Description": {
                "name": "dev",
                "version_id": 1,
                "minimum_version_id": 1,
                "Fields": [F("a", 4, num=2), F("s", None, Description={
                    "name": "sub", "version_id": 0, "minimum_version_id": 0, "Fields": []})],
                "Subsections": [{"name": "dev/x", "version_id": 1, "minimum_version_id": 1}],
            },
        },
    }
    expected = """{
  "vmschkmachine": {
    "Name": "pc-i440fx-11.0"
  },
  "dev": {
    "Name": "dev",
    "version_id": 1,
    "minimum_version_id": 1,
    "Description": {
      "name": "dev",
      "version_id": 1,
      "minimum_version_id": 1,
      "Fields": [
        {
          "field": "a",
          "version_id": 0,
          "field_exists": false,
          "num": 2,
          "size": 4
        },
        {
          "field": "s",
          "version_id": 0,
          "field_exists": false,
          "size": null,
          "Description": {
            "name": "sub",
            "version_id": 0,
            "minimum_version_id": 0,
            "Fields": [

            ]
          }
        }
      ],
      "Subsections": [
        {
          "name": "dev/x",
          "version_id": 1,
          "minimum_version_id": 1
        }
      ]
    }
  }
}
"""
    text = format_dump(dump)
    assert text == expected
    assert json.loads(text) == dump


def test_field_names_expand_only_macros_the_file_includes() -> None:
    c = b"""
static const VMStateDescription vmstate_n = {
    .name = "n", .version_id = 1, .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(regs[CTRL], NState),
        VMSTATE_UINT32(regs[SEL], NState),
        VMSTATE_END_OF_LIST()
    }
};
static void n_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->vmsd = &vmstate_n;
}
static const TypeInfo n_info = { .name = "n-dev", .parent = "device",
                                 .class_init = n_class_init };
"""
    from bot.model.entities import CallSite

    dev = extract_file("hw/net/n.c", c)
    dev = dataclasses.replace(
        dev, calls=(*dev.calls, CallSite("#include", ("hw/net/n.h",), None, 1))
    )
    mine = extract_file("include/hw/net/n.h", b"#define SEL 0x0\n")
    other = extract_file("include/hw/misc/other.h", b"#define CTRL 0\n")
    tree = TreeIndex.from_models(
        {"hw/net/n.c": dev, "include/hw/net/n.h": mine, "include/hw/misc/other.h": other}
    )
    names = [f["field"] for f in render_dump(tree)["n-dev"]["Description"]["Fields"]]
    # stringify() expands SEL (included) but CTRL's define is in a header n.c never includes
    assert names == ["regs[CTRL]", "regs[0x0]"]


def test_types_registered_from_a_table_take_the_vmsd_of_their_class_data() -> None:
    c = b"""
#define TYPE_CARD_BASE "card-base"
#define TYPE_CARD_A "card-a"
#define TYPE_CARD_B "card-b"
typedef struct CardInfo { const char *name; const VMStateDescription *vmsd; } CardInfo;
static const VMStateDescription vmstate_card_a = {
    .name = "card-a", .version_id = 1, .minimum_version_id = 1,
    .fields = (const VMStateField[]) { VMSTATE_UINT8(x, CardState), VMSTATE_END_OF_LIST() }
};
static const VMStateDescription vmstate_card_b = {
    .name = "card-b", .version_id = 2, .minimum_version_id = 2,
    .fields = (const VMStateField[]) { VMSTATE_UINT16(y, CardState), VMSTATE_END_OF_LIST() }
};
static const CardInfo card_devices[] = {
    { .name = TYPE_CARD_A, .vmsd = &vmstate_card_a, },
    { .name = TYPE_CARD_B, .vmsd = &vmstate_card_b, },
};
static void card_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    const CardInfo *info = data;
    dc->vmsd = info->vmsd;
}
static const TypeInfo card_base_info = {
    .name = TYPE_CARD_BASE, .parent = TYPE_DEVICE, .abstract = true,
};
static void card_register_types(void)
{
    int i;
    type_register_static(&card_base_info);
    for (i = 0; i < ARRAY_SIZE(card_devices); i++) {
        const CardInfo *info = &card_devices[i];
        TypeInfo type_info = {};
        type_info.name = info->name;
        type_info.parent = TYPE_CARD_BASE;
        type_info.class_data = info;
        type_info.class_init = card_class_init;
        type_register_static(&type_info);
    }
}
type_init(card_register_types)
"""
    dump = render_dump(_tree(("hw/misc/card.c", c)))
    assert list(dump) == ["vmschkmachine", "card-a", "card-b"]
    assert dump["card-a"]["Description"]["Fields"] == [F("x", 1)]
    assert dump["card-b"]["version_id"] == 2
    assert dump["card-b"]["Description"]["Fields"] == [F("y", 2)]


def test_dump_sizes_and_extractor_wire_sizes_agree() -> None:
    """Both read sizeof() through bot.model.macros: the `.size` printed for a buffer of
    sizeof(T) is the wire size the extractor gives the same field."""
    types = ["uint8_t", "short", "hwaddr", "ram_addr_t", "MACAddr", "Int128", "double",
             "const uint32_t", "struct Foo *", "FooState"]
    fields = "\n".join(f"        VMSTATE_UNUSED_BUFFER(NULL, 0, sizeof({t}))," for t in types)
    src = f"""
static const VMStateDescription vmstate_sz = {{
    .name = "sz",
    .fields = (const VMStateField[]) {{
{fields}
        VMSTATE_END_OF_LIST()
    }},
}};
static void sz_class_init(ObjectClass *klass, const void *data)
{{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->vmsd = &vmstate_sz;
}}
static const TypeInfo sz_info = {{ .name = "sz", .parent = "device", .class_init = sz_class_init }};
"""
    tree = _tree(("hw/misc/sz.c", src))
    res = render_dump_ex(tree, ["sz"])
    printed = [f["size"] for f in res.dump["sz"]["Description"]["Fields"]]
    vmsd = tree.vmsd("vmstate_sz")
    assert vmsd is not None
    wire = [f.elem_size for f in vmsd.payload_fields]
    assert printed == wire == [1, 2, 8, 8, 6, 16, 8, 4, 8, None]
    assert ("sz", "Description", "Fields", 9, "size") in res.unknown


def test_wrapper_with_token_pasting_and_stringify() -> None:
    """A file-local wrapper that pastes a parameter (`vmstate_ ## n`) and stringifies one."""
    src = """
#define VMSTATE_SUB(f, n) { .name = #f, .vmsd = &vmstate_ ## n, .size = sizeof(hwaddr), \\
    .flags = VMS_STRUCT }
static const VMStateDescription vmstate_inner = { .name = "inner",
    .fields = (const VMStateField[]) { VMSTATE_END_OF_LIST() } };
static const VMStateDescription vmstate_outer = {
    .name = "outer",
    .fields = (const VMStateField[]) {
        VMSTATE_SUB(part, inner),
        VMSTATE_END_OF_LIST()
    },
};
static void outer_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->vmsd = &vmstate_outer;
}
static const TypeInfo outer_info = { .name = "outer", .parent = "device",
    .class_init = outer_class_init };
"""
    res = render_dump_ex(_tree(("hw/misc/outer.c", src)), ["outer"])
    (field,) = res.dump["outer"]["Description"]["Fields"]
    assert (field["field"], field["size"]) == ("part", 8)
    assert field["Description"]["name"] == "inner"


def test_macros_the_tree_does_not_define_come_from_the_vmstate_table() -> None:
    """A partial tree (no include/migration/vmstate.h) still expands every VMSTATE_* macro
    the generated table knows, e.g. VMSTATE_FIFO32, a wrapper of VMSTATE_FIFO8 on `f.fifo`."""
    src = """
static const VMStateDescription vmstate_fifo8 = { .name = "Fifo8",
    .fields = (const VMStateField[]) { VMSTATE_END_OF_LIST() } };
static const VMStateDescription vmstate_w = {
    .name = "w",
    .fields = (const VMStateField[]) {
        VMSTATE_FIFO32(rx, WState),
        VMSTATE_UINT16_ARRAY(regs, WState, 4),
        VMSTATE_END_OF_LIST()
    },
};
static void w_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->vmsd = &vmstate_w;
}
static const TypeInfo w_info = { .name = "w", .parent = "device", .class_init = w_class_init };
"""
    res = render_dump_ex(_tree(("hw/misc/w.c", src)), ["w"])
    rx, regs = res.dump["w"]["Description"]["Fields"]
    assert rx["field"] == "rx.fifo" and rx["Description"]["name"] == "Fifo8"
    assert (regs["num"], regs["size"]) == (4, 2)
    assert not any("not expandable" in n for n in res.notes.get("w", []))
