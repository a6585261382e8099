/* An I2C bus's own state (migcheck fixture: MIG001 bus_field_runtime_needed; 2293c27faddf
 * added `broadcast` to vmstate_i2c_bus: a bus has no Property array for a compat gate) */
// fixture-path: hw/i2c/core.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

struct I2CBus {
    BusState qbus;
    uint8_t saved_address;
    bool broadcast;
};

static const VMStateDescription vmstate_i2c_bus = {
    .name = "i2c_bus",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(saved_address, I2CBus),
        VMSTATE_BOOL(broadcast, I2CBus), // expect: MIG001
        VMSTATE_END_OF_LIST()
    }
};

I2CBus *i2c_init_bus(DeviceState *parent, const char *name)
{
    I2CBus *bus = I2C_BUS(qbus_create(TYPE_I2C_BUS, parent, name));
    vmstate_register(NULL, VMSTATE_INSTANCE_ID_ANY, &vmstate_i2c_bus, bus);
    return bus;
}
