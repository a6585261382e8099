// fixture-tree: compat
static const VMStateDescription vmstate_foo = { // expect: MIG004
    .name = "foo",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32_V(status, FooState, 2), // ok: MIG016
        VMSTATE_UINT32_TEST(extra, FooState, foo_extra_test), // ok: MIG016
        VMSTATE_END_OF_LIST()
    },
};
