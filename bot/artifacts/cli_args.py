"""Command-line flags of the artifact layer, shared by `check --build` and other commands."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from bot.errors import InputError

if TYPE_CHECKING:  # imported when --build is asked for: `check` without it starts faster
    from bot.artifacts.pipeline import ArtifactOptions


def add_artifact_arguments(p: argparse.ArgumentParser) -> None:
    """Add --build and its options (target, machines, checker, sandbox, binaries, limits)."""
    g = p.add_argument_group("artifacts (build, dump, compare, migrate)")
    g.add_argument("--build", action="store_true",
                   help="build base and head, dump vmstate, compare and migrate for real")
    g.add_argument("--target", default="x86_64", help="QEMU target (default x86_64)")
    g.add_argument("--machines", default="",
                   help="comma-separated machine types (default: newest versioned ones)")
    g.add_argument("--checker", choices=("builtin", "upstream", "both"), default="both",
                   help="dump comparator(s) to run (default both)")
    g.add_argument("--no-sandbox", action="store_true",
                   help="UNSAFE: run the series' build and QEMU with your own privileges, "
                        "no isolation (only for series you trust, on your own machine)")
    g.add_argument("--src-binary", help="prebuilt base QEMU (skip building base)")
    g.add_argument("--dst-binary", help="prebuilt head QEMU (skip building head)")
    g.add_argument("--devices", default="",
                   help="extra -device specs for the real migration, ';'-separated")
    g.add_argument("--no-migrate", action="store_true", help="skip the real migration")
    g.add_argument("--build-timeout", type=float, default=3600.0, metavar="SECONDS")
    g.add_argument("--build-memory", type=float, default=6.0, metavar="GIB")
    g.add_argument("--run-timeout", type=float, default=120.0, metavar="SECONDS")
    g.add_argument("--run-memory", type=float, default=2.0, metavar="GIB")
    g.add_argument("--build-disk", type=float, default=16.0, metavar="GIB",
                   help="what the build and temp dirs may hold (default 16); past it the "
                        "build is stopped")
    g.add_argument("--workdir", help="scratch dir for sources, builds and dumps")
    g.add_argument("--subprojects", help="dir of pre-fetched meson subprojects (keycodemapdb)")
    g.add_argument("--jobs", type=int, default=None, help="ninja -j")
    g.add_argument("--against", metavar="BINARY",
                   help="also migrate the head build from and to this QEMU (e.g. a "
                   "distribution's qemu-system-x86_64 of an older release) on every versioned "
                   "machine type both support")  # fmt: skip
    g.add_argument("--against-machines", default="", metavar="M1,M2",
                   help="only these of the common versioned machine types (default: all)")


def options_from_args(args: argparse.Namespace, *, progress: bool = True) -> ArtifactOptions:
    """ArtifactOptions from the parsed flags of add_artifact_arguments."""
    from bot.artifacts.pipeline import ArtifactOptions
    from bot.artifacts.sandbox import GIB, Limits
    from bot.progress import Terminal

    for name in ("build_timeout", "run_timeout", "build_memory", "run_memory", "build_disk"):
        if getattr(args, name) <= 0:
            raise InputError(f"--{name.replace('_', '-')} must be positive",
                             input_name=f"--{name.replace('_', '-')}")
    if args.no_sandbox and getattr(args, "build", False):
        print("migcheck: WARNING: --no-sandbox: the series' build scripts and QEMU binaries "
              "run UNISOLATED with your privileges, your files and your environment",
              file=sys.stderr, flush=True)
    return ArtifactOptions(
        target=args.target,
        machines=tuple(m for m in args.machines.split(",") if m),
        checker=args.checker,
        sandbox=not args.no_sandbox,
        src_binary=args.src_binary,
        dst_binary=args.dst_binary,
        limits=Limits(build_seconds=args.build_timeout,
                      build_memory=int(args.build_memory * GIB),
                      run_seconds=args.run_timeout, run_memory=int(args.run_memory * GIB),
                      build_disk=int(args.build_disk * GIB)),
        progress=Terminal() if progress else ArtifactOptions().progress,
        devices=tuple(d for d in args.devices.split(";") if d),
        migrate=not args.no_migrate,
        workdir=args.workdir,
        jobs=args.jobs,
        subprojects=args.subprojects,
        against=_against(args),
        against_machines=tuple(m for m in getattr(args, "against_machines", "").split(",") if m),
    )


def _against(args: argparse.Namespace) -> str | None:
    """--against as an absolute path of an executable file; InputError otherwise."""
    path: str | None = getattr(args, "against", None)
    if not path:
        return None
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise InputError("not an executable file", input_name=path,
                         hint="pass --against the path of a qemu-system-* binary, e.g. "
                         "/usr/bin/qemu-system-x86_64")  # fmt: skip
    return os.path.abspath(path)
