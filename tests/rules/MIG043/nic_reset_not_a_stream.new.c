/* e1000 (migcheck fixture: MIG043 nic_reset_not_a_stream, minimised from 093454e21d4f) */
// fixture-path: hw/net/e1000.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "net/net.h"

static void e1000_reset(void *opaque)
{
    E1000State *d = opaque;
    uint8_t *macaddr = d->conf.macaddr.a;

    memset(d->mac_reg, 0, sizeof d->mac_reg);
    if (qemu_get_queue(d->nic)->link_down) { // ok: MIG043
        e1000x_update_regs_on_link_down(d->mac_reg, d->phy_reg);
    }

    e1000x_reset_mac_addr(d->nic, d->mac_reg, macaddr);
}

static void e1000_save(QEMUFile *f, void *opaque)
{
    E1000State *d = opaque;

    qemu_put_be32(f, d->rxbuf_size);
    qemu_put_be32(f, d->eecd_state.val_in);
}

static int e1000_load(QEMUFile *f, void *opaque, int version_id)
{
    E1000State *d = opaque;

    d->rxbuf_size = qemu_get_be32(f);
    d->eecd_state.val_in = qemu_get_be32(f);
    return 0;
}
