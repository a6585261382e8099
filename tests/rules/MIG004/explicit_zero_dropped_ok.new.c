static const VMStateDescription vmstate_foo = { // ok: MIG004
    .name = "foo",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_END_OF_LIST()
    },
};
