"""Bench: migcheck's builtin dump comparator vs QEMU's scripts/vmstate-static-checker.py.

    /work/venv/bin/python bench/comparator_vs_upstream.py \
        --qemu-git /work/.mirror/pbo-linaro+qemu-ci/repo --rev ece408818d [--dump extra.json]

Reads the reference dumps in tests/data/vmstate-static-checker/ and the script from the QEMU
history (nothing is copied into this repository), then prints:
1. every reference dump compared with itself (both checkers, both directions);
2. dump1.json -> dump2.json reconciled: which checker saw which problem;
3. a catalogue of dump edits (the harness of docs/migration-primer.md, "Checking two
   builds") applied to the x86_64 reference dump: wire truth vs each checker.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.artifacts.compare import compare_dumps
from bot.artifacts.kinds import extra_get
from bot.artifacts.sandbox import Limits, Sandbox
from bot.artifacts.upstream import reconcile, run_upstream

REF = "tests/data/vmstate-static-checker"
FILES = ("dump1.json", "dump2.json", "x86_64/pc-q35-7.2.json", "aarch64/virt-7.2.json",
         "ppc64/pseries-7.2.json", "s390x/s390-ccw-virtio-7.2.json", "m68k/virt-7.2.json")


def git_show(gitdir: str, rev: str, path: str) -> bytes:
    return subprocess.run(["git", "--git-dir", gitdir, "show", f"{rev}:{path}"],
                          capture_output=True, check=True).stdout


def upstream_rc(script: Path, a: Path, b: Path) -> tuple[int, int, list[str]]:
    out = []
    rcs = []
    for extra in ([], ["--reverse"]):
        r = subprocess.run([sys.executable, str(script), "-s", str(a), "-d", str(b), *extra],
                           capture_output=True, text=True, check=False)
        rcs.append(r.returncode)
        out += [("rev " if extra else "fwd ") + x for x in r.stdout.splitlines()]
    return rcs[0], rcs[1], out


def fld(name: str, size: int = 4, v: int = 0, num: int | None = None) -> dict[str, Any]:
    f: dict[str, Any] = {"field": name, "version_id": v, "field_exists": False}
    if num is not None:
        f["num"] = num
    f["size"] = size
    return f


Edit = Callable[[dict[str, Any]], None]


def cases(sec: str) -> list[tuple[str, str, Edit]]:
    """(case, wire truth, edit of the new dump) on section `sec` (a plain field list)."""

    def d(x: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = x[sec]["Description"]
        return out

    def bump(x: dict[str, Any], v: int | None = None, mn: int | None = None) -> None:
        for o in (x[sec], d(x)):
            if v is not None:
                o["version_id"] = v
            if mn is not None:
                o["minimum_version_id"] = mn

    def ver(x: dict[str, Any]) -> int:
        out: int = d(x)["version_id"]
        return out

    def nested(x: dict[str, Any]) -> dict[str, Any]:
        f = d(x)["Fields"]
        f.append({"field": "sub", "version_id": 0, "field_exists": False, "size": 16,
                  "Description": {"name": "subst", "version_id": 1, "minimum_version_id": 1,
                                  "Fields": [fld("s1")]}})
        return x

    return [
        ("append field, no version", "breaks both", lambda x: d(x)["Fields"].append(fld("zz"))),
        ("append _V(n+1) + bump", "bwd only",
         lambda x: (d(x)["Fields"].append(fld("zz", v=ver(x) + 1)), bump(x, ver(x) + 1))[-1]),
        ("... and bump minimum", "breaks both",
         lambda x: (d(x)["Fields"].append(fld("zz", v=ver(x) + 1)),
                    bump(x, ver(x) + 1, ver(x) + 1))[-1]),
        ("remove last field", "breaks both", lambda x: d(x)["Fields"].pop()),
        ("remove middle field", "breaks both", lambda x: d(x)["Fields"].pop(1)),
        ("field -> unused same size", "ok",
         lambda x: d(x)["Fields"].__setitem__(1, fld("unused", d(x)["Fields"][1]["size"]
                                                     * d(x)["Fields"][1].get("num", 1)))),
        ("field -> unused wrong size", "breaks both",
         lambda x: d(x)["Fields"].__setitem__(1, fld("unused", 3))),
        ("reorder fields", "breaks both",
         lambda x: d(x)["Fields"].insert(0, d(x)["Fields"].pop(1))),
        ("rename C field only", "ok",
         lambda x: d(x)["Fields"][1].__setitem__("field", "renamed_field")),
        ("width 4 -> 8 (first field)", "breaks both",
         lambda x: d(x)["Fields"][0].__setitem__("size", d(x)["Fields"][0]["size"] * 2)),
        ("array num doubled", "breaks both",
         lambda x: d(x)["Fields"][0].__setitem__("num", 2 * d(x)["Fields"][0].get("num", 1))),
        ("rename top-level VMSD", "breaks both", lambda x: d(x).__setitem__("name", "other")),
        ("rename QOM type", "ok", lambda x: x.__setitem__(sec + "-x", x.pop(sec))),
        ("add subsection", "bwd iff .needed",
         lambda x: d(x).setdefault("Subsections", []).append(
             {"name": d(x)["name"] + "/new", "version_id": 1, "minimum_version_id": 1,
              "Fields": [fld("n")]})),
        ("bump version_id only", "bwd only", lambda x: bump(x, ver(x) + 1)),
        ("remove whole device type", "fwd", lambda x: x.pop(sec)),
        ("nested: add _V(2) field + bump nested", "breaks both",
         lambda x: (nested(x), d(x)["Fields"][-1]["Description"]["Fields"].append(
             fld("s2", v=2)), d(x)["Fields"][-1]["Description"].__setitem__("version_id", 2))[-1]),
        ("rename nested VMSD", "ok",
         lambda x: d(x)["Fields"][-1]["Description"].__setitem__("name", "renamed")),
    ]


def pick_section(dump: dict[str, Any]) -> str:
    for k, v in dump.items():
        if k == "vmschkmachine":
            continue
        desc = v.get("Description", {})
        fs = desc.get("Fields", [])
        if (len(fs) >= 4 and not desc.get("Subsections")
                and all("Description" not in f and not f["field_exists"] and f["version_id"] == 0
                        for f in fs)):
            return k
    raise SystemExit("no plain section")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu-git", required=True)
    ap.add_argument("--rev", default="ece408818d")
    ap.add_argument("--dump", action="append", default=[],
                    help="extra real dumps to self-compare (e.g. from qemu -dump-vmstate)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cmp-bench-"))
    script = tmp / "vmstate-static-checker.py"
    script.write_bytes(git_show(a.qemu_git, a.rev, "scripts/vmstate-static-checker.py"))
    paths = {}
    for f in FILES:
        p = tmp / f.replace("/", "_")
        p.write_bytes(git_show(a.qemu_git, a.rev, f"{REF}/{f}"))
        paths[f] = p
    for extra in a.dump:
        paths[Path(extra).name] = Path(extra)

    print("== 1. each dump compared with itself")
    for name, p in paths.items():
        d = json.loads(p.read_text())
        t0 = time.monotonic()
        fs = compare_dumps(d, copy.deepcopy(d))
        tb = time.monotonic() - t0
        t0 = time.monotonic()
        f_rc, r_rc, lines = upstream_rc(script, p, p)
        tu = time.monotonic() - t0
        print(f"{name:34s} sections={len(d) - 1:4d} builtin={len(fs)} ({tb * 1000:.0f} ms) "
              f"upstream rc fwd={f_rc} rev={r_rc} ({tu * 1000:.0f} ms both runs)")
        for line in lines:
            print("     upstream:", line)

    print("\n== 2. dump1.json -> dump2.json, reconciled")
    d1, d2 = json.loads(paths["dump1.json"].read_text()), json.loads(
        paths["dump2.json"].read_text())
    reps = run_upstream(script, paths["dump1.json"], paths["dump2.json"], sandbox=Sandbox(),
                        limits=Limits(), workdir=tmp)
    merged = reconcile(compare_dumps(d1, d2), reps)
    f_rc, r_rc, _ = upstream_rc(script, paths["dump1.json"], paths["dump2.json"])
    print(f"upstream rc fwd={f_rc} rev={r_rc}; upstream lines={len(reps)}; "
          f"reconciled findings={len(merged)}")
    for f in merged:
        print(f"  {f.severity.value:7s} {f.rule} {extra_get(f, 'checker'):16s} "
              f"{extra_get(f, 'direction'):9s} {f.entity}: {f.message[:150]}")

    print("\n== 3. edit catalogue on x86_64/pc-q35-7.2.json")
    base = json.loads(paths["x86_64/pc-q35-7.2.json"].read_text())
    sec = pick_section(base)
    print(f"section under edit: {sec}")
    print(f"{'case':40s} {'wire truth':16s} {'builtin':34s} upstream fwd/rev")
    for name, truth, edit in cases(sec):
        new = copy.deepcopy(base)
        old = base
        if name == "rename nested VMSD":
            old = copy.deepcopy(base)  # a nested struct present on both sides
            for x in (old, new):
                x[sec]["Description"]["Fields"].append(
                    {"field": "sub", "version_id": 0, "field_exists": False, "size": 16,
                     "Description": {"name": "subst", "version_id": 1,
                                     "minimum_version_id": 1, "Fields": [fld("s1")]}})
        edit(new)
        fs = compare_dumps(old, new)
        bad = [f for f in fs if f.severity.value != "note"]
        verdict = ("ok" if not bad else ",".join(sorted({f"{f.rule}:{extra_get(f, 'direction')}"
                                                         for f in bad})))
        if fs and not bad:
            verdict = "ok (+note " + ",".join(sorted({f.rule for f in fs})) + ")"
        po, pn = tmp / "o.json", tmp / "n.json"
        po.write_text(json.dumps(old))
        pn.write_text(json.dumps(new))
        f_rc, r_rc, _ = upstream_rc(script, po, pn)
        print(f"{name:40s} {truth:16s} {verdict:34s} {f_rc}/{r_rc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
