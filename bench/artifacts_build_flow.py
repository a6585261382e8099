"""Bench: the full `--build` artifact flow on real QEMU history, and incremental vs clean.

    /work/venv/bin/python bench/artifacts_build_flow.py \
        --repo /work/.mirror/pbo-linaro+qemu-ci/repo --base 6e85cfe44c^ --head 6e85cfe44c \
        --workdir /work/scratch/artifacts-bench --subprojects DIR_WITH_keycodemapdb [--clean]

Prints: configure/base/head build seconds, objects recompiled for head, dump+compare seconds
per machine, the findings, and (with --clean) a clean build of head for the ratio
(base+head) / clean. Never asserts wall time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from bot.artifacts.build import Builder, default_profile
from bot.artifacts.compare import compare_dumps
from bot.artifacts.dump import QemuBinary, dump_vmstate
from bot.artifacts.kinds import extra_get
from bot.artifacts.pipeline import locate_findings, vmsd_locator
from bot.artifacts.sandbox import Limits, probe
from bot.artifacts.upstream import reconcile, run_upstream


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--head", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--machines", default="pc-i440fx-10.1,pc-q35-10.1")
    ap.add_argument("--clean", action="store_true", help="also time a clean build of head")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--subprojects", default=None, help="dir with keycodemapdb/ etc.")
    a = ap.parse_args()
    work = Path(a.workdir)
    if work.exists():
        shutil.rmtree(work)
    sb = probe(True)
    print("sandbox:", sb.describe())
    last = [0.0]

    def progress(phase: str, n: int, m: int, d: str) -> None:
        now = time.monotonic()
        if now - last[0] > 30 or not phase.startswith("compile"):
            print(f"  [{phase}] {n}/{m} {d[:80]}", flush=True)
            last[0] = now

    prof = default_profile("x86_64")
    b = Builder(a.repo, work / "b", prof, sandbox=sb, limits=Limits(), progress=progress,
                jobs=a.jobs, subprojects=a.subprojects)
    t0 = time.monotonic()
    b.checkout(a.base)
    t_co = time.monotonic() - t0
    t0 = time.monotonic()
    b.do_configure("base")
    t_cfg = time.monotonic() - t0
    rb = b.compile("base")
    t0 = time.monotonic()
    b.checkout(a.head)
    t_co2 = time.monotonic() - t0
    rh = b.compile("head")
    print(f"checkout base {t_co:.1f}s, configure {t_cfg:.1f}s, base build {rb.seconds:.1f}s "
          f"({rb.steps} steps, {rb.compiled} compiled), head checkout {t_co2:.1f}s, head build "
          f"{rh.seconds:.1f}s ({rh.steps} steps, {rh.compiled} compiled)")
    src = QemuBinary(rb.binary, rb.datadir)
    dst = QemuBinary(rh.binary, rh.datadir)
    script = work / "b" / "src" / "scripts" / "vmstate-static-checker.py"
    loc = vmsd_locator(work / "b" / "src")
    for m in a.machines.split(","):
        t0 = time.monotonic()
        old = dump_vmstate(src, m, work / m / "base.json", sandbox=sb, limits=Limits())
        new = dump_vmstate(dst, m, work / m / "head.json", sandbox=sb, limits=Limits())
        t_dump = time.monotonic() - t0
        t0 = time.monotonic()
        fs = compare_dumps(old, new)
        t_cmp = time.monotonic() - t0
        t0 = time.monotonic()
        reps = run_upstream(script, work / m / "base.json", work / m / "head.json", sandbox=sb,
                            limits=Limits(), workdir=work / m) if script.exists() else []
        t_up = time.monotonic() - t0
        merged = locate_findings(reconcile(fs, reps), loc)
        print(f"{m}: dump x2 {t_dump:.2f}s, builtin compare {t_cmp:.3f}s, upstream both ways "
              f"{t_up:.2f}s, {len(old)} sections, findings {len(merged)}")
        for f in merged:
            print(f"   {f.severity.value} {f.rule} {f.entity} [{extra_get(f, 'checker')}] "
                  f"{f.path}:{f.line} {f.message[:160]}")
    if a.clean:
        c = Builder(a.repo, work / "clean", prof, sandbox=sb, limits=Limits(),
                    progress=progress, jobs=a.jobs, subprojects=a.subprojects)
        c.checkout(a.head)
        t0 = time.monotonic()
        c.do_configure("head")
        t_cfg2 = time.monotonic() - t0
        rc = c.compile("head")
        clean = t_cfg2 + rc.seconds
        pair = t_cfg + rb.seconds + rh.seconds
        print(f"clean head: configure {t_cfg2:.1f}s + build {rc.seconds:.1f}s = {clean:.1f}s; "
              f"base+head incremental = {pair:.1f}s; ratio {pair / clean:.2f}x")
    print(json.dumps({"base_build": rb.seconds, "head_build": rh.seconds,
                      "head_compiled": rh.compiled}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
