// fixture-tree: compat
static const VMStateDescription vmstate_foo = { // expect: MIG004
    .name = "foo",
    .version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32_V(status, FooState, 1),
        VMSTATE_END_OF_LIST()
    },
};
