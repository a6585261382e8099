/* Sample board declarations for `migcheck demo`. */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

extern GlobalProperty hw_compat_10_1[];
extern const size_t hw_compat_10_1_len;

extern GlobalProperty hw_compat_10_0[];
extern const size_t hw_compat_10_0_len;

#endif
