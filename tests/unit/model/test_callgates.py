"""call_gates: the `if` around each call of a helper, read from C text."""

from __future__ import annotations

from bot.model.callgates import call_gates

SRC = """
void css_register_vmstate(void);

void css_register_vmstate(void)
{
    vmstate_register(NULL, 0, &vmstate_css, &channel_subsys);
}

static void ccw_init(MachineState *machine)
{
    if (css_migration_enabled()) {
        /* css_register_vmstate() in a comment is no call */
        css_register_vmstate();
    }
    if (a && b)
        css_register_vmstate();
    css_register_vmstate();
    while (x) {
        css_register_vmstate();
    }
    if (y) {
        foo();
    } else {
        css_register_vmstate();
    }
}
"""


def test_each_call_gets_its_innermost_condition() -> None:
    assert call_gates(SRC, "css_register_vmstate") == (
        "css_migration_enabled()",
        "a && b",
        None,
        None,
        "else",
    )


def test_definitions_prototypes_and_other_names_are_no_calls() -> None:
    assert call_gates(SRC, "vmstate_register") == (None,)
    assert call_gates(SRC, "register") == ()
    assert call_gates(SRC, "not an identifier") == ()


def test_a_huge_hostile_file_is_read_in_bounded_time() -> None:
    # one function with many thousands of calls: the scans stay bounded
    body = "    if (x) {\n" + "        helper();\n" * 20000 + "    }\n"
    src = "void f(void)\n{\n" + body + "}\n"
    gates = call_gates(src, "helper")
    assert len(gates) == 200 and gates[0] == "x"
