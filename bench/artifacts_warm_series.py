"""Bench: artifact flow for a series on a warm build tree (left by artifacts_build_flow.py).

    /work/venv/bin/python bench/artifacts_warm_series.py \
        --repo /work/.mirror/pbo-linaro+qemu-ci/repo --workdir /work/scratch/artifacts-bench/b \
        --at 6e85cfe44c --base 3a9cd2a4a1^ --head 3a9cd2a4a1 \
        --machines pc-q35-10.2 --devices 'virtio-net-pci,romfile='

Builds base then head incrementally from the tree's current revision `--at`, dumps, compares
(builtin + the tree's upstream checker) and migrates both ways with the given devices.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bot.artifacts.build import Builder, default_profile
from bot.artifacts.compare import compare_dumps
from bot.artifacts.dump import QemuBinary, dump_vmstate
from bot.artifacts.kinds import extra_get
from bot.artifacts.migrate import migrate_once, migration_finding
from bot.artifacts.pipeline import locate_findings, vmsd_locator
from bot.artifacts.sandbox import Limits, probe
from bot.artifacts.upstream import reconcile, run_upstream


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--at", required=True, help="revision the warm source tree is at")
    ap.add_argument("--base", required=True)
    ap.add_argument("--head", required=True)
    ap.add_argument("--machines", required=True)
    ap.add_argument("--devices", default="")
    a = ap.parse_args()
    sb = probe(True)
    last = [0.0]

    def progress(phase: str, n: int, m: int, d: str) -> None:
        if time.monotonic() - last[0] > 60 or n == m:
            last[0] = time.monotonic()
            print(f"  [{phase}] {n}/{m}", flush=True)

    b = Builder(a.repo, a.workdir, default_profile("x86_64"), sandbox=sb, limits=Limits(),
                progress=progress)
    b.resume(a.at)
    t0 = time.monotonic()
    b.checkout(a.base)
    rb = b.compile("base")
    print(f"base ({a.base}) incremental from {a.at}: {rb.seconds:.0f}s, {rb.compiled} compiled "
          f"(checkout+build {time.monotonic() - t0:.0f}s)", flush=True)
    b.checkout(a.head)
    rh = b.compile("head")
    print(f"head ({a.head}): {rh.seconds:.0f}s, {rh.steps} steps, {rh.compiled} compiled")
    src, dst = QemuBinary(rb.binary, rb.datadir), QemuBinary(rh.binary, rh.datadir)
    work = Path(a.workdir).parent / "warm"
    script = Path(a.workdir) / "src" / "scripts" / "vmstate-static-checker.py"
    loc = vmsd_locator(Path(a.workdir) / "src")
    devices = [d for d in a.devices.split(";") if d]
    for m in a.machines.split(","):
        t0 = time.monotonic()
        old = dump_vmstate(src, m, work / m / "base.json", sandbox=sb, limits=Limits())
        new = dump_vmstate(dst, m, work / m / "head.json", sandbox=sb, limits=Limits())
        fs = compare_dumps(old, new)
        reps = run_upstream(script, work / m / "base.json", work / m / "head.json", sandbox=sb,
                            limits=Limits(), workdir=work / m)
        merged = locate_findings(reconcile(fs, reps, old, new), loc)
        print(f"{m}: dump+compare {time.monotonic() - t0:.2f}s; dump findings {len(merged)}; "
              f"upstream lines {len(reps)}; dumps identical: {old == new}")
        for f in merged:
            print(f"   {f.severity.value} {f.rule} {f.entity} [{extra_get(f, 'checker')}] "
                  f"{f.path}:{f.line} {f.message[:160]}")
        for direction, x, y in (("old->new", src, dst), ("new->old", dst, src)):
            r = migrate_once(x, y, m, workdir=work / m / "mig", sandbox=sb, limits=Limits(),
                             devices=devices, tag=direction[:3])
            f = migration_finding(r, direction)
            print(f"   migrate {direction} with {devices}: ok={r.ok} {r.seconds:.1f}s "
                  f"{'' if f is None else f.message[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
