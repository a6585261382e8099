/* Foo NIC (migcheck fixture) */
#ifndef HW_NET_FOO_NIC_H
#define HW_NET_FOO_NIC_H

#define TYPE_FOO_NIC "foo-nic"
/* two more vectors by default; no compat entry for old machine types */
// expect: MIG030
#define FOO_NIC_DEFAULT_VECTORS 4

#endif
