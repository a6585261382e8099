"""MIG042 virtio-config-size-change: a struct change resizes a device's virtio config space.

*What it flags*

A struct or union whose definition the series changes (typically a config struct in
include/standard-headers/linux/, updated from Linux) while an existing device passes its
size to `virtio_init(vdev, ..., sizeof(struct X))`, and the size differs between base and
head. Sizes are computed from the member declarations of every header (natural alignment,
`QEMU_PACKED` honoured, dimensions from macros). When a size cannot be computed, a note says
so instead of staying silent.

*Why it breaks migration*

The config space length is guest-visible and part of the migrated virtio state: `virtio_load`
and the PCI transport's config checks refuse a stream from a device whose config space has a
different size or layout ("get_pci_config_device: Bad config data", "Failed to load
virtio-blk:virtio"), so migration between QEMU versions fails on every machine type, and the
guest sees new config fields appear underneath it.

*Example*

caa1ee43131c updated include/standard-headers/linux/virtio_blk.h with the discard and
write-zeroes fields; virtio-blk still called `virtio_init(..., sizeof(struct
virtio_blk_config))`, so its config space grew and migration from 3.1 failed.
42824b4d16 sized it up to `offsetof(struct virtio_blk_config, max_discard_sectors)`, the
3.1 size.

*Instead*

Do not size a config space by `sizeof` of a struct that tracks the Linux headers: compute it
from the enabled features (`virtio_get_config_size()` with a `VirtIOConfigSizeParams` table),
and gate new features with a property that old machine types turn off.

*References*

- docs/devel/migration/compatibility.rst; hw/virtio/virtio.c `virtio_load`,
  `virtio_get_config_size`
- QEMU commits caa1ee43131c, 42824b4d16
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import StructDef
from bot.model.layout import sizeof_struct
from bot.rulekit.layout import int_lookup, struct_lookup

RULE = RuleSpec(
    id="MIG042",
    name="virtio-config-size-change",
    severity=Severity.ERROR,
    category=Category.FIELD_TYPE_OR_SIZE_CHANGED,
    confidence="high",
    scope="patch",
    message="a struct whose sizeof sets a virtio config space changes size",
    fix_hint="size the config space from the enabled features, with compat for old machines",
    kinds=("struct",),
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield one hit per existing virtio_init() call whose sizeof(struct) argument changes."""
    if change.op != "modified":
        return
    old, new = change.old, change.new
    if not isinstance(old, StructDef) or not isinstance(new, StructDef):
        return
    t_old, t_new = ctx.old_tree, ctx.new_tree
    if t_old is None or t_new is None:
        return
    names = tuple(dict.fromkeys((new.name, *new.aliases)))
    calls = [
        (path, ref)
        for n in names
        for path, ref in t_old.size_refs(n)
        if ref.startswith("call:")
    ]
    if not calls:
        return
    before = sizeof_struct(struct_lookup(ctx, "old"), old.name, int_lookup(ctx, "old"))
    after = sizeof_struct(struct_lookup(ctx, "new"), new.name, int_lookup(ctx, "new"))
    if before is not None and before == after:
        return
    for path, ref in dict.fromkeys(calls):
        callee, _, function = ref.removeprefix("call:").partition("@")
        if not any(r == (path, ref) for n in names for r in t_new.size_refs(n)):
            continue  # the call no longer sizes by this struct
        where = f"{callee}() in {function} ({path})"
        if before is None or after is None:
            yield Hit(
                message=(
                    f"struct {new.name} changes and {where} sizes a virtio config space with "
                    "it; migcheck cannot compute its size on both sides, so check that the "
                    "config size is unchanged for existing machine types"
                ),
                line=change.line,
                side="new",
                entity=f"{new.name}@{path}:{function}",
                severity=Severity.NOTE,
                confidence="low",
            )
            continue
        yield Hit(
            message=(
                f"sizeof(struct {new.name}) changes from {before} to {after} bytes and "
                f"{where} passes it as the virtio config size: the config space of an "
                "existing device changes on every machine type, and virtio_load fails "
                "between old and new QEMU"
            ),
            line=change.line,
            side="new",
            entity=f"{new.name}@{path}:{function}",
        )
