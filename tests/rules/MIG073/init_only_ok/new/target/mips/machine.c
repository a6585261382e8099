/* MIPS CPU migration (migcheck fixture: MIG073) */
#include "internal.h"

static int get_tlb(QEMUFile *f, void *pv, size_t size, const VMStateField *field)
{
    r4k_tlb_t *v = pv;
    uint16_t flags;

    qemu_get_betls(f, &v->VPN);
    qemu_get_be32s(f, &v->PageMask);
    qemu_get_be16s(f, &v->ASID);
    qemu_get_be16s(f, &flags);
    v->G = (flags >> 10) & 1;
    qemu_get_be64s(f, &v->PFN[0]);
    qemu_get_be64s(f, &v->PFN[1]);
    return 0;
}

static int put_tlb(QEMUFile *f, void *pv, size_t size, const VMStateField *field,
                   QJSON *vmdesc)
{
    r4k_tlb_t *v = pv;
    uint16_t flags = v->G << 10;

    qemu_put_betls(f, &v->VPN);
    qemu_put_be32s(f, &v->PageMask);
    qemu_put_be16s(f, &v->ASID);
    qemu_put_be16s(f, &flags);
    qemu_put_be64s(f, &v->PFN[0]);
    qemu_put_be64s(f, &v->PFN[1]);
    return 0;
}

const VMStateInfo vmstate_info_tlb = {
    .name = "tlb_entry",
    .get  = get_tlb,
    .put  = put_tlb,
};
