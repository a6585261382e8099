"""Where tree-sitter has something to find: byte probes and regex hits mapped to the
declaration, call and `->vmsd =` nodes of the tree (no full-tree walk)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter as ts
import tree_sitter_c as tsc

from bot.model.extract.context import Ctx

LANGUAGE = ts.Language(tsc.language())


# Declarations of these types are read wherever they occur (top level, #if blocks, ERROR
# nodes, function bodies).
SPECIAL_TYPES = (
    "VMStateDescription",
    "TypeInfo",
    "Property",
    "GlobalProperty",
    "VMStateField",
    "InterfaceInfo",
    "SysemuCPUOps",
)


_DECL_TYPE_RES = tuple(
    (t.encode(), re.compile(rb"(" + t.encode() + rb")\b")) for t in SPECIAL_TYPES
)


# (probe substring, regex whose group 1 is the full call name). Each regex starts with a
# literal so `re` can use its fast prefix search, and a probe absent from the file skips it.
_CALL_GROUPS: tuple[tuple[bytes, bytes], ...] = (
    (b"vmstate_", rb"vmstate_(?:register_with_alias_id|register_any|register|unregister)"),
    (b"register_savevm", rb"register_savevm(?:_live)?"),
    (b"unregister_savevm", rb"unregister_savevm"),
    (
        b"object_",
        rb"object_(?:initialize_child_with_propsv|initialize_child_with_props"
        rb"|initialize_child|initialize|new_with_props|new_with_propv|new|property_add_child"
        rb"|property_set_bool)",
    ),
    (
        b"qdev_",
        rb"qdev_(?:new|try_new|realize_and_unref|realize|set_parent_bus|set_legacy_instance_id"
        rb"|init_nofail|create|try_create)",
    ),
    (b"isa_", rb"isa_(?:new|try_new|create_simple|realize_and_unref|create|try_create)"),
    (
        b"pci",
        rb"pci(?:_new_multifunction|_new|_create_simple_multifunction|_create_simple"
        rb"|_create_multifunction|_create"
        rb"|_realize_and_unref|_set_(?:byte|word|long|quad|irq_pin)|_config_set_\w+"
        rb"|_add_capability|_register_bar|_pm_init|e_\w*_init|e_cap_\w+)",
    ),
    (b"usb_", rb"usb_(?:new|create_simple|realize_and_unref|create)"),
    (b"i2c_slave_", rb"i2c_slave_(?:new|create_simple|realize_and_unref)"),
    (
        b"sysbus_",
        rb"sysbus_(?:create_simple|create_varargs|realize_and_unref|realize"
        rb"|try_create_simple|try_create_varargs)",
    ),
    # creation calls of older trees (2009-2020) with no group above
    (b"i2c_create_slave", rb"i2c_create_slave"),
    (b"ssi_create_slave", rb"ssi_create_slave"),
    (b"ssi_realize_and_unref", rb"ssi_realize_and_unref"),
    (b"device_class_set_props", rb"device_class_set_props(?:_n)?"),
    (b"msi", rb"msi(?:x_init\w*|_init)"),
    (b"virtio_", rb"virtio_(?:(?:add|clear)_feature|init)"),
    (b"memory_region_init_io", rb"memory_region_init_io"),
    # updates of unmigrated derived state (bot.model.extract.derived)
    (b"memory_region_set_", rb"memory_region_set_(?:enabled|address|alias_offset)"),
    (b"compat_props_add", rb"compat_props_add"),
    (b"machine_class_allow_dynamic_sysbus_dev", rb"machine_class_allow_dynamic_sysbus_dev"),
    (b"type_register_static", rb"type_register_static(?:_array)?"),
    (b"virtio_pci_types_register", rb"virtio_pci_types_register"),
    # migration-global compat switches boards call for their old machine types
    (b"savevm_skip_", rb"savevm_skip_\w+"),
    (b"global_state_set_optional", rb"global_state_set_optional"),
    # ACPI named objects of the AML builders (device identification: _HID, _UID ...)
    (b"aml_name_decl", rb"aml_name_decl"),
)


# `pc_q35_machine_10_2_options(m)`-style calls (before 2017 `pc_q35_2_4_machine_options(m)`):
# the literal part comes first; the identifier start is found by walking back.
_MACHINE_OPTS_RE = re.compile(
    rb"(?:_machine_\d+_\d+_(?:class_|instance_)?options|_\d+_\d+_machine_options)\s*\("
)


_CALL_RES = tuple((p, re.compile(rb"(" + r + rb")\s*\(")) for p, r in _CALL_GROUPS)


# `dc->vmsd = &v`, the pre-5.0 Property binding `dc->props = arr` (`dc->props_` in 5.0), and
# `cc->sysemu_ops = &ops` (binds the ops' legacy_vmsd to the class_init's types).
_VMSD_ASSIGN_RE = re.compile(rb"\b(vmsd|props_?|sysemu_ops)\s*=(?!=)")


# Any of these bytes means tree-sitter has something to find; otherwise the fast path.
_PARSE_PROBES: tuple[bytes, ...] = (
    *(t.encode() for t in SPECIAL_TYPES),
    *(p for p, _ in _CALL_GROUPS),
    b"vmsd",
    b"_machine_",
    b"MACHINE",
    b"OBJECT_DEFINE_",
    b"ObjectClass",
    b"VirtioPCIDeviceTypeInfo",
    b"type_register",
    b"DEFINE_TYPES",
    b"VMStateDescription",
    b"TypeInfo",
)


def call_named_at(root: ts.Node, start: int, end: int) -> ts.Node | None:
    """The call_expression whose function is the identifier at bytes start..end, if any."""
    node = root.descendant_for_byte_range(start, end)
    if node is None or node.type != "identifier":
        return None
    parent = node.parent
    if parent is None or parent.type != "call_expression":
        return None
    f = parent.child_by_field_name("function")
    return parent if f is not None and f.id == node.id else None


ARRAY_INIT = re.compile(rb"\]\s*=\s*\{")


def present_probes(data: bytes) -> frozenset[bytes]:
    """The probe substrings that occur in the file (each probe is searched once)."""
    return frozenset(p for p in _PARSE_PROBES if p in data)


_TRANSPARENT = frozenset(
    {
        "preproc_if",
        "preproc_ifdef",
        "preproc_else",
        "preproc_elif",
        "preproc_elifdef",
        "ERROR",
        "linkage_specification",
        "declaration_list",
    }
)


def top_level(root: ts.Node) -> Iterator[ts.Node]:
    """Top-level nodes, descending only into #if blocks, extern "C" and ERROR wrappers."""
    stack = list(reversed(root.children))
    while stack:
        n = stack.pop()
        if n.type in _TRANSPARENT:
            stack.extend(reversed(n.children))
        else:
            yield n


