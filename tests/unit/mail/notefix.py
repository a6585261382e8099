"""A device that only an unversioned board creates (so no released machine type carries it)
and a patch removing one of its vmstate fields: `migcheck check` reports MIG002 on it as a
note ("note only: ..."), the whole-tree views being what tells."""

from __future__ import annotations

BAR_C = b"""/*
 * A board-only device of an unversioned board.
 */

#include "qemu/osdep.h"
#include "hw/sysbus.h"

typedef struct BarState {
    SysBusDevice parent_obj;
    uint32_t ctrl;
    uint32_t level;
    uint32_t mode;
} BarState;

static const VMStateDescription vmstate_bar = {
    .name = "bar",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, BarState),
        VMSTATE_UINT32(level, BarState),
        VMSTATE_UINT32(mode, BarState),
        VMSTATE_END_OF_LIST()
    }
};

static void bar_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_bar;
}

static const TypeInfo bar_info = {
    .name          = "bar-board-dev",
    .parent        = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(BarState),
    .class_init    = bar_class_init,
};

static void bar_register_types(void)
{
    type_register_static(&bar_info);
}

type_init(bar_register_types)
"""

DROP_LEVEL = (
    "hw/misc/bar: drop the level register",
    """It was never used.

Signed-off-by: Ada Example <ada@example.org>
---
diff --git a/hw/misc/bar.c b/hw/misc/bar.c
--- a/hw/misc/bar.c
+++ b/hw/misc/bar.c
@@ -19,7 +19,6 @@ static const VMStateDescription vmstate_bar = {
     .minimum_version_id = 1,
     .fields = (const VMStateField[]) {
         VMSTATE_UINT32(ctrl, BarState),
-        VMSTATE_UINT32(level, BarState),
         VMSTATE_UINT32(mode, BarState),
         VMSTATE_END_OF_LIST()
     }
""",
)
