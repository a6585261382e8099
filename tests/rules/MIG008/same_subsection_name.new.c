static bool foo_csd_needed(void *opaque)
{
    FooState *s = opaque;

    return s->migrate_csd;
}

static const VMStateDescription vmstate_foo_csd = {
    .name = "foo/csd",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = foo_csd_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(csd, FooState, 16),
        VMSTATE_END_OF_LIST()
    },
};

static bool foo_ext_csd_needed(void *opaque)
{
    FooState *s = opaque;

    return s->migrate_ext_csd;
}

static const VMStateDescription vmstate_foo_ext_csd = {
    .name = "foo/csd",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = foo_ext_csd_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(ext_csd, FooState, 512),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_foo = { // expect: MIG008
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_foo_csd,
        &vmstate_foo_ext_csd,
        NULL
    },
};
