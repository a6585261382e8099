"""Benchmark bot.index.build_index on a real QEMU tree.

    /work/venv/bin/python bench/index_perf.py \
        --repo /work/.mirror/pbo-linaro+qemu-ci/repo --rev ece408818d [--jobs 2]

Prints (a) tree-sitter parse-only time of the same files with the same number of processes,
(b) cold index time (empty cache) and the ratio b/a (target <= 1.5), (c) warm re-index time,
(d) peak RSS of the cold index (parent + workers, from getrusage; target <= 1 GiB),
(e) on-disk cache size (target <= 200 MB), plus aggregation time and coverage counts.
Each phase runs in a fresh interpreter so getrusage(RUSAGE_CHILDREN) sees only its workers.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pygit2

_parser: Any = None
_repo: Any = None


def _init_parse(repo_path: str) -> None:
    global _parser, _repo
    import tree_sitter
    import tree_sitter_c

    _parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))
    _repo = pygit2.Repository(repo_path)


def _parse_batch(blobs: list[str]) -> int:
    n = 0
    for b in blobs:
        tree = _parser.parse(_repo[b].data)
        n += tree.root_node.end_byte
    return n


class ProcSampler:
    """Samples this process and all its descendants from /proc every `period` seconds.

    Pool workers are children of the forkserver, not of us, so getrusage(RUSAGE_CHILDREN)
    cannot see them; /proc can. Records the peak of the summed RSS of the whole group, each
    process's VmHWM, and each process's last seen CPU time (utime+stime).
    """

    def __init__(self, period: float = 0.1) -> None:
        self.period = period
        self.peak_group_kib = 0
        self.own_cpu = 0.0
        self.hwm_kib: dict[int, int] = {}
        self.cpu_ticks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> ProcSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self._sample()
        self.own_cpu = time.thread_time()  # the sampler's cost, not the index's

    def _group(self) -> list[int]:
        """This process and its descendants, via /proc/<pid>/task/<tid>/children."""
        out: list[int] = []
        todo = [os.getpid()]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                try:
                    with open(f"/proc/{pid}/task/{tid}/children") as f:
                        todo.extend(int(c) for c in f.read().split())
                except OSError:
                    continue
        return out

    def _sample(self) -> None:
        total = 0
        for pid in self._group():
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = f.read()
                with open(f"/proc/{pid}/stat") as f:
                    st = f.read()
            except OSError:
                continue
            fields = st[st.rindex(")") + 2 :].split()
            self.cpu_ticks[pid] = int(fields[11]) + int(fields[12])
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                    self.hwm_kib[pid] = max(self.hwm_kib.get(pid, 0), hwm)
        self.peak_group_kib = max(self.peak_group_kib, total)

    def figures(self) -> dict[str, float]:
        """Peak RSS figures (MiB) and total CPU seconds of the group."""
        me = os.getpid()
        kids = [v for p, v in self.hwm_kib.items() if p != me]
        own = resource.getrusage(resource.RUSAGE_SELF)
        cpu_kids = sum(v for p, v in self.cpu_ticks.items() if p != me) / self._tick
        return {
            "self_mib": own.ru_maxrss / 1024,
            "child_max_mib": max(kids, default=0) / 1024,
            "group_peak_mib": self.peak_group_kib / 1024,
            "cpu_s": own.ru_utime + own.ru_stime - self.own_cpu + cpu_kids,
            "sampler_cpu_s": self.own_cpu,
        }


def phase_parse(repo: str, rev: str, jobs: int) -> dict[str, Any]:
    from bot.index import list_c_files

    r = pygit2.Repository(repo)
    files = list_c_files(r.revparse_single(rev).peel(pygit2.Tree))
    blobs = sorted({b for _, b in files})
    chunks = [blobs[i :: jobs * 16] for i in range(jobs * 16)]
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("forkserver")
    with ProcSampler() as ps, cf.ProcessPoolExecutor(
        jobs, mp_context=ctx, initializer=_init_parse, initargs=(repo,)
    ) as pool:
        total = sum(pool.map(_parse_batch, chunks))
    secs = time.perf_counter() - t0
    return {"seconds": secs, "files": len(blobs), "bytes": total, **ps.figures()}


def phase_index(repo: str, rev: str, jobs: int, cache: str) -> dict[str, Any]:
    from bot.index import build_index, default_extractor, extractor_version

    with ProcSampler() as ps:
        t0 = time.perf_counter()
        tree = build_index(repo, rev, Path(cache), jobs=jobs)
        t_build = time.perf_counter() - t0
    fig = ps.figures()
    t1 = time.perf_counter()
    names = tree.type_names()
    t_agg = time.perf_counter() - t1
    st = tree.stats
    out: dict[str, Any] = {"seconds": t_build, "aggregate_seconds": t_agg, **fig,
                           "extractor": extractor_version(default_extractor())}
    if st is not None:
        out.update(
            files=st.files, blobs=st.blobs, hits=st.cache_hits, extracted=st.extracted,
            failed=st.failed, list_s=st.list_seconds, extract_s=st.extract_seconds,
            decode_s=st.decode_seconds, cache_bytes=st.cache_bytes,
        )
    models = tree.models.values()
    n_types = sum(len(m.types) for m in models)
    out.update(
        types_raw=n_types,
        types_resolved=len(names),
        types_unresolved=sum(
            1 for m in models for t in m.types
            if t.name is None and not tree.resolve_expr(t.name_expr or "", m.path)
        ),
        vmsds=sum(len(m.vmsds) for m in models),
        compat_arrays=len(tree.compat_arrays()),
        unparsed=sum(1 for m in models if not m.parsed),
        parse_errors_files=sum(1 for m in models if m.parse_errors),
        pl011_vmsd_types=list(tree.types_for_vmsd("vmstate_pl011", "hw/char/pl011.c")),
        x86_cpu=tree.resolve_define("TYPE_X86_CPU"),
        versioned_pl011=tree.on_versioned_machine("pl011"),
    )
    return out


def _run_phase(args: argparse.Namespace, phase: str, cache: str = "") -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--phase", phase, "--repo", args.repo, "--rev", args.rev,
           "--jobs", str(args.jobs), "--cache", cache]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def main() -> int:
    """Run the phases in child interpreters and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", default="/work/.mirror/pbo-linaro+qemu-ci/repo")
    ap.add_argument("--rev", default="ece408818d")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--phase", choices=("parse", "index"), help=argparse.SUPPRESS)
    ap.add_argument("--cache", default="", help="cache dir (default: a fresh temp dir)")
    args = ap.parse_args()
    if args.phase == "parse":
        print(json.dumps(phase_parse(args.repo, args.rev, args.jobs)))
        return 0
    if args.phase == "index":
        print(json.dumps(phase_index(args.repo, args.rev, args.jobs, args.cache)))
        return 0

    with tempfile.TemporaryDirectory(prefix="migcheck-index-bench-") as tmp:
        cache = args.cache or tmp
        a = _run_phase(args, "parse")
        b = _run_phase(args, "index", cache)
        c = _run_phase(args, "index", cache)
        if c["extracted"]:  # the extractor's code changed under us: warm up again
            c = _run_phase(args, "index", cache)
    mib = 1024 * 1024
    print(f"repo {args.repo} rev {args.rev} jobs {args.jobs}: {a['files']} C blobs, "
          f"{a['bytes'] / mib:.1f} MiB")
    print(f"(a) parse-only (tree-sitter, {args.jobs} procs): {a['seconds']:.2f} s wall, "
          f"{a['cpu_s']:.2f} s CPU")
    ratio = b["seconds"] / a["seconds"]
    cratio = b["cpu_s"] / a["cpu_s"]
    print(f"(b) cold index: {b['seconds']:.2f} s wall, {b['cpu_s']:.2f} s CPU  (list "
          f"{b['list_s']:.2f}, extract {b['extract_s']:.2f}); ratio b/a = {ratio:.2f} wall, "
          f"{cratio:.2f} CPU (target <= 1.5)")
    print(f"(c) warm re-index: {c['seconds']:.2f} s wall, {c['cpu_s']:.2f} s CPU  (hits "
          f"{c['hits']}, parsed {c['extracted']}, decode {c['decode_s']:.2f} s wall)")
    if c["extracted"]:
        print("    !! the extractor's code kept changing: (c) is not a warm run")
    elif b["extractor"] != c["extractor"]:
        print("    (the extractor changed after (b); (c) is the second run on the new code)")
    print(f"(d) cold peak RSS: whole process group {b['group_peak_mib']:.0f} MiB (sampled); "
          f"parent {b['self_mib']:.0f} MiB, largest worker {b['child_max_mib']:.0f} MiB "
          f"(target <= 1024)")
    print(f"    warm peak RSS: {c['self_mib']:.0f} MiB")
    print(f"(e) cache size: {b['cache_bytes'] / 1e6:.1f} MB (target <= 200)")
    print(f"aggregation (first TreeView call): cold {b['aggregate_seconds']:.2f} s")
    print(f"coverage: {b['types_raw']} TypeInfos -> {b['types_resolved']} resolved names "
          f"({b['types_unresolved']} unresolved); {b['vmsds']} vmsds; {b['compat_arrays']} "
          f"compat arrays; {b['unparsed']} unparsed files, {b['parse_errors_files']} files "
          f"with parse errors, {b['failed']} extractor failures")
    print(f"spot checks: types_for_vmsd(vmstate_pl011) = {b['pl011_vmsd_types']}; "
          f"TYPE_X86_CPU = {b['x86_cpu']!r}; on_versioned_machine(pl011) = "
          f"{b['versioned_pl011']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
