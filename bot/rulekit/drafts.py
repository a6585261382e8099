"""C text for fix drafts (dummy sections, compat entries). Pure string building."""

from __future__ import annotations

import re

from bot.model.entities import Vmsd
from bot.rulekit.compat import next_release


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
