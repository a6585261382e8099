/* PCIe helpers (migcheck fixture: MIG018 post_load_cross_file): the slot post_load that
 * root ports name in their vmsd is defined here, not next to the vmsd. */
#include "qemu/osdep.h"
#include "hw/pci/pcie.h"

static void hotplug_event_update_event_status(PCIDevice *dev)
{
    dev->exp.hpev_notified = false;
}

static void pcie_cap_update_power(PCIDevice *hotplug_dev)
{
    uint8_t *exp_cap = hotplug_dev->config + hotplug_dev->exp.exp_cap;

    pci_set_power(hotplug_dev, pci_get_word(exp_cap + PCI_EXP_SLTCTL) != 0);
}

/* the destination now powers slots off from loaded state older QEMU never set */
// expect: MIG018
int pcie_cap_slot_post_load(void *opaque, int version_id)
{
    PCIDevice *dev = opaque;
    hotplug_event_update_event_status(dev);
    pcie_cap_update_power(dev);
    return 0;
}

/* only tracing and a renamed local: quiet */
// ok: MIG018
int pcie_cap_slot_pre_save(void *opaque)
{
    PCIDevice *pdev = PCI_DEVICE(opaque);

    trace_pcie_cap_slot_pre_save(pdev->devfn);
    pdev->exp.saved = 1; /* keep the old wire value */
    return 0;
}

/* hook-shaped but no vmsd names it: quiet */
// ok: MIG018
int pcie_timer_cb(void *opaque)
{
    PCIDevice *dev = opaque;

    pcie_cap_update_power(dev);
    return dev->exp.hpev_notified;
}
