"""Extraction facts for registration lifecycle and allocations: calls inside versioned
machine option hooks, member allocations, .subsections terminators, absent versions."""

from __future__ import annotations

from bot.model.extract import extract_file

CCW = b"""
void css_register_vmstate(void)
{
    vmstate_register(NULL, 0, &vmstate_css, &channel_subsys);
}

static void ccw_init(MachineState *machine)
{
    css_register_vmstate();
}

static void ccw_machine_2_10_instance_options(MachineState *machine)
{
    if (css_migration_enabled()) {
        css_register_vmstate();
    }
}

static void ccw_machine_2_9_instance_options(MachineState *machine)
{
    ccw_machine_2_10_instance_options(machine);
}
"""


def test_every_call_of_a_machine_option_hook_is_a_callsite() -> None:
    m = extract_file("hw/s390x/s390-virtio-ccw.c", CCW)
    hook = [c for c in m.calls if c.function == "ccw_machine_2_10_instance_options"]
    reg = [c for c in hook if c.call == "css_register_vmstate"]
    assert len(reg) == 1 and reg[0].conditional
    assert reg[0].condition == "css_migration_enabled()"
    # a plain function is not a hook: its calls stay out of the model
    assert not [c for c in m.calls if c.function == "ccw_init"]
    # the older hook's chaining call is recorded once
    chain = [c for c in m.calls if c.call == "ccw_machine_2_10_instance_options"]
    assert len(chain) == 1


APLIC = b"""
static const VMStateDescription vmstate_aplic = {
    .name = "aplic",
    .fields = (const VMStateField[]) {
        VMSTATE_VARRAY_UINT32(sourcecfg, AplicState, num_irqs, 0,
                              vmstate_info_uint32, uint32_t),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_aplic_extra,
    },
};

static void aplic_realize(DeviceState *dev, Error **errp)
{
    AplicState *aplic = APLIC(dev);
    uint32_t *tmp = g_new0(uint32_t, 4);

    if (!kvm_irqchip_in_kernel()) {
        aplic->sourcecfg = g_new0(uint32_t, aplic->num_irqs);
    }
    aplic->regs[0].buf = (uint8_t *)g_malloc0(16);
    g_free(tmp);
}
"""


def test_member_allocations_and_unterminated_subsections() -> None:
    m = extract_file("hw/intc/aplic.c", APLIC)
    by_member = {a.member: a for a in m.allocations}
    assert set(by_member) == {"sourcecfg", "buf"}  # `tmp` is a local, not a member
    assert by_member["sourcecfg"].conditional
    assert by_member["sourcecfg"].condition == "!kvm_irqchip_in_kernel()"
    assert by_member["sourcecfg"].function == "aplic_realize"
    assert not by_member["buf"].conditional
    (v,) = m.vmsds
    assert v.subsections == ("vmstate_aplic_extra",)
    assert not v.subsections_terminated
    # no .version_id / .minimum_version_id: both are 0, not unknown
    assert v.version_id == 0 and v.minimum_version_id == 0
    assert v.version_expr is None


def test_terminated_subsections_and_files_without_vmsd() -> None:
    m = extract_file("hw/intc/aplic.c", APLIC.replace(b"&vmstate_aplic_extra,", b"&x,\n NULL"))
    assert m.vmsds[0].subsections_terminated
    plain = extract_file("hw/misc/x.c", b"void f(S *s) { s->buf = g_new0(uint8_t, 4); }\n")
    assert plain.allocations == ()  # only files with a vmsd keep allocations
