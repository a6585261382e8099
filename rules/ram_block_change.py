"""MIG052 ram-block-change: a migrated RAM block is renamed, resized, added or dropped.

*What it flags*

In a function that exists on both sides, a RAM block created by name —
`memory_region_init_ram(mr, owner, "name", size, errp)` and its `_ptr`, `_resizeable`,
`rom`, `rom_device` variants, `memory_region_allocate_system_memory()`, or main RAM handed to
the generic code with `mc->default_ram_id = "name"` — whose name or size expression changes,
that disappears, or that is new. Main RAM moved from a board's own allocation to
`default_ram_id` with the same name is reported only when the board allocated it with a size
other than the plain `-m` size (`machine->ram_size`): the generic code allocates exactly `-m`,
before the board can round it. Blocks of new functions (new devices) are not reported, nor a
change the series gates with a compat entry.

*Why it breaks migration*

RAM is migrated per RAM block, identified by its name (the idstr, prefixed with the owner's
device path) and checked against its size. A block the destination does not have fails with
"Unknown ramblock", a block of another size with "Length mismatch", and a block the source no
longer sends leaves the destination's copy unloaded.

*Example*

s390x main RAM moved to the generic memdev code (`mc->default_ram_id = "s390.ram"`): the old
code allocated the size sclp had rounded, the new one the unrounded `-m` size, so inbound
migration from older QEMU failed; the fix restored the rounding for 4.2 and older machine
types (commits 3a12fc61af5c, 5c30ef937f52).

*Instead*

Keep name and size of every RAM block for existing machine types: a machine-class flag or
compat property selects the old name or rounding on old machine types; a new block is only
created on new machine types (or by a new device).

*References*

- docs/devel/migration/main.rst (RAM migration, RAM block idstr)
- system/physmem.c (qemu_ram_set_idstr), migration/ram.c (ram_load_precopy)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import RamBlock
from bot.model.view import FilesView

RULE = RuleSpec(
    id="MIG052",
    name="ram-block-change",
    severity=Severity.WARNING,
    category=Category.OTHER,
    confidence="medium",
    scope="patch",
    message="a migrated RAM block changes name or size for existing machine types",
    fix_hint="keep the RAM block's name and size on old machine types (compat flag)",
    kinds=("ram_block",),
)

# The `-m` size as the board receives it: what generic code allocates too.
_PLAIN_RAM_SIZE = re.compile(r"^\(?\s*(?:\w+\s*->\s*)?ram_size\s*\)?$")


def _label(r: RamBlock) -> str:
    return f'"{r.name}"' if r.name is not None else r.name_expr


def _blocks(files: FilesView) -> list[RamBlock]:
    return [r for _p, fm in files.models() for r in fm.ram_blocks]


def _ident(r: RamBlock) -> str:
    return r.name if r.name is not None else r.name_expr


def _gated(ctx: RuleContext) -> bool:
    return any(c.kind == "compat_array" for c in ctx.changes)


def _function_existed(ctx: RuleContext, fn: str) -> bool:
    return any(f == fn for _p, fm in ctx.old_files.models() for f, _lo, _hi in fm.functions)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report RAM blocks of existing code whose name or size changes, or that come or go."""
    if _gated(ctx) or ctx.old_model is None:
        return
    o, n = change.old, change.new
    old_all, new_all = _blocks(ctx.old_files), _blocks(ctx.new_files)
    if change.op == "modified" and isinstance(o, RamBlock) and isinstance(n, RamBlock):
        if o.size_expr != n.size_expr and o.call == n.call and n.size_expr is not None:
            yield Hit(
                message=(
                    f"RAM block {_label(n)} in {n.function}() is now sized `{n.size_expr}` "
                    f"instead of `{o.size_expr}`: where the value differs, migration with "
                    "older QEMU fails with a RAM block length mismatch"
                ),
                line=n.line,
                side="new",
                entity=f"ramblock[{_ident(n)}]",
            )
        return
    if change.op == "added" and isinstance(n, RamBlock):
        if not _function_existed(ctx, n.function):
            return
        before = [r for r in old_all if _ident(r) == _ident(n)]
        if n.call == "default_ram_id":
            explicit = [r for r in before if r.call != "default_ram_id"]
            if explicit and not any(
                r.size_expr and _PLAIN_RAM_SIZE.match(r.size_expr) for r in explicit
            ):
                r0 = explicit[0]
                yield Hit(
                    message=(
                        f"main RAM block {_label(n)} is now allocated by the generic memdev "
                        f"code with the -m size as given, while {r0.function}() allocated it "
                        f"with `{r0.size_expr}`: any rounding or fix-up of ram_size by the "
                        "board no longer reaches the block, whose size then differs from "
                        "older QEMU (length mismatch on migration)"
                    ),
                    line=n.line,
                    side="new",
                    entity=f"ramblock[{_ident(n)}]",
                )
            return
        if before:
            return  # the same block, created elsewhere before (moved)
        gone = [
            r
            for r in old_all
            if r.function == n.function
            and r.call == n.call
            and not any(_ident(x) == _ident(r) for x in new_all)
        ]
        what = (
            f"renamed from {_label(gone[0])} to {_label(n)}"
            if gone
            else f"new ({_label(n)}): older QEMU has no such block"
        )
        yield Hit(
            message=(
                f"RAM block created in {n.function}() is {what}; migration between this "
                "QEMU and older QEMU fails with 'Unknown ramblock' on existing machine types"
            ),
            line=n.line,
            side="new",
            entity=f"ramblock[{_ident(n)}]",
        )
    elif change.op == "removed" and isinstance(o, RamBlock):
        if any(_ident(r) == _ident(o) for r in new_all):
            return  # still created (moved, or handed to default_ram_id)
        if not any(
            f == o.function for _p, fm in ctx.new_files.models() for f, _a, _b in fm.functions
        ):
            return  # the whole function went: a removed device, other rules' business
        if any(
            r.function == o.function
            and r.call == o.call
            and not any(_ident(x) == _ident(r) for x in old_all)
            for r in new_all
        ):
            return  # renamed: reported on the new name
        yield Hit(
            message=(
                f"RAM block {_label(o)} is no longer created in {o.function}(): migration "
                "from older QEMU, which sends it, fails with 'Unknown ramblock'"
            ),
            line=o.line,
            side="old",
            entity=f"ramblock[{_ident(o)}]",
        )
