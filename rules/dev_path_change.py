"""MIG053 dev-path-change: the code that prefixes section names on a bus changes.

*What it flags*

A change of the body of a bus's `get_dev_path` function (set as `k->get_dev_path = f` in the
bus class, or named `*get_dev_path*`) or of a PCI host bridge's `root_bus_path`, and the
removal of such a function from a file that stays; a new `get_dev_path` in an existing file.
A function only renamed or moved (same body) is not reported.

*Why it breaks migration*

A device on a bus with `get_dev_path` registers its sections as `<dev path>/<vmsd name>`
(`0000:00:02.0/e1000`, the idstr). Older QEMU looks sections up by that string: when the path
of an existing device comes out different, the destination reports an unknown section
("Unknown savevm section or instance") and the migration fails, for every device on the
bus and every machine type.

*Example*

`pci_root_bus_path()` replaced the `DDDD:00` domain prefix in `pcibus_get_dev_path()`; the
i440fx and q35 hosts got a compat `root_bus_path`, yet the q35 host's own section changed
from `0000:00:00.0` to `0000:00.0`; the fix kept the old id for old machine types (commits
568f0690fd9a, 04c7d8b8dea7).

*Instead*

Keep the string `get_dev_path` returns for every existing device and machine type: put a
new format behind a compat property or machine flag, and check the section names in
`-dump-vmstate` or `info migrate` output before and after.

*References*

- migration/savevm.c (vmstate_register_with_alias_id: the idstr from qdev_get_dev_path)
- hw/pci/pci.c (pcibus_get_dev_path, pci_root_bus_path)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import IdFunction
from bot.model.view import FilesView

RULE = RuleSpec(
    id="MIG053",
    name="dev-path-change",
    severity=Severity.WARNING,
    category=Category.SECTION_RENAMED,
    confidence="medium",
    scope="patch",
    message="the section-name prefix (get_dev_path) of devices on a bus may change",
    fix_hint="keep the dev path existing devices get; gate a new format with a compat flag",
    kinds=("id_function",),
)


def _digests(files: FilesView) -> set[str]:
    return {f.digest for _p, fm in files.models() for f in fm.id_functions}


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report changed, removed or new section-name prefix functions of existing files."""
    o, n = change.old, change.new
    if change.op == "modified" and isinstance(o, IdFunction) and isinstance(n, IdFunction):
        if o.digest == n.digest:
            return
        yield Hit(
            message=(
                f"{n.function}(), the {n.role} that prefixes the section names (idstr) of "
                "every device below it, changes: if the string differs for an existing "
                "device, older QEMU does not find its sections (unknown section) on any "
                "machine type"
            ),
            line=n.line,
            side="new",
            entity=f"{n.role}[{n.function}]",
        )
    elif change.op == "removed" and isinstance(o, IdFunction):
        if ctx.new_model is None or o.digest in _digests(ctx.new_files):
            return
        yield Hit(
            message=(
                f"{o.function}(), the {o.role} that prefixes the section names of devices "
                "below it, is removed: their sections get other names than in older QEMU"
            ),
            line=o.line,
            side="old",
            entity=f"{o.role}[{o.function}]",
        )
    elif change.op == "added" and isinstance(n, IdFunction):
        if ctx.old_model is None or n.role != "get_dev_path" or n.digest in _digests(ctx.old_files):
            return
        yield Hit(
            message=(
                f"new {n.role} {n.function}() in an existing file: devices on a bus that "
                "gains it get prefixed section names that older QEMU does not know"
            ),
            line=n.line,
            side="new",
            entity=f"{n.role}[{n.function}]",
        )
