"""Host-side file helpers on trees untrusted code wrote: no symlink followed, regular files
only, bounded sizes; the disk watchdog's count; the git-object VMSD locator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.artifacts.locate import vmsd_locator
from bot.artifacts.safefs import (
    copy_regular,
    open_beneath,
    read_regular,
    tree_usage,
    unlink_beneath,
)
from bot.artifacts.sandbox import Sandbox
from bot.errors import ArtifactError


def test_open_beneath_refuses_a_symlink_at_any_level(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "l").symlink_to(tmp_path / "real" / "f")
    with open_beneath(tmp_path, "real/f") as fd:
        assert os.read(fd, 10) == b"x"
    for rel in ("link/f", "real/l", "../x"):
        with pytest.raises(ArtifactError):
            with open_beneath(tmp_path, rel):
                pass


def test_read_and_copy_regular_files_only_with_a_cap(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")  # would block a plain open() forever
    (tmp_path / "big").write_bytes(b"x" * 1000)
    with pytest.raises(ArtifactError, match="regular file"):
        read_regular(tmp_path / "fifo", 10)
    with pytest.raises(ArtifactError, match="1000 bytes"):
        read_regular(tmp_path / "big", 100)
    copy_regular(tmp_path, "big", tmp_path / "copy", max_bytes=1000, mode=0o700)
    assert (tmp_path / "copy").read_bytes() == b"x" * 1000
    assert (tmp_path / "copy").stat().st_mode & 0o777 == 0o700


def test_unlink_beneath_never_goes_through_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_text("keep")
    root = tmp_path / "root"
    root.mkdir()
    (root / "sub").symlink_to(outside)
    assert unlink_beneath(root, "sub/victim") is False
    assert (outside / "victim").read_text() == "keep"
    (root / "d").mkdir()
    (root / "d" / "f").write_text("1")
    assert unlink_beneath(root, "d") is False  # a dir only when asked
    assert unlink_beneath(root, "d/f", keep_regular=True) is False
    assert unlink_beneath(root, "d", dirs=True) and not (root / "d").exists()
    assert unlink_beneath(root, "sub") and outside.exists()  # the link, not its target


def test_tree_usage_counts_without_following_links(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 100_000)
    (tmp_path / "l").symlink_to("/usr")
    u = tree_usage([tmp_path], max_entries=100)
    assert u.entries == 2 and 100_000 <= u.bytes < 200_000 and not u.unreadable


def test_private_dirs_are_fresh_per_run(tmp_path: Path) -> None:
    sb = Sandbox("none")
    a, b = sb.private_dir(tmp_path, "r"), sb.private_dir(tmp_path, "r")
    assert a != b and a.parent == b.parent == tmp_path


def test_dir_locator_reads_regular_files_only(tmp_path: Path) -> None:
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "a.c").write_text('static const VMStateDescription vmstate_a = {\n'
                                         '    .name = "a-dev",\n};\n')
    (tmp_path / "hw" / "zero.c").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "hw" / "fifo.c")
    assert vmsd_locator(tmp_path)("a-dev") == ("hw/a.c", 1)


def test_root_mode_keeps_the_kvm_group_only_for_qemu(tmp_path: Path) -> None:
    from bot.artifacts.sandbox import Budget

    sb = Sandbox("bwrap", kvm=True, kvm_group=993)
    b = Budget(10, 1 << 30)
    plain = " ".join(sb.wrap(["ninja"], writable=[], cwd="/", env={}, budget=b))
    qemu = " ".join(sb.wrap(["qemu"], writable=[], cwd="/", env={}, budget=b, kvm=True))
    assert "--clear-groups" in plain and "993" not in plain and "/dev/kvm" not in plain
    assert "--groups 993" in qemu and "--dev-bind /dev/kvm /dev/kvm" in qemu
