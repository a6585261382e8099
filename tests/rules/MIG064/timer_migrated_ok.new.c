/* e1000 (migcheck fixture: MIG064 timer_migrated_ok) */
// fixture-path: hw/net/e1000.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"

typedef struct E1000State_st {
    PCIDevice dev;
    uint32_t mac_reg[0x8000];
    uint16_t phy_reg[0x20];
    QEMUTimer *autoneg_timer;
} E1000State;

static void set_phy_ctrl(E1000State *s, int index, uint16_t val)
{
    s->phy_reg[index] = val;
    qemu_mod_timer(s->autoneg_timer, qemu_get_clock_ms(vm_clock) + 500);
}

static void e1000_autoneg_timer(void *opaque)
{
    E1000State *s = opaque;

    s->phy_reg[PHY_STATUS] |= MII_SR_AUTONEG_COMPLETE;
}


static const VMStateDescription vmstate_e1000 = { // ok: MIG064
    .name = "e1000",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(dev, E1000State),
        VMSTATE_UINT16_ARRAY(phy_reg, E1000State, 0x20),
        VMSTATE_TIMER_PTR(autoneg_timer, E1000State), // expect: MIG001 (unversioned, but carries the timer)
        VMSTATE_END_OF_LIST()
    }
};

static int pci_e1000_init(PCIDevice *pci_dev)
{
    E1000State *d = DO_UPCAST(E1000State, dev, pci_dev);

    d->mac_reg[0] = 0;
    d->autoneg_timer = qemu_new_timer_ms(vm_clock, e1000_autoneg_timer, d);
    return 0;
}
