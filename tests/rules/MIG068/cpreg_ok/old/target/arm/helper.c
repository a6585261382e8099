/* ARM system registers (migcheck fixture: MIG068 cpreg_ok, minimised from ef1febe758) */
#include "qemu/osdep.h"
#include "cpu.h"

static void add_cpregs(ARMCPU *cpu)
{
}
