"""Compare the source model, rendered as `-dump-vmstate`, with real dumps of the same tree.

    python bench/model_vs_dump.py --repo /path/to/qemu --rev ece408818d \
        --dump pc.json --dump q35.json [--cache-dir DIR] [--json OUT] [--examples 5]

For every section (QOM type) of each real dump the rendered model is compared key by key:
Description names and versions, field names and order, field version_id, field_exists,
num, nesting (nested Description), subsection list, and `size` wherever the model knows it
(sizes the model marks unknown, such as `sizeof` of a C struct, are skipped and counted).
A section agrees when nothing differs. Prints the agreement ratio per dump and every
disagreement with a reason class; exit status is 0 (a benchmark never asserts).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.index import build_index
from bot.model.render_dump import DumpRender, render_dump_ex
from bot.model.render_dump import Path as JPath
from bot.review import default_cache_dir


def _fmt(path: JPath) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def compare_desc(
    real: dict[str, Any], model: Any, at: JPath, res: DumpRender, skipped: Counter[str]
) -> Iterator[tuple[str, JPath, str]]:
    """(class, path, detail) for each disagreement inside one Description."""
    if not isinstance(model, dict):
        if at in res.unknown:
            yield "nested-vmsd-unresolved", at, "model could not resolve the nested vmsd"
        else:
            yield "nesting", at, "model has no Description"
        return
    if model.get("name") != real.get("name"):
        cls = "name-unresolved" if (*at, "name") in res.unknown else "desc-name"
        yield cls, at, f"name {model.get('name')!r} != {real.get('name')!r}"
    for key in ("version_id", "minimum_version_id"):
        if (*at, key) in res.unknown:
            skipped[key] += 1
            if model.get(key) != real.get(key):
                yield "version-unresolved", (*at, key), f"{key} unknown, real {real.get(key)}"
            continue
        if model.get(key) != real.get(key):
            yield "desc-version", (*at, key), f"{key} {model.get(key)} != {real.get(key)}"
    for key in ("Fields", "Subsections"):
        if (key in real) != (key in model):
            yield f"{key.lower()}-presence", at, f"{key} in real={key in real} model={key in model}"
    rf: list[dict[str, Any]] = real.get("Fields", [])
    mf: list[dict[str, Any]] = model.get("Fields", []) or []
    names_r = [f["field"] for f in rf]
    names_m = [f.get("field") for f in mf]
    if names_r != names_m:
        if len(names_r) != len(names_m):
            yield (
                "field-list",
                (*at, "Fields"),
                f"{len(names_m)} fields vs real {len(names_r)}: first diff "
                + _first_diff(names_m, names_r),
            )
        else:
            yield "field-name", (*at, "Fields"), "names differ: " + _first_diff(names_m, names_r)
    for i, (r, m) in enumerate(zip(rf, mf, strict=False)):
        if r["field"] != m.get("field"):
            continue
        fat: JPath = (*at, "Fields", i)
        skipped["fields compared"] += 1
        for key, cls in (("version_id", "field-version"), ("field_exists", "field-exists")):
            if (*fat, key) in res.unknown:
                skipped[key] += 1
                continue
            if r.get(key) != m.get(key):
                yield cls, (*fat, key), f"{r['field']}: {m.get(key)} != real {r.get(key)}"
        if ("num" in r) != ("num" in m):
            yield "array-flag", fat, f"{r['field']}: num in real={'num' in r} model={'num' in m}"
        elif "num" in r:
            if (*fat, "num") in res.unknown:
                skipped["num"] += 1
            elif r["num"] != m["num"]:
                yield "num", (*fat, "num"), f"{r['field']}: {m['num']} != real {r['num']}"
        if (*fat, "size") in res.unknown:
            skipped["size"] += 1
        else:
            skipped["sizes compared"] += 1
        if (*fat, "size") not in res.unknown and r.get("size") != m.get("size"):
            yield "size", (*fat, "size"), f"{r['field']}: {m.get('size')} != real {r.get('size')}"
        if ("Description" in r) != (m.get("Description") is not None or "Description" in m):
            yield "nesting", fat, f"{r['field']}: Description real={'Description' in r}"
        elif "Description" in r:
            yield from compare_desc(r["Description"], m.get("Description"), (*fat, "Description"),
                                    res, skipped)
    rs: list[dict[str, Any]] = real.get("Subsections", [])
    ms: list[Any] = model.get("Subsections", []) or []
    sr = [s.get("name") for s in rs]
    sm = [s.get("name") if isinstance(s, dict) else None for s in ms]
    if sr != sm:
        yield "subsections", (*at, "Subsections"), f"{sm} != real {sr}"
    else:
        for i, (r2, m2) in enumerate(zip(rs, ms, strict=False)):
            yield from compare_desc(r2, m2, (*at, "Subsections", i), res, skipped)


def _first_diff(a: list[Any], b: list[Any]) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"#{i} {x!r} vs real {y!r}"
    i = min(len(a), len(b))
    return f"#{i} {a[i] if i < len(a) else '<end>'!r} vs real {b[i] if i < len(b) else '<end>'!r}"


def compare_section(
    name: str, real: dict[str, Any], res: DumpRender, skipped: Counter[str]
) -> list[tuple[str, JPath, str]]:
    """Every disagreement of one section (empty list: agrees)."""
    model = res.dump.get(name)
    if model is None:
        return [("type-missing", (name,), "model renders no section for this type")]
    out: list[tuple[str, JPath, str]] = []
    for key in ("version_id", "minimum_version_id"):
        if (name, key) in res.unknown:
            continue
        if model.get(key) != real.get(key):
            out.append(("section-version", (name, key), f"{model.get(key)} != {real.get(key)}"))
    out.extend(compare_desc(real["Description"], model.get("Description"),
                            (name, "Description"), res, skipped))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--rev", required=True)
    ap.add_argument("--dump", action="append", required=True, help="real dump (repeatable)")
    ap.add_argument("--cache-dir", type=Path, default=None)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--examples", type=int, default=6, help="examples printed per class")
    ap.add_argument("--all", action="store_true", help="print every disagreement")
    ap.add_argument("--json", metavar="OUT", help="write all disagreements as JSON")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    tree = build_index(args.repo, args.rev, args.cache_dir or default_cache_dir(), jobs=args.jobs)
    t_index = time.perf_counter() - t0
    t1 = time.perf_counter()
    res = render_dump_ex(tree)
    t_render = time.perf_counter() - t1
    print(f"index: {len(tree.paths())} files in {t_index:.1f}s; rendered {len(res.dump)} "
          f"device sections in {t_render:.1f}s")
    report: dict[str, Any] = {}
    for dpath in args.dump:
        real = json.loads(Path(dpath).read_text(encoding="utf-8"))
        sections = {k: v for k, v in real.items() if k != "vmschkmachine"}
        skipped: Counter[str] = Counter()
        per: dict[str, list[tuple[str, JPath, str]]] = {}
        for name in sorted(sections):
            per[name] = compare_section(name, sections[name], res, skipped)
        ok = [n for n, d in per.items() if not d]
        classes: Counter[str] = Counter()
        first: Counter[str] = Counter()
        examples: dict[str, list[str]] = defaultdict(list)
        for diffs in per.values():
            if diffs:
                first[diffs[0][0]] += 1
            for cls, p, detail in diffs:
                classes[cls] += 1
                examples[cls].append(f"{_fmt(p)}: {detail}")
        n = len(sections)
        print(f"\n== {dpath} ({real.get('vmschkmachine', {}).get('Name')}): "
              f"{len(ok)}/{n} sections agree exactly = {100.0 * len(ok) / max(n, 1):.1f} %")
        print(f"   model-only sections (not built into this binary): "
              f"{len(set(res.dump) - set(sections))}")
        print("   counts (num/size/version = skipped as unknown to source): "
              + ", ".join(f"{k}={v}" for k, v in sorted(skipped.items())))
        print(f"   disagreeing sections by first reason: {dict(first.most_common())}")
        for cls, cnt in classes.most_common():
            print(f"   [{cls}] {cnt} disagreement(s)")
            lim = None if args.all else args.examples
            for ex in examples[cls][:lim]:
                print(f"      {ex}")
        report[dpath] = {
            "machine": real.get("vmschkmachine", {}).get("Name"),
            "sections": n,
            "agree": len(ok),
            "percent": round(100.0 * len(ok) / max(n, 1), 2),
            "classes": dict(classes),
            "first_reason": dict(first),
            "skipped_unknown": dict(skipped),
            "disagreements": {k: [[c, _fmt(p), d] for c, p, d in v] for k, v in per.items() if v},
            "notes": {k: res.notes.get(k, []) for k, v in per.items() if v},
        }
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
