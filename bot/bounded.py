"""Source analysis of an untrusted series under limits: input caps, then a child process.

Every front end reviews through bot.review.review(); with `ReviewOptions.limits` set (the
CLI, `migcheck ci`, the GitLab worker and the mail bot set it) the source analysis (index
views and rules) runs here:

1. input caps, checked before anything is parsed: the size of each changed .c/.h file, the
   number of changed files, the number of patches (merged-in commits included);
2. a fresh interpreter (`python -m bot.bounded REQ RES`) started like a sandboxed command
   (bot.artifacts.sandbox: cleared environment, `prlimit` on address space, CPU seconds and
   file size, a watchdog on the wall clock, output read through a capped Capture) that
   reviews the pickled series and writes the pickled source report back.

Over any limit the report holds one finding, `too large to review: <which limit>` (rule
LIMIT, an error: an unreviewed series is not a clean one), so the CLI exits 1, the merge
request gets it in its summary note and a failed commit status, and the mail bot replies
with it. The child only bounds resources; it is not a sandbox (it reads the cache and the
repository as the bot does).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import logging
import os
import pickle
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.progress import Progress
    from bot.report import Report
    from bot.review import ReviewOptions
    from bot.series import Series
# bot.findings, bot.report (pygit2) are imported where used: `check` starts the analysis
# child (prestart) before it imports them.

MIB = 1024 * 1024
LIMIT_RULE = "LIMIT"
_PROGRESS = "\x1emigcheck-progress\t"  # a child's line that carries a progress event
_LOG = "\x1emigcheck-log\t"  # a child's line that carries a log record
_CRASH_SIGNALS = (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGKILL)
_MEMORY_WORDS = ("MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory")


@dataclass(frozen=True, slots=True)
class AnalysisLimits:
    """Limits of one source analysis; the config's [review] keys in brackets."""

    seconds: float = 600.0  # wall clock of the child (review.analysis_seconds)
    cpu_seconds: int = 0  # CPU of the child (review.analysis_cpu_seconds); 0 = the wall limit
    memory: int = 4096 * MIB  # its address space (review.analysis_memory_mb)
    max_file_bytes: int = 4 * MIB  # biggest changed .c/.h file (review.max_file_bytes)
    max_files: int = 5000  # changed files (review.max_files)
    max_patches: int = 1000  # commits, merged-in ones included (review.max_patches)


def over_input_caps(series: Series, limits: AnalysisLimits) -> str:
    """Which input cap the series breaks, in words ('' when none)."""
    commits = len(series.patches) + len(series.merged)
    if commits > limits.max_patches:
        return (f"the series has {commits} commits, more than the {limits.max_patches} "
                "allowed (review.max_patches)")  # fmt: skip
    paths = {fc.path for fc in series.folded}
    for p in (*series.patches, *series.merged):
        paths.update(fc.path for fc in p.files)
    if len(paths) > limits.max_files:
        return (f"the series changes {len(paths)} files, more than the {limits.max_files} "
                "allowed (review.max_files)")  # fmt: skip
    for fc in (*series.folded, *(fc for p in (*series.patches, *series.merged)
                                 for fc in p.files)):  # fmt: skip
        if fc.binary or not fc.path.endswith((".c", ".h")):
            continue
        size = max(len(fc.old or b""), len(fc.new or b""))
        if size > limits.max_file_bytes:
            return (f"{fc.path} is {size:,} bytes, more than the {limits.max_file_bytes:,} "
                    "allowed for one C file (review.max_file_bytes)")  # fmt: skip
    return ""


def too_large(series: Series, why: str, seconds: float = 0.0) -> Report:
    """The report of a series not reviewed because of a limit: one error finding."""
    from bot.findings import Category, Finding, Severity, fingerprint
    from bot.report import Report, Stats

    message = f"too large to review: {why}"
    finding = Finding(
        rule=LIMIT_RULE,
        name="too-large-to-review",
        severity=Severity.ERROR,
        category=Category.OTHER,
        confidence="high",
        message=message,
        fix_hint="Split the series or the file, or ask the operator to raise the limit; "
        "migcheck did not review it, so it may break migration.",
        path="",
        line=0,
        side="new",
        entity="",
        fingerprint=fingerprint(LIMIT_RULE, "", "", why),
    )
    return Report(series=series, findings=(finding,), stats=Stats(seconds=seconds))


