/*
 * Foo power management (migcheck fixture: MIG045 legacy_load, like b0b873a07872)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "migration/vmstate.h"

typedef struct FooAPMState {
    uint8_t apmc;
    uint8_t apms;
} FooAPMState;

typedef struct FooPMState {
    PCIDevice dev;
    uint16_t sts;
    FooAPMState apm;
} FooPMState;

static const VMStateDescription vmstate_foo_apm = {
    .name = "foo-apm",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(apmc, FooAPMState),
        VMSTATE_UINT8(apms, FooAPMState),
        VMSTATE_END_OF_LIST()
    }
};
