"""bot.model.extract.bodies: statements with their conditions, feature masks, error paths."""

from __future__ import annotations

from bot.model.extract import extract_file
from bot.model.extract.bodies import statements

BODY = """
    switch (index) {
    case 1:
        if (a) {
            x = 1;
        } else if (b)
            y = 2;
        else {
            z = 3;
        }
        break;
    default:
        for (i = 0; i < n; i++) {
            w++;
        }
    }
    done();
"""


def test_statements_carry_enclosing_conditions() -> None:
    got = {s.text: s.conds for s in statements(BODY)}
    assert got["x = 1"] == ("switch index", "case 1", "a")
    assert got["y = 2"] == ("switch index", "case 1", "!(a)", "b")
    assert got["z = 3"] == ("switch index", "case 1", "!(b)")
    assert got["w++"] == ("switch index", "case default", "for (i = 0; i < n; i++)")
    assert got["done()"] == ()


SRC = b"""
#include "cpu.h"

static void foo_cpuid(CPUX86State *env, uint32_t *ecx)
{
    /* the PMU bit follows the property */
    if (!cpu->enable_pmu) {
        *ecx &= ~CPUID_EXT_PDCM;
    }
    env->features[FEAT_1_ECX] |= CPUID_EXT_HYPERVISOR | CPUID_EXT_X2APIC;
    count |= 4;
}

static void foo_realize(DeviceState *dev, Error **errp)
{
    if (s->n > 4) {
        error_setg(errp, "too many: %d "
                   "(max 4)", s->n);
        return;
    }
    if (s->legacy) {
        error_report("legacy is deprecated");
    }
    if (s->bad) {
        error_report("bad");
        exit(1);
    }
    error_setg(errp, "unconditional");
}
"""


def test_feature_masks_and_reject_gates() -> None:
    fm = extract_file("target/i386/foo.c", SRC)
    masks = {(m.target, m.op, m.bits, m.condition, m.line) for m in fm.feature_masks}
    assert masks == {
        ("*ecx", "&=~", ("CPUID_EXT_PDCM",), "!cpu->enable_pmu", 8),
        (
            "env->features[FEAT_1_ECX]",
            "|=",
            ("CPUID_EXT_HYPERVISOR", "CPUID_EXT_X2APIC"),
            None,
            10,
        ),
    }
    gates = {(g.call, g.message, g.condition, g.line) for g in fm.reject_gates}
    assert gates == {
        ("error_setg", "too many: %d (max 4)", "s->n > 4", 17),
        ("error_report", "bad", "s->bad", 25),
    }