def _killed_why(limits: AnalysisLimits, killed_by: str, returncode: int, output: str,
                seconds: float) -> str:
    """Which limit ended the child, in words ('' when none did: a crash)."""
    cpu = limits.cpu_seconds or int(limits.seconds) + 1
    if killed_by == "timeout":
        return (f"the source analysis ran past its {limits.seconds:g} s wall-clock limit "
                "(review.analysis_seconds)")  # fmt: skip
    # RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one (prlimit sets both);
    # CPU time cannot exceed the wall time of the (single-threaded) analysis
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL) and seconds >= cpu:
        return f"the source analysis used its {cpu} s of CPU (review.analysis_cpu_seconds)"
    if killed_by == "memory" or (returncode != 0 and any(w in output for w in _MEMORY_WORDS)):
        return (f"the source analysis needed more than its {limits.memory // MIB} MiB of "
                "memory (review.analysis_memory_mb)")  # fmt: skip
    if -returncode in _CRASH_SIGNALS:  # the C parser does not survive a failed malloc
        return (f"the source analysis died ({signal.Signals(-returncode).name}), most likely "
                f"out of memory (its limit: {limits.memory // MIB} MiB, "
                "review.analysis_memory_mb)")  # fmt: skip
    return f"the source analysis broke its {killed_by} limit" if killed_by else ""


class _Child:
    """One started analysis child: its scratch dir, request and result paths, the job."""

    def __init__(self, limits: AnalysisLimits, progress: Progress | None) -> None:
        from bot.artifacts.capture import Capture
        from bot.artifacts.sandbox import Budget, Sandbox, Supervised

        self.limits = limits
        self.progress = progress
        sandbox = Sandbox("none", prlimit=shutil.which("prlimit") or "prlimit")
        budget = Budget(limits.seconds, limits.memory, cpu_seconds=limits.cpu_seconds)
        root = str(Path(__file__).resolve().parents[1])
        self._tmp = tempfile.TemporaryDirectory(prefix="migcheck-analysis-")
        tmp = self._tmp.name
        self.req, self.res = Path(tmp) / "request.pickle", Path(tmp) / "result.pickle"
        try:
            # the child imports the analysis, then waits for the request file to appear
            self.job = Supervised(sandbox, [sys.executable, "-m", "bot.bounded", str(self.req),
                                            str(self.res)],
                                  cwd=tmp, writable=[tmp], budget=budget,
                                  env={"PYTHONPATH": root},
                                  capture=Capture(head=16_000, tail=16_000,
                                                  on_line=self._on_line))  # fmt: skip
        except BaseException:
            self._tmp.cleanup()
            raise

    def _on_line(self, line: str) -> None:
        # the progress of the review it gets (set when it is handed the request)
        _relay(self.progress)(line)

    def ask(self, request: bytes) -> None:
        """Hand the request over (written aside, then renamed: the child never reads half)."""
        part = self.req.with_name("request.part")
        part.write_bytes(request)
        os.replace(part, self.req)

    def close(self) -> None:
        """Kill the child if it still runs and remove its scratch dir (idempotent)."""
        try:
            self.job.stop()
        finally:
            self._tmp.cleanup()


_started: _Child | None = None  # prestart()'s child, waiting for bounded_source_review


def prestart(limits: AnalysisLimits) -> None:
    """Start the analysis child now, so that its interpreter start and imports overlap what
    the caller does before it has a series (its own imports, reading the series from git,
    applying mails); the next bounded_source_review with the same limits hands it the
    request. Same limits and environment as a child started then. Nothing when one with
    these limits waits already. Call discard_prestarted() when no review follows."""
    global _started
    if _started is not None and _started.limits == limits:
        return
    discard_prestarted()
    _started = _Child(limits, None)


def discard_prestarted() -> None:
    """Stop a child prestart() left unused (nothing when there is none)."""
    global _started
    child, _started = _started, None
    if child is not None:
        child.close()


def _take_child(limits: AnalysisLimits, progress: Progress | None) -> _Child:
    """The prestarted child when it was started for these limits, else a new one."""
    global _started
    child, _started = _started, None
    if child is not None and child.limits == limits:
        child.progress = progress
        return child
    if child is not None:
        child.close()
    return _Child(limits, progress)


