"""MIG074 reads conditions and branches of hook bodies from series text: exact on real code,
bounded on hostile input."""

from __future__ import annotations

from rules.hook_assert_inverted import (
    _MAX_BODY,
    _MAX_BRANCH,
    _asserted,
    _balanced,
    _failing_ifs,
)


def test_real_conditions_and_failing_branches_are_read() -> None:
    body = (
        "static int qxl_pre_save(void *opaque)\n{\n"
        "    assert(d->last_release_offset < d->vga.vram_size);\n"
        "    if (d->last_release_offset >= d->vga.vram_size) {\n"
        "        return 1;\n    }\n    return 0;\n}\n"
    )
    assert _asserted(body) == {"d->last_release_offset<d->vga.vram_size"}
    assert set(_failing_ifs(body)) == {"d->last_release_offset>=d->vga.vram_size"}


def test_unclosed_ifs_and_blocks_are_short_scans() -> None:
    """Every `if (` of a hostile body of unclosed conditions and blocks is one scan of at most
    _MAX_COND (condition) or _MAX_BRANCH (block) characters, never one to the end of the body:
    what lies further is not read."""
    assert _balanced("(" + "x" * 100 + ")", 0, "(", ")", 50) == -1
    assert _balanced("(" + "x" * 100 + ")", 0, "(", ")", 200) == 102
    far = "if (x) {" + " " * (_MAX_BRANCH + 10) + "return 1; }"
    assert _failing_ifs(far) == {}
    near = "if (x) {" + " " * 100 + "return 1; }"
    assert set(_failing_ifs(near)) == {"x"}
    hostile = ("if (" * (_MAX_BODY // 4))[:_MAX_BODY]
    assert _failing_ifs(hostile) == {} and _asserted(hostile.replace("if", "assert")) == set()
