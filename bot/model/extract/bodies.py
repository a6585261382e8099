"""Facts from function bodies: CPUID feature-bit masking and error (rejection) paths.

A text scan, so it works the same on the fast path and the tree-sitter path: each function
body is cut into simple statements, each with the conditions that enclose it (`if`, `else`,
`switch` case labels). Only bodies that hold a trigger word are scanned.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from bot.model import cscan
from bot.model.entities import FeatureMask, IdFunction, RamBlock, RejectGate

_TOKEN = re.compile(
    r'"(?:\\.|[^"\\\n])*"?|\'(?:\\.|[^\'\\\n])*\'?'
    r"|\b(?:if|else|for|while|switch|case|default|do)\b|[{};()]"
)
_WS_AFTER = re.compile(r"\s*")
_CASE = re.compile(r"\s*(.*?)\s*:(?!:)", re.S)

_CPUID_BIT = re.compile(r"\b(?:CPUID_\w+|FEAT_\w+)")
_SHIFT_BIT = re.compile(r"<<\s*\(?\s*([A-Z][A-Z0-9_]+)")
_GATE_CALLS = ("error_setg_errno", "error_setg", "error_report", "hw_error")
_GATE_HEAD = re.compile(r"^(" + "|".join(_GATE_CALLS) + r")\s*\(")
_LEAVES = re.compile(r"^(?:return\b|goto\b|exit\s*\(|abort\s*\()")
_STRING = re.compile(r'"((?:\\.|[^"\\\n])*)"')

# RAM block creators: (call, index of the name argument, index of the size argument).
_RAM_CALLS: dict[str, tuple[int, int]] = {
    "memory_region_init_ram": (2, 3),
    "memory_region_init_ram_ptr": (2, 3),
    "memory_region_init_resizeable_ram": (2, 3),
    "memory_region_init_rom": (2, 3),
    "memory_region_init_rom_device": (4, 5),
    "memory_region_allocate_system_memory": (2, 3),
}
_RAM_CALL = re.compile(r"\b(" + "|".join(sorted(_RAM_CALLS, key=len, reverse=True)) + r")\s*\(")
_RAM_ID = re.compile(r"(?:->|\.)default_ram_id\s*=\s*(.+)$", re.S)
_RAM_TRIGGERS = ("memory_region_init_r", "memory_region_allocate_system_memory", "default_ram_id")
_MASK_TRIGGERS = ("CPUID_", "features", "msr_mask")
# `pcc->msr_mask = (1ull << MSR_SF) | ...;`: the MSR bits a PowerPC CPU family lets the guest
# set (migrated, and checked on load by old pseries machine types)
_MSR_MASK_STMT = re.compile(r"^(?P<lhs>\w+\s*->\s*msr_mask)\s*=(?!=)\s*(?P<rhs>.+)$", re.S)
_GATE_TRIGGERS = ("error_setg", "error_report", "hw_error")


def mask_stmt(text: str) -> tuple[str, str, str] | None:
    """(lhs, `&=`/`|=`, rhs) of a statement `lhs &= rhs` / `lhs |= rhs`, else None.

    Decided by the first `=` of the statement, in one pass: the regex this replaces
    (`^([^=]+?)\\s*(&=|\\|=)\\s*(.+)$`) gave the same groups but was quadratic on a long run of
    blanks (20 KB: 2 s), and a statement is series text."""
    i = text.find("=")
    if i < 2 or text[i - 1] not in "&|":
        return None
    head, rest = text[: i - 1], text[i + 1 :]
    if not head or not rest:
        return None
    lhs = head.rstrip() or head[:1]
    rhs = rest.lstrip() or rest[-1:]
    return lhs, text[i - 1 : i + 1], rhs


@dataclass(slots=True)
class _Block:
    cond: str | None
    case: str | None = None


@dataclass(frozen=True, slots=True)
class Stmt:
    """One simple statement of a body: its text, offset and enclosing conditions."""

    offset: int
    text: str
    conds: tuple[str, ...] = field(default_factory=tuple)


def _enter(body: str, i: int, header: str, stack: list[_Block], pending: list[str]) -> int:
    """Open what `header` controls at i: a `{` block (pushed), else the next statement
    (pending). Returns where scanning goes on."""
    ws = _WS_AFTER.match(body, i)
    j = ws.end() if ws else i
    if j < len(body) and body[j] == "{":
        stack.append(_Block(header))
        pending.clear()
        return j + 1
    pending.append(header)
    return i


def statements(body: str) -> Iterator[Stmt]:
    """Simple statements of a C function body (comments already blanked), outermost first.

    Conditions are the `if` conditions (`!(c)` in the `else` branch), `switch X` and
    `case V` labels of the blocks and brace-less bodies enclosing the statement.
    """
    stack: list[_Block] = []
    pending: list[str] = []
    last_if: str | None = None
    start = 0
    i = 0
    n = len(body)
    while i < n:
        m = _TOKEN.search(body, i)
        if m is None:
            return
        tok = m.group(0)
        i = m.end()
        if tok[0] in "\"'":
            continue
        if tok in ("if", "while", "for", "switch"):
            p = body.find("(", i)
            if p < 0:
                return
            close = cscan.match_close(body, p)
            inner = cscan.norm(body[p + 1 : close])
            if tok == "if":
                header = inner
            elif tok == "switch":
                header = f"switch {inner}"
            else:
                header = f"{tok} ({inner})"
            if tok == "if":
                last_if = inner
            i = start = _enter(body, close + 1, header, stack, pending)
        elif tok == "else":
            neg = f"!({last_if})" if last_if else "else"
            i = start = _enter(body, i, neg, stack, pending)
        elif tok == "do":
            start = i
        elif tok in ("case", "default"):
            cm = _CASE.match(body, i)
            if cm is None:
                continue
            label = "default" if tok == "default" else cscan.norm(cm.group(1))
            if stack:
                stack[-1].case = f"case {label}"
            i = cm.end()
            start = i
        elif tok == "{":
            stack.append(_Block("; ".join(pending) if pending else None))
            pending.clear()
            start = i
        elif tok == "}":
            if stack:
                stack.pop()
            pending.clear()
            start = i
        elif tok == ";":
            text = cscan.norm(body[start : i - 1])
            if text:
                conds: list[str] = []
                for b in stack:
                    if b.cond:
                        conds.append(b.cond)
                    if b.case:
                        conds.append(b.case)
                conds.extend(pending)
                yield Stmt(offset=start, text=text, conds=tuple(conds))
            pending.clear()
            start = i
        # "(" and ")" outside headers: part of the statement text


def _joined(conds: tuple[str, ...]) -> str:
    return " && ".join(f"({c})" if "||" in c else c for c in conds)


def _stmt_line(body: str, st: Stmt, base: int) -> int:
    """Line of the statement's first non-blank character."""
    ws = _WS_AFTER.match(body, st.offset)
    return base + body.count("\n", 0, ws.end() if ws else st.offset)


