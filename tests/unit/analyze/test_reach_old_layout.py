"""Reach in the pre-2.9 layout: CPUs of target-i386/ sit on versioned machines, as target/i386/."""

from __future__ import annotations

from bot.model.extract import extract_file
from bot.model.tree import TreeIndex

CPU = b"""
#include "cpu.h"

static const TypeInfo x86_cpu_type_info = {
    .name = "x86_64-cpu",
    .parent = "cpu",
    .instance_size = sizeof(X86CPU),
};
"""


def test_old_layout_cpu_is_on_a_versioned_machine() -> None:
    for path in ("target-i386/cpu.c", "target/i386/cpu.c"):
        tree = TreeIndex.from_models({path: extract_file(path, CPU)})
        assert tree.view().on_versioned_machine("x86_64-cpu"), path
    other = TreeIndex.from_models({"target-foo/cpu.c": extract_file("target-foo/cpu.c", CPU)})
    assert not other.view().on_versioned_machine("x86_64-cpu")
