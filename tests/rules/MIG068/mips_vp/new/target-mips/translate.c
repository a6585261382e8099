/* MIPS translation (migcheck fixture: MIG068, minimised from 01bc435b44b8) */
#include "qemu/osdep.h"
#include "cpu.h"

static void gen_mfc0(DisasContext *ctx, TCGv arg, int reg, int sel)
{
    switch (reg) {
    case 0:
        switch (sel) {
        case 0:
            gen_mfc0_load32(arg, offsetof(CPUMIPSState, CP0_Index));
            break;
        case 4:
            gen_mfc0_load32(arg, offsetof(CPUMIPSState, CP0_VPControl));
            break;
        }
        break;
    case 15:
        gen_mfc0_load32(arg, offsetof(CPUMIPSState, CP0_GlobalNumber));
        break;
    default:
        break;
    }
}