def _bodies(
    lines: Sequence[str], functions: Sequence[tuple[str, int, int]], triggers: tuple[str, ...]
) -> Iterator[tuple[str, str, int]]:
    """(function, comment-free body text, first line) of functions holding a trigger."""
    for name, lo, hi in functions:
        chunk = "\n".join(lines[lo - 1 : hi])
        if not any(t in chunk for t in triggers):
            continue
        brace = chunk.find("{")
        if brace < 0:
            continue
        body = cscan.strip_comments(chunk)
        yield name, body[brace + 1 :], lo + chunk.count("\n", 0, brace + 1)


def feature_masks(text: str, functions: Sequence[tuple[str, int, int]]) -> tuple[FeatureMask, ...]:
    """Statements that set or clear feature bits: `*ecx &= ~CPUID_EXT_PDCM`,
    `env->features[FEAT_1_ECX] |= ...`, `features |= 1 << VIRTIO_NET_F_MAC`."""
    out: list[FeatureMask] = []
    lines = text.split("\n")
    for fn, body, base in _bodies(lines, functions, _MASK_TRIGGERS):
        for st in statements(body):
            msr = _MSR_MASK_STMT.match(st.text)
            if msr is not None:
                rhs = cscan.norm(msr.group("rhs"))
                out.append(
                    FeatureMask(
                        function=fn,
                        target=cscan.norm(msr.group("lhs")),
                        op="=",
                        mask=rhs,
                        bits=tuple(sorted(set(_SHIFT_BIT.findall(rhs)))),
                        condition=_joined(st.conds) or None,
                        line=_stmt_line(body, st, base),
                    )
                )
                continue
            got = mask_stmt(st.text)
            if got is None:
                continue
            lhs, op, rhs = cscan.norm(got[0]), got[1], cscan.norm(got[2])
            if "(" in lhs and "features[" not in lhs:
                continue
            bits = _CPUID_BIT.findall(rhs)
            if not bits and "features" in lhs:
                bits = _SHIFT_BIT.findall(rhs)
            bits = [b for b in bits if not b.startswith("FEAT_")] or bits
            if not bits:
                continue
            if op == "&=" and rhs.startswith("~"):
                op = "&=~"
            out.append(
                FeatureMask(
                    function=fn,
                    target=lhs,
                    op=op,
                    mask=rhs,
                    bits=tuple(sorted(set(bits))),
                    condition=_joined(st.conds) or None,
                    line=_stmt_line(body, st, base),
                )
            )
    return tuple(out)


