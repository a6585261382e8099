// fixture-tree: compat
/* a 2014 tree: target-i386/, reviewed like target/i386/ (migcheck fixture: MIG007) */
// fixture-path: target-i386/machine.c
static const VMStateDescription vmstate_async_pf_msr = {
    .name = "cpu/async_pf_msr",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT64(env.async_pf_en_msr, X86CPU),
        VMSTATE_END_OF_LIST()
    }
};
