"""Device types a series touches, for the artifact layer's real migration (-device list).

A type is touched when the series adds or changes its vmsd (or a vmsd nested in it), the
body of a hook that vmsd names (post_load, .needed ... also from another file), its
class_init, or a Property array its class_init installs. Only concrete (non-abstract) PCI and
ISA devices are returned: those are user-creatable with a plain `-device TYPE` on the
versioned PC machines; the artifact layer still probes each one and leaves out what the
machine cannot create. Pure given the trees.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.diff.filediff import diff_models
from bot.model.entities import ClassInit, HookBody, Property, Vmsd
from bot.series import Series

if TYPE_CHECKING:
    from bot.engine.spec import TreeView

__all__ = ["DEVICE_FAMILIES", "touched_device_types"]

# Ancestors that make a concrete type a plain `-device TYPE` candidate.
DEVICE_FAMILIES: frozenset[str] = frozenset({"pci-device", "isa-device"})


def _creatable(tree: TreeView, name: str) -> bool:
    info = tree.type_by_name(name)
    if info is None or info.abstract or name in DEVICE_FAMILIES:
        return False
    return any(a in DEVICE_FAMILIES for a in tree.type_ancestors(name))


def _with_descendants(tree: TreeView, names: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for n in names:
        out[n] = None
        for d in tree.type_descendants(n):
            out[d] = None
    return list(out)


def touched_device_types(
    series: Series,
    old_tree: TreeView | None,
    new_tree: TreeView | None,
    *,
    limit: int = 8,
) -> tuple[str, ...]:
    """Concrete PCI/ISA device types whose vmsd, class_init or properties the series changes
    (sorted, at most `limit`); () without a head tree."""
    if new_tree is None:
        return ()
    found: dict[str, None] = {}
    for fc in series.folded:
        path = fc.new_path
        if fc.binary or not path or not path.endswith(".c"):
            continue
        new = new_tree.file_model(path)
        if new is None:
            continue
        old = old_tree.file_model(fc.old_path) if old_tree is not None and fc.old_path else None
        vmsds: set[str] = set()
        functions: set[str] = set()
        arrays: set[str] = set()
        for ch in diff_models(path, old, new, fc.old_path):
            if ch.op == "removed":
                continue
            if isinstance(ch.new, Vmsd):
                vmsds.add(ch.new.c_name)
            elif isinstance(ch.new, ClassInit):
                functions.add(ch.new.function)
            elif isinstance(ch.new, Property):
                arrays.add(ch.new.array)
            elif isinstance(ch.new, HookBody) and ch.op == "modified":
                vmsds.update(
                    c_name
                    for c_name, _role, where in new_tree.hook_users(ch.new.name)
                    if not ch.new.static or where == path
                )
        names: list[str] = []
        for c_name in sorted(vmsds):
            for v in (c_name, *new_tree.vmsd_containers(c_name)):
                names.extend(new_tree.types_for_vmsd(v))
        functions |= {ci.function for ci in new.class_inits if arrays & set(ci.props)}
        direct = [t.name for t in new.types if t.name and t.class_init in functions]
        names.extend(_with_descendants(new_tree, direct))
        for n in names:
            if _creatable(new_tree, n):
                found[n] = None
    return tuple(sorted(found)[:limit])
