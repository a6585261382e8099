/* armv7m container (migcheck fixture: MIG010, from d5093d961585) */
// fixture-path: hw/arm/armv7m.c
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "hw/qdev-clock.h"
#include "migration/vmstate.h"

typedef struct SysTickState {
    SysBusDevice parent_obj;
    uint32_t control;
    Clock *refclk;
    Clock *cpuclk;
} SysTickState;

struct ARMv7MState {
    SysBusDevice parent_obj;
    SysTickState systick[2];
    MemoryRegion container;
    Clock *refclk;
    Clock *cpuclk;
};

static const VMStateDescription vmstate_armv7m = {
    .name = "armv7m",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_CLOCK(refclk, SysTickState), // expect: MIG010
        VMSTATE_CLOCK(cpuclk, SysTickState),
        VMSTATE_END_OF_LIST()
    }
};

static void armv7m_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = armv7m_realize;
    dc->vmsd = &vmstate_armv7m; // expect: MIG024
}

static const TypeInfo armv7m_info = {
    .name = TYPE_ARMV7M,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(ARMv7MState),
    .instance_init = armv7m_instance_init,
    .class_init = armv7m_class_init,
};
