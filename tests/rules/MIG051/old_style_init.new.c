/* qdev init of 2012: rejects a configuration with error_report and -1 (migcheck fixture:
 * MIG051, older code style) */
// fixture-path: hw/net/bar_nic.c
#include "hw/qdev.h"
#include "hw/pci.h"

static int pci_bar_nic_init(PCIDevice *pci_dev)
{
    BarNicState *s = DO_UPCAST(BarNicState, dev, pci_dev);

    if (!s->conf.peer) {
        error_report("bar-nic: netdev is required");
        return -1;
    }
    if (s->conf.queues > 4) {
        error_report("bar-nic: at most 4 queues"); // expect: MIG051
        return -1;
    }
    bar_nic_reset(s);
    return 0;
}

static void bar_nic_class_init(ObjectClass *klass, void *data)
{
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->init = pci_bar_nic_init;
    if (!klass) {
        error_report("bar-nic: no class"); // ok: MIG051 (class_init is no realize)
        return;
    }
}
