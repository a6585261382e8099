/*
 * Foo channel device with a hand-written stream (migcheck fixture: MIG043 open_coded)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "migration/qemu-file-types.h"
#include "hw/misc/foo_chan.h"

static void foo_chan_save_config(FooChan *dev, QEMUFile *f)
{
    qemu_put_be16(f, dev->vector);
    qemu_put_byte(f, dev->isc);
}

static int foo_chan_load_config(FooChan *dev, QEMUFile *f)
{
    dev->vector = qemu_get_be16(f);
    dev->isc = qemu_get_byte(f);
    if (dev->thinint) {
        return foo_register_adapter(dev);
    }
    return 0;
}

static void foo_regs_save(QEMUFile *f, void *opaque)
{
    FooChan *dev = opaque;

    qemu_put_be32(f, dev->ctrl);
}

static int foo_regs_load(QEMUFile *f, void *opaque, int version_id)
{
    FooChan *dev = opaque;

    dev->ctrl = qemu_get_be32(f);
    return 0;
}

static void foo_queue_save(QEMUFile *f, void *opaque)
{
    FooChan *dev = opaque;

    qemu_put_be32(f, dev->head);
}

static int foo_queue_load(QEMUFile *f, void *opaque, int version_id)
{
    FooChan *dev = opaque;

    dev->head = qemu_get_be32(f);
    return 0;
}

static int foo_irq_load(QEMUFile *f, void *opaque, int version_id)
{
    FooChan *dev = opaque;

    dev->mask = qemu_get_be32(f);
    if (version_id >= 2) {
        dev->pending = qemu_get_be32(f);
    }
    return 0;
}
