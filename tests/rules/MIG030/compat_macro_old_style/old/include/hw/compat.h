/* Compat lists as macros, before QEMU 3.1 (migcheck fixture, like 829600a51938) */
#ifndef HW_COMPAT_H
#define HW_COMPAT_H

#define HW_COMPAT_2_11 \
    /* empty */

#define HW_COMPAT_2_10 \
    {\
        .driver   = "virtio-mouse-device",\
        .property = "wheel-axis",\
        .value    = "false",\
    },

#endif /* HW_COMPAT_H */
