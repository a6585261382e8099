"""The `migcheck` command line end to end on real git repositories (pygit2, git am).

Runs bot.cli.main([...]) in-process and once through a subprocess. Bad input must give
exit 2, a message naming the input, and no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parents[1]
for _helper_dir in (_TESTS / "unit" / "sources", _TESTS / "unit" / "reporters"):
    if str(_helper_dir) not in sys.path:
        sys.path.insert(0, str(_helper_dir))

from gitfix import VMSD_BASE, VMSD_FIELD_REMOVED, GitRepo  # noqa: E402
from sarifcheck import validate_sarif  # noqa: E402

from bot.cli import main  # noqa: E402
from bot.errors import InputError  # noqa: E402

HEADER = """\
#ifndef HW_MISC_FOO_H
#define HW_MISC_FOO_H
#define TYPE_FOO "foo"
typedef struct FooState {
    uint32_t ctrl;
    uint32_t scratch;
    uint32_t status;
} FooState;
#endif
"""


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default index cache ($XDG_CACHE_HOME/migcheck) inside the test's tmp dir."""
    xdg = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    return xdg


@pytest.fixture()
def repo(tmp_path: Path) -> GitRepo:
    """base: a device with a vmsd; master: base + one patch removing a field."""
    r = GitRepo(tmp_path / "repo")
    base = r.commit(
        {
            "VERSION": "10.1.50\n",
            "hw/misc/foo.c": VMSD_BASE,
            "include/hw/misc/foo.h": HEADER,
            "docs/foo.rst": "Foo\n===\n",
        },
        "base",
    )
    r.tag("base", base)
    r.commit({"hw/misc/foo.c": VMSD_FIELD_REMOVED}, "hw/misc/foo: drop scratch")
    return r


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def assert_clean_error(rc: int, err: str, *needles: str) -> None:
    assert rc == 2, err
    assert err.startswith("migcheck: error: "), err
    assert "Traceback" not in err
    for n in needles:
        assert n in err, err


# ---- the main job -------------------------------------------------------------------------


def test_range_text(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, "check", "--repo", str(repo.path), "--no-index", "base..master")
    assert rc == 1, err
    lines = out.splitlines()
    assert lines[0].startswith("[1/1] hw/misc/foo: drop scratch (")
    assert any(
        ln.startswith("  hw/misc/foo.c:9: MIG002 [vmstate-field-removed] error:") for ln in lines
    )
    assert any("VMSTATE_UNUSED(4)" in ln for ln in lines)
    assert lines[-1].startswith("1 finding (1 error, 0 warnings, 0 notes) in 1 patch: ")
    assert err == ""


def test_range_json_with_index(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    rc, out, _ = run_cli(
        capsys, "check", "--repo", str(repo.path), "--cache-dir", str(cache), "--format", "json",
        "base..master",
    )  # fmt: skip
    assert rc == 1
    doc = json.loads(out)
    assert doc["base"] == str(repo.repo.revparse_single("base").id)
    assert [p["subject"] for p in doc["series"]] == ["hw/misc/foo: drop scratch"]
    (f,) = [f for f in doc["findings"] if f["rule"] == "MIG002"]
    assert f["path"] == "hw/misc/foo.c" and f["patch_index"] == 1 and f["side"] == "old"
    assert f["fingerprint"] and f["evidence"] == ["source"]
    assert any(cache.iterdir())  # the whole-tree index was built and cached


def test_sarif_and_codequality(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(
        capsys, "check", "--repo", str(repo.path), "--no-index", "--format", "sarif", "base..master"
    )
    assert rc == 1
    doc = json.loads(out)
    assert validate_sarif(doc) == []
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["MIG002"]
    rc, out, _ = run_cli(
        capsys, "check", "--repo", str(repo.path), "--no-index", "--format", "codequality",
        "base..master",
    )  # fmt: skip
    issues = json.loads(out)
    assert issues[0]["check_name"] == "MIG002 vmstate-field-removed"
    assert issues[0]["severity"] == "critical"
    # the removed `scratch` was old line 9; Code Quality annotates the head's file, where the
    # removal sits after `ctrl` (line 8), the nearest new line (bot/reporters/anchor.py)
    assert issues[0]["location"] == {"path": "hw/misc/foo.c", "lines": {"begin": 8}}


def test_output_file(repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dest = tmp_path / "report.json"
    rc, out, err = run_cli(
        capsys, "check", "--repo", str(repo.path), "--no-index", "--format", "json",
        "--output", str(dest), "base..master",
    )  # fmt: skip
    assert rc == 1 and out == ""
    assert json.loads(dest.read_text())["findings"]
    assert f"wrote json report to {dest}" in err


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("warning", 1), ("error", 1)])
def test_fail_on(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], fail_on: str, code: int
) -> None:
    rc, _, _ = run_cli(
        capsys, "check", "--repo", str(repo.path), "--no-index", "--fail-on", fail_on,
        "base..master",
    )  # fmt: skip
    assert rc == code