def bounded_source_review(series: Series, options: ReviewOptions, limits: AnalysisLimits,
                          progress: Progress | None = None) -> Report:
    """The source report of bot.review.source_review, computed in a limited child; over a
    limit, the too-large report (BotError from the child is raised here again)."""
    from bot.errors import BotError
    from bot.redact import shown

    why = over_input_caps(series, limits)
    if why:
        discard_prestarted()
        return too_large(series, why)
    level = logging.getLogger().getEffectiveLevel()
    # what the source analysis needs (the artifact layer runs in this process)
    request = dataclasses.replace(options, artifacts=None, limits=None)
    child = _take_child(limits, progress)
    job = child.job
    try:
        child.ask(pickle.dumps((series, request, progress is not None, level)))
        try:
            code = job.finish()
        finally:
            job.stop()
        out = job.capture.text()
        result: tuple[Any, ...] | None = None
        if code == 0 and child.res.is_file():
            result = pickle.loads(child.res.read_bytes())
    finally:
        child.close()
    if result is not None and result[0] == "report":
        report: Report = result[1]
        return report
    if result is not None and result[0] == "error":
        cls = getattr(sys.modules["bot.errors"], result[1], BotError)
        raise cls(result[2], input_name=result[3], hint=result[4])
    killed_by = "memory" if result is not None else job.killed_by
    why = _killed_why(limits, killed_by, code, out, job.seconds)
    if why:
        return too_large(series, why, job.seconds)
    raise BotError(f"the source analysis failed (exit {code}):\n{shown(out.strip(), 3000)}",
                   hint="a bug in migcheck: report it with the series")  # fmt: skip


def _relay(progress: Progress | None) -> Callable[[str], None]:
    """A Capture line callback passing the child's progress events and log records on
    (to this process's handlers, which redact)."""

    def on_line(line: str) -> None:
        if line.startswith(_PROGRESS) and progress is not None:
            phase, done, total, detail = line[len(_PROGRESS):].split("\t", 3)
            progress(phase, int(done), int(total), detail)
        elif line.startswith(_LOG):
            level, name, message = line[len(_LOG):].split("\t", 2)
            logging.getLogger(name).log(int(level), "%s", message.replace("\x1f", "\n"))

    return on_line


def _flat(text: str) -> str:
    return text.replace("\t", " ").replace("\n", "\x1f")


def _emit(phase: str, done: int, total: int, detail: str) -> None:
    print(f"{_PROGRESS}{phase}\t{done}\t{total}\t{_flat(detail)}", flush=True)


class _LineHandler(logging.Handler):
    """The child's log handler: one line per record on stdout, for _relay."""

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        print(f"{_LOG}{record.levelno}\t{record.name}\t{_flat(text)}", flush=True)


def _import(name: str) -> Callable[[], object]:
    return lambda: importlib.import_module(name)


def _load_rules() -> None:
    from rules import load_rules

    load_rules()


# What a source analysis of C changes imports, in the order it needs it.
_PRELOAD: tuple[Callable[[], object], ...] = (
    _import("bot.analyze"), _import("bot.index"), _import("bot.model.extract"), _load_rules,
)


def _preload(until: Path) -> None:
    """Import what a source analysis runs while the parent still reads the series (until
    the request is there: a series without C changes needs none of the rest)."""
    for step in _PRELOAD:
        if until.exists():
            return
        step()


def _wait_for(path: Path, step: float = 0.002) -> bytes:
    """The file's bytes once it exists (the parent renames it into place whole; the wall
    clock limit and the parent-death signal end a wait that never ends)."""
    while not path.exists():
        time.sleep(step)
    return path.read_bytes()


def _child(req: str, res: str) -> int:
    """The child's work: review the pickled request, pickle the answer."""
    from bot.errors import BotError
    from bot.review import source_review

    _preload(Path(req))
    series, options, progress, level = pickle.loads(_wait_for(Path(req)))
    logging.basicConfig(level=level, handlers=[_LineHandler()])
    answer: tuple[Any, ...]
    try:
        report, _, _ = source_review(series, options, _emit if progress else None)
        answer = ("report", report)
    except MemoryError:
        answer = ("memory",)
    except BotError as exc:
        answer = ("error", type(exc).__name__, exc.what, exc.input_name, exc.hint)
    Path(res).write_bytes(pickle.dumps(answer))
    return 0


def _die_with_parent() -> None:
    """SIGKILL this child when the bot dies (a killed worker leaves no analysis behind)."""
    import ctypes

    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if parent == 1 or os.getppid() != parent:
        os._exit(1)


if __name__ == "__main__":
    _die_with_parent()
    os.umask(0o077)
    sys.exit(_child(sys.argv[1], sys.argv[2]))
