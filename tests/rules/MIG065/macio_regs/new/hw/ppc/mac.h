/* macio IDE state (migcheck fixture: MIG065 macio_regs, minimised from 4f7265ff177d) */
typedef struct MACIOIDEState {
    SysBusDevice parent_obj;
    qemu_irq real_ide_irq;
    qemu_irq real_dma_irq;
    qemu_irq ide_irq;
    qemu_irq dma_irq;
    MemoryRegion mem;
    IDEBus bus;
    bool dma_active;
    uint32_t timing_reg;
    uint32_t irq_reg;
} MACIOIDEState;
