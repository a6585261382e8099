"""member_writes: assignments of a member with their guarding sentinel; bounded on hostile text."""

from __future__ import annotations

from bot.model.memberwrites import member_writes


def test_writes_lines_and_guards() -> None:
    text = (
        "static void realize(Dev *d)\n"
        "{\n"
        "    /* d->m = 9; in a comment */\n"
        "    if (d->m == UNSET) {\n"
        "        d->m = 2;\n"
        "    }\n"
        "    d->m = 3;\n"
        "    if (d->m == 4) { x(); }\n"
        "}\n"
    )
    got = member_writes(text, "m")
    assert [(w.line, w.value, w.guard) for w in got] == [(5, "2", "UNSET"), (7, "3", None)]


def test_hostile_text_gives_bounded_answers() -> None:
    # 40,000 writes: the first 500 come back, with the right lines
    many = "s->m = 1;\n" * 40_000
    got = member_writes(many, "m")
    assert len(got) == 500 and got[-1].line == 500
    # writes without `;` (quadratic when each looked for its `;` to the end): none
    assert member_writes("s->m = x " * 32_000, "m") == ()
    # a right-hand side over 1,000 characters is not read; a long real one is
    long_value = "s->m = " + "a + " * 400 + "b;\n"
    assert member_writes(long_value, "m") == ()
    assert member_writes("s->m = " + "a + " * 200 + "b;\n", "m")[0].line == 1
