"""Runtime state derived from guest state that migration does not carry: which functions of
a file update it, and whether the file's load path reaches them.

Whether a memory region is enabled, where it is mapped and which alias offset it has are
not in any VMStateDescription: the destination gets them only when its load path (a
`post_load`, a virtio `load`, a VM change-state handler) recomputes them from the loaded
registers. A function that updates them is classified by the local call graph of its file,
where taking a function's address counts as a call (callbacks passed to `g_tree_foreach`):
"load" when a load root reaches it, "setup" when only realize/init/reset-style functions
do, "runtime" otherwise (guest-driven: MMIO and config writes, command handlers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.model import cscan

DERIVE_CALLS = (
    "memory_region_set_enabled",
    "memory_region_set_address",
    "memory_region_set_alias_offset",
)
_DERIVE = re.compile(r"\b(" + "|".join(DERIVE_CALLS) + r")\s*\(")
# a function named in a body: called (group 2 set) or its address taken
_REF = re.compile(r"\b([A-Za-z_]\w*)\b(\s*\()?")
# Members and registrations naming the functions a load runs.
_LOAD_HOOK = re.compile(
    r"(?:->|\.)\s*(?:post_load|pre_load|post_load_errp|pre_load_errp|load|load_state|"
    r"load_config|load_queue|load_device)\s*=\s*&?\s*([A-Za-z_]\w*)"
)
_CHANGE_HANDLER = re.compile(
    r"\bqemu_add_vm_change_state_handler\w*\s*\(\s*(?:[^,()]*,\s*)?&?\s*([A-Za-z_]\w*)"
)
_SETUP = re.compile(
    r"realize|unrealize|(?:^|_)init(?:fn)?$|instance_init|class_init|initfn|finalize|"
    r"(?:^|_)exit$|(?:^|_)reset(?:_hold|_enter|_exit)?$|(?:^|_)create$|_register_types$"
)


def derived_updates(
    text: str, functions: Sequence[tuple[str, int, int]]
) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(function, "load" | "setup" | "runtime", runtime roots that reach it) for every
    function of the file that calls one of DERIVE_CALLS."""
    if "memory_region_set_" not in text:
        return ()
    lines = text.split("\n")
    local = {name for name, _lo, _hi in functions}
    bodies: dict[str, str] = {}
    for name, lo, hi in functions:
        if name in bodies:
            continue
        chunk = cscan.strip_comments("\n".join(lines[lo - 1 : hi]))
        brace = chunk.find("{")
        bodies[name] = chunk[brace + 1 :] if brace >= 0 else ""
    updaters = [n for n, b in bodies.items() if _DERIVE.search(b)]
    if not updaters:
        return ()
    callers: dict[str, set[str]] = {}
    for name, body in bodies.items():
        setup = _SETUP.search(name) is not None
        for m in _REF.finditer(body):
            ref = m.group(1)
            if ref not in local or ref == name:
                continue
            if setup and not m.group(2):
                continue  # a callback installed by realize/class_init is an entry point
            callers.setdefault(ref, set()).add(name)
    clean = cscan.strip_comments(text)
    roots = {m.group(1) for m in _LOAD_HOOK.finditer(clean)}
    roots |= {m.group(1) for m in _CHANGE_HANDLER.finditer(clean)}
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for fn in updaters:
        seen = {fn}
        todo = [fn]
        while todo:
            cur = todo.pop()
            for c in callers.get(cur, ()):
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        if seen & roots:
            out.append((fn, "load", ()))
            continue
        # the functions nothing in the file calls are entered from outside: callbacks and
        # exported entry points; only setup-style ones among them means setup only
        entries = sorted(n for n in seen if not callers.get(n))
        runtime = [n for n in entries if not _SETUP.search(n)]
        out.append((fn, "runtime" if runtime else "setup", tuple(runtime[:4])))
    return tuple(out)
