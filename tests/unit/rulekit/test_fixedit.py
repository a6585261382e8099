"""bot.fixedit: drafts as edits of head files, and what makes a draft not ready."""

from __future__ import annotations

import pytest

from bot.fixedit import DraftEdit, EditError, MissingPart, apply_edits, draft_problems

SRC = b"""static const Property foo_props[] = {
    DEFINE_PROP_UINT32("a", FooState, a, 1),
    DEFINE_PROP_END_OF_LIST(),
};

typedef struct FooState {
    uint32_t a;
} FooState;

static void foo_realize(DeviceState *dev, Error **errp)
{
    msix_init_exclusive_bar(pdev, 4, 1,
                            errp); /* two lines */
    return version_id == 3;
}
"""


def test_array_member_wrap_and_sub_edits_apply_on_the_original_lines() -> None:
    out = apply_edits(SRC, [
        DraftEdit("f.c", "array", '    DEFINE_PROP_BOOL("x", FooState, x, true),',
                  anchor="foo_props"),
        DraftEdit("f.c", "member", "    bool x;", anchor="FooState"),
        DraftEdit("f.c", "wrap", "s->x", line=12),
        DraftEdit("f.c", "sub", "version_id >= 3", line=10, end_line=15,
                  pattern=r"version_id\s*==\s*3"),
    ]).decode()  # fmt: skip
    assert ('DEFINE_PROP_BOOL("x", FooState, x, true),\n    DEFINE_PROP_END_OF_LIST(),'
            in out)  # before the terminator  # fmt: skip
    assert "    uint32_t a;\n    bool x;\n} FooState;" in out
    assert ("    if (s->x) {\n        msix_init_exclusive_bar(pdev, 4, 1,\n"
            "                                errp); /* two lines */\n    }\n") in out  # fmt: skip
    assert "return version_id >= 3;" in out


def test_missing_anchors_fail_unless_optional() -> None:
    with pytest.raises(EditError, match="no bar_props"):
        apply_edits(SRC, [DraftEdit("f.c", "array", "x", anchor="bar_props")])
    same = apply_edits(SRC, [DraftEdit("f.c", "member", "x", anchor="Bar", optional=True)])
    assert same == SRC
    with pytest.raises(MissingPart, match="no compat array"):
        apply_edits(SRC, [DraftEdit("f.c", "missing", "no compat array")])
    with pytest.raises(EditError, match="overlap"):
        apply_edits(SRC, [DraftEdit("f.c", "replace", "", line=2, end_line=3),
                          DraftEdit("f.c", "replace", "", line=3)])  # fmt: skip


def test_draft_problems_name_bare_placeholders_but_accept_fill_in_comments() -> None:
    assert draft_problems('{ "foo", "p", /* fill in: the old value */ },') == []
    bad = draft_problems('{ "<qom type>", "p", "<old value>" },\n'
                         "    for (i = 0; i < <old number of instances>; i++) {\n"
                         "    mc->pre_X_Y_has_unused_foo = true;\n"
                         "    DEFINE_PROP_BOOL(\"x\", ..., true), /* FIXME */\n"
                         + "x" * 81)  # fmt: skip
    joined = "\n".join(bad)
    for what in ("<qom type>", "<old value>", "<old number of instances>", "X_Y",
                 "elided", "FIXME", "81 columns"):  # fmt: skip
        assert what in joined, what


def test_an_empty_one_line_array_gets_the_entry_inside() -> None:
    src = b"GlobalProperty hw_compat_5_2[] = {};\nconst size_t n = 0;\n"
    out = apply_edits(src, [DraftEdit("m.c", "array", '    { "nvme", "x", "false" },',
                                      anchor="hw_compat_5_2")])  # fmt: skip
    assert out == (b'GlobalProperty hw_compat_5_2[] = {\n    { "nvme", "x", "false" },\n};\n'
                   b"const size_t n = 0;\n")  # fmt: skip


def test_compat_macros_of_old_qemu_take_the_entry_after_their_define() -> None:
    src = (b"#define HW_COMPAT_2_11 \\\n    {\\\n        .driver = \"a\",\\\n    },\n\n"
           b"#define HW_COMPAT_2_12\n")  # fmt: skip
    entry = '    { "e1000", "x", "false" },'
    out = apply_edits(src, [DraftEdit("h.h", "array", entry, anchor="hw_compat_2_11"),
                            DraftEdit("h.h", "array", entry, anchor="hw_compat_2_12")])
    entry = ('    {\\\n        .driver   = "e1000",\\\n        .property = "x",\\\n'
             '        .value    = "false",\\\n    },')  # fmt: skip
    assert out.decode() == ('#define HW_COMPAT_2_11 \\\n' + entry + '\\\n'
                            '    {\\\n        .driver = "a",\\\n    },\n\n'
                            '#define HW_COMPAT_2_12 \\\n' + entry + '\n')  # fmt: skip


