/* zPCI host bridge plug (migcheck fixture: MIG051 member_null_check: the slot is tested, not a call result) */
// fixture-path: hw/s390x/s390-pci-bus.c
#include "hw/qdev-core.h"

static void s390_pcihost_hot_plug(HotplugHandler *hotplug_dev,
                                  DeviceState *dev, Error **errp)
{
    S390pciState *s = S390_PCI_HOST_BRIDGE(hotplug_dev);
    S390PCIBusDevice *pbdev;

    pbdev = &s->pbdev[PCI_SLOT(pci_dev->devfn)];
    pbdev->fid = s390_pci_get_pfid(pci_dev);
}
