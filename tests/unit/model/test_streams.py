"""Open-coded stream extraction: QEMU API look-ups named qemu_get_* are not stream reads."""

from __future__ import annotations

from bot.model.extract.streams import read_streams


def test_api_lookups_are_not_stream_ops() -> None:
    src = (
        "static void e1000_reset(E1000State *d)\n"
        "{\n"
        "    NetClientState *nc = qemu_get_queue(d->nic);\n"
        "    qemu_get_nic_opaque(nc);\n"
        "}\n"
        "static int e1000_load(QEMUFile *f, void *opaque, int version_id)\n"
        "{\n"
        "    E1000State *d = opaque;\n"
        "    NetClientState *nc = qemu_get_queue(d->nic);\n"
        "    d->mac_reg[0] = qemu_get_be32(f);\n"
        "    return 0;\n"
        "}\n"
    )
    lines = src.split("\n")
    ends = [i + 1 for i, line in enumerate(lines) if line == "}"]
    fns = read_streams(src, [("e1000_reset", 1, ends[0]), ("e1000_load", ends[0] + 1, ends[1])])
    assert [f.name for f in fns] == ["e1000_load"]  # the reset reads nothing
    assert [(o.op, o.width) for o in fns[0].ops] == [("get", "be32")]
