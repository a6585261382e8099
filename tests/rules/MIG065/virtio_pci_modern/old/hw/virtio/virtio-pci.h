/* virtio-pci proxy (migcheck fixture: MIG065 virtio_pci_modern, minimised from dfb8e184db75) */
struct VirtIOPCIProxy {
    PCIDevice pci_dev;
    MemoryRegion bar;
    uint32_t flags;
    uint32_t class_code;
    uint32_t nvectors;
    VirtioBusState bus;
};
