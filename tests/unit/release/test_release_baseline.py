"""The release baseline on real git repositories: finding the last release (tag, else the
commit where VERSION became X.Y.0) and review() turning findings about what no release
shipped into notes, while what a release has keeps its severity."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))

from gitfix import VMSD_BASE, GitRepo

from bot.findings import Severity
from bot.review import ReviewOptions, review
from bot.sources.gitrange import series_from_range
from bot.sources.release import last_release, release_version

# vmstate_bar: a second device whose vmsd the development cycle added after the release
BAR = """\
#include "hw/misc/bar.h"

static const VMStateDescription vmstate_bar = {
    .name = "bar",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, BarState),
        VMSTATE_UINT32(scratch, BarState),
        VMSTATE_END_OF_LIST()
    }
};
"""
FOO_WITH_EXTRA = VMSD_BASE.replace(
    "        VMSTATE_UINT32(status, FooState),\n",
    "        VMSTATE_UINT32(status, FooState),\n        VMSTATE_UINT32(extra, FooState),\n",
)


def test_release_version() -> None:
    assert release_version("10.2.50") == ("10.2.0", "10.2")
    assert release_version("10.1.91\n") == ("10.1.0", "10.1")
    assert release_version("9.2.3") == ("9.2.0", "9.2")
    assert release_version("1.0") == ("1.0.0", "1.0")
    assert release_version("nonsense") == ()
    assert release_version(None) == ()


@pytest.fixture()
def cycle(tmp_path: Path) -> tuple[GitRepo, str]:
    """A repo: release 9.2.0 (foo), then the 9.2.50 cycle adds bar and foo.extra."""
    r = GitRepo(tmp_path / "repo")
    r.commit({"VERSION": "9.1.50\n", "hw/misc/foo.c": VMSD_BASE}, "dev")
    rel = r.commit({"VERSION": "9.2.0\n"}, "Update version for the v9.2.0 release")
    r.commit({"VERSION": "9.2.50\n"}, "Open 9.3 development tree")
    r.tag("base", r.commit({"hw/misc/bar.c": BAR, "hw/misc/foo.c": FOO_WITH_EXTRA}, "add bar"))
    return r, rel


def test_last_release_by_pickaxe_and_memo(cycle: tuple[GitRepo, str], tmp_path: Path) -> None:
    r, rel = cycle
    cache = tmp_path / "cache"
    ref = last_release(str(r.path), "base", cache)
    assert ref is not None and (ref.version, ref.commit, ref.tag) == ("9.2.0", rel, None)
    assert json.loads((cache / "release-baselines.json").read_text()) == {"9.2.0": rel}
    assert last_release(str(r.path), "base", cache) == ref  # from the memo


def test_last_release_prefers_the_tag(cycle: tuple[GitRepo, str]) -> None:
    r, rel = cycle
    r.tag("v9.2.0", rel)
    ref = last_release(str(r.path), "base")
    assert ref is not None and (ref.commit, ref.tag) == (rel, "v9.2.0")


def test_last_release_without_version(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "repo")
    r.commit({"hw/misc/foo.c": VMSD_BASE})
    assert last_release(str(r.path), "master") is None


def _findings(r: GitRepo, cache: Path) -> dict[str, tuple[Severity, str]]:
    series = series_from_range(str(r.path), "base..master")
    report = review(series, ReviewOptions(repo=str(r.path), cache_dir=cache))
    return {f.entity: (f.severity, f.message) for f in report.findings if f.rule == "MIG002"}


def test_review_lowers_what_no_release_has(cycle: tuple[GitRepo, str], tmp_path: Path) -> None:
    r, rel = cycle
    r.commit(
        {
            "hw/misc/bar.c": BAR.replace("        VMSTATE_UINT32(scratch, BarState),\n", ""),
            "hw/misc/foo.c": VMSD_BASE.replace("        VMSTATE_UINT32(scratch, FooState),\n", ""),
        },
        "drop scratch",
    )
    got = _findings(r, tmp_path / "cache")
    # foo shipped in 9.2.0 with scratch: still an error
    assert got["vmstate_foo.fields[scratch]"][0] is Severity.ERROR
    # bar is new in the cycle: a note naming the release
    sev, msg = got["vmstate_bar.fields[scratch]"]
    assert sev is Severity.NOTE
    assert f"vmsd 'bar' is new since v9.2.0 (commit {rel[:12]})" in msg


def test_review_lowers_a_field_added_in_the_cycle(
    cycle: tuple[GitRepo, str], tmp_path: Path
) -> None:
    r, _ = cycle
    r.commit({"hw/misc/foo.c": VMSD_BASE}, "drop extra again")  # extra never shipped
    sev, msg = _findings(r, tmp_path / "cache")["vmstate_foo.fields[extra]"]
    assert sev is Severity.NOTE
    assert "field 'extra' of vmsd 'foo' is new since v9.2.0" in msg


def test_review_at_the_release_has_no_baseline(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "repo")
    r.tag("base", r.commit({"VERSION": "9.2.0\n", "hw/misc/foo.c": VMSD_BASE}))
    drop = VMSD_BASE.replace("        VMSTATE_UINT32(scratch, FooState),\n", "")
    r.commit({"hw/misc/foo.c": drop})
    assert _findings(r, tmp_path / "cache")["vmstate_foo.fields[scratch]"][0] is Severity.ERROR


def _cycle_with_v2(tmp_path: Path) -> tuple[GitRepo, str]:
    """9.2.0 shipped foo v1; the cycle raised it to v2 with one `_V(2)` field (the base)."""
    v2 = VMSD_BASE.replace(".version_id = 1,", ".version_id = 2,").replace(
        "        VMSTATE_UINT32(status, FooState),\n",
        "        VMSTATE_UINT32(status, FooState),\n        VMSTATE_UINT32_V(cr1, FooState, 2),\n",
    )
    r = GitRepo(tmp_path / "repo")
    r.commit({"VERSION": "9.1.50\n", "hw/misc/foo.c": VMSD_BASE}, "dev")
    r.commit({"VERSION": "9.2.0\n"}, "Update version for the v9.2.0 release")
    r.commit({"VERSION": "9.2.50\n"}, "Open 9.3 development tree")
    r.tag("base", r.commit({"hw/misc/foo.c": v2}, "foo: cr1"))
    return r, v2


def _mig001(r: GitRepo, cache: Path) -> set[tuple[str, Severity]]:
    series = series_from_range(str(r.path), "base..master")
    report = review(series, ReviewOptions(repo=str(r.path), cache_dir=cache))
    return {(f.entity, f.severity) for f in report.findings if f.rule == "MIG001"}


@pytest.mark.parametrize(
    ("added", "expected"),
    [
        # every released stream is v1 and skips a `_V(2)` field: a note naming the release
        (["VMSTATE_UINT32_V(cr2, FooState, 2)"], ("cr2", Severity.NOTE)),
        # `_V(1)` is read from 9.2.0's streams too: still an error
        (["VMSTATE_UINT32_V(cr3, FooState, 1)"], ("cr3", Severity.ERROR)),
        # the hit names the first field only; the second still breaks 9.2.0's streams
        (
            ["VMSTATE_UINT32_V(cr2, FooState, 2)", "VMSTATE_UINT32(cr3, FooState)"],
            ("cr2", Severity.ERROR),
        ),
    ],
)
def test_field_added_at_a_version_raised_in_the_cycle(
    tmp_path: Path, added: list[str], expected: tuple[str, Severity]
) -> None:
    r, v2 = _cycle_with_v2(tmp_path)
    line = "        VMSTATE_UINT32_V(cr1, FooState, 2),\n"
    r.commit({"hw/misc/foo.c": v2.replace(line, line + "".join(f"        {a},\n" for a in added))})
    assert _mig001(r, tmp_path / "cache") == {(f"vmstate_foo.fields[{expected[0]}]", expected[1])}
