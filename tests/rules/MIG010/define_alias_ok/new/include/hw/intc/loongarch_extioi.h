/* LoongArch extioi (migcheck fixture: MIG010 define_alias_ok, from c169b51b1720): the
 * instance struct is a #define alias of the common state struct */
#ifndef LOONGARCH_EXTIOI_H
#define LOONGARCH_EXTIOI_H

#include "hw/sysbus.h"

typedef struct LoongArchExtIOICommonState {
    SysBusDevice parent_obj;
    uint32_t num_cpu;
    uint32_t features;
    uint32_t status;
    uint32_t bounce[8];
} LoongArchExtIOICommonState;

#define LoongArchExtIOI LoongArchExtIOICommonState
#define TYPE_LOONGARCH_EXTIOI "loongarch.extioi"
OBJECT_DECLARE_SIMPLE_TYPE(LoongArchExtIOI, LOONGARCH_EXTIOI)

#endif
