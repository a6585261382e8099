"""bot.engine.deprecation: the names a series documents as removed after deprecation."""

from __future__ import annotations

from bot.engine.deprecation import documented_removals
from bot.series import FileChange, Patch, Series

OLD = b"""Removed features
================

``sga`` (removed in 8.0)
''''''''''''''''''''''''

The ``sga`` device loaded an option ROM.
"""
NEW = OLD + b"""
``-device vfio-platform,host=x`` (removed in 11.0)
''''''''''''''''''''''''''''''''''''''''''''''''''

Use ``-device vfio-pci`` instead; ``x-foo`` in prose is no title.

``pvrdma`` and the RDMA subsystem (removed in 9.1)
''''''''''''''''''''''''''''''''''''''''''''''''''
"""


def _series(path: str, old: bytes | None, new: bytes | None) -> Series:
    fc = FileChange(old_path=path, new_path=path, old=old, new=new)
    return Series("0" * 40, "1" * 40, (Patch(1, "1" * 40, "s", "a", (fc,)),), (fc,))


def test_titles_added_to_removed_features() -> None:
    got = documented_removals(_series("docs/about/removed-features.rst", OLD, NEW))
    assert got == {"vfio-platform", "pvrdma"}  # sga was there before; prose is not a title


def test_other_docs_do_not_count() -> None:
    assert documented_removals(_series("docs/about/deprecated.rst", OLD, NEW)) == frozenset()
