"""`migcheck model`: render the source model of a tree, e.g. in the `-dump-vmstate` shape.

    migcheck model --repo ~/qemu --rev master --format dump --types-from pc.json -o model.json

`--format dump` prints exactly what QEMU's `-dump-vmstate` would print for the device types
the source defines (values source analysis cannot know, such as `sizeof` of a C struct, are
`null`). `--format json` wraps that dump with the side channel: `unknown` (paths of the null
placeholders), `notes` (per type: what could not be resolved) and `origins` (per type: vmsd
C name and file).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.errors import InputError


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the `model` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "model",
        help="render the source model of a tree (e.g. as -dump-vmstate JSON)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--repo", default=".", metavar="PATH", help="git repository (default: .)")
    p.add_argument("--rev", default="HEAD", help="revision to render (default: HEAD)")
    p.add_argument("--format", choices=("dump", "json"), default="dump", help="output format")
    p.add_argument(
        "--types-from",
        metavar="DUMP.json",
        help="only the type names present in this real -dump-vmstate file "
        "(its vmschkmachine is copied too)",
    )
    p.add_argument("--types", metavar="T,...", help="only these comma-separated type names")
    p.add_argument("--machine", default="", help="vmschkmachine Name to print")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="whole-tree index cache (default: $XDG_CACHE_HOME/migcheck or ~/.cache/migcheck)",
    )
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 2, help="parse workers")
    return p


def read_dump(path: str) -> dict[str, Any]:
    """Load a -dump-vmstate JSON file, with errors for people."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", input_name=path) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"not JSON ({exc})",
            input_name=path,
            hint="pass a file written by `qemu-system-* -dump-vmstate FILE`",
        ) from exc
    if not isinstance(data, dict):
        raise InputError("not a -dump-vmstate object", input_name=path)
    return data


def run(args: argparse.Namespace) -> int:
    """Build (or load) the index for --rev and print the rendered model."""
    from bot.index import build_index
    from bot.model.render_dump import format_dump, render_dump_ex
    from bot.review import default_cache_dir

    types: list[str] | None = None
    machine = args.machine
    if args.types_from:
        real = read_dump(args.types_from)
        types = [k for k in real if k != "vmschkmachine"]
        vm = real.get("vmschkmachine")
        if not machine and isinstance(vm, dict):
            machine = str(vm.get("Name", ""))
    if args.types:
        only = [t.strip() for t in args.types.split(",") if t.strip()]
        types = only if types is None else [t for t in types if t in set(only)]
    if not os.path.isdir(args.repo):
        raise InputError("not a directory", input_name=args.repo, hint="pass --repo PATH")
    cache = args.cache_dir if args.cache_dir is not None else default_cache_dir()
    tree = build_index(args.repo, args.rev, cache, jobs=max(1, args.jobs))
    res = render_dump_ex(tree, types)
    dump: dict[str, Any] = {"vmschkmachine": {"Name": machine}, **res.dump}
    if args.format == "dump":
        text = format_dump(dump)
    else:
        text = json.dumps(
            {
                "dump": dump,
                "unknown": sorted([list(p) for p in res.unknown], key=repr),
                "notes": res.notes,
                "origins": {k: list(v) for k, v in res.origins.items()},
                "missing": sorted(set(types or ()) - set(res.dump)),
            },
            indent=2,
        ) + "\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write ({exc.strerror})", input_name=args.output) from exc
    else:
        sys.stdout.write(text)
    return 0
