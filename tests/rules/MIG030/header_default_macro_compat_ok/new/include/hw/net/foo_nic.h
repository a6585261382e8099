/* Foo NIC (migcheck fixture) */
#ifndef HW_NET_FOO_NIC_H
#define HW_NET_FOO_NIC_H

#define TYPE_FOO_NIC "foo-nic"
// ok: MIG030
#define FOO_NIC_DEFAULT_VECTORS 4

#endif