def count_errors(root: ts.Node) -> int:
    """ERROR and MISSING nodes, visiting only subtrees that contain an error."""
    n = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            n += 1
        for c in node.children:
            if c.has_error or c.is_missing:
                stack.append(c)
    return n


def iter_hits(
    data: bytes, res: tuple[tuple[bytes, re.Pattern[bytes]], ...], present: frozenset[bytes]
) -> Iterator[re.Match[bytes]]:
    """Matches of patterns whose probe occurs in the file, at identifier starts, once each."""
    # Patterns start with a literal (fast search); the word boundary is checked here.
    seen: set[int] = set()
    for probe, rx in res:
        if probe in present:
            for m in rx.finditer(data):
                st = m.start(1)
                if st > 0 and (data[st - 1 : st].isalnum() or data[st - 1] == 0x5F):
                    continue
                if st not in seen:
                    seen.add(st)
                    yield m


@dataclass(frozen=True, slots=True)
class Located:
    """The nodes of one parse that extraction reads."""

    decls: list[tuple[ts.Node, str]]  # (declaration, special type), field arrays first
    calls: list[tuple[ts.Node, str]]  # (call_expression, function name)
    assigns: list[ts.Node]  # `x->vmsd = ...` / `x->props = ...` assignment expressions


def locate(ctx: Ctx, root: ts.Node) -> Located:
    """Find the interesting nodes from regex hits on the bytes (no full-tree walk)."""
    data = ctx.data
    decls: list[tuple[ts.Node, str]] = []
    seen: set[int] = set()
    for m in iter_hits(data, _DECL_TYPE_RES, ctx.present):
        node = root.descendant_for_byte_range(m.start(1), m.end(1))
        if node is None or node.type != "type_identifier":
            continue
        parent = node.parent
        if parent is not None and parent.type == "struct_specifier":
            node, parent = parent, parent.parent  # `static const struct SysemuCPUOps ops = {`
        if parent is None or parent.type != "declaration" or parent.id in seen:
            continue
        t = parent.child_by_field_name("type")
        if t is None or t.id != node.id:
            continue
        seen.add(parent.id)
        decls.append((parent, m.group(1).decode()))
    calls: list[tuple[ts.Node, str]] = []
    for m in iter_hits(data, _CALL_RES, ctx.present):
        call = call_named_at(root, m.start(1), m.end(1))
        if call is not None:
            calls.append((call, m.group(1).decode()))
    if b"_machine_" in data:
        for m in _MACHINE_OPTS_RE.finditer(data):
            st = m.start()
            while st > 0 and (data[st - 1 : st].isalnum() or data[st - 1] == 0x5F):
                st -= 1
            call = call_named_at(root, st, m.start() + 1)
            fn = call.child_by_field_name("function") if call is not None else None
            if call is not None and fn is not None:
                calls.append((call, ctx.text(fn)))
    assigns: list[ts.Node] = []
    for m in _VMSD_ASSIGN_RE.finditer(data) if b"vmsd" in data or b"props" in data else ():
        node = root.descendant_for_byte_range(m.start(1), m.end(1))
        if node is None or node.type != "field_identifier":
            continue
        fe = node.parent
        if fe is None or fe.type != "field_expression":
            continue
        asg = fe.parent
        if asg is None or asg.type != "assignment_expression":
            continue
        left = asg.child_by_field_name("left")
        if left is not None and left.id == fe.id:
            assigns.append(asg)
    # field arrays and interface arrays first, so vmsds/types can refer to them
    decls.sort(key=lambda dt: 0 if dt[1] in ("VMStateField", "InterfaceInfo") else 1)
    return Located(decls, calls, assigns)
