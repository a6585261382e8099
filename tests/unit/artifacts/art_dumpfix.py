"""Tiny synthetic -dump-vmstate documents for comparator tests."""

from __future__ import annotations

import copy
from typing import Any


def fld(
    name: str,
    size: int = 4,
    *,
    v: int = 0,
    test: bool = False,
    num: int | None = None,
    desc: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One field object as QEMU prints it."""
    f: dict[str, Any] = {"field": name, "version_id": v, "field_exists": test}
    if num is not None:
        f["num"] = num
    f["size"] = size
    if desc is not None:
        f["Description"] = desc
    return f


def desc(
    name: str,
    fields: list[dict[str, Any]] | None = None,
    *,
    v: int = 1,
    mn: int = 1,
    subs: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A Description (VMSD) object."""
    d: dict[str, Any] = {"name": name, "version_id": v, "minimum_version_id": mn}
    if fields is not None:
        d["Fields"] = fields
    if subs is not None:
        d["Subsections"] = subs
    return d


def section(key: str, d: dict[str, Any]) -> dict[str, Any]:
    """A top-level section entry keyed by QOM type name."""
    return {
        "Name": key,
        "version_id": d["version_id"],
        "minimum_version_id": d["minimum_version_id"],
        "Description": d,
    }


def dump(*sections: tuple[str, dict[str, Any]], machine: str = "pc-q35-7.2") -> dict[str, Any]:
    """A whole dump."""
    out: dict[str, Any] = {"vmschkmachine": {"Name": machine}}
    for key, d in sections:
        out[key] = section(key, d)
    return out


def base() -> dict[str, Any]:
    """A small realistic dump: a device with a nested struct, an array and subsections."""
    pcidev = desc(
        "PCIDevice",
        [fld("version_id"), fld("config", 256, test=True), fld("irq_state", 4, v=2, num=4)],
        v=2,
        mn=1,
    )
    dev = desc(
        "mydev",
        [
            fld("parent_obj", 2608, desc=pcidev),
            fld("ctrl"),
            fld("status", 2),
            fld("regs", 4, num=16),
            fld("unused", 4),
        ],
        v=3,
        mn=2,
        subs=[desc("mydev/extra", [fld("x", 8)]), desc("mydev/dma", [fld("addr", 8)])],
    )
    sd = desc(
        "sd-card",
        [fld("state")],
        v=2,
        mn=2,
        subs=[
            desc("sd-card/ext", [fld("key", 1, num=32)]),
            desc("sd-card/ext", [fld("ext_csd", 1, num=192)]),
        ],
    )
    return dump(
        ("mydev", dev), ("sd-card", sd), ("serial-isa", desc("serial", [fld("divider", 2)]))
    )


def clone(d: dict[str, Any]) -> dict[str, Any]:
    """Deep copy for editing."""
    return copy.deepcopy(d)
