"""bot.model.conditions: the conditions a statement runs under, from the text."""

from __future__ import annotations

from bot.model.conditions import conditions_at, enclosing_conditions
from bot.model.extract.streams import read_streams

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


def test_unbalanced_and_deep_input_is_bounded() -> None:
    deep = "void d(void)\n{\n" + "if (a) {\n" * 5000 + "w();\n" + "}" * 3 + "u();"
    out = enclosing_conditions(deep, deep.index("{"), deep.index("w()"))
    assert len(out) == 64  # headers kept are bounded
    assert enclosing_conditions(deep, deep.index("{"), deep.index("u()"))


def test_many_positions_in_one_walk_agree_with_single_lookups() -> None:
    words = ["z()", "x()", "y(", "put(1)"]  # out of text order on purpose
    body = SRC.index("{")
    many = conditions_at(SRC, body, [SRC.index(w) for w in words])
    assert many == [at(w) for w in words]


def test_stream_ops_carry_their_conditions() -> None:
    src = (
        "static void s_save(QEMUFile *f, void *opaque)\n{\n"
        "    S *s = opaque;\n"
        "    qemu_put_be32(f, s->a);\n"
        "    if (s->has_b) {\n"
        "        qemu_put_be32(f, s->b);\n"
        "    } else\n"
        "        qemu_put_byte(f, 0);\n"
        "    if (migrate_use_c()) qemu_put_be64(f, s->c);\n"
        "}\n"
    )
    (fn,) = read_streams(src, [("s_save", 1, src.count("\n"))])
    assert [(o.arg, o.conditions) for o in fn.ops] == [
        ("s->a", ()),
        ("s->b", ("if (s->has_b)",)),
        ("0", ("else of if (s->has_b)",)),  # a braceless else
        ("s->c", ("if (migrate_use_c())",)),
    ]
    assert [o.depth for o in fn.ops] == [0, 1, 1, 1]


def test_many_braceless_statements_are_answered_by_bisection() -> None:
    body = "".join(f"    if (x{i}) qemu_put_be32(f, s->r{i});\n" for i in range(3000))
    src = "static void big_save(QEMUFile *f, void *opaque)\n{\n" + body + "}\n"
    (fn,) = read_streams(src, [("big_save", 1, src.count("\n"))])
    assert len(fn.ops) == 400  # MAX_OPS
    assert all(o.depth == 1 for o in fn.ops)
    assert fn.ops[-1].conditions == ("if (x399)",)