def test_clean_range(repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    repo.tag("dirty", str(repo.head()))
    repo.commit({"docs/foo.rst": "Foo\n===\n\nMore.\n"}, "docs: more foo")
    rc, out, _ = run_cli(capsys, "check", "--repo", str(repo.path), "dirty..master")
    assert rc == 0
    assert not (tmp_path / "xdg-cache").exists()  # nothing to analyse: no index built
    assert out.startswith("no migration impact found in 1 patch: 0 files parsed in ")


def test_mailed_series(repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    head = repo.head()
    assert head is not None
    mails = repo.write_mails([head], tmp_path / "mails")
    rc, out, _ = run_cli(
        capsys, "check", "--repo", str(repo.path), "--base", "base", "--no-index",
        "--format", "json", *mails,
    )  # fmt: skip
    assert rc == 1
    doc = json.loads(out)
    assert doc["series"][0]["subject"] == "hw/misc/foo: drop scratch"
    assert [f["rule"] for f in doc["findings"]] == ["MIG002"]


# ---- inputs that are odd but valid: processed, never a traceback ----------------------------


def test_odd_but_valid_changes(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo.tag("start", str(repo.head()))
    latin1 = "/* r\xe9gister caf\xe9 */\nstatic int x;\n".encode("latin-1")
    repo.commit({"hw/misc/latin.c": latin1}, "hw/misc: latin-1 comment")
    repo.commit({"pc-bios/blob.bin": b"\x00\xff" * 50}, "pc-bios: add a binary blob")
    repo.commit(
        {"include/hw/misc/foo.h": None, "include/hw/misc/foo-dev.h": HEADER},
        "hw/misc: rename header",
    )
    repo.commit({"docs/foo.rst": None}, "docs: delete foo.rst")
    repo.commit(
        {"hw/misc/broken.c": "static const VMStateDescription vmstate_x = {{{{ .name = \n#if\n"},
        "hw/misc: unparsable C",
    )
    rc, out, err = run_cli(
        capsys, "check", "--repo", str(repo.path), "--format", "json", "start..master"
    )
    assert rc in (0, 1), err
    assert "Traceback" not in err
    doc = json.loads(out)
    assert len(doc["series"]) == 5
    assert (tmp_path / "xdg-cache" / "migcheck").is_dir()  # default cache, index built


# ---- bad input: exit 2, a clear message, no traceback --------------------------------------


def test_non_git_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "plain"
    d.mkdir()
    rc, _, err = run_cli(capsys, "check", "--repo", str(d), "a..b")
    assert_clean_error(rc, err, str(d), "not a git repository", "hint:")


def test_unknown_revision(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run_cli(capsys, "check", "--repo", str(repo.path), "base..nope")
    assert_clean_error(rc, err, "nope: unknown revision")


@pytest.mark.parametrize("spec", ["master..master", "master..base"])
def test_empty_range(repo: GitRepo, capsys: pytest.CaptureFixture[str], spec: str) -> None:
    rc, _, err = run_cli(capsys, "check", "--repo", str(repo.path), spec)
    assert_clean_error(rc, err, "BASE..HEAD has no commits")


def test_mbox_that_is_not_an_mbox(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "series.mbox"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    rc, _, err = run_cli(capsys, "check", "--repo", str(repo.path), "--base", "base", str(bad))
    assert_clean_error(rc, err, str(bad), "not an mbox")


def test_patch_that_does_not_apply(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = repo.head()
    assert head is not None
    mails = repo.write_mails([head], tmp_path / "mails")
    other = repo.commit(
        {"hw/misc/foo.c": VMSD_BASE.replace("scratch", "spare")}, "rename", branch="other",
        parents=[str(repo.repo.revparse_single("base").id)],
    )  # fmt: skip
    rc, _, err = run_cli(capsys, "check", "--repo", str(repo.path), "--base", other, *mails)
    assert_clean_error(
        rc, err, mails[0], "patch 1/1 does not apply", "drop scratch", "hw/misc/foo.c"
    )


def test_patch_already_applied(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = repo.head()
    assert head is not None
    mails = repo.write_mails([head], tmp_path / "mails")
    rc, _, err = run_cli(capsys, "check", "--repo", str(repo.path), "--base", "master", *mails)
    assert_clean_error(rc, err, "already applied")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ([], "nothing to check"),
        (["a..b", "c..d"], "expected one range"),
        (["--base", "base"], "--base needs patch files"),
        (["--base", "base", "base..master"], "cannot be combined"),
        (["master"], "expected one range"),
    ],
)
def test_usage_errors(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    rc, _, err = run_cli(capsys, "check", "--repo", str(repo.path), *argv)
    assert_clean_error(rc, err, needle)


def test_patch_files_without_base(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = repo.head()
    assert head is not None
    mails = repo.write_mails([head], tmp_path / "mails")
    rc, _, err = run_cli(capsys, "check", "--repo", str(repo.path), *mails)
    assert_clean_error(rc, err, "need --base")


def test_bad_format_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ei:
        main(["check", "--format", "xml", "a..b"])
    assert ei.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_unwritable_output(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dest = tmp_path / "no" / "such" / "dir" / "r.json"
    rc, _, err = run_cli(
        capsys, "check", "--repo", str(repo.path), "--no-index", "--output", str(dest),
        "base..master",
    )  # fmt: skip
    assert_clean_error(rc, err, str(dest), "cannot write the report")


@pytest.mark.qemu
def test_build_with_prebuilt_binaries(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """--build wiring: the same QEMU on both sides adds no finding; progress (asked for:
    stderr is not a terminal here) goes to stderr."""
    qemu = "/usr/bin/qemu-system-x86_64"
    machine = next(
        ln.split()[0]
        for ln in subprocess.run(
            [qemu, "-M", "help"], capture_output=True, text=True
        ).stdout.splitlines()
        if ln.startswith("pc-q35-")
    )
    rc, out, err = run_cli(
        capsys, "check", "--repo", str(repo.path), "--no-index", "--format", "json", "--build",
        "--base-binary", qemu, "--head-binary", qemu, "--machines", machine, "--no-sandbox",
        "--progress", "base..master",
    )  # fmt: skip
    assert rc == 1, err
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["MIG002"]
    assert f" machines 0/1 (0%) {machine}: dump" in err and "Traceback" not in err
    assert " machines 1/1 done in " in err


# ---- rules --------------------------------------------------------------------------------


def test_rules_list_and_doc(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(capsys, "rules")
    assert rc == 0
    row = next(ln for ln in out.splitlines() if ln.startswith("MIG002"))
    assert "vmstate-field-removed" in row and "error" in row and "field-removed" in row
    for key in ("MIG002", "vmstate-field-removed", "vmstate_field_removed", "mig002"):
        rc, out, _ = run_cli(capsys, "rules", key)
        assert rc == 0
        assert out.startswith("MIG002 vmstate-field-removed\n")
        assert "*Why it breaks migration*" in out
    rc, out, _ = run_cli(capsys, "rules", "--format", "json", "MIG002")
    assert json.loads(out)["name"] == "vmstate-field-removed"


def test_rules_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run_cli(capsys, "rules", "MIG999")
    assert_clean_error(rc, err, "MIG999: no such rule", "migcheck rules")


# ---- demo ---------------------------------------------------------------------------------


def test_demo_shows_the_planted_breakages(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.commands import demo

    parser = argparse.ArgumentParser()
    demo.register(parser.add_subparsers(dest="command"))
    rc = demo.run(parser.parse_args(["demo", "--format", "json"]))
    out, err = capsys.readouterr()
    assert rc == 0, err
    doc = json.loads(out)
    assert [p["subject"] for p in doc["series"]] == [
        "hw/misc/foo: drop the unused scratch register",
        "hw/misc/foo: migrate the FIFO level",
        "hw/misc/foo: enable turbo mode by default",
    ]
    by_patch = {(f["patch_index"], f["rule"]) for f in doc["findings"]}
    assert {(1, "MIG002"), (2, "MIG006"), (3, "MIG030")} <= by_patch
    # the first thing a user sees: every draft of the sample is proven on the drafted tree
    # (MIG006's `.needed` goes after a `.fields` written without a trailing comma)
    checks = {f["rule"]: f.get("fix_check") for f in doc["findings"]}
    assert checks == dict.fromkeys(("MIG002", "MIG006", "MIG030"), "fix verified from source")


# ---- through a real process ---------------------------------------------------------------


def test_subprocess(repo: GitRepo, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    cmd = [sys.executable, "-m", "bot", "check", "--repo", str(repo.path), "--format", "json"]
    ok = subprocess.run([*cmd, "base..master"], capture_output=True, text=True, env=env)
    assert ok.returncode == 1, ok.stderr
    assert json.loads(ok.stdout)["findings"][0]["rule"] == "MIG002"
    assert (tmp_path / "xdg" / "migcheck").is_dir()  # default cache dir honours XDG
    bad = subprocess.run([*cmd, "base..nope"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2
    assert bad.stderr.startswith("migcheck: error: nope: unknown revision")
    assert "Traceback" not in bad.stderr


def test_demo_keep_and_no_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.commands import demo

    parser = argparse.ArgumentParser()
    demo.register(parser.add_subparsers(dest="command"))
    keep = tmp_path / "sample"
    args = parser.parse_args(["demo", "--keep", str(keep), "--no-index", "--fail-on", "error"])
    assert demo.run(args) == 1
    out, err = capsys.readouterr()
    assert "MIG002 [vmstate-field-removed]" in out
    assert f"kept in {keep} (branch sample-series)" in err
    log = subprocess.run(
        ["git", "-C", str(keep), "log", "--format=%s", "sample-series"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert log[0] == "hw/misc/foo: enable turbo mode by default" and log[-1] == "sample base"
    again = parser.parse_args(["demo", "--keep", str(keep)])
    with pytest.raises(InputError, match="already exists"):
        demo.run(again)
