"""A tiny C project with QEMU's build shape: `configure` (run from the build dir) writes
build.ninja; ninja prints `[N/M]` lines; the product is `qemu-system-x86_64`, a wrapper that
execs the real Debian QEMU (so dumps and migrations run on what was "built")."""

from __future__ import annotations

import subprocess
from pathlib import Path

CONFIGURE = r"""#!/bin/sh
# Minimal configure: records its arguments and writes build.ninja for every src/*.c.
src=$(cd "$(dirname "$0")" && pwd)
echo "$@" > config.args
{
  echo "rule cc"
  echo "  command = cc -O0 -c \$in -o \$out"
  echo "  description = Compiling C object \$out"
  echo "rule link"
  echo "  command = cc \$in -o \$out"
  echo "  description = Linking target \$out"
  echo "rule script"
  echo "  command = sh \$in > \$out"
  echo "  description = Generating \$out"
  objs=""
  for c in "$src"/src/*.c; do
    o=$(basename "$c" .c).o
    echo "build $o: cc $c"
    objs="$objs $o"
  done
  # like meson: re-run configure when the source list changes
  echo "rule regen"
  echo "  command = $src/configure $*"
  echo "  generator = 1"
  echo "  description = Regenerating build files"
  echo "build build.ninja: regen $src/configure $src/src"
  echo "build gen.out: script $src/gen.sh"
  echo "build qemu-system-x86_64: link$objs || gen.out"
  echo "default qemu-system-x86_64"
} > build.ninja
echo "configured with: $*"
"""

MAIN_C = r"""#include <unistd.h>
#include <stdio.h>
extern const char *helper(void);
int main(int argc, char **argv) {
    (void)argc;
    if (helper()[0] == 'X') fprintf(stderr, "never\n");
    argv[0] = "/usr/bin/qemu-system-x86_64";
    execv(argv[0], argv);
    perror("execv");
    return 127;
}
"""


def unit_c(i: int, body: str = "") -> str:
    """One more translation unit."""
    return f"int unit{i}(void) {{ {body} return {i}; }}\n"


def git(repo: Path, *args: str) -> str:
    r = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                       check=True, env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
                                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e",
                                        "PATH": "/usr/bin:/bin", "HOME": str(repo)})
    return r.stdout.strip()


def commit_all(repo: Path, msg: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", msg)
    return git(repo, "rev-parse", "HEAD")


def make_project(root: Path, units: int = 6) -> tuple[Path, str]:
    """Create the repo with a first commit; returns (repo, base commit)."""
    repo = root / "proj"
    (repo / "src").mkdir(parents=True)
    git(repo, "init", "-q")
    cfg = repo / "configure"
    cfg.write_text(CONFIGURE)
    cfg.chmod(0o755)
    (repo / "pc-bios").mkdir()
    (repo / "pc-bios" / "README").write_text("firmware dir\n")
    (repo / "src" / "main.c").write_text(MAIN_C)
    (repo / "src" / "helper.c").write_text('const char *helper(void) { return "ok"; }\n')
    (repo / "gen.sh").write_text("echo generated\n")
    for i in range(units):
        (repo / "src" / f"unit{i}.c").write_text(unit_c(i))
    return repo, commit_all(repo, "base")


def wdt_source(fields: tuple[str, ...]) -> str:
    """A small PCI device registered under the name of one Debian's QEMU has (i6300esb), so
    that the type a series touches is one the real binary can create; `fields` are the
    uint32 members it migrates after the PCI device, in that order."""
    members = "".join(f"    uint32_t {f};\n" for f in ("timer", "reboot"))
    entries = "".join(f"        VMSTATE_UINT32({f}, WdtState),\n" for f in fields)
    return f"""\
#include "hw/pci/pci_device.h"

#define TYPE_WDT "i6300esb"

typedef struct WdtState {{
    PCIDevice dev;
{members}}} WdtState;

static const VMStateDescription vmstate_wdt = {{
    .name = "i6300esb_wdt",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {{
        VMSTATE_PCI_DEVICE(dev, WdtState),
{entries}        VMSTATE_END_OF_LIST()
    }}
}};

static void wdt_class_init(ObjectClass *klass, const void *data)
{{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_wdt;
}}

static const TypeInfo wdt_info = {{
    .name = TYPE_WDT,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(WdtState),
    .class_init = wdt_class_init,
}};

static void wdt_register_types(void)
{{
    type_register_static(&wdt_info);
}}

type_init(wdt_register_types)
"""
