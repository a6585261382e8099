/* cpu_exec_init after the fix (migcheck fixture: MIG026, from fe31e7374299) */
#include "qemu-common.h"
#include "migration/vmstate.h"

const VMStateDescription vmstate_cpu_common = {
    .name = "cpu_common",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(halted, CPUState),
        VMSTATE_UINT32(interrupt_request, CPUState),
        VMSTATE_END_OF_LIST()
    }
};

void cpu_exec_init(CPUArchState *env)
{
    CPUState *cpu = ENV_GET_CPU(env);
    CPUClass *cc = CPU_GET_CLASS(cpu);
    int cpu_index = 0;

    cpu->cpu_index = cpu_index;
    if (cc->vmsd == NULL) {
        vmstate_register(NULL, cpu_index, &vmstate_cpu_common, cpu);
    } else {
        vmstate_register(NULL, cpu_index, cc->vmsd, cpu);
    }
}
