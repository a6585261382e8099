/* virtio-pci proxy (migcheck fixture: MIG065 virtio_pci_saved_ok: MIG065 negative, the registers go through save_config) */
struct VirtIOPCIProxy {
    PCIDevice pci_dev;
    MemoryRegion bar;
    uint32_t flags;
    uint32_t class_code;
    uint32_t nvectors;
    VirtioBusState bus;
};
