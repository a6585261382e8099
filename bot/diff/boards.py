"""A `board` change: a board file that defines versioned machine types changed where no
entity did (a compat function's body, an init path), so the rules that read board files
once per unit (MIG036, MIG039 ...) still run."""

from __future__ import annotations

import re

from bot.diff.changes import EntityChange

__all__ = ["board_change"]

# `.name = "pc-0.13"` in a QEMUMachine initializer, `DEFINE_I440FX_MACHINE(...)`
_MACHINES = re.compile(rb'\.name\s*=\s*"[\w.-]{1,60}-\d+\.\d+"|\bDEFINE_\w{0,40}MACHINE\w{0,20}\(')


def board_change(
    path: str, old: bytes | None, new: bytes | None, old_path: str | None = None
) -> tuple[EntityChange, ...]:
    """One `board` change for a C file whose text changed and whose both sides define
    versioned machine types; () otherwise."""
    if old is None or new is None or old == new or not path.endswith(".c"):
        return ()
    if _MACHINES.search(old) is None or _MACHINES.search(new) is None:
        return ()
    return (EntityChange("board", "modified", path, path, None, None,
                         old_path if old_path != path else None),)  # fmt: skip
