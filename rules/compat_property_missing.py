"""MIG030 compat-property-missing: a device default changes without a hw_compat entry.

*What it flags*

- The default of an existing `DEFINE_PROP_*` property changes.
- A new property with a non-trivial default (anything but absent/false/0/NULL/""/-1 or a
  "not set" sentinel such as `CPU_UNSET_NUMA_NODE_ID`) is added to
  an existing device's Property array.
- A `#define` (in the device's file or a header) that an unchanged property's default names
  gets another value (`DEFINE_PROP_UINT32("vectors", S, vectors, FOO_DEFAULT_VECTORS)`
  with `FOO_DEFAULT_VECTORS` raised from 2 to 4): the default changes although no Property
  entry does. The finding sits on the `#define`.

...when the series adds no entry for that driver and property to the newest compat array
(`hw_compat_X_Y`, or a machine's own `pc_compat_X_Y`/`spapr_compat_X_Y` of the same version).
An entry naming the type, one of its parents, or a subtype counts (MIG032 checks partial
coverage). Virtio feature bits are MIG034's, an entry in an older array is MIG031's.
Host-side knobs that the guest does not see (`ioeventfd`, `iothread`, ...) are not flagged.

A new property whose default leaves a subsection added by the same change unsent (the
subsection's `.needed` only compares the property's member, and is false at the default:
`tx-ring-num` = 1 with `.needed` = `s->tx_ring_num > 1`, f93f961c40a3) is read as naming what
the device did before: the new state exists only when the property is changed. Likewise a
property that only gates a `.needed` the change gives to a section that was always sent,
true at the default (pcspk's `migrate`, 04e27c6bb034): the section is still sent.

A sentinel default that realize replaces (`DEV_NVECTORS_UNSPECIFIED`, then
`if (d->nvectors == DEV_NVECTORS_UNSPECIFIED) { d->nvectors = 2; }`) is judged by the value
realize assigns: the same value the device had before (its old default, or what the file
assigned the member unconditionally, else a zeroed object's 0) is no change.

A property only renamed (the old name gone from the same array, the same C member, macro,
bit and default under the new name: `"native-hotplug"` become `"x-native-hotplug"`,
2aa1842d6d79) is not a new property: every machine type gets the value it had.

**Which array is the newest.** From `VERSION` = `X.Y.Z`: the newest array is `hw_compat_X_Y`
for every Z. `X.Y.50` (development) and `X.Y.9n` (release candidates of the next release)
mean X.Y is the last release, whose machine types must keep the old value; `X.Y.0` (release)
and `X.Y.z` (stable) mean the change lands in the next cycle, which again needs
`hw_compat_X_Y` (created by that cycle's "add machine types" patch). Example: `10.2.50` →
`hw_compat_10_2`. Without VERSION the highest-numbered `hw_compat_*` array seen is used.

*Why it breaks migration*

Properties are guest-visible configuration (PCI config, vectors, queues, features, sizes).
With the same machine type on both sides, an old source and a new destination now configure
the device differently: loads fail ("Bad config data", feature/queue mismatches) or the guest
sees its hardware change underneath it.

*Example*

9ea02e8f1 gave virtio-rng-pci MSI-X vectors; migration from 7.1 failed with
"get_pci_config_device: Bad config data". bad9c5a516 added
`{ "virtio-rng-pci", "vectors", "0" }` to `hw_compat_7_1`.

*Instead*

Add `{ "<type>", "<property>", "<old value>" },` to the newest `hw_compat_X_Y` (the finding
carries the line), for every concrete type or alias that has the property.

*References*

- docs/devel/migration/compatibility.rst, "How backwards compatibility works" and "How to
  mitigate when we have a backward compatibility error"; hw/core/machine.c (`hw_compat_X_Y`)
- QEMU commits 9ea02e8f1, bad9c5a516, 62bdb88715, 9445e1e15e
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.entities import Define, FileModel, Property
from bot.model.memberwrites import member_writes
from bot.rulekit import compat as C
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D
from bot.rulekit.layout import int_lookup
from bot.rulekit.propcompat import is_feature_bit, is_host_side, missing_entry_hits, pname

RULE = RuleSpec(
    id="MIG030",
    name="compat-property-missing",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="series",
    message="property default changes without an entry in the newest hw_compat array",
    fix_hint="add the old value to the newest hw_compat_X_Y array",
    kinds=("property", "define"),
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report changed/new property defaults that no newest-array compat entry covers."""
    if change.kind == "define":
        yield from _macro_defaults(change, ctx)
        return
    if change.kind != "property" or not isinstance(change.new, Property):
        return
    new = change.new
    if is_feature_bit(new) or is_host_side(new) or (new.name is None and not new.name_expr):
        return  # feature bits are MIG034's; host-side knobs are not guest visible
    resolved = _resolved(ctx, change, new)
    if change.op == "modified" and isinstance(change.old, Property):
        old_default = change.old.default
        if K.norm(old_default) == K.norm(new.default):
            return
        if resolved is not None and resolved[1] == (K.norm(old_default),):
            return  # realize turns the sentinel into the old default
        what = f"default of '{pname(new)}' changes from {old_default} to {new.default}"
        if resolved is not None:
            what += f", which {_turns_into(resolved)}"
    elif change.op == "added":
        if C.trivial_default(new.default) or not K.array_existed(ctx, change.path, new.array):
            return
        if _renamed_from(ctx, new) is not None:
            return  # the same member, macro and default under a new name: nothing changes
        old_default = None
        if resolved is not None:
            before = _writes(ctx, change, new, "old")
            had = before or ("0",)  # nothing wrote the member: a zeroed object's 0
            if resolved[1] == tuple(sorted(set(had))):
                return  # the number realize assigns is what the device had before
            what = (
                f"new property '{pname(new)}' defaults to {new.default}, which "
                f"{_turns_into(resolved)}; before, the device had "
                + (" or ".join(had) if before else f"0 (nothing set {new.c_field})")
            )
            if len(set(had)) == 1:
                old_default = had[0]  # what old machine types must keep
        elif _default_keeps_sections_as_before(ctx, change, new):
            return  # at the default the stream is what it was: the old behaviour
        else:
            fixed = _replaced_fixed_values(ctx, change, new)
            default = _int_of(ctx, new.default)
            if default is not None and fixed and fixed == {default}:
                return  # the property names a value the device always used: no change
            if default is not None and fixed:
                old_default = str(min(fixed))
                what = (
                    f"new property '{pname(new)}' defaults to {new.default} ({default}) where "
                    f"the device always used {' or '.join(str(v) for v in sorted(fixed))}"
                )
            else:
                what = (
                    f"new property '{pname(new)}' defaults to {new.default} (fine if that is "
                    f"what the device did before)"
                )
    else:
        return
    # A new property often just names the old hard-wired behaviour: lower confidence.
    conf = "low" if change.op == "added" else None
    yield from missing_entry_hits(ctx, change, new, old_default, what, confidence=conf)


