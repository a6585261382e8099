"""C text for fix drafts and where it goes (bot.fixedit.DraftEdit). Pure.

The one place drafts are made compile-ready: every value comes from the model (old
defaults resolved through #defines, old sizes, counts, type names, compat arrays); what
cannot be resolved is named in one C comment (`fill()`), never a bare `<placeholder>`.
"""

from __future__ import annotations

import re
import textwrap

from bot.engine.spec import RuleContext
from bot.fixedit import DraftEdit
from bot.model.entities import Vmsd
from bot.rulekit import compat as C
from bot.rulekit.compat import next_release
from bot.rulekit.ctx import Side, models, norm, tree

MACHINE_C = "hw/core/machine.c"
WIDTH = 80


def fill(what: str) -> str:
    """The one C comment naming a value the model could not give."""
    return f"/* fill in: {what} */"


_LITERAL = re.compile(
    r'^(?:-?(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*|true|false|"(?:[^"\\]|\\.)*"|NULL)$'
)
_IDENT = re.compile(r"^[A-Za-z_]\w*$")


def resolve_value(ctx: RuleContext, expr: str | None, side: Side) -> str | None:
    """A C expression as a literal, through the #defines of the unit's files and the tree
    (None when it does not come down to one)."""
    text = norm(expr)
    for _ in range(6):
        if not text:
            return None
        if _LITERAL.match(text):
            return text
        inner = text[1:-1].strip() if text.startswith("(") and text.endswith(")") else None
        if inner is not None and "(" not in inner:
            text = inner
            continue
        if not _IDENT.match(text):
            return None
        body = _define_body(ctx, text, side)
        if body is None:
            return None
        text = norm(body)
    return None


def _define_body(ctx: RuleContext, name: str, side: Side) -> str | None:
    for _, m in models(ctx, side):
        for d in m.defines:
            if d.name == name:
                return d.raw
    t = tree(ctx, side)
    if t is not None:
        raw = t.defines.raw(name)
        if raw:
            return raw[0][1]
    return None


def compat_path(ctx: RuleContext, array: str) -> str:
    """The file defining compat array `array` (hw/core/machine.c when unknown)."""
    for path, arr in C.all_entries_arrays(ctx, "new"):
        if arr.name == array:
            return path
    return MACHINE_C


def compat_target_text(ctx: RuleContext) -> tuple[str | None, str]:
    """(array name or None when the version is unknown, the heading comment of an entry)."""
    ver = C.compat_target(ctx)
    if ver is None:
        return None, fill(f"the newest hw_compat_*[] of {MACHINE_C}")
    array = C.compat_name(ver)
    return array, f"/* {array}[] in {compat_path(ctx, array)} */"


def compat_entry(
    ctx: RuleContext, driver: str, prop: str, value: str | None, what: str = ""
) -> tuple[str, tuple[DraftEdit, ...]]:
    """(draft text, edits) of one GlobalProperty entry in the array this change needs.

    `value` None: the old value is not known; the entry then says what to fill in.
    """
    array, head = compat_target_text(ctx)
    if value is None:
        line = C.compat_line(driver, prop, "").replace('""', fill(what or "the old value"))
    else:
        line = C.compat_line(driver, prop, value)
    text = f"{head}\n    {line}"
    if array is None:
        return text, ()
    return text, (DraftEdit(compat_path(ctx, array), "array", f"    {line}", anchor=array),)


def replace_line(path: str, line: int, text: str, pattern: str | None = None,
                 end_line: int | None = None) -> DraftEdit:  # fmt: skip
    """Lines line..end_line (or the first of them matching `pattern`) become `text`."""
    return DraftEdit(path, "replace", text, line=line, end_line=end_line or line,
                     pattern=pattern)  # fmt: skip


def insert_before(path: str, line: int, text: str) -> DraftEdit:
    """`text` before line `line`."""
    return DraftEdit(path, "insert", text, line=line)


