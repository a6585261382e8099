# ruff: noqa: E501
"""How each `VMSTATE_*` macro fills the VMStateField members `-dump-vmstate` prints.

The table restates, per macro of `include/migration/vmstate.h` (and the common device-family
wrappers), which argument becomes `.name`, `.version_id`, `.field_exists`, `.num`, `.size`,
`.vmsd` and `.flags`. It is used when the tree being rendered does not supply the macro's
definition itself (tests, partial trees); a definition found in the tree always wins.

Syntax: one `NAME(params) body` per line. A body is either another macro call (a wrapper) or
a designated initializer `{ .member = expr, ... }` (a base form). Only the members the dump
prints are kept.
"""

from __future__ import annotations

BUILTIN_MACROS = r"""
VMSTATE_SINGLE_TEST(_field, _state, _test, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .size = sizeof(_type), .flags = VMS_SINGLE }
VMSTATE_SINGLE_FULL(_field, _state, _test, _version, _info, _type, _err_hint) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .size = sizeof(_type), .flags = VMS_SINGLE }
VMSTATE_VALIDATE(_name, _test) { .name = (_name), .field_exists = (_test), .flags = VMS_ARRAY | VMS_MUST_EXIST, .num = 0 }
VMSTATE_POINTER(_field, _state, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .size = sizeof(_type), .flags = VMS_SINGLE|VMS_POINTER }
VMSTATE_POINTER_TEST(_field, _state, _test, _info, _type) { .name = (stringify(_field)), .field_exists = (_test), .size = sizeof(_type), .flags = VMS_SINGLE|VMS_POINTER }
VMSTATE_ARRAY(_field, _state, _num, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .num = (_num), .size = sizeof(_type), .flags = VMS_ARRAY }
VMSTATE_2DARRAY(_field, _state, _n1, _n2, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .num = (_n1) * (_n2), .size = sizeof(_type), .flags = VMS_ARRAY }
VMSTATE_VARRAY_MULTIPLY(_field, _state, _field_num, _multiply, _info, _type) { .name = (stringify(_field)), .num = (_multiply), .size = sizeof(_type), .flags = VMS_VARRAY_UINT32|VMS_MULTIPLY_ELEMENTS }
VMSTATE_SUB_ARRAY(_field, _state, _start, _num, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .num = (_num), .size = sizeof(_type), .flags = VMS_ARRAY }
VMSTATE_ARRAY_INT32_UNSAFE(_field, _state, _field_num, _info, _type) { .name = (stringify(_field)), .size = sizeof(_type), .flags = VMS_VARRAY_INT32 }
VMSTATE_VARRAY_INT32(_field, _state, _field_num, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .size = sizeof(_type), .flags = VMS_VARRAY_INT32|VMS_POINTER }
VMSTATE_VARRAY_UINT32(_field, _state, _field_num, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .size = sizeof(_type), .flags = VMS_VARRAY_UINT32|VMS_POINTER }
VMSTATE_VARRAY_UINT32_ALLOC(_field, _state, _field_num, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .size = sizeof(_type), .flags = VMS_VARRAY_UINT32|VMS_POINTER|VMS_ALLOC }
VMSTATE_VARRAY_UINT16_ALLOC(_field, _state, _field_num, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .size = sizeof(_type), .flags = VMS_VARRAY_UINT16|VMS_POINTER|VMS_ALLOC }
VMSTATE_VARRAY_UINT16_UNSAFE(_field, _state, _field_num, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .size = sizeof(_type), .flags = VMS_VARRAY_UINT16 }
VMSTATE_VSTRUCT_TEST(_field, _state, _test, _version, _vmsd, _type, _struct_version) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .vmsd = &(_vmsd), .size = sizeof(_type), .flags = VMS_VSTRUCT }
VMSTATE_STRUCT_TEST(_field, _state, _test, _version, _vmsd, _type) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .vmsd = &(_vmsd), .size = sizeof(_type), .flags = VMS_STRUCT }
VMSTATE_STRUCT_POINTER_V(_field, _state, _version, _vmsd, _type) { .name = (stringify(_field)), .version_id = (_version), .vmsd = &(_vmsd), .size = sizeof(_type *), .flags = VMS_STRUCT|VMS_POINTER }
VMSTATE_STRUCT_POINTER_TEST_V(_field, _state, _test, _version, _vmsd, _type) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .vmsd = &(_vmsd), .size = sizeof(_type *), .flags = VMS_STRUCT|VMS_POINTER }
VMSTATE_ARRAY_OF_POINTER(_field, _state, _num, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .num = (_num), .size = sizeof(_type), .flags = VMS_ARRAY|VMS_ARRAY_OF_POINTER }
VMSTATE_ARRAY_OF_POINTER_TO_STRUCT(_f, _s, _n, _v, _vmsd, _type) { .name = (stringify(_f)), .version_id = (_v), .num = (_n), .vmsd = &(_vmsd), .size = sizeof(_type *), .flags = VMS_ARRAY|VMS_STRUCT|VMS_ARRAY_OF_POINTER }
VMSTATE_VARRAY_OF_POINTER_UINT32(_field, _state, _field_num, _version, _info, _type) { .name = (stringify(_field)), .version_id = (_version), .size = sizeof(_type), .flags = VMS_VARRAY_UINT32|VMS_ARRAY_OF_POINTER|VMS_POINTER }
VMSTATE_STRUCT_SUB_ARRAY(_field, _state, _start, _num, _version, _vmsd, _type) { .name = (stringify(_field)), .version_id = (_version), .num = (_num), .vmsd = &(_vmsd), .size = sizeof(_type), .flags = VMS_STRUCT|VMS_ARRAY }
VMSTATE_STRUCT_ARRAY_TEST(_field, _state, _num, _test, _version, _vmsd, _type) { .name = (stringify(_field)), .num = (_num), .field_exists = (_test), .version_id = (_version), .vmsd = &(_vmsd), .size = sizeof(_type), .flags = VMS_STRUCT|VMS_ARRAY }
VMSTATE_STRUCT_2DARRAY_TEST(_field, _state, _n1, _n2, _test, _version, _vmsd, _type) { .name = (stringify(_field)), .num = (_n1) * (_n2), .field_exists = (_test), .version_id = (_version), .vmsd = &(_vmsd), .size = sizeof(_type), .flags = VMS_STRUCT|VMS_ARRAY }
VMSTATE_STRUCT_VARRAY_UINT8(_field, _state, _field_num, _version, _vmsd, _type) { .name = (stringify(_field)), .version_id = (_version), .vmsd = &(_vmsd), .size = sizeof(_type), .flags = VMS_STRUCT|VMS_VARRAY_UINT8 }
VMSTATE_STRUCT_VARRAY_POINTER_KNOWN(_field, _state, _num, _version, _vmsd, _type) { .name = (stringify(_field)), .num = (_num), .version_id = (_version), .vmsd = &(_vmsd), .size = sizeof(_type), .flags = VMS_STRUCT|VMS_ARRAY|VMS_POINTER }
VMSTATE_STRUCT_VARRAY_POINTER_INT32(_field, _state, _field_num, _vmsd, _type) { .name = (stringify(_field)), .version_id = 0, .size = sizeof(_type), .vmsd = &(_vmsd), .flags = VMS_POINTER | VMS_VARRAY_INT32 | VMS_STRUCT }
VMSTATE_STRUCT_VARRAY_POINTER_UINT32(_field, _state, _field_num, _vmsd, _type) { .name = (stringify(_field)), .version_id = 0, .size = sizeof(_type), .vmsd = &(_vmsd), .flags = VMS_POINTER | VMS_VARRAY_INT32 | VMS_STRUCT }
VMSTATE_STRUCT_VARRAY_POINTER_UINT16(_field, _state, _field_num, _vmsd, _type) { .name = (stringify(_field)), .version_id = 0, .size = sizeof(_type), .vmsd = &(_vmsd), .flags = VMS_POINTER | VMS_VARRAY_UINT16 | VMS_STRUCT }
VMSTATE_STRUCT_VARRAY_INT32(_field, _state, _field_num, _version, _vmsd, _type) { .name = (stringify(_field)), .version_id = (_version), .vmsd = &(_vmsd), .size = sizeof(_type), .flags = VMS_STRUCT|VMS_VARRAY_INT32 }
VMSTATE_STRUCT_VARRAY_UINT32(_field, _state, _field_num, _version, _vmsd, _type) { .name = (stringify(_field)), .version_id = (_version), .vmsd = &(_vmsd), .size = sizeof(_type), .flags = VMS_STRUCT|VMS_VARRAY_UINT32 }
VMSTATE_STRUCT_VARRAY_ALLOC(_field, _state, _field_num, _version, _vmsd, _type) { .name = (stringify(_field)), .version_id = (_version), .vmsd = &(_vmsd), .size = sizeof(_type), .flags = VMS_STRUCT|VMS_VARRAY_INT32|VMS_ALLOC|VMS_POINTER }
VMSTATE_STATIC_BUFFER(_field, _state, _version, _test, _start, _size) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .size = (_size - _start), .flags = VMS_BUFFER }
VMSTATE_VBUFFER_MULTIPLY(_field, _state, _version, _test, _field_size, _multiply) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .size = (_multiply), .flags = VMS_VBUFFER|VMS_POINTER|VMS_MULTIPLY }
VMSTATE_VBUFFER(_field, _state, _version, _test, _field_size) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .flags = VMS_VBUFFER|VMS_POINTER }
VMSTATE_VBUFFER_UINT32(_field, _state, _version, _test, _field_size) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .flags = VMS_VBUFFER|VMS_POINTER }
VMSTATE_VBUFFER_UINT64(_field, _state, _version, _test, _field_size) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .flags = VMS_VBUFFER | VMS_POINTER }
VMSTATE_VBUFFER_ALLOC_UINT32(_field, _state, _version, _test, _field_size) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .flags = VMS_VBUFFER|VMS_POINTER|VMS_ALLOC }
VMSTATE_BUFFER_UNSAFE_INFO_TEST(_field, _state, _test, _version, _info, _size) { .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), .size = (_size), .flags = VMS_BUFFER }
VMSTATE_BUFFER_POINTER_UNSAFE(_field, _state, _version, _size) { .name = (stringify(_field)), .version_id = (_version), .size = (_size), .flags = VMS_BUFFER | VMS_POINTER }
VMSTATE_WITH_TMP_TEST(_state, _test, _tmp_type, _vmsd) { .name = "tmp", .field_exists = (_test), .size = sizeof(_tmp_type), .vmsd = &(_vmsd) }
VMSTATE_WITH_TMP(_state, _tmp_type, _vmsd) VMSTATE_WITH_TMP_TEST(_state, NULL, _tmp_type, _vmsd)
VMSTATE_UNUSED_BUFFER(_test, _version, _size) { .name = "unused", .field_exists = (_test), .version_id = (_version), .size = (_size), .flags = VMS_BUFFER }
VMSTATE_UNUSED_VARRAY_UINT32(_state, _test, _version, _field_num, _size) { .name = "unused", .field_exists = (_test), .version_id = (_version), .size = (_size), .flags = VMS_VARRAY_UINT32 | VMS_BUFFER }
VMSTATE_BITMAP_TEST(_field, _state, _test, _version, _field_size) { .name = (stringify(_field)), .field_exists = (_test), .version_id = (_version), .flags = VMS_VBUFFER|VMS_POINTER }
VMSTATE_BITMAP(_field, _state, _version, _field_size) VMSTATE_BITMAP_TEST(_field, _state, NULL, _version, _field_size)
VMSTATE_QTAILQ_V(_field, _state, _version, _vmsd, _type, _next) { .name = (stringify(_field)), .version_id = (_version), .vmsd = &(_vmsd), .size = sizeof(_type) }
VMSTATE_GTREE_V(_field, _state, _version, _vmsd, _key_type, _val_type) { .name = (stringify(_field)), .version_id = (_version), .vmsd = (_vmsd), .size = sizeof(_val_type) }
VMSTATE_GTREE_DIRECT_KEY_V(_field, _state, _version, _vmsd, _val_type) { .name = (stringify(_field)), .version_id = (_version), .vmsd = (_vmsd), .size = sizeof(_val_type) }
VMSTATE_QLIST_V(_field, _state, _version, _vmsd, _type, _next) { .name = (stringify(_field)), .version_id = (_version), .vmsd = &(_vmsd), .size = sizeof(_type) }
VMSTATE_SINGLE(_field, _state, _version, _info, _type) VMSTATE_SINGLE_TEST(_field, _state, NULL, _version, _info, _type)
VMSTATE_VSTRUCT(_field, _state, _vmsd, _type, _struct_version) VMSTATE_VSTRUCT_TEST(_field, _state, NULL, 0, _vmsd, _type, _struct_version)
VMSTATE_VSTRUCT_V(_field, _state, _version, _vmsd, _type, _struct_version) VMSTATE_VSTRUCT_TEST(_field, _state, NULL, _version, _vmsd, _type, _struct_version)
VMSTATE_STRUCT(_field, _state, _version, _vmsd, _type) VMSTATE_STRUCT_TEST(_field, _state, NULL, _version, _vmsd, _type)
VMSTATE_STRUCT_POINTER(_field, _state, _vmsd, _type) VMSTATE_STRUCT_POINTER_V(_field, _state, 0, _vmsd, _type)
VMSTATE_STRUCT_POINTER_TEST(_field, _state, _test, _vmsd, _type) VMSTATE_STRUCT_POINTER_TEST_V(_field, _state, _test, 0, _vmsd, _type)
VMSTATE_STRUCT_ARRAY(_field, _state, _num, _version, _vmsd, _type) VMSTATE_STRUCT_ARRAY_TEST(_field, _state, _num, NULL, _version, _vmsd, _type)
VMSTATE_STRUCT_2DARRAY(_field, _state, _n1, _n2, _version, _vmsd, _type) VMSTATE_STRUCT_2DARRAY_TEST(_field, _state, _n1, _n2, NULL, _version, _vmsd, _type)
VMSTATE_BUFFER_UNSAFE_INFO(_field, _state, _version, _info, _size) VMSTATE_BUFFER_UNSAFE_INFO_TEST(_field, _state, NULL, _version, _info, _size)
VMSTATE_BOOL_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_bool, bool)
VMSTATE_INT8_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_int8, int8_t)
VMSTATE_INT16_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_int16, int16_t)
VMSTATE_INT32_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_int32, int32_t)
VMSTATE_INT64_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_int64, int64_t)
VMSTATE_UINT8_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_uint8, uint8_t)
VMSTATE_UINT16_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_uint16, uint16_t)
VMSTATE_UINT32_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_uint32, uint32_t)
VMSTATE_UINT64_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_uint64, uint64_t)
VMSTATE_FD_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_fd, int32_t)
VMSTATE_U8_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_uint8, __u8)
VMSTATE_U16_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_uint16, __u16)
VMSTATE_U32_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_uint32, __u32)
VMSTATE_U64_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_uint64, __u64)
VMSTATE_BOOL(_f, _s) VMSTATE_BOOL_V(_f, _s, 0)
VMSTATE_INT8(_f, _s) VMSTATE_INT8_V(_f, _s, 0)
VMSTATE_INT16(_f, _s) VMSTATE_INT16_V(_f, _s, 0)
VMSTATE_INT32(_f, _s) VMSTATE_INT32_V(_f, _s, 0)
VMSTATE_INT64(_f, _s) VMSTATE_INT64_V(_f, _s, 0)
VMSTATE_UINT8(_f, _s) VMSTATE_UINT8_V(_f, _s, 0)
VMSTATE_UINT16(_f, _s) VMSTATE_UINT16_V(_f, _s, 0)
VMSTATE_UINT32(_f, _s) VMSTATE_UINT32_V(_f, _s, 0)
VMSTATE_UINT64(_f, _s) VMSTATE_UINT64_V(_f, _s, 0)
VMSTATE_FD(_f, _s) VMSTATE_FD_V(_f, _s, 0)
VMSTATE_U8(_f, _s) VMSTATE_U8_V(_f, _s, 0)
VMSTATE_U16(_f, _s) VMSTATE_U16_V(_f, _s, 0)
VMSTATE_U32(_f, _s) VMSTATE_U32_V(_f, _s, 0)
VMSTATE_U64(_f, _s) VMSTATE_U64_V(_f, _s, 0)
VMSTATE_UINT8_EQUAL(_f, _s, _err_hint) VMSTATE_SINGLE_FULL(_f, _s, 0, 0, vmstate_info_uint8_equal, uint8_t, _err_hint)
VMSTATE_UINT16_EQUAL(_f, _s, _err_hint) VMSTATE_SINGLE_FULL(_f, _s, 0, 0, vmstate_info_uint16_equal, uint16_t, _err_hint)
VMSTATE_UINT16_EQUAL_V(_f, _s, _v, _err_hint) VMSTATE_SINGLE_FULL(_f, _s, 0, _v, vmstate_info_uint16_equal, uint16_t, _err_hint)
VMSTATE_INT32_EQUAL(_f, _s, _err_hint) VMSTATE_SINGLE_FULL(_f, _s, 0, 0, vmstate_info_int32_equal, int32_t, _err_hint)
VMSTATE_UINT32_EQUAL_V(_f, _s, _v, _err_hint) VMSTATE_SINGLE_FULL(_f, _s, 0, _v, vmstate_info_uint32_equal, uint32_t, _err_hint)
VMSTATE_UINT32_EQUAL(_f, _s, _err_hint) VMSTATE_UINT32_EQUAL_V(_f, _s, 0, _err_hint)
VMSTATE_UINT64_EQUAL_V(_f, _s, _v, _err_hint) VMSTATE_SINGLE_FULL(_f, _s, 0, _v, vmstate_info_uint64_equal, uint64_t, _err_hint)
VMSTATE_UINT64_EQUAL(_f, _s, _err_hint) VMSTATE_UINT64_EQUAL_V(_f, _s, 0, _err_hint)
VMSTATE_INT32_POSITIVE_LE(_f, _s) VMSTATE_SINGLE(_f, _s, 0, vmstate_info_int32_le, int32_t)
VMSTATE_BOOL_TEST(_f, _s, _t) VMSTATE_SINGLE_TEST(_f, _s, _t, 0, vmstate_info_bool, bool)
VMSTATE_INT8_TEST(_f, _s, _t) VMSTATE_SINGLE_TEST(_f, _s, _t, 0, vmstate_info_int8, int8_t)
VMSTATE_INT16_TEST(_f, _s, _t) VMSTATE_SINGLE_TEST(_f, _s, _t, 0, vmstate_info_int16, int16_t)
VMSTATE_INT32_TEST(_f, _s, _t) VMSTATE_SINGLE_TEST(_f, _s, _t, 0, vmstate_info_int32, int32_t)
VMSTATE_INT64_TEST(_f, _s, _t) VMSTATE_SINGLE_TEST(_f, _s, _t, 0, vmstate_info_int64, int64_t)
VMSTATE_UINT8_TEST(_f, _s, _t) VMSTATE_SINGLE_TEST(_f, _s, _t, 0, vmstate_info_uint8, uint8_t)
VMSTATE_UINT16_TEST(_f, _s, _t) VMSTATE_SINGLE_TEST(_f, _s, _t, 0, vmstate_info_uint16, uint16_t)
VMSTATE_UINT32_TEST(_f, _s, _t) VMSTATE_SINGLE_TEST(_f, _s, _t, 0, vmstate_info_uint32, uint32_t)
VMSTATE_UINT64_TEST(_f, _s, _t) VMSTATE_SINGLE_TEST(_f, _s, _t, 0, vmstate_info_uint64, uint64_t)
VMSTATE_FD_TEST(_f, _s, _t) VMSTATE_SINGLE_TEST(_f, _s, _t, 0, vmstate_info_fd, int32_t)
VMSTATE_TIMER_PTR_TEST(_f, _s, _test) VMSTATE_POINTER_TEST(_f, _s, _test, vmstate_info_timer, QEMUTimer *)
VMSTATE_TIMER_PTR_V(_f, _s, _v) VMSTATE_POINTER(_f, _s, _v, vmstate_info_timer, QEMUTimer *)
VMSTATE_TIMER_PTR(_f, _s) VMSTATE_TIMER_PTR_V(_f, _s, 0)
VMSTATE_TIMER_PTR_ARRAY(_f, _s, _n) VMSTATE_ARRAY_OF_POINTER(_f, _s, _n, 0, vmstate_info_timer, QEMUTimer *)
VMSTATE_TIMER_TEST(_f, _s, _test) VMSTATE_SINGLE_TEST(_f, _s, _test, 0, vmstate_info_timer, QEMUTimer)
VMSTATE_TIMER_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_timer, QEMUTimer)
VMSTATE_TIMER(_f, _s) VMSTATE_TIMER_V(_f, _s, 0)
VMSTATE_TIMER_ARRAY(_f, _s, _n) VMSTATE_ARRAY(_f, _s, _n, 0, vmstate_info_timer, QEMUTimer)
VMSTATE_BOOL_ARRAY_V(_f, _s, _n, _v) VMSTATE_ARRAY(_f, _s, _n, _v, vmstate_info_bool, bool)
VMSTATE_BOOL_ARRAY(_f, _s, _n) VMSTATE_BOOL_ARRAY_V(_f, _s, _n, 0)
VMSTATE_BOOL_SUB_ARRAY(_f, _s, _start, _num) VMSTATE_SUB_ARRAY(_f, _s, _start, _num, 0, vmstate_info_bool, bool)
VMSTATE_UINT16_ARRAY_V(_f, _s, _n, _v) VMSTATE_ARRAY(_f, _s, _n, _v, vmstate_info_uint16, uint16_t)
VMSTATE_UINT16_2DARRAY_V(_f, _s, _n1, _n2, _v) VMSTATE_2DARRAY(_f, _s, _n1, _n2, _v, vmstate_info_uint16, uint16_t)
VMSTATE_UINT16_ARRAY(_f, _s, _n) VMSTATE_UINT16_ARRAY_V(_f, _s, _n, 0)
VMSTATE_UINT16_SUB_ARRAY(_f, _s, _start, _num) VMSTATE_SUB_ARRAY(_f, _s, _start, _num, 0, vmstate_info_uint16, uint16_t)
VMSTATE_UINT16_2DARRAY(_f, _s, _n1, _n2) VMSTATE_UINT16_2DARRAY_V(_f, _s, _n1, _n2, 0)
VMSTATE_UINT8_2DARRAY_V(_f, _s, _n1, _n2, _v) VMSTATE_2DARRAY(_f, _s, _n1, _n2, _v, vmstate_info_uint8, uint8_t)
VMSTATE_UINT8_ARRAY_V(_f, _s, _n, _v) VMSTATE_ARRAY(_f, _s, _n, _v, vmstate_info_uint8, uint8_t)
VMSTATE_UINT8_ARRAY(_f, _s, _n) VMSTATE_UINT8_ARRAY_V(_f, _s, _n, 0)
VMSTATE_UINT8_SUB_ARRAY(_f, _s, _start, _num) VMSTATE_SUB_ARRAY(_f, _s, _start, _num, 0, vmstate_info_uint8, uint8_t)
VMSTATE_UINT8_2DARRAY(_f, _s, _n1, _n2) VMSTATE_UINT8_2DARRAY_V(_f, _s, _n1, _n2, 0)
VMSTATE_UINT32_ARRAY_V(_f, _s, _n, _v) VMSTATE_ARRAY(_f, _s, _n, _v, vmstate_info_uint32, uint32_t)
VMSTATE_UINT32_2DARRAY_V(_f, _s, _n1, _n2, _v) VMSTATE_2DARRAY(_f, _s, _n1, _n2, _v, vmstate_info_uint32, uint32_t)
VMSTATE_UINT32_ARRAY(_f, _s, _n) VMSTATE_UINT32_ARRAY_V(_f, _s, _n, 0)
VMSTATE_UINT32_SUB_ARRAY(_f, _s, _start, _num) VMSTATE_SUB_ARRAY(_f, _s, _start, _num, 0, vmstate_info_uint32, uint32_t)
VMSTATE_UINT32_2DARRAY(_f, _s, _n1, _n2) VMSTATE_UINT32_2DARRAY_V(_f, _s, _n1, _n2, 0)
VMSTATE_UINT64_ARRAY_V(_f, _s, _n, _v) VMSTATE_ARRAY(_f, _s, _n, _v, vmstate_info_uint64, uint64_t)
VMSTATE_UINT64_ARRAY(_f, _s, _n) VMSTATE_UINT64_ARRAY_V(_f, _s, _n, 0)
VMSTATE_UINT64_SUB_ARRAY(_f, _s, _start, _num) VMSTATE_SUB_ARRAY(_f, _s, _start, _num, 0, vmstate_info_uint64, uint64_t)
VMSTATE_UINT64_2DARRAY(_f, _s, _n1, _n2) VMSTATE_UINT64_2DARRAY_V(_f, _s, _n1, _n2, 0)
VMSTATE_UINT64_2DARRAY_V(_f, _s, _n1, _n2, _v) VMSTATE_2DARRAY(_f, _s, _n1, _n2, _v, vmstate_info_uint64, uint64_t)
VMSTATE_INT16_ARRAY_V(_f, _s, _n, _v) VMSTATE_ARRAY(_f, _s, _n, _v, vmstate_info_int16, int16_t)
VMSTATE_INT16_ARRAY(_f, _s, _n) VMSTATE_INT16_ARRAY_V(_f, _s, _n, 0)
VMSTATE_INT32_ARRAY_V(_f, _s, _n, _v) VMSTATE_ARRAY(_f, _s, _n, _v, vmstate_info_int32, int32_t)
VMSTATE_INT32_ARRAY(_f, _s, _n) VMSTATE_INT32_ARRAY_V(_f, _s, _n, 0)
VMSTATE_INT64_ARRAY_V(_f, _s, _n, _v) VMSTATE_ARRAY(_f, _s, _n, _v, vmstate_info_int64, int64_t)
VMSTATE_INT64_ARRAY(_f, _s, _n) VMSTATE_INT64_ARRAY_V(_f, _s, _n, 0)
VMSTATE_CPUDOUBLE_ARRAY_V(_f, _s, _n, _v) VMSTATE_ARRAY(_f, _s, _n, _v, vmstate_info_cpudouble, CPU_DoubleU)
VMSTATE_CPUDOUBLE_ARRAY(_f, _s, _n) VMSTATE_CPUDOUBLE_ARRAY_V(_f, _s, _n, 0)
VMSTATE_BUFFER_V(_f, _s, _v) VMSTATE_STATIC_BUFFER(_f, _s, _v, NULL, 0, sizeof(typeof_field(_s, _f)))
VMSTATE_BUFFER(_f, _s) VMSTATE_BUFFER_V(_f, _s, 0)
VMSTATE_PARTIAL_BUFFER(_f, _s, _size) VMSTATE_STATIC_BUFFER(_f, _s, 0, NULL, 0, _size)
VMSTATE_BUFFER_START_MIDDLE_V(_f, _s, _start, _v) VMSTATE_STATIC_BUFFER(_f, _s, _v, NULL, _start, sizeof(typeof_field(_s, _f)))
VMSTATE_BUFFER_START_MIDDLE(_f, _s, _start) VMSTATE_BUFFER_START_MIDDLE_V(_f, _s, _start, 0)
VMSTATE_PARTIAL_VBUFFER(_f, _s, _size) VMSTATE_VBUFFER(_f, _s, 0, NULL, _size)
VMSTATE_PARTIAL_VBUFFER_UINT32(_f, _s, _size) VMSTATE_VBUFFER_UINT32(_f, _s, 0, NULL, _size)
VMSTATE_BUFFER_TEST(_f, _s, _test) VMSTATE_STATIC_BUFFER(_f, _s, 0, _test, 0, sizeof(typeof_field(_s, _f)))
VMSTATE_BUFFER_UNSAFE(_field, _state, _version, _size) VMSTATE_BUFFER_UNSAFE_INFO(_field, _state, _version, vmstate_info_buffer, _size)
VMSTATE_UNUSED_V(_v, _size) VMSTATE_UNUSED_BUFFER(NULL, _v, _size)
VMSTATE_UNUSED(_size) VMSTATE_UNUSED_V(0, _size)
VMSTATE_UNUSED_TEST(_test, _size) VMSTATE_UNUSED_BUFFER(_test, 0, _size)
VMSTATE_END_OF_LIST() { .flags = VMS_END }
VMSTATE_PCI_DEVICE(_field, _state) { .name = (stringify(_field)), .size = sizeof(PCIDevice), .vmsd = &vmstate_pci_device, .flags = VMS_STRUCT }
VMSTATE_PCI_DEVICE_POINTER(_field, _state) { .name = (stringify(_field)), .size = sizeof(PCIDevice), .vmsd = &vmstate_pci_device, .flags = VMS_STRUCT | VMS_POINTER }
VMSTATE_USB_DEVICE(_field, _state) { .name = (stringify(_field)), .size = sizeof(USBDevice), .vmsd = &vmstate_usb_device, .flags = VMS_STRUCT }
VMSTATE_I2C_SLAVE(_field, _state) { .name = (stringify(_field)), .size = sizeof(I2CSlave), .vmsd = &vmstate_i2c_slave, .flags = VMS_STRUCT }
VMSTATE_MSIX_TEST(_field, _state, _test) { .name = (stringify(_field)), .field_exists = (_test), .size = sizeof(PCIDevice), .vmsd = &vmstate_msix, .flags = VMS_STRUCT }
VMSTATE_MSIX(_f, _s) VMSTATE_MSIX_TEST(_f, _s, NULL)
VMSTATE_FIFO8_TEST(_field, _state, _test) { .name = (stringify(_field)), .field_exists = (_test), .size = sizeof(Fifo8), .vmsd = &vmstate_fifo8, .flags = VMS_STRUCT }
VMSTATE_FIFO8(_field, _state) VMSTATE_FIFO8_TEST(_field, _state, NULL)
VMSTATE_PTIMER(_field, _state) VMSTATE_STRUCT_POINTER_V(_field, _state, 1, vmstate_ptimer, ptimer_state)
VMSTATE_PTIMER_ARRAY(_f, _s, _n) VMSTATE_ARRAY_OF_POINTER_TO_STRUCT(_f, _s, _n, 0, vmstate_ptimer, ptimer_state)
VMSTATE_CLOCK(field, state) VMSTATE_CLOCK_V(field, state, 0)
VMSTATE_CLOCK_V(field, state, version) VMSTATE_STRUCT_POINTER_V(field, state, version, vmstate_clock, Clock)
VMSTATE_ARRAY_CLOCK(field, state, num) VMSTATE_ARRAY_CLOCK_V(field, state, num, 0)
VMSTATE_ARRAY_CLOCK_V(field, state, num, version) VMSTATE_ARRAY_OF_POINTER_TO_STRUCT(field, state, num, version, vmstate_clock, Clock)
VMSTATE_MACADDR(_field, _state) { .name = (stringify(_field)), .size = sizeof(MACAddr), .flags = VMS_BUFFER }
VMSTATE_VIRTIO_DEVICE { .name = "virtio", .flags = VMS_SINGLE }
"""
