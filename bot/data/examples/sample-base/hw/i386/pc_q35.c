/*
 * Sample versioned machine types for `migcheck demo`: q35 10.2 (in development, see
 * VERSION), 10.1 and 10.0, each older one chaining the newer one plus its compat array.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/boards.h"

static void pc_q35_machine_10_2_options(MachineClass *m)
{
    pc_q35_machine_options(m);
}

DEFINE_Q35_MACHINE_AS_LATEST(10, 2);

static void pc_q35_machine_10_1_options(MachineClass *m)
{
    pc_q35_machine_10_2_options(m);
    compat_props_add(m->compat_props, hw_compat_10_1, hw_compat_10_1_len);
}

DEFINE_Q35_MACHINE(10, 1);

static void pc_q35_machine_10_0_options(MachineClass *m)
{
    pc_q35_machine_10_1_options(m);
    compat_props_add(m->compat_props, hw_compat_10_0, hw_compat_10_0_len);
}

DEFINE_Q35_MACHINE(10, 0);