def comment(text: str, indent: str = "") -> str:
    """A C comment wrapped to 80 columns (one line when it fits)."""
    one = f"{indent}/* {text} */"
    if len(one) <= WIDTH:
        return one
    body = textwrap.wrap(text, WIDTH - len(indent) - 3, break_long_words=False,
                         break_on_hyphens=False)  # fmt: skip
    return "\n".join([f"{indent}/*", *(f"{indent} * {ln}" for ln in body), f"{indent} */"])


def call(head: str, args: list[str], tail: str = ";", indent: str = "") -> str:
    """`head(a, b, c);` wrapped at 80 columns QEMU-style (continuation under the paren)."""
    one = f"{indent}{head}({', '.join(args)}){tail}"
    if len(one) <= WIDTH:
        return one
    lines: list[str] = []
    cur = f"{indent}{head}("
    pad = " " * len(cur)
    for i, a in enumerate(args):
        piece = a + (", " if i < len(args) - 1 else f"){tail}")
        if len(cur) + len(piece.rstrip()) > WIDTH and cur.strip() and not cur.endswith("("):
            lines.append(cur.rstrip())
            cur = pad
        cur += piece
    lines.append(cur.rstrip())
    return "\n".join(lines)


def c_ident(text: str) -> str:
    """A C identifier derived from a name: "icp/server" -> "icp_server"."""
    s = re.sub(r"\W+", "_", text).strip("_").lower()
    return s or "section"


def dummy_section_draft(
    wire: str | None,
    old: Vmsd | None,
    flag: str,
    compat_array: str,
    instance_expr: str = "i",
    count_expr: str = "<old number of instances>",
) -> str:
    """A dummy VMStateDescription that swallows sections old QEMUs still send.

    Modelled on 46f7afa37096 (pre_2_10_vmstate_dummy_icp): same `.name` and versions as the old
    section, VMSTATE_UNUSED of the old wire size per field, `.needed` false so nothing is
    sent, registered only for machine types that had the section, through a machine-class flag.
    """
    name = wire or (old.name if old is not None else None) or "<old section name>"
    ident = c_ident(name)
    version = old.version_id if old is not None and old.version_id is not None else 1
    minimum = (
        old.minimum_version_id
        if old is not None and old.minimum_version_id is not None
        else version
    )
    lines: list[str] = []
    if old is not None and old.payload_fields:
        for f in old.payload_fields:
            size = f.wire_size
            label = f.c_field or f.name
            if size is not None:
                lines.append(f"        VMSTATE_UNUSED({size}), /* was {label} */")
            else:
                lines.append(
                    f"        VMSTATE_UNUSED(/* FIXME: bytes {label} put on the wire */ 0),"
                )
    else:
        lines.append("        VMSTATE_UNUSED(/* FIXME: old wire size of the section */ 0),")
    fields = "\n".join(lines)
    return f"""static bool dummy_{ident}_needed(void *opaque)
{{
    return false; /* never sent; only swallows what older QEMUs send */
}}

static const VMStateDescription vmstate_dummy_{ident} = {{
    .name = "{name}",
    .version_id = {version},
    .minimum_version_id = {minimum},
    .needed = dummy_{ident}_needed,
    .fields = (const VMStateField[]) {{
{fields}
        VMSTATE_END_OF_LIST()
    }},
}};

/* machine init: only machine types that still had the section */
if (mc->{flag}) {{
    for (i = 0; i < {count_expr}; i++) {{
        vmstate_register(NULL, {instance_expr}, &vmstate_dummy_{ident}, (void *)(uintptr_t)i);
    }}
}}
/* where the real object now appears/disappears (plug/unplug, teardown):
 *   vmstate_unregister(NULL, &vmstate_dummy_{ident}, (void *)(uintptr_t)i);
 * and in the options of the machine types of {compat_array} and older:
 *   mc->{flag} = true;
 */"""


def flag_name(newest: tuple[int, int] | None, wire: str | None) -> str:
    """Machine-class flag name such as `pre_11_0_has_unused_icp_server`."""
    nxt = next_release(newest)
    ver = f"{nxt[0]}_{nxt[1]}" if nxt is not None else "X_Y"
    return f"pre_{ver}_has_unused_{c_ident(wire or 'section')}"
