"""RULES-B (MIG020-024, MIG030-036) on real QEMU commits: expected vs. reported rule ids.

Needs a QEMU clone (not available in CI). Prints one row per commit and a hit ratio; never
asserts. Usage:

    python bench/rules_b_real_commits.py --repo /work/.mirror/pbo-linaro+qemu-ci/repo [--index]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

# (range, RULES-B ids that should fire, why). An empty tuple = no RULES-B finding at all;
# ("!MIG020",) = that rule must stay quiet (other findings allowed, e.g. in a long range).
CASES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("5bc8d26de20c^..5bc8d26de20c", ("MIG020",), "ICPs per core: icp/server count drops"),
    ("46f7afa37096^..46f7afa37096", (), "dummy icp/server registration (the fix)"),
    ("5bc8d26de20c^..46f7afa37096", ("!MIG020",), "break + fix folded (139 commits)"),
    ("c95f6161de^..c95f6161de", (), "dc->vmsd -> vmstate_register(cpu_index)"),
    ("c827c06a4d^..c827c06a4d", ("MIG021",), "m25p80 vmsd renamed"),
    ("9ea02e8f1^..9ea02e8f1", ("MIG030",), "virtio-rng-pci vectors"),
    ("bad9c5a516^..bad9c5a516", ("MIG031",), "compat entry in 7_1 (mitigation: note)"),
    ("010746ae1d^..010746ae1d", ("MIG033",), "AER UNCOR_MASK default"),
    ("231b4a035b^..231b4a035b", (), "add 11.0 machine types (correct chain)"),
    ("ab57b51f13^..ab57b51f13", (), "scsi-disk/pr with hw_compat_10_2 entry"),
    ("2bd84b6818^..2bd84b6818", ("MIG020",), "exynos irq gate gone (needs --index)"),
)

MINE = {f"MIG0{n}" for n in (20, 21, 22, 23, 24, 30, 31, 32, 33, 34, 35, 36)}


def main() -> int:
    """Run every case and print expected/actual."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--index", action="store_true", help="build the whole-tree index")
    ap.add_argument("--cache-dir", default=None)
    args = ap.parse_args()
    ok = 0
    for rng, expected, why in CASES:
        cmd = [sys.executable, "-m", "bot", "check", "--repo", args.repo, rng]
        cmd += ["--fail-on", "never", "--format", "json"]
        if not args.index:
            cmd.append("--no-index")
        if args.cache_dir:
            cmd += ["--cache-dir", args.cache_dir]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        secs = time.perf_counter() - t0
        try:
            found = sorted(
                {f["rule"] for f in json.loads(out.stdout)["findings"] if f["rule"] in MINE}
            )
        except (ValueError, KeyError):
            print(f"{rng:34} ERROR {out.stderr.strip()[:120]}")
            continue
        want = {e for e in expected if not e.startswith("!")}
        banned = {e[1:] for e in expected if e.startswith("!")}
        if banned:
            hit = not (banned & set(found)) and want <= set(found)
        else:
            hit = want <= set(found) and bool(want or not found)
        ok += bool(hit)
        mark = "ok " if hit else "DIFF"
        print(
            f"{mark} {rng:34} expected={','.join(expected) or '-':14} "
            f"got={','.join(found) or '-':22} {secs:6.1f}s  {why}"
        )
    print(f"{ok}/{len(CASES)} cases as expected")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
