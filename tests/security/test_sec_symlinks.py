"""Issue 10 item 5: host-side file work never follows a symlink that untrusted code planted,
source locating reads git objects, the built binary is copied without following symlinks,
and the head (its build or its binary at run time) cannot touch the base binary or any file
of another run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from art_buildfix import CONFIGURE, MAIN_C, commit_all, git, make_project
from secfix import FORGER_C, PROFILE, hostile_series, run_python

from bot.artifacts.build import build_pair
from bot.artifacts.sandbox import Limits, probe
from bot.errors import BuildError


def test_a_base_build_cannot_make_the_head_checkout_delete_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.c").write_text("precious\n")
    repo, _ = make_project(tmp_path, units=1)
    (repo / "sub").mkdir()
    (repo / "sub" / "victim.c").write_text("/* not compiled */\n")
    (repo / "sub" / "other.c").write_text("/* not compiled */\n")
    # the base build swaps the source dir sub/ for a symlink to a dir outside the work dir
    (repo / "gen.sh").write_text(f'src=$(dirname "$1$0"); rm -rf "$src/sub" && '
                                 f'ln -s {outside} "$src/sub"; echo done\n')
    base = commit_all(repo, "base whose build plants a symlink")
    (repo / "sub" / "victim.c").unlink()  # the head deletes sub/victim.c ...
    (repo / "sub" / "other.c").write_text("/* changed */\n")  # ... and rewrites sub/other.c
    head = commit_all(repo, "head")
    try:
        build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=probe(True),
                   limits=Limits())
    except BuildError:
        pass  # refusing is fine too; touching the outside is not
    assert (outside / "victim.c").read_text() == "precious\n"
    assert not (outside / "other.c").exists()


def test_a_tracked_symlink_to_dev_zero_does_not_hang_the_locator(tmp_path: Path) -> None:
    repo, _ = make_project(tmp_path, units=1)
    (repo / "hw").mkdir()
    (repo / "hw" / "dev.c").write_text('static const VMStateDescription vmstate_e1000 = {\n'
                                       '    .name = "e1000",\n};\n')
    os.symlink("/dev/zero", repo / "hw" / "evil.c")
    base = commit_all(repo, "base")
    (repo / "src" / "unit0.c").write_text("int unit0(void) { return 7; }\n")
    head = commit_all(repo, "head")
    r = run_python(f"""
        import json
        from bot.artifacts.build import BuildProfile
        from bot.artifacts.pipeline import ArtifactOptions, run_artifacts
        fs = run_artifacts({str(repo)!r}, {base!r}, {head!r}, ArtifactOptions(
            workdir={str(tmp_path / "w")!r}, machines=("pc-q35-7.2",), checker="builtin",
            migrate=False, profile=BuildProfile("x86_64", (), "qemu-system-x86_64")))
        print(json.dumps(len(fs.findings)))
    """, timeout=180, memory=2 << 30)
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads(r.stdout.splitlines()[-1]) == 0


def test_a_built_binary_that_is_a_symlink_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "host-secret.txt"
    secret.write_text("TOP-SECRET-HOST-FILE\n")
    repo, base = make_project(tmp_path, units=1)
    # head's configure (re-run by ninja because it changed) links the "binary" as a symlink
    evil = CONFIGURE.replace(r'command = cc \$in -o \$out"', f'command = ln -sf {secret} \\$out"')
    assert evil != CONFIGURE
    (repo / "configure").write_text(evil)
    head = commit_all(repo, "link the product to a host file")
    with pytest.raises(BuildError, match=r"regular file|symlink"):
        build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=probe(True),
                   limits=Limits())
    for f in (tmp_path / "w").rglob("*"):
        if f.is_file() and not f.is_symlink():
            assert "TOP-SECRET-HOST-FILE" not in f.read_bytes().decode(errors="replace"), f


def test_the_head_build_cannot_replace_the_base_binary(tmp_path: Path) -> None:
    base_bin = tmp_path / "w" / "base" / "qemu-system-x86_64"
    gen = f'printf "#!/bin/sh\\necho FORGED\\n" > {base_bin}; echo tried\n'
    repo, base, head = hostile_series(tmp_path, gen)
    rb, _ = build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=probe(True),
                       limits=Limits())
    assert b"FORGED" not in Path(rb.binary).read_bytes()
    assert Path(rb.binary).read_bytes()[:4] == b"\x7fELF"


def test_the_head_binary_cannot_forge_the_base_or_plant_log_symlinks(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    repo, base = make_project(tmp_path, units=1)
    (repo / "src" / "main.c").write_text(FORGER_C.replace("VICTIM", str(victim)))
    head = commit_all(repo, "a head binary that forges the base")
    assert MAIN_C != (repo / "src" / "main.c").read_text()
    r = run_python(f"""
        import json
        from bot.artifacts.build import BuildProfile
        from bot.artifacts.pipeline import ArtifactOptions, run_artifacts
        fs = run_artifacts({str(repo)!r}, {base!r}, {head!r}, ArtifactOptions(
            workdir={str(tmp_path / "w")!r}, machines=("pc-q35-7.2",), checker="builtin",
            profile=BuildProfile("x86_64", (), "qemu-system-x86_64")))
        print(json.dumps(len(fs.findings)))
    """, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert victim.read_text() == "keep me\n"
    b = (tmp_path / "w" / "b" / "base" / "qemu-system-x86_64").read_bytes()
    h = (tmp_path / "w" / "b" / "head" / "qemu-system-x86_64").read_bytes()
    assert b != h  # the base binary is still the base's


def _fake_qemu(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_a_dump_that_is_a_symlink_to_dev_zero_is_refused(tmp_path: Path) -> None:
    fake = _fake_qemu(tmp_path / "qemu-link",
                      'while [ "$#" -gt 0 ]; do [ "$1" = -dump-vmstate ] && '
                      'ln -s /dev/zero "$2"; shift; done\n')
    r = run_python(f"""
        from bot.artifacts.dump import QemuBinary, dump_vmstate
        from bot.artifacts.sandbox import Limits, probe
        from bot.errors import BotError
        try:
            dump_vmstate(QemuBinary({str(fake)!r}), "pc", {str(tmp_path / "d" / "x.json")!r},
                         sandbox=probe(True), limits=Limits())
            print("LOADED")
        except BotError as e:
            print("REFUSED", str(e).splitlines()[0])
    """, timeout=120, memory=1 << 30)
    assert "REFUSED" in r.stdout, (r.stdout, r.stderr[-2000:])


def test_machine_names_from_a_binary_cannot_name_paths(tmp_path: Path) -> None:
    from bot.artifacts.dump import QemuBinary, list_machines

    fake = _fake_qemu(tmp_path / "qemu-names",
                      'echo "Supported machines are:"\n'
                      'echo "../../../../tmp/evil-9.9 escapes the work dir"\n'
                      'echo "/abs/path-1.0 absolute"\necho "pc-q35-9.0 fine"\n')
    names = [n for n, _ in list_machines(QemuBinary(str(fake)), sandbox=probe(True),
                                         limits=Limits(), workdir=tmp_path)]
    assert names == ["pc-q35-9.0"]


def test_git_is_the_only_source_of_the_locator(tmp_path: Path) -> None:
    from bot.artifacts.locate import git_vmsd_locator

    repo, _ = make_project(tmp_path, units=1)
    (repo / "hw.c").write_text('static const VMStateDescription vmstate_x = {\n'
                               '    .name = "x-dev",\n};\n')
    os.symlink("/dev/zero", repo / "zero.c")
    rev = commit_all(repo, "with a symlink")
    git(repo, "rm", "-q", "hw.c")  # the work tree no longer has it: git objects do
    assert git_vmsd_locator(str(repo), rev)("x-dev") == ("hw.c", 1)
