/* e1000 (migcheck fixture: MIG064 post_load_rearms_ok) */
// fixture-path: hw/net/e1000.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"

typedef struct E1000State_st {
    PCIDevice dev;
    uint32_t mac_reg[0x8000];
    uint16_t phy_reg[0x20];
} E1000State;

static void set_phy_ctrl(E1000State *s, int index, uint16_t val)
{
    s->phy_reg[index] = val;
}

static const VMStateDescription vmstate_e1000 = {
    .name = "e1000",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(dev, E1000State),
        VMSTATE_UINT16_ARRAY(phy_reg, E1000State, 0x20),
        VMSTATE_END_OF_LIST()
    }
};

static int pci_e1000_init(PCIDevice *pci_dev)
{
    E1000State *d = DO_UPCAST(E1000State, dev, pci_dev);

    d->mac_reg[0] = 0;
    return 0;
}
