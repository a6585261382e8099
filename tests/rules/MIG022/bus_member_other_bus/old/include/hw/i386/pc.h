/* PC machine state (migcheck fixture: MIG022, minimised from b54a9d46a0fe
 * "hw/i386/pc: Rename "bus" attribute to "pcibus"") */
struct PCMachineState {
    X86MachineState parent_obj;
    Notifier machine_done;
    PCIBus *bus;
    I2CBus *smbus;
    PCIBus *pcibus;
};
