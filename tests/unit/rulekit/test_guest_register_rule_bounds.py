"""MIG065 reads handler heads and member writes from series text: exact on real code, bounded
on hostile input."""

from __future__ import annotations

from bot.model.memberwrites import member_write_re as _write_re
from bot.rulekit.guestwrites import _HANDLER


def test_real_handler_heads_are_recognised() -> None:
    assert _HANDLER.search("static void pmac_ide_writel (void *opaque, hwaddr addr, uint32_t val)")
    assert _HANDLER.search(
        "static void piix4_rcr_write(void *opaque, hwaddr addr, uint64_t val, unsigned int len)"
    )
    assert _HANDLER.search("static void ioport_write(void *opaque, uint32_t addr, uint32_t val)")
    assert not _HANDLER.search("static uint32_t pmac_ide_readl (void *opaque, hwaddr addr)")
    assert not _HANDLER.search("static void reset(DeviceState *dev)")


def test_member_writes_are_told_from_reads() -> None:
    w = _write_re("rcr")
    assert w.search("s->rcr = val & 2;")
    assert w.search("d->irq_reg[1] &= 0x7fffffff;".replace("irq_reg", "rcr"))
    assert w.search("s->rcr |= 1;")
    assert not w.search("return s->rcr;")
    assert not w.search("if (s->rcr == 2) {")
    assert not w.search("s->rcr_mem = x;")


def test_hostile_subscripts_are_read_linearly() -> None:
    """Unclosed or endless subscripts: every match start reads at most 4 subscripts of 64
    characters, so a 600 KB line of them is one linear pass with no match."""
    hostile = "s->rcr" + "[" * 200_000 + "x" * 200_000
    assert _write_re("rcr").search(hostile) is None
    deep = "s->rcr" + "[0]" * 10 + " = 1;"
    assert _write_re("rcr").search(deep) is None  # more than 4 dimensions: not read


def test_a_stub_register_is_only_the_case_that_logs_it_unimplemented() -> None:
    from bot.rulekit.guestwrites import _real_write

    w = _write_re("ewctrl")
    stub = 'case A_EWCTRL:\n    if (!s->is_sse200) {\n        goto bad_offset;\n    }\n' \
        '    qemu_log_mask(LOG_UNIMP, "EWCTRL unimplemented\\n");\n    s->ewctrl = value;\n'
    assert not _real_write(w, stub)
    # LOG_UNIMP of the case before does not make this case a stub
    real = 'case A_X:\n    qemu_log_mask(LOG_UNIMP, "X unimplemented\\n");\n    break;\n' \
        'case A_EWCTRL:\n    s->ewctrl = value;\n'
    assert _real_write(w, real)
    # a stub case and a real write elsewhere: the real write counts
    assert _real_write(w, stub + "    break;\ncase A_Y:\n    s->ewctrl = value & 1;\n")
