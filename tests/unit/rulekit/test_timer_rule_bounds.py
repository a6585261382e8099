"""MIG064 reads timer creations from series text: bounded on hostile input, exact on real."""

from __future__ import annotations

from rules.timer_state_not_migrated import _creations


def test_real_creations_are_read() -> None:
    text = (
        "d->autoneg_timer = qemu_new_timer_ms(vm_clock, e1000_autoneg_timer, d);\n"
        "timer_init_ms(&s->autoneg_timer, QEMU_CLOCK_VIRTUAL, other_cb, s);\n"
        "s->autoneg_timer = timer_new_ms(QEMU_CLOCK_HOST, host_cb, s);\n"
    )
    assert _creations(text, "autoneg_timer") == ["e1000_autoneg_timer", "other_cb"]


def test_creations_without_semicolon_are_read_with_bounded_argument_lists() -> None:
    """8,000 creations with no `;` (376 KB) took 29 s when every match looked for its `;` to
    the end of the file (32,000 here: minutes). An argument list is read up to 1,000
    characters, which makes the scan linear and leaves an overlong one unread."""
    hostile = "s->t = timer_new_ms(QEMU_CLOCK_VIRTUAL, cb, s " * 32_000
    assert _creations(hostile, "t") == []
    padded = "s->t = timer_new_ms(QEMU_CLOCK_VIRTUAL, cb, s" + " " * 2_000 + ");\n"
    assert _creations(padded, "t") == []
    assert _creations(padded.replace(" " * 2_000, " " * 900), "t") == ["cb"]


def test_many_creations_are_capped() -> None:
    text = "s->t = timer_new_ms(QEMU_CLOCK_VIRTUAL, cb, s);\n" * 10_000
    assert len(_creations(text, "t")) == 32
