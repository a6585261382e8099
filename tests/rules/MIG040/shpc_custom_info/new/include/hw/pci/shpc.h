/* include/hw/pci/shpc.h and pci.h of a35fe226558a, minimised (migcheck fixture: MIG040):
 * PCIDevice.shpc is a pointer; SHPC_VMSTATE's own VMStateInfo (shpc_vmstate_info) follows
 * it in .get/.put, so VMSTATE_BUFFER_UNSAFE_INFO on the pointer member is right. */
#ifndef SHPC_H
#define SHPC_H

typedef struct SHPCDevice {
    int nslots;
    uint8_t *config;
} SHPCDevice;

typedef struct PCIDevice {
    uint8_t *config;
    SHPCDevice *shpc;
} PCIDevice;

typedef struct PCIEPCIBridge {
    PCIBridge parent_obj;
    uint32_t foo;
    uint32_t *regs;
} PCIEPCIBridge;

extern VMStateInfo shpc_vmstate_info;

#define SHPC_VMSTATE(_field, _type,  _test) \
    VMSTATE_BUFFER_UNSAFE_INFO_TEST(_field, _type, _test, 0, \
                                    shpc_vmstate_info, 0)

#endif
