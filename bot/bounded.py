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
import logging
import os
import pickle
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.findings import Category, Finding, Severity, fingerprint
from bot.report import Report, Stats
from bot.series import Series

if TYPE_CHECKING:
    from bot.progress import Progress
    from bot.review import ReviewOptions

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


def bounded_source_review(series: Series, options: ReviewOptions, limits: AnalysisLimits,
                          progress: Progress | None = None) -> Report:
    """The source report of bot.review.source_review, computed in a limited child; over a
    limit, the too-large report (BotError from the child is raised here again)."""
    from bot.artifacts.capture import Capture
    from bot.artifacts.sandbox import Budget, Sandbox, Supervised
    from bot.errors import BotError
    from bot.redact import shown

    why = over_input_caps(series, limits)
    if why:
        return too_large(series, why)
    sandbox = Sandbox("none", prlimit=shutil.which("prlimit") or "prlimit")
    budget = Budget(limits.seconds, limits.memory, cpu_seconds=limits.cpu_seconds)
    root = str(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory(prefix="migcheck-analysis-") as tmp:
        req, res = Path(tmp) / "request.pickle", Path(tmp) / "result.pickle"
        level = logging.getLogger().getEffectiveLevel()
        # what the source analysis needs (the artifact layer runs in this process)
        child = dataclasses.replace(options, artifacts=None, limits=None)
        req.write_bytes(pickle.dumps((series, child, progress is not None, level)))
        job = Supervised(sandbox, [sys.executable, "-m", "bot.bounded", str(req), str(res)],
                         cwd=tmp, writable=[tmp], budget=budget, env={"PYTHONPATH": root},
                         capture=Capture(head=16_000, tail=16_000,
                                         on_line=_relay(progress)))  # fmt: skip
        try:
            code = job.finish()
        finally:
            job.stop()
        out = job.capture.text()
        result: tuple[Any, ...] | None = None
        if code == 0 and res.is_file():
            result = pickle.loads(res.read_bytes())
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


def _child(req: str, res: str) -> int:
    """The child's work: review the pickled request, pickle the answer."""
    from bot.errors import BotError
    from bot.review import source_review

    series, options, progress, level = pickle.loads(Path(req).read_bytes())
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
