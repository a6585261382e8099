// fixture-path: hw/intc/foo_aplic.c
static bool foo_aplic_needed(void *opaque)
{
    return !kvm_irqchip_in_kernel();
}

static const VMStateDescription vmstate_foo_aplic = {
    .name = "foo_aplic",
    .needed = foo_aplic_needed,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(domaincfg, FooAplicState),
        VMSTATE_VARRAY_UINT32(sourcecfg, FooAplicState, num_irqs, 0,
                              vmstate_info_uint32, uint32_t),
        VMSTATE_END_OF_LIST()
    }
};

static void foo_aplic_realize(DeviceState *dev, Error **errp)
{
    FooAplicState *aplic = FOO_APLIC(dev);

    if (!kvm_irqchip_in_kernel()) {
        aplic->sourcecfg = g_new0(uint32_t, aplic->num_irqs); // ok: MIG017 gated by .needed
        aplic->scratch = g_new0(uint32_t, aplic->num_irqs); 
    }
}
