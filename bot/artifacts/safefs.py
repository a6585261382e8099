"""Host-side file work on trees that untrusted code has written: never follow a symlink,
read regular files only, bounded sizes.

A build or a QEMU run can leave symlinks, FIFOs, device-like names or huge files where the bot
expects its outputs (`build/qemu-system-x86_64 -> /etc/shadow`, `dump.json -> /dev/zero`).
Everything here opens with O_NOFOLLOW (every path component below a trusted root), checks the
file type on the open descriptor and stops at a byte cap.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ArtifactError

_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
_CHUNK = 1 << 20


def _refuse(path: str | Path, what: str) -> ArtifactError:
    return ArtifactError(what, input_name=str(path),
                         hint="the build or QEMU run left something other than a regular "
                              "file here; the series is not trusted with host files")


def _parts(rel: str | Path) -> list[str]:
    parts = [p for p in Path(rel).parts if p not in ("", ".")]
    if not parts or any(p == ".." or p.startswith("/") for p in parts):
        raise _refuse(rel, "not a plain relative path")
    return parts


def _open_dirs(root: str | Path, dirs: list[str], fds: list[int]) -> None:
    """Append to `fds` an fd for `root`, then one per dir below it, never through a symlink
    (OSError ELOOP/ENOTDIR when a component is one)."""
    fds.append(os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
    for p in dirs:
        fds.append(os.open(p, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=fds[-1]))


def _close(fds: list[int]) -> None:
    for f in reversed(fds):
        os.close(f)


@contextlib.contextmanager
def open_beneath(root: str | Path, rel: str | Path) -> Iterator[int]:
    """An fd for regular file `rel` under trusted dir `root`, no symlink at any level."""
    parts = _parts(rel)
    fds: list[int] = []
    try:
        _open_dirs(root, parts[:-1], fds)
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW, dir_fd=fds[-1])
        fds.append(fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _refuse(Path(root) / rel, "not a regular file")
        yield fd
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _refuse(Path(root) / rel, "a symlink where a file or dir was expected") from exc
        raise
    finally:
        _close(fds)


def read_fd(fd: int, max_bytes: int, name: str) -> bytes:
    """All of an open regular file, or ArtifactError when it is bigger than max_bytes."""
    size = os.fstat(fd).st_size
    if size > max_bytes:
        raise _refuse(name, f"file is {size} bytes, more than the {max_bytes} allowed")
    chunks: list[bytes] = []
    total = 0
    while True:
        data = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
        if not data:
            break
        chunks.append(data)
        total += len(data)
        if total > max_bytes:
            raise _refuse(name, f"file grew past the {max_bytes} bytes allowed")
    return b"".join(chunks)


def read_regular(path: str | Path, max_bytes: int) -> bytes:
    """Bytes of `path` (its last component must not be a symlink; regular file only)."""
    p = Path(path)
    with open_beneath(p.parent, p.name) as fd:
        return read_fd(fd, max_bytes, str(p))


def copy_regular(root: str | Path, rel: str | Path, dest: str | Path, *, max_bytes: int,
                 mode: int = 0o755) -> None:
    """Copy regular file `root/rel` (no symlinks followed) to a new file `dest`."""
    d = Path(dest)
    with open_beneath(root, rel) as src:
        if os.fstat(src).st_size > max_bytes:
            raise _refuse(Path(root) / rel, f"more than the {max_bytes} bytes allowed")
        with contextlib.suppress(FileNotFoundError):
            d.unlink()
        out = os.open(d, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, mode)
        try:
            total = 0
            while True:
                data = os.read(src, _CHUNK)
                if not data:
                    break
                total += len(data)
                if total > max_bytes:
                    raise _refuse(Path(root) / rel, f"grew past the {max_bytes} bytes allowed")
                os.write(out, data)
            os.fchmod(out, mode)
        finally:
            os.close(out)


@dataclass(frozen=True, slots=True)
class Usage:
    """Disk use of some trees, counted without following symlinks."""

    bytes: int
    entries: int
    unreadable: str  # a dir the scan could not read ("" when none)


def tree_usage(roots: Iterable[str | Path], *, max_entries: int) -> Usage:
    """Allocated bytes and entries below `roots`; stops counting past max_entries."""
    total = entries = 0
    unreadable = ""
    stack = [str(r) for r in roots]
    while stack and entries <= max_entries:
        top = stack.pop()
        try:
            it = os.scandir(top)
        except FileNotFoundError:
            continue
        except OSError:
            unreadable = unreadable or top
            continue
        with it:
            for e in it:
                entries += 1
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += st.st_blocks * 512
                if stat.S_ISDIR(st.st_mode):
                    stack.append(e.path)
    return Usage(total, entries, unreadable)


def unlink_beneath(root: str | Path, rel: str | Path, *, dirs: bool = False,
                   keep_regular: bool = False) -> bool:
    """Remove the entry `root/rel` without following a symlink at any level; a directory
    only when `dirs` (then with its contents), a regular file unless `keep_regular` (it will
    be rewritten in place). False when nothing was removed."""
    parts = _parts(rel)
    fds: list[int] = []
    try:
        try:
            _open_dirs(root, parts[:-1], fds)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ELOOP, errno.ENOTDIR):
                return False  # a symlink or file in the way: the path is not in the tree
            raise
        name = parts[-1]
        try:
            st = os.stat(name, dir_fd=fds[-1], follow_symlinks=False)
        except FileNotFoundError:
            return False
        if stat.S_ISDIR(st.st_mode):
            if not dirs:
                return False
            shutil.rmtree(name, dir_fd=fds[-1])
        elif stat.S_ISREG(st.st_mode) and keep_regular:
            return False
        else:
            os.unlink(name, dir_fd=fds[-1])
        return True
    finally:
        _close(fds)
