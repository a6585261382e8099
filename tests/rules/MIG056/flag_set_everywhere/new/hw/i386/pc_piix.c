/* i440fx machine types (migcheck fixture: MIG056 flag_set_everywhere: the unversioned machines set it too) */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "hw/i386/pc.h"

static void pc_i440fx_machine_options(MachineClass *m)
{
    m->family = "pc_piix";
    m->desc = "Standard PC (i440FX + PIIX, 1996)";
}

static void pc_i440fx_4_0_machine_options(MachineClass *m)
{
    pc_i440fx_machine_options(m);
    m->alias = "pc";
    m->is_default = 1;
}

DEFINE_I440FX_MACHINE(v4_0, "pc-i440fx-4.0", NULL,
                      pc_i440fx_4_0_machine_options);

static void pc_i440fx_3_1_machine_options(MachineClass *m)
{
    pc_i440fx_4_0_machine_options(m);
    m->is_default = 0;
    m->smbus_no_migration_support = true;
    m->nvdimm_supported = false;
    m->alias = NULL;
}

DEFINE_I440FX_MACHINE(v3_1, "pc-i440fx-3.1", NULL,
                      pc_i440fx_3_1_machine_options);

static void pc_i440fx_3_0_machine_options(MachineClass *m)
{
    pc_i440fx_3_1_machine_options(m);
}

DEFINE_I440FX_MACHINE(v3_0, "pc-i440fx-3.0", NULL,
                      pc_i440fx_3_0_machine_options);

static void isapc_machine_options(MachineClass *m) // ok: MIG056
{
    m->desc = "ISA-only PC";
    m->smbus_no_migration_support = true;
    m->max_cpus = 1;
}

DEFINE_PC_MACHINE(isapc, "isapc", pc_init_isa,
                  isapc_machine_options);

static void pcfix_machine_options(MachineClass *m) // ok: MIG056
{
    pc_i440fx_3_1_machine_options(m);
    m->desc = "Fixture PC, frozen at 3.1";
}

DEFINE_PC_MACHINE(pcfix, "pcfix", pc_init_isa,
                  pcfix_machine_options);

#ifdef CONFIG_XEN
static void xenfv_machine_options(MachineClass *m) // ok: MIG056
{
    m->desc = "Xen Fully-virtualized PC";
    m->smbus_no_migration_support = true;
    m->max_cpus = HVM_MAX_VCPUS;
}

DEFINE_PC_MACHINE(xenfv, "xenfv", pc_xen_hvm_init,
                  xenfv_machine_options);
#endif
