"""Extraction recall and cost over a QEMU checkout.

    git --git-dir=/work/.mirror/pbo-linaro+qemu-ci/repo archive ece408818d \
        | tar -x -C /work/qemu-src
    /work/venv/bin/python bench/extraction.py /work/qemu-src [--misses N]

For every non-test .c file it compares what `extract_file` finds with an independent
grep-style count (regexes + a brace-depth scanner written here, sharing no code with
bot/model):
  * VMStateDescription definitions: `^\\s*(static )?(const )?VMStateDescription NAME =`
  * TypeInfo definitions: single `TypeInfo NAME = {`, entries of `TypeInfo NAME[] = {`
    arrays (depth-2 brace groups), and `OBJECT_DEFINE_*(...)` uses.
It prints both counts, the ratio, every miss with file:line, and the time of extraction vs
a plain tree-sitter parse of the same files. Ratios only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import tree_sitter as ts
import tree_sitter_c as tsc

from bot.model.extract import extract_file

TEST_DIRS = {"tests", "test", "testing", "qtest"}

VMSD_RE = re.compile(r"^\s*(static\s+)?(const\s+)?VMStateDescription\s+([A-Za-z_0-9]+)\s*=", re.M)
TI_RE = re.compile(r"^\s*(static\s+)?(const\s+)?TypeInfo\s+([A-Za-z_0-9]+)\s*=", re.M)
TI_ARR_RE = re.compile(r"^\s*(static\s+)?(const\s+)?TypeInfo\s+([A-Za-z_0-9]+)\s*\[\s*\]\s*=", re.M)
OD_RE = re.compile(
    r"^\s*OBJECT_DEFINE_(TYPE|TYPE_WITH_INTERFACES|ABSTRACT_TYPE|SIMPLE_TYPE"
    r"|SIMPLE_TYPE_WITH_INTERFACES|TYPE_EXTENDED)\s*\(\s*\w+\s*,\s*(\w+)",
    re.M,
)


_BENCH_COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"', re.S)


def _strip_comments(text: str) -> str:
    """Independent comment stripper (keeps newlines so line numbers hold)."""

    def rep(m: re.Match[str]) -> str:
        t = m.group(0)
        return t if t.startswith('"') else re.sub(r"[^\n]", " ", t)

    return _BENCH_COMMENT.sub(rep, text)


def _array_entries(text: str, start: int) -> list[int]:
    """Offsets of the depth-2 `{` groups of the array whose `{` is the first after start."""
    i = text.find("{", start)
    depth = 0
    res = []
    while 0 <= i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "{":
            depth += 1
            if depth == 2:
                # skip empty sentinel `{ }` entries
                j = text.find("}", i)
                if text[i + 1 : j].strip():
                    res.append(i)
        elif c == "}":
            depth -= 1
            if depth == 0:
                break
        i += 1
    return res


def _line(text: str, off: int) -> int:
    return text.count("\n", 0, off) + 1


def grep_counts(rel: str, text: str) -> tuple[dict[str, int], dict[str, int]]:
    """{name: line} for VMSDs and TypeInfos found by the independent regex scan."""
    t = _strip_comments(text)
    vmsds = {m.group(3): _line(t, m.start(3)) for m in VMSD_RE.finditer(t)}
    types: dict[str, int] = {}
    for m in TI_RE.finditer(t):
        types[m.group(3)] = _line(t, m.start(3))
    for m in TI_ARR_RE.finditer(t):
        for k, off in enumerate(_array_entries(t, m.end())):
            types[f"{m.group(3)}[{k}]"] = _line(t, off)
    for m in OD_RE.finditer(t):
        types[m.group(2)] = _line(t, m.start())
    return vmsds, types


def is_test_path(rel: str) -> bool:
    """True for files under a test directory."""
    return any(p in TEST_DIRS for p in Path(rel).parts[:-1])


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("root", type=Path)
    ap.add_argument("--misses", type=int, default=200, help="max misses to list per kind")
    ap.add_argument(
        "--rounds", type=int, default=2, help="timing passes; the minimum per file is kept"
    )
    a = ap.parse_args()
    files = sorted(
        p
        for p in a.root.rglob("*.c")
        if p.is_file() and not is_test_path(str(p.relative_to(a.root)))
    )
    blobs = [(str(p.relative_to(a.root)), p.read_bytes()) for p in files]
    total_bytes = sum(len(b) for _, b in blobs)
    print(f"files: {len(blobs)} non-test .c files, {total_bytes / 1e6:.1f} MB")

    lang = ts.Language(tsc.language())
    # Parse-only and extract_file are timed file by file, interleaved, in CPU time
    # (process_time) as well as wall time, keeping each file's minimum over --rounds passes:
    # other jobs on a shared machine skew single measurements.
    n = len(blobs)
    best_cp, best_ce = [float("inf")] * n, [float("inf")] * n
    best_tp, best_te = [float("inf")] * n, [float("inf")] * n
    models = {}
    for _round in range(a.rounds):
        for i, (rel, b) in enumerate(blobs):
            c0, t0 = time.process_time(), time.perf_counter()
            ts.Parser(lang).parse(b)
            c1, t1 = time.process_time(), time.perf_counter()
            models[rel] = extract_file(rel, b)
            c2, t2 = time.process_time(), time.perf_counter()
            best_cp[i] = min(best_cp[i], c1 - c0)
            best_ce[i] = min(best_ce[i], c2 - c1)
            best_tp[i] = min(best_tp[i], t1 - t0)
            best_te[i] = min(best_te[i], t2 - t1)
    c_parse, c_extract = sum(best_cp), sum(best_ce)
    t_parse, t_extract = sum(best_tp), sum(best_te)
    fast = sum(1 for m in models.values() if any(x.startswith("fast path") for x in m.notes))

    g_v = g_t = x_v = x_t = 0
    miss_v: list[str] = []
    miss_t: list[str] = []
    extra_v: list[str] = []
    extra_t: list[str] = []
    fallback = 0
    unresolved_v = 0
    not_parsed = 0
    errors = 0
    internal = 0
    for rel, b in blobs:
        m = models[rel]
        if not m.parsed:
            not_parsed += 1
        if m.parse_errors:
            errors += 1
        internal += sum(1 for n in m.notes if n.startswith("internal extraction error"))
        fallback += sum(1 for n in m.notes if "text fallback" in n)
        gv, gt = grep_counts(rel, b.decode("utf-8", "replace"))
        g_v += len(gv)
        g_t += len(gt)
        xv = {v.c_name for v in m.vmsds}
        unresolved_v += sum(1 for v in m.vmsds if v.name is None)
        xt = {t.c_name for t in m.types}
        # a template TypeInfo registered once per table element becomes `var[k]` entries
        xt |= {t.c_name.split("[")[0] for t in m.types if t.origin == "loop"}
        x_v += len(xv & set(gv))
        x_t += len(xt & set(gt))
        miss_v += [f"{rel}:{ln}: {n}" for n, ln in gv.items() if n not in xv]
        miss_t += [f"{rel}:{ln}: {n}" for n, ln in gt.items() if n not in xt]
        extra_v += [f"{rel}:{v.line}: {v.c_name}" for v in m.vmsds if v.c_name not in gv]
        extra_t += [
            f"{rel}:{t.line}: {t.c_name} ({t.origin})" for t in m.types if t.c_name not in gt
        ]

    def ratio(x: int, g: int) -> str:
        return f"{100.0 * x / g:.2f} %" if g else "n/a"

    print(
        f"VMStateDescription: grep {g_v}  extracted(matching) {x_v}  ratio {ratio(x_v, g_v)}"
        f"  (+{len(extra_v)} extracted that grep does not see)"
    )
    print(
        f"TypeInfo:           grep {g_t}  extracted(matching) {x_t}  ratio {ratio(x_t, g_t)}"
        f"  (+{len(extra_t)} extracted that grep does not see)"
    )
    print(f"VMSDs with unresolved .name (no cross-file defines given): {unresolved_v}")
    print(
        f"files with tree-sitter ERROR/MISSING nodes: {errors}/{len(blobs)};"
        f" not parsed: {not_parsed}; definitions recovered by text fallback: {fallback}"
    )
    print(f"fast path (no tree-sitter parse needed): {fast}/{len(blobs)} files")
    print(
        f"time (CPU): parse-only {c_parse:.2f} s, extract_file {c_extract:.2f} s,"
        f" ratio {c_extract / c_parse:.2f}x"
    )
    print(
        f"time (wall): parse-only {t_parse:.2f} s, extract_file {t_extract:.2f} s,"
        f" ratio {t_extract / t_parse:.2f}x"
    )
    for title, lst in (
        ("VMSD misses", miss_v),
        ("TypeInfo misses", miss_t),
        ("VMSD extras", extra_v),
        ("TypeInfo extras", extra_t),
    ):
        print(f"-- {title}: {len(lst)}")
        for s in lst[: a.misses]:
            print("   " + s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
