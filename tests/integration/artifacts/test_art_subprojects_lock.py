"""The source is read-only in the sandbox, but meson takes a lock file in its subprojects/
dir (`subprojects/.wraplock`, also for subprojects already present): a real QEMU configure
fails without it. The build may add that file; the content of the source, subprojects
included, stays as the checkout wrote it."""

from __future__ import annotations

from pathlib import Path

from art_buildfix import CONFIGURE, commit_all, make_project, unit_c

from bot.artifacts.build import BuildProfile, build_pair
from bot.artifacts.sandbox import Limits, probe

PROFILE = BuildProfile("x86_64", ("--target-list=x86_64-softmmu",), "qemu-system-x86_64")

# What meson does (the lock), then what a hostile configure might try; any success of the
# latter fails the build with its own exit code.
PREAMBLE = r"""#!/bin/sh
src=$(cd "$(dirname "$0")" && pwd)
true > "$src/subprojects/.wraplock" || exit 31
echo tampered > "$src/subprojects/keycodemapdb/README" 2>/dev/null && exit 32
echo tampered > "$src/subprojects/dtc.wrap" 2>/dev/null && exit 33
echo tampered > "$src/subprojects/keycodemapdb/new" 2>/dev/null && exit 34
echo tampered > "$src/src/unit0.c" 2>/dev/null && exit 36
echo x > "$src/new-file" 2>/dev/null && exit 37
"""


def test_configure_may_lock_subprojects_and_change_nothing(tmp_path: Path) -> None:
    repo, _ = make_project(tmp_path, units=2)
    (repo / "configure").write_text(PREAMBLE + CONFIGURE.split("\n", 1)[1])
    (repo / "subprojects").mkdir()
    (repo / "subprojects" / "dtc.wrap").write_text("[wrap-git]\n")
    base = commit_all(repo, "meson-like configure")
    (repo / "src" / "unit1.c").write_text(unit_c(1, "int y = 2; (void)y;"))
    head = commit_all(repo, "head")
    fetched = tmp_path / "fetched"
    (fetched / "keycodemapdb").mkdir(parents=True)
    (fetched / "keycodemapdb" / "README").write_text("keycodemapdb\n")

    sandbox = probe(True)
    assert sandbox.enabled and sandbox.drops_uid  # the tests run as root: uid is dropped
    rb, rh = build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=sandbox,
                        limits=Limits(), subprojects=str(fetched))  # fmt: skip
    assert Path(rb.binary).exists() and Path(rh.binary).exists()
    sub = tmp_path / "w" / "src" / "subprojects"
    assert (sub / ".wraplock").exists()
    assert (sub / "keycodemapdb").stat().st_uid == 0  # the copied subproject stays the bot's
    assert (sub / "keycodemapdb" / "README").read_text() == "keycodemapdb\n"
    assert (sub / "dtc.wrap").read_text() == "[wrap-git]\n"
    assert not (tmp_path / "w" / "src" / "new-file").exists()
