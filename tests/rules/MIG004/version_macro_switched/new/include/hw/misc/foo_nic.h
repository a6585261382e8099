/* Foo NIC (migcheck fixture: MIG004 version_macro_switched: versions named in a header) */
#ifndef HW_FOO_NIC_H
#define HW_FOO_NIC_H

#define FOO_NIC_VM_V1 1
#define FOO_NIC_VM_V2 2

typedef struct FooNICState {
    DeviceState parent_obj;
    uint32_t mac_lo;
    uint32_t mac_hi;
    uint32_t tso;
} FooNICState;

#endif
