/*
 * The versioned board of the migcheck fixture tree: it has the fixtures' sysbus devices the
 * way pc_basic_device_init() (hw/i386/pc.c) has the HPET or the RTC, so a fixture device
 * reaches a versioned machine type as it would without a tree around it.
 */
#include "qemu/osdep.h"
#include "hw/sysbus.h"

void pc_fixture_devices_init(void)
{
    DeviceState *timer = qdev_new("foo-timer");
    DeviceState *foo = qdev_new("foo");
    DeviceState *ctrl = qdev_new("foo-timerctrl");

    sysbus_realize_and_unref(SYS_BUS_DEVICE(timer), &error_fatal);
    sysbus_realize_and_unref(SYS_BUS_DEVICE(foo), &error_fatal);
    sysbus_realize_and_unref(SYS_BUS_DEVICE(ctrl), &error_fatal);
}
