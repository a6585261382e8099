/* ARM A9 global timer, minimised from c21c3b53e122 (migcheck fixture: MIG075 constant_flag_ok) */
// fixture-path: hw/timer/a9gtimer.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

typedef struct A9GTimerState A9GTimerState;

typedef struct A9GTimerPerCPU {
    A9GTimerState *parent;
    uint32_t control; /* only per cpu banked bits valid */
    uint64_t compare;
} A9GTimerPerCPU;

struct A9GTimerState {
    SysBusDevice parent_obj;
    uint32_t num_cpu;
    uint64_t counter;
    uint32_t control; /* only non per cpu banked bits valid */
    uint32_t scratch; /* written and never read back */
    int full_update;
    A9GTimerPerCPU per_cpu[4];
};

static uint64_t a9_gtimer_read(void *opaque, hwaddr addr, unsigned size)
{
    A9GTimerPerCPU *gtb = opaque;
    A9GTimerState *s = gtb->parent;

    if (s->full_update) {
        s->counter = 0;
    }
    return s->control | gtb->control | s->counter;
}

static void a9_gtimer_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    A9GTimerPerCPU *gtb = opaque;
    A9GTimerState *s = gtb->parent;

    switch (addr) {
    case 0:
        s->counter = value;
        break;
    case 8:
        gtb->control = value & 0xff;
        s->control = value & ~0xff;
        s->scratch = value;
        s->full_update = 1;
        break;
    case 16:
        gtb->compare = value;
        break;
    }
}

static const MemoryRegionOps a9_gtimer_ops = {
    .read = a9_gtimer_read,
    .write = a9_gtimer_write,
};

static const VMStateDescription vmstate_a9_gtimer_per_cpu = {
    .name = "arm.cortex-a9-global-timer.percpu",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(control, A9GTimerPerCPU),
        VMSTATE_UINT64(compare, A9GTimerPerCPU),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_a9_gtimer = { // ok: MIG075
    .name = "arm.cortex-a9-global-timer",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT64(counter, A9GTimerState),
        VMSTATE_UINT32(control, A9GTimerState),
        VMSTATE_STRUCT_ARRAY(per_cpu, A9GTimerState, 4, 1,
                             vmstate_a9_gtimer_per_cpu, A9GTimerPerCPU),
        VMSTATE_END_OF_LIST()
    }
};

static Property a9_gtimer_properties[] = {
    DEFINE_PROP_UINT32("num-cpu", A9GTimerState, num_cpu, 0),
    DEFINE_PROP_END_OF_LIST()
};

static void a9_gtimer_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_a9_gtimer;
    dc->props = a9_gtimer_properties;
}