def reject_gates(text: str, functions: Sequence[tuple[str, int, int]]) -> tuple[RejectGate, ...]:
    """Conditional error reports (`if (c) { error_setg(errp, "..."); return; }`)."""
    out: list[RejectGate] = []
    lines = text.split("\n")
    for fn, body, base in _bodies(lines, functions, _GATE_TRIGGERS):
        stmts = list(statements(body))
        for k, st in enumerate(stmts):
            m = _GATE_HEAD.match(st.text)
            if m is None or not st.conds:
                continue
            if m.group(1) == "error_report" and not (
                k + 1 < len(stmts)
                and stmts[k + 1].conds == st.conds
                and _LEAVES.match(stmts[k + 1].text)
            ):
                continue  # a warning that carries on, not a rejection
            msg = "".join(s for s in _STRING.findall(st.text))
            args = cscan.split_args(st.text[m.end() : st.text.rfind(")")])
            out.append(
                RejectGate(
                    function=fn,
                    call=m.group(1),
                    target=args[0] if args and m.group(1).startswith("error_setg") else None,
                    message=msg,
                    condition=_joined(st.conds),
                    line=_stmt_line(body, st, base),
                )
            )
    return tuple(out)


def _literal(expr: str) -> str | None:
    parts = _STRING.findall(expr)
    if parts and _STRING.sub("", expr).strip() == "":
        return "".join(parts)
    return None


def ram_blocks(text: str, functions: Sequence[tuple[str, int, int]]) -> tuple[RamBlock, ...]:
    """RAM blocks created by name: memory_region_init_ram/rom* calls, default_ram_id."""
    out: list[RamBlock] = []
    lines = text.split("\n")
    for fn, body, base in _bodies(lines, functions, _RAM_TRIGGERS):
        for st in statements(body):
            m = _RAM_CALL.search(st.text)
            if m is not None:
                ni, si = _RAM_CALLS[m.group(1)]
                close = cscan.match_close(st.text, m.end() - 1)
                args = cscan.split_args(st.text[m.end() : close])
                if len(args) <= ni:
                    continue
                out.append(
                    RamBlock(
                        function=fn,
                        call=m.group(1),
                        name_expr=args[ni],
                        name=_literal(args[ni]),
                        size_expr=args[si] if si < len(args) else None,
                        condition=_joined(st.conds) or None,
                        line=_stmt_line(body, st, base),
                    )
                )
                continue
            r = _RAM_ID.search(st.text)
            if r is not None:
                expr = cscan.norm(r.group(1))
                out.append(
                    RamBlock(
                        function=fn,
                        call="default_ram_id",
                        name_expr=expr,
                        name=_literal(expr),
                        size_expr=None,
                        condition=_joined(st.conds) or None,
                        line=_stmt_line(body, st, base),
                    )
                )
    return tuple(out)


_ID_ROLES = ("get_dev_path", "root_bus_path")
_ID_ASSIGN = re.compile(r"(\w+)\s*(?:->|\.)\s*(get_dev_path|root_bus_path)\s*=\s*(\w+)\s*[;,]")
# FWPathProviderClass also has a get_dev_path: the firmware (boot order) path, not migrated.
_FW_PATH = re.compile(r"fw")


def id_functions(text: str, functions: Sequence[tuple[str, int, int]]) -> tuple[IdFunction, ...]:
    """Bodies of the functions a bus class sets as `get_dev_path` / a PCI host class as
    `root_bus_path` (or named so), digested: what section-name prefixes are made of."""
    if not any(r in text for r in _ID_ROLES):
        return ()
    roles: dict[str, str] = {}
    for m in _ID_ASSIGN.finditer(text):
        if not _FW_PATH.search(m.group(1)) and not _FW_PATH.search(m.group(3)):
            roles.setdefault(m.group(3), m.group(2))
    out: list[IdFunction] = []
    lines = text.split("\n")
    for name, lo, hi in functions:
        role = roles.get(name) or next((r for r in _ID_ROLES if r in name), None)
        if role is None or _FW_PATH.search(name):
            continue
        chunk = "\n".join(lines[lo - 1 : hi])
        brace = chunk.find("{")
        body = cscan.norm(cscan.strip_comments(chunk[brace:] if brace >= 0 else chunk))
        digest = hashlib.sha256(body.encode()).hexdigest()[:16]
        out.append(IdFunction(function=name, role=role, digest=digest, line=lo, end_line=hi))
    return tuple(out)


_REG_TRIGGERS = ("vmstate_register", "vmstate_unregister", "register_savevm")
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def call_edges(
    text: str, functions: Sequence[tuple[str, int, int]]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For files that (un)register vmstate: each function and the functions of this file
    it calls (a local call graph, to follow realize/unrealize through helpers)."""
    if not any(t in text for t in _REG_TRIGGERS):
        return ()
    local = {name for name, _lo, _hi in functions}
    lines = text.split("\n")
    out: list[tuple[str, tuple[str, ...]]] = []
    for name, lo, hi in functions:
        chunk = "\n".join(lines[lo - 1 : hi])
        brace = chunk.find("{")
        if brace < 0:
            continue
        body = cscan.strip_comments(chunk)[brace + 1 :]
        called = sorted({m.group(1) for m in _CALLED.finditer(body)} & local - {name})
        if called:
            out.append((name, tuple(called)))
    return tuple(out)
