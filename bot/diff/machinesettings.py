"""Pairing of the effective machine settings of two sides of a board file.

Settings are paired by (machine family, version, member), never by line or by the function
that assigns them, so moving an assignment along the option chain (a refactor that keeps
what every machine type gets) is no change. A member one side's chain never assigns pairs
with an unset placeholder, so setting it for an existing machine type is a modification.
Only machine versions both sides define are paired: a version the series adds or drops is
what other rules judge.
"""

from __future__ import annotations

from bot.diff.changes import EntityChange
from bot.model.entities import FileModel
from bot.model.machinesettings import MachineSetting, hook_family, machine_hooks, machine_settings

__all__ = ["machine_setting_changes"]

_Key = tuple[str, tuple[int, int], str]
# changes returned for one file: a real series changes a few members of a few dozen versions;
# MIG061 compares each change with the file's others, so a hostile board file must not
# give tens of thousands
_MAX_CHANGES = 2000


def _by_key(settings: tuple[MachineSetting, ...]) -> dict[_Key, MachineSetting]:
    return {(s.family, s.version, s.member): s for s in settings}


def _unset(hook: str, line: int, member: str, like: MachineSetting) -> MachineSetting:
    fam = hook_family(hook)
    family, version = fam if fam is not None else (like.family, like.version)
    return MachineSetting(hook, family, version, member, "", "", line, like.is_global)


def machine_setting_changes(
    path: str,
    old_text: str | None,
    old: FileModel | None,
    new_text: str | None,
    new: FileModel | None,
    old_path: str | None = None,
) -> tuple[EntityChange, ...]:
    """`machine_setting` changes: a member whose effective value differs for a machine
    version both sides define (keyed `<hook>:<member>`, the new side's hook name)."""
    if old is None or new is None or old_text is None or new_text is None:
        return ()
    old_hooks, new_hooks = machine_hooks(old), machine_hooks(new)
    if not old_hooks or not new_hooks:
        return ()
    old_ver = {hook_family(h): (h, line) for h, line in old_hooks.items()}
    new_ver = {hook_family(h): (h, line) for h, line in new_hooks.items()}
    a = _by_key(machine_settings(old_text, old))
    b = _by_key(machine_settings(new_text, new))
    out: list[EntityChange] = []
    for key in sorted(set(a) | set(b)):
        if len(out) >= _MAX_CHANGES:
            break
        fam = (key[0], key[1])
        if fam not in old_ver or fam not in new_ver:
            continue
        before, after = a.get(key), b.get(key)
        if before is not None and after is not None and before.value == after.value:
            continue
        like = before if before is not None else after
        assert like is not None
        if before is None:
            before = _unset(*old_ver[fam], key[2], like)
        if after is None:
            after = _unset(*new_ver[fam], key[2], like)
        out.append(
            EntityChange(
                kind="machine_setting",
                op="modified",
                key=f"{after.hook}:{key[2]}",
                path=path,
                old=before,
                new=after,
                old_path=old_path if old_path != path else None,
            )
        )
    return tuple(out)
