"""Guest write handlers of a device file and the members they write: which registers the
guest can set and read back (MIG065, MIG075)."""

from __future__ import annotations

import re

from bot.model import cscan
from bot.model.entities import FileModel, StructMember
from bot.model.memberwrites import member_write_re
from bot.rulekit.machines import FileFunctions

# an old-style guest access handler: `void f(void *opaque, hwaddr addr, uint32_t val ...)`
_ADDR = r"(?:hwaddr|target_phys_addr_t|ram_addr_t|uint32_t|uint64_t|unsigned(?:\s+int)?)"
_VAL = r"(?:uint(?:8|16|32|64)_t|unsigned(?:\s+int)?|int)"
_HANDLER = re.compile(
    rf"\bvoid\s+(\w+)\s*\(\s*void\s*\*\s*\w+\s*,\s*{_ADDR}\s+\w+\s*,\s*{_VAL}\s+\w+\s*"
    r"(?:,[^()]{0,120})?\)\s*$"
)
# `.write = f` in a MemoryRegionOps and a PCI device's `k->config_write = f` hook
_DESIGNATED = re.compile(r"(?:\.write(?:_with_attrs)?|(?:->|\.)\s*config_write)\s*=\s*(\w+)")
_MAX_HEAD = 400  # characters of a definition head read for the handler signature
_MAX_BODY = 20000  # characters of a handler body scanned (untrusted input)
_MAX_HANDLERS = 64


def guest_write_handlers(text: str, functions: FileFunctions) -> list[str]:
    """Guest write handlers defined in the file: designated `.write = f` and old signatures."""
    names = functions.names()
    out: list[str] = []
    for m in _DESIGNATED.finditer(text):
        if m.group(1) in names and m.group(1) not in out:
            out.append(m.group(1))
        if len(out) >= _MAX_HANDLERS:
            return out
    for fn in sorted(names):
        if fn in out:
            continue
        head = functions.text(fn)[:_MAX_HEAD].split("{", 1)[0]
        if _HANDLER.search(cscan.norm(head)):
            out.append(fn)
            if len(out) >= _MAX_HANDLERS:
                break
    return out


def configured_members(model: FileModel) -> set[str]:
    """Members set by properties: configuration, set again on the destination's command
    line."""
    return {re.split(r"\.|->", p.c_field)[0].strip() for p in model.properties if p.c_field}


# a stub register: the write's `case` logs it as unimplemented and only stores the value
_UNIMP = re.compile(r"\bLOG_UNIMP\b")
_CASE_START = re.compile(r"\bcase\b[^:]{0,200}:|\bbreak\s*;|\breturn\b[^;]{0,200};|[{}]")
_CASE_WINDOW = 600  # characters read back from a write for its case's LOG_UNIMP


def _real_write(write: re.Pattern[str], body: str) -> bool:
    """Whether `body` writes the member outside a case that logs the register as
    unimplemented (`qemu_log_mask(LOG_UNIMP, "EWCTRL unimplemented")` then `s->ewctrl =
    value;`: a stub that only stores what the guest wrote)."""
    for w in write.finditer(body):
        before = body[max(0, w.start() - _CASE_WINDOW) : w.start()]
        starts = [c.end() for c in _CASE_START.finditer(before)]
        case = before[starts[-1] :] if starts else before
        if not _UNIMP.search(case):
            return True
    return False


def read_back_writer(
    m: StructMember, text: str, functions: FileFunctions, handlers: list[str]
) -> str | None:
    """The guest write handler that writes `m`, if `m` is also read elsewhere."""
    write = member_write_re(m.name)
    writer = next((h for h in handlers
                   if _real_write(write, functions.text(h)[:_MAX_BODY])), None)  # fmt: skip
    if writer is None:
        return None
    uses = len(re.findall(rf"(?:->|\.)\s*{re.escape(m.name)}\b", text))
    if uses <= len(write.findall(text)):
        return None  # written only: nothing reads it back
    return writer
