/* A device ROM renamed and a RAM block resized (migcheck fixture: MIG052) */
// fixture-path: hw/misc/baz.c
#include "hw/sysbus.h"

static void baz_realize(DeviceState *dev, Error **errp)
{
    BazState *s = BAZ(dev);

    memory_region_init_rom(&s->rom, OBJECT(dev), "baz-firmware", BAZ_ROM_SIZE, errp); // expect: MIG052
    memory_region_init_ram(&s->buf, OBJECT(dev), "baz.buf", 0x2000, errp); // expect: MIG052
}
