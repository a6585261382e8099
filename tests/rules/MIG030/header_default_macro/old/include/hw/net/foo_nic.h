/* Foo NIC (migcheck fixture) */
#ifndef HW_NET_FOO_NIC_H
#define HW_NET_FOO_NIC_H

#define TYPE_FOO_NIC "foo-nic"
#define FOO_NIC_DEFAULT_VECTORS 2

#endif
