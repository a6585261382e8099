/* A device with hand-written migration (migcheck fixture: MIG073) */
typedef struct FooState {
    uint32_t ctrl;
    uint32_t status;
    uint32_t count;
} FooState;
