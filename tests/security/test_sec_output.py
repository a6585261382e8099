"""Issue 10 item 4: what a sandboxed child prints is read with a byte cap. A build step or a
QEMU binary that writes 300 MB without a newline must not grow the bot by more than a few
MiB (it grew from 13 to 621 MiB before)."""

from __future__ import annotations

import json
from pathlib import Path

from secfix import hostile_series, run_python

MIB = 1024 * 1024
FLOOD = "head -c 300000000 /dev/zero | tr '\\0' x >&2\nexit 1\n"  # stdout goes to gen.out


def _growth(imports: str, call: str) -> dict[str, int]:
    """Run `call` in a fresh interpreter: how much its peak RSS grew, how long the error is."""
    r = run_python(f"""
import json, resource
from bot.artifacts.sandbox import Limits, probe
from bot.errors import BotError
{imports}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
err = ""
try:
    {call}
except BotError as e:
    err = str(e)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"grew_kib": after - before, "error_chars": len(err)}}))
""")
    assert r.returncode == 0, r.stderr[-2000:]
    out: dict[str, int] = json.loads(r.stdout.splitlines()[-1])
    return out


def test_a_build_flooding_its_output_does_not_grow_the_bot(tmp_path: Path) -> None:
    repo, base, head = hostile_series(tmp_path, FLOOD)
    out = _growth(
        "from bot.artifacts.build import build_pair, BuildProfile\n"
        'p = BuildProfile("x86_64", ("--target-list=x86_64-softmmu",), "qemu-system-x86_64")',
        f"build_pair({str(repo)!r}, {base!r}, {head!r}, {str(tmp_path / 'w')!r}, p, "
        "sandbox=probe(True), limits=Limits())")
    assert out["grew_kib"] * 1024 < 32 * MIB, out
    assert 0 < out["error_chars"] < 10_000, out  # the failure is reported, capped


def test_a_qemu_flooding_its_log_does_not_grow_the_bot(tmp_path: Path) -> None:
    fake = tmp_path / "qemu-flood"
    fake.write_text("#!/bin/sh\nhead -c 300000000 /dev/zero | tr '\\0' x\nexit 1\n")
    fake.chmod(0o755)
    out = _growth(
        "from bot.artifacts.dump import QemuBinary\n"
        "from bot.artifacts.migrate import migrate_once\n"
        f"q = QemuBinary({str(fake)!r})",
        f"migrate_once(q, q, 'pc', workdir={str(tmp_path / 'm')!r}, sandbox=probe(True), "
        "limits=Limits(), accel='tcg')")
    assert out["grew_kib"] * 1024 < 32 * MIB, out
    assert 0 < out["error_chars"] < 10_000, out