_NEEDED_TEST = re.compile(
    r"^(?P<neg>! )?\$\w+ -> (?P<member>\w+(?: (?:\.|->) \w+)*)"
    r"(?: (?P<op>[<>]=?|[!=]=) (?P<lit>-?\d+|true|false))?$"
)
_OPS = {
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


def _renamed_from(ctx: RuleContext, new: Property) -> Property | None:
    """The property of the old file that `new` only renames: the same array, C member,
    macro, bit and default, and a name the new file no longer defines there
    (`"native-hotplug"` become `"x-native-hotplug"`, 2aa1842d6d79)."""
    if ctx.old_model is None or ctx.new_model is None or not new.c_field:
        return None
    names = {p.name for p in ctx.new_model.properties if p.array == new.array}
    for p in ctx.old_model.properties:
        if (
            p.array == new.array
            and p.name != new.name
            and p.name not in names
            and (p.c_field, p.macro, p.bit) == (new.c_field, new.macro, new.bit)
            and K.norm(p.default) == K.norm(new.default)
        ):
            return p
    return None


def _literal(text: str | None) -> int | None:
    t = (text or "").strip().lower()
    if t in ("true", "false"):
        return int(t == "true")
    return int(t) if re.fullmatch(r"-?\d+", t) else None


def _default_keeps_sections_as_before(
    ctx: RuleContext, change: EntityChange, prop: Property
) -> bool:
    """Whether the property only gates a `.needed` the change adds, and at its default that
    `.needed` sends what was sent before: false for a subsection this change adds, true for
    an existing section that had no `.needed` (always sent) and gains one that only compares
    this property's member (pcspk's `migrate`, 04e27c6bb034)."""
    default = _literal(prop.default)
    member = (prop.c_field or "").replace("->", ".").split(".")[-1]
    new_m = K.file_model(ctx, change.path, "new")
    if default is None or not member or new_m is None:
        return False
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    old_vmsds = {v.c_name: v for v in old_m.vmsds} if old_m is not None else {}
    nested = {sub for v in new_m.vmsds for sub in v.subsections}
    bodies = {b.name: b for b in new_m.hook_bodies}
    for v in new_m.vmsds:
        was = old_vmsds.get(v.c_name)
        if was is not None and was.hook("needed") is None and v.hook("needed") is not None:
            sent_before = True  # an existing section that was always sent gains a .needed
        elif was is None and v.c_name in nested:
            sent_before = False  # a subsection this change adds
        else:
            continue
        body = bodies.get(v.hook("needed") or "")
        if body is None or len(body.returns) != 1:
            continue
        m = _NEEDED_TEST.match(body.returns[0])
        tested = m.group("member").replace(" ", "").replace("->", ".") if m else ""
        if m is None or tested.split(".")[-1] != member:
            continue
        if m.group("op"):
            lit = _literal(m.group("lit"))
            if lit is None:
                continue
            value = _OPS[m.group("op")](default, lit)
        else:
            value = default != 0
        if m.group("neg"):
            value = not value
        if value == sent_before:
            return True
    return False


_SENTINEL_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_CALL_NAME = re.compile(r"([A-Za-z_]\w*)\s*$")
_MAX_USES = 16  # uses of the new member looked at (untrusted input)


def _int_of(ctx: RuleContext, expr: str | None) -> int | None:
    """Integer value of a literal or macro expression on the new side, if it has one."""
    if not expr:
        return None
    return cscan.eval_int(K.norm(expr), int_lookup(ctx, "new"))


def _calls_using(text: str, member: str) -> list[tuple[str, int, tuple[str, ...]]]:
    """(callee, argument index, normalised arguments) of the calls passing the member
    (`->m`/`.m`) as an argument."""
    out: list[tuple[str, int, tuple[str, ...]]] = []
    for m in re.finditer(rf"(?:->|\.)\s*{re.escape(member)}\b", text):
        depth, i = 0, m.start()
        while i > 0 and m.start() - i < 400:  # walk back to the enclosing call's '('
            i -= 1
            c = text[i]
            if c == ")":
                depth += 1
            elif c == "(":
                if depth == 0:
                    break
                depth -= 1
            elif c in ";{}" and depth == 0:
                i = -1
                break
        if i <= 0:
            continue
        name = _CALL_NAME.search(text[max(0, i - 64) : i])
        close = cscan.match_close(text, i)
        if name is None or close >= len(text):
            continue
        args = cscan.split_args(text[i + 1 : close])
        for k, a in enumerate(args):
            if re.search(rf"(?:->|\.)\s*{re.escape(member)}\b", a):
                out.append((name.group(1), k, tuple(K.norm(x) for x in args)))
                break
        if len(out) >= _MAX_USES:
            break
    return out


def _replaced_fixed_values(ctx: RuleContext, change: EntityChange, prop: Property) -> set[int]:
    """Values the old file passed, as a literal or macro, in the argument where the new file
    now passes the property's member, in calls whose other arguments are the same
    (`virtio_add_queue(vdev, 256, f)` becoming `virtio_add_queue(vdev, n->conf.size, f)`):
    what the device always did."""
    if not prop.c_field:
        return set()
    new_got, old_got = _file_text(ctx, change, "new"), _file_text(ctx, change, "old")
    if new_got is None or old_got is None:
        return set()
    member = prop.c_field.rsplit(".", 1)[-1].rsplit(">", 1)[-1]
    new_text, old_text = cscan.strip_comments(new_got[0]), cscan.strip_comments(old_got[0])
    old_look = int_lookup(ctx, "old")
    out: set[int] = set()
    for callee, k, new_args in dict.fromkeys(_calls_using(new_text, member)):
        for n, m in enumerate(re.finditer(rf"\b{re.escape(callee)}\s*\(", old_text)):
            if n >= _MAX_USES * 4:
                break  # untrusted input: a bounded number of old calls
            close = cscan.match_close(old_text, m.end() - 1)
            if close >= len(old_text):
                continue
            args = tuple(K.norm(x) for x in cscan.split_args(old_text[m.end() : close]))
            if len(args) != len(new_args) or any(
                a != b for i, (a, b) in enumerate(zip(args, new_args, strict=True)) if i != k
            ):
                continue  # another call of the same function (another queue, register)
            if k < len(args):
                v = cscan.eval_int(K.norm(args[k]), old_look)
                if v is not None:
                    out.add(v)
    return out


def _file_text(ctx: RuleContext, change: EntityChange, side: str) -> tuple[str, FileModel] | None:
    """One side's text of the property's file (with its model), when the unit has it."""
    files = K.file_changes(ctx)
    model = ctx.new_model if side == "new" else ctx.old_model
    for fc in files:
        path = fc.new_path if side == "new" else fc.old_path
        data = fc.new if side == "new" else fc.old
        if path == (change.path if side == "new" else change.old_path or change.path):
            if data is None or model is None:
                return None
            return data.decode("utf-8", "replace"), model
    return None


def _writes(ctx: RuleContext, change: EntityChange, prop: Property, side: str) -> tuple[str, ...]:
    """Values the file's functions assign to the property's member without a sentinel test."""
    got = _file_text(ctx, change, side)
    if got is None or not prop.c_field:
        return ()
    member = prop.c_field.rsplit(".", 1)[-1].rsplit(">", 1)[-1]
    return tuple(w.value for w in member_writes(got[0], member) if w.guard is None)


def _resolved(
    ctx: RuleContext, change: EntityChange, prop: Property
) -> tuple[str, tuple[str, ...]] | None:
    """(function, sorted values) realize assigns when the member still holds the sentinel
    default (`if (d->nvectors == DEV_NVECTORS_UNSPECIFIED) d->nvectors = 2;`), or None."""
    sentinel = K.norm(prop.default)
    if not _SENTINEL_NAME.fullmatch(sentinel) or not prop.c_field:
        return None
    got = _file_text(ctx, change, "new")
    if got is None:
        return None
    text, model = got
    member = prop.c_field.rsplit(".", 1)[-1].rsplit(">", 1)[-1]
    writes = [w for w in member_writes(text, member) if w.guard == sentinel]
    if not writes:
        return None
    fn = model.function_at(writes[0].line) or "realize"
    return fn, tuple(sorted({w.value for w in writes}))


def _turns_into(resolved: tuple[str, tuple[str, ...]]) -> str:
    fn, values = resolved
    return f"{fn}() turns into {' or '.join(values)}"


# ---- a default given by a macro whose value changes -------------------------------------------

_MAX_MACRO_USERS = 32  # properties judged per changed macro


def _macro_defaults(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Properties whose unchanged default expression names a `#define` the series gives
    another value (`DEFINE_PROP_UINT32("vectors", S, vectors, FOO_VECTORS)` with
    `#define FOO_VECTORS 2` -> `4`, in the same file or a header): the default changes
    although no Property entry does."""
    old, new = change.old, change.new
    if change.op != "modified" or not isinstance(old, Define) or not isinstance(new, Define):
        return
    if "(" in new.name or K.norm(old.raw) == K.norm(new.raw):
        return
    before = {(p, u.array, u.name, K.norm(u.default)) for p, u in _users(ctx, "old", new.name)}
    for path, prop in _users(ctx, "new", new.name)[:_MAX_MACRO_USERS]:
        if is_feature_bit(prop) or is_host_side(prop) or prop.name is None:
            continue
        if (path, prop.array, prop.name, K.norm(prop.default)) not in before:
            continue  # the entry itself changed or is new: the property branch judges it
        was, now = _value(ctx, prop, "old", path), _value(ctx, prop, "new", path)
        if was is None or now is None or was == now:
            continue
        types = _owner_types(ctx, path, prop)
        if not types:
            continue  # no device known to install the array
        newest = C.compat_target(ctx)
        if C.entry_covers(ctx, C.type_family(ctx, types), prop.name, newest):
            continue
        array = C.compat_name(newest) if newest is not None else "the newest hw_compat array"
        value = C.compat_value(prop, was)
        draft, edits = D.compat_entry(ctx, types[0], prop.name, value, f"the old value {was}")
        versioned = any(D.reaches_versioned(ctx, n) for n in types)
        yield Hit(
            message=(
                f"{new.name} changes from {was} to {now}, and it is the default of "
                f"'{prop.name}' ({prop.array}, {path}:{prop.line}) for '{types[0]}', but "
                f"{array} has no entry for it: machine types of older releases now get the "
                "new value and migration with them breaks"
            ),
            line=change.line,
            side="new",
            entity=f"{prop.array}.{prop.name}",
            fix_draft=draft if versioned else None,
            fix_edits=edits if versioned else (),
            severity=None if versioned else Severity.NOTE,
        )


def _users(ctx: RuleContext, side: K.Side, name: str) -> list[tuple[str, Property]]:
    """(path, property) on one side whose default names `name`: the unit's files, then the
    tree's (each file once)."""
    out: list[tuple[str, Property]] = []
    seen: set[str] = set()
    for path, fm in K.models(ctx, side):
        seen.add(path)
        out.extend((path, p) for p in fm.properties if _names(p.default, name))
    t = K.tree(ctx, side)
    if t is not None:
        out.extend(pp for pp in t.props_defaulting_to(name) if pp[0] not in seen)
    return out


def _names(default: str | None, name: str) -> bool:
    """Whether a default expression (its first 256 characters) names identifier `name`."""
    text = (default or "")[:256]
    return name in text and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def _value(ctx: RuleContext, prop: Property, side: K.Side, path: str) -> str | None:
    """The default's value on one side: an integer, else the literal it comes down to."""
    n = cscan.eval_int(prop.default or "", int_lookup(ctx, side))
    if n is not None:
        return str(n)
    lit = D.resolve_value(ctx, prop.default, side)
    if lit is None:
        return None
    b = C.truthy(lit)
    return lit if b is None else ("true" if b else "false")


def _owner_types(ctx: RuleContext, path: str, prop: Property) -> list[str]:
    """QOM type names whose class_init installs the property's array."""
    names = [t.name for t in K.property_owners(ctx, "new", path, prop) if t.name]
    t = K.tree(ctx, "new")
    if not names and t is not None:
        names = list(t.types_with_props(prop.array, path))
    return list(dict.fromkeys(names))
