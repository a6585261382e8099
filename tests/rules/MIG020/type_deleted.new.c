/* IRQ gate device (migcheck fixture: MIG020 type_deleted, like 2bd84b6818) */
// fixture-path: hw/intc/irq_gate.c
// fixture-rules: MIG020 MIG021 MIG022 MIG023 MIG024 MIG030 MIG031 MIG032 MIG033 MIG034 MIG035 MIG036
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"

/* replaced by TYPE_OR_IRQ */
