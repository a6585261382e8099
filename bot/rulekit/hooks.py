"""Changed hook bodies for rules: which vmsds use a changed function, and in words, what
changed in it.

A `hook_body` change (bot.diff) says that the normalised body of a function that is, or may
be, a vmsd hook differs between the sides. Whether it matters depends on who names it: the
vmsds of the unit's files and, for a non-static function, of the whole tree (the hook of a
shared helper file, `pcie_cap_slot_post_load` named by every PCIe root port's vmsd).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.diff.changes import EntityChange
from bot.engine.spec import RuleContext
from bot.model.entities import HookBody, Property, Vmsd
from bot.rulekit.ctx import Side, models, source_text, tree
from bot.rulekit.vmsd import added_members, vmsd_uses, wire_reset

LOAD_ROLES = ("post_load", "pre_load", "post_load_errp", "pre_load_errp")
SAVE_ROLES = ("pre_save", "post_save", "pre_save_errp")
PRESENCE_ROLES = ("needed", "test")


@dataclass(frozen=True, slots=True)
class HookUse:
    """A vmsd naming the changed function, on both sides, in one role."""

    vmsd: Vmsd  # the new side's vmsd
    path: str  # where that vmsd is defined
    role: str  # pre_save, post_load, needed, ..., or "test" for a _TEST predicate
    old: Vmsd | None = None  # the old side's vmsd of the same C name


def body_change(change: EntityChange) -> tuple[HookBody, HookBody] | None:
    """(old, new) of a modified hook body whose logic changed, else None."""
    if change.kind != "hook_body" or change.op != "modified":
        return None
    old, new = change.old, change.new
    if not isinstance(old, HookBody) or not isinstance(new, HookBody):
        return None
    if old.digest == new.digest or same_logic(old, new):
        return None
    return old, new


# The CPU's architectural state is embedded in the CPU object as `env`: a hook that reads
# `env->x` after `CPUFooState *env = &cpu->env;`, or `cpu->env.x`, reads the member `x` of
# the CPU it was given. Which of those spellings a hook uses (or that `x` moved to the CPU
# class, read through `FOO_CPU_GET_CLASS(opaque)`) is no change of logic.
_ENV_ALIAS_DECL = re.compile(r"\$T(?: \$T)* \* \$v = & \$\w+ (?:->|\.) env ; ")
_ENV_MEMBER = re.compile(r"(?:->|\.) env (?:->|\.) ")
_MAX_TEXT = 4000  # HookBody.text is cut there: a cut text cannot prove two bodies equal


def same_logic(old: HookBody, new: HookBody) -> bool:
    """Whether two bodies with different digests differ only in how they reach the CPU's
    `env` state (see above): their normalised texts agree once that is spelled one way."""
    if len(old.text) >= _MAX_TEXT or len(new.text) >= _MAX_TEXT:
        return False
    return _env_flat(old.text) == _env_flat(new.text)


def _env_flat(text: str) -> str:
    return _ENV_MEMBER.sub("-> ", _ENV_ALIAS_DECL.sub("", text + " "))


def _roles(v: Vmsd, function: str) -> list[str]:
    roles = [m for m, fn in v.hooks if fn == function]
    if any(f.test == function for f in v.payload_fields):
        roles.append("test")
    return roles


def _users(
    ctx: RuleContext, body: HookBody, path: str, side: Side
) -> dict[tuple[str, str], tuple[Vmsd, str]]:
    """(vmsd C name, role) -> (vmsd, path) for one side."""
    out: dict[tuple[str, str], tuple[Vmsd, str]] = {}
    for p, m in models(ctx, side):
        if body.static and p != path:
            continue
        for v in m.vmsds:
            for role in _roles(v, body.name):
                out.setdefault((v.c_name, role), (v, p))
    t = tree(ctx, side)
    if t is not None:
        for c_name, role, p in t.hook_users(body.name):
            if (body.static and p != path) or (c_name, role) in out:
                continue
            for dp, v in t.vmsd_definitions(c_name):
                if dp == p:
                    out[(c_name, role)] = (v, p)
                    break
    return out


def hook_uses(ctx: RuleContext, change: EntityChange, roles: tuple[str, ...]) -> list[HookUse]:
    """The existing vmsds naming the changed function in one of `roles` on both sides,
    leaving out those for which the body cannot matter: unmigratable ones, ones whose old
    streams are refused anyway (renamed, minimum version raised) and `.needed` of a
    description only embedded with VMSTATE_STRUCT (never called)."""
    pair = body_change(change)
    if pair is None:
        return []
    old, new = pair
    old_path = change.old_path or change.path
    before = _users(ctx, old, old_path, "old")
    after = _users(ctx, new, change.path, "new")
    out: list[HookUse] = []
    for key, (v, p) in sorted(after.items()):
        if key[1] not in roles or key not in before:
            continue
        ov = before[key][0]
        if v.unmigratable or wire_reset(ctx, ov, v):
            continue
        if key[1] == "needed" and vmsd_uses(ctx, v.c_name, "new").nested_only:
            continue
        out.append(HookUse(v, p, key[1], ov))
    return out


# ---- what changed, in words -------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\$(?:v|\d+)")


def _show(text: str) -> str:
    """A normalised token text made readable: placeholders become `s`, spacing as in C."""
    t = _PLACEHOLDER.sub("s", text)
    t = re.sub(r"\s*(->|\.)\s*", r"\1", t)
    t = re.sub(r"\(\s+", "(", t)
    t = re.sub(r"\s+\)", ")", t)
    t = re.sub(r"\s+([,;\]])", r"\1", t)
    t = re.sub(r"([\[!~])\s+", r"\1", t)
    t = re.sub(r"-\s+(\d)", r"-\1", t)
    return t


def _member(path: str) -> str:
    """`$0->config.bypass` -> `->config.bypass` (the base variable says nothing)."""
    return _show(re.sub(r"^\$(?:v|\d+)", "", path)) or path


def _names(items: list[str], fmt: str, limit: int = 4) -> str:
    shown = [fmt.format(i) for i in items[:limit]]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(shown) + more


def first_difference(old: HookBody, new: HookBody, width: int = 14) -> str | None:
    """The first differing stretch of the normalised bodies, `old` -> `new`, shortened."""
    a, b = old.text.split(), new.text.split()
    if not a or not b:
        return None
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "insert":
            return f"added `{_show(_trim(b[j1 : min(j2, j1 + width)]))}`"
        if tag == "delete":
            return f"removed `{_show(_trim(a[i1 : min(i2, i1 + width)]))}`"
        if tag == "replace":
            ot = " ".join(a[i1 : min(i2, i1 + width)])
            nt = " ".join(b[j1 : min(j2, j1 + width)])
            return f"`{_show(ot)}` → `{_show(nt)}`"
    return None


def _trim(toks: list[str]) -> str:
    """Tokens without the braces and semicolons a diff cut at either end."""
    while toks and toks[0] in ("{", "}", ";"):
        toks = toks[1:]
    while toks and toks[-1] in ("{", "}", ";"):
        toks = toks[:-1]
    return " ".join(toks)


def describe(old: HookBody, new: HookBody) -> str:
    """What the body now does differently, as a clause ("now calls foo(); no longer ...")."""
    parts: list[str] = []
    added = [c for c in new.calls if c not in old.calls]
    gone = [c for c in old.calls if c not in new.calls]
    if added:
        parts.append("now calls " + _names(added, "{}()"))
    if gone:
        parts.append("no longer calls " + _names(gone, "{}()"))
    wrote = [w for w in new.writes if w not in old.writes]
    unwrote = [w for w in old.writes if w not in new.writes]
    if wrote:
        parts.append("now writes " + _names([_member(w) for w in wrote], "{}"))
    if unwrote:
        parts.append("no longer writes " + _names([_member(w) for w in unwrote], "{}"))
    if old.returns != new.returns and not (added or gone or wrote or unwrote):
        parts.append(
            "returns "
            + _names([_show(r) for r in new.returns], "`{}`", 2)
            + " instead of "
            + _names([_show(r) for r in old.returns], "`{}`", 2)
        )
    if not parts:
        diff = first_difference(old, new)
        parts.append(f"its logic changed ({diff})" if diff else "its logic changed")
    return "; ".join(parts)


def vmsd_list(uses: list[HookUse], limit: int = 3) -> str:
    """'vmsd 'a'' / 'vmsds 'a', 'b' and 2 more'."""
    names = list(dict.fromkeys(u.vmsd.name or u.vmsd.c_name for u in uses))
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"vmsd{'s' if len(names) > 1 else ''} {shown}{more}"


# ---- is the new logic gated, or only renamed? -------------------------------------------

# Machine-class flags and globals that keep old machine types on the old behaviour.
# a compat flag by its name: `pre_2_8_migration`, `..._compat`, `legacy_...`
COMPAT_WORD = re.compile(r"(?:^|_)(?:pre|before)_\d+_\d+|compat|legacy", re.I)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_MACRO = re.compile(r"[A-Z][A-Z0-9_]*")


def _changed_spans(old: HookBody, new: HookBody) -> list[tuple[list[str], list[str]]]:
    a, b = old.text.split(), new.text.split()
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return [(a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal"]


def only_macro_renames(old: HookBody, new: HookBody) -> bool:
    """Every difference is one upper-case identifier spelled another way (a macro renamed:
    `XMM_Q` -> `ZMM_Q`), and the old spelling is gone from the new body."""
    spans = _changed_spans(old, new)
    if not spans:
        return False
    for o, n in spans:
        if len(o) != len(n):
            return False
        for x, y in zip(o, n, strict=True):
            if not (_MACRO.fullmatch(x) and _MACRO.fullmatch(y)):
                return False
            if x in new.text.split():
                return False
    return True


def gating_member(old: HookBody, new: HookBody, props: set[str]) -> str | None:
    """A property-backed member (`props`: the C members of the device's properties) or a
    compat flag (`pre_2_8_migration`, `..._compat`, `legacy_...`) that the new tokens of
    the body test: the new logic is then tied to the configuration, which old machine types
    can keep at the old behaviour."""
    for _o, n in _changed_spans(old, new):
        for i, t in enumerate(n):
            if not _IDENT.fullmatch(t):
                continue
            member = i > 0 and n[i - 1] in ("->", ".")
            if member and t in props:
                return t
            if COMPAT_WORD.search(t):
                return t
    return None


def slot_members(uses: list[HookUse]) -> dict[str, str]:
    """New member -> old member for the always-sent wire slots of the used vmsds that now
    load into another member: same position, same wire kind and element size, no version or
    test on either side (`VMSTATE_UINT32_EQUAL(nb_table, S)` become
    `VMSTATE_UINT32(mig_nb_table, S)`). Older QEMU's bytes for the slot land in the new
    member, so a hook reading it reads what older QEMU sent for the old one."""
    out: dict[str, str] = {}
    for u in uses:
        if u.old is None:
            continue
        of, nf = u.old.payload_fields, u.vmsd.payload_fields
        if len(of) != len(nf):
            continue
        for a, b in zip(of, nf, strict=True):
            if a.version_id or b.version_id or a.test or b.test:
                continue
            if a.info != b.info or a.elem_size != b.elem_size or a.info == "unknown":
                continue
            am, bm = _last(a.c_field), _last(b.c_field)
            if am and bm and am != bm:
                out[bm] = am
            elif am and am == bm and (pair := _staged_prefix(a.c_field, b.c_field)):
                out[pair[1]] = pair[0]
    return out


def _staged_prefix(old_field: str | None, new_field: str | None) -> tuple[str, str] | None:
    """(old, new) containers of a slot that keeps its last member but now loads into a
    staging copy of the struct: `tx.props.mss` become `mig_props.mss` gives
    ("tx.props", "mig_props"); None when the containers agree or the new one is nested."""
    po = re.split(r"\s*(?:->|\.)\s*", (old_field or "").strip())[:-1]
    pn = re.split(r"\s*(?:->|\.)\s*", (new_field or "").strip())[:-1]
    if not po or len(pn) != 1 or po == pn or "[" in "".join(po + pn):
        return None
    return ".".join(po), pn[0]


def staged_copy(old: HookBody, new: HookBody, slots: dict[str, str]) -> str | None:
    """A staging member (`slots`: new member -> old member of the same always-sent wire
    slots) that the new body fills with a plain copy of the member whose slot it took
    (`s->mig_props = s->tx.props;`), when the added writes are only such copies: the wire
    slots then carry exactly what they carried before."""
    added = set(new.writes) - set(old.writes)
    if not added or set(old.writes) - set(new.writes):
        return None
    found: str | None = None
    for w in added:
        m = _TOP_MEMBER.match(w)
        key = m.group(1) if m else ""
        src = slots.get(key)
        if src is None or "." in w[m.end() if m else 0 :]:
            return None
        path = r" (?:->|\.) ".join(re.escape(p) for p in src.split("."))
        copy = rf"(?:->|\.) {re.escape(key)} = \$\w+ (?:->|\.) {path} ;"
        if not re.search(copy, new.text):
            return None
        found = key
    return found


def property_members(ctx: RuleContext, uses: list[HookUse]) -> set[str]:
    """Last components of the C members behind the boolean properties of the unit's files
    and of the QOM types (with their ancestors) that carry the vmsds."""
    out: set[str] = set()
    for _p, m in models(ctx, "new"):
        out |= switch_members(m.properties)
    t = tree(ctx, "new")
    if t is not None:
        for u in uses:
            for name in t.types_for_vmsd(u.vmsd.c_name):
                for tn in (name, *t.type_ancestors(name)):
                    out |= switch_members(t.properties_of_type(tn))
    out.discard("")
    return out


def switch_members(props: Iterable[Property]) -> set[str]:
    """Last components of the C members behind boolean properties (the switches compat
    arrays turn off)."""
    return {_last(p.c_field) for p in props if _switch(p)} - {""}


def _switch(p: Property) -> bool:
    """A boolean property (a switch compat arrays turn off), not a configuration value."""
    return bool(p.c_field) and p.macro.startswith(("DEFINE_PROP_BOOL", "DEFINE_PROP_BIT"))


def _last(c_field: str | None) -> str:
    parts = re.split(r"->|\.", c_field or "")
    return parts[-1].strip() if parts else ""


# ---- actions: calls that do something, member writes ------------------------------------

_ACTION_BEFORE = frozenset({";", "{", "}", ")", "else", ":", "=", "return", ","})
# Names of functions that answer a question rather than do something.
_PREDICATE = re.compile(
    r"(?:^|_)(?:is|has|can|should|get|test|check|valid|enabled|disabled|active|present|"
    r"supported|needed|empty|full|ready|running|pending|in_kernel)(?:_|$)"
)


def action_calls(body: HookBody) -> set[str]:
    """Functions the body calls for their effect or value: statement calls, calls whose
    result is assigned or returned, calls nested in those, and calls in conditions unless
    their name asks a question (`if (foo_enabled(s))`, `kvm_irqchip_in_kernel()`). Calls
    through a member pointer read `->name`."""
    toks = body.text.split()
    out: set[str] = set()
    for i, t in enumerate(toks):
        if i + 1 >= len(toks) or toks[i + 1] != "(" or not _IDENT.fullmatch(t):
            continue
        if t in ("if", "while", "for", "switch", "return", "sizeof"):
            continue
        prev = toks[i - 1] if i else "{"
        if prev in ("->", "."):
            out.add("->" + t)
        elif prev in _ACTION_BEFORE or not _PREDICATE.search(t):
            out.add(t)
    return out


def substantive(ctx: RuleContext, old: HookBody, new: HookBody) -> bool:
    """Whether the body now acts differently: calls for effect added or removed, or member
    writes added or removed. A call that moved behind a function pointer (`lecc->post_load`
    now calls what the hook used to call directly, still defined in the series' files) does
    not count."""
    if set(new.writes) != set(old.writes):
        return True
    oa, na = action_calls(old), action_calls(new)
    added, gone = na - oa, oa - na
    indirect = {c for c in added if c.startswith("->")}
    if gone and indirect:
        defined = {name for _p, m in models(ctx, "new") for name, _s, _e in m.functions}
        gone = {c for c in gone if c not in defined}
        added -= indirect
    return bool(added or gone)


# ---- new logic that only fills state the change adds -------------------------------------

_TOP_MEMBER = re.compile(r"^\$(?:v|\d+)\s*(?:->|\.)\s*([A-Za-z_]\w*)")
# An assignment to a member or through a pointer: what a side-effect-free helper never does.
_MEMBER_STORE = re.compile(
    r"(?:->|\.)\s*\w+(?:\s*\[[^\]]*\])*\s*(?:[-+*/%|&^]|<<|>>)?=(?!=)|(?:->|\.)\s*\w+\s*(?:\+\+|--)"
    r"|(?:\+\+|--)\s*\w+\s*(?:->|\.)|^\s*\*\s*\w+\s*=(?!=)",
    re.M,
)


def added_struct_members(ctx: RuleContext) -> set[str]:
    """Names of the members the unit adds to structs that existed before, less any name
    that a struct of the unit's old files already has (a name both new and old is ambiguous)."""
    added: set[str] = set()
    for c in ctx.changes:
        if c.kind == "struct" and c.op == "modified":
            added |= {m.name for m in added_members(c, ctx)}
    if not added:
        return added
    for _p, m in models(ctx, "old"):
        for sd in m.structs:
            added -= {x.name for x in sd.members}
    return added


def _new_pure_helpers(ctx: RuleContext) -> set[str]:
    """Functions the unit's new files define that its old files did not, whose bodies store
    into no member and through no pointer (they compute a value from what they read)."""
    before = {name for _p, m in models(ctx, "old") for name, _s, _e in m.functions}
    out: set[str] = set()
    for path, m in models(ctx, "new"):
        new_names = [f for f in m.functions if f[0] not in before]
        if not new_names:
            continue
        text = source_text(ctx, path, "new")
        if text is None:
            continue
        lines = text.splitlines()
        for name, start, end in new_names:
            body = "\n".join(lines[start - 1 : end])
            _head, brace, rest = body.partition("{")
            if brace and not _MEMBER_STORE.search(rest):
                out.add(name)
    return out


def fills_added_state(ctx: RuleContext, old: HookBody, new: HookBody) -> list[str]:
    """The members the unit adds that the new body now writes, when that is all the change
    does: no write or call of the old body is gone, every added write stores into a member
    the unit adds to its struct, and every added call is a question (`foo_enabled()`) or a
    side-effect-free helper the unit adds (`s->phase = reconstruct_phase(s)` after
    `pre_load` set a sentinel). Such logic cannot change any state older QEMU's streams
    carry: it derives the new state they lack. Empty when the change does more."""
    ow, nw = set(old.writes), set(new.writes)
    if not ow <= nw or nw == ow:
        return []
    tops = {m.group(1) if (m := _TOP_MEMBER.match(w)) else "" for w in nw - ow}
    fresh = added_struct_members(ctx)
    if "" in tops or not tops <= fresh:
        return []
    oa, na = action_calls(old), action_calls(new)
    if not oa <= na:
        return []
    calls = na - oa
    if calls and not calls <= _new_pure_helpers(ctx):
        return []
    return sorted(tops)


def added_state_gate(ctx: RuleContext, old: HookBody, new: HookBody) -> str | None:
    """The member the unit adds to its struct that gates all of the new logic, when every
    change to the body is an inserted `if (s->added && ...) { ... }` block (no else): the
    block then runs only when state this change introduces is set, which no state of older
    code is (`if (env->exception_pending && ...)` converting a pending exception into the
    form older QEMU knows, fd13f23b8c95). None when anything else changed."""
    spans = _changed_spans(old, new)
    fresh = added_struct_members(ctx)
    if not spans or not fresh:
        return None
    gate: str | None = None
    for o, n in spans:
        if o:
            return None
        i = 0
        while i < len(n):
            end = _if_block_end(n, i)
            member = _truthy_test(n[i + 2 : _close(n, i + 1)], fresh) if end else None
            if end is None or member is None:
                return None
            gate = gate or member
            i = end
    return gate


def _close(toks: list[str], i: int) -> int:
    """Index of the bracket closing the one at `i` (`(` or `{`), or len(toks)."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j] in ("(", "{"):
            depth += 1
        elif toks[j] in (")", "}"):
            depth -= 1
            if depth == 0:
                return j
    return len(toks)


def _if_block_end(toks: list[str], i: int) -> int | None:
    """Index just past an `if ( ... ) { ... }` statement starting at `i` without an else."""
    if toks[i : i + 2] != ["if", "("]:
        return None
    head = _close(toks, i + 1)
    if head + 1 >= len(toks) or toks[head + 1] != "{":
        return None
    body = _close(toks, head + 1)
    if body >= len(toks) or toks[body + 1 : body + 2] == ["else"]:
        return None
    return body + 1


def _truthy_test(cond: list[str], fresh: set[str]) -> str | None:
    """An added member the condition requires to be set: a top-level `&&` operand that is
    just `$v->member` (or `$v.member`)."""
    operand: list[str] = []
    depth = 0
    for t in [*cond, "&&"]:
        if t == "&&" and depth == 0:
            if len(operand) == 3 and operand[1] in ("->", ".") and operand[2] in fresh:
                return operand[2]
            operand = []
            continue
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            depth -= 1
        operand.append(t)
    return None
