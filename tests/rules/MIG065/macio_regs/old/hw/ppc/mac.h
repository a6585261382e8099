/* macio IDE state (migcheck fixture: MIG065 macio_regs, minimised from 4f7265ff177d) */
typedef struct MACIOIDEState {
    SysBusDevice parent_obj;
    qemu_irq irq;
    qemu_irq dma_irq;
    MemoryRegion mem;
    IDEBus bus;
    bool dma_active;
} MACIOIDEState;
