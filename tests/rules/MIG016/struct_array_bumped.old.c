// fixture-tree: compat
static const VMStateDescription vmstate_foo_timer = {
    .name = "foo.timer",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(reload, FooTimer),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_foo_timerctrl = {
    .name = "foo.timerctrl",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooTimerCtrl),
        VMSTATE_STRUCT_ARRAY(timers, FooTimerCtrl, 8, 1, vmstate_foo_timer, FooTimer),
        VMSTATE_END_OF_LIST()
    },
};
