// fixture-path: hw/pc_piix.c
static void pc_init_pci(ram_addr_t ram_size)
{
    pc_init1(ram_size, 1, 1);
}

#define PC_COMPAT_0_12 \
        {\
            .driver   = "virtio-serial-pci",\
            .property = "max_ports",\
            .value    = stringify(1),\
        },{\
            .driver   = "virtio-blk-pci",\
            .property = "vectors",\
            .value    = stringify(0),\
        }

static QEMUMachine pc_machine_v0_12 = {
    .name = "pc-0.12",
    .desc = "Standard PC",
    .init = pc_init_pci,
    .compat_props = (GlobalProperty[]) {
        PC_COMPAT_0_12,
        { /* end of list */ }
    }
};

#define PC_COMPAT_0_11 \
        PC_COMPAT_0_12

/* the refactor dropped { "PCI", "rombar", "0" } from pc-0.11 */
// expect: MIG039
static QEMUMachine pc_machine_v0_11 = {
    .name = "pc-0.11",
    .desc = "Standard PC, qemu 0.11",
    .init = pc_init_pci,
    .compat_props = (GlobalProperty[]) {
        PC_COMPAT_0_11,
        { /* end of list */ }
    }
};