# include/hw/i386/pc.h at f6e984443f16: a pre-3.1 compat macro, one entry a block
_PC_COMPAT = b"""#define PC_COMPAT_2_5 \\
    {\\
        .driver = TYPE_X86_CPU,\\
        .property = "fill-mtrr-mask",\\
        .value = "off",\\
    },\\
    {\\
        .driver   = "apic",\\
        .property = "legacy-instance-id",\\
        .value    = "on",\\
    },

#define PC_COMPAT_2_4 \\
"""


def test_an_entry_of_a_compat_macro_is_replaced_in_the_macro_style() -> None:
    out = apply_edits(_PC_COMPAT, [DraftEdit(
        "include/hw/i386/pc.h", "entry", '    { "apic-common", "legacy-instance-id", "on" },',
        line=7)]).decode()  # fmt: skip
    assert '        .driver   = "apic-common",\\\n' in out
    assert '        .value    = "on",\\\n    },\n\n#define PC_COMPAT_2_4' in out
    assert out.count("{\\") == 2


def test_an_entry_of_a_compat_macro_can_be_removed() -> None:
    out = apply_edits(_PC_COMPAT, [DraftEdit("include/hw/i386/pc.h", "entry", "",
                                             line=2)]).decode()  # fmt: skip
    assert "fill-mtrr-mask" not in out and out.startswith('#define PC_COMPAT_2_5 \\\n    {\\\n')
    assert '"legacy-instance-id"' in out


def test_a_wrapped_call_keeps_the_old_call_and_its_assignment_in_the_else_branch() -> None:
    src = b"void f(void)\n{\n    ret = msix_init(d, 1,\n                    2);\n    b();\n}\n"
    old = "    msix_init_exclusive_bar(d,\n                            4);"
    out = apply_edits(src, [DraftEdit("f.c", "wrap", "n->migrate_msix", line=3,
                                      orelse=old)]).decode()  # fmt: skip
    assert out == ("void f(void)\n{\n    if (n->migrate_msix) {\n        ret = msix_init(d, 1,\n"
                   "                        2);\n    } else {\n"
                   "        ret = msix_init_exclusive_bar(d,\n"
                   "                                      4);\n    }\n    b();\n}\n")  # fmt: skip


def test_a_member_goes_into_a_struct_whose_brace_is_on_the_next_line() -> None:
    # hw/i2c/core.c at 2293c27faddf: `struct I2CBus` then `{` on a line of its own
    src = b"struct I2CBus\n{\n    BusState qbus;\n    uint8_t saved_address;\n};\n"
    out = apply_edits(src, [DraftEdit("hw/i2c/core.c", "member", "    bool migrate_b;",
                                      anchor="I2CBus")]).decode()  # fmt: skip
    assert out == ("struct I2CBus\n{\n    BusState qbus;\n    uint8_t saved_address;\n"
                   "    bool migrate_b;\n};\n")  # fmt: skip


def test_a_member_inserted_after_a_last_member_without_comma_gets_one() -> None:
    # how the sample series writes a vmsd: `.fields = ... { ... }` with no trailing comma
    src = b"""static const VMStateDescription vmstate_foo_fifo = {
    .name = "foo-pci/fifo",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(fifo_level, FooState),
        VMSTATE_END_OF_LIST()
    } /* no comma */
};
"""
    out = apply_edits(src, [DraftEdit("f.c", "insert", "    .needed = foo_fifo_needed,", line=7)])
    assert b"    }, /* no comma */\n    .needed = foo_fifo_needed,\n};" in out
    # with a comma already there, nothing is added
    comma = src.replace(b"} /* no comma */", b"},")
    out = apply_edits(comma, [DraftEdit("f.c", "insert", "    .needed = f,", line=7)])
    assert b"    },\n    .needed = f,\n};" in out
    # the opening line of the initializer needs none either
    first = b"static const VMStateDescription v = {\n};\n"
    out = apply_edits(first, [DraftEdit("f.c", "insert", "    .needed = f,", line=2)])
    assert out == b"static const VMStateDescription v = {\n    .needed = f,\n};\n"
