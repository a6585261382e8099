/* hw/pci-bridge/pcie_pci_bridge.c as a35fe226558a added it, minimised (migcheck fixture:
 * MIG040); `regs` is a made-up pointer member saved with the inline macro: the positive. */
#include "qemu/osdep.h"
#include "hw/pci/shpc.h"

static const VMStateDescription pcie_pci_bridge_dev_vmstate = {
        .name = TYPE_PCIE_PCI_BRIDGE_DEV,
        .version_id = 1,
        .minimum_version_id = 1,
        .fields = (VMStateField[]) {
            VMSTATE_PCI_DEVICE(parent_obj, PCIBridge),
            SHPC_VMSTATE(shpc, PCIDevice, NULL), // ok: MIG040
            VMSTATE_SINGLE(regs, PCIEPCIBridge, 0, vmstate_info_foo_regs, uint32_t *), // ok: MIG040
            VMSTATE_BUFFER_UNSAFE(regs, PCIEPCIBridge, 0, 64), // expect: MIG040
            VMSTATE_END_OF_LIST()
        }
};
