/* IRQ gate device (migcheck fixture: MIG020 type_deleted, like 2bd84b6818) */
// fixture-path: hw/intc/irq_gate.c
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"

/* replaced by TYPE_OR_IRQ */
