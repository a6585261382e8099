"""Progress for people (bot.progress) and honest timing: the index reports the files it
parses through review()'s callback, the CLI shows progress on a terminal only unless asked,
and the summary line counts every file and all the time, index included."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))

from gitfix import VMSD_BASE, VMSD_FIELD_REMOVED, GitRepo

from bot.cli import main
from bot.progress import Terminal, duration, eta, progress_for
from bot.review import ReviewOptions, review
from bot.sources.gitrange import series_from_range


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_duration_and_eta() -> None:
    assert [duration(s) for s in (0.4, 42, 185, 3725)] == ["0 s", "42 s", "3 min 05 s",
                                                           "1 h 02 min"]  # fmt: skip
    assert eta(10.0, 25, 100) == 30.0
    assert eta(0.5, 25, 100) is None  # no rate yet
    assert eta(10.0, 0, 100) is None and eta(10.0, 5, 0) is None


def test_live_line_is_rewritten_with_eta_and_each_phase_closes() -> None:
    out, clock = Tty(), Clock()
    t = Terminal(out, clock=clock)
    assert t.live
    t("index", 0, 400, "120 of 520 files from the cache")
    clock.now += 20
    t("index", 100, 400, "hw/net/e1000.c")
    clock.now += 0.05  # faster than the redraw interval: not drawn
    t("index", 101, 400, "hw/net/e1000e.c")
    clock.now += 40
    t("index", 400, 400, "parsed")
    clock.now += 5
    t("compile", 3, 10, "[3/10] Compiling C object hw/intc/apic.c.o")
    t.close()
    text = out.getvalue()
    lines = text.split("\n")
    assert "\r[     20 s] index 100/400 (25%) ETA 1 min 00 s hw/net/e1000.c" in text
    assert "e1000e" not in text
    assert lines[0].endswith("[1 min 00 s] index 400/400 done in 1 min 00 s")
    assert "compile 3/10 (30%) [3/10] Compiling" in text
    assert lines[1].rstrip().endswith("compile 3/10 done in 0 s") and lines[2] == ""


def test_plain_lines_on_a_pipe_at_most_every_ten_seconds() -> None:
    out, clock = io.StringIO(), Clock()
    t = Terminal(out, clock=clock)
    assert not t.live
    for i in range(1, 101):
        clock.now += 0.5
        t("migrate", i, 100, f"pc-q35-{i}")
    t.close()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert 5 <= len(lines) <= 8  # 50 s of events: one line per 10 s, the last, the close
    assert lines[-2].startswith("[     50 s] migrate 100/100 (100%)")
    assert lines[-1].endswith("migrate 100/100 done in 50 s")


def test_progress_for_modes() -> None:
    assert progress_for("auto", io.StringIO()) is None  # nothing on a pipe unless asked
    assert isinstance(progress_for("auto", Tty()), Terminal)
    assert isinstance(progress_for("always", io.StringIO()), Terminal)
    assert progress_for("never", Tty()) is None


@pytest.fixture()
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    files = {f"hw/misc/dev{i}.c": VMSD_BASE.replace('"foo"', f'"dev{i}"') for i in range(12)}
    r.tag("base", r.commit({**files, "hw/misc/foo.c": VMSD_BASE}, "base"))
    r.commit({"hw/misc/foo.c": VMSD_FIELD_REMOVED}, "hw/misc/foo: drop scratch")
    return r


def test_review_reports_index_progress_and_counts_every_file(repo: GitRepo, tmp_path: Path) -> None:
    series = series_from_range(str(repo.path), "base..master")
    events: list[tuple[str, int, int, str]] = []
    opts = ReviewOptions(repo=str(repo.path), cache_dir=tmp_path / "cache")
    first = review(series, opts, progress=lambda *e: events.append(e))
    index = [e for e in events if e[0] == "index"]
    assert index[0][1:3] == (0, 13) and index[-1][1:3] == (13, 13)
    # 13 files of the base tree parsed for the index, the head's changed file, and the
    # changed file's two sides parsed by the analysis; nothing came from the cache yet
    assert first.stats.files_cached == 0
    assert first.stats.files_parsed == 13 + 1 + 2
    # the finding's fix draft is applied and the series reviewed again (--verify-fix)
    assert [name for name, _ in first.stats.phases] == ["index", "analysis", "verify"]
    assert first.stats.seconds >= sum(sec for _, sec in first.stats.phases)

    events.clear()
    warm = review(series, opts, progress=lambda *e: events.append(e))
    assert not [e for e in events if e[0] == "index"]  # nothing to parse, nothing shown
    assert warm.stats.files_cached == 13 + 1 and warm.stats.files_parsed == 16


def test_cli_summary_quiet_and_progress(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["check", "--repo", str(repo.path), "--cache-dir", str(tmp_path / "c"),
            "base..master"]  # fmt: skip
    assert main([*args, "--progress"]) == 1
    out, err = capsys.readouterr()
    assert "index 13/13 done in" in err
    assert out.splitlines()[-1].startswith(
        "1 finding (1 error, 0 warnings, 0 notes) in 1 patch: 16 files parsed (0 from cache) "
        "in ")  # fmt: skip
    phases = (r" s \(read [0-9.]+ s, child [0-9.]+ s, index [0-9.]+ s, analysis [0-9.]+ s, "
              r"verify [0-9.]+ s\)$")
    assert re.search(phases, out.splitlines()[-1])

    assert main(args) == 1  # stderr is not a terminal here: no progress unless asked
    out, err = capsys.readouterr()
    assert err == "" and "16 files parsed (14 from cache)" in out

    assert main([*args, "--quiet", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    stats = json.loads(out)["stats"]
    assert err == "" and stats["files_cached"] == 14 and set(stats["phases"]) == {
        "read", "child", "index", "analysis", "verify"}  # fmt: skip
    assert stats["seconds"] >= sum(stats["phases"].values()) - 1e-3
    with pytest.raises(SystemExit):
        main([*args, "--quiet", "--progress"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_the_command_counts_its_own_start_up(repo: GitRepo, tmp_path: Path) -> None:
    """Run as a command, the summary's total includes the interpreter's start-up and the
    imports (phase "start"): it is close to the wall time the user waited."""
    import subprocess
    import time

    t0 = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--repo", str(repo.path), "--cache-dir",
         str(tmp_path / "c"), "--format", "json", "base..master"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    wall = time.monotonic() - t0
    assert out.returncode == 1, out.stderr
    stats = json.loads(out.stdout)["stats"]
    assert list(stats["phases"])[:2] == ["start", "read"] and stats["phases"]["start"] > 0.05
    assert 0.7 * wall <= stats["seconds"] <= wall
