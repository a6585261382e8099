"""bot.rulekit.conditions: the conditions a statement runs under, from the text."""

from __future__ import annotations

import time

from bot.rulekit.conditions import enclosing_conditions

SRC = """\
int f(void)
{
    if (a) {
        x();
    } else {
        if (b) put(1);
        switch (c) {
        case 1:
            y("{ not a block");
        }
    }
    z();
}
"""


def at(word: str) -> tuple[str, ...]:
    return enclosing_conditions(SRC, SRC.index("{"), SRC.index(word))


def test_blocks_braceless_if_and_else() -> None:
    assert at("x()") == ("if (a)",)
    assert at("put(1)") == ("else of if (a)", "if (b)")
    assert at("y(") == ("else of if (a)", "switch (c)")
    assert at("z()") == ()


def test_braces_in_strings_do_not_count() -> None:
    src = 'void g(void)\n{\n    puts("}}}");\n    if (q) {\n        w();\n    }\n}\n'
    assert enclosing_conditions(src, src.index("{"), src.index("w()")) == ("if (q)",)


def test_positions_outside_the_text_or_the_bound() -> None:
    assert enclosing_conditions(SRC, 5, 2) == ()
    assert enclosing_conditions(SRC, 0, len(SRC) + 1) == ()
    huge = "void h(void)\n{\n" + "x;\n" * 100_000 + "y();\n}\n"
    assert enclosing_conditions(huge, huge.index("{"), huge.index("y()")) == ()


def test_unbalanced_and_deep_input_is_linear() -> None:
    deep = "void d(void)\n{\n" + "if (a) {\n" * 5000 + "w();\n" + "}" * 3 + "u();"
    t = time.monotonic()
    out = enclosing_conditions(deep, deep.index("{"), deep.index("w()"))
    assert len(out) == 64  # headers kept are bounded
    assert enclosing_conditions(deep, deep.index("{"), deep.index("u()"))
    assert time.monotonic() - t < 2.0
