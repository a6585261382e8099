// fixture-tree: compat
static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_END_OF_LIST()
    },
};
