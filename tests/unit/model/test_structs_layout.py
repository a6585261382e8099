"""Struct layouts from text (bot.model.extract.structs) and their use (bot.model.layout)."""

from __future__ import annotations

from bot.model.entities import StructDef
from bot.model.extract.driver import extract_file
from bot.model.extract.structs import read_structs
from bot.model.layout import resolve_member, sizeof_struct

HEADER = b"""
#define MSG_SIZE (256 + 4)
typedef struct Inner {
    uint8_t msg[MSG_SIZE];   /* inline */
    uint32_t *heap;
    void (*cb)(struct Inner *s, int x);
} Inner;

struct Outer {
    DeviceState parent_obj;
    Inner in;
    Inner *pin;
    union {
        uint32_t w;
        uint8_t b[4];
    };
    struct {
        uint16_t lo, hi;
    } pair[2];
#ifdef CONFIG_X
    uint64_t extra;
#endif
    unsigned flag : 1;
};

struct cfg {
    uint64_t capacity;
    uint32_t size_max;
    struct { uint16_t cylinders; uint8_t heads; uint8_t sectors; } geometry;
    uint8_t wce;
    uint16_t num_queues;
} QEMU_PACKED;

typedef struct { uint8_t a; uint32_t b; } Anon;
"""


def _table() -> dict[str, StructDef]:
    out: dict[str, StructDef] = {}
    for sd in read_structs(HEADER.decode()):
        for n in (sd.name, *sd.aliases):
            out[n] = sd
    return out


def test_members_pointer_array_and_nesting() -> None:
    t = _table()
    assert set(t) == {"Inner", "Outer", "cfg", "Anon"}
    inner = {m.name: m for m in t["Inner"].members}
    assert inner["msg"].dims == ("MSG_SIZE",) and inner["msg"].pointer == 0
    assert inner["heap"].pointer == 1 and inner["heap"].type == "uint32_t"
    assert inner["cb"].pointer == 1
    outer = {m.name: m for m in t["Outer"].members}
    assert {"w", "b", "pair", "extra", "flag"} <= set(outer)  # anonymous union flattened
    assert outer["pair"].dims == ("2",) and [m.name for m in outer["pair"].members] == ["lo", "hi"]
    assert outer["flag"].bits == "1"
    assert t["cfg"].packed and not t["Inner"].packed


def test_resolve_member_follows_embedded_structs() -> None:
    t = _table()
    ref = resolve_member(t.get, "struct Outer", "in.msg")
    assert ref is not None and ref.is_inline_array and ref.owner == "Inner"
    ref = resolve_member(t.get, "Outer", "in.heap")
    assert ref is not None and ref.is_pointer
    ref = resolve_member(t.get, "Outer", "in.msg[3]")
    assert ref is not None and not ref.is_inline_array and ref.dims == ()
    assert resolve_member(t.get, "Outer", "pin.msg") is None  # through a pointer: unknown
    assert resolve_member(t.get, "Outer", "nosuch") is None
    assert resolve_member(t.get, "Unknown", "x") is None


def test_sizeof_natural_alignment_packed_and_unknown() -> None:
    t = _table()
    assert sizeof_struct(t.get, "Anon") == 8
    assert sizeof_struct(t.get, "struct cfg") == 8 + 4 + 4 + 1 + 2
    ints = {"MSG_SIZE": 260}.get
    assert sizeof_struct(t.get, "Inner", ints) == 260 + 4 + 8 + 8  # padded to 8
    assert sizeof_struct(t.get, "Inner") is None  # MSG_SIZE unresolved
    assert sizeof_struct(t.get, "Outer", ints) is None  # DeviceState unknown


def test_fast_path_files_get_structs_too() -> None:
    fm = extract_file("include/hw/x.h", HEADER)
    assert [s.name for s in fm.structs] == ["Inner", "Outer", "cfg", "Anon"]


def test_function_bodies_and_initializers_are_not_layouts() -> None:
    src = "struct S { int a; } s_init(void) { return x; }\nstatic struct T { int b; } t = { 1 };\n"
    assert [s.name for s in read_structs(src)] == []
