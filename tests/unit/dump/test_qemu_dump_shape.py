"""The renderer's shape against a real `-dump-vmstate` (Debian's qemu-system-x86_64)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.model.extract import extract_file
from bot.model.render_dump import DumpRender, format_dump, render_dump_ex
from bot.model.tree import TreeIndex

QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"
FIX = Path(__file__).parent / "fixtures"

# CI installs Debian's qemu-system-x86 (scripts/test): missing QEMU is a failure, not a skip.
assert Path(QEMU).exists(), "qemu-system-x86_64 is required (apt-get install qemu-system-x86)"
pytestmark = [pytest.mark.qemu]


@pytest.fixture(scope="module")
def real_dump(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("dump") / "pc.json"
    subprocess.run(
        [QEMU, "-M", "pc-i440fx-7.2", "-nodefaults", "-display", "none",
         "-dump-vmstate", str(out)],
        check=True, timeout=120, capture_output=True,
    )
    text = out.read_text()
    return text, json.loads(text)


def _fill_unknown(node: Any, real: Any, at: tuple[Any, ...], res: DumpRender) -> Any:
    """The model with each unknown placeholder replaced by the real value (nothing else)."""
    if at in res.unknown:
        return real
    if isinstance(node, dict) and isinstance(real, dict):
        return {k: _fill_unknown(v, real.get(k), (*at, k), res) for k, v in node.items()}
    if isinstance(node, list) and isinstance(real, list):
        return [
            _fill_unknown(v, real[i] if i < len(real) else None, (*at, i), res)
            for i, v in enumerate(node)
        ]
    return node


def test_real_dump_layout_is_what_format_dump_writes(real_dump: tuple[str, Any]) -> None:
    text, dump = real_dump
    assert format_dump(dump) == text


def test_rendered_section_matches_real_section(real_dump: tuple[str, Any]) -> None:
    _, dump = real_dump
    fm = extract_file("hw/input/kbdlike.c", (FIX / "kbdlike.c").read_bytes())
    res = render_dump_ex(TreeIndex.from_models({"hw/input/kbdlike.c": fm}))
    model = res.dump["i8042"]
    real = dump["i8042"]
    # the only value the source cannot know here is sizeof(Ctl) of the embedded struct
    assert res.unknown == {("i8042", "Description", "Fields", 0, "size")}
    assert _fill_unknown(model, real, ("i8042",), res) == real
    # same keys in the same order at every level, including the nested Description
    assert json.dumps(_fill_unknown(model, real, ("i8042",), res)) == json.dumps(real)
