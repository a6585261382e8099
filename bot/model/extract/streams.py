"""Open-coded migration streams: the qemu_put_*/qemu_get_* sequence of each function.

Devices that predate VMState (and some that never moved) write their state by hand in
save/load functions, `VMStateInfo` .get/.put callbacks and `save_config`/`load_config`
hooks. What reaches the wire is the order and width of those calls, so each function that
makes them gets a `StreamFunction`: its operations in text order, how deep each one sits in
conditionals or loops, whether a `return` inside a conditional comes before it (an early
exit the other side may not take), and whether the function looks at a version number.
Text-based on comment-stripped source, so fast-path files get it too.
"""

from __future__ import annotations

import bisect
import re

from bot.model import cscan
from bot.model.conditions import conditions_at
from bot.model.entities import StreamFunction, StreamOp

MAX_OPS = 400

_OP = re.compile(r"\bqemu_(put|get)_(\w+)\s*\(")
_RETURN = re.compile(r"\breturn\b")
_VERSION = re.compile(r"\bversion(?:_id)?\b")
# qemu_put_be32s(f, &x) and qemu_put_be32(f, x) write the same bytes: one width name.
_WIDTH_ALIASES = {"8": "byte", "8s": "byte", "sbyte": "byte"}
# `qemu_get_<word>(...)`/`qemu_put_<word>(...)` calls of QEMU's own API that take no QEMUFile
# (a NIC reset calling `qemu_get_queue(s->nic)` reads nothing from the stream)
_NOT_OPS = frozenset(
    {
        "clock",
        "notify",
        "file",
        "counted_string_len",
        "queue",
        "subqueue",
        "nic",
        "nic_opaque",
        "peer",
        "cpu",
        "aio_context",
        "current_aio_context",
        "timedate",
        "vnet_hdr_len",
        "vnet_hash_supported_types",
        "vm_name",
        "thread_id",
        "local_state_dir",
    }
)


def _width(name: str) -> str:
    if name in _WIDTH_ALIASES:
        return _WIDTH_ALIASES[name]
    if re.fullmatch(r"s?be(16|32|64)s", name):
        return name[:-1]
    return name


_MARKERS = ("qemu_put_", "qemu_get_", "vmstate_load_state", "vmstate_save_state")
# `vmstate_load_state(f, &vmstate_x, opaque, 1)`: a nested description read by hand
_NESTED = re.compile(r"\bvmstate_(load|save)_state\s*\(")
# `Foo *s = opaque;`, `Foo *s = FOO(opaque);`, `Foo *s = (Foo *)opaque;` and parameters
_LOCAL = re.compile(
    r"(?:^|[;{(,])\s*(?:const\s+)?(?:struct\s+)?([A-Za-z_]\w*)\s*\*\s*([A-Za-z_]\w*)\s*"
    r"(?:=\s*(?:\(\s*(?:struct\s+)?\w+\s*\*\s*\)\s*)?(?:[A-Z][A-Z0-9_]*\s*\(\s*)?"
    r"([A-Za-z_]\w*)\s*\)?\s*)?(?=[;,)])"
)


def read_streams(text: str, functions: list[tuple[str, int, int]]) -> tuple[StreamFunction, ...]:
    """A StreamFunction for every function of `text` that reads or writes the stream."""
    if not any(m in text for m in _MARKERS):
        return ()
    src = cscan.strip_comments(text)
    starts = [0]
    for m in re.finditer("\n", src):
        starts.append(m.end())
    out: list[StreamFunction] = []
    for name, line, end_line in functions:
        if line - 1 >= len(starts):
            continue
        a = starts[line - 1]
        b = starts[end_line] if end_line < len(starts) else len(src)
        body_at = src.find("{", a, b)
        if body_at < 0:
            continue
        body = src[body_at:b]
        if not any(m in body for m in _MARKERS):
            continue
        ops = _ops(body, line + src.count("\n", a, body_at))
        if ops:
            out.append(
                StreamFunction(
                    name=name,
                    line=line,
                    end_line=end_line,
                    ops=ops,
                    versioned=bool(_VERSION.search(body)),
                    pointers=_pointer_types(src[a:b]),
                )
            )
    return tuple(out)


