// fixture-tree: compat
static const VMStateDescription vmstate_foo_timer = {
    .name = "foo.timer",
    .version_id = 2,
    .minimum_version_id = 2,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(reload, FooTimer),
        VMSTATE_UINT32_V(match, FooTimer, 2), // expect: MIG014
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_foo_timerctrl = {
    .name = "foo.timerctrl",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooTimerCtrl),
        VMSTATE_STRUCT_ARRAY(timers, FooTimerCtrl, 8, 2, vmstate_foo_timer, FooTimer), // expect: MIG016, MIG015
        VMSTATE_END_OF_LIST()
    },
};
