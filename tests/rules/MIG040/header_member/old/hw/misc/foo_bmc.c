/*
 * Foo BMC on ISA (migcheck fixture: MIG040 header_member)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/isa/isa.h"
#include "migration/vmstate.h"
#include "hw/misc/foo_bmc.h"

typedef struct FooISADevice {
    ISADevice dev;
    int32_t irq;
    FooKCS kcs;
} FooISADevice;