def _ops(body: str, first_line: int) -> tuple[StreamOp, ...]:
    """Operations in text order with their nesting depth and early-return flag."""
    ops: list[StreamOp] = []
    depth = 0  # brace depth inside the body (the body's own brace is depth 1)
    cond_return = False
    i = 0
    line = first_line
    n = len(body)
    events: list[tuple[int, str, re.Match[str] | None]] = []
    for o in _OP.finditer(body):
        events.append((o.start(), "op", o))
    for o in _NESTED.finditer(body):
        events.append((o.start(), "nested", o))
    for r in _RETURN.finditer(body):
        events.append((r.start(), "ret", None))
    events.sort(key=lambda e: e[0])
    pending_if = _IfTracker(body)
    calls = [pos for pos, kind, _ in events if kind != "ret"][: 4 * MAX_OPS]
    conds = dict(zip(calls, conditions_at(body, 0, calls), strict=True))
    for pos, kind, m in events:
        # advance the depth/line counters to pos
        while i < pos and i < n:
            c = body[i]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c == "\n":
                line += 1
            i += 1
        nested = depth - 1 + (1 if pending_if.braceless(pos) else 0)
        if kind == "ret":
            if nested > 0:
                cond_return = True
            continue
        assert m is not None
        close = cscan.match_close(body, m.end() - 1)
        args = cscan.split_args(body[m.end() : close]) if close < n else ()
        if kind == "nested":
            if len(args) >= 3 and len(ops) < MAX_OPS:
                ops.append(
                    StreamOp(
                        op=f"{m.group(1)}_state",
                        width=cscan.norm(args[1]).lstrip("&").strip(),
                        arg=cscan.norm(args[2]),
                        line=line,
                        depth=max(nested, 0),
                        after_return=cond_return,
                        conditions=conds.get(pos, ()),
                    )
                )
            continue
        op, raw = m.group(1), m.group(2)
        if raw in _NOT_OPS or len(ops) >= MAX_OPS:
            continue
        ops.append(
            StreamOp(
                op=op,
                width=_width(raw),
                arg=_target(op, body, m.start(), args),
                line=line,
                depth=max(nested, 0),
                after_return=cond_return,
                conditions=conds.get(pos, ()),
            )
        )
    return tuple(ops)


def _target(op: str, body: str, start: int, args: tuple[str, ...]) -> str:
    """What the operation moves: the value put, or the lvalue a get fills."""
    if len(args) >= 2:
        return cscan.norm(args[1]).lstrip("&").strip()
    if op == "get":
        head = body[max(0, start - 200) : start]
        m = re.search(r"([\w\->.\[\]]+)\s*=\s*(?:\([^()]*\)\s*)?$", head)
        if m:
            return m.group(1)
    return ""


def _pointer_types(func: str) -> tuple[tuple[str, str], ...]:
    """(name, pointed-to type) of the function's pointer parameters and locals; a `void *`
    name takes the type of the first local initialised from it (`Foo *s = opaque;`)."""
    head_end = func.find("{")
    found: dict[str, str] = {}
    views: dict[str, str] = {}
    for m in _LOCAL.finditer(func):
        typ, name, src = m.group(1), m.group(2), m.group(3)
        if typ in ("return", "else") or name in found:
            continue
        found[name] = typ
        if src and m.start() >= head_end and src not in views:
            views[src] = typ
    for name, typ in list(found.items()):
        if typ == "void" and name in views:
            found[name] = views[name]
    return tuple(sorted(found.items()))


class _IfTracker:
    """Whether an offset sits in the statement of a brace-less `if (...)`/`else`/loop."""

    _HEAD = re.compile(r"\b(?:if|while|for)\s*\(|\belse\b(?!\s*(?:if\b|\{))")

    def __init__(self, body: str) -> None:
        spans: list[tuple[int, int]] = []
        for m in self._HEAD.finditer(body):
            j = m.end()
            if body[m.start() : m.start() + 4] != "else":
                j = cscan.match_close(body, m.end() - 1) + 1
            k = j
            while k < len(body) and body[k] in " \t\r\n":
                k += 1
            if k < len(body) and body[k] != "{":
                end = body.find(";", k)
                if end > 0:
                    spans.append((k, end))
        # merged into disjoint intervals, so a lookup is a bisection (untrusted bodies can
        # hold many thousands of statements)
        self._starts: list[int] = []
        self._ends: list[int] = []
        for a, b in sorted(spans):
            if self._ends and a <= self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], b)
            else:
                self._starts.append(a)
                self._ends.append(b)

    def braceless(self, pos: int) -> bool:
        k = bisect.bisect_right(self._starts, pos) - 1
        return k >= 0 and pos <= self._ends[k]
